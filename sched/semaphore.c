/*
 * Counting semaphore, strictly FIFO.
 *
 * Invariant, under s->lock: while any task waits, count is 0. A waiter
 * queues only after seeing count 0 under the lock, and a release with a
 * waiter queued gives its permit straight to the oldest waiter instead of
 * to the count. So a newcomer can never take a permit ahead of a waiter,
 * and a woken waiter never has to compete: it returns holding its permit.
 *
 * Taking an available permit needs no lock (a CAS on count): count > 0
 * means nobody waits. Release always takes the lock, because only there
 * can it tell "nobody waits" from "a waiter is about to queue".
 */
#include <brigade/panic.h>
#include <brigade/sync.h>
#include <brigade/waitq.h>

#include "task_internal.h"

bool sem_try_acquire(struct semaphore *s) {
  uint32_t old = __atomic_load_n(&s->count, __ATOMIC_RELAXED);
  while (old > 0)
    /* Acquire: pairs with the release that put the permit there. */
    if (__atomic_compare_exchange_n(&s->count, &old, old - 1, true, __ATOMIC_ACQUIRE,
                                    __ATOMIC_RELAXED))
      return true;
  return false;
}

void sem_acquire(struct semaphore *s) {
  if (sem_try_acquire(s))
    return;
  unsigned long irq = arch_irq_save();
  spin_lock_raw(&s->lock);
  /* A release between the look above and taking the lock saw nobody
   * waiting and went to the count: look again before queueing. */
  if (sem_try_acquire(s)) {
    spin_unlock_raw(&s->lock);
    arch_irq_restore(irq);
    return;
  }
  struct waitq_entry w = {.task = sched_self()->current};
  waitq_push_back(&s->waiters, &w);
  /* Woken only by sem_release, which handed us its permit. */
  task_park_unlock("semaphore", &s->lock);
  arch_irq_restore(irq);
}

void sem_release(struct semaphore *s) {
  unsigned long irq = spin_lock_irqsave(&s->lock);
  struct waitq_entry *w = waitq_pop_front(&s->waiters);
  if (!w) {
    /* Release: what we did before giving the permit back happens before
     * whatever its next holder does. */
    if (__atomic_fetch_add(&s->count, 1, __ATOMIC_RELEASE) == UINT32_MAX)
      panic("semaphore %p: more than %u permits released", (void *)s, (unsigned)UINT32_MAX);
    spin_unlock_irqrestore(&s->lock, irq);
    return;
  }
  struct task *t = w->task; /* w is gone once t runs */
  spin_unlock_irqrestore(&s->lock, irq);
  task_ready(t);
}
