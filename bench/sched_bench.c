/* The scheduler's costs in instructions retired (the instret counter) per
 * operation, and in heap bytes per task. A benchmark, not a test: it reports
 * what it measures and fails only when a figure cannot be measured at all.
 *
 * Run it under QEMU with -icount shift=0: only then does instret count
 * instructions (without it QEMU 7.2 returns the host's timestamp counter),
 * and only then are the figures exact and repeatable. Every figure is taken
 * on one core: with a fixed -icount shift QEMU 7.2 never starts a second
 * hart (it stays "start pending" in OpenSBI and boot gives up on it), and
 * icount keeps one counter for the whole machine anyway, so a cross-core
 * figure would count both harts.
 *
 * Every operation runs in a loop of `iters` (QEMU -append "iters=N", default
 * 10000), repeated WARMUP_REPS + MEASURED_REPS times; the warm-up repetition
 * pays for first-time costs (a new slab, the first stack of the pool) and is
 * not reported. -append "only=WORD" runs just the rows whose name holds WORD,
 * for tracing one path (QEMU -d exec) without the rest. -append "memory=off"
 * leaves out the memory phase (200,000 tasks, most of a short run's time),
 * and -append "report=lines" prints each instruction row as one line
 * "op KEY MEDIAN MIN MAX" instead of the markdown table, for
 * bench/icount-guard.sh, which holds the figures against
 * bench/icount-table.txt.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brigade/arch.h>
#include <brigade/chan.h>
#include <brigade/cpu.h>
#include <brigade/heap.h>
#include <brigade/machine.h>
#include <brigade/sched.h>
#include <brigade/spinlock.h>
#include <brigade/sync.h>
#include <brigade/task.h>
#include <brigade/trace.h>

/* Internal, for sizeof(struct task) only: the memory table sets the struct
 * against what a pending task really costs in the heap. */
#include "task_internal.h"

#define WARMUP_REPS 1
#define MEASURED_REPS 7
#define REPS (WARMUP_REPS + MEASURED_REPS)
#define DEFAULT_ITERS 10000u

/* Neither the driver nor the measured tasks are pinned: the benchmark runs
 * with one hart (-icount allows no more), so nothing can steal them, and
 * unpinned tasks take the common path through the work-stealing deque. (A
 * pinned driver made every spawn row pay for the pinned FIFO when the
 * spawner yields to its child.) Set BENCH_PIN to BENCH_CORE to measure the
 * pinned path instead. */
#define BENCH_CORE 0
#define BENCH_PIN TASK_ANY_CORE

/* sched.h documents 10 ms as the default; the memory phase turns the slice
 * off and puts this back. */
#define DEFAULT_TIME_SLICE_NS (10ull * 1000 * 1000)

/* Memory phase sizes: large enough that a partly used slab or the malloc
 * top's slack (SBRK_SLACK) is a small fraction of a byte per pending task. */
#define PRIMING_TASKS 64 /* task.c's TASKS_PER_SLAB: a slab's worth */
#define PENDING_TASKS 200000u
#define PARKED_SMALL_STACK_TASKS 10000u
#define PARKED_DEFAULT_STACK_TASKS 2000u

/* heap_usage() is what sbrk has handed to malloc, not what malloc has handed
 * out: newlib's malloc grows its top chunk by (request + a little) rounded
 * up to a page, so after any allocation the unused top is less than the
 * largest request plus SBRK_SLACK. A growth over n tasks is exact to within
 * that over n, per task. (newlib 3.3's mallinfo() would be exact, but its
 * struct disagrees with the one in its own <malloc.h>: it reads zeros.) */
#define SBRK_SLACK (4096u + 64u)

/* Targets of the design, and FreeRTOS on the same QEMU (M-mode, -O2 rv64gc;
 * from the project's design notes) for scale. */
#define TARGET_SWITCH_INSTRUCTIONS 40
/* Issue 16's budget for one trace event on RV64. */
#define TARGET_TRACE_EVENT_INSTRUCTIONS 30
#define TARGET_CHAN_HANDOFF_INSTRUCTIONS 120
#define TARGET_SPAWN_RUN_EXIT_INSTRUCTIONS 150
#define TARGET_PENDING_TASK_BYTES 96
#define TARGET_GROWTH_FAULT_INSTRUCTIONS 600
#define TARGET_PARKED_GROWABLE_BYTES 4300
#define TARGET_PARKED_GROWABLE_TEXT "4300"

static unsigned iters = DEFAULT_ITERS;
static const char *only_filter;
static bool memory_phase = true;
static bool report_lines;
static char failure[200];

