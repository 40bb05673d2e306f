/* Blocking synchronisation: mutex (both modes), semaphore, once, cond. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <brigade/cpu.h>
#include <brigade/sync.h>
#include <brigade/task.h>

#include "test.h"

#define MS (1000ull * 1000)

/* The core every "same core" scenario is pinned to. Pinning a test's tasks
 * to one core makes their order deterministic at any -smp: a readied
 * pinned task cannot run before the running one parks, and pinned tasks
 * run in the order they were queued. */
static int scenario_core(void) { return (int)cpu_count() - 1; }

static void spawn_or_fail(void (*fn)(void *), void *arg, const char *name, int pin) {
  struct task_attr attr = {.name = name, .pin = pin};
  if (task_spawn(NULL, fn, arg, &attr) != 0)
    test_fail(__FILE__, __LINE__, "could not spawn %s", name);
}

/* ---- mutex: mutual exclusion ------------------------------------------------ */

/* The full count under ThreadSanitizer too: most increments take the
 * uncontended fast path, so the run costs about 0.3 s more there. */
#define INCREMENTS 100000u
#define COUNTING_TASKS 8u

struct counting {
  struct mutex m;
  uint64_t counter; /* plain: only the mutex keeps increments from being lost */
  struct waitgroup wg;
};

static void increment_under_mutex(void *arg) {
  struct counting *c = arg;
  for (unsigned i = 0; i < INCREMENTS; i++) {
    mutex_lock(&c->m);
    uint64_t v = *(volatile uint64_t *)&c->counter;
    /* Now and then give the core away while holding the mutex, so the
     * others queue and park even on one core. */
    if (i % 512 == 0)
      task_yield();
    *(volatile uint64_t *)&c->counter = v + 1;
    mutex_unlock(&c->m);
  }
  waitgroup_done(&c->wg);
}

TEST(mutex_keeps_a_counter_shared_by_8_tasks_exact) {
  static struct counting c = {.m = MUTEX_INIT, .wg = WAITGROUP_INIT};
  waitgroup_add(&c.wg, COUNTING_TASKS);
  for (unsigned i = 0; i < COUNTING_TASKS; i++)
    spawn_or_fail(increment_under_mutex, &c, "incrementer", TASK_ANY_CORE);
  waitgroup_wait(&c.wg);
  EXPECT_EQ(c.counter, (uint64_t)COUNTING_TASKS * INCREMENTS);
  EXPECT(mutex_trylock(&c.m)); /* and it ends unlocked */
}

/* ---- mutex: trylock ------------------------------------------------------------ */

struct trylock_probe {
  struct mutex *m;
  bool got;
  struct waitgroup wg;
};

static void try_from_another_task(void *arg) {
  struct trylock_probe *p = arg;
  p->got = mutex_trylock(p->m);
  if (p->got)
    mutex_unlock(p->m);
  waitgroup_done(&p->wg);
}

static bool trylock_in_another_task(struct mutex *m) {
  struct trylock_probe p = {.m = m, .wg = WAITGROUP_INIT};
  waitgroup_add(&p.wg, 1);
  spawn_or_fail(try_from_another_task, &p, "trylock", TASK_ANY_CORE);
  waitgroup_wait(&p.wg);
  return p.got;
}

TEST(mutex_trylock_takes_a_free_mutex_and_never_a_held_one) {
  struct mutex m = MUTEX_INIT;
  EXPECT(mutex_trylock(&m));
  EXPECT(!mutex_trylock(&m));            /* not recursive: held is held */
  EXPECT(!trylock_in_another_task(&m));  /* nor may another task take it */
  mutex_unlock(&m);
  EXPECT(trylock_in_another_task(&m));   /* free again for anyone */
  mutex_lock(&m);                        /* and the fast path agrees */
  mutex_unlock(&m);
}

/* ---- mutex: starvation mode ------------------------------------------------ */

/* How long the holder keeps the mutex each round: well past the threshold,
 * so a waiter queued behind it is starving by the time it is woken. */
#define HOLD_NS (2 * MUTEX_STARVATION_NS)
#define MAX_ROUNDS 50

#define MAX_WAITERS 4

