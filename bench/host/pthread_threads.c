/* The host workloads in the raw-threads idiom: one OS thread per task
 * (pthread_create / pthread_join), a mutex and condition variable where
 * brigade and Go use a channel. Default thread attributes, as a program
 * would have them. The same workloads are in brigade_tasks.c and
 * go/main.go; scripts/bench.sh runs all three side by side.
 *
 * Usage: see measure.h. The cores are the ones the process may run on
 * (scripts/bench.sh uses taskset).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure.h"

/* pthread_create, or an explanation of why the system stopped here. */
static bool start_thread(pthread_t *t, void *(*fn)(void *), void *arg, uint64_t made) {
  int err = pthread_create(t, NULL, fn, arg);
  if (err) {
    fprintf(stderr, "pthread_create failed after %llu threads: %s\n", (unsigned long long)made,
            strerror(err));
    return false;
  }
  return true;
}

static pthread_t *thread_array(uint64_t n) {
  pthread_t *t = calloc(n, sizeof *t);
  if (!t) {
    fprintf(stderr, "no memory for %llu thread handles\n", (unsigned long long)n);
    exit(1);
  }
  return t;
}

/* ---- spawn + join ------------------------------------------------------- */

static void *empty_thread(void *arg) { return arg; }

static void spawn_join(uint64_t n) {
  pthread_t *t = thread_array(n);
  uint64_t t0 = bench_now_ns();
  for (uint64_t i = 0; i < n; i++)
    if (!start_thread(&t[i], empty_thread, NULL, i))
      exit(1);
  for (uint64_t i = 0; i < n; i++)
    pthread_join(t[i], NULL);
  uint64_t ns = bench_now_ns() - t0;
  printf("result ns_per_task=%.2f tasks=%llu\n", (double)ns / (double)n, (unsigned long long)n);
  free(t);
}

/* ---- ping-pong ----------------------------------------------------------- */

/* The nearest thing to an unbuffered channel: one slot, whose turn it is,
 * a condition variable per side. */
struct pingpong {
  pthread_mutex_t lock;
  pthread_cond_t to_ponger, to_pinger;
  int turn; /* 0: pinger's, 1: ponger's, 2: stop */
  uint64_t value, rounds;
};

static void *ponger(void *arg) {
  struct pingpong *p = arg;
  pthread_mutex_lock(&p->lock);
  for (;;) {
    while (p->turn == 0)
      pthread_cond_wait(&p->to_ponger, &p->lock);
    if (p->turn == 2)
      break;
    p->value++;
    p->turn = 0;
    pthread_cond_signal(&p->to_pinger);
  }
  pthread_mutex_unlock(&p->lock);
  return NULL;
}

static void ping_pong(uint64_t rounds) {
  struct pingpong p = {.lock = PTHREAD_MUTEX_INITIALIZER,
                       .to_ponger = PTHREAD_COND_INITIALIZER,
                       .to_pinger = PTHREAD_COND_INITIALIZER,
                       .rounds = rounds};
  pthread_t t;
  if (!start_thread(&t, ponger, &p, 0))
    exit(1);
  uint64_t t0 = bench_now_ns();
  pthread_mutex_lock(&p.lock);
  for (uint64_t i = 0; i < rounds; i++) {
    p.turn = 1;
    pthread_cond_signal(&p.to_ponger);
    while (p.turn == 1)
      pthread_cond_wait(&p.to_pinger, &p.lock);
  }
  uint64_t ns = bench_now_ns() - t0;
  p.turn = 2;
  pthread_cond_signal(&p.to_ponger);
  pthread_mutex_unlock(&p.lock);
  pthread_join(t, NULL);
  if (p.value != rounds) {
    fprintf(stderr, "ping-pong: %llu replies for %llu rounds\n", (unsigned long long)p.value,
            (unsigned long long)rounds);
    exit(1);
  }
  printf("result round_trips_per_s=%.0f rounds=%llu\n", (double)rounds * 1e9 / (double)ns,
         (unsigned long long)rounds);
}

/* ---- blocked threads --------------------------------------------------------- */

struct parking_lot {
  pthread_mutex_t lock;
  pthread_cond_t arrival, gate;
  uint64_t arrived;
  bool open;
};

static void *park_at_gate(void *arg) {
  struct parking_lot *lot = arg;
  pthread_mutex_lock(&lot->lock);
  lot->arrived++;
  pthread_cond_signal(&lot->arrival);
  while (!lot->open)
    pthread_cond_wait(&lot->gate, &lot->lock);
  pthread_mutex_unlock(&lot->lock);
  return NULL;
}

/* Start threads up to `target` in total and wait until all have arrived.
 * False when the system refused a thread (count in *made). */
