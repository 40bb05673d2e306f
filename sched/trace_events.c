/* The scheduler's trace events that take more than one record
 * (trace_events.h). Called with interrupts masked, on the core whose ring
 * they write. */
#include "trace_events.h"

void trace_spawn(const struct task *t, const struct task *spawner) {
  uint64_t parent = spawner && !(spawner->flags & TASK_FLAG_IDLE) ? spawner->id : 0;
  trace_record(TRACE_SPAWN, t->id | parent << 32);
  trace_record(TRACE_TASK_NAME, (uintptr_t)t->name);
}

void trace_switch(struct sched_cpu *c, const struct task *prev, const struct task *next,
                  enum after_switch after) {
  if (!(prev->flags & TASK_FLAG_IDLE)) {
    enum trace_stop why = TRACE_STOP_YIELD;
    if (after == AFTER_REQUEUE && c->preempting)
      why = TRACE_STOP_PREEMPTED;
    else if (after == AFTER_PARK)
      why = TRACE_STOP_PARKED;
    else if (after == AFTER_EXIT)
      why = TRACE_STOP_EXITED;
    trace_record(TRACE_STOP, prev->id | (uint64_t)why << 32);
    if (why == TRACE_STOP_PARKED)
      trace_record(TRACE_PARK_REASON, (uintptr_t)prev->wait_reason);
  }
  c->preempting = false;
  if (!(next->flags & TASK_FLAG_IDLE))
    trace_record(TRACE_RUN, next->id);
}
