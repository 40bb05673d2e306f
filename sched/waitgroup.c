#include <brigade/panic.h>
#include <brigade/sync.h>

#include "task_internal.h"

static void unlock_raw(void *lock) { spin_unlock_raw(lock); }

void waitgroup_add(struct waitgroup *wg, int64_t delta) {
  int64_t now = __atomic_add_fetch(&wg->count, delta, __ATOMIC_ACQ_REL);
  if (now < 0)
    panic("waitgroup %p: counter went negative (%lld)", (void *)wg, (long long)now);
  if (now != 0)
    return;
  /* Zero: wake every waiter. A waiter checks the counter under the lock, so
   * it either saw zero and did not park, or is on the list we take here. */
  unsigned long irq = spin_lock_irqsave(&wg->lock);
  struct task *list = wg->waiters;
  wg->waiters = NULL;
  spin_unlock_irqrestore(&wg->lock, irq);
  while (list) {
    struct task *next = list->link;
    task_ready(list);
    list = next;
  }
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
  struct task *self = sched_self()->current;
  self->link = wg->waiters;
  wg->waiters = self;
  task_park("waitgroup", unlock_raw, &wg->lock);
  arch_irq_restore(irq);
}
