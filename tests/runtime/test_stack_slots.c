/* Guarded task stacks (kernel/stack_slot_paging.c): where a task's stack lives,
 * that a slot recycled after its task exits, on the same core or on
 * another, gives the next task the whole of its stack, mapped, and that
 * stacks grow. The panics of an overflow are tests/harness/
 * memory_protection.c's cases 6 and 7. On the host (STACK_PAGES_MAPPED_BY_
 * THE_HOST, kernel/arch/x86_64/host_stack_slot.c) Linux maps the pages, so
 * brigade counts no growth faults there and the last two cases, about its
 * own faults and page reclaim, are left out. */
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <brigade/cpu.h>
#include <brigade/stack_slot.h>
#include <brigade/sync.h>
#include <brigade/task.h>

#include "test.h"

struct probe {
  struct waitgroup done;
  uintptr_t local;      /* address of a local of the task's first frame */
  size_t fill;          /* bytes of stack to fill and check below it */
  bool filled_ok;
};

/* Fill @p bytes of the stack below this frame with a pattern and read it
 * back: every page of it must be mapped, writable and the task's own. A
 * variable-length array, so that its size is the caller's choice (and it is
 * probed page by page on the way down). */
static __attribute__((noinline)) bool fill_and_check(size_t bytes) {
  volatile unsigned char area[bytes];
  for (size_t i = 0; i < bytes; i++)
    area[i] = (unsigned char)(i * 7 + 1);
  for (size_t i = 0; i < bytes; i++)
    if (area[i] != (unsigned char)(i * 7 + 1))
      return false;
  return true;
}

static void probe_task(void *arg) {
  struct probe *p = arg;
  volatile int local = 0;
  p->local = (uintptr_t)&local;
  p->filled_ok = p->fill ? fill_and_check(p->fill) : true;
  waitgroup_done(&p->done);
}

/* Runs probe_task with @p attr to completion. */
static void run_probe(struct probe *p, const struct task_attr *attr) {
  p->done = (struct waitgroup)WAITGROUP_INIT;
  waitgroup_add(&p->done, 1);
  EXPECT_EQ(task_spawn(NULL, probe_task, p, attr), 0);
  waitgroup_wait(&p->done);
}

TEST(a_default_stack_lives_in_the_stack_region) {
  struct probe p = {.fill = 0};
  struct task_attr attr = TASK_ATTR_INIT;
  run_probe(&p, &attr);
  printf("a default task's local at %p; the stack region is [%p, +%lu GiB)\n", (void *)p.local,
         (void *)ARCH_STACK_REGION_BASE, (unsigned long)(ARCH_STACK_REGION_SIZE >> 30));
  EXPECT(stack_slot_region_has(p.local));
}

TEST(a_heap_stack_is_available_on_request) {
  /* Room for the fill, the task's frames and an interrupt's frame (on
   * AArch64 about 800 bytes with the SIMD registers). */
  struct probe p = {.fill = 4096};
  struct task_attr attr = {.stack_size = 8192, .pin = TASK_ANY_CORE, .heap_stack = true};
  run_probe(&p, &attr);
  printf("a heap-stack task's local at %p\n", (void *)p.local);
  EXPECT(!stack_slot_region_has(p.local));
  EXPECT(p.filled_ok);
}

/* Runs probe tasks, each filling @p fill bytes of its stack, first with
 * @p first then with @p next, until one finds its local at the address of
 * the one before it (the same slot, reused) or @p rounds have run. The
 * spawner may wake before the previous task has quite exited and given its
 * slot back (the next task then gets another slot, which is no failure),
 * so it sleeps a little between tasks and tries again. Every task must
 * find its whole stack mapped and its own. Returns how many reused. */
