/* Channels and select: values move exactly once between many cores, close
 * wakes every receiver, select is fair, its timeout is never early and is
 * cancelled when a case wins, and the non-blocking forms never block. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <brigade/chan.h>
#include <brigade/cpu.h>
#include <brigade/sync.h>
#include <brigade/task.h>

/* Two observations the public API does not offer: how many tasks are blocked
 * on a channel, and how many timers are pending. */
#include "sched/chan_internal.h"

#include "test.h"

/* ThreadSanitizer makes every switch and atomic far slower (~20x here). */
#if defined(__SANITIZE_THREAD__)
#define MILLION 100000u
#else
#define MILLION 1000000u
#endif

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define SLOW_BUILD 1
#else
#define SLOW_BUILD 0
#endif

#define MS (1000ll * 1000)

static struct task_attr pinned_to(unsigned i, const char *name) {
  return (struct task_attr){.name = name, .pin = (int)(i % cpu_count())};
}

static unsigned blocked_on(struct chan *c, bool receivers) {
  unsigned n = 0;
  unsigned long irq = spin_lock_irqsave(&c->lock);
  for (struct chan_waiter *w = receivers ? c->recvq.head : c->sendq.head; w; w = w->next)
    n++;
  spin_unlock_irqrestore(&c->lock, irq);
  return n;
}

static void wait_until_blocked(struct chan *c, bool receivers, unsigned n) {
  while (blocked_on(c, receivers) < n)
    task_sleep_ns(100 * 1000);
}

static unsigned pending_timers(void) {
  unsigned n = 0;
  for (unsigned i = 0; i < cpu_count(); i++) {
    struct sched_cpu *s = sched_of(i);
    unsigned long irq = spin_lock_irqsave(&s->timer_lock);
    n += s->ntimers;
    spin_unlock_irqrestore(&s->timer_lock, irq);
  }
  return n;
}

/* ---- many producers, many consumers --------------------------------------- */

/* Producer i and consumer i are pinned to core i % cores: producers on
 * different cores, consumers on different cores, so most hand-offs cross
 * cores. Not a core per task: at -smp 8 every hand-off would then wake a
 * sleeping vCPU, which costs QEMU ~50 us of host time on a 2-core host
 * (28 s for the unbuffered million instead of 2 s) and measures QEMU. */
#define PRODUCERS 4u
#define CONSUMERS 4u

/* The multiset of values moved, summarised: count, sum, and sum of squares
 * (a lost value and a duplicated one cannot cancel out in both sums). */
struct tally {
  uint64_t count, sum, sum_squares;
};

struct pipeline {
  struct chan *c;
  uint32_t per_producer;
  struct waitgroup producers, consumers;
  struct tally received[CONSUMERS];
};

struct producer_arg {
  struct pipeline *p;
  uint32_t first;
};

static void produce(void *arg) {
  struct producer_arg *a = arg;
  for (uint32_t i = 0; i < a->p->per_producer; i++) {
    uint64_t v = a->first + i;
    chan_send(a->p->c, &v);
  }
  waitgroup_done(&a->p->producers);
}

struct consumer_arg {
  struct pipeline *p;
  struct tally *out;
};

static void consume(void *arg) {
  struct consumer_arg *a = arg;
  struct tally t = {0};
  uint64_t v;
  while (chan_recv(a->p->c, &v)) {
    t.count++;
    t.sum += v;
    t.sum_squares += v * v;
  }
  *a->out = t;
  waitgroup_done(&a->p->consumers);
}

