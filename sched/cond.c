/*
 * Condition variable, Mesa semantics.
 *
 * cond_wait must release the mutex and go to sleep as one step with
 * respect to signals: a signal sent after the mutex is released must find
 * the waiter. It queues first, releases the mutex, and only then decides,
 * under c->lock again, whether to park: if a signal already took it off
 * the queue, it does not park at all. A signaller readies only waiters that
 * said, under c->lock, that they park; since the waiter keeps c->lock until
 * it has switched out, such a waiter is fully asleep when readied.
 *
 * Releasing the mutex outside c->lock keeps the two locks unnested and
 * c->lock's critical sections a few instructions long (mutex_unlock may
 * ready a task).
 */
#include <stddef.h>

#include <brigade/sync.h>
#include <brigade/waitq.h>

#include "task_internal.h"

struct cond_waiter {
  struct waitq_entry link;
  bool signaled; /* taken off the queue by a signal; under c->lock */
  bool parked;   /* committed to park; the signaller must ready it */
};

static struct cond_waiter *cond_waiter_of(struct waitq_entry *link) {
  return (struct cond_waiter *)((char *)link - offsetof(struct cond_waiter, link));
}

void cond_wait(struct cond *c, struct mutex *m) {
  struct cond_waiter w = {.link.task = task_current()};
  unsigned long irq = spin_lock_irqsave(&c->lock);
  waitq_push_back(&c->waiters, &w.link);
  spin_unlock_irqrestore(&c->lock, irq);

  mutex_unlock(m);

  irq = arch_irq_save();
  spin_lock_raw(&c->lock);
  if (w.signaled) {
    spin_unlock_raw(&c->lock);
  } else {
    w.parked = true;
    task_park_unlock("cond", &c->lock);
  }
  arch_irq_restore(irq);

  mutex_lock(m);
}

/* Under c->lock: mark the waiter signalled; return its task if the caller
 * must ready it (after dropping the lock), NULL if it never parked. A
 * waiter that did not park may return as soon as c->lock is dropped, so
 * its record must not be touched after that. */
static struct task *signal_waiter(struct waitq_entry *link) {
  struct cond_waiter *w = cond_waiter_of(link);
  w->signaled = true;
  return w->parked ? link->task : NULL;
}

void cond_signal(struct cond *c) {
  unsigned long irq = spin_lock_irqsave(&c->lock);
  struct waitq_entry *link = waitq_pop_front(&c->waiters);
  struct task *t = link ? signal_waiter(link) : NULL;
  spin_unlock_irqrestore(&c->lock, irq);
  if (t)
    task_ready(t);
}

void cond_broadcast(struct cond *c) {
  unsigned long irq = spin_lock_irqsave(&c->lock);
  struct waitq_entry *link = c->waiters.head;
  c->waiters = (struct waitq)WAITQ_INIT;
  /* The parked ones, in queue order, linked through their own records
   * (valid until each is readied, since a parked waiter does not run). */
  struct waitq wake = WAITQ_INIT;
  while (link) {
    struct waitq_entry *next = link->next;
    if (signal_waiter(link))
      waitq_push_back(&wake, link);
    link = next;
  }
  spin_unlock_irqrestore(&c->lock, irq);
  for (link = wake.head; link;) {
    struct waitq_entry *next = link->next;
    task_ready(link->task);
    link = next;
  }
}