static void cannot_measure(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void cannot_measure(const char *fmt, ...) {
  if (failure[0])
    return; /* the first reason is the one that explains the rest */
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(failure, sizeof failure, fmt, ap);
  va_end(ap);
}

static bool wanted(const char *row_key) {
  if (!only_filter)
    return true;
  size_t n = strcspn(only_filter, " ");
  for (const char *p = row_key; *p; p++)
    if (strncmp(p, only_filter, n) == 0)
      return true;
  return false;
}

/* ---- results ---------------------------------------------------------------- */

struct row {
  const char *key;        /* short name, for only= */
  const char *what;
  uint64_t ops;           /* operations per repetition */
  uint64_t instret[REPS]; /* instructions per repetition, warm-up first */
  unsigned target;        /* instructions per op at most; 0: no target */
  const char *freertos;   /* the FreeRTOS figure for the same operation, or NULL */
};

enum {
  ROW_CALIBRATION,
  ROW_YIELD,
  ROW_SPAWN_DEFAULT,
  ROW_SPAWN_SMALL,
  ROW_SLEEP0_ALONE,
  ROW_PARK_READY,
  ROW_SIGNAL,
  ROW_CHAN_HANDOFF,
  ROW_SELECT,
  ROW_TRACE_EVENT,
  ROW_YIELD_TRACED,
  ROW_GROW,
  NROWS
};

static struct row rows[NROWS] = {
    [ROW_CALIBRATION] = {"calibration", "calibration: 10 nops + loop (must be exactly 12)"},
    [ROW_YIELD] = {"yield", "task_yield switch, 2 tasks on one core (per switch)",
                   .target = TARGET_SWITCH_INSTRUCTIONS, .freertos = "~167 (taskYIELD)"},
    [ROW_SPAWN_DEFAULT] = {"spawn", "spawn + first run + exit, empty task, default stack (pooled; "
                                    "on bare metal a 256 KiB growable reservation)",
                           .target = TARGET_SPAWN_RUN_EXIT_INSTRUCTIONS,
                           .freertos = "~1100 (create, run, delete)"},
    [ROW_SPAWN_SMALL] = {"spawn-small",
                         "spawn + first run + exit, empty task, 2 KiB stack (malloc/free)",
                         .target = TARGET_SPAWN_RUN_EXIT_INSTRUCTIONS,
                         .freertos = "~1100 (create, run, delete)"},
    [ROW_SLEEP0_ALONE] = {"sleep0", "task_sleep_ns(0) alone on the core (a yield, no switch)"},
    [ROW_PARK_READY] = {"park",
                        "task_park + task_ready round trip, 2 tasks on one core (2 switches)"},
    [ROW_SIGNAL] = {"signal", "semaphore hand-off round trip (spinlock + park/ready), 2 tasks "
                              "on one core (2 switches)"},
    [ROW_CHAN_HANDOFF] = {"chan", "unbuffered channel hand-off, sender and receiver on one core "
                                  "(per message)",
                          .target = TARGET_CHAN_HANDOFF_INSTRUCTIONS,
                          .freertos = "~860 (queue send to a blocked receiver)"},
    [ROW_TRACE_EVENT] = {"trace-event", "one execution-trace event recorded, tracing on "
                                        "(TRACE site + trace_record, per event)",
                         .target = TARGET_TRACE_EVENT_INSTRUCTIONS},
    [ROW_YIELD_TRACED] = {"yield-traced", "task_yield switch as in yield, tracing on (a stop and "
                                          "a run event per switch)"},
    [ROW_SELECT] = {"select", "chan_select receiving from one of two unbuffered channels, the "
                              "sender on the same core (per message)"},
    [ROW_GROW] = {"grow", "a guarded stack's growth page fault: trap, a page from the core's "
                          "cache mapped, return (per page; bare metal only)",
                  .target = TARGET_GROWTH_FAULT_INSTRUCTIONS},
};

struct heap_growth {
  uint64_t bytes; /* heap_usage() growth */
  uint64_t tasks;
};

struct memory {
  bool measured;
  struct heap_growth pending;                     /* spawned, never run */
  struct heap_growth small_stack, default_stack; /* from spawned to parked */
};

static struct memory memory;

/* x / n to two decimals, rounded, as "I.FF". */
static const char *per_op(char *buf, size_t size, uint64_t x, uint64_t n) {
  uint64_t hundredths = (x * 100 + n / 2) / n;
  snprintf(buf, size, "%llu.%02llu", (unsigned long long)(hundredths / 100),
           (unsigned long long)(hundredths % 100));
  return buf;
}

static void sort_u64(uint64_t *v, unsigned n) {
  for (unsigned i = 1; i < n; i++)
    for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
      uint64_t x = v[j];
      v[j] = v[j - 1];
      v[j - 1] = x;
    }
}

static void print_row(const struct row *r) {
  uint64_t v[MEASURED_REPS];
  memcpy(v, r->instret + WARMUP_REPS, sizeof v);
  sort_u64(v, MEASURED_REPS);
  uint64_t median = v[MEASURED_REPS / 2];
  char med[24], lo[24], hi[24], target[48] = "";
  if (report_lines) {
    printf("op %s %s %s %s\n", r->key, per_op(med, sizeof med, median, r->ops),
           per_op(lo, sizeof lo, v[0], r->ops), per_op(hi, sizeof hi, v[MEASURED_REPS - 1], r->ops));
    return;
  }
  if (r->target)
    snprintf(target, sizeof target, "<= %u: %s", r->target,
             median <= (uint64_t)r->target * r->ops ? "met" : "missed");
  printf("| %s | %llu | %s | %s | %s | %s | %s |\n", r->what, (unsigned long long)r->ops,
         per_op(med, sizeof med, median, r->ops), per_op(lo, sizeof lo, v[0], r->ops),
         per_op(hi, sizeof hi, v[MEASURED_REPS - 1], r->ops), target,
         r->freertos ? r->freertos : "");
}

