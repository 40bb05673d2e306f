/*
 * Mutex, after Go's sync.Mutex (src/sync/mutex.go)
 * ===============================================
 *
 * One word, `state`, says everything the fast paths need:
 *
 *   bit 0  LOCKED    somebody owns the mutex
 *   bit 1  WOKEN     an unlock has woken a waiter that is still on its way;
 *                    until it either takes the mutex or queues again, no
 *                    other unlock wakes anyone (one woken waiter at a time)
 *   bit 2  STARVING  starvation mode; only ever set together with LOCKED
 *   3..31            number of queued waiters
 *
 * Uncontended, lock and unlock are one compare-and-swap each (0 <-> LOCKED).
 * Everything else takes the slow paths, where the queue lives under
 * m->lock. The waiter count changes only under that lock, together with
 * the queue, so under the lock the count is the queue's length.
 *
 * Normal mode. Unlock clears LOCKED and, if there are waiters and none is
 * already woken, sets WOKEN and readies the oldest waiter. That waiter then
 * competes with whoever else is running: a task that finds LOCKED clear
 * takes the mutex, queued or not (barging). Running tasks win such races
 * almost always, which is what makes normal mode fast and also unfair. A
 * woken waiter that loses goes back to the *front* of the queue.
 *
 * Starvation mode. A woken waiter that has waited MUTEX_STARVATION_NS in
 * total and loses once more sets STARVING as it queues again. From then on
 * unlock never clears LOCKED: it pops the oldest waiter and hands the
 * mutex over directly, still locked, so there is nothing to barge into;
 * newcomers see LOCKED and queue at the back. The unlock that hands over to
 * a waiter that waited less than the threshold, or to the last waiter,
 * clears STARVING, and normal mode resumes.
 *
 * Why STARVING implies LOCKED, and WOKEN excludes it: STARVING is set only
 * by a woken waiter queueing against a locked mutex, in the CAS that also
 * clears its WOKEN, and only a hand-off (which keeps LOCKED) clears it. So a
 * normal-mode unlock that set WOKEN and is about to pop a waiter cannot
 * meet a starving mutex: the only task that could make it starve is the
 * one it has not woken yet. Hence at most one unlock is ever between
 * deciding to pop and popping, and the queue cannot be empty when it pops.
 *
 * Lost wake-ups: a waiter counts itself in (under m->lock) only with a CAS
 * that sees LOCKED set, so the owner's unlock either sees the count and
 * wakes someone, or came first and the waiter sees LOCKED clear and tries
 * to take the mutex instead of parking. The waiter keeps m->lock until it
 * is switched out (task_park_unlock), and wakers pop only under
 * m->lock, so nobody can ready a waiter that is not yet asleep.
 */
#include <stddef.h>

#include <brigade/panic.h>
#include <brigade/sync.h>
#include <brigade/waitq.h>

#include "task_internal.h"

#define MUTEX_LOCKED 1u
#define MUTEX_WOKEN 2u
#define MUTEX_STARVING 4u
#define MUTEX_WAITER_ONE 8u
#define MUTEX_WAITERS(state) ((state) >> 3)

struct mutex_waiter {
  struct waitq_entry link;
  uint64_t since;  /* task_now_ns() when this mutex_lock call first queued */
  bool handed_off; /* set by a starvation-mode unlock: the mutex is ours */
};

static struct mutex_waiter *mutex_waiter_of(struct waitq_entry *link) {
  return (struct mutex_waiter *)((char *)link - offsetof(struct mutex_waiter, link));
}

static bool waited_long(uint64_t since, uint64_t now) {
  /* Signed: a waiter that queued after `now` was read has waited no time. */
  return (int64_t)(now - since) >= (int64_t)MUTEX_STARVATION_NS;
}

/* ---- lock --------------------------------------------------------------- */

static __attribute__((noinline)) void mutex_lock_slow(struct mutex *m) {
  struct mutex_waiter w = {.handed_off = false};
  bool queued_before = false; /* so WOKEN is ours to clear, and we go to the front */
  bool starving = false;
  uint32_t old = __atomic_load_n(&m->state, __ATOMIC_RELAXED);
  for (;;) {
    if (!(old & MUTEX_LOCKED)) {
      uint32_t new = old | MUTEX_LOCKED;
      if (queued_before)
        new &= ~MUTEX_WOKEN;
      /* Acquire: the previous owner's critical section happens before ours. */
      if (__atomic_compare_exchange_n(&m->state, &old, new, true, __ATOMIC_ACQUIRE,
                                      __ATOMIC_RELAXED))
        return;
      continue;
    }
    if (!queued_before)
      w.since = task_now_ns();

    unsigned long irq = arch_irq_save();
    spin_lock_raw(&m->lock);
    bool counted = false;
    old = __atomic_load_n(&m->state, __ATOMIC_RELAXED);
    while (old & MUTEX_LOCKED) {
      uint32_t new = old + MUTEX_WAITER_ONE;
      if (starving)
        new |= MUTEX_STARVING;
      if (queued_before)
        new &= ~MUTEX_WOKEN;
      if (__atomic_compare_exchange_n(&m->state, &old, new, true, __ATOMIC_RELAXED,
                                      __ATOMIC_RELAXED)) {
        counted = true;
        break;
      }
    }
    if (!counted) { /* unlocked meanwhile: try to take it instead */
      spin_unlock_raw(&m->lock);
      arch_irq_restore(irq);
      continue;
    }
    w.link.task = sched_self()->current;
    if (queued_before)
      waitq_push_front(&m->waiters, &w.link);
    else
      waitq_push_back(&m->waiters, &w.link);
    task_park_unlock("mutex", &m->lock);
    arch_irq_restore(irq);

    /* Acquire: pairs with the release in hand_off, after the previous
     * owner's critical section. */
    if (__atomic_load_n(&w.handed_off, __ATOMIC_ACQUIRE))
      return;
    queued_before = true;
    starving = starving || waited_long(w.since, task_now_ns());
    old = __atomic_load_n(&m->state, __ATOMIC_RELAXED);
  }
}

