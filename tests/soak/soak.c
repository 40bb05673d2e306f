/* The soak test: every kind of scheduler traffic at once, for a bounded
 * amount of work, then an exact account of it.
 *
 *   -append "messages=N spawns=S"      (QEMU; the host: BRIGADE_ARGS=...)
 *
 * Running together until the work is done:
 *
 *   pipelines   PIPELINES chains producer -> relay -> consumer, each with
 *               one buffered and one unbuffered hop and PIPELINE_PRODUCERS
 *               producers sharing the first hop. Every message carries its
 *               producer, a sequence number and a checksum over both and
 *               its payload.
 *   fan-in      FANIN_SOURCES sources (buffered and unbuffered) into one
 *               collector that selects over all of them with a timeout; the
 *               sources pause now and then so the timeout fires.
 *   counter     MUTEX_WORKERS tasks add 1 to a plain counter under one
 *               mutex, yielding inside the critical section now and then.
 *   fork-join   binary trees of tasks joined by waitgroups, summing their
 *               leaves.
 *   storms      bursts of STORM_BURST tiny tasks spawned at once.
 *   sleepers    tasks sleeping random short times; none may wake early.
 *   uart        one task writing numbered, checksummed lines to the
 *               console ("uart <seq> <payload> <crc>"), which
 *               tests/soak/check-uart-lines.py checks on the wire.
 *
 * messages=N is shared out between pipelines (3/4) and fan-in (1/4),
 * counted end to end; the counter takes N/4 increments; spawns=S between
 * fork-join trees and storms (half each, rounded up to whole trees and
 * bursts). The work is bounded, never the time: a slow machine takes longer
 * and still passes.
 *
 * A reporter prints one progress line a second, so a hang shows where the
 * figures stopped, and dumps every task once if nothing moved for
 * STALL_REPORT_S seconds. At the end the image checks, per channel and per
 * producer, that each message arrived exactly once, in order and intact
 * (every receipt must carry the next sequence number of its producer and a
 * good checksum; then as many arrived as were sent), that the counter is
 * exact, that every spawned task ran, that no sleep or select timeout ended
 * early; and prints the figures: messages, spawns, per-core task counts,
 * time.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brigade/chan.h>
#include <brigade/console.h>
#include <brigade/cpu.h>
#include <brigade/machine.h>
#include <brigade/sched.h>
#include <brigade/sync.h>
#include <brigade/task.h>

#include "test.h"

#define PIPELINES 4u
#define PIPELINE_PRODUCERS 2u
#define PIPELINE_BUFFER 32u
#define FANIN_SOURCES 4u
#define FANIN_BUFFER 8u
#define FANIN_PAUSE_EVERY 256u /* messages between a source's pauses */
#define FANIN_PAUSE_NS (2u * 1000 * 1000)
#define SELECT_TIMEOUT_NS (500u * 1000)
#define MUTEX_WORKERS 8u
#define MUTEX_YIELD_EVERY 64u /* increments between yields while holding the mutex */
#define FORK_DEPTH 7u         /* a tree of 2^(FORK_DEPTH+1) - 1 tasks, 254 spawns */
#define STORMERS 2u
#define STORM_BURST 256u
#define SLEEPERS 4u
#define SLEEP_MIN_NS (50u * 1000)
#define SLEEP_MAX_NS (2u * 1000 * 1000)
#define UART_LINES_PER_MESSAGES 1000u /* one line per this many messages */
#define UART_LINES_MIN 50u
#define UART_PAYLOAD 40u
#define UART_PAUSE_NS (200u * 1000)
#define REPORT_EVERY_NS (1000ull * 1000 * 1000)
#define STALL_REPORT_S 30u

#define DEFAULT_MESSAGES 20000ull
#define DEFAULT_SPAWNS 5000ull
#define MIN_COUNT 100ull
/* Sequence numbers are 32 bits per producer: 10^10 messages give each
 * pipeline producer under 10^9. */