/* Returns once n tasks have counted themselves in *arrived. Used by a task
 * pinned to the same core as the ones it waits for: those run only while
 * it sleeps and it runs again only once they park, so "arrived" means
 * "parked on the mutex" and their wait has begun. */
static void sleep_until_arrived(const uint32_t *arrived, uint32_t n) {
  while (__atomic_load_n(arrived, __ATOMIC_ACQUIRE) < n)
    task_sleep_ns(100 * 1000);
}

static void arrive(uint32_t *arrived) { __atomic_fetch_add(arrived, 1, __ATOMIC_RELEASE); }

struct starvation;

struct ticket_taker {
  struct starvation *s;
  int index;
};

struct starvation {
  struct mutex m;
  struct waitgroup wg;
  uint32_t arrived;
  int next_ticket;
  int order[MAX_WAITERS + 1]; /* order[i]: when task i got the mutex; the holder is last */
  int waiter_got_it;
  int holder_rounds;          /* release-and-barge rounds the holder did */
  unsigned waiters;
  struct ticket_taker takers[MAX_WAITERS];
};

static void take_a_ticket(void *arg) {
  struct ticket_taker *t = arg;
  struct starvation *s = t->s;
  arrive(&s->arrived);
  mutex_lock(&s->m);
  s->order[t->index] = s->next_ticket++; /* under the mutex */
  s->waiter_got_it = 1;
  mutex_unlock(&s->m);
  waitgroup_done(&s->wg);
}

/* Holds the mutex while its waiters queue, then keeps releasing it and
 * barging straight back in, as a busy task on the same core would. In
 * normal mode the woken waiter loses every time; starvation mode must
 * hand the mutex over. */
static void barging_holder(void *arg) {
  struct starvation *s = arg;
  mutex_lock(&s->m);
  for (unsigned i = 0; i < s->waiters; i++) {
    s->takers[i] = (struct ticket_taker){.s = s, .index = (int)i};
    spawn_or_fail(take_a_ticket, &s->takers[i], "waiter", scenario_core());
  }
  sleep_until_arrived(&s->arrived, s->waiters);
  int rounds = 0;
  while (rounds < MAX_ROUNDS && !s->waiter_got_it) { /* read under the mutex */
    task_sleep_ns(HOLD_NS); /* the first waiter, if woken, runs now, and loses */
    mutex_unlock(&s->m);
    mutex_lock(&s->m);      /* barges in ahead of the woken waiter, unless handed off */
    rounds++;
  }
  s->holder_rounds = rounds;
  s->order[s->waiters] = s->next_ticket++;
  mutex_unlock(&s->m);
  waitgroup_done(&s->wg);
}

static void run_starvation(struct starvation *s, unsigned waiters) {
  *s = (struct starvation){.m = MUTEX_INIT, .wg = WAITGROUP_INIT, .waiters = waiters};
  waitgroup_add(&s->wg, waiters + 1);
  spawn_or_fail(barging_holder, s, "holder", scenario_core());
  waitgroup_wait(&s->wg);
}

TEST(mutex_hands_over_to_a_waiter_that_waited_over_1ms) {
  struct starvation s;
  run_starvation(&s, 1);
  EXPECT(s.waiter_got_it);
  /* Round 1 wakes the waiter, which loses to the holder barging back and,
   * having waited over 1 ms, turns the mutex starving; round 2's unlock
   * hands it over, and the holder's lock waits behind it. */
  EXPECT_EQ(s.holder_rounds, 2);
  EXPECT_EQ(mutex_starvation_handoffs(&s.m), 1);
  EXPECT_EQ(s.order[0], 0); /* the waiter got it before the holder's last turn */
}

TEST(mutex_in_starvation_mode_serves_waiters_in_arrival_order) {
  struct starvation s;
  run_starvation(&s, MAX_WAITERS);
  /* The waiters queued in spawn order; the holder queued behind them. */
  for (int i = 0; i <= MAX_WAITERS; i++)
    EXPECT_EQ(s.order[i], i);
  /* One hand-off to each waiter, and one to the holder, the last in the
   * queue (which ends starvation mode). */
  EXPECT_EQ(mutex_starvation_handoffs(&s.m), MAX_WAITERS + 1);
}

