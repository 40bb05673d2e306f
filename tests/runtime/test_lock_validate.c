/* Lock validation (BRIGADE_LOCK_VALIDATE) must stay quiet about correct use:
 * the lock a park hands over, locks an interrupt handler takes while the
 * interrupted code holds one, releases out of order, a trylock that fails
 * on a lock this core holds. Each test also checks the core's list of held
 * locks, which the misuse reports rely on. The misuses themselves are the
 * lockcheck.* images in tests/harness. */
#include <stdio.h>

#include <brigade/chan.h>
#include <brigade/cpu.h>
#include <brigade/spinlock.h>
#include <brigade/sync.h>
#include <brigade/task.h>

#include "test.h"

static spinlock_t outer = SPINLOCK_INIT("outer");
static spinlock_t inner = SPINLOCK_INIT("inner");
static spinlock_t device = SPINLOCK_INIT("device");

/* The locks this core holds, newest first, into held[]; returns how many.
 * Interrupts must be masked, so the caller stays on this core. */
static unsigned held_here(spinlock_t **held, unsigned max) {
  unsigned n = 0;
  for (spinlock_t *l = this_cpu()->locks_held; l; l = l->next_held)
    if (n < max)
      held[n++] = l;
    else
      n++;
  return n;
}

/* An interrupt handler, as the trap path would call it with interrupts
 * masked: it takes the device's lock and lets it go. */
static void device_interrupt(void) {
  spin_lock_raw(&device);
  spinlock_t *held[4];
  unsigned n = held_here(held, 4);
  EXPECT_EQ(n, 2u);
  EXPECT(held[0] == &device);
  spin_unlock_raw(&device);
}

TEST(an_interrupt_handler_may_take_locks_while_the_interrupted_code_holds_one) {
  unsigned long irq = spin_lock_irqsave(&outer);
  for (int i = 0; i < 100; i++)
    device_interrupt();
  spinlock_t *held[4];
  EXPECT_EQ(held_here(held, 4), 1u);
  EXPECT(held[0] == &outer);
  spin_unlock_irqrestore(&outer, irq);
  irq = arch_irq_save();
  EXPECT_EQ(held_here(held, 4), 0u);
  arch_irq_restore(irq);
}

TEST(locks_released_out_of_order_leave_the_list_right) {
  unsigned long irq = spin_lock_irqsave(&outer);
  spin_lock_raw(&inner);
  spin_unlock_raw(&outer); /* the older one first */
  spinlock_t *held[4];
  EXPECT_EQ(held_here(held, 4), 1u);
  EXPECT(held[0] == &inner);
  spin_unlock_raw(&inner);
  EXPECT_EQ(held_here(held, 4), 0u);
  arch_irq_restore(irq);
}

TEST(trylock_of_a_lock_this_core_holds_fails_without_a_report) {
  unsigned long irq = spin_lock_irqsave(&outer);
  EXPECT(!spin_trylock_raw(&outer));
  spinlock_t *held[4];
  EXPECT_EQ(held_here(held, 4), 1u);
  spin_unlock_irqrestore(&outer, irq);
  irq = spin_lock_irqsave(&outer);
  EXPECT_EQ(held_here(held, 4), 1u); /* taken again after release: no report */
  spin_unlock_irqrestore(&outer, irq);
}

/* Parks hand their wait queue's lock to the scheduler (channels, mutexes)
 * or a whole set of them (select). */
struct pingpong {
  struct chan *ping, *pong, *other;
  struct mutex m;
  struct waitgroup done;
  int rounds;
};

static void ponger(void *arg) {
  struct pingpong *p = arg;
  for (int i = 0; i < p->rounds; i++) {
    int v;
    chan_recv(p->ping, &v);
    mutex_lock(&p->m);
    mutex_unlock(&p->m);
    chan_send(p->pong, &v);
  }
  waitgroup_done(&p->done);
}

TEST(parks_that_hand_over_their_own_locks_are_not_reported) {
  struct pingpong p = {.ping = chan_make(sizeof(int), 0, "ping"),
                       .pong = chan_make(sizeof(int), 0, "pong"),
                       .other = chan_make(sizeof(int), 0, "never"),
                       .m = MUTEX_INIT,
                       .done = WAITGROUP_INIT,
                       .rounds = 2000};
  ASSERT(p.ping && p.pong && p.other);
  struct task_attr attr = {.name = "ponger", .pin = TASK_ANY_CORE};
  waitgroup_add(&p.done, 1);
  ASSERT(task_spawn(NULL, ponger, &p, &attr) == 0);
  for (int i = 0; i < p.rounds; i++) {
    mutex_lock(&p.m);
    mutex_unlock(&p.m);
    chan_send(p.ping, &i);
    int v = -1, w;
    struct chan_case cases[] = {{.chan = p.other, .dir = CHAN_RECV, .elem = &w},
                                {.chan = p.pong, .dir = CHAN_RECV, .elem = &v}};
    int which = chan_select(cases, 2, false, CHAN_NO_TIMEOUT);
    EXPECT_EQ(which, 1);
    EXPECT_EQ(v, i);
    if (i % 500 == 0)
      printf("    round %d of %d\n", i, p.rounds);
  }
  unsigned long irq = arch_irq_save();
  spinlock_t *held[4];
  EXPECT_EQ(held_here(held, 4), 0u);
  arch_irq_restore(irq);
  waitgroup_wait(&p.done);
  chan_free(p.ping);
  chan_free(p.pong);
  chan_free(p.other);
}
