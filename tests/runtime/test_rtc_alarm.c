/* The Goldfish RTC driver (drivers/rtc/goldfish_rtc.c): the worked example
 * of a driver that parks its callers on its own waitq until its device
 * interrupts. Built only where the board has the device
 * (BRIGADE_HAS_GOLDFISH_RTC). No upper bound on any wall time: a loaded host
 * makes wake-ups late, never early, and late is allowed. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <brigade/irq.h>
#include <brigade/spinlock.h>
#include <brigade/sync.h>
#include <brigade/task.h>
#include <brigade/waitq.h>

#include "drivers/rtc/goldfish_rtc.h"
#include "test.h"

#define MS (1000ull * 1000)

static task_t *spawn_or_fail(void (*fn)(void *), void *arg, const char *name) {
  task_t *t = NULL;
  struct task_attr attr = {.name = name, .pin = TASK_ANY_CORE};
  if (task_spawn(&t, fn, arg, &attr) != 0)
    test_fail(__FILE__, __LINE__, "could not spawn %s", name);
  return t;
}

TEST(a_time_already_past_returns_without_parking_or_an_interrupt) {
  struct goldfish_rtc *rtc = board_goldfish_rtc();
  uint64_t now = goldfish_rtc_now_ns(rtc);
  printf("    rtc reads %llu ns since 1970\n", (unsigned long long)now);
  /* QEMU's RTC runs on the host's clock: anything before 2020 is not it. */
  EXPECT(now > 1577836800ull * 1000 * MS);
  uint64_t irqs = goldfish_rtc_interrupts(rtc);
  goldfish_rtc_alarm_wait_until(rtc, now - 1);
  goldfish_rtc_alarm_wait_until(rtc, 0);
  EXPECT_EQ(goldfish_rtc_interrupts(rtc), irqs);
  EXPECT(goldfish_rtc_now_ns(rtc) >= now);
}

/* ---- one waiter ---------------------------------------------------------------- */

struct sleeper {
  struct goldfish_rtc *rtc;
  uint64_t deadline_ns;
  uint64_t woke_ns; /* the RTC's time when the wait returned */
  bool done;        /* release-stored after woke_ns */
  task_t *task;     /* release-stored by the task itself as it starts */
  struct waitgroup *wg;
};

static void sleep_on_alarm(void *arg) {
  struct sleeper *s = arg;
  goldfish_rtc_alarm_wait_until(s->rtc, s->deadline_ns);
  s->woke_ns = goldfish_rtc_now_ns(s->rtc);
  /* Release: whoever acquires done sees woke_ns. */
  __atomic_store_n(&s->done, true, __ATOMIC_RELEASE);
  waitgroup_done(s->wg);
}

TEST(a_waiter_is_parked_until_the_alarm_interrupt_wakes_it) {
  struct goldfish_rtc *rtc = board_goldfish_rtc();
  static struct waitgroup wg = WAITGROUP_INIT;
  static struct sleeper s;
  uint64_t irqs = goldfish_rtc_interrupts(rtc);
  uint64_t dispatched = irq_line_count(rtc->irq_line);
  /* A second ahead: time enough to see it parked, however slow the host. */
  s = (struct sleeper){.rtc = rtc, .deadline_ns = goldfish_rtc_now_ns(rtc) + 1000 * MS, .wg = &wg};
  waitgroup_add(&wg, 1);
  task_t *t = spawn_or_fail(sleep_on_alarm, &s, "alarm sleeper");
  /* Under the driver's lock, a queued waiter is fully parked (the lock is
   * released only after it is switched out) and cannot be readied (the
   * handler needs the lock): what task_state says here is the truth. */
  enum task_state seen;
  for (;;) {
    unsigned long irq = spin_lock_irqsave(&rtc->lock);
    bool queued = !waitq_empty(&rtc->waiters);
    seen = task_state(t);
    spin_unlock_irqrestore(&rtc->lock, irq);
    if (queued)
      break;
    if (__atomic_load_n(&s.done, __ATOMIC_ACQUIRE)) {
      test_fail(__FILE__, __LINE__, "the waiter returned before it was seen queued");
      break;
    }
    task_sleep_ns(MS);
  }
  EXPECT_EQ(seen, TASK_PARKED);
  EXPECT_EQ(goldfish_rtc_interrupts(rtc), irqs);
  printf("    waiter parked on the alarm (state %d)\n", (int)seen);
  waitgroup_wait(&wg);
  EXPECT(s.woke_ns >= s.deadline_ns);
  EXPECT_EQ(goldfish_rtc_interrupts(rtc), irqs + 1);
  EXPECT_EQ(irq_line_count(rtc->irq_line), dispatched + 1);
  printf("    woke %llu us after its alarm time, 1 interrupt\n",
         (unsigned long long)((s.woke_ns - s.deadline_ns) / 1000));
}

