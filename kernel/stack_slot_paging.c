/* Guarded, growable task stacks on bare metal (stack_slot.h): slots in the
 * arch's stack region, mapped page by page through brigade's own page
 * tables (the host's are kernel/arch/x86_64/host_stack_slot.c).
 *
 * A slot is a reservation above an unmapped guard. Every leaf entry of the
 * reservation is marked reserved when the slot is carved (an invalid entry
 * with a software bit: the hardware ignores every other bit of an invalid
 * entry), only the top page is mapped, and a data page fault on a reserved
 * entry maps one page there (stack_slot_fault) and returns to the task. The
 * mark, not the running task, says what is growable: a fault on a stack
 * between a switch's bookkeeping and the switch itself (the scheduler runs
 * on the outgoing task's stack while `current` already names the next
 * one) grows the right stack all the same. A fault on an entry that is not
 * reserved (a guard) is an overflow and panics naming the task.
 *
 * Where a growth fault's page comes from. The fault may come from inside
 * malloc (holding the heap lock, a core-owned spinlock held with
 * interrupts masked), so the handler cannot just call malloc. Each core
 * keeps STACK_SLOT_PAGE_CACHE free pages (struct cpu's stack_pages), which
 * only its own fault handler touches, with interrupts masked, on the
 * exception stack (and stack_slot_core_init, before the core runs a task):
 * nothing else can interleave with it. A fault taken with interrupts
 * enabled comes from code that holds none of the locks a refill takes: the
 * slot and pool locks are only ever taken with interrupts masked, and
 * malloc's lock masks them (libc/newlib_locks.c). So its handler may take
 * them and call malloc (a lock held by another core is let go: its holder
 * has interrupts masked and waits for nothing of this core's): it refills
 * the cache, from the shared page pool or the heap, whenever it holds less
 * than half. A fault taken with interrupts masked (inside malloc, a
 * spinlock, an interrupt handler or the scheduler on a task's stack) may
 * come from code holding any of them, so it only *tries* each lock, and
 * malloc's through the hook libc registers (stack_slot_set_heap_lock),
 * which fails when this core is inside malloc: it refills when all are
 * free, which is nearly always, and else just takes a page. The cache is
 * thus short only after faults taken while this core holds one of those
 * locks (or another core does, for a moment): inside malloc or the slot
 * code, a few hundred bytes of stack each, so two pages at most per such
 * stretch, and a stretch ends, letting the next fault refill, before
 * another can begin. Against 8 or more pages in the cache, it cannot run
 * dry in normal use; should it anyway, or should the heap be exhausted,
 * the fault panics naming the cause (STACK_FAULT_NO_PAGE) rather than
 * corrupt anything. (A first version refilled only on faults taken with
 * interrupts enabled, and ran dry when many new tasks on one core grew
 * their stacks with interrupts masked: test_waitq's waiters do.)
 *
 * Pages are 4 KiB pieces of heap blocks of STACK_POOL_CHUNK pages (one
 * page-aligned block wastes at most the alignment gap, which newlib keeps
 * as a free block; a block per page would waste nearly a page each). The
 * region's page tables come from the same pool. A
 * piece cannot go back to the heap alone, so free pages go to the shared
 * page pool, and only stacks use them again.
 *
 * Why no core can keep a stale TLB entry for a freed stack page.
 * A core's TLB may keep a translation for as long as nothing tells it to
 * forget it. If a stack page were unmapped and its physical page reused,
 * every core that had ever run the task could still hold the old
 * translation and write through it into whatever took the page; making
 * that safe takes a shootdown (every core flushed before the page is
 * reused). brigade keeps shootdowns off every common path with one rule:
 *
 *   while a slot lives, a page mapped at its address stays mapped to the
 *   same physical page, and the slot is recycled whole, pages and all.
 *
 * So the common change to the region's tables is invalid -> valid (a new
 * table, a new page, a growth fault), and a TLB entry any core holds for a
 * live slot is either right (it names the page that is still there) or a
 * remembered "invalid" for an address since mapped. AArch64 never keeps a
 * translation fault in its TLB at all. A RISC-V hart may, and its access
 * faults: stack_slot_fault finds the page mapped, the handler flushes that
 * one address on that core (arch_stack_refetch) and the access is retried.
 * That spurious fault may even hit an interrupt entry pushing its frame on
 * the task's stack: both trap entries keep the interrupted pc and status
 * out of reach of a nested fault until the frame is saved (trap_entry.S),
 * which a growth fault there needs anyway. A slot's pages are recycled only
 * with the slot, whole and at the same address, for the next task of the
 * same size, on any core (the switch that hands a task to another core
 * needs no TLB maintenance at all).
 *
 * Pages beyond the first are given back lazily, and only behind a
 * shootdown: when the heap cannot give a stack a page, the free slots on
 * the shared list are unmapped, every core's TLB is invalidated by a
 * broadcast that completes before it returns (arch_stack_shootdown), and
 * only then do their pages go to the page pool (reclaim_free_slots). Their
 * addresses are never used again (their entries are made "none", so a
 * stray access there panics). No page is ever reused while any TLB can
 * still translate to it from a removed mapping, because the only removal
 * is followed by the shootdown before the first reuse, and every other
 * change makes an entry valid.
 *
 * A program that wants the fewest bytes per parked task with a fixed
 * depth asks for fixed heap stacks (task_attr.heap_stack).
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <brigade/cpu.h>
#include <brigade/panic.h>
#include <brigade/spinlock.h>
#include <brigade/stack_slot.h>

#if ARCH_HAS_STACK_SLOTS

_Static_assert(sizeof(((struct cpu *)0)->stack_pages) / sizeof(void *) == STACK_SLOT_PAGE_CACHE,
               "struct cpu's page cache is STACK_SLOT_PAGE_CACHE pages");

/* Pages taken from the heap at a time for the page pool. */
#define STACK_POOL_CHUNK 64

