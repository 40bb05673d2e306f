/* Channels: send, receive, close (select is in chan_select.c).
 *
 * A channel is a ring buffer plus two wait queues under one spinlock, as in
 * Go's runtime/chan.go. Whoever finds a partner already waiting completes
 * the partner's operation for it, under the lock: a sender copies its value
 * straight into a waiting receiver's variable, a receiver takes a waiting
 * sender's value (through the buffer's head when the buffer is full, so
 * order is kept). The partner then only has to be readied, which happens
 * after the lock is dropped, so the lock is never held across a wake-up.
 *
 * A task that must wait puts a record on its own stack onto the queue and
 * parks with the channel lock still held; task_park_unlock releases it only once
 * the task is switched out (see "Parking and the lost wake-up" in
 * schedule.c). A waker finds the record only under that lock, so it can
 * only ever find a task that is fully asleep.
 *
 * Invariants. Whenever c->lock is free (taken and released by every
 * operation, by select, and by close):
 *  - The buffer. 0 <= count <= cap. With cap > 0 the count buffered values
 *    sit in the slots from recv_index onward, wrapping, oldest first, and
 *    send_index is (recv_index + count) mod cap. An unbuffered channel
 *    (cap 0) has count 0 and never touches buf.
 *  - Live and dead waiters. A plain send's or receive's waiter is live
 *    while it is queued (taking it off the queue is what wins it); a
 *    select's is live while its sleeper's `winner` is still
 *    SLEEPER_WAITING. A dead one belongs to a select that has fired
 *    elsewhere or timed out; it stays linked (queued set) until that
 *    select, or a taker passing over it, unlinks it under this lock, so
 *    its record on the select's stack outlives the link.
 *    The rules below are about live waiters only.
 *  - The queues and the buffer. A live receiver waits only while count is
 *    0, and a live sender only while count equals cap (for cap 0: always
 *    both), since anything else would have let it complete at once.
 *  - The two queues. At most one holds live waiters, except on an
 *    unbuffered channel that one select both sends to and receives from:
 *    its two waiters can sit on both queues, and any other operation on
 *    the channel then completes against one of them rather than waiting.
 *  - Closed. Once set, closed never clears. A closed channel has both
 *    queues empty (close took every waiter off, and nothing queues on a
 *    closed channel); it may still hold buffered values, which receivers
 *    take before they see it closed.
 *  - Wake-ups. A live waiter's task is switched out (it parked with this
 *    lock held, and the lock is released only after the switch). A waker
 *    that wins a waiter completes the value transfer under the lock and
 *    readies the task only after releasing it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <brigade/chan.h>
#include <brigade/panic.h>
#include <brigade/waitq.h>

#include "chan_internal.h"

void chan_panic(const char *what, const char *name, const void *addr) {
  task_t *self = task_current();
  unsigned id = self ? (unsigned)task_id(self) : 0;
  const char *who = self ? task_name(self) : "(not a task)";
  if (addr)
    panic("%s \"%s\" (%p) by task %u (%s)", what, name ? name : "", addr, id, who);
  panic("%s by task %u (%s)", what, id, who);
}

struct chan *chan_make(size_t elem_size, size_t capacity, const char *name) {
  size_t bytes;
  if (__builtin_mul_overflow(elem_size, capacity, &bytes) ||
      __builtin_add_overflow(bytes, sizeof(struct chan), &bytes))
    return NULL;
  struct chan *c = malloc(bytes);
  if (!c)
    return NULL;
  *c = (struct chan){
      .lock = SPINLOCK_INIT(name), .elem_size = elem_size, .cap = capacity, .name = name};
  return c;
}

void chan_free(struct chan *c) {
  if (!c)
    return;
  unsigned long irq = spin_lock_irqsave(&c->lock);
  bool waited_on = c->recvq.head || c->sendq.head;
  spin_unlock_irqrestore(&c->lock, irq);
  if (waited_on)
    chan_panic("chan_free of a channel that tasks are blocked on:", chan_name(c), c);
  free(c);
}

/* Take the lock the way every channel operation does: interrupts masked
 * first, since the lock stays held into task_park's switch. */
static unsigned long lock_chan(struct chan *c) {
  unsigned long irq = arch_irq_save();
  spin_lock_raw(&c->lock);
  return irq;
}

static void unlock_chan_and_ready(struct chan *c, unsigned long irq, struct task *wake) {
  spin_unlock_raw(&c->lock);
  arch_irq_restore(irq);
  if (wake)
    task_ready(wake);
}