/* ---- several waiters, several times --------------------------------------------- */

#define WAITERS 5u
#define STEP_NS (40 * MS)

static struct sleeper sleepers[WAITERS];
static bool woken_out_of_order;

/* Waiter i waits for the i-th time. When it returns, every waiter with an
 * earlier time must be readied already: the handler readies the due ones
 * earliest first, and a later time is never due before an earlier one. A
 * waiter readied but not yet run is RUNNABLE, not PARKED. */
static void sleep_in_order(void *arg) {
  struct sleeper *s = arg;
  unsigned me = (unsigned)(s - sleepers);
  /* Release: a waiter that acquires it sees a started task. */
  __atomic_store_n(&s->task, task_current(), __ATOMIC_RELEASE);
  goldfish_rtc_alarm_wait_until(s->rtc, s->deadline_ns);
  s->woke_ns = goldfish_rtc_now_ns(s->rtc);
  for (unsigned i = 0; i < me; i++) {
    /* Acquire pairs with the releases of task and done: a waiter not yet
     * started is not parked, and a done waiter's task may be gone, so its
     * state is read only while it is not done. */
    task_t *t = __atomic_load_n(&sleepers[i].task, __ATOMIC_ACQUIRE);
    if (t && !__atomic_load_n(&sleepers[i].done, __ATOMIC_ACQUIRE) &&
        task_state(t) == TASK_PARKED) {
      printf("    waiter %u returned while waiter %u (earlier) was still parked\n", me, i);
      __atomic_store_n(&woken_out_of_order, true, __ATOMIC_RELAXED);
    }
  }
  __atomic_store_n(&s->done, true, __ATOMIC_RELEASE);
  waitgroup_done(s->wg);
}

TEST(several_waiters_each_wake_at_their_own_time_in_order) {
  struct goldfish_rtc *rtc = board_goldfish_rtc();
  static struct waitgroup wg = WAITGROUP_INIT;
  /* Spawned out of order, so the queue order is not the deadline order. */
  static const unsigned spawn_order[WAITERS] = {3, 0, 4, 1, 2};
  uint64_t irqs = goldfish_rtc_interrupts(rtc);
  uint64_t dispatched = irq_line_count(rtc->irq_line);
  uint64_t base = goldfish_rtc_now_ns(rtc) + 300 * MS;
  waitgroup_add(&wg, WAITERS);
  for (unsigned i = 0; i < WAITERS; i++)
    sleepers[i] = (struct sleeper){.rtc = rtc, .deadline_ns = base + i * STEP_NS, .wg = &wg};
  for (unsigned k = 0; k < WAITERS; k++)
    spawn_or_fail(sleep_in_order, &sleepers[spawn_order[k]], "alarm sleeper");
  waitgroup_wait(&wg);
  uint64_t taken = goldfish_rtc_interrupts(rtc) - irqs;
  /* The line fired once for each alarm interrupt the driver handled. */
  EXPECT_EQ(irq_line_count(rtc->irq_line) - dispatched, taken);
  for (unsigned i = 0; i < WAITERS; i++) {
    EXPECT(sleepers[i].woke_ns >= sleepers[i].deadline_ns);
    printf("    waiter %u: alarm at +%llu ms, woke %llu us after it\n", i,
           (unsigned long long)((sleepers[i].deadline_ns - base) / MS),
           (unsigned long long)((sleepers[i].woke_ns - sleepers[i].deadline_ns) / 1000));
  }
  EXPECT(!woken_out_of_order);
  /* Every interrupt readies at least the waiter the alarm was set for; a
   * late one may ready several at once. */
  EXPECT(taken >= 1 && taken <= WAITERS);
  printf("    %u waiters, %llu alarm interrupts, line %u dispatched as often\n", WAITERS,
         (unsigned long long)taken, rtc->irq_line);
}
