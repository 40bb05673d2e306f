/**
 * @file waitq.h
 * @brief Wait queues: how a task waits for anything — a lock, a permit, a
 *        device's interrupt — and how whoever ends the wait finds it.
 *
 * The object waited on has a spinlock that guards both its state and its
 * waitq. A task that must wait takes the lock with interrupts masked, looks
 * at the state, and if it must wait calls waitq_park: the task is queued and
 * parked, and the lock is released only after the task is fully switched out
 * (Go's goparkunlock). A waker takes the same lock to change the state and
 * take a waiter off the queue, so it can only ever find a waiter that is
 * already asleep: a wake-up cannot be lost between "decided to wait" and
 * "asleep".
 *
 * Entries live on the waiting task's own stack for the length of its wait
 * (a task waits in one place at a time), so waiting allocates nothing. An
 * entry dies as soon as its task runs again: a waker reads what it needs
 * (the task, the next entry) before it readies the task, and touches the
 * entry no more.
 *
 * Every function here is called with the queue's lock held and interrupts
 * masked, except waitq_ready_all, which readies tasks of a list already taken
 * off its queue. Waking (waitq_wake_one, waitq_wake_all) is allowed from
 * interrupt handlers; parking only from a task.
 *
 * @par A driver that parks its callers until its interrupt
 * A device driver written outside brigade needs nothing else: its state, a
 * spinlock and a waitq; the read path parks with waitq_park_irq, the
 * interrupt handler (attached with irq_attach) wakes:
 * @code
 *   struct button { spinlock_t lock; struct waitq waiters; unsigned presses; };
 *
 *   unsigned button_wait(struct button *b) {            // task context
 *     unsigned long irq = spin_lock_irqsave(&b->lock);
 *     while (b->presses == 0) {
 *       struct waitq_entry me;
 *       waitq_park_irq(&b->waiters, &me, "button", &b->lock);
 *       spin_lock_raw(&b->lock);                         // interrupts still masked
 *     }
 *     unsigned n = b->presses;
 *     b->presses = 0;
 *     spin_unlock_irqrestore(&b->lock, irq);
 *     return n;
 *   }
 *
 *   void button_interrupt(void *arg) {                   // irq_attach handler
 *     struct button *b = arg;
 *     spin_lock_raw(&b->lock);                           // handlers run masked
 *     ... acknowledge the device ...
 *     b->presses++;
 *     waitq_wake_all(&b->waiters);
 *     spin_unlock_raw(&b->lock);
 *   }
 * @endcode
 * waitq_park_irq (rather than waitq_park) tells the deadlock detector that
 * only a device can end this wait, so a machine whose every task waits for a
 * device is idle, not deadlocked. io/serial.c parks UART readers this way;
 * drivers/rtc/goldfish_rtc.c is a whole driver built on it (many waiters,
 * each for its own alarm time), the worked example in docs/PORTING.md.
 */
#ifndef BRIGADE_WAITQ_H
#define BRIGADE_WAITQ_H

#include <stdbool.h>
#include <stddef.h>

#include <brigade/spinlock.h>
#include <brigade/task.h>

/** A waiting task's place in one queue, on its own stack. Primitives that
 *  need more per waiter embed it in a record of their own. */
struct waitq_entry {
  struct waitq_entry *next;
  task_t *task;
};

/** A FIFO of waiting tasks; guarded by the lock of the object it belongs to. */
struct waitq {
  struct waitq_entry *head, *tail;
};

#define WAITQ_INIT {NULL, NULL}

/** @brief True when nobody waits on @p q. */
static inline bool waitq_empty(const struct waitq *q) { return q->head == NULL; }

/** @brief Queue @p e last. */
static inline void waitq_push_back(struct waitq *q, struct waitq_entry *e) {
  e->next = NULL;
  if (q->tail)
    q->tail->next = e;
  else
    q->head = e;
  q->tail = e;
}

/**
 * @brief Queue @p e first: for a waiter that already waited its turn once
 *        and lost (Go's LIFO requeue), so it keeps its place.
 */
static inline void waitq_push_front(struct waitq *q, struct waitq_entry *e) {
  e->next = q->head;
  q->head = e;
  if (!q->tail)
    q->tail = e;
}

/** @brief Take the oldest entry off @p q, or NULL. Its task is still parked. */
static inline struct waitq_entry *waitq_pop_front(struct waitq *q) {
  struct waitq_entry *e = q->head;
  if (e) {
    q->head = e->next;
    if (!q->head)
      q->tail = NULL;
  }
  return e;
}

/**
 * @brief Take every entry off @p q at once, in order, leaving it empty: the
 *        first half of a wake-all that readies after dropping the lock
 *        (waitq_ready_all), so woken tasks do not spin on it.
 */
static inline struct waitq waitq_take_all(struct waitq *q) {
  struct waitq all = *q;
  q->head = q->tail = NULL;
  return all;
}

/**
 * @brief Park the calling task; @p lock, held with interrupts masked, is
 *        released after the switch (Go's goparkunlock). For a task that has
 *        queued itself already (with waitq_push_front, say). Returns with the
 *        lock released and interrupts still masked, once someone has readied
 *        the task. Task context only.
 */
void task_park_unlock(const char *reason, spinlock_t *lock);

/**
 * @brief Queue the calling task last on @p q (in @p e, on its stack) and
 *        park it; @p lock is released after the switch. Returns once the
 *        task is readied, with the lock released and interrupts still
 *        masked. @p reason shows in task dumps and GDB ("mutex", ...).
 */
void waitq_park(struct waitq *q, struct waitq_entry *e, const char *reason, spinlock_t *lock);

/**
 * @brief waitq_park for a wait that only an interrupt can end (a driver
 *        waiting for its device): while it lasts, every core idle with no
 *        timer armed is not a deadlock.
 */
void waitq_park_irq(struct waitq *q, struct waitq_entry *e, const char *reason,
                    spinlock_t *lock);

/**
 * @brief Ready the oldest waiter; returns its task, or NULL if none waited.
 *        The task is returned to say which one woke, not to be used: it may
 *        already have run and exited on another core, so the pointer must
 *        not be dereferenced.
 */
task_t *waitq_wake_one(struct waitq *q);

/** @brief Ready every waiter, oldest first; returns how many. */
unsigned waitq_wake_all(struct waitq *q);

/**
 * @brief Ready every task of @p list (from waitq_take_all), oldest first.
 *        No lock needed: the entries belong to parked tasks until readied.
 */
void waitq_ready_all(struct waitq *list);

#endif
