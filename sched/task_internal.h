/* The task (G) and the scheduler's internal interfaces between sched/ files. */
#ifndef BRIGADE_SCHED_TASK_INTERNAL_H
#define BRIGADE_SCHED_TASK_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <brigade/cpu.h>
#include <brigade/sched_cpu.h>
#include <brigade/task.h>


/* 96 bytes on 64-bit targets: this is all a spawned, never-run task costs. */
struct task {
  void *sp;                 /* saved stack pointer; NULL while the context is live */
  struct task *link;        /* run queue / wait list / free list link */
  void (*fn)(void *arg);
  void *arg;
  void *stack;              /* lowest address of the stack; NULL until first run */
  const char *name;
  const char *wait_reason;  /* while parked */
  uint64_t wait_since;      /* ticks, while parked */
  void *libc_state;         /* C library state (newlib's _reent), created on first use */
  uint32_t id;
  uint32_t stack_size;      /* bytes */
  uint32_t state;           /* enum task_state; word-sized for CAS on every ISA */
  int16_t pin;              /* core index or TASK_ANY_CORE */
  uint16_t last_core;
  uint8_t flags;
  uint32_t run_us;          /* time run, microseconds, while CPU accounting is on (saturates) */
};

#define TASK_FLAG_IDLE 1u       /* a core's own scheduler context, not a real task */
#define TASK_FLAG_HEAP_STACK 2u /* its stack is from the heap, not a guarded slot */
#define TASK_FLAG_PREEMPTED 4u  /* it is being preempted (the trace's stop reason) */

/* Written at the lowest word of every task stack and checked at every
 * switch away from the task: an overrun that reached the bottom of the
 * stack is reported with the task's name instead of corrupting a neighbour
 * silently. (Guarded slots fault at once on an overrun; the canary is what
 * heap stacks have, and costs one load per switch.) */
#define STACK_CANARY 0x5354414b43414e59ull /* "STAKCANY" */

/* True when t's heap stack has lost its canary: it overran. A guarded slot
 * has no canary (its guard faults). */
static inline bool task_stack_overrun(const struct task *t) {
  return (t->flags & TASK_FLAG_HEAP_STACK) && *(const uint64_t *)t->stack != STACK_CANARY;
}

/* Sentinel stack pointer of a task that has never run. */
#define SP_NEW ((void *)1)

/* A full (sequentially consistent) fence. ThreadSanitizer does not model
 * standalone fences, so its build uses a seq_cst read-modify-write of one
 * shared word instead: every such RMW is ordered with every other in TSan's
 * happens-before model, which is exactly what the Dekker-style pairs that
 * use this fence need. On hardware both forms are full barriers. */
