/* The wait queue under mutex, semaphore, once and cond: a FIFO of records
 * on the waiting tasks' stacks, guarded by the primitive's own spinlock.
 *
 * A record on the stack costs nothing to allocate and cannot outlive its
 * wait: the waiter leaves the function that owns the record only after it
 * is readied, and a waker touches the record only before readying it. So a
 * waker copies what it needs (the task) out of the record first. */
#ifndef BRIGADE_SCHED_SYNC_WAITQ_H
#define BRIGADE_SCHED_SYNC_WAITQ_H

#include <brigade/spinlock.h>
#include <brigade/sync.h>

#include "task_internal.h"

struct sync_waiter {
  struct sync_waiter *next;
  struct task *task;
};

static inline void waitq_push_back(struct sync_waitq *q, struct sync_waiter *w) {
  w->next = NULL;
  if (q->tail)
    q->tail->next = w;
  else
    q->head = w;
  q->tail = w;
}

/* For a waiter that already waited its turn once and lost (Go's LIFO
 * requeue): it keeps its place instead of going behind the newcomers. */
static inline void waitq_push_front(struct sync_waitq *q, struct sync_waiter *w) {
  w->next = q->head;
  q->head = w;
  if (!q->tail)
    q->tail = w;
}

static inline struct sync_waiter *waitq_pop_front(struct sync_waitq *q) {
  struct sync_waiter *w = q->head;
  if (w) {
    q->head = w->next;
    if (!q->head)
      q->tail = NULL;
  }
  return w;
}

static inline bool waitq_empty(const struct sync_waitq *q) { return q->head == NULL; }

/* task_park's unlock callback: the queue's lock, dropped after the switch. */
static inline void waitq_unlock_after_park(void *lock) { spin_unlock_raw(lock); }

#endif