static void expect_million_moved_through(size_t capacity) {
  static struct pipeline p;
  p = (struct pipeline){.per_producer = MILLION / PRODUCERS, .producers = WAITGROUP_INIT,
                        .consumers = WAITGROUP_INIT};
  p.c = chan_make(sizeof(uint64_t), capacity, "pipeline");
  ASSERT(p.c);
  struct producer_arg pa[PRODUCERS];
  struct consumer_arg ca[CONSUMERS];
  waitgroup_add(&p.producers, PRODUCERS);
  waitgroup_add(&p.consumers, CONSUMERS);
  uint64_t t0 = task_now_ns();
  for (unsigned i = 0; i < CONSUMERS; i++) {
    ca[i] = (struct consumer_arg){.p = &p, .out = &p.received[i]};
    struct task_attr attr = pinned_to(i, "consumer");
    ASSERT(task_spawn(NULL, consume, &ca[i], &attr) == 0);
  }
  for (unsigned i = 0; i < PRODUCERS; i++) {
    pa[i] = (struct producer_arg){.p = &p, .first = i * p.per_producer};
    struct task_attr attr = pinned_to(i, "producer");
    ASSERT(task_spawn(NULL, produce, &pa[i], &attr) == 0);
  }
  waitgroup_wait(&p.producers);
  chan_close(p.c);
  waitgroup_wait(&p.consumers);
  uint64_t ms = (task_now_ns() - t0) / MS;

  struct tally all = {0}, want = {0};
  for (unsigned i = 0; i < CONSUMERS; i++) {
    all.count += p.received[i].count;
    all.sum += p.received[i].sum;
    all.sum_squares += p.received[i].sum_squares;
  }
  for (uint64_t v = 0; v < (uint64_t)PRODUCERS * p.per_producer; v++) {
    want.count++;
    want.sum += v;
    want.sum_squares += v * v;
  }
  printf("    %u values, capacity %u, %u cores: %u ms\n", (unsigned)want.count,
         (unsigned)capacity, cpu_count(), (unsigned)ms);
  EXPECT_EQ(all.count, want.count);
  EXPECT(all.sum == want.sum);
  EXPECT(all.sum_squares == want.sum_squares);
  EXPECT_EQ(chan_len(p.c), 0);
  chan_free(p.c);
}

TEST(four_producers_and_four_consumers_move_every_value_once_through_a_buffered_channel) {
  expect_million_moved_through(128);
}

TEST(four_producers_and_four_consumers_move_every_value_once_through_an_unbuffered_channel) {
  expect_million_moved_through(0);
}

/* ---- order and rendezvous ------------------------------------------------- */

struct ordered {
  struct chan *c;
  uint32_t n;
};

static void send_in_order(void *arg) {
  struct ordered *o = arg;
  for (uint32_t i = 0; i < o->n; i++)
    chan_send(o->c, &i);
  chan_close(o->c);
}

TEST(one_receiver_gets_one_senders_values_in_the_order_sent) {
  static const size_t capacities[] = {0, 1, 3};
  for (size_t k = 0; k < sizeof capacities / sizeof capacities[0]; k++) {
    struct ordered o = {.c = chan_make(sizeof(uint32_t), capacities[k], "ordered"), .n = 20000};
    ASSERT(o.c);
    struct task_attr attr = pinned_to(1, "sender");
    ASSERT(task_spawn(NULL, send_in_order, &o, &attr) == 0);
    uint32_t v, expected = 0, out_of_order = 0;
    while (chan_recv(o.c, &v))
      out_of_order += v != expected++;
    EXPECT_EQ(expected, o.n);
    EXPECT_EQ(out_of_order, 0);
    chan_free(o.c);
  }
}

struct rendezvous {
  struct chan *c;
  int sent;
  struct waitgroup done;
};

static void send_one(void *arg) {
  struct rendezvous *r = arg;
  int v = 7;
  chan_send(r->c, &v);
  __atomic_store_n(&r->sent, 1, __ATOMIC_RELEASE);
  waitgroup_done(&r->done);
}

TEST(an_unbuffered_send_waits_for_a_receiver) {
  struct rendezvous r = {.c = chan_make(sizeof(int), 0, "rendezvous"), .done = WAITGROUP_INIT};
  ASSERT(r.c);
  waitgroup_add(&r.done, 1);
  struct task_attr attr = pinned_to(1, "sender");
  ASSERT(task_spawn(NULL, send_one, &r, &attr) == 0);
  wait_until_blocked(r.c, false, 1);
  task_sleep_ns(5 * MS);
  EXPECT_EQ(__atomic_load_n(&r.sent, __ATOMIC_ACQUIRE), 0);
  int v = 0;
  EXPECT(chan_recv(r.c, &v));
  EXPECT_EQ(v, 7);
  waitgroup_wait(&r.done);
  EXPECT_EQ(r.sent, 1);
  chan_free(r.c);
}

/* ---- element copies ----------------------------------------------------------- */

/* Values travel between buffers at every alignment: the 4- and 8-byte
 * elements have an inline copy for aligned ends, which must hand any other
 * alignment to memcpy, and a 12-byte element always goes there. Each value
 * is a distinct byte pattern, sent from a different offset of a buffer and
 * received at another, with guard bytes around it that must stay as they
 * were. Through a buffered channel (the value rests in the channel's slot)
 * and an unbuffered one (copied straight from the sender's buffer). */