static unsigned run_until_reused(const struct task_attr *first, const struct task_attr *next,
                                 size_t fill, unsigned rounds) {
  struct probe before = {.fill = fill}, after = before;
  run_probe(&before, first);
  EXPECT(before.filled_ok);
  unsigned reused = 0;
  for (unsigned i = 0; i < rounds && !reused; i++) {
    task_sleep_ns(1000 * 1000);
    run_probe(&after, next);
    EXPECT(stack_slot_region_has(after.local));
    EXPECT(after.filled_ok);
    if (after.local == before.local)
      reused++;
    before = after;
  }
  return reused;
}

/* A default-size slot goes back to the pool of the core its task exited on
 * and is the next one that core hands out: the same addresses, and every
 * page of them still mapped for the next task. */
TEST(a_slot_reused_on_the_same_core_starts_fully_mapped) {
  for (unsigned core = 0; core < cpu_count(); core++) {
    struct task_attr attr = {.pin = (int)core, .name = "reuse"};
    unsigned reused = run_until_reused(&attr, &attr, TASK_STACK_DEFAULT - 4096, 20);
    printf("core %u: a task reused the slot of the one before it: %s\n", core,
           reused ? "yes" : "no");
    EXPECT_EQ(reused, 1u);
  }
}

/* A slot of another size goes back to the shared free list, and the next
 * task of that size takes it on whichever core it first runs: here the
 * last core, after the first task ran on core 0. The second task must find
 * every page of it mapped, though its core may never have touched them. */
TEST(a_slot_reused_on_another_core_starts_fully_mapped) {
  const size_t size = 40 * 1024; /* a size no other test asks for */
  struct task_attr on_first = {.stack_size = size, .pin = 0, .name = "reuse"};
  struct task_attr on_last = {.stack_size = size, .pin = (int)cpu_count() - 1, .name = "reuse"};
  /* Alternate the cores, so each reuse crosses from one to the other. */
  unsigned reused = 0;
  for (unsigned i = 0; i < 20 && !reused; i++)
    reused = run_until_reused(i % 2 ? &on_last : &on_first, i % 2 ? &on_first : &on_last,
                              size - 4096, 1);
  printf("a %u KiB slot freed on one core was reused on core %u's side: %s\n",
         (unsigned)(size / 1024), cpu_count() - 1, reused ? "yes" : "no");
  EXPECT_EQ(reused, 1u);
}

/* A 64 KiB local array in a stack with room for it: the probes that make
 * the guard catch a frame too big for its stack (cmake/brigade.cmake) touch
 * only the task's own pages here, and the frame works. */
static __attribute__((noinline)) unsigned use_64_kib_frame(void) {
#if defined(__riscv)
  volatile size_t bytes = 64 * 1024; /* see memory_protection.c case 7 */
  volatile unsigned char big[bytes];
#else
  volatile unsigned char big[64 * 1024];
#endif
  for (size_t i = 0; i < sizeof big; i += 512)
    big[i] = 1;
  unsigned sum = 0;
  for (size_t i = 0; i < sizeof big; i += 512)
    sum += big[i];
  return sum;
}

static volatile unsigned frame_sum;

static void big_frame_task(void *arg) {
  frame_sum = use_64_kib_frame();
  waitgroup_done(arg);
}

TEST(a_64_kib_local_array_fits_a_stack_with_room_for_it) {
  struct waitgroup done = WAITGROUP_INIT;
  waitgroup_add(&done, 1);
  struct task_attr attr = {.stack_size = 96 * 1024, .pin = TASK_ANY_CORE, .name = "big_frame"};
  EXPECT_EQ(task_spawn(NULL, big_frame_task, &done, &attr), 0);
  waitgroup_wait(&done);
  printf("the 64 KiB frame's 128 touched bytes sum to %u\n", frame_sum);
  EXPECT_EQ(frame_sum, 128u);
}

/* ---- growth ------------------------------------------------------------ */

/* Recursion with a frame of some 1 KiB, down to @p depth bytes below the
 * first call's frame; each level writes its frame and checks it on the way
 * back up. Returns the sum of the levels' checks (one each). */
struct recursion {
  uintptr_t top;   /* the first level's local */
  size_t depth;    /* bytes to go down */
  size_t deepest;  /* bytes actually reached */
  unsigned levels;
  bool ok;
  struct waitgroup done;
};

