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
void observe_switch(struct sched_cpu *c, struct task *prev, const struct task *next,
                    enum after_switch after);

/* Task t was created by the running task (or outside any task). */
#define TRACE_SPAWN_TASK(c, t)                                                 \
  do {                                                                         \
    if (TRACE_IS_ON())                                                         \
      trace_spawn((t), (c)->current);                                          \
  } while (0)

/* Core c leaves prev for next; after says why prev stopped. The switch's
 * one observation site, for the trace and for CPU accounting (accounting.c)
 * alike: a second out-of-line call in switch_to, even never taken, made
 * GCC keep more registers live across it and cost 22 instructions a
 * switch (sched_bench yield), where one call for both costs 3. */
#define TRACE_SWITCH(c, prev, next, after)                                     \
  do {                                                                         \
    if (__builtin_expect(__atomic_load_n(&trace_on, __ATOMIC_RELAXED) |       \
                             __atomic_load_n(&cpu_accounting, __ATOMIC_RELAXED), \
                         0))                                                   \
      observe_switch((c), (prev), (next), (after));                            \
  } while (0)

#endif