#define COPY_VALUES 32
#define COPY_GUARD 0xa5

struct copy_sender {
  struct chan *c;
  size_t size;
  struct waitgroup done;
};

static unsigned char pattern_byte(unsigned value, size_t byte) {
  return (unsigned char)(value * 16 + byte + 1);
}

static void send_patterns(void *arg) {
  struct copy_sender *s = arg;
  unsigned char buf[32];
  for (unsigned v = 0; v < COPY_VALUES; v++) {
    unsigned char *at = buf + 8 + v % 8;
    for (size_t b = 0; b < s->size; b++)
      at[b] = pattern_byte(v, b);
    chan_send(s->c, at);
  }
  waitgroup_done(&s->done);
}

TEST(values_of_4_8_and_12_bytes_arrive_intact_at_any_alignment) {
  static const size_t sizes[] = {4, 8, 12};
  static const size_t caps[] = {0, 3};
  for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    for (unsigned k = 0; k < sizeof caps / sizeof caps[0]; k++) {
      struct copy_sender s = {.c = chan_make(sizes[i], caps[k], "copies"), .size = sizes[i],
                              .done = WAITGROUP_INIT};
      ASSERT(s.c);
      waitgroup_add(&s.done, 1);
      struct task_attr attr = pinned_to(cpu_count() - 1, "sender");
      ASSERT(task_spawn(NULL, send_patterns, &s, &attr) == 0);
      unsigned wrong = 0;
      for (unsigned v = 0; v < COPY_VALUES; v++) {
        unsigned char buf[32];
        memset(buf, COPY_GUARD, sizeof buf);
        unsigned char *at = buf + 8 + (v * 3) % 8;
        ASSERT(chan_recv(s.c, at));
        for (size_t b = 0; b < sizeof buf; b++) {
          bool inside = buf + b >= at && buf + b < at + sizes[i];
          unsigned char want = inside ? pattern_byte(v, (size_t)(buf + b - at)) : COPY_GUARD;
          if (buf[b] != want)
            wrong++;
        }
      }
      waitgroup_wait(&s.done);
      chan_free(s.c);
      printf("  %zu-byte values, capacity %zu: %u values, %u wrong bytes\n", sizes[i], caps[k],
             COPY_VALUES, wrong);
      EXPECT_EQ(wrong, 0);
    }
  }
}

/* ---- close ------------------------------------------------------------------ */

#define BLOCKED_RECEIVERS 8

struct closed_receiver {
  struct chan *c;
  int64_t value; /* poisoned before, must be zeroed by close */
  int result;    /* -1 until chan_recv returns */
  struct waitgroup *done;
};

static void receive_until_closed(void *arg) {
  struct closed_receiver *r = arg;
  r->result = chan_recv(r->c, &r->value);
  waitgroup_done(r->done);
}

TEST(close_wakes_every_blocked_receiver_with_false_and_a_zero_value) {
  struct chan *c = chan_make(sizeof(int64_t), 0, "closing");
  ASSERT(c);
  struct waitgroup done = WAITGROUP_INIT;
  struct closed_receiver r[BLOCKED_RECEIVERS];
  waitgroup_add(&done, BLOCKED_RECEIVERS);
  for (unsigned i = 0; i < BLOCKED_RECEIVERS; i++) {
    r[i] = (struct closed_receiver){.c = c, .value = -1, .result = -1, .done = &done};
    struct task_attr attr = pinned_to(i, "receiver");
    ASSERT(task_spawn(NULL, receive_until_closed, &r[i], &attr) == 0);
  }
  wait_until_blocked(c, true, BLOCKED_RECEIVERS);
  chan_close(c);
  waitgroup_wait(&done);
  for (unsigned i = 0; i < BLOCKED_RECEIVERS; i++) {
    EXPECT_EQ(r[i].result, 0);
    EXPECT_EQ(r[i].value, 0);
  }
  EXPECT_EQ(blocked_on(c, true), 0);
  chan_free(c);
}

TEST(receivers_drain_buffered_values_before_seeing_close) {
  struct chan *c = chan_make(sizeof(int), 4, "draining");
  ASSERT(c);
  for (int i = 1; i <= 3; i++)
    chan_send(c, &i);
  chan_close(c);
  int v;
  for (int i = 1; i <= 3; i++) {
    EXPECT(chan_recv(c, &v));
    EXPECT_EQ(v, i);
  }
  v = 99;
  EXPECT(!chan_recv(c, &v));
  EXPECT_EQ(v, 0);
  EXPECT(!chan_recv(c, NULL));
  chan_free(c);
}

