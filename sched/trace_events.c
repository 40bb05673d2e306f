/* The scheduler's trace events that take more than one record
 * (trace_events.h). Called with interrupts masked, on the core whose ring
 * they write. */
#include <brigade/sched.h>

#include "trace_events.h"

/* At most this many live tasks are named at a start, so the names cannot
 * fill the starting core's ring (2 records each). */
#define NAMED_AT_START_MAX(cap) ((cap) / 8)

struct naming {
  unsigned left;
};

static void name_live_task(const struct task *t, void *ctx) {
  struct naming *n = ctx;
  uint32_t state = __atomic_load_n(&t->state, __ATOMIC_RELAXED);
  if (!n->left || state == TASK_FREE || state == TASK_DEAD)
    return;
  n->left--;
  trace_record(TRACE_TASK_LIVE, t->id);
  trace_record(TRACE_TASK_NAME, (uintptr_t)t->name);
}

int sched_trace_start(unsigned events_per_core) {
  int err = trace_start(events_per_core);
  if (err)
    return err;
  struct naming n = {NAMED_AT_START_MAX(trace_capacity())};
  unsigned long irq = arch_irq_save();
  task_foreach(name_live_task, &n);
  arch_irq_restore(irq);
  return 0;
}

void trace_spawn(const struct task *t, const struct task *spawner) {
  uint64_t parent = spawner && !(spawner->flags & TASK_FLAG_IDLE) ? spawner->id : 0;
  trace_record(TRACE_SPAWN, t->id | parent << 32);
  trace_record(TRACE_TASK_NAME, (uintptr_t)t->name);
}

static void trace_switch(struct sched_cpu *c, const struct task *prev, const struct task *next,
                         enum after_switch after) {
  if (!(prev->flags & TASK_FLAG_IDLE)) {
    enum trace_stop why = TRACE_STOP_YIELD;
    if (after == AFTER_REQUEUE && (prev->flags & TASK_FLAG_PREEMPTED))
      why = TRACE_STOP_PREEMPTED;
    else if (after == AFTER_PARK)
      why = TRACE_STOP_PARKED;
    else if (after == AFTER_EXIT)
      why = TRACE_STOP_EXITED;
    trace_record(TRACE_STOP, prev->id | (uint64_t)why << 32);
    if (why == TRACE_STOP_PARKED)
      trace_record(TRACE_PARK_REASON, (uintptr_t)prev->wait_reason);
  }
  if (!(next->flags & TASK_FLAG_IDLE))
    trace_record(TRACE_RUN, next->id);
}

void observe_switch(struct sched_cpu *c, struct task *prev, const struct task *next,
                    enum after_switch after) {
  if (__atomic_load_n(&cpu_accounting, __ATOMIC_RELAXED))
    account_switch(c, prev);
  if (__atomic_load_n(&trace_on, __ATOMIC_RELAXED))
    trace_switch(c, prev, next, after);
}
