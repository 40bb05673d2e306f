/**
 * @file stack_slot.h
 * @brief Guarded task stacks: each one a slot in a virtual region of its
 *        own, above an unmapped guard, so an overflow faults at once and is
 *        reported naming the task instead of corrupting a neighbour.
 *
 * On every board whose arch has such a region (ARCH_HAS_STACK_SLOTS, from
 * <arch_inline.h>): the bare-metal ones map it with their own page tables
 * (kernel/stack_slot_paging.c, the arch's part at the end of this file); the host
 * reserves it with mmap and lets Linux map a page when it is first touched
 * (kernel/arch/x86_64/host_stack_slot.c). On both, an access to a guard is
 * reported by stack_slot_begin_overflow_panic, naming the task.
 *
 * A slot, from low addresses up:
 *
 *   [guard: STACK_SLOT_GUARD bytes, never mapped][reservation: the stack]
 *
 * Only the reservation's top page is mapped when the task first runs; a
 * page fault inside the reservation maps one more page from the core's
 * page cache and returns to the task, so a stack costs the pages it has
 * touched. Slots are carved from the region in address order. A page
 * mapped at a slot's address stays mapped to the same physical page while
 * the slot lives; a slot a task no longer needs is recycled whole, pages
 * and all, for the next task of the same size. Only when the heap runs out
 * are free slots unmapped and their pages taken back, behind a TLB
 * shootdown (kernel/stack_slot_paging.c argues both).
 */
#ifndef BRIGADE_STACK_SLOT_H
#define BRIGADE_STACK_SLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <brigade/arch.h>

/** Bytes of unmapped guard below every slot's stack: the largest step a
 *  function's frame may take past the bottom of its stack without touching
 *  memory. AArch64 GCC's -fstack-clash-protection assumes 64 KiB (its
 *  default stack-clash-protection-guard-size); the RISC-V build bounds
 *  every frame well below it (cmake/brigade.cmake says how). */
#define STACK_SLOT_GUARD (64 * 1024)

#define STACK_SLOT_PAGE 4096

/** Bytes at the top of a slot that are not the task's: the stack starts
 *  this far below the slot's top. The slot keeps there how many of its
 *  pages are mapped (stack_slot_mapped_bytes). */
#define STACK_SLOT_TOP_RESERVED 16

/** A guarded task's reservation when task_attr.stack_size is 0: what it
 *  may grow to. Only the pages it touches are mapped. */
#define STACK_SLOT_DEFAULT_RESERVATION (256 * 1024)

/** Free pages each core keeps for growth faults (struct cpu's
 *  stack_pages): kernel/stack_slot_paging.c argues why a fault never finds it
 *  empty in normal use. */
#define STACK_SLOT_PAGE_CACHE 16

#if ARCH_HAS_STACK_SLOTS

/**
 * @brief A growable stack: a reservation of @p size bytes (a multiple of
 *        STACK_SLOT_PAGE) in a slot of its own, an unmapped guard below it,
 *        only its top page mapped; a page fault inside the reservation maps
 *        one more page (stack_slot_fault).
 *
 * Takes a free slot of the same size if there is one (with whatever pages
 * it had grown), else carves a new one. Call with interrupts masked (the
 * scheduler's first-run path).
 *
 * @return the reservation's lowest address, or NULL when the region or the
 *         heap is exhausted.
 */
void *stack_slot_get(size_t size);

/** @brief Fill this core's page cache (once per core, before its first
 *         task runs, on a stack that is not a slot's; interrupts masked). */
void stack_slot_core_init(void);

/** @brief Give back a slot stack_slot_get returned, for reuse by any core. */
void stack_slot_put(void *stack_lo, size_t size);

/** @brief Bytes of free slots' pages taken back (unmapped, behind a TLB
 *         shootdown, into the page pool) so far, when the heap ran out (for
 *         tests and diagnostics). */
size_t stack_slot_bytes_reclaimed(void);

/** @brief Bytes of mapped pages held now by the free slots on the shared
 *         list (each keeps its pages until it is reused or reclaimed). */
size_t stack_slot_bytes_free(void);

