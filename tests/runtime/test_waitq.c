/* struct waitq (waitq.h): the wait queue under every blocking primitive and
 * the way a driver parks its callers until its interrupt. */
#include <stdint.h>
#include <stdio.h>

#include <brigade/arch.h>
#include <brigade/cpu.h>
#include <brigade/spinlock.h>
#include <brigade/sync.h>
#include <brigade/task.h>
#include <brigade/waitq.h>

#include "test.h"

#define MS (1000ull * 1000)

static void spawn_or_fail(void (*fn)(void *), void *arg, const char *name, int pin) {
  struct task_attr attr = {.name = name, .pin = pin};
  if (task_spawn(NULL, fn, arg, &attr) != 0)
    test_fail(__FILE__, __LINE__, "could not spawn %s", name);
}

/* Sleep until *word, read under lock, reaches want (a waiter counts itself
 * before it parks, under the same lock as the queue). No wall-clock limit:
 * if it never comes, the deadlock report or the harness timeout ends the test. */
static void wait_for_count(spinlock_t *lock, const unsigned *word, unsigned want) {
  for (;;) {
    unsigned long irq = spin_lock_irqsave(lock);
    unsigned now = *word;
    spin_unlock_irqrestore(lock, irq);
    if (now >= want)
      return;
    task_sleep_ns(MS);
  }
}

/* ---- wake-one order and wake-all ---------------------------------------------- */

#define ORDER_WAITERS 4u

struct line {
  spinlock_t lock;
  struct waitq q;
  unsigned parked;             /* waiters queued so far */
  unsigned woken;              /* waiters that ran again */
  unsigned order[ORDER_WAITERS]; /* who ran again, in order */
  struct waitgroup done;
};

struct place {
  struct line *line;
  unsigned index;
};

static void wait_in_line(void *arg) {
  struct place *p = arg;
  struct line *l = p->line;
  unsigned long irq = arch_irq_save();
  spin_lock_raw(&l->lock);
  l->parked++;
  struct waitq_entry me;
  waitq_park(&l->q, &me, "test line", &l->lock);
  spin_lock_raw(&l->lock); /* interrupts are still masked from the save above */
  l->order[l->woken++] = p->index;
  spin_unlock_raw(&l->lock);
  arch_irq_restore(irq);
  waitgroup_done(&l->done);
}

TEST(wake_one_readies_the_oldest_waiter_first) {
  static struct line l = {.lock = SPINLOCK_INIT("line"), .q = WAITQ_INIT, .done = WAITGROUP_INIT};
  static struct place places[ORDER_WAITERS];
  /* Pinned to one core, the waiters run, and so park, in spawn order. */
  int core = (int)cpu_count() - 1;
  waitgroup_add(&l.done, ORDER_WAITERS);
  for (unsigned i = 0; i < ORDER_WAITERS; i++) {
    places[i] = (struct place){&l, i};
    spawn_or_fail(wait_in_line, &places[i], "in line", core);
    wait_for_count(&l.lock, &l.parked, i + 1);
  }
  printf("    %u waiters parked\n", ORDER_WAITERS);
  for (unsigned i = 0; i < ORDER_WAITERS; i++) {
    unsigned long irq = spin_lock_irqsave(&l.lock);
    task_t *t = waitq_wake_one(&l.q);
    spin_unlock_irqrestore(&l.lock, irq);
    EXPECT(t != NULL);
    wait_for_count(&l.lock, &l.woken, i + 1);
    EXPECT_EQ(l.order[i], i);
    printf("    wake %u readied waiter %u\n", i, l.order[i]);
  }
  waitgroup_wait(&l.done);
  unsigned long irq = spin_lock_irqsave(&l.lock);
  EXPECT(waitq_empty(&l.q));
  EXPECT(waitq_wake_one(&l.q) == NULL);
  spin_unlock_irqrestore(&l.lock, irq);
}

TEST(wake_all_readies_every_waiter_and_counts_them) {
  static struct line l = {.lock = SPINLOCK_INIT("line"), .q = WAITQ_INIT, .done = WAITGROUP_INIT};
  static struct place places[ORDER_WAITERS];
  waitgroup_add(&l.done, ORDER_WAITERS);
  for (unsigned i = 0; i < ORDER_WAITERS; i++) {
    places[i] = (struct place){&l, i};
    spawn_or_fail(wait_in_line, &places[i], "in line", TASK_ANY_CORE);
  }
  wait_for_count(&l.lock, &l.parked, ORDER_WAITERS);
  unsigned long irq = spin_lock_irqsave(&l.lock);
  unsigned n = waitq_wake_all(&l.q);
  EXPECT(waitq_empty(&l.q));
  spin_unlock_irqrestore(&l.lock, irq);
  EXPECT_EQ(n, ORDER_WAITERS);
  waitgroup_wait(&l.done);
  EXPECT_EQ(l.woken, ORDER_WAITERS);
  printf("    one wake_all readied %u of %u waiters\n", n, ORDER_WAITERS);
}

/* ---- turns across cores ------------------------------------------------------------ */