/* Guards the carving point and the free list. Taken with interrupts masked
 * (the scheduler's first-run and exit paths, a growth fault's refill);
 * pool_lock and malloc's lock nest inside. */
static spinlock_t slot_lock = SPINLOCK_INIT("stack slots");
static uintptr_t next_slot = ARCH_STACK_REGION_BASE; /* carving point */
/* The shared page pool: free pages linked through their first word
 * (through the identity map), under pool_lock (interrupts masked; malloc's
 * lock nests inside). */
static spinlock_t pool_lock = SPINLOCK_INIT("stack pages");
static void *pool;
/* Written under a lock or by the owning core, read without one (gauges:
 * relaxed, a reader orders nothing by them). */
static size_t bytes_reclaimed;
static size_t pool_pages;
static size_t table_pages; /* the region's page tables (under the slot lock) */

static void gauge_add(size_t *g, long delta) {
  __atomic_store_n(g, *g + (size_t)delta, __ATOMIC_RELAXED);
}

size_t stack_slot_bytes_reclaimed(void) {
  return __atomic_load_n(&bytes_reclaimed, __ATOMIC_RELAXED);
}

size_t stack_slot_bytes_in_tables(void) {
  return __atomic_load_n(&table_pages, __ATOMIC_RELAXED) * STACK_SLOT_PAGE;
}

size_t stack_slot_bytes_cached(void) {
  size_t pages = __atomic_load_n(&pool_pages, __ATOMIC_RELAXED);
  for (unsigned i = 0; i < cpu_count(); i++)
    pages += __atomic_load_n(&cpu_get(i)->nstack_pages, __ATOMIC_RELAXED);
  return pages * STACK_SLOT_PAGE;
}

/* Under pool_lock. */
static void pool_push(void *page) {
  *(void **)page = pool;
  pool = page;
  gauge_add(&pool_pages, 1);
}

/* Under pool_lock: a page from the pool, else (@p may_grow, which needs
 * malloc's lock free or held by this call's caller) STACK_POOL_CHUNK new
 * ones from the heap (the rest to the pool), else NULL. */
static void *pool_take(bool may_grow) {
  if (!pool && may_grow) {
    /* Fewer pages when the heap has no room for a whole chunk. */
    for (int n = STACK_POOL_CHUNK; n >= 1 && !pool; n /= 2) {
      char *chunk = memalign(STACK_SLOT_PAGE, (size_t)n * STACK_SLOT_PAGE);
      for (int i = chunk ? n - 1 : -1; i >= 0; i--)
        pool_push(chunk + i * STACK_SLOT_PAGE);
    }
    if (!pool)
      return NULL;
  }
  void *page = pool;
  pool = *(void **)page;
  gauge_add(&pool_pages, -1);
  return page;
}