/* ---- non-blocking forms, len and cap --------------------------------------- */

TEST(try_send_and_try_recv_report_instead_of_blocking) {
  struct chan *c = chan_make(sizeof(int), 2, "try");
  ASSERT(c);
  int v = 1;
  EXPECT(chan_try_send(c, &v));
  v = 2;
  EXPECT(chan_try_send(c, &v));
  v = 3;
  EXPECT(!chan_try_send(c, &v));
  EXPECT_EQ(chan_try_recv(c, &v), CHAN_TRY_RECEIVED);
  EXPECT_EQ(v, 1);
  EXPECT_EQ(chan_try_recv(c, &v), CHAN_TRY_RECEIVED);
  EXPECT_EQ(v, 2);
  EXPECT_EQ(chan_try_recv(c, &v), CHAN_TRY_WOULD_BLOCK);
  chan_close(c);
  v = 5;
  EXPECT_EQ(chan_try_recv(c, &v), CHAN_TRY_CLOSED);
  EXPECT_EQ(v, 0);
  chan_free(c);
}

struct one_receiver {
  struct chan *c;
  int value;
  struct waitgroup done;
};

static void receive_one(void *arg) {
  struct one_receiver *r = arg;
  chan_recv(r->c, &r->value);
  waitgroup_done(&r->done);
}

TEST(try_send_on_an_unbuffered_channel_succeeds_only_with_a_receiver_waiting) {
  struct one_receiver r = {.c = chan_make(sizeof(int), 0, "try unbuffered"),
                           .done = WAITGROUP_INIT};
  ASSERT(r.c);
  int v = 42;
  EXPECT(!chan_try_send(r.c, &v));
  waitgroup_add(&r.done, 1);
  struct task_attr attr = pinned_to(1, "receiver");
  ASSERT(task_spawn(NULL, receive_one, &r, &attr) == 0);
  wait_until_blocked(r.c, true, 1);
  EXPECT(chan_try_send(r.c, &v));
  waitgroup_wait(&r.done);
  EXPECT_EQ(r.value, 42);
  EXPECT_EQ(chan_try_recv(r.c, &v), CHAN_TRY_WOULD_BLOCK);
  chan_free(r.c);
}

TEST(len_counts_buffered_values_and_cap_is_the_buffer_size) {
  struct chan *c = chan_make(sizeof(short), 5, "len");
  ASSERT(c);
  EXPECT_EQ(chan_cap(c), 5);
  EXPECT_EQ(chan_len(c), 0);
  short v = 1;
  for (int i = 1; i <= 3; i++) {
    chan_send(c, &v);
    EXPECT_EQ(chan_len(c), i);
  }
  chan_recv(c, &v);
  EXPECT_EQ(chan_len(c), 2);
  EXPECT_EQ(chan_cap(c), 5);
  chan_free(c);
  struct chan *u = chan_make(sizeof(short), 0, "unbuffered len");
  ASSERT(u);
  EXPECT_EQ(chan_cap(u), 0);
  EXPECT_EQ(chan_len(u), 0);
  chan_free(u);
  EXPECT_EQ(chan_len(NULL), 0);
  EXPECT_EQ(chan_cap(NULL), 0);
}

TEST(chan_make_returns_null_when_the_buffer_size_overflows) {
  EXPECT(chan_make(SIZE_MAX / 2, 3, "too big") == NULL);
  EXPECT(chan_make(8, SIZE_MAX / 4, "too big") == NULL);
}

TEST(zero_size_values_carry_only_the_event) {
  struct chan *c = chan_make(0, 2, "events");
  ASSERT(c);
  chan_send(c, NULL);
  EXPECT(chan_try_send(c, NULL));
  EXPECT(!chan_try_send(c, NULL));
  EXPECT_EQ(chan_len(c), 2);
  EXPECT(chan_recv(c, NULL));
  EXPECT_EQ(chan_try_recv(c, NULL), CHAN_TRY_RECEIVED);
  EXPECT_EQ(chan_try_recv(c, NULL), CHAN_TRY_WOULD_BLOCK);
  chan_free(c);
}

/* ---- select ------------------------------------------------------------------ */