/* Within how many bytes per task a growth over n tasks is exact: see
 * SBRK_SLACK. */
static const char *resolution(char *buf, size_t size, uint64_t tasks, uint64_t largest_request) {
  return per_op(buf, size, largest_request + SBRK_SLACK, tasks);
}

/* A parked task costs a pending task plus the stack it got on its first
 * run. The two are measured apart because the parked tasks take their
 * structs from the free list the pending tasks left behind: their own
 * heap growth is their stacks alone. */
static void print_parked(size_t stack_size, const struct heap_growth *stack) {
  const struct heap_growth *p = &memory.pending;
  char total[24], stack_bytes[24], res[24];
  char size[48];
  if (stack_size)
    snprintf(size, sizeof size, "%u-byte heap stack", (unsigned)stack_size);
  else
    snprintf(size, sizeof size, "default stack (%s)",
             ARCH_HAS_STACK_SLOTS ? "growable, 256 KiB reserved" : "16 KiB");
  printf("| parked task, %s: pending task + %s of stack (over %llu tasks) | %s | %s "
         "| %s |\n",
         size,
         per_op(stack_bytes, sizeof stack_bytes, stack->bytes, stack->tasks),
         (unsigned long long)stack->tasks,
         per_op(total, sizeof total, p->bytes * stack->tasks + stack->bytes * p->tasks,
                p->tasks * stack->tasks),
         resolution(res, sizeof res, stack->tasks, stack_size ? stack_size : TASK_STACK_DEFAULT),
         stack_size || !ARCH_HAS_STACK_SLOTS ? ""
         : p->bytes * stack->tasks + stack->bytes * p->tasks <=
                   (uint64_t)TARGET_PARKED_GROWABLE_BYTES * p->tasks * stack->tasks
             ? "<= " TARGET_PARKED_GROWABLE_TEXT ": met"
             : "<= " TARGET_PARKED_GROWABLE_TEXT ": missed");
}

static void print_memory(void) {
  const struct heap_growth *p = &memory.pending;
  char bytes[24], res[24];
  printf("| memory | heap bytes per task | +/- | target |\n|---|---|---|---|\n");
  printf("| sizeof(struct task) | %u | | |\n", (unsigned)sizeof(struct task));
  /* A slab is the largest request here; up to a slab's worth of structs
   * may also have come free from the slab bought before the count began. */
  uint64_t slab = PRIMING_TASKS * sizeof(struct task);
  printf("| pending (spawned, never run) task: struct + slab share (over %llu tasks) | %s | %s | "
         "<= %u: %s |\n",
         (unsigned long long)p->tasks, per_op(bytes, sizeof bytes, p->bytes, p->tasks),
         resolution(res, sizeof res, p->tasks, 2 * slab), TARGET_PENDING_TASK_BYTES,
         p->bytes <= (uint64_t)TARGET_PENDING_TASK_BYTES * p->tasks ? "met" : "missed");
  print_parked(TASK_STACK_MIN, &memory.small_stack);
  print_parked(0, &memory.default_stack);
}

/* ---- calibration -------------------------------------------------------------- */

/* Ten nops, a decrement and a branch: 12 instructions an iteration, every
 * repetition alike (the loop is written in assembly so the compiler cannot
 * change the count). Interrupts are masked so that only a counter that does
 * not count instructions can make two repetitions differ. */
static void measure_calibration(struct row *r) {
  r->ops = iters;
  for (int rep = 0; rep < REPS; rep++) {
    unsigned long irq = arch_irq_save();
    unsigned long left = iters;
    uint64_t t0 = arch_instructions_retired();
#if defined(__aarch64__)
    __asm__ volatile("1:\n"
                     " nop\n nop\n nop\n nop\n nop\n nop\n nop\n nop\n nop\n nop\n"
                     " subs %0, %0, #1\n"
                     " b.ne 1b"
                     : "+r"(left)::"cc");
#else
    __asm__ volatile("1:\n"
                     " nop\n nop\n nop\n nop\n nop\n nop\n nop\n nop\n nop\n nop\n"
                     " addi %0, %0, -1\n"
                     " bnez %0, 1b"
                     : "+r"(left));
#endif
    r->instret[rep] = arch_instructions_retired() - t0;
    arch_irq_restore(irq);
  }
  uint64_t lo = UINT64_MAX, hi = 0;
  for (int rep = WARMUP_REPS; rep < REPS; rep++) {
    lo = r->instret[rep] < lo ? r->instret[rep] : lo;
    hi = r->instret[rep] > hi ? r->instret[rep] : hi;
  }
  if (hi == 0)
    cannot_measure("instret does not advance on this machine");
  else if (lo != hi || (lo + iters / 2) / iters != 12)
    cannot_measure("instret does not count instructions exactly (calibration loop gave %llu..%llu "
                   "for %u iterations); run QEMU with -icount shift=0",
                   (unsigned long long)lo, (unsigned long long)hi, iters);
}

