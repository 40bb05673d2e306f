/* brigade at scale on a bare-metal board: how many tasks fit in the
 * machine's RAM, and how a fork-join of a million tasks spreads over its
 * cores. One run does one thing, chosen with -append:
 *
 *   probe=pending    spawn never-run tasks until the heap is nearly full
 *   probe=parked     tasks that run and then wait (TASK_STACK_MIN heap
 *                    stacks) until the heap is nearly full
 *   probe=guarded    the same with default guarded stacks
 *   forkjoin         a binary tree of 2^depth tasks (depth=N, default
 *                    20: 1,048,576 tasks), run 1 + 5 times; wall time
 *                    of each, and per core the tasks run, switches,
 *                    steals and busy time of the last run
 *
 * The probes stop cleanly: before each batch they check that the heap
 * still has room for it plus a reserve, so every task they made can still
 * run (a pending task gets its stack on its first run; with the heap full
 * that would be a panic, not a count). Each probe then lets all its tasks
 * finish and checks that they did.
 *
 * Per-core instruction counts come from outside: QEMU 7.2 counts
 * instructions in instret only under -icount, and with a fixed -icount
 * shift it never starts a second hart (see sched_bench.c). Each measured
 * fork-join is bracketed by instruction marks (instruction_mark.h), and
 * the instruction_marks QEMU plugin, when loaded, writes down every hart's
 * count at each. Busy time (wall time minus the core's idle time) and
 * tasks run are printed too.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brigade/cpu.h>
#include <brigade/heap.h>
#include <brigade/machine.h>
#include <brigade/sched.h>
#include <brigade/sync.h>
#include <brigade/task.h>

#include "instruction_mark.h"
#include "task_internal.h" /* sizeof(struct task), to size the probes' batches */

#define PROBE_BATCH 1000u
/* Left free when a probe stops: room for the stacks its tasks get when
 * they run, and for the waitgroups' and printf's own needs. */
#define PROBE_RESERVE (256u * 1024u)
/* What a batch may take beyond its tasks' own bytes: a slab per 64 tasks
 * and malloc's headers (generous: the probe must never hit the wall). */
#define PROBE_SLACK_PER_TASK 64u
#define FORKJOIN_WARMUP 1
#define FORKJOIN_REPS 5
#define FORKJOIN_DEFAULT_DEPTH 20u
/* Work at each leaf: enough that a leaf is not all scheduler. */
#define LEAF_ROUNDS 64u

static size_t heap_free(void) {
  size_t used, capacity;
  heap_usage(&used, &capacity);
  return capacity - used;
}

static bool failed;

static void fail(const char *why) {
  printf("scale: %s\n", why);
  failed = true;
}

/* ---- probes ----------------------------------------------------------------- */

static void finish_pending(void *wg) { waitgroup_done(wg); }

/* Pending tasks: each is its struct and its share of a slab, no stack. */
static void probe_pending(void) {
  struct task_attr attr = {.stack_size = TASK_STACK_MIN, .name = "pending", .pin = 0};
  struct waitgroup ran = WAITGROUP_INIT;
  size_t batch_bytes = PROBE_BATCH * (sizeof(struct task) + PROBE_SLACK_PER_TASK);
  size_t free_at_start = heap_free();
  uint64_t n = 0;
  /* The spawner must not be preempted: pending tasks that ran would free
   * their structs for reuse and the count would no longer be of tasks
   * waiting all at once. */
  sched_set_time_slice_ns(0);
  while (heap_free() > batch_bytes + PROBE_RESERVE) {
    waitgroup_add(&ran, PROBE_BATCH);
    for (unsigned i = 0; i < PROBE_BATCH; i++, n++)
      if (task_spawn(NULL, finish_pending, &ran, &attr) != 0) {
        fail("task_spawn failed before the probe expected the heap to be full");
        waitgroup_add(&ran, -(int64_t)(PROBE_BATCH - i));
        break;
      }
    if (failed)
      break;
  }
  size_t free_at_end = heap_free();
  waitgroup_wait(&ran); /* now every one of them runs, and exits */
  sched_set_time_slice_ns(10ull * 1000 * 1000);
  struct sched_stats s;
  sched_stats(0, &s);
  printf("| pending (spawned, never run) tasks at once | %llu | %llu | %.1f |\n",
         (unsigned long long)n, (unsigned long long)(free_at_start - free_at_end) / 1024,
         (double)(free_at_start - free_at_end) / (double)n);
}