TEST(mutex_is_back_in_normal_mode_once_its_starving_waiters_are_served) {
  struct starvation s;
  run_starvation(&s, MAX_WAITERS);
  uint32_t handoffs = mutex_starvation_handoffs(&s.m);
  /* Normal mode: a free mutex can be taken by anyone, and unlocking
   * without waiters hands nothing over. */
  EXPECT(mutex_trylock(&s.m));
  mutex_unlock(&s.m);
  mutex_lock(&s.m);
  mutex_unlock(&s.m);
  EXPECT_EQ(mutex_starvation_handoffs(&s.m), handoffs);
}

/* Starvation mode ends at a hand-off to a waiter that has waited less than
 * the threshold, even with others still queued. */
struct short_wait {
  struct mutex m;
  struct semaphore go; /* holds the short waiter and the follower back */
  struct waitgroup wg;
  uint32_t arrived;
  uint64_t short_waiter_waited_ns;
};

static void lock_and_leave(void *arg) {
  struct short_wait *s = arg;
  arrive(&s->arrived);
  mutex_lock(&s->m);
  mutex_unlock(&s->m);
  waitgroup_done(&s->wg);
}

static void lock_when_told(void *arg) {
  struct short_wait *s = arg;
  arrive(&s->arrived);
  sem_acquire(&s->go);
  mutex_lock(&s->m);
  mutex_unlock(&s->m);
  waitgroup_done(&s->wg);
}

static void lock_when_told_and_time_the_wait(void *arg) {
  struct short_wait *s = arg;
  arrive(&s->arrived);
  sem_acquire(&s->go);
  uint64_t t0 = task_now_ns();
  mutex_lock(&s->m);
  s->short_waiter_waited_ns = task_now_ns() - t0;
  mutex_unlock(&s->m);
  waitgroup_done(&s->wg);
}

static void make_starving_then_queue_a_newcomer(void *arg) {
  struct short_wait *s = arg;
  mutex_lock(&s->m);
  /* All three start now, so that a first run (slow under the sanitizers)
   * does not fall inside the short waiter's wait. */
  spawn_or_fail(lock_and_leave, s, "long waiter", scenario_core());
  spawn_or_fail(lock_when_told_and_time_the_wait, s, "short waiter", scenario_core());
  spawn_or_fail(lock_when_told, s, "follower", scenario_core());
  sleep_until_arrived(&s->arrived, 3);
  task_sleep_ns(HOLD_NS); /* the long waiter waits */
  mutex_unlock(&s->m);    /* wakes it ... */
  mutex_lock(&s->m);      /* ... and it loses, after over 1 ms: starvation mode */
  sem_release(&s->go);
  sem_release(&s->go);
  task_yield();           /* queue: long waiter (front again), short waiter, follower */
  /* Hand-off 1 goes to the long waiter; others still queue, so the mutex
   * stays starving. Its unlock is hand-off 2, to the short waiter, who
   * waited microseconds: normal mode again, so the follower and we are
   * woken to compete, not handed the mutex. */
  mutex_unlock(&s->m);
  mutex_lock(&s->m);
  mutex_unlock(&s->m);
  waitgroup_done(&s->wg);
}

TEST(mutex_leaves_starvation_mode_at_a_handoff_to_a_short_waiter) {
  /* A host that deschedules the core for over 1 ms at the wrong moment
   * makes the short waiter a long one: such a run proves nothing, so it
   * is run again. */
  for (int attempt = 0; attempt < 5; attempt++) {
    struct short_wait s = {.m = MUTEX_INIT, .go = SEMAPHORE_INIT(0), .wg = WAITGROUP_INIT};
    waitgroup_add(&s.wg, 4);
    spawn_or_fail(make_starving_then_queue_a_newcomer, &s, "holder", scenario_core());
    waitgroup_wait(&s.wg);
    if (s.short_waiter_waited_ns >= MUTEX_STARVATION_NS)
      continue;
    EXPECT_EQ(mutex_starvation_handoffs(&s.m), 2);
    EXPECT(mutex_trylock(&s.m));
    return;
  }
  SKIP("the short waiter waited over 1 ms in every attempt (a loaded host)");
}

/* ---- semaphore ------------------------------------------------------------- */

#define PERMITS 3u
#define SEM_TASKS (8u * PERMITS)
#define SEM_ROUNDS 20

