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
 */
#include <brigade/panic.h>
#include <brigade/sync.h>
#include <brigade/waitq.h>

#include "task_internal.h"

enum { ONCE_NOT_RUN, ONCE_RUNNING, ONCE_DONE };

static __attribute__((noreturn, noinline)) void once_reentered(struct once *o, task_t *t) {
  panic("once_do on once %p from inside its own fn (task %u, %s) would wait forever", (void *)o,
        t ? (unsigned)task_id(t) : 0u, t ? task_name(t) : "not a task");
}

static void run_and_release(struct once *o, void (*fn)(void *arg), void *arg) {
  fn(arg);
  unsigned long irq = spin_lock_irqsave(&o->lock);
  /* Release: fn's effects are visible to every fast-path load that sees DONE. */
  __atomic_store_n(&o->state, ONCE_DONE, __ATOMIC_RELEASE);
  o->runner = NULL;
  struct waitq_entry *list = o->waiters.head;
  o->waiters = (struct waitq)WAITQ_INIT;
  spin_unlock_irqrestore(&o->lock, irq);
  while (list) {
    /* Read both before the wake: the record vanishes when its task runs. */
    struct waitq_entry *next = list->next;
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
  if (state == ONCE_DONE) {
    spin_unlock_raw(&o->lock);
    arch_irq_restore(irq);
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
  struct waitq_entry w = {.task = self};
  waitq_push_back(&o->waiters, &w);
  task_park_unlock("once", &o->lock);
  arch_irq_restore(irq);
}

void once_do(struct once *o, void (*fn)(void *arg), void *arg) {
  /* Acquire: pairs with the release in run_and_release, so fn's effects
   * are visible to the caller. */
  if (__builtin_expect(__atomic_load_n(&o->state, __ATOMIC_ACQUIRE) == ONCE_DONE, 1))
    return;
  once_do_slow(o, fn, arg);
}