__attribute__((noreturn)) static void panic_send_on_closed(struct chan *c, unsigned long irq) {
  spin_unlock_raw(&c->lock);
  arch_irq_restore(irq);
  chan_panic("send on closed channel", chan_name(c), c);
}

void chan_send(struct chan *c, const void *elem) {
  if (!c)
    chan_panic("send on a NULL channel (Go would block forever)", NULL, NULL);
  unsigned long irq = lock_chan(c);
  if (c->closed)
    panic_send_on_closed(c, irq);
  struct task *wake;
  if (chan_send_locked(c, elem, &wake)) {
    unlock_chan_and_ready(c, irq, wake);
    return;
  }
  struct chan_sleeper sleeper = {.task = sched_self()->current};
  struct chan_waiter waiter = {.sleeper = &sleeper, .elem = (void *)elem};
  const char *name = chan_name(c);
  chan_waitq_push(&c->sendq, &waiter);
  task_park_unlock("chan send", &c->lock);
  arch_irq_restore(irq);
  /* Woken without a receiver taking the value: chan_close woke us. */
  if (!sleeper.ok)
    chan_panic("send on closed channel", name, c);
}

bool chan_recv(struct chan *c, void *elem) {
  if (!c)
    chan_panic("receive from a NULL channel (Go would block forever)", NULL, NULL);
  unsigned long irq = lock_chan(c);
  struct task *wake;
  enum chan_try got = chan_recv_locked(c, elem, &wake);
  if (got != CHAN_TRY_WOULD_BLOCK) {
    unlock_chan_and_ready(c, irq, wake);
    return got == CHAN_TRY_RECEIVED;
  }
  struct chan_sleeper sleeper = {.task = sched_self()->current};
  struct chan_waiter waiter = {.sleeper = &sleeper, .elem = elem};
  chan_waitq_push(&c->recvq, &waiter);
  task_park_unlock("chan receive", &c->lock);
  arch_irq_restore(irq);
  return sleeper.ok; /* false: closed, and chan_close zeroed elem */
}

bool chan_try_send(struct chan *c, const void *elem) {
  if (!c)
    chan_panic("try_send on a NULL channel", NULL, NULL);
  unsigned long irq = lock_chan(c);
  if (c->closed)
    panic_send_on_closed(c, irq);
  struct task *wake;
  bool sent = chan_send_locked(c, elem, &wake);
  unlock_chan_and_ready(c, irq, wake);
  return sent;
}

enum chan_try chan_try_recv(struct chan *c, void *elem) {
  if (!c)
    chan_panic("try_recv on a NULL channel", NULL, NULL);
  unsigned long irq = lock_chan(c);
  struct task *wake;
  enum chan_try got = chan_recv_locked(c, elem, &wake);
  unlock_chan_and_ready(c, irq, wake);
  return got;
}

/* Move every waiter that can still be completed from q onto the list
 * [*head, *tail], marked as woken by close. */
static void take_all_for_close(struct chan *c, struct chan_waitq *q, bool receivers,
                               struct chan_waiter **head, struct chan_waiter **tail) {
  struct chan_waiter *w;
  while ((w = chan_waitq_take(q))) {
    if (receivers)
      chan_zero_elem(c, w->elem);
    w->sleeper->ok = false;
    w->next = NULL;
    if (*tail)
      (*tail)->next = w;
    else
      *head = w;
    *tail = w;
  }
}

void chan_close(struct chan *c) {
  if (!c)
    chan_panic("close of a NULL channel", NULL, NULL);
  unsigned long irq = lock_chan(c);
  if (c->closed) {
    spin_unlock_raw(&c->lock);
    arch_irq_restore(irq);
    chan_panic("close of closed channel", chan_name(c), c);
  }
  c->closed = true;
  struct chan_waiter *head = NULL, *tail = NULL;
  take_all_for_close(c, &c->recvq, true, &head, &tail);
  take_all_for_close(c, &c->sendq, false, &head, &tail);
  spin_unlock_raw(&c->lock);
  arch_irq_restore(irq);
  /* Each of these tasks stays parked until we ready it (we won its
   * sleeper), so its record is safe to read until then, and not after. */
  while (head) {
    struct chan_waiter *next = head->next;
    task_ready(head->sleeper->task);
    head = next;
  }
}

size_t chan_len(struct chan *c) {
  if (!c)
    return 0;
  unsigned long irq = spin_lock_irqsave(&c->lock);
  size_t n = c->count;
  spin_unlock_irqrestore(&c->lock, irq);
  return n;
}

size_t chan_cap(struct chan *c) { return c ? c->cap : 0; }