struct bounded {
  struct semaphore sem;
  struct waitgroup wg;
  uint32_t holders;
  uint32_t max_holders;
};

static void hold_a_permit_for_a_while(void *arg) {
  struct bounded *b = arg;
  for (int r = 0; r < SEM_ROUNDS; r++) {
    sem_acquire(&b->sem);
    uint32_t now = __atomic_add_fetch(&b->holders, 1, __ATOMIC_RELAXED);
    uint32_t max = __atomic_load_n(&b->max_holders, __ATOMIC_RELAXED);
    while (now > max && !__atomic_compare_exchange_n(&b->max_holders, &max, now, true,
                                                     __ATOMIC_RELAXED, __ATOMIC_RELAXED))
      ;
    /* Hold it across a switch, so holders overlap even on one core. */
    if (r % 4 == 0)
      task_sleep_ns(100 * 1000);
    else
      task_yield();
    __atomic_sub_fetch(&b->holders, 1, __ATOMIC_RELAXED);
    sem_release(&b->sem);
  }
  waitgroup_done(&b->wg);
}

TEST(semaphore_never_lets_more_tasks_in_than_it_has_permits) {
  static struct bounded b = {.sem = SEMAPHORE_INIT(PERMITS), .wg = WAITGROUP_INIT};
  waitgroup_add(&b.wg, SEM_TASKS);
  for (unsigned i = 0; i < SEM_TASKS; i++)
    spawn_or_fail(hold_a_permit_for_a_while, &b, "permit holder", TASK_ANY_CORE);
  waitgroup_wait(&b.wg);
  EXPECT_EQ(b.max_holders, PERMITS); /* never more, and all of them were used */
  /* Every permit came back. */
  for (unsigned i = 0; i < PERMITS; i++)
    EXPECT(sem_try_acquire(&b.sem));
  EXPECT(!sem_try_acquire(&b.sem));
}

#define QUEUED 16

struct relay {
  struct semaphore sem;
  struct waitgroup wg;
  int order[QUEUED];
  int next;
};

static struct relay relay;

/* Each waiter holds the one permit in circulation while it writes down its
 * turn, then passes it on: the order written is the order of the grants. */
static void wait_for_the_baton(void *arg) {
  int index = (int)(uintptr_t)arg;
  sem_acquire(&relay.sem);
  relay.order[relay.next++] = index;
  sem_release(&relay.sem);
  waitgroup_done(&relay.wg);
}

static void start_relay(void *arg) {
  (void)arg;
  for (uintptr_t i = 0; i < QUEUED; i++)
    spawn_or_fail(wait_for_the_baton, (void *)i, "relay", scenario_core());
  /* Same core, so the waiters run now, in spawn order, each parking on
   * the empty semaphore; this task is queued behind them. */
  task_yield();
  sem_release(&relay.sem);
  waitgroup_done(&relay.wg);
}

TEST(semaphore_grants_permits_in_arrival_order) {
  relay = (struct relay){.sem = SEMAPHORE_INIT(0), .wg = WAITGROUP_INIT};
  waitgroup_add(&relay.wg, QUEUED + 1);
  spawn_or_fail(start_relay, NULL, "relay starter", scenario_core());
  waitgroup_wait(&relay.wg);
  EXPECT_EQ(relay.next, QUEUED);
  for (int i = 0; i < QUEUED; i++)
    EXPECT_EQ(relay.order[i], i);
}

TEST(semaphore_try_acquire_takes_only_free_permits) {
  struct semaphore s = SEMAPHORE_INIT(2);
  EXPECT(sem_try_acquire(&s));
  EXPECT(sem_try_acquire(&s));
  EXPECT(!sem_try_acquire(&s));
  sem_release(&s);
  EXPECT(sem_try_acquire(&s));
  EXPECT(!sem_try_acquire(&s));
  sem_release(&s);
  sem_release(&s);
  sem_acquire(&s); /* free permits: no wait */
  sem_acquire(&s);
  EXPECT(!sem_try_acquire(&s));
}

/* ---- once ------------------------------------------------------------------ */

#define ONCE_CALLERS 64

struct once_race {
  struct once once;
  struct waitgroup wg;
  uint32_t runs;
  uint32_t finished;              /* fn has returned */
  uint32_t returned_early;        /* callers that returned before fn finished */
  uint32_t arrived_while_running; /* callers that called once_do before fn finished */
};