#define MAX_MESSAGES 10000000000ull
#define MAX_SPAWNS 1000000000000ull

/* Tasks that call snprintf and chan_select get the default stack; the
 * tasks of trees and storms only spawn and join. */
static const struct task_attr small_task = {.stack_size = 4096, .pin = TASK_ANY_CORE};

/* ---- output ------------------------------------------------------------------ */

/* Every line goes out as one console_write: one unit on the UART (no other
 * task's bytes inside it) and no C library stream shared between tasks. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
  char line[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  console_write(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* ---- arguments --------------------------------------------------------------- */

static const char *bootarg(const char *key) {
  const char *args = machine.bootargs;
  size_t n = strlen(key);
  for (const char *p = args; p && (p = strstr(p, key)); p += n)
    if ((p == args || p[-1] == ' ') && p[n] == '=')
      return p + n + 1;
  return NULL;
}

/* The count given as key=N, or fallback when absent; false with a message
 * naming the argument when it is not a number from MIN_COUNT to max. */
static bool count_arg(const char *key, uint64_t fallback, uint64_t max, uint64_t *out) {
  const char *v = bootarg(key);
  *out = fallback;
  if (!v)
    return true;
  char *end;
  unsigned long long n = strtoull(v, &end, 10);
  if (end == v || (*end && *end != ' ') || n < MIN_COUNT || n > max) {
    say("soak: %s=%.*s: expected a count from %llu to %llu\n", key, (int)strcspn(v, " "), v,
        MIN_COUNT, (unsigned long long)max);
    return false;
  }
  *out = n;
  return true;
}

/* ---- checksummed messages ---------------------------------------------------- */

struct message {
  uint32_t producer; /* globally unique */
  uint32_t seq;      /* 0, 1, 2, ... per producer */
  uint64_t payload[2];
  uint64_t check;
};