/* ---- yield: two tasks on one core --------------------------------------------- */

struct yield_pair {
  struct row *row;
  bool measurer_done;
  struct waitgroup finished;
};

/* Each of its task_yield calls switches to the partner, and the partner's
 * task_yield switches back: 2 switches an iteration. */
static void yield_measurer(void *arg) {
  struct yield_pair *p = arg;
  for (int rep = 0; rep < REPS; rep++) {
    uint64_t t0 = arch_instructions_retired();
    for (unsigned i = 0; i < iters; i++)
      task_yield();
    p->row->instret[rep] = arch_instructions_retired() - t0;
  }
  __atomic_store_n(&p->measurer_done, true, __ATOMIC_RELAXED);
  waitgroup_done(&p->finished);
}

static void yield_partner(void *arg) {
  struct yield_pair *p = arg;
  while (!__atomic_load_n(&p->measurer_done, __ATOMIC_RELAXED))
    task_yield();
  waitgroup_done(&p->finished);
}

static void measure_yield(struct row *r) {
  struct yield_pair p = {.row = r, .finished = WAITGROUP_INIT};
  struct task_attr attr = {.name = "yield", .pin = BENCH_PIN};
  struct sched_stats before, after;
  r->ops = 2ull * iters;
  waitgroup_add(&p.finished, 2);
  sched_stats(BENCH_CORE, &before);
  if (task_spawn(NULL, yield_measurer, &p, &attr) || task_spawn(NULL, yield_partner, &p, &attr)) {
    cannot_measure("yield: no memory for two tasks");
    return;
  }
  waitgroup_wait(&p.finished);
  sched_stats(BENCH_CORE, &after);
  if (after.switches - before.switches < r->ops * REPS)
    cannot_measure("yield: %llu switches for %llu yields; the partner was not there to switch to",
                   (unsigned long long)(after.switches - before.switches),
                   (unsigned long long)(r->ops * REPS));
}

/* ---- one trace event ------------------------------------------------------------- */

/* The event site as the scheduler has it (the TRACE macro: load, branch,
 * call) and the record itself, interrupts masked as at every site; the
 * figure includes the loop's own two or three instructions. */
static void measure_trace_event(struct row *r) {
  r->ops = iters;
  if (trace_start(0) != 0) {
    cannot_measure("trace-event: no memory for the trace rings");
    return;
  }
  for (int rep = 0; rep < REPS; rep++) {
    unsigned long irq = arch_irq_save();
    uint64_t t0 = arch_instructions_retired();
    for (unsigned i = 0; i < iters; i++)
      TRACE(TRACE_TIMER, i);
    r->instret[rep] = arch_instructions_retired() - t0;
    arch_irq_restore(irq);
  }
  trace_stop();
}

/* ---- spawn + first run + exit --------------------------------------------------- */

static void empty_task(void *arg) { (void)arg; }

/* What one operation counts: task_spawn (a struct from the core's free
 * list, queued on this core), the spawner's task_yield and its switch into
 * the new task, the first run (a stack from the pool or malloc, its first
 * frame, the entry path), the empty function, task_exit and its switch
 * back to the spawner, and the release of the stack and struct there. */
/* The small-stack rows measure the densest choice, a fixed heap stack
 * (task_attr.heap_stack); the default rows, the default stack (a guarded
 * slot on bare metal). */
static bool is_heap_stack_row(size_t stack_size) {
  return stack_size && stack_size < TASK_STACK_DEFAULT;
}

static void measure_spawn_run_exit(struct row *r, size_t stack_size) {
  struct task_attr attr = {.stack_size = stack_size, .name = "empty", .pin = BENCH_PIN,
                           .heap_stack = is_heap_stack_row(stack_size)};
  struct sched_stats before, after;
  r->ops = iters;
  sched_stats(BENCH_CORE, &before);
  for (int rep = 0; rep < REPS; rep++) {
    uint64_t t0 = arch_instructions_retired();
    for (unsigned i = 0; i < iters; i++) {
      if (task_spawn(NULL, empty_task, NULL, &attr) != 0) {
        cannot_measure("spawn: task_spawn failed");
        return;
      }
      task_yield();
    }
    r->instret[rep] = arch_instructions_retired() - t0;
  }
  sched_stats(BENCH_CORE, &after);
  if (after.tasks_exited - before.tasks_exited != r->ops * REPS)
    cannot_measure("spawn: %llu of %llu empty tasks ran and exited",
                   (unsigned long long)(after.tasks_exited - before.tasks_exited),
                   (unsigned long long)(r->ops * REPS));
}

/* ---- sleep(0) alone ------------------------------------------------------------- */