/** What a slot keeps in its top STACK_SLOT_TOP_RESERVED bytes (never the
 *  task's): how many of its pages are mapped, written by carving and by
 *  the growth faults of the task running on it (one core at a time). */
struct stack_slot_top {
  uint32_t pages_mapped;
};
_Static_assert(sizeof(struct stack_slot_top) <= STACK_SLOT_TOP_RESERVED, "a slot's top");

static inline struct stack_slot_top *stack_slot_top_of(uintptr_t lo, size_t size) {
  return (struct stack_slot_top *)(lo + size - STACK_SLOT_TOP_RESERVED);
}

/** @brief Bytes of pages mapped in the slot at @p stack_lo (a reservation
 *         of @p size bytes from stack_slot_get): its top page and every page
 *         its tasks have grown into. For a slot no task runs on: read after
 *         the exit's switch on the core that ran it, or under the lock that
 *         handed it on, so the count is still and its writes are ordered
 *         before the read. Inline: the exit and first-run paths ask. */
static inline size_t stack_slot_mapped_bytes(const void *stack_lo, size_t size) {
  return (size_t)stack_slot_top_of((uintptr_t)stack_lo, size)->pages_mapped * STACK_SLOT_PAGE;
}

/** @brief Bytes of free stack pages kept for growth now: the shared page
 *         pool and every core's page cache. */
size_t stack_slot_bytes_cached(void);

/** @brief Bytes of the region's page tables: made as slots are carved, and
 *         kept (a slot's addresses are never carved twice), so they grow
 *         with the most slots ever held, live and free, never per task. */
size_t stack_slot_bytes_in_tables(void);

/** @brief Page faults that grew a stack so far, on every core. */
uint64_t stack_slot_growth_faults(void);

/** @brief Page faults that grew a stack so far on core @p core (0 for a
 *         core that does not exist). */
uint64_t stack_slot_growth_faults_on(unsigned core);

/** @brief True when @p addr lies in the region slots are carved from. */
static inline bool stack_slot_region_has(uintptr_t addr) {
  return addr - ARCH_STACK_REGION_BASE < ARCH_STACK_REGION_SIZE;
}

/** What a trap handler does with a memory fault (stack_slot_fault). */
enum stack_slot_fault_action {
  STACK_FAULT_NOT_OURS, /**< outside the region: the handler's usual report */
  STACK_FAULT_RETRY,    /**< the page is mapped now (grown by this fault, or
                             a stale "invalid" in this core's TLB, flushed
                             now): return and retry the access */
  STACK_FAULT_OVERFLOW, /**< an address in the region outside every
                             reservation (a guard): report it with
                             stack_slot_begin_overflow_panic */
  STACK_FAULT_NO_PAGE,  /**< inside a reservation, but no free page to map
                             there: report it with
                             stack_slot_begin_no_page_panic */
};

/**
 * @brief Handle a data page fault at @p addr (trap handler, on the core's
 *        exception stack, interrupts masked). @p irqs_were_on: the faulting
 *        code ran with interrupts enabled, so it holds neither malloc's lock
 *        nor the slot or pool lock (all held with interrupts masked) and the
 *        handler may wait for them to refill its page cache; otherwise (the
 *        code may hold any of them) it only tries them.
 */
enum stack_slot_fault_action stack_slot_fault(uintptr_t addr, bool irqs_were_on);

/**
 * @brief Start the panic report of a fault at @p addr in the region:
 *        "stack overflow in task N (name) (<used> KiB, limit <limit> KiB)"
 *        when it is in the guard below the running task's stack, else a
 *        report that names the address as another stack's guard or unused.
 *        The caller dumps its registers and calls panic_end.
 */
void stack_slot_begin_overflow_panic(uintptr_t addr, uintptr_t pc);

/** @brief Let a growth fault try malloc's lock (libc registers it, at boot):
 *         @p trylock takes it and returns true unless it is held, by
 *         another core or by this one (the fault came from inside malloc);
 *         @p unlock lets it go. Without it a growth fault taken with
 *         interrupts masked never calls malloc. */
void stack_slot_set_heap_lock(bool (*trylock)(void), void (*unlock)(void));