static void slow_initialiser(void *arg) {
  struct once_race *r = arg;
  __atomic_fetch_add(&r->runs, 1, __ATOMIC_RELAXED);
  /* Stay running until a caller besides this one has called once_do (the
   * race must happen, however busy the machine: no fixed window), then a
   * little longer so more of them do. Every caller counts itself before
   * its call, whether it came before this task won the once or after:
   * either way its call overlaps this run, so it must wait. Callers always
   * come (ONCE_CALLERS of them), so this loop ends. */
  while (__atomic_load_n(&r->arrived_while_running, __ATOMIC_RELAXED) < 2)
    task_sleep_ns(1 * MS);
  task_sleep_ns(5 * MS);
  __atomic_store_n(&r->finished, 1, __ATOMIC_RELAXED);
}

static void call_once(void *arg) {
  struct once_race *r = arg;
  if (!__atomic_load_n(&r->finished, __ATOMIC_RELAXED))
    __atomic_fetch_add(&r->arrived_while_running, 1, __ATOMIC_RELAXED);
  once_do(&r->once, slow_initialiser, r);
  if (!__atomic_load_n(&r->finished, __ATOMIC_RELAXED))
    __atomic_fetch_add(&r->returned_early, 1, __ATOMIC_RELAXED);
  waitgroup_done(&r->wg);
}

TEST(once_runs_fn_exactly_once_and_every_caller_waits_for_it) {
  static struct once_race r = {.once = ONCE_INIT, .wg = WAITGROUP_INIT};
  waitgroup_add(&r.wg, ONCE_CALLERS);
  for (int i = 0; i < ONCE_CALLERS; i++)
    spawn_or_fail(call_once, &r, "once caller", TASK_ANY_CORE);
  waitgroup_wait(&r.wg);
  printf("    %u of %d callers called once_do while fn ran\n", r.arrived_while_running,
         ONCE_CALLERS);
  EXPECT_EQ(r.runs, 1);
  EXPECT_EQ(r.returned_early, 0);
  EXPECT(r.arrived_while_running > 1); /* the race really happened: the runner and one more */
  once_do(&r.once, slow_initialiser, &r); /* and later calls run nothing */
  EXPECT_EQ(r.runs, 1);
}

/* ---- cond ------------------------------------------------------------------ */

#define PRODUCERS 4u
#define CONSUMERS 4u
#define ITEMS_EACH 2000u
#define SLOTS 4u
#define ITEMS (PRODUCERS * ITEMS_EACH)

struct pipeline {
  struct mutex m;
  struct cond not_empty, not_full;
  uint32_t slot[SLOTS];
  uint32_t head, count;
  uint32_t taken;          /* items consumed so far */
  uint8_t *seen;           /* seen[item]: how often it was consumed */
  struct waitgroup wg;
};

static struct pipeline pipe_;

static void produce(void *arg) {
  uint32_t first = (uint32_t)(uintptr_t)arg * ITEMS_EACH;
  for (uint32_t i = 0; i < ITEMS_EACH; i++) {
    mutex_lock(&pipe_.m);
    while (pipe_.count == SLOTS)
      cond_wait(&pipe_.not_full, &pipe_.m);
    pipe_.slot[(pipe_.head + pipe_.count) % SLOTS] = first + i;
    pipe_.count++;
    cond_signal(&pipe_.not_empty);
    mutex_unlock(&pipe_.m);
  }
  waitgroup_done(&pipe_.wg);
}

static void consume(void *arg) {
  (void)arg;
  mutex_lock(&pipe_.m);
  for (;;) {
    while (pipe_.count == 0 && pipe_.taken < ITEMS)
      cond_wait(&pipe_.not_empty, &pipe_.m);
    if (pipe_.taken == ITEMS)
      break;
    uint32_t item = pipe_.slot[pipe_.head];
    pipe_.head = (pipe_.head + 1) % SLOTS;
    pipe_.count--;
    pipe_.taken++;
    pipe_.seen[item]++;
    cond_signal(&pipe_.not_full);
    if (pipe_.taken == ITEMS) /* release the other consumers */
      cond_broadcast(&pipe_.not_empty);
  }
  mutex_unlock(&pipe_.m);
  waitgroup_done(&pipe_.wg);
}