static __attribute__((noinline)) unsigned recurse(struct recursion *r, unsigned level) {
  volatile unsigned char frame[960];
  for (size_t i = 0; i < sizeof frame; i++)
    frame[i] = (unsigned char)(level + i);
  uintptr_t here = (uintptr_t)frame;
  if (r->top - here > r->deepest)
    r->deepest = r->top - here;
  unsigned below = 0;
  if (r->top - here < r->depth)
    below = recurse(r, level + 1);
  else
    r->levels = level + 1;
  for (size_t i = 0; i < sizeof frame; i++)
    if (frame[i] != (unsigned char)(level + i))
      return 0;
  return below + 1;
}

static void recursion_task(void *arg) {
  struct recursion *r = arg;
  volatile int local = 0;
  r->top = (uintptr_t)&local;
  r->ok = recurse(r, 0) == r->levels;
  waitgroup_done(&r->done);
}

/* The case: a task with a 2 MiB limit recurses until its stack is
 * 1 MiB deep, and returns; run on every core in turn. */
TEST(recursion_grows_a_stack_to_1_mib_and_returns) {
  for (unsigned core = 0; core < cpu_count(); core++) {
    uint64_t faults_before = stack_slot_growth_faults_on(core);
    struct recursion r = {.depth = 1024 * 1024, .done = WAITGROUP_INIT};
    waitgroup_add(&r.done, 1);
    struct task_attr attr = {.stack_size = 2048 * 1024, .pin = (int)core, .name = "recurse"};
    EXPECT_EQ(task_spawn(NULL, recursion_task, &r, &attr), 0);
    waitgroup_wait(&r.done);
    uint64_t faults = stack_slot_growth_faults_on(core) - faults_before;
    printf("core %u: %u levels, %lu KiB deep, every frame intact: %s; %lu growth faults\n",
           core, r.levels, (unsigned long)(r.deepest / 1024), r.ok ? "yes" : "no",
           (unsigned long)faults);
    EXPECT(r.ok);
    EXPECT(r.deepest >= 1024 * 1024);
  }
}

/* 1,000 tasks at once, each growing its stack to 64 KiB and waiting until
 * all have (64 MiB of stack pages in a 128 MiB machine), then checking its
 * stack and exiting. */
#define MANY_TASKS 1000
#define MANY_GROWN (64 * 1024)

struct many {
  struct waitgroup grown, go, done;
  unsigned ok;
};

static __attribute__((noinline)) bool fill_wait_check(struct many *m, size_t bytes) {
  /* Every 64th byte: each page is touched (and grown) many times over,
   * without making a slow emulated machine write 64 MiB byte by byte. */
  volatile unsigned char area[bytes];
  for (size_t i = 0; i < bytes; i += 64)
    area[i] = (unsigned char)(i / 64 * 13 + 5);
  waitgroup_done(&m->grown);
  waitgroup_wait(&m->go);
  for (size_t i = 0; i < bytes; i += 64)
    if (area[i] != (unsigned char)(i / 64 * 13 + 5))
      return false;
  return true;
}

static void many_task(void *arg) {
  struct many *m = arg;
  /* The frames above the area, and the area itself: 64 KiB in all. */
  if (fill_wait_check(m, MANY_GROWN - 2048))
    __atomic_fetch_add(&m->ok, 1, __ATOMIC_RELAXED);
  waitgroup_done(&m->done);
}