struct parking_lot {
  struct waitgroup arrived, gate, left;
};

static void park_at_gate(void *arg) {
  struct parking_lot *lot = arg;
  waitgroup_done(&lot->arrived);
  waitgroup_wait(&lot->gate);
  waitgroup_done(&lot->left);
}

/* Parked tasks, each with its struct, its slab share and its stack: a
 * fixed TASK_STACK_MIN heap stack (the choice for the most parked tasks per
 * MiB: README, "Which task stack"), or the default guarded stack, whose
 * bytes are its top page, its share of the region's page tables and the
 * page pool's (bytes_per_task estimates them, generously: the probe must
 * never hit the wall, since a stack is taken at a task's first run and
 * running out there panics). */
static void probe_parked(const char *what, const struct task_attr *attr, size_t bytes_per_task,
                         size_t reserve) {
  struct parking_lot lot = {.gate = WAITGROUP_INIT, .left = WAITGROUP_INIT};
  size_t batch_bytes = PROBE_BATCH * (sizeof(struct task) + bytes_per_task + 2 * PROBE_SLACK_PER_TASK);
  size_t free_at_start = heap_free();
  uint64_t n = 0;
  waitgroup_add(&lot.gate, 1);
  while (heap_free() > batch_bytes + reserve) {
    lot.arrived = (struct waitgroup)WAITGROUP_INIT;
    waitgroup_add(&lot.arrived, PROBE_BATCH);
    waitgroup_add(&lot.left, PROBE_BATCH);
    for (unsigned i = 0; i < PROBE_BATCH; i++, n++)
      if (task_spawn(NULL, park_at_gate, &lot, attr) != 0) {
        fail("task_spawn failed before the probe expected the heap to be full");
        waitgroup_add(&lot.arrived, -(int64_t)(PROBE_BATCH - i));
        waitgroup_add(&lot.left, -(int64_t)(PROBE_BATCH - i));
        break;
      }
    waitgroup_wait(&lot.arrived);
    if (failed)
      break;
  }
  /* The stack bytes the cores and the slot code keep for reuse or growth
   * now are the parked tasks' (their tables, the pool's spare pages). */
  size_t free_at_end = heap_free();
  waitgroup_done(&lot.gate);
  waitgroup_wait(&lot.left);
  printf("| parked tasks at once, %s | %llu | %llu | %.1f |\n", what, (unsigned long long)n,
         (unsigned long long)(free_at_start - free_at_end) / 1024,
         (double)(free_at_start - free_at_end) / (double)n);
}

static void probe_parked_heap_stacks(void) {
  static const struct task_attr attr = {.stack_size = TASK_STACK_MIN, .name = "parked",
                                        .pin = TASK_ANY_CORE, .heap_stack = true};
  char what[64];
  snprintf(what, sizeof what, "%u-byte heap stacks (task_attr.heap_stack)", TASK_STACK_MIN);
  probe_parked(what, &attr, TASK_STACK_MIN, PROBE_RESERVE);
}

#if ARCH_HAS_STACK_SLOTS
static void probe_parked_guarded_stacks(void) {
  static const struct task_attr attr = {.name = "parked", .pin = TASK_ANY_CORE};
  /* A page, a table share of 80 entries, and the page pool's chunks of 64
   * pages taken whole; the reserve covers a chunk and every core's cache. */
  probe_parked("default guarded stacks (256 KiB reservation, top page mapped)", &attr,
               4096 + 1024, PROBE_RESERVE + 64 * 4096 + cpu_count() * 16 * 4096);
}
#endif

