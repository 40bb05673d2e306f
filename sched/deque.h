/* The per-core run queue: a bounded Chase-Lev work-stealing deque.
 *
 * Header-only: these are the scheduler's hottest few instructions and are
 * inlined into it.
 *
 * The owner pushes and pops at the bottom (LIFO: the task it made last runs
 * first, which keeps fork-join programs depth-first and their live stacks
 * few); thieves, and the owner when it wants FIFO order after a yield, take
 * from the top (the oldest task, usually the biggest piece of work).
 *
 * Memory orderings follow Lê, Pop, Cohen and Zappa Nardelli, "Correct and
 * Efficient Work-Stealing for Weak Memory Models" (PPoPP 2013), figure 1,
 * for a fixed-size array (no resize: a full deque overflows to the global
 * queue instead, in schedule.c). Each fence says what it orders. Slots are
 * accessed with relaxed atomics: a thief may read a slot the owner is
 * rewriting, but then its CAS on top fails and it discards what it read.
 */
#ifndef BRIGADE_SCHED_DEQUE_H
#define BRIGADE_SCHED_DEQUE_H

#include <stdbool.h>
#include <stdint.h>

#include <brigade/sched_cpu.h>

#include "owner_store.h"

struct task;

#define DEQUE_MASK (SCHED_DEQUE_SIZE - 1)

/* ThreadSanitizer does not model fences. Its build moves each fence's
 * ordering onto the accesses next to it (release on the bottom store of a
 * push; seq_cst on the accesses around the full fences), which is stronger
 * and still correct, so TSan checks the same algorithm. */
#if defined(__SANITIZE_THREAD__)
#define DEQUE_FENCE_RELEASE() ((void)0)
#define DEQUE_FENCE_SEQ_CST() ((void)0)
#define DEQUE_PUSH_BOTTOM_STORE __ATOMIC_RELEASE
#define DEQUE_EDGE __ATOMIC_SEQ_CST
#else
#define DEQUE_FENCE_RELEASE() __atomic_thread_fence(__ATOMIC_RELEASE)
#define DEQUE_FENCE_SEQ_CST() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define DEQUE_PUSH_BOTTOM_STORE __ATOMIC_RELAXED
#define DEQUE_EDGE __ATOMIC_RELAXED
#endif

/* The owner's stores to a slot and to bottom are OWNER_STOREs: relaxed, the
 * fences beside them doing the ordering (a push's release fence before
 * bottom's store, a pop's full fence after it). The order each names is
 * what TSan's build, which has no fences, gives the store instead. */
static inline bool deque_push(struct deque *q, struct task *t) {
  int64_t b = __atomic_load_n(&q->bottom, __ATOMIC_RELAXED);
  int64_t top = __atomic_load_n(&q->top, __ATOMIC_ACQUIRE);
  if (b - top >= SCHED_DEQUE_SIZE)
    return false;
  OWNER_STORE(q->slot[b & DEQUE_MASK], t);
  /* Release fence: the slot's contents (and the task's fields written
   * before the push) are visible before a thief can see the new bottom. */
  DEQUE_FENCE_RELEASE();
  OWNER_STORE_ORDERED(q->bottom, b + 1, DEQUE_PUSH_BOTTOM_STORE);
  return true;
}

static inline struct task *deque_pop(struct deque *q) {
  int64_t b = __atomic_load_n(&q->bottom, __ATOMIC_RELAXED) - 1;
  OWNER_STORE_ORDERED(q->bottom, b, DEQUE_EDGE);
  /* Full fence: the claim on slot b (the store to bottom) must be globally
   * ordered before we read top, or a thief and the owner could both take
   * the last task (store-load ordering; only a seq_cst fence gives it). */
  DEQUE_FENCE_SEQ_CST();
  int64_t t = __atomic_load_n(&q->top, DEQUE_EDGE);
  struct task *x = NULL;
  if (t <= b) {
    x = __atomic_load_n(&q->slot[b & DEQUE_MASK], __ATOMIC_RELAXED);
    if (t == b) {
      /* The last task: race the thieves for it through top. */
      if (!__atomic_compare_exchange_n(&q->top, &t, t + 1, false, __ATOMIC_SEQ_CST,
                                       __ATOMIC_RELAXED))
        x = NULL;
      OWNER_STORE(q->bottom, b + 1);
    }
  } else {
    OWNER_STORE(q->bottom, b + 1);
  }
  return x;
}