TEST(a_thousand_tasks_grow_their_stacks_to_64_kib_at_once) {
  static struct many m;
  m = (struct many){.grown = WAITGROUP_INIT, .go = WAITGROUP_INIT, .done = WAITGROUP_INIT};
  waitgroup_add(&m.grown, MANY_TASKS);
  waitgroup_add(&m.go, 1);
  waitgroup_add(&m.done, MANY_TASKS);
  uint64_t faults_before = stack_slot_growth_faults();
  struct task_attr attr = {.stack_size = 96 * 1024, .pin = TASK_ANY_CORE, .name = "grow64"};
  unsigned spawned = 0;
  for (unsigned i = 0; i < MANY_TASKS; i++)
    if (task_spawn(NULL, many_task, &m, &attr) == 0)
      spawned++;
  EXPECT_EQ(spawned, MANY_TASKS);
  waitgroup_wait(&m.grown);
  printf("%u tasks grown to %u KiB each on %u cores: %lu growth faults\n", spawned,
         MANY_GROWN / 1024, cpu_count(),
         (unsigned long)(stack_slot_growth_faults() - faults_before));
  waitgroup_done(&m.go);
  waitgroup_wait(&m.done);
  EXPECT_EQ(__atomic_load_n(&m.ok, __ATOMIC_RELAXED), MANY_TASKS);
}

#if !STACK_PAGES_MAPPED_BY_THE_HOST
/* A reused slot starts with the mapping its last task left: the pages that
 * task grew are still mapped (touching them again costs no fault), the
 * rest are still reserved (growing into them faults, and works). All on
 * core 0. Each round asks for its own stack size (132 KiB and up, in
 * pages: sizes no other test asks for), and a free slot is only reused for
 * its own size, so every round's first probe gets a fresh slot: a round
 * lost to the race below (the spawner woke and spawned again before the
 * probe's exit gave its slot back, so the next probe got another) does not
 * leave the later rounds only slots an earlier one grew. */
static uint64_t probe_faults(struct probe *p, const struct task_attr *attr) {
  /* The probe's core only: another core's idle stack may grow meanwhile. */
  uint64_t before = stack_slot_growth_faults_on((unsigned)attr->pin);
  run_probe(p, attr);
  return stack_slot_growth_faults_on((unsigned)attr->pin) - before;
}

/* Whether a probe's slot (its local's address) is one of those seen[0..n). */
static bool slot_seen(const uintptr_t *seen, unsigned n, uintptr_t local) {
  for (unsigned i = 0; i < n; i++)
    if (seen[i] == local)
      return true;
  return false;
}

TEST(a_reused_slot_starts_with_the_right_mapping) {
  struct task_attr attr = {.pin = 0, .name = "remap"};
  unsigned reused = 0;
  /* The slots of the rounds so far: a round whose first probe lands on one
   * of them starts from a slot an earlier round grew, not a fresh one. */
  uintptr_t seen[2 * 20];
  unsigned nseen = 0;
  for (unsigned round = 0; round < 20 && !reused; round++) {
    attr.stack_size = (132 + 4 * round) * 1024;
    struct probe first = {.fill = 32 * 1024}, again = first, deeper = {.fill = 56 * 1024};
    uint64_t f1 = probe_faults(&first, &attr);
    bool fresh = !slot_seen(seen, nseen, first.local);
    seen[nseen++] = first.local;
    task_sleep_ns(1000 * 1000);
    uint64_t f2 = probe_faults(&again, &attr);
    seen[nseen++] = again.local;
    if (again.local != first.local || !fresh)
      continue; /* another slot, or not a fresh one first: try again */
    task_sleep_ns(1000 * 1000);
    uint64_t f3 = probe_faults(&deeper, &attr);
    if (deeper.local != first.local)
      continue;
    reused = 1;
    printf("growth faults: first use %lu, the same depth again %lu, deeper %lu\n",
           (unsigned long)f1, (unsigned long)f2, (unsigned long)f3);
    EXPECT(first.filled_ok && again.filled_ok && deeper.filled_ok);
    EXPECT(f1 >= 8);
    EXPECT_EQ(f2, 0u);
    EXPECT(f3 >= 5);
  }
  EXPECT_EQ(reused, 1u);
}

/* When the heap runs out, the free slots on the shared list give their
 * pages back (behind a TLB shootdown) so that a growing stack can have
 * some. All on core 0, in a task pinned there: 64 tasks with 48 KiB stacks
 * (a size no other test asks for) grow them to 44 KiB and exit, their
 * slots waiting on the shared list with their pages; the heap is then
 * filled, and a task with a 2 MiB stack must still grow it to 1.5 MiB: more
 * pages than the page pool and the cores' caches can hold, so some must
 * come from the free slots. Nothing here prints while the heap is full. */
