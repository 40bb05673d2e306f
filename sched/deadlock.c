/* Deadlock detection and the task dump.
 *
 * A core about to sleep checks whether it is the last one: every core idle,
 * no timer armed anywhere, and no task waiting for an interrupt (a device
 * could still wake those). Then nothing can ever run again, and the parked
 * tasks are reported, as Go reports "all goroutines are asleep". The check
 * is repeated after a short pause, so a core that is just being woken (its
 * idle flag cleared a moment later) cannot cause a false report.
 */
#include <brigade/kprintf.h>
#include <brigade/panic.h>
#include <brigade/sched.h>

#include "task_internal.h"

#define DUMP_MAX_TASKS 64

static uint32_t irq_waiters;
static uint32_t deadlock_reported;

void sched_irq_wait_begin(void) { __atomic_fetch_add(&irq_waiters, 1, __ATOMIC_SEQ_CST); }

void sched_irq_wait_end(void) { __atomic_fetch_sub(&irq_waiters, 1, __ATOMIC_SEQ_CST); }

static const char *state_name(uint32_t s) {
  static const char *const names[] = {"free", "new", "runnable", "running", "parked", "dead"};
  return s < sizeof names / sizeof names[0] ? names[s] : "?";
}

struct dump {
  unsigned shown, total, by_state[TASK_DEAD + 1];
  uint64_t now;
  bool parked_only;
};

static void dump_one(const struct task *t, void *ctx) {
  struct dump *d = ctx;
  uint32_t state = __atomic_load_n(&t->state, __ATOMIC_RELAXED);
  if (state <= TASK_DEAD)
    d->by_state[state]++;
  d->total++;
  if (d->parked_only && state != TASK_PARKED)
    return;
  if (d->shown++ >= DUMP_MAX_TASKS)
    return;
  const char *reason = state == TASK_PARKED && t->wait_reason ? t->wait_reason : "";
  if (state == TASK_PARKED) {
    uint64_t waited_ms = ticks_to_ns(d->now - t->wait_since) / 1000000u;
    kprintf("  task %-8u %-16s %-9s core %-3u %s, for %lu ms", (unsigned)t->id, task_name(t),
            state_name(state), (unsigned)t->last_core, reason, (unsigned long)waited_ms);
  } else {
    kprintf("  task %-8u %-16s %-9s core %-3u", (unsigned)t->id, task_name(t), state_name(state),
            (unsigned)t->last_core);
  }
  if (__atomic_load_n(&cpu_accounting, __ATOMIC_RELAXED)) { /* CPU time, milliseconds */
    uint32_t us = __atomic_load_n(&t->run_us, __ATOMIC_RELAXED);
    kprintf("%scpu %lu.%03lu ms%s", state == TASK_PARKED ? ", " : " ", (unsigned long)(us / 1000),
            (unsigned long)(us % 1000), us == UINT32_MAX ? " or more" : "");
  }
  kprintf("\n");
}

static void dump(bool parked_only) {
  struct dump d = {.now = arch_now_ticks(), .parked_only = parked_only};
  task_foreach(dump_one, &d);
  if (d.shown > DUMP_MAX_TASKS)
    kprintf("  ... %u more not shown\n", d.shown - DUMP_MAX_TASKS);
  kprintf("  %u tasks: %u new, %u runnable, %u running, %u parked\n", d.total,
          d.by_state[TASK_NEW], d.by_state[TASK_RUNNABLE], d.by_state[TASK_RUNNING],
          d.by_state[TASK_PARKED]);
}

void sched_dump_tasks(void) { dump(false); }

void sched_dump_tasks_for_panic(void) {
  kprintf("tasks:\n");
  dump(false);
}

/* Every core idle is not enough: a core sets its idle flag before its last
 * look for work, and one that is slow to take that look (a vCPU thread the
 * host has not scheduled for a millisecond, under QEMU on a busy machine)
 * still has work queued for it: a pinned task in its inbox, or a task in
 * its deque or runnext. So does a core whose interrupt window (the idle
 * loop's, idle flag still set) has just readied a task: into runnext, or,
 * for a task pinned to that core, straight into its private pinned FIFO.
 * Work queued anywhere means something will run.
 *
 * The pinned head is a peek at a field its owner alone writes (HINT_LOAD):
 * the caller read timers_next_deadline first, with acquire ordering, and a
 * timer's function readies its task before the timer's core publishes "no
 * timer" with release; so a head a fired timer filled is seen here. */
static bool work_queued(struct sched_cpu *c) {
  return __atomic_load_n(&c->inbox, __ATOMIC_SEQ_CST) ||
         __atomic_load_n(&c->runnext, __ATOMIC_SEQ_CST) || deque_size(&c->runq) > 0 ||
         HINT_LOAD(c->pinned_head);
}

static bool nothing_can_happen(void) {
  if (__atomic_load_n(&irq_waiters, __ATOMIC_SEQ_CST) != 0)
    return false;
  for (unsigned i = 0; i < sched_core_count(); i++) {
    struct sched_cpu *c = sched_of(i);
    if (!__atomic_load_n(&c->idle, __ATOMIC_SEQ_CST) || timers_next_deadline(c) != UINT64_MAX ||
        work_queued(c))
      return false;
  }
  return global_size() == 0;
}

static unsigned count_parked(void) {
  struct dump d = {.now = arch_now_ticks(), .parked_only = true, .shown = DUMP_MAX_TASKS};
  task_foreach(dump_one, &d);
  return d.by_state[TASK_PARKED];
}

void sched_check_deadlock(void) {
  if (!nothing_can_happen())
    return;
  /* Look again a moment later: a waker that claimed a core clears its idle
   * flag before sending the IPI, but give in-flight work time to show. */
  uint64_t until = arch_now_ticks() + arch_ms_to_ticks(1);
  while (arch_now_ticks() < until)
    arch_cpu_relax();
  if (!nothing_can_happen())
    return;
  if (count_parked() == 0)
    return; /* every task has finished: an idle machine, not a deadlock */
  uint32_t zero = 0;
  if (!__atomic_compare_exchange_n(&deadlock_reported, &zero, 1, false, __ATOMIC_ACQ_REL,
                                   __ATOMIC_RELAXED))
    return;
  panic_begin_report(); /* console writes that cannot block */
  kprintf("\nall tasks are asleep - deadlock!\n");
  dump(true);
  panic_exit(EXIT_DEADLOCK);
}