/* The heap is exhausted: take back every page of every slot on the shared
 * free list into the page pool. Their mappings are removed and every
 * core's TLB is invalidated (arch_stack_shootdown, which returns only when
 * each core has done it) before a single page goes to the pool, so no core
 * can reach a reused page through a stale translation. The slots'
 * addresses are not used again: a later slot is carved above them, and
 * their entries are now "none", so the region's tables still only ever
 * change invalid -> valid except here, behind the shootdown. The per-core
 * pools keep theirs (only their own core may touch them). Under the slot
 * lock. True when any page was taken back. */
static bool reclaim_free_slots(void) {
  uintptr_t lo;
  size_t size;
  if (!stack_slot_free_take_any(&lo, &size))
    return false;
  /* The pages, chained through their first words via the identity map (the
   * slot addresses are gone once unmapped). */
  void *pages = NULL;
  size_t taken = 0;
  do {
    for (uintptr_t off = 0; off < size; off += STACK_SLOT_PAGE) {
      uintptr_t pa = arch_stack_unmap_page(lo + off);
      if (pa) {
        *(void **)pa = pages;
        pages = (void *)pa;
        taken += STACK_SLOT_PAGE;
      }
    }
  } while (stack_slot_free_take_any(&lo, &size));
  arch_stack_shootdown();
  __atomic_store_n(&bytes_reclaimed, bytes_reclaimed + taken, __ATOMIC_RELAXED);
  spin_lock_raw(&pool_lock);
  while (pages) {
    void *next = *(void **)pages;
    pool_push(pages);
    pages = next;
  }
  spin_unlock_raw(&pool_lock);
  return taken != 0;
}

/* Under the slot lock: a page for a stack, reclaiming free slots when the
 * pool and the heap have none. */
static void *take_page(void) {
  spin_lock_raw(&pool_lock);
  void *page = pool_take(true);
  spin_unlock_raw(&pool_lock);
  if (!page && reclaim_free_slots()) {
    spin_lock_raw(&pool_lock);
    page = pool_take(true);
    spin_unlock_raw(&pool_lock);
  }
  return page;
}

void *stack_slot_table_page(void) {
  void *page = take_page();
  if (page) {
    memset(page, 0, STACK_SLOT_PAGE);
    gauge_add(&table_pages, 1);
  }
  return page;
}

/* A new slot of @p size bytes of reservation: its guard's addresses are
 * skipped, its entries marked reserved, its top page mapped. Under the
 * slot lock. */
static void *carve(size_t size) {
  uintptr_t lo = next_slot + STACK_SLOT_GUARD;
  if (lo + size < lo || lo + size - ARCH_STACK_REGION_BASE > ARCH_STACK_REGION_SIZE)
    return NULL; /* the region is full */
  void *top = take_page();
  if (!top)
    return NULL;
  /* From here the slot's addresses are used up whatever happens: entries
   * once marked stay marked (the rule above), so a slot that cannot be
   * finished is skipped, never carved again. */
  next_slot = lo + size;
  if (arch_stack_reserve(lo, size) != 0 ||
      !arch_stack_map_page(lo + size - STACK_SLOT_PAGE, (uintptr_t)top)) {
    spin_lock_raw(&pool_lock);
    pool_push(top);
    spin_unlock_raw(&pool_lock);
    return NULL;
  }
  arch_stack_publish(lo + size - STACK_SLOT_PAGE, STACK_SLOT_PAGE);
  stack_slot_top_of(lo, size)->pages_mapped = 1;
  return (void *)lo;
}

void *stack_slot_get(size_t size) {
  spin_lock_raw(&slot_lock);
  void *stack = stack_slot_free_take(size);
  if (!stack)
    stack = carve(size);
  spin_unlock_raw(&slot_lock);
  return stack;
}

void stack_slot_put(void *stack_lo, size_t size) {
  spin_lock_raw(&slot_lock);
  stack_slot_free_add(stack_lo, size);
  spin_unlock_raw(&slot_lock);
}

static bool (*heap_trylock)(void);
static void (*heap_unlock)(void);

void stack_slot_set_heap_lock(bool (*trylock)(void), void (*unlock)(void)) {
  __atomic_store_n(&heap_unlock, unlock, __ATOMIC_RELAXED);
  /* Release: a core that sees trylock sees unlock. */
  __atomic_store_n(&heap_trylock, trylock, __ATOMIC_RELEASE);
}