#define RECLAIM_TASKS 64
#define RECLAIM_GROWN (44 * 1024)

static void grow_then_leave(void *arg) {
  struct waitgroup *go = arg;
  fill_and_check(RECLAIM_GROWN);
  waitgroup_wait(go);
}

struct reclaim_case {
  struct probe fresh;
  size_t reclaimed_before, reclaimed_after;
  bool spawned;
};

static void reclaim_runner(void *arg) {
  struct reclaim_case *rc = arg;
  /* 64 slots of 48 KiB, all live and grown at once, then all free. */
  struct waitgroup go = WAITGROUP_INIT;
  waitgroup_add(&go, 1);
  struct task_attr held = {.stack_size = 48 * 1024, .pin = 0, .name = "held"};
  for (int i = 0; i < RECLAIM_TASKS; i++)
    EXPECT_EQ(task_spawn(NULL, grow_then_leave, &go, &held), 0);
  for (int i = 0; i < 10; i++)
    task_yield(); /* each runs (gets its slot, grows it) and parks */
  waitgroup_done(&go);
  for (int i = 0; i < 10; i++)
    task_yield(); /* each exits, its slot to the shared list */
  /* A task struct to spare on this core for the spawn below. */
  struct probe warm = {.fill = 0};
  struct task_attr on_core0 = {.pin = 0, .name = "warm"};
  run_probe(&warm, &on_core0);

  rc->reclaimed_before = stack_slot_bytes_reclaimed();
  void *blocks = NULL; /* the heap, filled: a list through the blocks */
  for (size_t chunk = 64 * 1024; chunk >= 64; chunk /= 2)
    for (void **b; (b = malloc(chunk));) {
      *b = blocks;
      blocks = b;
    }
  struct task_attr fresh = {.stack_size = 2048 * 1024, .pin = 0, .name = "fresh"};
  rc->fresh = (struct probe){.fill = 1536 * 1024};
  rc->fresh.done = (struct waitgroup)WAITGROUP_INIT;
  waitgroup_add(&rc->fresh.done, 1);
  rc->spawned = task_spawn(NULL, probe_task, &rc->fresh, &fresh) == 0;
  if (rc->spawned)
    waitgroup_wait(&rc->fresh.done);
  rc->reclaimed_after = stack_slot_bytes_reclaimed();
  while (blocks) {
    void *next = *(void **)blocks;
    free(blocks);
    blocks = next;
  }
}

static struct reclaim_case reclaim;
static struct waitgroup reclaim_done;

static void reclaim_task(void *arg) {
  (void)arg;
  reclaim_runner(&reclaim);
  waitgroup_done(&reclaim_done);
}

TEST(free_slots_give_their_pages_back_when_the_heap_runs_out) {
  reclaim_done = (struct waitgroup)WAITGROUP_INIT;
  waitgroup_add(&reclaim_done, 1);
  struct task_attr on_core0 = {.pin = 0, .name = "reclaimer"};
  EXPECT_EQ(task_spawn(NULL, reclaim_task, NULL, &on_core0), 0);
  waitgroup_wait(&reclaim_done);
  printf("reclaimed %lu KiB of free slots' pages for a stack growing to 1536 KiB; its task "
         "filled it: %s\n",
         (unsigned long)((reclaim.reclaimed_after - reclaim.reclaimed_before) / 1024),
         reclaim.fresh.filled_ok ? "yes" : "no");
  EXPECT(reclaim.spawned);
  EXPECT(reclaim.fresh.filled_ok);
  EXPECT(reclaim.reclaimed_after - reclaim.reclaimed_before >= RECLAIM_TASKS * RECLAIM_GROWN);
  EXPECT(stack_slot_region_has(reclaim.fresh.local));
}
#endif /* !STACK_PAGES_MAPPED_BY_THE_HOST */