static bool park_more(struct parking_lot *lot, pthread_t *t, uint64_t *made, uint64_t target) {
  bool ok = true;
  for (; *made < target; ++*made)
    if (!(ok = start_thread(&t[*made], park_at_gate, lot, *made)))
      break;
  pthread_mutex_lock(&lot->lock);
  while (lot->arrived < *made)
    pthread_cond_wait(&lot->arrival, &lot->lock);
  pthread_mutex_unlock(&lot->lock);
  return ok;
}

static void open_gate(struct parking_lot *lot, pthread_t *t, uint64_t made) {
  pthread_mutex_lock(&lot->lock);
  lot->open = true;
  pthread_cond_broadcast(&lot->gate);
  pthread_mutex_unlock(&lot->lock);
  for (uint64_t i = 0; i < made; i++)
    pthread_join(t[i], NULL);
}

#define PARKING_LOT_INIT                                                                     \
  {.lock = PTHREAD_MUTEX_INITIALIZER, .arrival = PTHREAD_COND_INITIALIZER,                  \
   .gate = PTHREAD_COND_INITIALIZER}

static void blocked(uint64_t n) {
  struct parking_lot lot = PARKING_LOT_INIT;
  pthread_t *t = thread_array(n);
  uint64_t made = 0, before = bench_rss_bytes();
  bool ok = park_more(&lot, t, &made, n);
  uint64_t after = bench_rss_bytes();
  open_gate(&lot, t, made);
  free(t);
  if (!ok)
    exit(1);
  printf("result bytes_per_task=%.1f tasks=%llu\n", (double)(after - before) / (double)n,
         (unsigned long long)n);
}

static void max_blocked(uint64_t budget_mib) {
  const uint64_t budget = budget_mib << 20, limit = 100000000u;
  struct parking_lot lot = PARKING_LOT_INIT;
  uint64_t cap = 1u << 20, made = 0, fitted = 0;
  pthread_t *t = thread_array(cap);
  uint64_t before = bench_rss_bytes();
  const char *stopped_by = "count-limit";
  while (made < limit) {
    uint64_t batch = made / 32 > 1000 ? made / 32 : 1000;
    if (made + batch > cap) {
      pthread_t *bigger = realloc(t, 2 * cap * sizeof *t);
      if (!bigger) {
        fprintf(stderr, "no memory for %llu thread handles\n", (unsigned long long)(2 * cap));
        exit(1);
      }
      t = bigger;
      cap *= 2;
    }
    bool ok = park_more(&lot, t, &made, made + batch);
    if (bench_rss_bytes() - before > budget) {
      stopped_by = "budget";
      break;
    }
    fitted = made;
    if (!ok) {
      stopped_by = "thread-limit";
      break;
    }
  }
  open_gate(&lot, t, made);
  free(t);
  printf("result max_tasks=%llu stopped_by=%s\n", (unsigned long long)fitted, stopped_by);
}

/* ---- fork-join fib ------------------------------------------------------------ */

static unsigned fib_cutoff;

struct fib_call {
  unsigned n;
  uint64_t result;
};

static uint64_t fib(unsigned n);

static void *fib_thread(void *arg) {
  struct fib_call *call = arg;
  call->result = fib(call->n);
  return NULL;
}

static uint64_t fib(unsigned n) {
  if (n < fib_cutoff || n < 2)
    return bench_fib_sequential(n);
  struct fib_call child = {.n = n - 1};
  pthread_t t;
  if (!start_thread(&t, fib_thread, &child, 0))
    exit(1);
  uint64_t y = fib(n - 2);
  pthread_join(t, NULL);
  return child.result + y;
}

static void fork_join(uint64_t n, uint64_t cutoff) {
  fib_cutoff = (unsigned)cutoff;
  uint64_t t0 = bench_now_ns();
  uint64_t r = fib((unsigned)n);
  uint64_t ns = bench_now_ns() - t0;
  if (r != bench_fib_sequential((unsigned)n)) {
    fprintf(stderr, "fib(%llu) came out as %llu\n", (unsigned long long)n, (unsigned long long)r);
    exit(1);
  }
  cpu_set_t set;
  int cores = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 0;
  printf("result ms=%.3f fib=%llu cores=%d\n", (double)ns / 1e6, (unsigned long long)r, cores);
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "spawn") == 0)
    spawn_join(bench_count_arg(argv[2], "N"));
  else if (argc >= 3 && strcmp(argv[1], "pingpong") == 0)
    ping_pong(bench_count_arg(argv[2], "N"));
  else if (argc >= 3 && strcmp(argv[1], "blocked") == 0)
    blocked(bench_count_arg(argv[2], "N"));
  else if (argc >= 3 && strcmp(argv[1], "maxn") == 0)
    max_blocked(bench_count_arg(argv[2], "budget"));
  else if (argc >= 4 && strcmp(argv[1], "fib") == 0)
    fork_join(bench_count_arg(argv[2], "N"), bench_count_arg(argv[3], "CUTOFF"));
  else {
    fprintf(stderr, BENCH_USAGE, argv[0]);
    return 2;
  }
  return 0;
}