void mutex_lock(struct mutex *m) {
  uint32_t free_and_unwanted = 0;
  if (__builtin_expect(__atomic_compare_exchange_n(&m->state, &free_and_unwanted, MUTEX_LOCKED,
                                                   false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED),
                       1))
    return;
  mutex_lock_slow(m);
}

bool mutex_trylock(struct mutex *m) {
  uint32_t old = __atomic_load_n(&m->state, __ATOMIC_RELAXED);
  while (!(old & MUTEX_LOCKED))
    if (__atomic_compare_exchange_n(&m->state, &old, old | MUTEX_LOCKED, true, __ATOMIC_ACQUIRE,
                                    __ATOMIC_RELAXED))
      return true;
  return false;
}

/* ---- unlock ------------------------------------------------------------- */

static __attribute__((noreturn, noinline)) void unlock_of_unlocked(struct mutex *m) {
  task_t *t = task_current();
  panic("mutex_unlock of unlocked mutex %p by task %u (%s)", (void *)m,
        t ? (unsigned)task_id(t) : 0u, t ? task_name(t) : "not a task");
}

static __attribute__((noreturn, noinline)) void queue_lost_count(struct mutex *m) {
  panic("mutex %p: waiter count says a task waits, but its queue is empty", (void *)m);
}

/* Normal mode: the caller set WOKEN and cleared LOCKED; ready the oldest
 * waiter to compete for the mutex. */
static void wake_one(struct mutex *m) {
  unsigned long irq = spin_lock_irqsave(&m->lock);
  struct waitq_entry *w = waitq_pop_front(&m->waiters);
  if (!w)
    queue_lost_count(m);
  __atomic_fetch_sub(&m->state, MUTEX_WAITER_ONE, __ATOMIC_RELAXED);
  struct task *t = w->task; /* w is gone once t runs */
  spin_unlock_irqrestore(&m->lock, irq);
  task_ready(t);
}

/* Starvation mode: the mutex goes, still locked, to the oldest waiter. */
static void hand_off(struct mutex *m) {
  uint64_t now = task_now_ns(); /* before the lock: keep the critical section short */
  unsigned long irq = spin_lock_irqsave(&m->lock);
  struct waitq_entry *link = waitq_pop_front(&m->waiters);
  if (!link)
    queue_lost_count(m);
  struct mutex_waiter *w = mutex_waiter_of(link);
  uint32_t drop = MUTEX_WAITER_ONE;
  if (waitq_empty(&m->waiters) || !waited_long(w->since, now))
    drop |= MUTEX_STARVING;
  /* Nobody else changes state now: LOCKED stays set (so no CAS succeeds)
   * and queueing needs m->lock. */
  __atomic_fetch_sub(&m->state, drop, __ATOMIC_RELAXED);
  __atomic_store_n(&m->handoffs, m->handoffs + 1, __ATOMIC_RELAXED);
  struct task *t = link->task;
  /* Release: our critical section happens before the new owner's. */
  __atomic_store_n(&w->handed_off, true, __ATOMIC_RELEASE);
  spin_unlock_irqrestore(&m->lock, irq);
  task_ready(t);
}

static __attribute__((noinline)) void mutex_unlock_slow(struct mutex *m, uint32_t old) {
  for (;;) {
    if (!(old & MUTEX_LOCKED))
      unlock_of_unlocked(m);
    if (old & MUTEX_STARVING) {
      hand_off(m);
      return;
    }
    /* Wake someone only if somebody waits and no woken waiter is already
     * on its way (it will take the mutex or queue again and be woken by a
     * later unlock). */
    bool wake = MUTEX_WAITERS(old) != 0 && !(old & MUTEX_WOKEN);
    uint32_t new = (old & ~MUTEX_LOCKED) | (wake ? MUTEX_WOKEN : 0);
    /* Release: our critical section happens before the next owner's. */
    if (__atomic_compare_exchange_n(&m->state, &old, new, true, __ATOMIC_RELEASE,
                                    __ATOMIC_RELAXED)) {
      if (wake)
        wake_one(m);
      return;
    }
  }
}

void mutex_unlock(struct mutex *m) {
  uint32_t locked_alone = MUTEX_LOCKED;
  if (__builtin_expect(__atomic_compare_exchange_n(&m->state, &locked_alone, 0, false,
                                                   __ATOMIC_RELEASE, __ATOMIC_RELAXED),
                       1))
    return;
  mutex_unlock_slow(m, locked_alone);
}

uint32_t mutex_starvation_handoffs(const struct mutex *m) {
  return __atomic_load_n(&m->handoffs, __ATOMIC_RELAXED);
}