/** @brief Start the panic report of STACK_FAULT_NO_PAGE. */
void stack_slot_begin_no_page_panic(uintptr_t addr, uintptr_t pc);

/** @brief The running task's stack, as the function stack_slot_set_current_stack
 *         registered says: true, with its lowest address and size, when a
 *         task with a slot stack runs on this core. */
bool stack_slot_running(uintptr_t *lo, size_t *size);

/**
 * @brief Register how the panic report finds the running task's stack
 *        (the scheduler, at start): @p current_stack stores its lowest
 *        address and size and returns true, or returns false when no task
 *        with a slot stack is running.
 */
void stack_slot_set_current_stack(bool (*current_stack)(uintptr_t *lo, size_t *size));

/* The shared free list (kernel/stack_slot_free.c), for the two
 * implementations of the calls above: each call under the caller's own
 * slot lock. */

/** @brief Put the slot at @p stack_lo (a reservation of @p size bytes) on
 *         the list, its bookkeeping in its top page. */
void stack_slot_free_add(void *stack_lo, size_t size);

/** @brief Take a slot of @p size bytes off the list: its lowest address,
 *         or NULL when there is none of that size. */
void *stack_slot_free_take(size_t size);

/** @brief Take any slot off the list (to take its pages back): false when
 *         the list is empty. */
bool stack_slot_free_take_any(uintptr_t *stack_lo, size_t *size);

/* The bare-metal arch's part (kernel/arch/<arch>/mmu.c). */

/** What a leaf entry of the region holds (arch_stack_page_state). */
enum stack_page_state {
  STACK_PAGE_NONE,     /**< outside every reservation (a guard, unused) */
  STACK_PAGE_RESERVED, /**< inside a reservation, not mapped yet: an
                            invalid entry carrying a software mark */
  STACK_PAGE_MAPPED,   /**< a valid entry */
};

/** @brief A zeroed page for a table of the region (from the stack page
 *         pool: no alignment gap, as a page-aligned malloc would leave), or
 *         NULL; for arch_stack_reserve, under the slot lock. */
void *stack_slot_table_page(void);

/** @brief Make the tables for [lo, lo + size) and mark every leaf entry of
 *         it reserved (invalid). Under the slot lock, interrupts masked; may
 *         allocate tables from the heap. 0, or -1 when a table could not be
 *         allocated (the entries marked so far stay marked). */
int arch_stack_reserve(uintptr_t lo, size_t size);

/** @brief Map the 4 KiB page at @p va, which must be reserved, to @p pa,
 *         read-write, never executable, and make the mapping visible to this
 *         core's page-table walker before returning. Allocates nothing (safe
 *         in the fault handler). True when this call mapped it; false when
 *         the entry was not reserved any more (another core mapped it). */
bool arch_stack_map_page(uintptr_t va, uintptr_t pa);

/** @brief The state of the leaf entry for @p va (in the region). */
enum stack_page_state arch_stack_page_state(uintptr_t va);

/** @brief Make the entry of the page at @p va (in the region) none (neither
 *         mapped nor reserved), and return the physical address it mapped,
 *         or 0. No TLB maintenance: the caller follows with
 *         arch_stack_shootdown before reusing the page. */
uintptr_t arch_stack_unmap_page(uintptr_t va);

/** @brief The top page of a new slot [lo, lo + size) is mapped: make sure
 *         no core can take a fault on it for a stale "invalid" it cached
 *         before (RISC-V harts may cache one; AArch64 cores never do).
 *         Returns when every core is ready. */
void arch_stack_publish(uintptr_t lo, size_t size);

/** @brief Invalidate every core's TLB entries for the region, and return
 *         only when every core has done so: after it, no core can reach a
 *         page through a mapping removed before it. Safe with interrupts
 *         masked on any core (it needs no handler of brigade's to run). */
void arch_stack_shootdown(void);

/** @brief Drop whatever this core's TLB holds for @p va (a stale "invalid"
 *         entry), so the next access walks the tables again. */
void arch_stack_refetch(uintptr_t va);

#endif /* ARCH_HAS_STACK_SLOTS */

#endif