#if defined(__SANITIZE_THREAD__)
extern uint32_t sched_fence_word;
static inline void sched_full_fence(void) {
  __atomic_fetch_add(&sched_fence_word, 0, __ATOMIC_SEQ_CST);
}
#else
static inline void sched_full_fence(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
#endif

static inline struct sched_cpu *sched_self(void) { return this_cpu()->sched; }

/* Every core's scheduler state, one array indexed by core (sched_cpus_create):
 * written once before any other core schedules, read-only after. sched_of
 * indexes it inline, without kernel/'s out-of-line cpu_get, because the
 * loops over the cores (stealing, waking, the idle checks) call it for every
 * core. core must be below cpu_count(), as every caller's is. */
extern struct sched_cpu *sched_cpus;

/* cpu_count(), for the same loops: set with sched_cpus, fixed after. */
extern unsigned sched_ncores;

static inline unsigned sched_core_count(void) { return sched_ncores; }

static inline struct sched_cpu *sched_of(unsigned core) { return &sched_cpus[core]; }

#include "deque.h"
#include "owner_store.h"

/* A peek at a field other cores write, used only as a hint where a stale
 * value is harmless: the yield that finds nothing to run returns, and work
 * that arrived just then runs at the next switch or tick. Nothing read
 * through the peeked field is dereferenced on its strength. Plain and volatile for the same reason as
 * OWNER_STORE, and because AArch64 GCC 12 adds the field's offset to the
 * base in a separate instruction for every relaxed atomic load; aligned
 * word loads cannot tear. ThreadSanitizer needs to see it as atomic. */
#if defined(__SANITIZE_THREAD__)
#define HINT_LOAD(lv) __atomic_load_n(&(lv), __ATOMIC_RELAXED)
#else
#define HINT_LOAD(lv) (*(volatile __typeof__(lv) *)&(lv))
#endif

/* global_queue.c */
void global_put(struct task *t);
void global_put_batch(struct task *head, struct task *tail, unsigned n);
struct task *global_get(struct sched_cpu *c, unsigned max);
/* How many tasks the global queue holds: written under its lock, read
 * without it as a hint (relaxed), inline because every yield that finds
 * nothing else to run looks at it. */
extern unsigned global_count;
static inline unsigned global_size(void) { return HINT_LOAD(global_count); }

/* task.c */
/* Exited task t, off its stack: its C library state, stack and struct
 * back to core c's pools (or the heap). */
void task_retire(struct sched_cpu *c, struct task *t);
/* Bytes of stacks core @p c keeps for reuse now (any core may ask). */
uint64_t task_stack_pool_bytes(const struct sched_cpu *c);
/* Heap held by free stacks kept for any core (guarded slots only). */
uint64_t task_stacks_shared_bytes(void);
/* Never-run task t's stack for its first run on core c, from c's pool or
 * new (a panic when there is no memory for one): returns its first frame's
 * stack pointer, for the switch to t to load (t->sp is left as it was). */
void *task_first_stack(struct sched_cpu *c, struct task *t);
void task_check_stack(const struct task *t);
bool task_current_slot_stack(uintptr_t *lo, size_t *size); /* stack_slot.h's panic helper */
__attribute__((noreturn)) void task_entry(void *task, void *switch_arg);

void task_foreach(void (*fn)(const struct task *t, void *ctx), void *ctx);

/* stop.c */
__attribute__((noreturn)) void sched_halt(struct sched_cpu *c);
void sched_refuse_switch_after_main(struct sched_cpu *c, enum after_switch after);

/* A point where core c holds no lock and may stop for good once main has
 * returned (sched/stop.c). One relaxed load of a field of its own, tested
 * against zero: any stop (the only other one is the exit path's own core)
 * goes out of line to see which. */
void sched_stop_point_slow(struct sched_cpu *c);
static inline void sched_stop_point(struct sched_cpu *c) {
  if (__builtin_expect(__atomic_load_n(&c->stop, __ATOMIC_RELAXED) != SCHED_STOP_NONE, 0))
    sched_stop_point_slow(c);
}

/* accounting.c */
void account_switch(struct sched_cpu *c, struct task *prev);
void account_init(void);

/* deadlock.c */
void sched_check_deadlock(void);
void sched_dump_tasks_for_panic(void); /* panic_end's dump handler */

/* schedule.c */
void runq_put(struct sched_cpu *c, struct task *t);
/* New task t, made on core c (interrupts masked with token irq): told to a
 * trace, queued, an idle core woken for it (its own core for a pinned
 * task), then the mask restored. Returns 0, for task_spawn to return. */
int sched_queue_spawned(struct sched_cpu *c, struct task *t, unsigned long irq);
void wake_idle_core(void);
/* Leave prev, the running task, for good (task_exit: interrupts masked,
 * prev marked dead); its stack and struct are freed once it is off them. */
void schedule_away_for_exit(struct sched_cpu *c, struct task *prev);
void finish_switch(void *switch_arg);
uint64_t ns_to_ticks(uint64_t ns);
uint64_t ticks_to_ns(uint64_t ticks);
void sched_arm_timer(struct sched_cpu *c, uint64_t deadline);
/* The calling core's cheap pseudo-random number (xorshift32 over per-core
 * state), for choices that must not follow a fixed pattern: the steal victim
 * order and select's poll order. Not unpredictable; not for secrets. */
uint32_t sched_rand(void);
/* One step of Marsaglia's xorshift32 (13, 17, 5): sched_rand's generator,
 * and select's for the rest of a shuffle seeded by one sched_rand. x must
 * not be 0, which it would never leave. */
static inline uint32_t xorshift32(uint32_t x) {
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return x;
}

/* timer.c */
struct timer {
  uint64_t when;              /* ticks */
  void (*fn)(struct timer *t); /* runs on the owning core, interrupts masked */
  struct task *task;          /* for fn's use (sleep readies it) */
  void *arg;                  /* for fn's use */
  int32_t index;              /* in the heap, or -1 */
  uint16_t core;              /* whose heap */
};
void timer_add(struct sched_cpu *c, struct timer *t);
bool timer_cancel(struct timer *t);
unsigned timers_run_expired(struct sched_cpu *c, uint64_t now);
uint64_t timers_next_deadline(struct sched_cpu *c);

#endif