/* Two tasks on different cores (where there are two) take turns through one
 * waitq: each waits for its turn, then gives the turn away and wakes the
 * other. A wake-up that does not reach the waiter leaves both parked for
 * good, which the deadlock report turns into a failure; so does one lost
 * between "it is not my turn" and "asleep", if the race is ever hit. */
#define TURNS 4000u

struct turns {
  spinlock_t lock;
  struct waitq q;
  unsigned turn; /* 0 or 1: who may go */
  unsigned taken[2];
  struct waitgroup done;
};

struct player {
  struct turns *t;
  unsigned me;
};

static void take_turns(void *arg) {
  struct player *p = arg;
  struct turns *t = p->t;
  for (unsigned i = 0; i < TURNS; i++) {
    unsigned long irq = arch_irq_save();
    spin_lock_raw(&t->lock);
    while (t->turn != p->me) {
      struct waitq_entry me;
      waitq_park(&t->q, &me, "test turn", &t->lock);
      spin_lock_raw(&t->lock);
    }
    t->taken[p->me]++;
    t->turn = !p->me;
    waitq_wake_one(&t->q);
    spin_unlock_raw(&t->lock);
    arch_irq_restore(irq);
    if (p->me == 0 && (i + 1) % 1000 == 0)
      printf("    %u turns each\n", i + 1);
  }
  waitgroup_done(&t->done);
}

TEST(two_cores_take_turns_through_one_waitq) {
  static struct turns t = {.lock = SPINLOCK_INIT("turns"), .q = WAITQ_INIT, .done = WAITGROUP_INIT};
  static struct player players[2];
  unsigned n = cpu_count();
  waitgroup_add(&t.done, 2);
  for (unsigned i = 0; i < 2; i++) {
    players[i] = (struct player){&t, i};
    spawn_or_fail(take_turns, &players[i], "turn taker", n > 1 ? (int)(n - 1 - i) : 0);
  }
  waitgroup_wait(&t.done);
  EXPECT_EQ(t.taken[0], TURNS);
  EXPECT_EQ(t.taken[1], TURNS);
}

/* ---- a driver outside brigade: the button of waitq.h's example ---------------- */

/* The device is memory and its interrupt is raised by a task with
 * interrupts masked, as an irq_attach handler runs; the driver is exactly
 * the one waitq.h documents. */
struct button {
  spinlock_t lock;
  struct waitq waiters;
  unsigned presses;
  unsigned parked; /* for the test: callers that parked at least once */
};

static unsigned button_wait(struct button *b) {
  unsigned long irq = spin_lock_irqsave(&b->lock);
  while (b->presses == 0) {
    b->parked++;
    struct waitq_entry me;
    waitq_park_irq(&b->waiters, &me, "button", &b->lock);
    spin_lock_raw(&b->lock);
  }
  unsigned n = b->presses;
  b->presses = 0;
  spin_unlock_irqrestore(&b->lock, irq);
  return n;
}

static void button_interrupt(void *arg) {
  struct button *b = arg;
  spin_lock_raw(&b->lock);
  b->presses++;
  waitq_wake_all(&b->waiters);
  spin_unlock_raw(&b->lock);
}

static void raise_interrupt(struct button *b) {
  unsigned long irq = arch_irq_save(); /* handler context: interrupts masked */
  button_interrupt(b);
  arch_irq_restore(irq);
}

struct press_reader {
  struct button *b;
  unsigned got;
  struct waitgroup *done;
};

static void read_presses(void *arg) {
  struct press_reader *r = arg;
  /* Release: the test reads it before the waitgroup says we are done. */
  __atomic_store_n(&r->got, button_wait(r->b), __ATOMIC_RELEASE);
  waitgroup_done(r->done);
}

TEST(a_driver_parks_its_callers_until_its_interrupt) {
  static struct button b = {.lock = SPINLOCK_INIT("button"), .waiters = WAITQ_INIT};
  static struct waitgroup done = WAITGROUP_INIT;
  static struct press_reader readers[2];
  waitgroup_add(&done, 2);
  for (unsigned i = 0; i < 2; i++) {
    readers[i] = (struct press_reader){.b = &b, .done = &done};
    spawn_or_fail(read_presses, &readers[i], "button reader", TASK_ANY_CORE);
  }
  wait_for_count(&b.lock, &b.parked, 2);
  printf("    2 callers parked on the button\n");
  /* One press: both wake, one takes it, the other parks again. */
  raise_interrupt(&b);
  unsigned first;
  while ((first = __atomic_load_n(&readers[0].got, __ATOMIC_ACQUIRE) +
                  __atomic_load_n(&readers[1].got, __ATOMIC_ACQUIRE)) == 0)
    task_sleep_ns(MS);
  wait_for_count(&b.lock, &b.parked, 3);
  EXPECT_EQ(first, 1u);
  printf("    press 1 taken, the other caller parked again\n");
  raise_interrupt(&b);
  waitgroup_wait(&done);
  EXPECT_EQ(readers[0].got, 1u);
  EXPECT_EQ(readers[1].got, 1u);
  EXPECT(waitq_empty(&b.waiters));
}