static void measure_sleep0_alone(struct row *r) {
  struct sched_stats before, after;
  r->ops = iters;
  sched_stats(BENCH_CORE, &before);
  for (int rep = 0; rep < REPS; rep++) {
    uint64_t t0 = arch_instructions_retired();
    for (unsigned i = 0; i < iters; i++)
      task_sleep_ns(0);
    r->instret[rep] = arch_instructions_retired() - t0;
  }
  sched_stats(BENCH_CORE, &after);
  if (after.switches != before.switches)
    cannot_measure("sleep(0): %llu switches; something else was runnable on core %d",
                   (unsigned long long)(after.switches - before.switches), BENCH_CORE);
}

/* ---- park/ready: two tasks on one core ------------------------------------------ */

struct park_pair {
  struct row *row;
  task_t *parker;
  bool parker_parked; /* set in the waker's context, once the parker is off its stack */
  bool parker_done;
  struct waitgroup finished;
};

/* task_park's unlock runs after the parker has switched away, so the flag
 * tells the waker that task_ready is now legal: the raw primitive's own
 * lost-wakeup protocol, with no lock to take. */
static void mark_parked(void *flag) { __atomic_store_n((bool *)flag, true, __ATOMIC_RELEASE); }

static void park_measurer(void *arg) {
  struct park_pair *p = arg;
  for (int rep = 0; rep < REPS; rep++) {
    uint64_t t0 = arch_instructions_retired();
    for (unsigned i = 0; i < iters; i++)
      task_park("bench park", mark_parked, &p->parker_parked);
    p->row->instret[rep] = arch_instructions_retired() - t0;
  }
  __atomic_store_n(&p->parker_done, true, __ATOMIC_RELAXED);
  waitgroup_done(&p->finished);
}

static void park_waker(void *arg) {
  struct park_pair *p = arg;
  for (;;) {
    while (!__atomic_load_n(&p->parker_parked, __ATOMIC_ACQUIRE)) {
      if (__atomic_load_n(&p->parker_done, __ATOMIC_RELAXED)) {
        waitgroup_done(&p->finished);
        return;
      }
      task_yield();
    }
    __atomic_store_n(&p->parker_parked, false, __ATOMIC_RELAXED);
    task_ready(p->parker);
    task_yield();
  }
}

static void measure_park_ready(struct row *r) {
  struct park_pair p = {.row = r, .finished = WAITGROUP_INIT};
  struct task_attr attr = {.name = "park", .pin = BENCH_PIN};
  r->ops = iters;
  waitgroup_add(&p.finished, 2);
  if (task_spawn(&p.parker, park_measurer, &p, &attr) ||
      task_spawn(NULL, park_waker, &p, &attr)) {
    cannot_measure("park: no memory for two tasks");
    return;
  }
  waitgroup_wait(&p.finished);
}

/* ---- a lock-protected hand-off ---------------------------------------------------- */

/* A binary semaphore in the shape of every blocking primitive brigade will
 * have (channels, mutexes): a waiter queues itself under a spinlock and parks
 * with it held; the poster takes the lock, so it can only find a waiter that
 * is fully parked. */
struct signal {
  spinlock_t lock;
  task_t *waiter;
  bool posted;
};

static void unlock_signal(void *lock) { spin_unlock_raw(lock); }

static void signal_wait(struct signal *s) {
  unsigned long irq = arch_irq_save();
  spin_lock_raw(&s->lock);
  if (s->posted) {
    s->posted = false;
    spin_unlock_raw(&s->lock);
  } else {
    s->waiter = task_current();
    task_park("bench signal", unlock_signal, &s->lock);
  }
  arch_irq_restore(irq);
}

static void signal_post(struct signal *s) {
  unsigned long irq = spin_lock_irqsave(&s->lock);
  task_t *waiter = s->waiter;
  s->waiter = NULL;
  if (!waiter)
    s->posted = true;
  spin_unlock_irqrestore(&s->lock, irq);
  if (waiter)
    task_ready(waiter);
}

struct relay {
  struct row *row;
  struct signal to_partner, to_measurer;
  struct waitgroup finished;
};

static void relay_measurer(void *arg) {
  struct relay *r = arg;
  for (int rep = 0; rep < REPS; rep++) {
    uint64_t t0 = arch_instructions_retired();
    for (unsigned i = 0; i < iters; i++) {
      signal_post(&r->to_partner);
      signal_wait(&r->to_measurer);
    }
    r->row->instret[rep] = arch_instructions_retired() - t0;
  }
  waitgroup_done(&r->finished);
}

static void relay_partner(void *arg) {
  struct relay *r = arg;
  for (uint64_t i = 0; i < (uint64_t)REPS * iters; i++) {
    signal_wait(&r->to_partner);
    signal_post(&r->to_measurer);
  }
  waitgroup_done(&r->finished);
}

static void measure_relay(struct row *row) {
  struct relay r = {.row = row, .finished = WAITGROUP_INIT};
  struct task_attr attr = {.name = "relay", .pin = BENCH_PIN};
  row->ops = iters;
  waitgroup_add(&r.finished, 2);
  if (task_spawn(NULL, relay_measurer, &r, &attr) || task_spawn(NULL, relay_partner, &r, &attr)) {
    cannot_measure("relay: no memory for two tasks");
    return;
  }
  waitgroup_wait(&r.finished);
}

