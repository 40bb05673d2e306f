/* Per-core timers: a binary min-heap of deadlines (in ticks), tickless.
 *
 * A timer lives in the memory of whoever waits on it (a sleeping task's
 * stack, a select's frame), so timers cost no allocation per use; the heap
 * only holds pointers and grows by doubling. Each heap has its own lock so
 * another core can cancel a timer (a channel operation that completes
 * before its timeout); the owner takes it with interrupts masked.
 */
#include <stdlib.h>

#include <brigade/panic.h>

#include "task_internal.h"
#include "test_hooks.h"
#include "trace_events.h"

static void swap(struct timer **h, uint32_t i, uint32_t j) {
  struct timer *t = h[i];
  h[i] = h[j];
  h[j] = t;
  h[i]->index = (int32_t)i;
  h[j]->index = (int32_t)j;
}

static void sift_up(struct timer **h, uint32_t i) {
  while (i > 0) {
    uint32_t p = (i - 1) / 2;
    if (h[p]->when <= h[i]->when)
      break;
    swap(h, i, p);
    i = p;
  }
}

static void sift_down(struct timer **h, uint32_t n, uint32_t i) {
  for (;;) {
    uint32_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < n && h[l]->when < h[m]->when)
      m = l;
    if (r < n && h[r]->when < h[m]->when)
      m = r;
    if (m == i)
      return;
    swap(h, i, m);
    i = m;
  }
}

/* Only the owner adds timers, and other cores only remove them, so a stale
 * read of this can only be too early: the caller then takes the lock and
 * finds nothing. That lets the scheduler look for due timers without the
 * lock on every pass.
 *
 * It is also the deadlock detector's "a timer can still fire here", so a
 * fired timer stays in it until its function has run (timers_run_expired):
 * in between, the task it wakes is in no queue and no heap. So while
 * c->timers_firing (set and cleared by timers_run_expired, read and written
 * under timer_lock) nothing else publishes: not a cancel from another core
 * (select's timeout, once a channel case won there), which would publish
 * the heap's new top or "no timer" while the fired timer's task was still
 * in no queue (a false deadlock report, found by review; test_sched_races'
 * a_cancel_on_another_core_hides_no_fired_timer_from_the_deadlock_check), and not an add,
 * whose deadline is later than the fired one's anyway. Release: what that
 * function did (readying the task) is visible to a core that reads the
 * later value with acquire ordering (timers_next_deadline). */
static void publish_earliest(struct sched_cpu *c) {
  if (c->timers_firing)
    return;
  __atomic_store_n(&c->timer_earliest, c->ntimers ? c->timers[0]->when : UINT64_MAX,
                   __ATOMIC_RELEASE);
}

/* Out of the heap; timer_earliest is left as it was (never too late). */
static void heap_remove_unpublished(struct sched_cpu *c, uint32_t i) {
  struct timer **h = c->timers;
  uint32_t last = --c->ntimers;
  h[i]->index = -1;
  if (i != last) {
    h[i] = h[last];
    h[i]->index = (int32_t)i;
    sift_down(h, c->ntimers, i);
    sift_up(h, i);
  }
}

static void heap_remove(struct sched_cpu *c, uint32_t i) {
  heap_remove_unpublished(c, i);
  publish_earliest(c);
}

/* Called on c's own core with interrupts masked (sleep and select both
 * mask): t->core is this core, and c must stay it. */
void timer_add(struct sched_cpu *c, struct timer *t) {
  unsigned long irq = spin_lock_irqsave(&c->timer_lock);
  if (c->ntimers == c->timer_cap) {
    uint32_t cap = c->timer_cap ? 2 * c->timer_cap : 64;
    struct timer **grown = realloc(c->timers, cap * sizeof *grown);
    if (!grown)
      panic("out of memory growing core %u's timer heap past %u timers", this_cpu()->index,
            (unsigned)c->timer_cap);
    c->timers = grown;
    c->timer_cap = cap;
  }
  t->core = (uint16_t)this_cpu()->index;
  t->index = (int32_t)c->ntimers;
  c->timers[c->ntimers++] = t;
  sift_up(c->timers, (uint32_t)t->index);
  publish_earliest(c);
  bool earliest = c->timers[0] == t;
  spin_unlock_irqrestore(&c->timer_lock, irq);
  if (earliest && t->when < c->timer_armed) {
    unsigned long i2 = arch_irq_save();
    sched_arm_timer(c, t->when);
    arch_irq_restore(i2);
  }
}

bool timer_cancel(struct timer *t) {
  struct sched_cpu *c = sched_of(t->core);
  unsigned long irq = spin_lock_irqsave(&c->timer_lock);
  bool pending = t->index >= 0;
  if (pending)
    heap_remove(c, (uint32_t)t->index);
  spin_unlock_irqrestore(&c->timer_lock, irq);
  return pending;
}

unsigned timers_run_expired(struct sched_cpu *c, uint64_t now) {
  unsigned fired = 0;
  if (__atomic_load_n(&c->timer_earliest, __ATOMIC_RELAXED) > now)
    return 0;
  for (;;) {
    unsigned long irq = spin_lock_irqsave(&c->timer_lock);
    if (c->ntimers == 0 || c->timers[0]->when > now) {
      /* Every fired timer's function has run: now the heap may say so. */
      c->timers_firing = false;
      publish_earliest(c);
      spin_unlock_irqrestore(&c->timer_lock, irq);
      return fired;
    }
    struct timer *t = c->timers[0];
    heap_remove_unpublished(c, 0); /* still "due now" until fn(t) has run */
    c->timers_firing = true;
    /* Read everything needed before the wake-up: once the task runs, the
     * timer (on its stack) may be gone. */
    void (*fn)(struct timer *) = t->fn;
    spin_unlock_irqrestore(&c->timer_lock, irq);
    SCHED_TEST_HOOK(SCHED_TEST_TIMER_BEFORE_FN, t->task); /* t lives until fn(t) wakes its task */
    TRACE(TRACE_TIMER, t->task ? t->task->id : 0);
    fn(t);
    fired++;
  }
}

uint64_t timers_next_deadline(struct sched_cpu *c) {
  /* Acquire: pairs with publish_earliest, so a core that reads "no timer"
   * also sees the tasks the fired timers readied. */
  return __atomic_load_n(&c->timer_earliest, __ATOMIC_ACQUIRE);
}

static void wake_sleeper(struct timer *t) { task_ready(t->task); }

void task_sleep_until(uint64_t deadline_ns) {
  if (deadline_ns <= task_now_ns()) {
    task_yield();
    return;
  }
  struct timer t = {.when = ns_to_ticks(deadline_ns), .fn = wake_sleeper};
  unsigned long irq = arch_irq_save();
  struct sched_cpu *c = sched_self();
  t.task = c->current;
  /* Interrupts stay masked from here until the switch: this core's timer
   * cannot fire, and no other core runs this heap's timers, so the wake-up
   * cannot come before the task is parked. */
  timer_add(c, &t);
  task_park("sleep", NULL, NULL);
  arch_irq_restore(irq);
}

void task_sleep_ns(uint64_t ns) {
  if (ns == 0) {
    task_yield();
    return;
  }
  uint64_t now = task_now_ns();
  task_sleep_until(ns > UINT64_MAX - now ? UINT64_MAX : now + ns);
}
