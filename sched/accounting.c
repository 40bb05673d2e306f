/* Per-task and per-core CPU accounting (sched_accounting_start).
 *
 * Off, the switch pays one load and a branch (ACCOUNT_SWITCH). On, each
 * switch reads the clock once: the time since the core's last switch goes
 * to the task that ran (its run_us) and to the core's busy time; a switch
 * away from the idle context charges nothing (idle time is measured by the
 * idle loop around its sleep, device-interrupt time by irq_dispatch).
 * A task's time includes the interrupts taken while it ran.
 *
 * run_us is 32 bits so struct task stays 96 bytes: microseconds, which
 * saturate at 71 minutes of CPU time; each run is cut to whole
 * microseconds, so a task whose runs are far shorter than one shows less
 * than it used.
 */
#include <brigade/cpu.h>
#include <brigade/sched.h>

#include "task_internal.h"

static uint64_t us_per_tick_q32; /* microseconds per tick, 32.32 fixed point */

void account_init(void) {
  us_per_tick_q32 = ((uint64_t)1000000 << 32) / arch_tick_hz();
}

void account_switch(struct sched_cpu *c, struct task *prev) {
  uint64_t now = arch_now_ticks(), since = c->run_started;
  c->run_started = now;
  if (!since || (prev->flags & TASK_FLAG_IDLE))
    return; /* accounting began during this run, or the core was idle */
  uint64_t ticks = now - since;
  OWNER_STORE(c->busy_ticks, c->busy_ticks + ticks);
  uint64_t us = prev->run_us + (uint64_t)(((unsigned __int128)ticks * us_per_tick_q32) >> 32);
  OWNER_STORE(prev->run_us, us > UINT32_MAX ? UINT32_MAX : (uint32_t)us);
}

void sched_accounting_start(void) { cpu_accounting_start(); }

bool sched_accounting_on(void) { return __atomic_load_n(&cpu_accounting, __ATOMIC_RELAXED); }

struct usage_walk {
  struct sched_task_usage *out;
  unsigned max, n;
};

static void usage_one(const struct task *t, void *ctx) {
  static const char *const names[] = {"free", "new", "runnable", "running", "parked", "dead"};
  struct usage_walk *w = ctx;
  uint32_t state = __atomic_load_n(&t->state, __ATOMIC_RELAXED);
  if (w->n < w->max)
    w->out[w->n] = (struct sched_task_usage){
        .id = t->id,
        .name = task_name(t),
        .state = state < sizeof names / sizeof names[0] ? names[state] : "?",
        .run_us = __atomic_load_n(&t->run_us, __ATOMIC_RELAXED),
        .core = t->last_core,
    };
  w->n++;
}

unsigned sched_task_usage(struct sched_task_usage *out, unsigned max) {
  struct usage_walk w = {out, max, 0};
  task_foreach(usage_one, &w);
  return w.n;
}