/* ---- memory ------------------------------------------------------------------------ */

static size_t heap_used(void) {
  size_t used, capacity;
  heap_usage(&used, &capacity);
  return used;
}

static size_t heap_free(void) {
  size_t used, capacity;
  heap_usage(&used, &capacity);
  return capacity - used;
}

static void finish_pending(void *wg) { waitgroup_done(wg); }

static bool measure_pending(void) {
  /* Pending tasks get 2 KiB stacks when they finally run: those are freed
   * at exit, where default stacks would stay in the core's pool and be
   * handed to the parked tasks below without showing in the heap. */
  struct task_attr attr = {.stack_size = TASK_STACK_MIN, .name = "pending", .pin = BENCH_CORE};
  struct waitgroup ran = WAITGROUP_INIT;
  unsigned spawned = 0;
  size_t before = 0;
  waitgroup_add(&ran, PRIMING_TASKS + PENDING_TASKS);
  for (; spawned < PRIMING_TASKS + PENDING_TASKS; spawned++) {
    /* The priming tasks take the free structs left in the slab that holds
     * main and this task, which would otherwise come at no cost. */
    if (spawned == PRIMING_TASKS)
      before = heap_used();
    if (task_spawn(NULL, finish_pending, &ran, &attr) != 0)
      break;
  }
  if (spawned < PRIMING_TASKS + PENDING_TASKS) {
    cannot_measure("memory: out of memory after %u pending tasks", spawned);
    waitgroup_add(&ran, -(int64_t)(PRIMING_TASKS + PENDING_TASKS - spawned));
  } else {
    memory.pending = (struct heap_growth){heap_used() - before, PENDING_TASKS};
  }
  waitgroup_wait(&ran); /* now let them run, and exit */
  return spawned == PRIMING_TASKS + PENDING_TASKS;
}

struct parking_lot {
  struct waitgroup arrived, gate, left;
};

static void park_until_gate_opens(void *arg) {
  struct parking_lot *lot = arg;
  waitgroup_done(&lot->arrived);
  waitgroup_wait(&lot->gate);
  waitgroup_done(&lot->left);
}

/* Heap growth from n tasks spawned to n tasks parked: their stacks, and
 * nothing else (the structs were taken at spawn). */
static bool park_batch(struct parking_lot *lot, unsigned n, size_t stack_size,
                       struct heap_growth *growth) {
  struct task_attr attr = {.stack_size = stack_size, .name = "parked", .pin = BENCH_CORE,
                           .heap_stack = is_heap_stack_row(stack_size)};
  lot->arrived = (struct waitgroup)WAITGROUP_INIT;
  waitgroup_add(&lot->arrived, n);
  for (unsigned i = 0; i < n; i++)
    if (task_spawn(NULL, park_until_gate_opens, lot, &attr) != 0) {
      cannot_measure("memory: out of memory spawning %u parked tasks", n);
      return false;
    }
  size_t spawned = heap_used();
  waitgroup_wait(&lot->arrived);
  *growth = (struct heap_growth){heap_used() - spawned, n};
  return true;
}

/* Runs first, on a heap no task has yet returned memory to: heap_usage()
 * counts only what sbrk handed out, so memory freed earlier and reused
 * would hide growth. */
/* ---- unbuffered channel hand-off ---------------------------------------- */

struct chan_pair {
  struct row *row;
  struct chan *ch;
  struct waitgroup finished;
};

static void chan_sender(void *arg) {
  struct chan_pair *p = arg;
  uint32_t value = 0;
  for (int rep = 0; rep < REPS; rep++) {
    uint64_t t0 = arch_instructions_retired();
    for (unsigned i = 0; i < iters; i++)
      chan_send(p->ch, &value);
    p->row->instret[rep] = arch_instructions_retired() - t0;
  }
  chan_close(p->ch);
  waitgroup_done(&p->finished);
}

static void chan_receiver(void *arg) {
  struct chan_pair *p = arg;
  uint32_t value;
  while (chan_recv(p->ch, &value))
    ;
  waitgroup_done(&p->finished);
}

/* Everything the core retires while the sender's loop runs, receiver
 * included, divided by the messages: the cost of one message moving from
 * one task to another through an unbuffered channel. */
static void measure_chan_handoff(struct row *r) {
  struct chan_pair p = {.row = r, .ch = chan_make(sizeof(uint32_t), 0, "bench"),
                        .finished = WAITGROUP_INIT};
  if (!p.ch) {
    cannot_measure("chan: no memory for the channel");
    return;
  }
  struct task_attr attr = {.name = "chan", .pin = BENCH_PIN};
  r->ops = iters;
  waitgroup_add(&p.finished, 2);
  if (task_spawn(NULL, chan_receiver, &p, &attr) || task_spawn(NULL, chan_sender, &p, &attr)) {
    cannot_measure("chan: no memory for two tasks");
    return;
  }
  waitgroup_wait(&p.finished);
  chan_free(p.ch);
}

/* ---- select over two channels ------------------------------------------- */

/* The sender alternates between the two channels, so each select finds a
 * different case ready (or waits on both); the receiver's loop is the
 * measured one here, since select is the operation under test. */
