/*
 * Once, as Go's sync.Once: fn runs exactly once, and nobody returns from
 * once_do before it has finished.
 *
 * After the first call has finished, once_do is a single acquire load of
 * `state`. Before that, the state changes (not run -> running -> done)
 * happen under o->lock, so a caller that finds fn running queues itself
 * under the same lock the runner needs to publish "done": it is either
 * queued before the runner takes the queue, or it sees "done" and returns.
 * Waiters park rather than spin, since fn may run for long (it may itself
 * block, sleep or wait for other tasks).
 *
 * Destroy after return: the store of DONE is the runner's last access to
 * the once, so a caller that sees DONE may free it (or leave the stack frame
 * it lives in) at once. The runner therefore takes the waiters and releases
 * the lock first, under an intermediate state, FINISHING; a caller that
 * finds FINISHING spins for the few instructions (interrupts masked on the
 * runner's core) until DONE.
 */
#include <brigade/panic.h>
#include <brigade/sync.h>

#include "sync_waitq.h"
#include "test_hooks.h"

enum { ONCE_NOT_RUN, ONCE_RUNNING, ONCE_FINISHING, ONCE_DONE };

static __attribute__((noreturn, noinline)) void once_reentered(struct once *o, task_t *t) {
  panic("once_do on once %p from inside its own fn (task %u, %s) would wait forever", (void *)o,
        t ? (unsigned)task_id(t) : 0u, t ? task_name(t) : "not a task");
}

static void run_and_release(struct once *o, void (*fn)(void *arg), void *arg) {
  fn(arg);
  unsigned long irq = spin_lock_irqsave(&o->lock);
  o->runner = NULL;
  struct sync_waiter *list = o->waiters.head;
  o->waiters = (struct sync_waitq)SYNC_WAITQ_INIT;
  /* The queue is taken: callers from now on wait for DONE by spinning,
   * which lasts the few instructions below (interrupts are masked here). */
  __atomic_store_n(&o->state, ONCE_FINISHING, __ATOMIC_RELAXED);
  spin_unlock_raw(&o->lock);
  /* The last access to *o. A caller that sees DONE returns, and may destroy
   * the once at once (it may live on a stack): nothing after this store may
   * touch it. Release: fn's effects are visible to every load that sees DONE. */
  __atomic_store_n(&o->state, ONCE_DONE, __ATOMIC_RELEASE);
  SCHED_TEST_HOOK(SCHED_TEST_ONCE_DONE_PUBLISHED, o);
  arch_irq_restore(irq);
  /* The waiters' records are on their stacks and they are still parked:
   * nothing has freed them. */
  while (list) {
    /* Read both before the wake: the record vanishes when its task runs. */
    struct sync_waiter *next = list->next;
    struct task *t = list->task;
    task_ready(t);
    list = next;
  }
}

static __attribute__((noinline)) void once_do_slow(struct once *o, void (*fn)(void *arg),
                                                   void *arg) {
  task_t *self = task_current();
  unsigned long irq = arch_irq_save();
  spin_lock_raw(&o->lock);
  uint32_t state = __atomic_load_n(&o->state, __ATOMIC_RELAXED);
  if (state == ONCE_DONE || state == ONCE_FINISHING) {
    spin_unlock_raw(&o->lock);
    arch_irq_restore(irq);
    /* Acquire: pairs with the release of DONE in run_and_release. */
    while (__atomic_load_n(&o->state, __ATOMIC_ACQUIRE) != ONCE_DONE)
      arch_cpu_relax();
    return;
  }
  if (state == ONCE_NOT_RUN) {
    __atomic_store_n(&o->state, ONCE_RUNNING, __ATOMIC_RELAXED);
    o->runner = self;
    spin_unlock_raw(&o->lock);
    arch_irq_restore(irq);
    run_and_release(o, fn, arg);
    return;
  }
  if (o->runner == self)
    once_reentered(o, self);
  struct sync_waiter w = {.task = self};
  waitq_push_back(&o->waiters, &w);
  task_park("once", waitq_unlock_after_park, &o->lock);
  arch_irq_restore(irq);
}

void once_do(struct once *o, void (*fn)(void *arg), void *arg) {
  /* Acquire: pairs with the release in run_and_release, so fn's effects
   * are visible to the caller. */
  if (__builtin_expect(__atomic_load_n(&o->state, __ATOMIC_ACQUIRE) == ONCE_DONE, 1))
    return;
  once_do_slow(o, fn, arg);
}