static void cache_push(struct cpu *cpu, void *page) {
  cpu->stack_pages[cpu->nstack_pages] = page;
  __atomic_store_n(&cpu->nstack_pages, cpu->nstack_pages + 1, __ATOMIC_RELAXED);
}

/* Fill this core's page cache. Lock order as everywhere: the slot lock,
 * the pool's, malloc's.
 * @p may_wait: a growth fault with interrupts enabled, or the core's init:
 * this core holds none of these locks (see above), so it takes them,
 * waiting for another core, and reclaims free slots if it must.
 * Otherwise the faulting code had interrupts masked and may hold any of
 * them (inside malloc, carving a slot): every lock is only tried, and what
 * is held (by this core or another) is left alone: the refill takes what
 * it can and the cache has pages enough meanwhile. */
static void refill_cache(struct cpu *cpu, bool may_wait) {
  if (may_wait) {
    spin_lock_raw(&slot_lock);
    while (cpu->nstack_pages < STACK_SLOT_PAGE_CACHE) {
      void *page = take_page();
      if (!page)
        break;
      cache_push(cpu, page);
    }
    spin_unlock_raw(&slot_lock);
    return;
  }
  if (!spin_trylock_raw(&slot_lock))
    return;
  if (spin_trylock_raw(&pool_lock)) {
    /* malloc's lock held across the refill: the memalign inside re-enters
     * it (it is recursive), so malloc cannot wait on it. The trylock fails
     * when this core is inside malloc already. */
    bool (*trylock)(void) = __atomic_load_n(&heap_trylock, __ATOMIC_ACQUIRE);
    bool heap = trylock && trylock();
    while (cpu->nstack_pages < STACK_SLOT_PAGE_CACHE) {
      void *page = pool_take(heap);
      if (!page)
        break;
      cache_push(cpu, page);
    }
    if (heap)
      heap_unlock();
    spin_unlock_raw(&pool_lock);
  }
  spin_unlock_raw(&slot_lock);
}

void stack_slot_core_init(void) {
  /* On the core's own stack, no fault can interleave with the refill. */
  refill_cache(this_cpu(), true);
}

/* A growth fault mapped @p va: one more page for the slot of the running
 * task, when @p va is in it (a fault only grows the stack of the task that
 * touched it, or its interrupt frame; a page of another slot, which
 * brigade's code never touches, would go uncounted: the count is for
 * gauges). */
static void count_page_in_running_slot(uintptr_t va) {
  uintptr_t lo;
  size_t size;
  if (stack_slot_running(&lo, &size) && va - lo < size)
    stack_slot_top_of(lo, size)->pages_mapped++;
}

enum stack_slot_fault_action stack_slot_fault(uintptr_t addr, bool irqs_were_on) {
  if (!stack_slot_region_has(addr))
    return STACK_FAULT_NOT_OURS;
  uintptr_t va = addr & ~(uintptr_t)(STACK_SLOT_PAGE - 1);
  switch (arch_stack_page_state(va)) {
  case STACK_PAGE_MAPPED:
    /* A stale "invalid" this core cached (RISC-V), or a walk that raced
     * the store of the core that mapped it: walk again. */
    arch_stack_refetch(va);
    return STACK_FAULT_RETRY;
  case STACK_PAGE_NONE:
    return STACK_FAULT_OVERFLOW;
  case STACK_PAGE_RESERVED:
    break;
  }
  struct cpu *cpu = this_cpu();
  if (cpu->nstack_pages < STACK_SLOT_PAGE_CACHE / 2)
    refill_cache(cpu, irqs_were_on);
  unsigned n = cpu->nstack_pages;
  if (n == 0)
    return STACK_FAULT_NO_PAGE;
  void *page = cpu->stack_pages[n - 1];
  /* Mapped by another core meanwhile (two cores touching a page no task
   * has touched: not a case brigade's code makes, but harmless): the page
   * stays in the cache. */
  if (arch_stack_map_page(va, (uintptr_t)page)) {
    __atomic_store_n(&cpu->nstack_pages, n - 1, __ATOMIC_RELAXED);
    count_page_in_running_slot(va);
  }
  /* Only this core writes its count, so no increment is lost; relaxed:
   * readers want a count, not an order with anything else. */
  __atomic_store_n(&cpu->stack_growth_faults, cpu->stack_growth_faults + 1, __ATOMIC_RELAXED);
  return STACK_FAULT_RETRY;
}

#endif /* ARCH_HAS_STACK_SLOTS */