TEST(select_takes_default_when_no_case_is_ready) {
  struct chan *a = chan_make(sizeof(int), 0, "a"), *b = chan_make(sizeof(int), 1, "b");
  ASSERT(a && b);
  int x = 1, y = 0;
  int full = 9;
  chan_send(b, &full); /* b's buffer is full: a send case on it is not ready */
  struct chan_case cases[] = {
      {.chan = a, .dir = CHAN_RECV, .elem = &y},
      {.chan = a, .dir = CHAN_SEND, .elem = &x},
      {.chan = b, .dir = CHAN_SEND, .elem = &x},
      {.chan = NULL, .dir = CHAN_RECV, .elem = &y},
  };
  EXPECT_EQ(chan_select(cases, 4, true, CHAN_NO_TIMEOUT), CHAN_SELECT_DEFAULT);
  EXPECT_EQ(chan_select(NULL, 0, true, CHAN_NO_TIMEOUT), CHAN_SELECT_DEFAULT);
  EXPECT_EQ(chan_len(b), 1);
  chan_free(a);
  chan_free(b);
}

TEST(select_with_a_zero_timeout_polls_once) {
  struct chan *a = chan_make(sizeof(int), 1, "a");
  ASSERT(a);
  int v = 0;
  struct chan_case rc = {.chan = a, .dir = CHAN_RECV, .elem = &v};
  EXPECT_EQ(chan_select(&rc, 1, false, 0), CHAN_SELECT_TIMEOUT);
  int three = 3;
  chan_send(a, &three);
  EXPECT_EQ(chan_select(&rc, 1, false, 0), 0);
  EXPECT(rc.ok);
  EXPECT_EQ(v, 3);
  chan_free(a);
}

TEST(select_timeout_never_fires_before_its_deadline) {
  struct chan *c = chan_make(sizeof(int), 0, "silent");
  ASSERT(c);
  static const int64_t timeouts[] = {1, 1000, 50 * 1000, 300 * 1000, 1 * MS, 3 * MS, 10 * MS,
                                     25 * MS};
  /* Lateness is the host's business under QEMU (vCPUs share host cores);
   * the bound only catches a timer that never fires or fires a tick late
   * on every run. Earliness is the property, and is checked exactly. */
  const uint64_t late_bound = (SLOW_BUILD ? 1000 : 250) * MS;
  unsigned early = 0, too_late = 0;
  uint64_t worst_late = 0;
  int v;
  struct chan_case rc = {.chan = c, .dir = CHAN_RECV, .elem = &v};
  for (int round = 0; round < 3; round++) {
    for (size_t i = 0; i < sizeof timeouts / sizeof timeouts[0]; i++) {
      uint64_t t0 = task_now_ns();
      int got = chan_select(&rc, 1, false, timeouts[i]);
      uint64_t elapsed = task_now_ns() - t0;
      EXPECT_EQ(got, CHAN_SELECT_TIMEOUT);
      early += elapsed < (uint64_t)timeouts[i];
      uint64_t late = elapsed - (uint64_t)timeouts[i];
      too_late += elapsed >= (uint64_t)timeouts[i] && late > late_bound;
      if (elapsed >= (uint64_t)timeouts[i] && late > worst_late)
        worst_late = late;
    }
  }
  printf("    worst lateness %u us\n", (unsigned)(worst_late / 1000));
  EXPECT_EQ(early, 0);
  EXPECT_EQ(too_late, 0);
  EXPECT_EQ(blocked_on(c, true), 0);
  chan_free(c);
}

TEST(select_with_only_a_timeout_sleeps_that_long) {
  uint64_t t0 = task_now_ns();
  EXPECT_EQ(chan_select(NULL, 0, false, 5 * MS), CHAN_SELECT_TIMEOUT);
  EXPECT(task_now_ns() - t0 >= 5 * MS);
}

struct delayed_sender {
  struct chan *c;
  int64_t delay_ns;
  struct waitgroup done;
};

static void send_after_delay(void *arg) {
  struct delayed_sender *d = arg;
  task_sleep_ns((uint64_t)d->delay_ns);
  int v = 11;
  chan_send(d->c, &v);
  waitgroup_done(&d->done);
}