struct select_pair {
  struct row *row;
  struct chan *ch[2];
  struct waitgroup finished;
};

static void select_sender(void *arg) {
  struct select_pair *p = arg;
  uint32_t value = 0;
  for (uint64_t i = 0; i < (uint64_t)REPS * iters; i++)
    chan_send(p->ch[i & 1], &value);
  waitgroup_done(&p->finished);
}

static void select_receiver(void *arg) {
  struct select_pair *p = arg;
  uint32_t value;
  struct chan_case cases[2] = {{.chan = p->ch[0], .dir = CHAN_RECV, .elem = &value},
                               {.chan = p->ch[1], .dir = CHAN_RECV, .elem = &value}};
  for (int rep = 0; rep < REPS; rep++) {
    uint64_t t0 = arch_instructions_retired();
    for (unsigned i = 0; i < iters; i++)
      if (chan_select(cases, 2, false, CHAN_NO_TIMEOUT) < 0)
        cannot_measure("select: chan_select returned no case");
    p->row->instret[rep] = arch_instructions_retired() - t0;
  }
  waitgroup_done(&p->finished);
}

static void measure_select(struct row *r) {
  struct select_pair p = {.row = r,
                          .ch = {chan_make(sizeof(uint32_t), 0, "select a"),
                                 chan_make(sizeof(uint32_t), 0, "select b")},
                          .finished = WAITGROUP_INIT};
  if (!p.ch[0] || !p.ch[1]) {
    cannot_measure("select: no memory for two channels");
    return;
  }
  struct task_attr attr = {.name = "select", .pin = BENCH_PIN};
  r->ops = iters;
  waitgroup_add(&p.finished, 2);
  if (task_spawn(NULL, select_receiver, &p, &attr) || task_spawn(NULL, select_sender, &p, &attr)) {
    cannot_measure("select: no memory for two tasks");
    return;
  }
  waitgroup_wait(&p.finished);
  chan_free(p.ch[0]);
  chan_free(p.ch[1]);
}

static void measure_memory(void) {
  size_t need = PENDING_TASKS * 2 * sizeof(struct task) +
                PARKED_SMALL_STACK_TASKS * (TASK_STACK_MIN + 2 * sizeof(struct task)) +
                PARKED_DEFAULT_STACK_TASKS * (TASK_STACK_DEFAULT + 2 * sizeof(struct task));
  if (heap_free() < need) {
    cannot_measure("memory: %lu heap bytes free, the memory phase needs %lu",
                   (unsigned long)heap_free(), (unsigned long)need);
    return;
  }
  /* A preempted spawner would let pending tasks run (and get stacks) before
   * the heap is read. */
  sched_set_time_slice_ns(0);
  if (measure_pending()) {
    /* Both batches stay parked until both are measured, so no stack is
     * freed (and reused) in between. */
    struct parking_lot lot = {.gate = WAITGROUP_INIT, .left = WAITGROUP_INIT};
    waitgroup_add(&lot.gate, 1);
    waitgroup_add(&lot.left, PARKED_SMALL_STACK_TASKS + PARKED_DEFAULT_STACK_TASKS);
    if (park_batch(&lot, PARKED_SMALL_STACK_TASKS, TASK_STACK_MIN, &memory.small_stack) &&
        park_batch(&lot, PARKED_DEFAULT_STACK_TASKS, 0, &memory.default_stack)) {
      waitgroup_done(&lot.gate);
      waitgroup_wait(&lot.left);
      memory.measured = true;
    }
  }
  sched_set_time_slice_ns(DEFAULT_TIME_SLICE_NS);
}

/* ---- growth fault ------------------------------------------------------------- */

#if ARCH_HAS_STACK_SLOTS
/* Pages grown per repetition, at most: every repetition grows new ones, so
 * the task's reservation holds them all (8 MiB at this cap). */
#define GROW_PAGES_MAX 256u

/* A local array of @p pages pages below this frame, one byte of each page
 * written, from the top down: each page not yet mapped costs one growth
 * fault (RISC-V's probes of the variable-sized frame may take it first;
 * the count is the same). */
static __attribute__((noinline)) void touch_pages(size_t pages) {
  volatile char area[pages * 4096];
  for (size_t i = pages; i-- > 0;)
    area[i * 4096] = 1;
  __asm__ volatile("" ::"r"(area) : "memory");
}

struct grow_case {
  struct row *r;
  struct waitgroup done;
};

static void grow_measurer(void *arg) {
  struct grow_case *g = arg;
  struct row *r = g->r;
  for (int rep = 0; rep < REPS; rep++) {
    /* The first call grows r->ops new pages below those of the repetitions
     * before; the second walks the same pages, all mapped now: the
     * difference is the faults alone. */
    size_t pages = (size_t)(rep + 1) * r->ops;
    uint64_t t0 = arch_instructions_retired();
    touch_pages(pages);
    uint64_t t1 = arch_instructions_retired();
    touch_pages(pages);
    uint64_t t2 = arch_instructions_retired();
    r->instret[rep] = (t1 - t0) - (t2 - t1);
  }
  waitgroup_done(&g->done);
}