static inline struct task *deque_steal(struct deque *q) {
#if defined(__SANITIZE_THREAD__)
  int64_t t = __atomic_load_n(&q->top, __ATOMIC_SEQ_CST);
#else
  int64_t t = __atomic_load_n(&q->top, __ATOMIC_ACQUIRE);
#endif
  /* Full fence: read top before bottom, in the single total order that the
   * owner's fence in deque_pop also joins; pairs with it to decide who gets
   * the last task. */
  DEQUE_FENCE_SEQ_CST();
#if defined(__SANITIZE_THREAD__)
  int64_t b = __atomic_load_n(&q->bottom, __ATOMIC_SEQ_CST);
#else
  int64_t b = __atomic_load_n(&q->bottom, __ATOMIC_ACQUIRE);
#endif
  if (t >= b)
    return NULL;
  struct task *x = __atomic_load_n(&q->slot[t & DEQUE_MASK], __ATOMIC_RELAXED);
  /* The acquire load of bottom above is what orders the slot read and our
   * later reads of the task after the owner's release fence in deque_push
   * (the owner never writes top there, so the CAS cannot pair with it).
   * The CAS claims slot t: seq_cst, so a race with the owner's pop of the
   * last task, or another thief, has exactly one winner. */
  if (!__atomic_compare_exchange_n(&q->top, &t, t + 1, false, __ATOMIC_SEQ_CST,
                                   __ATOMIC_RELAXED))
    return NULL; /* lost a race with the owner or another thief */
  return x;
}

/* The owner taking the oldest task (a yield's round-robin order). It is a
 * thief that knows bottom exactly: only the owner writes bottom, and it is
 * not pushing or popping now, so neither deque_steal's acquire loads nor
 * its fence between top and bottom order anything here. The slot was
 * written by this core. What remains is the race for slot t with the
 * thieves (and with nobody else), which the CAS on top decides as in
 * deque_steal; a stale top only makes the CAS fail. */
static inline struct task *deque_take_oldest(struct deque *q) {
  int64_t t = __atomic_load_n(&q->top, __ATOMIC_RELAXED);
  int64_t b = __atomic_load_n(&q->bottom, __ATOMIC_RELAXED);
  if (t >= b)
    return NULL;
  struct task *x = __atomic_load_n(&q->slot[t & DEQUE_MASK], __ATOMIC_RELAXED);
  if (!__atomic_compare_exchange_n(&q->top, &t, t + 1, false, __ATOMIC_SEQ_CST,
                                   __ATOMIC_RELAXED))
    return NULL; /* a thief took it */
  return x;
}

/* The owner claiming up to n of the oldest tasks at once (a full deque
 * moving half of itself to the global queue): one CAS on top claims slots
 * [t, t + k), where a loop of deque_steal would make k CASes and k full
 * fences. As in deque_take_oldest, the owner knows bottom exactly and is
 * not pushing or popping, so the only race is with thieves for the slots
 * at top, and the CAS decides it: a thief's CAS and ours cannot both move
 * top from t; if a thief's comes first, ours fails and retries from the
 * top it read. Once claimed, the slots are stable: only the owner writes
 * slots, and it pushes nothing until it has read them (deque_claimed). A
 * thief that read one of them before our CAS fails its own and drops what
 * it read. (A thief could not claim a batch this way: it does not know
 * bottom exactly, and the owner pops the last tasks without a CAS.)
 * Returns k, and the first claimed index in *first. */
static inline unsigned deque_claim_oldest(struct deque *q, unsigned n, int64_t *first) {
  int64_t b = __atomic_load_n(&q->bottom, __ATOMIC_RELAXED);
  int64_t t = __atomic_load_n(&q->top, __ATOMIC_RELAXED);
  for (;;) {
    if (t >= b)
      return 0;
    int64_t k = b - t < (int64_t)n ? b - t : (int64_t)n;
    if (__atomic_compare_exchange_n(&q->top, &t, t + k, false, __ATOMIC_SEQ_CST,
                                    __ATOMIC_RELAXED)) {
      *first = t;
      return (unsigned)k;
    }
  }
}

/* Slot i of a range deque_claim_oldest gave this core. */
static inline struct task *deque_claimed(const struct deque *q, int64_t i) {
  return __atomic_load_n(&q->slot[i & DEQUE_MASK], __ATOMIC_RELAXED);
}

static inline int64_t deque_size(const struct deque *q) {
  int64_t b = __atomic_load_n(&q->bottom, __ATOMIC_ACQUIRE);
  int64_t t = __atomic_load_n(&q->top, __ATOMIC_ACQUIRE);
  return b > t ? b - t : 0;
}

#endif
