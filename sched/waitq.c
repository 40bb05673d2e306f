/* Wait queues (see waitq.h for the model). */
#include <brigade/sched.h>
#include <brigade/waitq.h>

#include "task_internal.h"

static void unlock_after_park(void *lock) { spin_unlock_raw(lock); }

void task_park_unlock(const char *reason, spinlock_t *lock) {
  task_park(reason, unlock_after_park, lock);
}

void waitq_park(struct waitq *q, struct waitq_entry *e, const char *reason, spinlock_t *lock) {
  e->task = sched_self()->current;
  waitq_push_back(q, e);
  task_park(reason, unlock_after_park, lock);
}

void waitq_park_irq(struct waitq *q, struct waitq_entry *e, const char *reason,
                    spinlock_t *lock) {
  e->task = sched_self()->current;
  waitq_push_back(q, e);
  /* Counted before the park and still counted after it (until the task
   * runs again): the deadlock check never sees this wait half-open. */
  sched_irq_wait_begin();
  task_park(reason, unlock_after_park, lock);
  sched_irq_wait_end();
}

task_t *waitq_wake_one(struct waitq *q) {
  struct waitq_entry *e = waitq_pop_front(q);
  if (!e)
    return NULL;
  task_t *t = e->task; /* e is gone once t runs */
  task_ready(t);
  return t;
}

void waitq_ready_all(struct waitq *list) {
  for (struct waitq_entry *e = list->head; e;) {
    /* Read both before the wake: the entry vanishes when its task runs. */
    struct waitq_entry *next = e->next;
    task_ready(e->task);
    e = next;
  }
  list->head = list->tail = NULL;
}

unsigned waitq_wake_all(struct waitq *q) {
  struct waitq all = waitq_take_all(q);
  unsigned n = 0;
  for (struct waitq_entry *e = all.head; e; e = e->next)
    n++;
  waitq_ready_all(&all);
  return n;
}
