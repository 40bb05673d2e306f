#include <brigade/panic.h>
#include <brigade/sync.h>
#include <brigade/waitq.h>

#include "task_internal.h"

/* The counter reaches zero only under the lock. A waiter that finds zero
 * (under the same lock) returns and may free the waitgroup at once -- in a
 * fork-join it lives on the waiter's stack -- so the waker must be done with
 * it by then: its unlock is its last touch. A waker that counted down to
 * zero outside the lock and took the lock afterwards could write into a
 * dead stack frame (another task's saved registers, at -smp 4). Every
 * other change of the counter is one compare-and-swap, without the lock. */
void waitgroup_add(struct waitgroup *wg, int64_t delta) {
  int64_t old = __atomic_load_n(&wg->count, __ATOMIC_RELAXED);
  while (old + delta != 0) {
    if (old + delta < 0)
      panic("waitgroup %p: counter went negative (%lld)", (void *)wg, (long long)(old + delta));
    if (__atomic_compare_exchange_n(&wg->count, &old, old + delta, true, __ATOMIC_ACQ_REL,
                                    __ATOMIC_RELAXED))
      return;
  }
  unsigned long irq = spin_lock_irqsave(&wg->lock);
  int64_t now = __atomic_add_fetch(&wg->count, delta, __ATOMIC_ACQ_REL);
  if (now < 0) {
    spin_unlock_irqrestore(&wg->lock, irq);
    panic("waitgroup %p: counter went negative (%lld)", (void *)wg, (long long)now);
  }
  struct waitq list = WAITQ_INIT;
  if (now == 0)
    list = waitq_take_all(&wg->waiters);
  spin_unlock_irqrestore(&wg->lock, irq);
  /* Only the waiters' own entries from here: they stay parked, and so cannot
   * return from waitgroup_wait, until readied. */
  waitq_ready_all(&list);
}

void waitgroup_done(struct waitgroup *wg) { waitgroup_add(wg, -1); }

void waitgroup_wait(struct waitgroup *wg) {
  unsigned long irq = arch_irq_save();
  spin_lock_raw(&wg->lock);
  if (__atomic_load_n(&wg->count, __ATOMIC_ACQUIRE) == 0) {
    spin_unlock_raw(&wg->lock);
    arch_irq_restore(irq);
    return;
  }
  struct waitq_entry me;
  waitq_park(&wg->waiters, &me, "waitgroup", &wg->lock);
  arch_irq_restore(irq);
}