static void measure_grow(struct row *r) {
  r->ops = iters < GROW_PAGES_MAX ? iters : GROW_PAGES_MAX;
  struct grow_case g = {.r = r, .done = WAITGROUP_INIT};
  waitgroup_add(&g.done, 1);
  struct task_attr attr = {.stack_size = (REPS * r->ops + 16) * 4096, .name = "grow",
                           .pin = BENCH_PIN};
  if (task_spawn(NULL, grow_measurer, &g, &attr) != 0) {
    cannot_measure("grow: task_spawn failed");
    r->ops = 0;
    return;
  }
  waitgroup_wait(&g.done);
}
#endif

/* ---- driver --------------------------------------------------------------------------- */

static void run_all(void *wg) {
  if (memory_phase && wanted("memory"))
    measure_memory();
  measure_calibration(&rows[ROW_CALIBRATION]); /* always: it proves instret counts */
  if (!failure[0]) {
    if (wanted(rows[ROW_YIELD].key))
      measure_yield(&rows[ROW_YIELD]);
    if (wanted(rows[ROW_SPAWN_DEFAULT].key))
      measure_spawn_run_exit(&rows[ROW_SPAWN_DEFAULT], 0);
    if (wanted(rows[ROW_SPAWN_SMALL].key))
      measure_spawn_run_exit(&rows[ROW_SPAWN_SMALL], TASK_STACK_MIN);
    if (wanted(rows[ROW_SLEEP0_ALONE].key))
      measure_sleep0_alone(&rows[ROW_SLEEP0_ALONE]);
    if (wanted(rows[ROW_PARK_READY].key))
      measure_park_ready(&rows[ROW_PARK_READY]);
    if (wanted(rows[ROW_SIGNAL].key))
      measure_relay(&rows[ROW_SIGNAL]);
    if (wanted(rows[ROW_CHAN_HANDOFF].key))
      measure_chan_handoff(&rows[ROW_CHAN_HANDOFF]);
    if (wanted(rows[ROW_SELECT].key))
      measure_select(&rows[ROW_SELECT]);
    if (wanted(rows[ROW_TRACE_EVENT].key))
      measure_trace_event(&rows[ROW_TRACE_EVENT]);
#if ARCH_HAS_STACK_SLOTS
    if (wanted(rows[ROW_GROW].key))
      measure_grow(&rows[ROW_GROW]);
#endif
    if (wanted(rows[ROW_YIELD_TRACED].key)) {
      if (trace_start(0) != 0)
        cannot_measure("yield-traced: no memory for the trace rings");
      measure_yield(&rows[ROW_YIELD_TRACED]);
      trace_stop();
    }
  }
  waitgroup_done(wg);
}

int main(void) {
  const char *arg = bootarg("iters");
  if (arg) {
    unsigned long n = strtoul(arg, NULL, 10);
    if (n == 0 || n > 100000000ul) {
      printf("bench: bad iters=%s (want 1..100000000)\n", arg);
      printf("0 passed, 1 failed\n");
      return 1;
    }
    iters = (unsigned)n;
  }
  only_filter = bootarg("only");
  /* Each word's value runs to the next space: compare it with that length. */
  arg = bootarg("memory");
  if (arg && strncmp(arg, "off", 3) == 0 && (arg[3] == ' ' || arg[3] == '\0'))
    memory_phase = false;
  arg = bootarg("report");
  if (arg && strncmp(arg, "lines", 5) == 0 && (arg[5] == ' ' || arg[5] == '\0'))
    report_lines = true;

  /* Every figure is taken on BENCH_CORE: with one hart the driver runs
   * there unpinned; with more, pinning keeps it there. */
  struct waitgroup done = WAITGROUP_INIT;
  struct task_attr attr = {.name = "bench", .pin = cpu_count() == 1 ? BENCH_PIN : BENCH_CORE};
  waitgroup_add(&done, 1);
  if (task_spawn(NULL, run_all, &done, &attr) != 0) {
    printf("bench: no memory for the driver task\n0 passed, 1 failed\n");
    return 1;
  }
  waitgroup_wait(&done);

  if (!report_lines) {
    printf("\n### %u core%s (-smp %u)\n\n", cpu_count(), cpu_count() == 1 ? "" : "s",
           cpu_count());
    printf("Instructions retired per operation: median, min and max of %d repetitions of %u "
           "iterations after %d warm-up.\n\n",
           MEASURED_REPS, iters, WARMUP_REPS);
    printf("| operation | ops/rep | median | min | max | target | FreeRTOS |\n"
           "|---|---|---|---|---|---|---|\n");
  }
  for (int i = 0; i < NROWS; i++)
    if (rows[i].ops) /* measured (only= may have left it out) */
      print_row(&rows[i]);
  if (memory.measured) {
    printf("\n");
    print_memory();
  }
  printf("\n");
  if (failure[0]) {
    printf("bench: cannot measure: %s\n", failure);
    printf("0 passed, 1 failed\n");
    return 1;
  }
  printf("1 passed, 0 failed\n");
  return 0;
}