static uint64_t mix(uint64_t x) { /* splitmix64's finaliser */
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

static uint64_t message_check(const struct message *m) {
  return mix(((uint64_t)m->producer << 32 | m->seq) ^ mix(m->payload[0] ^ mix(m->payload[1])));
}

static struct message message_make(uint32_t producer, uint32_t seq) {
  struct message m = {.producer = producer, .seq = seq};
  m.payload[0] = mix((uint64_t)producer << 32 | seq);
  m.payload[1] = ~m.payload[0];
  m.check = message_check(&m);
  return m;
}

/* What a receiver saw from the producers it hears. A producer's messages
 * form one FIFO stream: each receipt must be the producer's next sequence
 * number. A receipt below it is a duplicate (or came late: reordered); one
 * above it skipped messages (lost, or overtaken: reordered). Only when every
 * receipt was the next one and as many arrived as were sent did each arrive
 * exactly once and in order. */
struct stream_check {
  uint64_t received, behind, ahead, corrupt;
};

static void stream_receive(struct stream_check *s, uint32_t *next, uint32_t first_producer,
                           unsigned producers, const struct message *m) {
  s->received++;
  if (m->check != message_check(m) || m->producer < first_producer ||
      m->producer >= first_producer + producers) {
    s->corrupt++;
    return;
  }
  uint32_t *want = &next[m->producer - first_producer];
  if (m->seq < *want) {
    s->behind++;
  } else {
    if (m->seq > *want)
      s->ahead++;
    *want = m->seq + 1;
  }
}

/* ---- shared progress, read by the reporter ----------------------------------- */

static struct {
  uint64_t messages;     /* delivered end to end */
  uint64_t spawns;       /* task_spawn calls that succeeded */
  uint64_t increments;   /* of the mutex counter */
  uint64_t sleeps;
  uint64_t select_timeouts;
  uint64_t uart_lines;
  uint32_t stop;         /* set when the bounded work is done */
} progress;

/* Relaxed: the reporter only shows these figures; the exact totals are
 * read after waitgroup_wait, which orders them. */
static void progress_add(uint64_t *counter, uint64_t n) {
  __atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static uint64_t progress_read(uint64_t *counter) {
  return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

static bool stopping(void) { return __atomic_load_n(&progress.stop, __ATOMIC_ACQUIRE); }

/* task_spawn calls that returned an error. Relaxed, as every other counter
 * added to from many tasks here (storm_tasks_ran, early_wakeups): nothing is
 * published through them, and the test reads them only after the waitgroup
 * the adders finish with, whose acq_rel count orders their adds first. */
static uint32_t spawns_failed;

/* Spawn and count it either way; false when the spawn failed. */
static bool spawn_counted(void (*fn)(void *), void *arg, const struct task_attr *attr) {
  if (task_spawn(NULL, fn, arg, attr) == 0) {
    progress_add(&progress.spawns, 1);
    return true;
  }
  __atomic_fetch_add(&spawns_failed, 1, __ATOMIC_RELAXED);
  return false;
}

/* Everything the bounded parts do is joined here; sleepers and the reporter
 * run until progress.stop and are joined by `endless`. */
static struct waitgroup bounded = WAITGROUP_INIT, endless = WAITGROUP_INIT;

/* ---- pipelines --------------------------------------------------------------- */

struct pipeline {
  struct chan *hop1, *hop2; /* producers -> relay, relay -> consumer */
  uint32_t per_producer;
  uint32_t first_producer;
  uint32_t producers_left; /* the last producer to finish closes hop1 */
  struct stream_check seen;
  uint32_t next[PIPELINE_PRODUCERS];
};

struct pipeline_producer {
  struct pipeline *p;
  uint32_t id;
};

static struct pipeline pipelines[PIPELINES];
static struct pipeline_producer pipeline_producers[PIPELINES][PIPELINE_PRODUCERS];

static void pipeline_produce(void *arg) {
  struct pipeline_producer *pp = arg;
  for (uint32_t seq = 0; seq < pp->p->per_producer; seq++) {
    struct message m = message_make(pp->id, seq);
    chan_send(pp->p->hop1, &m);
  }
  /* Acq_rel: the closer's close comes after every producer's last send. */
  if (__atomic_sub_fetch(&pp->p->producers_left, 1, __ATOMIC_ACQ_REL) == 0)
    chan_close(pp->p->hop1);
  waitgroup_done(&bounded);
}

static void pipeline_relay(void *arg) {
  struct pipeline *p = arg;
  struct message m;
  while (chan_recv(p->hop1, &m))
    chan_send(p->hop2, &m);
  chan_close(p->hop2);
  waitgroup_done(&bounded);
}

static void pipeline_consume(void *arg) {
  struct pipeline *p = arg;
  struct message m;
  while (chan_recv(p->hop2, &m)) {
    stream_receive(&p->seen, p->next, p->first_producer, PIPELINE_PRODUCERS, &m);
    progress_add(&progress.messages, 1);
  }
  waitgroup_done(&bounded);
}

/* ---- select fan-in with timeouts --------------------------------------------- */

struct fanin {
  struct chan *sources[FANIN_SOURCES];
  uint32_t per_source;
  uint32_t first_producer;
  struct stream_check seen;
  uint32_t next[FANIN_SOURCES];
  uint64_t timeouts, early_timeouts;
};

struct fanin_source {
  struct fanin *f;
  unsigned index;
};

static struct fanin fanin;
static struct fanin_source fanin_sources[FANIN_SOURCES];

static void fanin_produce(void *arg) {
  struct fanin_source *s = arg;
  struct chan *c = s->f->sources[s->index];
  for (uint32_t seq = 0; seq < s->f->per_source; seq++) {
    struct message m = message_make(s->f->first_producer + s->index, seq);
    chan_send(c, &m);
    /* Sources pause out of step with each other, so the collector now and
     * then finds all of them quiet and its timeout fires. */
    if ((seq + s->index * FANIN_PAUSE_EVERY / FANIN_SOURCES) % FANIN_PAUSE_EVERY == 0)
      task_sleep_ns(FANIN_PAUSE_NS);
  }
  chan_close(c);
  waitgroup_done(&bounded);
}

static void fanin_collect(void *arg) {
  struct fanin *f = arg;
  struct message in[FANIN_SOURCES];
  struct chan_case cases[FANIN_SOURCES];
  unsigned open = FANIN_SOURCES;
  for (unsigned i = 0; i < FANIN_SOURCES; i++)
    cases[i] = (struct chan_case){.chan = f->sources[i], .dir = CHAN_RECV, .elem = &in[i]};
  while (open) {
    uint64_t start = task_now_ns();
    int k = chan_select(cases, FANIN_SOURCES, false, SELECT_TIMEOUT_NS);
    if (k == CHAN_SELECT_TIMEOUT) {
      f->timeouts++;
      progress_add(&progress.select_timeouts, 1);
      if (task_now_ns() - start < SELECT_TIMEOUT_NS)
        f->early_timeouts++;
    } else if (k >= 0 && cases[k].ok) {
      stream_receive(&f->seen, f->next, f->first_producer, FANIN_SOURCES, &in[k]);
      progress_add(&progress.messages, 1);
    } else if (k >= 0) {
      cases[k].chan = NULL; /* closed: this case never fires again */
      open--;
    }
  }
  waitgroup_done(&bounded);
}

/* ---- a mutex-protected counter ----------------------------------------------- */

static struct mutex counter_lock = MUTEX_INIT;
static uint64_t counter; /* plain: only the mutex keeps increments from being lost */
static uint64_t increments_per_worker;

static void count_under_mutex(void *arg) {
  for (uint64_t i = 0; i < increments_per_worker; i++) {
    mutex_lock(&counter_lock);
    uint64_t v = counter;
    if (i % MUTEX_YIELD_EVERY == 0)
      task_yield(); /* others now queue on the mutex and must wait */
    counter = v + 1;
    mutex_unlock(&counter_lock);
    progress_add(&progress.increments, 1);
  }
  waitgroup_done(&bounded);
}

/* ---- waitgroup fork-joins ---------------------------------------------------- */

struct fork_node {
  unsigned depth;
  uint64_t index; /* leaves of a full tree are numbered 0 .. 2^FORK_DEPTH - 1 */
  uint64_t sum;   /* out: sum of (index + 1) over this node's leaves */
  struct waitgroup *parent;
};

static void fork_join(void *arg) {
  struct fork_node *n = arg;
  if (n->depth == 0) {
    n->sum = n->index + 1;
  } else {
    struct waitgroup children = WAITGROUP_INIT;
    struct fork_node kid[2];
    waitgroup_add(&children, 2);
    for (unsigned i = 0; i < 2; i++) {
      kid[i] = (struct fork_node){.depth = n->depth - 1, .index = n->index * 2 + i,
                                  .parent = &children};
      if (!spawn_counted(fork_join, &kid[i], &small_task))
        waitgroup_done(&children);
    }
    waitgroup_wait(&children);
    n->sum = kid[0].sum + kid[1].sum;
  }
  if (n->parent)
    waitgroup_done(n->parent);
}

static uint64_t fork_trees, fork_trees_wrong;

static void fork_join_rounds(void *arg) {
  (void)arg;
  const uint64_t leaves = 1ull << FORK_DEPTH;
  for (uint64_t t = 0; t < fork_trees; t++) {
    struct fork_node root = {.depth = FORK_DEPTH, .index = 0};
    fork_join(&root);
    if (root.sum != leaves * (leaves + 1) / 2)
      fork_trees_wrong++;
  }
  waitgroup_done(&bounded);
}

/* ---- spawn storms ------------------------------------------------------------ */

static uint64_t storm_bursts_per_stormer;
static uint64_t storm_tasks_ran;

static void storm_task(void *arg) {
  __atomic_fetch_add(&storm_tasks_ran, 1, __ATOMIC_RELAXED);
  waitgroup_done(arg);
}

static void storm(void *arg) {
  (void)arg;
  for (uint64_t b = 0; b < storm_bursts_per_stormer; b++) {
    struct waitgroup burst = WAITGROUP_INIT;
    waitgroup_add(&burst, STORM_BURST);
    for (unsigned i = 0; i < STORM_BURST; i++)
      if (!spawn_counted(storm_task, &burst, &small_task))
        waitgroup_done(&burst);
    waitgroup_wait(&burst);
  }
  waitgroup_done(&bounded);
}

/* ---- sleepers ---------------------------------------------------------------- */

static uint64_t early_wakeups;

static void sleeper(void *arg) {
  uint64_t rng = mix((uintptr_t)arg + 1);
  do {
    rng = mix(rng);
    uint64_t ns = SLEEP_MIN_NS + rng % (SLEEP_MAX_NS - SLEEP_MIN_NS);
    uint64_t start = task_now_ns();
    task_sleep_ns(ns);
    if (task_now_ns() - start < ns)
      __atomic_fetch_add(&early_wakeups, 1, __ATOMIC_RELAXED);
    progress_add(&progress.sleeps, 1);
  } while (!stopping());
  waitgroup_done(&endless);
}

/* ---- the UART writer --------------------------------------------------------- */

static uint64_t uart_lines;

/* Line seq: "uart <seq> <payload> <crc>\n", the payload UART_PAYLOAD letters
 * from seq, the crc the CRC-32 (IEEE) of "uart <seq> <payload>".
 * tests/soak/check-uart-lines.py recomputes both. */
static uint32_t crc32(const char *s, size_t n) {
  uint32_t crc = 0xffffffffu;
  for (size_t i = 0; i < n; i++) {
    crc ^= (uint8_t)s[i];
    for (int b = 0; b < 8; b++)
      crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
  }
  return ~crc;
}

static void uart_writer(void *arg) {
  (void)arg;
  for (uint64_t seq = 0; seq < uart_lines; seq++) {
    char line[UART_PAYLOAD + 64];
    int n = snprintf(line, sizeof line, "uart %llu ", (unsigned long long)seq);
    uint64_t r = mix(seq);
    for (unsigned i = 0; i < UART_PAYLOAD; i++, r = mix(r))
      line[n++] = (char)('a' + r % 26);
    n += snprintf(line + n, sizeof line - (size_t)n, " %08x\n", (unsigned)crc32(line, (size_t)n));
    console_write(line, (size_t)n);
    progress_add(&progress.uart_lines, 1);
    task_sleep_ns(UART_PAUSE_NS);
  }
  waitgroup_done(&bounded);
}

/* ---- the reporter ------------------------------------------------------------ */

static uint64_t started_ns;
static uint64_t target_messages, target_spawns; /* asked for */
static uint64_t want_messages, want_spawns;     /* asked for, rounded up to whole shares */

static void report(const char *what) {
  uint64_t s = (task_now_ns() - started_ns) / 1000000000u;
  say("soak: %s t=%llus messages %llu/%llu spawns %llu/%llu counter %llu sleeps %llu "
      "timeouts %llu uart %llu\n",
      what, (unsigned long long)s, (unsigned long long)progress_read(&progress.messages),
      (unsigned long long)want_messages, (unsigned long long)progress_read(&progress.spawns),
      (unsigned long long)want_spawns, (unsigned long long)progress_read(&progress.increments),
      (unsigned long long)progress_read(&progress.sleeps),
      (unsigned long long)progress_read(&progress.select_timeouts),
      (unsigned long long)progress_read(&progress.uart_lines));
}

static void reporter(void *arg) {
  (void)arg;
  uint64_t last = UINT64_MAX, still = 0;
  uint64_t next = task_now_ns() + REPORT_EVERY_NS;
  while (!stopping()) {
    task_sleep_until(next);
    next += REPORT_EVERY_NS;
    if (stopping())
      break;
    report("progress");
    /* Sleeps and timeouts go on in a hang too; the bounded work does not. */
    uint64_t now = progress_read(&progress.messages) + progress_read(&progress.spawns) +
                   progress_read(&progress.increments) + progress_read(&progress.uart_lines);
    still = now == last ? still + 1 : 0;
    last = now;
    if (still == STALL_REPORT_S) {
      say("soak: no progress for %u s; every task:\n", STALL_REPORT_S);
      sched_dump_tasks();
    }
  }
  waitgroup_done(&endless);
}

/* ---- the test ---------------------------------------------------------------- */

static struct chan *make_chan(size_t capacity, const char *name) {
  struct chan *c = chan_make(sizeof(struct message), capacity, name);
  if (!c)
    say("soak: out of memory for channel %s\n", name);
  return c;
}

static bool start(void (*fn)(void *), void *arg, const char *name, struct waitgroup *wg) {
  struct task_attr attr = {.name = name, .pin = TASK_ANY_CORE};
  waitgroup_add(wg, 1);
  if (task_spawn(NULL, fn, arg, &attr) != 0) {
    say("soak: cannot spawn %s\n", name);
    waitgroup_done(wg);
    return false;
  }
  return true;
}

static uint64_t div_up(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

TEST(soak_loses_duplicates_and_reorders_nothing_and_counts_exactly) {
  ASSERT(count_arg("messages", DEFAULT_MESSAGES, MAX_MESSAGES, &target_messages));
  ASSERT(count_arg("spawns", DEFAULT_SPAWNS, MAX_SPAWNS, &target_spawns));

  /* Share the work out; each part gets at least 1 of its unit. */
  uint64_t pipe_msgs = target_messages * 3 / 4;
  uint32_t per_producer = (uint32_t)div_up(pipe_msgs, PIPELINES * PIPELINE_PRODUCERS);
  uint32_t per_source = (uint32_t)div_up(target_messages - pipe_msgs, FANIN_SOURCES);
  increments_per_worker = div_up(target_messages / 4, MUTEX_WORKERS);
  const uint64_t tree_spawns = (2ull << FORK_DEPTH) - 2;
  fork_trees = div_up(target_spawns / 2, tree_spawns);
  storm_bursts_per_stormer = div_up(target_spawns - target_spawns / 2, STORMERS * STORM_BURST);
  uart_lines = target_messages / UART_LINES_PER_MESSAGES;
  if (uart_lines < UART_LINES_MIN)
    uart_lines = UART_LINES_MIN;
  want_messages = (uint64_t)per_producer * PIPELINES * PIPELINE_PRODUCERS +
                                 (uint64_t)per_source * FANIN_SOURCES;
  want_spawns = fork_trees * tree_spawns + storm_bursts_per_stormer * STORMERS * STORM_BURST;
  const uint64_t want_counter = increments_per_worker * MUTEX_WORKERS;

  say("soak: %u cores; %llu messages (%u pipelines x %u producers x %lu, %u fan-in sources x "
      "%lu), %llu spawns (%llu trees of %llu, %u stormers x %llu bursts of %u), counter to %llu, "
      "%u sleepers, %llu uart lines\n",
      cpu_count(), (unsigned long long)want_messages, PIPELINES, PIPELINE_PRODUCERS,
      (unsigned long)per_producer, FANIN_SOURCES, (unsigned long)per_source,
      (unsigned long long)want_spawns, (unsigned long long)fork_trees,
      (unsigned long long)tree_spawns, STORMERS, (unsigned long long)storm_bursts_per_stormer,
      STORM_BURST, (unsigned long long)want_counter, SLEEPERS, (unsigned long long)uart_lines);

  struct sched_stats before[cpu_count()];
  for (unsigned i = 0; i < cpu_count(); i++)
    sched_stats(i, &before[i]);
  started_ns = task_now_ns();

  static const char *hop1_names[PIPELINES] = {"pipe0 hop1", "pipe1 hop1", "pipe2 hop1",
                                              "pipe3 hop1"};
  static const char *hop2_names[PIPELINES] = {"pipe0 hop2", "pipe1 hop2", "pipe2 hop2",
                                              "pipe3 hop2"};
  uint32_t next_producer = 0;
  for (unsigned i = 0; i < PIPELINES; i++) {
    struct pipeline *p = &pipelines[i];
    /* Even pipelines: buffered then unbuffered; odd: the other way round. */
    p->hop1 = make_chan(i % 2 ? 0 : PIPELINE_BUFFER, hop1_names[i]);
    p->hop2 = make_chan(i % 2 ? PIPELINE_BUFFER : 0, hop2_names[i]);
    ASSERT(p->hop1 && p->hop2);
    p->per_producer = per_producer;
    p->first_producer = next_producer;
    p->producers_left = PIPELINE_PRODUCERS;
    next_producer += PIPELINE_PRODUCERS;
  }
  static const char *source_names[FANIN_SOURCES] = {"fanin0", "fanin1", "fanin2", "fanin3"};
  for (unsigned i = 0; i < FANIN_SOURCES; i++) {
    fanin.sources[i] = make_chan(i % 2 ? FANIN_BUFFER : 0, source_names[i]);
    ASSERT(fanin.sources[i]);
  }
  fanin.per_source = per_source;
  fanin.first_producer = next_producer;

  /* Receivers first, so senders find them; every start either runs or is
   * reported, and a failed start fails the test below through the counts. */
  bool all = true;
  for (unsigned i = 0; i < PIPELINES; i++) {
    all &= start(pipeline_consume, &pipelines[i], "pipe consumer", &bounded);
    all &= start(pipeline_relay, &pipelines[i], "pipe relay", &bounded);
  }
  all &= start(fanin_collect, &fanin, "fanin collector", &bounded);
  all &= start(reporter, NULL, "reporter", &endless);
  for (unsigned i = 0; i < SLEEPERS; i++)
    all &= start(sleeper, (void *)(uintptr_t)i, "sleeper", &endless);
  all &= start(uart_writer, NULL, "uart writer", &bounded);
  for (unsigned i = 0; i < MUTEX_WORKERS; i++)
    all &= start(count_under_mutex, NULL, "counter", &bounded);
  all &= start(fork_join_rounds, NULL, "fork-join", &bounded);
  for (unsigned i = 0; i < STORMERS; i++)
    all &= start(storm, NULL, "stormer", &bounded);
  for (unsigned i = 0; i < PIPELINES; i++)
    for (unsigned j = 0; j < PIPELINE_PRODUCERS; j++) {
      struct pipeline_producer *pp = &pipeline_producers[i][j];
      *pp = (struct pipeline_producer){.p = &pipelines[i], .id = pipelines[i].first_producer + j};
      all &= start(pipeline_produce, pp, "pipe producer", &bounded);
    }
  for (unsigned i = 0; i < FANIN_SOURCES; i++) {
    fanin_sources[i] = (struct fanin_source){.f = &fanin, .index = i};
    all &= start(fanin_produce, &fanin_sources[i], "fanin source", &bounded);
  }
  EXPECT(all);

  waitgroup_wait(&bounded);
  /* Release: pairs with stopping()'s acquire (nothing is published through
   * it but the decision to stop). */
  __atomic_store_n(&progress.stop, 1, __ATOMIC_RELEASE);
  waitgroup_wait(&endless);
  uint64_t elapsed_ns = task_now_ns() - started_ns;
  report("done");

  /* The waitgroups ordered every task's writes before these reads. */
  struct stream_check total = fanin.seen;
  for (unsigned i = 0; i < PIPELINES; i++) {
    total.received += pipelines[i].seen.received;
    total.behind += pipelines[i].seen.behind;
    total.ahead += pipelines[i].seen.ahead;
    total.corrupt += pipelines[i].seen.corrupt;
  }
  uint64_t lost = total.received < want_messages ? want_messages - total.received : 0;
  uint64_t extra = total.received > want_messages ? total.received - want_messages : 0;
  uint64_t spawns = progress_read(&progress.spawns);
  uint64_t ms = elapsed_ns / 1000000u;

  say("soak: messages sent %llu, received %llu, lost %llu, extra %llu; receipts behind "
      "(duplicated or late) %llu, ahead (after a gap) %llu, corrupt %llu\n",
      (unsigned long long)want_messages, (unsigned long long)total.received,
      (unsigned long long)lost, (unsigned long long)extra, (unsigned long long)total.behind,
      (unsigned long long)total.ahead, (unsigned long long)total.corrupt);
  say("soak: spawns %llu of %llu (failed %u), storm tasks ran %llu, fork-join trees %llu "
      "(wrong sums %llu)\n",
      (unsigned long long)spawns, (unsigned long long)want_spawns, (unsigned)spawns_failed,
      (unsigned long long)storm_tasks_ran, (unsigned long long)fork_trees,
      (unsigned long long)fork_trees_wrong);
  say("soak: counter %llu of %llu; sleeps %llu (early %llu); select timeouts %llu (early %llu); "
      "uart lines %llu\n",
      (unsigned long long)counter, (unsigned long long)want_counter,
      (unsigned long long)progress_read(&progress.sleeps), (unsigned long long)early_wakeups,
      (unsigned long long)fanin.timeouts, (unsigned long long)fanin.early_timeouts,
      (unsigned long long)progress_read(&progress.uart_lines));
  say("soak: core | tasks started | switches | steals | tasks stolen | preemptions\n");
  for (unsigned i = 0; i < cpu_count(); i++) {
    struct sched_stats s;
    sched_stats(i, &s);
    say("soak: %4u | %13llu | %8llu | %6llu | %12llu | %11llu\n", i,
        (unsigned long long)(s.tasks_started - before[i].tasks_started),
        (unsigned long long)(s.switches - before[i].switches),
        (unsigned long long)(s.steals - before[i].steals),
        (unsigned long long)(s.tasks_stolen - before[i].tasks_stolen),
        (unsigned long long)(s.preemptions - before[i].preemptions));
  }
  say("soak: %llu messages, %llu spawns on %u cores in %llu.%03llu s\n",
      (unsigned long long)total.received, (unsigned long long)spawns, cpu_count(),
      (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000));

  EXPECT_EQ(total.received, want_messages);
  EXPECT_EQ(total.behind, 0);
  EXPECT_EQ(total.ahead, 0);
  EXPECT_EQ(total.corrupt, 0);
  EXPECT_EQ(counter, want_counter);
  EXPECT_EQ(spawns, want_spawns);
  EXPECT_EQ(spawns_failed, 0);
  EXPECT_EQ(storm_tasks_ran, storm_bursts_per_stormer * STORMERS * STORM_BURST);
  EXPECT_EQ(fork_trees_wrong, 0);
  EXPECT_EQ(early_wakeups, 0);
  EXPECT_EQ(fanin.early_timeouts, 0);
  EXPECT_EQ(progress_read(&progress.uart_lines), uart_lines);
  for (unsigned i = 0; i < PIPELINES; i++) {
    chan_free(pipelines[i].hop1);
    chan_free(pipelines[i].hop2);
  }
  for (unsigned i = 0; i < FANIN_SOURCES; i++)
    chan_free(fanin.sources[i]);
}
