/* The global run queue: where a full local deque overflows and where
 * every core looks now and then for fairness. It is a plain locked FIFO:
 * a core touches it at most once per SCHED_DEQUE_SIZE/2 spawns when
 * overflowing, once per 61 schedules for fairness, and when its own work is
 * gone, so its lock is never on the spawn/yield/park/ready hot path. */
#include "task_internal.h"

static spinlock_t global_lock = SPINLOCK_INIT("global queue");
static struct task *global_head, *global_tail;
unsigned global_count; /* read without the lock through global_size (task_internal.h) */

void global_put_batch(struct task *head, struct task *tail, unsigned n) {
  tail->link = NULL;
  unsigned long flags = spin_lock_irqsave(&global_lock);
  if (global_tail)
    global_tail->link = head;
  else
    global_head = head;
  global_tail = tail;
  __atomic_store_n(&global_count, global_count + n, __ATOMIC_RELAXED);
  spin_unlock_irqrestore(&global_lock, flags);
}

void global_put(struct task *t) { global_put_batch(t, t, 1); }

struct task *global_get(struct sched_cpu *c, unsigned max) {
  if (global_size() == 0)
    return NULL;
  unsigned long flags = spin_lock_irqsave(&global_lock);
  /* Take a fair share, so one core does not drain what all need. */
  unsigned n = global_count / sched_core_count() + 1;
  if (n > global_count)
    n = global_count;
  if (n > max)
    n = max;
  if (n == 0) { /* emptied since our look, or no room */
    spin_unlock_irqrestore(&global_lock, flags);
    return NULL;
  }
  /* Detach the first n under the lock and queue them after it: a core
   * that overflows its deque meanwhile (global_put_batch) waits for this
   * lock, and a burst of spawns did so for every push of this loop. */
  struct task *first = global_head, *last = first;
  for (unsigned i = 1; i < n; i++)
    last = last->link;
  global_head = last->link;
  if (!global_head)
    global_tail = NULL;
  last->link = NULL;
  __atomic_store_n(&global_count, global_count - n, __ATOMIC_RELAXED);
  spin_unlock_irqrestore(&global_lock, flags);
  /* The chain is this core's now: no other core can reach it. */
  for (struct task *t = first->link; t;) {
    struct task *next = t->link;
    t->link = NULL;
    deque_push(&c->runq, t); /* room is guaranteed: max <= free slots */
    t = next;
  }
  first->link = NULL;
  /* Only this core writes its counters, but sched_stats reads them from any
   * core: an owner store, like every other counter (schedule.c STAT_ADD). */
  OWNER_STORE(c->stats.global_takes, c->stats.global_takes + n);
  return first;
}