/* ---- fork-join ------------------------------------------------------------------- */

struct node {
  unsigned depth;
  uint64_t sum;
  struct waitgroup done;
};

static uint64_t leaf_work(uint64_t seed) {
  uint64_t x = seed | 1;
  for (unsigned i = 0; i < LEAF_ROUNDS; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  return x & 1; /* data dependent, so it cannot be folded away */
}

static uint64_t tree(unsigned depth, uint64_t seed);

static void tree_task(void *arg) {
  struct node *n = arg;
  n->sum = tree(n->depth, (uint64_t)(uintptr_t)n);
  waitgroup_done(&n->done);
}

/* A node: a task for one subtree of depth - 1, the other one inline (it
 * stays stealable while this task works), then join. A tree of depth d is
 * 2^d tasks counting its root, with 2^d leaves. */
static uint64_t tree(unsigned depth, uint64_t seed) {
  /* Default stacks: a task recurses depth levels inline, and an interrupt
   * taken at the deepest one needs room for its trap frame too; at depth 20
   * that overran 2 KiB stacks now and then. Default stacks come from the
   * core's pool, and depth-first order keeps few of them in use at once. */
  static const struct task_attr attr = {.name = "tree", .pin = TASK_ANY_CORE};
  if (depth == 0)
    return leaf_work(seed);
  struct node child = {.depth = depth - 1, .done = WAITGROUP_INIT};
  waitgroup_add(&child.done, 1);
  if (task_spawn(NULL, tree_task, &child, &attr) != 0) {
    fail("fork-join: no memory for a task");
    return 0;
  }
  uint64_t sum = tree(depth - 1, seed * 31 + depth);
  waitgroup_wait(&child.done);
  return sum + child.sum;
}

static void nothing(void *wg) { waitgroup_done(wg); }

/* Run a task on every core and wait for all of them: a core that slept
 * through a run adds its idle time to its counters only when it wakes, so
 * every core is woken before its counters are read. */
static void wake_every_core(void) {
  struct waitgroup wg = WAITGROUP_INIT;
  waitgroup_add(&wg, cpu_count());
  for (unsigned c = 0; c < cpu_count(); c++) {
    struct task_attr attr = {.stack_size = TASK_STACK_MIN, .name = "wake", .pin = (int)c};
    if (task_spawn(NULL, nothing, &wg, &attr) != 0) {
      fail("no memory for a wake-up task");
      waitgroup_add(&wg, -1);
    }
  }
  waitgroup_wait(&wg);
}

static void forkjoin(void) {
  unsigned depth = FORKJOIN_DEFAULT_DEPTH;
  const char *arg = bootarg("depth");
  if (arg) {
    depth = (unsigned)strtoul(arg, NULL, 10);
    if (depth < 1 || depth > 26) {
      fail("depth must be 1..26");
      return;
    }
  }
  unsigned ncores = cpu_count();
  struct sched_stats *before = calloc(ncores, sizeof *before);
  struct sched_stats *after = calloc(ncores, sizeof *after);
  if (!before || !after) {
    fail("no memory for the per-core counters");
    return;
  }
  uint64_t tasks = (uint64_t)1 << depth, us[FORKJOIN_WARMUP + FORKJOIN_REPS];
  uint64_t t0 = 0, t1 = 0;
  for (int rep = 0; rep < FORKJOIN_WARMUP + FORKJOIN_REPS; rep++) {
    wake_every_core();
    for (unsigned c = 0; c < ncores; c++)
      sched_stats(c, &before[c]);
    if (rep >= FORKJOIN_WARMUP)
      BENCH_MARK(MARK_FORKJOIN_START);
    t0 = task_now_ns();
    struct node root = {.depth = depth, .done = WAITGROUP_INIT};
    waitgroup_add(&root.done, 1);
    if (task_spawn(NULL, tree_task, &root, NULL) != 0) {
      fail("fork-join: no memory for the root task");
      return;
    }
    waitgroup_wait(&root.done);
    t1 = task_now_ns();
    if (rep >= FORKJOIN_WARMUP)
      BENCH_MARK(MARK_FORKJOIN_END);
    us[rep] = (t1 - t0) / 1000;
    if (root.sum == 0 || root.sum > tasks) {
      fail("fork-join: the tree's sum is not between 1 and its leaf count");
      return;
    }
    wake_every_core();
    for (unsigned c = 0; c < ncores; c++)
      sched_stats(c, &after[c]);
  }
  printf("| run | microseconds |\n|---|---|\n");
  for (int rep = 0; rep < FORKJOIN_WARMUP + FORKJOIN_REPS; rep++)
    printf("| %s %d | %llu |\n", rep < FORKJOIN_WARMUP ? "warm-up" : "measured",
           rep < FORKJOIN_WARMUP ? rep + 1 : rep - FORKJOIN_WARMUP + 1,
           (unsigned long long)us[rep]);
  printf("\nLast run, per core: %llu tasks, depth %u, %u cores.\n\n", (unsigned long long)tasks,
         depth, ncores);
  printf("| core | tasks run | switches | steals | tasks stolen | busy us |\n"
         "|---|---|---|---|---|---|\n");
  uint64_t wall_ns = t1 - t0;
  for (unsigned c = 0; c < ncores; c++) {
    uint64_t idle = after[c].idle_ns - before[c].idle_ns;
    printf("| %u | %llu | %llu | %llu | %llu | %llu |\n", c,
           (unsigned long long)(after[c].tasks_started - before[c].tasks_started),
           (unsigned long long)(after[c].switches - before[c].switches),
           (unsigned long long)(after[c].steals - before[c].steals),
           (unsigned long long)(after[c].tasks_stolen - before[c].tasks_stolen),
           (unsigned long long)((idle < wall_ns ? wall_ns - idle : 0) / 1000));
  }
  printf("\n");
}

static void run(void *wg) {
  const char *probe = bootarg("probe");
  if (probe && strncmp(probe, "pending", 7) == 0) {
    printf("| what | tasks | KiB of heap | bytes per task |\n|---|---|---|---|\n");
    probe_pending();
  } else if (probe && strncmp(probe, "parked", 6) == 0) {
    printf("| what | tasks | KiB of heap | bytes per task |\n|---|---|---|---|\n");
    probe_parked_heap_stacks();
  } else if (probe && strncmp(probe, "guarded", 7) == 0) {
#if ARCH_HAS_STACK_SLOTS
    printf("| what | tasks | KiB of heap | bytes per task |\n|---|---|---|---|\n");
    probe_parked_guarded_stacks();
#else
    fail("this board has no guarded stacks");
#endif
  } else if (bootarg("depth") || (machine.bootargs && strstr(machine.bootargs, "forkjoin"))) {
    forkjoin();
  } else {
    fail("say what to run: -append \"probe=pending\", \"probe=parked\", \"probe=guarded\" or "
         "\"forkjoin depth=N\"");
  }
  waitgroup_done(wg);
}

int main(void) {
  struct waitgroup done = WAITGROUP_INIT;
  waitgroup_add(&done, 1);
  struct task_attr attr = {.name = "scale", .pin = 0};
  if (task_spawn(NULL, run, &done, &attr) != 0) {
    printf("scale: no memory for the driver task\n0 passed, 1 failed\n");
    return 1;
  }
  waitgroup_wait(&done);
  printf("heap free at the end: %lu KiB\n", (unsigned long)(heap_free() / 1024));
  printf(failed ? "0 passed, 1 failed\n" : "1 passed, 0 failed\n");
  return failed;
}
