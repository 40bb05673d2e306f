/* The scheduler's trace event sites (kernel's <brigade/trace.h> records
 * them). Each site is one macro call; off, it is one load and a branch
 * predicted not taken, and the work of an event that needs more than one
 * record (a spawn, a switch) is out of line in trace_events.c. */
#ifndef BRIGADE_SCHED_TRACE_EVENTS_H
#define BRIGADE_SCHED_TRACE_EVENTS_H

#include <brigade/trace.h>

#include "task_internal.h"

#define TRACE_IS_ON() __builtin_expect(__atomic_load_n(&trace_on, __ATOMIC_RELAXED), 0)

void trace_spawn(const struct task *t, const struct task *spawner);
void trace_switch(struct sched_cpu *c, const struct task *prev, const struct task *next,
                  enum after_switch after);

/* Task t was created by the running task (or outside any task). */
#define TRACE_SPAWN_TASK(c, t)                                                 \
  do {                                                                         \
    if (TRACE_IS_ON())                                                         \
      trace_spawn((t), (c)->current);                                          \
  } while (0)

/* Core c leaves prev for next; after says why prev stopped. */
#define TRACE_SWITCH(c, prev, next, after)                                     \
  do {                                                                         \
    if (TRACE_IS_ON())                                                         \
      trace_switch((c), (prev), (next), (after));                              \
  } while (0)

#endif
