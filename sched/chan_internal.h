/* What chan.c and chan_select.c share: the channel, its wait queues and the
 * records a blocked task leaves on them. */
#ifndef BRIGADE_SCHED_CHAN_INTERNAL_H
#define BRIGADE_SCHED_CHAN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <brigade/chan.h>
#include <brigade/spinlock.h>

#include "task_internal.h"

/* One blocked operation, on the blocked task's stack: a single send or
 * receive, or a whole select (then one chan_waiter per case points here).
 * A select's wakers (channel operations and closes on each of its
 * channels, under different locks, and its timeout) race for it: each must
 * first win `winner` by compare-and-swap, and only the winner completes the
 * operation and readies the task, so a select fires exactly one case and
 * task_ready is never called twice. A single send or receive needs no race:
 * see chan_waitq_take. */
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
  bool in_select;      /* a case of a select: its sleeper must be won (winner) */
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
 * so, so it cannot have returned while they are still linked here.
 *
 * A single send or receive is won by taking it off the queue: its one
 * waiter sits on one queue of one channel, and everything that can
 * complete it (a send, receive or close on that channel) does so under
 * that channel's lock, which the caller holds; it has no timeout. So no
 * compare-and-swap (Go's chan.go skips it the same way, for a sudog that
 * is not a select's): one atomic read-modify-write less per message, a
 * locked instruction on x86 and an LR/SC loop with its fences on RISC-V.
 * Its `winner` is never read. */
static inline struct chan_waiter *chan_waitq_take(struct chan_waitq *q) {
  struct chan_waiter *w;
  while ((w = q->head)) {
    chan_waitq_remove(q, w);
    if (!w->in_select)
      return w;
    uint32_t waiting = SLEEPER_WAITING;
    if (__atomic_compare_exchange_n(&w->sleeper->winner, &waiting, w->case_index + 1, false,
                                    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
      return w;
  }
  return NULL;
}

/* Inline in every caller (always_inline: GCC kept it a call, six
 * instructions of call and argument moves around a one-word copy). */
static inline __attribute__((always_inline)) void chan_copy_elem(const struct chan *c,
                                                                 void *dst, const void *src) {
  /* A receiver may drop the value (dst NULL), and a zero-size element has
   * nothing to copy: neither may reach memcpy, whose pointers must be valid. */
  if (!dst || !c->elem_size)
    return;
  /* Words, the common element, are copied inline when both ends are
   * aligned for them: a memcpy call for 4 bytes cost 29 instructions on
   * RV64, about 6% of an unbuffered hand-off. The copy is still a memcpy
   * (of constant size, so the compiler emits one load and one store), so
   * any element type may travel this way. Anything else goes to memcpy. */
  uintptr_t ends = (uintptr_t)dst | (uintptr_t)src;
  if (c->elem_size == 4 && !(ends & 3)) {
    __builtin_memcpy(__builtin_assume_aligned(dst, 4), __builtin_assume_aligned(src, 4), 4);
    return;
  }
  if (c->elem_size == 8 && !(ends & 7)) {
    __builtin_memcpy(__builtin_assume_aligned(dst, 8), __builtin_assume_aligned(src, 8), 8);
    return;
  }
  memcpy(dst, src, c->elem_size);
}

static inline void chan_zero_elem(const struct chan *c, void *dst) {
  if (dst && c->elem_size)
    memset(dst, 0, c->elem_size);
}

static inline unsigned char *chan_slot(struct chan *c, size_t index) {
  return c->buf + index * c->elem_size;
}

static inline size_t chan_next_index(const struct chan *c, size_t index) {
  return index + 1 == c->cap ? 0 : index + 1;
}

/* With c locked: send *elem now if a receiver waits (the value goes
 * straight into its variable; *wake is set to the task to ready once the
 * lock is dropped) or the buffer has room. False when the send would
 * block. The caller has checked that c is open. Inline in every caller
 * (send, try_send, select): as a call it cost a frame of four saved
 * registers on every message. */
static inline __attribute__((always_inline)) bool chan_send_locked(struct chan *c,
                                                                   const void *elem,
                                                                   struct task **wake) {
  struct chan_waiter *w = chan_waitq_take(&c->recvq);
  if (w) {
    /* A receiver waits only while the buffer is empty: hand over directly. */
    chan_copy_elem(c, w->elem, elem);
    w->sleeper->ok = true;
    *wake = w->sleeper->task;
    return true;
  }
  *wake = NULL;
  if (c->count == c->cap)
    return false;
  chan_copy_elem(c, chan_slot(c, c->send_index), elem);
  c->send_index = chan_next_index(c, c->send_index);
  c->count++;
  return true;
}

/* With c locked: receive into elem now if a sender waits (*wake as above),
 * a value is buffered, or c is closed (elem zeroed). Inline, as above. */
static inline __attribute__((always_inline)) enum chan_try
chan_recv_locked(struct chan *c, void *elem, struct task **wake) {
  struct chan_waiter *w = chan_waitq_take(&c->sendq);
  if (w) {
    if (c->cap == 0) {
      chan_copy_elem(c, elem, w->elem);
    } else {
      /* A sender waits only while the buffer is full. Take the oldest value
       * and put the sender's in its place, which is now the ring's tail. */
      chan_copy_elem(c, elem, chan_slot(c, c->recv_index));
      chan_copy_elem(c, chan_slot(c, c->recv_index), w->elem);
      c->recv_index = chan_next_index(c, c->recv_index);
      c->send_index = c->recv_index;
    }
    w->sleeper->ok = true;
    *wake = w->sleeper->task;
    return CHAN_TRY_RECEIVED;
  }
  *wake = NULL;
  if (c->count > 0) {
    chan_copy_elem(c, elem, chan_slot(c, c->recv_index));
    c->recv_index = chan_next_index(c, c->recv_index);
    c->count--;
    return CHAN_TRY_RECEIVED;
  }
  if (c->closed) {
    chan_zero_elem(c, elem);
    return CHAN_TRY_CLOSED;
  }
  return CHAN_TRY_WOULD_BLOCK;
}

/* Panic for API misuse, naming the channel (if any) and the calling task.
 * Takes the name and address rather than the channel, which may already
 * be freed when a sender woken by chan_close reports. */
__attribute__((noreturn, cold)) void chan_panic(const char *what, const char *name,
                                                const void *addr);

static inline const char *chan_name(const struct chan *c) { return c->name ? c->name : ""; }

#endif