TEST(select_timeout_is_cancelled_when_a_case_wins) {
  struct delayed_sender d = {.c = chan_make(sizeof(int), 0, "wins"), .delay_ns = 2 * MS,
                             .done = WAITGROUP_INIT};
  ASSERT(d.c);
  unsigned timers_before = pending_timers();
  waitgroup_add(&d.done, 1);
  struct task_attr attr = pinned_to(1, "sender");
  ASSERT(task_spawn(NULL, send_after_delay, &d, &attr) == 0);
  int v = 0;
  struct chan_case rc = {.chan = d.c, .dir = CHAN_RECV, .elem = &v};
  EXPECT_EQ(chan_select(&rc, 1, false, 10000 * MS), 0);
  EXPECT(rc.ok);
  EXPECT_EQ(v, 11);
  waitgroup_wait(&d.done);
  EXPECT_EQ(pending_timers(), timers_before);
  chan_free(d.c);
}

TEST(select_chooses_fairly_between_two_ready_channels) {
  struct chan *c[2] = {chan_make(sizeof(int), 1, "left"), chan_make(sizeof(int), 1, "right")};
  ASSERT(c[0] && c[1]);
  int v = 0;
  for (int i = 0; i < 2; i++)
    chan_send(c[i], &i);
  struct chan_case cases[2] = {{.chan = c[0], .dir = CHAN_RECV, .elem = &v},
                               {.chan = c[1], .dir = CHAN_RECV, .elem = &v}};
  unsigned chosen[2] = {0, 0};
  const unsigned rounds = 10000;
  for (unsigned r = 0; r < rounds; r++) {
    int k = chan_select(cases, 2, false, CHAN_NO_TIMEOUT);
    ASSERT(k == 0 || k == 1);
    EXPECT_EQ(v, k);
    chosen[k]++;
    ASSERT(chan_try_send(c[k], &k)); /* ready again */
  }
  printf("    left %u, right %u\n", chosen[0], chosen[1]);
  EXPECT(chosen[0] > rounds * 3 / 10);
  EXPECT(chosen[1] > rounds * 3 / 10);
  chan_free(c[0]);
  chan_free(c[1]);
}

TEST(select_fires_a_receive_case_on_a_closed_channel_with_ok_false) {
  struct chan *open = chan_make(sizeof(int), 0, "open"), *closed = chan_make(sizeof(int), 0, "c");
  ASSERT(open && closed);
  chan_close(closed);
  int v = 5;
  struct chan_case cases[] = {{.chan = open, .dir = CHAN_RECV, .elem = &v},
                              {.chan = closed, .dir = CHAN_RECV, .elem = &v, .ok = true}};
  EXPECT_EQ(chan_select(cases, 2, false, CHAN_NO_TIMEOUT), 1);
  EXPECT(!cases[1].ok);
  EXPECT_EQ(v, 0);
  chan_free(open);
  chan_free(closed);
}

struct closer {
  struct chan *c;
  struct waitgroup done;
};

static void close_when_blocked_on(void *arg) {
  struct closer *cl = arg;
  wait_until_blocked(cl->c, true, 1);
  chan_close(cl->c);
  waitgroup_done(&cl->done);
}

TEST(close_wakes_a_select_blocked_on_a_receive_case) {
  struct chan *idle = chan_make(sizeof(int), 0, "idle");
  struct closer cl = {.c = chan_make(sizeof(int), 0, "closing"), .done = WAITGROUP_INIT};
  ASSERT(idle && cl.c);
  waitgroup_add(&cl.done, 1);
  struct task_attr attr = pinned_to(1, "closer");
  ASSERT(task_spawn(NULL, close_when_blocked_on, &cl, &attr) == 0);
  int v = 5, w = 5;
  struct chan_case cases[] = {{.chan = idle, .dir = CHAN_RECV, .elem = &w},
                              {.chan = cl.c, .dir = CHAN_RECV, .elem = &v, .ok = true}};
  EXPECT_EQ(chan_select(cases, 2, false, CHAN_NO_TIMEOUT), 1);
  EXPECT(!cases[1].ok);
  EXPECT_EQ(v, 0);
  EXPECT_EQ(w, 5);
  waitgroup_wait(&cl.done);
  EXPECT_EQ(blocked_on(idle, true), 0);
  chan_free(idle);
  chan_free(cl.c);
}

/* The partner sends on `in`, then receives on `out`, in turn; the selecting
 * task offers both every time, so the cases must alternate. */
struct alternating {
  struct chan *in, *out;
  uint32_t n, received_wrong;
  struct waitgroup done;
};

static void send_then_receive(void *arg) {
  struct alternating *a = arg;
  for (uint32_t i = 0; i < a->n; i++) {
    chan_send(a->in, &i);
    uint32_t back;
    chan_recv(a->out, &back);
    a->received_wrong += back != i * 2;
  }
  waitgroup_done(&a->done);
}

