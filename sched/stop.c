/* The end of the program: when main returns, every other core stops.
 *
 * Go ends a program the moment main returns, whatever other goroutines are
 * doing. Here main's return is followed by exit handlers and stdio flushing
 * on the stack main has just left, and tasks on other cores may still use
 * main's locals (a Go programmer's habit: Go keeps such locals on the heap).
 * So the first thing after main returns is to stop every other core for
 * good, and to wait until each has stopped, before anything reuses that
 * stack.
 *
 * A core stops only where it holds no lock: at the exit of an interrupt
 * taken with interrupts enabled, when a switch has finished (the parker's
 * lock released) or a new task is about to start, and at the top of its
 * idle loop. The IPI makes a running task take an interrupt at once on
 * bare metal; on the host, where an IPI interrupts no running task, the
 * core stops at its next switch or timer signal. The stopping core masks
 * its own interrupts for good, so nothing else runs there either, and the
 * rest of the exit path writes the console by polling, needing neither
 * interrupts nor a lock a stopped task might hold.
 */
#include <brigade/panic.h>
#include <brigade/sched.h>

#include "task_internal.h"
#include "test_hooks.h"

/* How long to wait for a core that does not stop: a task on a host core
 * that never switches (no timer signal under the sanitizers) or blocks in
 * a system call. Bare-metal cores stop within microseconds. */
#define STOP_PATIENCE_MS 1000

void sched_stop_point_slow(struct sched_cpu *c) {
  if (__atomic_load_n(&c->stop, __ATOMIC_RELAXED) == SCHED_STOP_HALT)
    sched_halt(c);
}

void sched_halt(struct sched_cpu *c) {
  /* Release: everything this core did (a task reading main's frame) happens
   * before the stopper's acquire load, so before the exit path reuses it. */
  __atomic_store_n(&c->halted, 1, __ATOMIC_RELEASE);
  for (;;) {
    arch_clear_ipi();
    arch_timer_set(UINT64_MAX);
    arch_wait_for_interrupt(); /* interrupts stay masked: a pending one only ends the wait */
  }
}

void sched_stop_other_cores(void) {
  arch_irq_save(); /* for good: the caller is on its way out of the program */
  struct sched_cpu *me = sched_self();
  static uint32_t stopping;
  uint32_t zero = 0;
  if (!__atomic_compare_exchange_n(&stopping, &zero, 1, false, __ATOMIC_ACQ_REL,
                                   __ATOMIC_RELAXED))
    panic("sched_stop_other_cores called a second time (core %u)", this_cpu()->index);
  __atomic_store_n(&me->stop, SCHED_STOP_SURVIVE, __ATOMIC_RELAXED);
  unsigned n = cpu_count();
  for (unsigned i = 0; i < n; i++) {
    if (i == this_cpu()->index)
      continue;
    /* Relaxed: the request needs no ordering of its own; the IPI or the
     * core's next stop point reads it soon, and the halted flag below is
     * what the exit path waits for. */
    __atomic_store_n(&sched_of(i)->stop, SCHED_STOP_HALT, __ATOMIC_RELAXED);
  }
  /* Full fence: the requests are visible before the IPIs are sent. */
  sched_full_fence();
  for (unsigned i = 0; i < n; i++)
    if (i != this_cpu()->index)
      arch_send_ipi(cpu_get(i));
  SCHED_TEST_HOOK(SCHED_TEST_STOP_IPIS_SENT, NULL);
  uint64_t until = arch_now_ticks() + arch_ms_to_ticks(STOP_PATIENCE_MS);
  for (unsigned i = 0; i < n; i++) {
    if (i == this_cpu()->index)
      continue;
    /* Acquire: pairs with the release in sched_halt. */
    while (!__atomic_load_n(&sched_of(i)->halted, __ATOMIC_ACQUIRE) && arch_now_ticks() < until)
      arch_cpu_relax();
    /* Where nothing preempts (the host's sanitizer builds), a task that
     * never switches keeps its core by design: left behind quietly. */
    if (!__atomic_load_n(&sched_of(i)->halted, __ATOMIC_ACQUIRE) && arch_can_preempt())
      kprintf("brigade: core %u did not stop within %u ms of main's return (a task there "
              "neither switches nor takes interrupts); exiting without it\n",
              i, STOP_PATIENCE_MS);
  }
}

/* Stack that stopping the other cores may use without reaching main's
 * frame; far more than sched_stop_other_cores needs (a host's pthread
 * calls under a sanitizer included). */
#define MAIN_FRAME_GAP 2048

/* main runs below this function's gap. Once main has returned, the calls
 * that stop the other cores take the gap's place on the stack, not main's
 * frame, which the tasks still running may be reading. */
static __attribute__((noinline)) int call_main_below_a_gap(int (*main_fn)(void)) {
  volatile unsigned char gap[MAIN_FRAME_GAP];
  gap[0] = gap[MAIN_FRAME_GAP - 1] = 0; /* kept: it must stay in the frame */
  int rc = main_fn();
  return rc + gap[0] + gap[MAIN_FRAME_GAP - 1];
}

int sched_run_main(int (*main_fn)(void)) {
  int rc = call_main_below_a_gap(main_fn);
  sched_stop_other_cores();
  return rc;
}

void sched_refuse_switch_after_main(struct sched_cpu *c, enum after_switch after) {
  struct task *t = c->current;
  if (after == AFTER_REQUEUE)
    return; /* a yield: go on, nothing else may run */
  panic("task %u (%s) cannot %s after main returned: every other task has stopped, so "
        "nothing could wake it",
        t ? (unsigned)t->id : 0u, t ? task_name(t) : "?", after == AFTER_EXIT ? "exit" : "wait");
}