TEST(cond_signal_carries_every_item_from_producers_to_consumers_once) {
  pipe_ = (struct pipeline){.m = MUTEX_INIT, .not_empty = COND_INIT, .not_full = COND_INIT,
                            .seen = calloc(ITEMS, 1), .wg = WAITGROUP_INIT};
  ASSERT(pipe_.seen);
  waitgroup_add(&pipe_.wg, PRODUCERS + CONSUMERS);
  for (uintptr_t i = 0; i < CONSUMERS; i++)
    spawn_or_fail(consume, NULL, "consumer", TASK_ANY_CORE);
  for (uintptr_t i = 0; i < PRODUCERS; i++)
    spawn_or_fail(produce, (void *)i, "producer", TASK_ANY_CORE);
  waitgroup_wait(&pipe_.wg);
  EXPECT_EQ(pipe_.taken, ITEMS);
  unsigned missing = 0, repeated = 0;
  for (uint32_t i = 0; i < ITEMS; i++) {
    missing += pipe_.seen[i] == 0;
    repeated += pipe_.seen[i] > 1;
  }
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(repeated, 0);
  free(pipe_.seen);
}

#define COND_WAITERS 16

struct gate {
  struct mutex m;
  struct cond c;
  struct waitgroup wg;
  int waiting;      /* tasks inside cond_wait's loop */
  int open;
  int tokens;       /* for the signal test: one waiter may pass per token */
  int wakeups;      /* returns from cond_wait */
  int passed;
};

static struct gate gate;

static void wait_at_gate(void *arg) {
  (void)arg;
  mutex_lock(&gate.m);
  gate.waiting++;
  while (!gate.open && gate.tokens == 0) {
    cond_wait(&gate.c, &gate.m);
    gate.wakeups++;
  }
  if (!gate.open)
    gate.tokens--;
  gate.passed++;
  mutex_unlock(&gate.m);
  waitgroup_done(&gate.wg);
}

/* Spawn the waiters and return once all of them wait on the cond: each
 * counts itself under the mutex and queues on the cond before cond_wait
 * lets go of the mutex. */
static void gather_at_gate(void) {
  gate = (struct gate){.m = MUTEX_INIT, .c = COND_INIT, .wg = WAITGROUP_INIT};
  waitgroup_add(&gate.wg, COND_WAITERS);
  for (int i = 0; i < COND_WAITERS; i++)
    spawn_or_fail(wait_at_gate, NULL, "gate waiter", TASK_ANY_CORE);
  for (;;) {
    mutex_lock(&gate.m);
    int n = gate.waiting;
    mutex_unlock(&gate.m);
    if (n == COND_WAITERS)
      return;
    task_sleep_ns(MS);
  }
}

TEST(cond_broadcast_wakes_every_waiter) {
  gather_at_gate();
  mutex_lock(&gate.m);
  gate.open = 1;
  cond_broadcast(&gate.c);
  mutex_unlock(&gate.m);
  waitgroup_wait(&gate.wg);
  EXPECT_EQ(gate.passed, COND_WAITERS);
  EXPECT_EQ(gate.wakeups, COND_WAITERS); /* one broadcast, one wake-up each */
}

TEST(cond_signal_wakes_exactly_one_waiter) {
  gather_at_gate();
  mutex_lock(&gate.m);
  gate.tokens = 1;
  cond_signal(&gate.c);
  mutex_unlock(&gate.m);
  for (;;) { /* until the woken one is through */
    mutex_lock(&gate.m);
    int passed = gate.passed;
    mutex_unlock(&gate.m);
    if (passed)
      break;
    task_sleep_ns(MS);
  }
  task_sleep_ns(10 * MS); /* room for any wrongly woken second waiter to show */
  mutex_lock(&gate.m);
  EXPECT_EQ(gate.wakeups, 1);
  EXPECT_EQ(gate.passed, 1);
  gate.open = 1; /* let the rest go */
  cond_broadcast(&gate.c);
  mutex_unlock(&gate.m);
  waitgroup_wait(&gate.wg);
  EXPECT_EQ(gate.passed, COND_WAITERS);
}