TEST(select_mixes_send_and_receive_cases) {
  struct alternating a = {.in = chan_make(sizeof(uint32_t), 0, "in"),
                          .out = chan_make(sizeof(uint32_t), 0, "out"), .n = 5000,
                          .done = WAITGROUP_INIT};
  ASSERT(a.in && a.out);
  waitgroup_add(&a.done, 1);
  struct task_attr attr = pinned_to(1, "partner");
  ASSERT(task_spawn(NULL, send_then_receive, &a, &attr) == 0);
  uint32_t got = 0, reply = 0, expected = 0, wrong = 0;
  struct chan_case cases[] = {{.chan = a.in, .dir = CHAN_RECV, .elem = &got},
                              {.chan = a.out, .dir = CHAN_SEND, .elem = &reply}};
  for (uint32_t i = 0; i < 2 * a.n; i++) {
    int k = chan_select(cases, 2, false, CHAN_NO_TIMEOUT);
    if (i % 2 == 0) {
      wrong += k != 0 || got != expected;
      reply = got * 2;
    } else {
      wrong += k != 1;
      expected++;
    }
  }
  waitgroup_wait(&a.done);
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(a.received_wrong, 0);
  chan_free(a.in);
  chan_free(a.out);
}

/* Two tasks each select between sending on one channel and receiving on the
 * other, crosswise: whichever channel they meet on, exactly one value moves
 * per round and both sides agree which. */
#define MEETINGS 5000u

struct meeting {
  struct chan *ab, *ba;
  uint8_t how[2][MEETINGS]; /* per side, per round: the case that fired */
  uint32_t bad_value;
  struct waitgroup done;
};

struct side {
  struct meeting *m;
  int index;
};

static void meet(void *arg) {
  struct side *s = arg;
  struct meeting *m = s->m;
  for (uint32_t r = 0; r < MEETINGS; r++) {
    uint32_t mine = r * 2 + (uint32_t)s->index, theirs = UINT32_MAX;
    struct chan_case cases[2] = {
        {.chan = s->index ? m->ba : m->ab, .dir = CHAN_SEND, .elem = &mine},
        {.chan = s->index ? m->ab : m->ba, .dir = CHAN_RECV, .elem = &theirs}};
    int k = chan_select(cases, 2, false, CHAN_NO_TIMEOUT);
    m->how[s->index][r] = (uint8_t)k;
    if (k == 1 && theirs != r * 2 + (uint32_t)!s->index)
      __atomic_fetch_add(&m->bad_value, 1, __ATOMIC_RELAXED);
  }
  waitgroup_done(&m->done);
}

TEST(two_selects_meet_on_either_channel_and_agree_which) {
  static struct meeting m;
  m = (struct meeting){.ab = chan_make(sizeof(uint32_t), 0, "ab"),
                       .ba = chan_make(sizeof(uint32_t), 0, "ba"), .done = WAITGROUP_INIT};
  ASSERT(m.ab && m.ba);
  struct side sides[2] = {{&m, 0}, {&m, 1}};
  waitgroup_add(&m.done, 2);
  for (int i = 0; i < 2; i++) {
    struct task_attr attr = pinned_to((unsigned)i, "meeting");
    ASSERT(task_spawn(NULL, meet, &sides[i], &attr) == 0);
  }
  waitgroup_wait(&m.done);
  unsigned disagree = 0, on_ab = 0;
  for (uint32_t r = 0; r < MEETINGS; r++) {
    /* One side sent (case 0) and the other received (case 1). */
    disagree += m.how[0][r] + m.how[1][r] != 1;
    on_ab += m.how[0][r] == 0;
  }
  printf("    %u of %u meetings on ab\n", on_ab, MEETINGS);
  EXPECT_EQ(disagree, 0);
  EXPECT_EQ(m.bad_value, 0);
  chan_free(m.ab);
  chan_free(m.ba);
}

/* Senders and receivers that both give up after a few microseconds and try
 * again: timeouts race with hand-offs on every core, and still every value
 * arrives exactly once. */
#if defined(__SANITIZE_THREAD__)
#define RACE_VALUES 4000u
#else
#define RACE_VALUES 20000u
#endif
#define RACERS 4u

struct race {
  struct chan *c[2];
  struct waitgroup senders, receivers;
  struct tally got[RACERS];
  uint64_t timeouts;
};

