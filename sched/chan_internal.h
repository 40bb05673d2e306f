/* What chan.c and chan_select.c share: the channel, its wait queues and the
 * records a blocked task leaves on them. */
#ifndef BRIGADE_SCHED_CHAN_INTERNAL_H
#define BRIGADE_SCHED_CHAN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <brigade/chan.h>
#include <brigade/spinlock.h>

#include "task_internal.h"

/* One blocked operation, on the blocked task's stack: a single send or
 * receive, or a whole select (then one chan_waiter per case points here).
 * Every waker (a channel operation, a close, a select's timeout) must first
 * win `winner` by compare-and-swap; only the winner completes the operation
 * and readies the task, so a select fires exactly one case and task_ready
 * is never called twice. */
struct chan_sleeper {
  struct task *task;
  uint32_t winner;     /* SLEEPER_WAITING, the case index + 1, or SLEEPER_TIMED_OUT */
  uint32_t timer_done; /* set when the timeout callback no longer touches this record */
  bool ok;             /* written by the winner: the value moved (false: closed) */
};

#define SLEEPER_WAITING 0u
#define SLEEPER_TIMED_OUT UINT32_MAX

/* A task's place in one channel's send or receive queue (Go's sudog). */
struct chan_waiter {
  struct chan_waiter *next, *prev;
  struct chan_sleeper *sleeper;
  void *elem;          /* the sender's value, or the receiver's destination (may be NULL) */
  uint32_t case_index; /* 0 for a plain send or receive */
  bool queued;         /* still on the queue; changed only under the channel lock */
};

struct chan_waitq {
  struct chan_waiter *head, *tail;
};

struct chan {
  spinlock_t lock; /* guards everything below but elem_size, cap and name */
  bool closed;
  size_t elem_size, cap;
  size_t count;      /* values in buf */
  size_t recv_index; /* slot the next receive takes */
  size_t send_index; /* slot the next send fills */
  struct chan_waitq recvq, sendq;
  const char *name;
  unsigned char buf[]; /* cap * elem_size bytes, a ring */
};

static inline void chan_waitq_push(struct chan_waitq *q, struct chan_waiter *w) {
  w->next = NULL;
  w->prev = q->tail;
  if (q->tail)
    q->tail->next = w;
  else
    q->head = w;
  q->tail = w;
  w->queued = true;
}

static inline void chan_waitq_remove(struct chan_waitq *q, struct chan_waiter *w) {
  if (w->prev)
    w->prev->next = w->next;
  else
    q->head = w->next;
  if (w->next)
    w->next->prev = w->prev;
  else
    q->tail = w->prev;
  w->next = w->prev = NULL;
  w->queued = false;
}

/* The first waiter on q that can still be completed, taken off the queue
 * and won for the caller. Waiters of a select that has already fired (or
 * timed out) are dropped on the way: that select takes its remaining
 * waiters off every queue itself once it runs, and needs this lock to do
 * so, so it cannot have returned while they are still linked here. */
static inline struct chan_waiter *chan_waitq_take(struct chan_waitq *q) {
  struct chan_waiter *w;
  while ((w = q->head)) {
    chan_waitq_remove(q, w);
    uint32_t waiting = SLEEPER_WAITING;
    if (__atomic_compare_exchange_n(&w->sleeper->winner, &waiting, w->case_index + 1, false,
                                    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
      return w;
  }
  return NULL;
}

/* With c locked: send *elem now if a receiver waits (the value goes
 * straight into its variable; *wake is set to the task to ready once the
 * lock is dropped) or the buffer has room. False when the send would
 * block. The caller has checked that c is open. */
bool chan_send_locked(struct chan *c, const void *elem, struct task **wake);

/* With c locked: receive into elem now if a sender waits (*wake as above),
 * a value is buffered, or c is closed (elem zeroed). */
enum chan_try chan_recv_locked(struct chan *c, void *elem, struct task **wake);

/* Panic for API misuse, naming the channel (if any) and the calling task.
 * Takes the name and address rather than the channel, which may already
 * be freed when a sender woken by chan_close reports. */
__attribute__((noreturn, cold)) void chan_panic(const char *what, const char *name,
                                                const void *addr);

static inline const char *chan_name(const struct chan *c) { return c->name ? c->name : ""; }

#endif