struct racer {
  struct race *race;
  unsigned index;
};

static int64_t racer_timeout(uint32_t *seed) {
  *seed = *seed * 1103515245u + 12345u;
  return 1000 + (int64_t)((*seed >> 8) % 30000); /* 1 to 31 us */
}

static void send_racing_timeouts(void *arg) {
  struct racer *r = arg;
  uint32_t seed = r->index * 7919u + 1;
  uint64_t timeouts = 0;
  for (uint32_t i = r->index; i < RACE_VALUES; i += RACERS) {
    uint64_t v = i;
    struct chan_case cases[2] = {{.chan = r->race->c[0], .dir = CHAN_SEND, .elem = &v},
                                 {.chan = r->race->c[1], .dir = CHAN_SEND, .elem = &v}};
    while (chan_select(cases, 2, false, racer_timeout(&seed)) == CHAN_SELECT_TIMEOUT)
      timeouts++;
  }
  __atomic_fetch_add(&r->race->timeouts, timeouts, __ATOMIC_RELAXED);
  waitgroup_done(&r->race->senders);
}

static void receive_racing_timeouts(void *arg) {
  struct racer *r = arg;
  uint32_t seed = r->index * 104729u + 3;
  uint64_t timeouts = 0;
  struct tally t = {0};
  uint64_t v;
  struct chan_case cases[2] = {{.chan = r->race->c[0], .dir = CHAN_RECV, .elem = &v},
                               {.chan = r->race->c[1], .dir = CHAN_RECV, .elem = &v}};
  /* Start late, so the senders' first selects time out even on one core. */
  task_sleep_ns(1 * MS);
  unsigned open = 2;
  while (open > 0) {
    int k = chan_select(cases, 2, false, racer_timeout(&seed));
    if (k == CHAN_SELECT_TIMEOUT) {
      timeouts++;
      continue;
    }
    if (!cases[k].ok) {
      /* Closed and drained. The other may still hold buffered values:
       * switch this case off (a NULL channel never fires) and go on. */
      cases[k].chan = NULL;
      open--;
      continue;
    }
    t.count++;
    t.sum += v;
    t.sum_squares += v * v;
  }
  r->race->got[r->index] = t;
  __atomic_fetch_add(&r->race->timeouts, timeouts, __ATOMIC_RELAXED);
  waitgroup_done(&r->race->receivers);
}

TEST(select_timeouts_racing_hand_offs_lose_and_duplicate_nothing) {
  static struct race race;
  race = (struct race){.c = {chan_make(sizeof(uint64_t), 0, "race0"),
                             chan_make(sizeof(uint64_t), 2, "race1")},
                       .senders = WAITGROUP_INIT, .receivers = WAITGROUP_INIT};
  ASSERT(race.c[0] && race.c[1]);
  struct racer senders[RACERS], receivers[RACERS];
  unsigned timers_before = pending_timers();
  waitgroup_add(&race.senders, RACERS);
  waitgroup_add(&race.receivers, RACERS);
  for (unsigned i = 0; i < RACERS; i++) {
    senders[i] = (struct racer){&race, i};
    receivers[i] = (struct racer){&race, i};
    struct task_attr s = pinned_to(i, "race sender"), r = pinned_to(RACERS + i, "race receiver");
    ASSERT(task_spawn(NULL, send_racing_timeouts, &senders[i], &s) == 0);
    ASSERT(task_spawn(NULL, receive_racing_timeouts, &receivers[i], &r) == 0);
  }
  waitgroup_wait(&race.senders);
  chan_close(race.c[0]);
  chan_close(race.c[1]);
  waitgroup_wait(&race.receivers);
  struct tally all = {0}, want = {0};
  for (unsigned i = 0; i < RACERS; i++) {
    all.count += race.got[i].count;
    all.sum += race.got[i].sum;
    all.sum_squares += race.got[i].sum_squares;
  }
  for (uint64_t v = 0; v < RACE_VALUES; v++) {
    want.count++;
    want.sum += v;
    want.sum_squares += v * v;
  }
  printf("    %u values, %u timeouts\n", RACE_VALUES, (unsigned)race.timeouts);
  EXPECT_EQ(all.count, want.count);
  EXPECT(all.sum == want.sum);
  EXPECT(all.sum_squares == want.sum_squares);
  EXPECT(race.timeouts > 0);
  EXPECT_EQ(pending_timers(), timers_before);
  chan_free(race.c[0]);
  chan_free(race.c[1]);
}
