/* The host workloads in brigade's idiom: tasks, channels, waitgroups, run
 * on the host board (one pthread per core, BRIGADE_CORES of them). The same
 * workloads are in pthread_threads.c and go/main.go; scripts/bench.sh runs
 * all three side by side.
 *
 * Arguments come the way a bare-metal image gets them, as one string:
 * BRIGADE_ARGS="spawn 100000" (see measure.h for the workloads), with an
 * optional "stack=BYTES": fixed heap stacks of that size
 * (task_attr.heap_stack) instead of the default guarded, growable ones,
 * and an optional "idle_spin=N": how often an idle core looks for work
 * before it sleeps (sched_set_idle_spin_polls; 0: at once).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brigade/chan.h>
#include <brigade/cpu.h>
#include <brigade/machine.h>
#include <brigade/sched.h>
#include <brigade/sync.h>
#include <brigade/task.h>

#include "measure.h"

static struct task_attr task_attr = TASK_ATTR_INIT;

static void spawn_or_die(void (*fn)(void *), void *arg) {
  int err = task_spawn(NULL, fn, arg, &task_attr);
  if (err) {
    fprintf(stderr, "task_spawn failed (%d)\n", err);
    exit(1);
  }
}

/* ---- spawn + join ------------------------------------------------------- */

static void empty_task(void *wg) { waitgroup_done(wg); }

static void spawn_join(uint64_t n) {
  struct waitgroup wg = WAITGROUP_INIT;
  uint64_t t0 = bench_now_ns();
  waitgroup_add(&wg, (int64_t)n);
  for (uint64_t i = 0; i < n; i++)
    spawn_or_die(empty_task, &wg);
  waitgroup_wait(&wg);
  uint64_t ns = bench_now_ns() - t0;
  printf("result ns_per_task=%.2f tasks=%llu\n", (double)ns / (double)n, (unsigned long long)n);
}

/* ---- ping-pong ----------------------------------------------------------- */

struct pingpong {
  struct chan *ping, *pong;
  uint64_t rounds, ns;
  struct waitgroup done;
};

static void pinger(void *arg) {
  struct pingpong *p = arg;
  uint64_t v = 0, t0 = bench_now_ns();
  for (uint64_t i = 0; i < p->rounds; i++) {
    chan_send(p->ping, &v);
    chan_recv(p->pong, &v);
  }
  p->ns = bench_now_ns() - t0;
  chan_close(p->ping);
  waitgroup_done(&p->done);
}

static void ponger(void *arg) {
  struct pingpong *p = arg;
  uint64_t v;
  while (chan_recv(p->ping, &v)) {
    v++;
    chan_send(p->pong, &v);
  }
  waitgroup_done(&p->done);
}

static void ping_pong(uint64_t rounds) {
  struct pingpong p = {.ping = chan_make(sizeof(uint64_t), 0, "ping"),
                       .pong = chan_make(sizeof(uint64_t), 0, "pong"),
                       .rounds = rounds,
                       .done = WAITGROUP_INIT};
  if (!p.ping || !p.pong) {
    fprintf(stderr, "no memory for two channels\n");
    exit(1);
  }
  waitgroup_add(&p.done, 2);
  spawn_or_die(ponger, &p);
  spawn_or_die(pinger, &p);
  waitgroup_wait(&p.done);
  printf("result round_trips_per_s=%.0f rounds=%llu\n", (double)rounds * 1e9 / (double)p.ns,
         (unsigned long long)rounds);
  /* Where the round trips went: a pair that stays on one core needs no
   * wake-ups; one split across cores needs one per hand-off. */
  for (unsigned c = 0; c < cpu_count(); c++) {
    struct sched_stats s;
    sched_stats(c, &s);
    fprintf(stderr, "core %u: %llu switches, %llu steals, %llu wake-ups sent\n", c,
            (unsigned long long)s.switches, (unsigned long long)s.steals,
            (unsigned long long)s.wakeups_sent);
  }
}

/* ---- blocked tasks --------------------------------------------------------- */

/* Tasks that arrive, then block on the gate until it opens. */
struct parking_lot {
  struct waitgroup arrived, gate, left;
};

static void park_at_gate(void *arg) {
  struct parking_lot *lot = arg;
  waitgroup_done(&lot->arrived);
  waitgroup_wait(&lot->gate);
  waitgroup_done(&lot->left);
}

/* Spawn n more tasks and wait until every one of them has run and is
 * blocking (or about to: it has touched its stack). */
static void park_more(struct parking_lot *lot, uint64_t n) {
  lot->arrived = (struct waitgroup)WAITGROUP_INIT;
  waitgroup_add(&lot->arrived, (int64_t)n);
  waitgroup_add(&lot->left, (int64_t)n);
  for (uint64_t i = 0; i < n; i++)
    spawn_or_die(park_at_gate, lot);
  waitgroup_wait(&lot->arrived);
}

static void open_gate(struct parking_lot *lot) {
  waitgroup_done(&lot->gate);
  waitgroup_wait(&lot->left);
}

/* How many more tasks with guarded stacks (the default: two memory
 * mappings each on the host, README "Which task stack") this process can
 * hold blocked before Linux's vm.max_map_count refuses their mappings, less
 * a margin for the process's others; no bound for heap stacks. */
static uint64_t guarded_stacks_left(void) {
  if (task_attr.heap_stack)
    return UINT64_MAX;
  FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
  unsigned long long max = 0;
  if (!f || fscanf(f, "%llu", &max) != 1) {
    fprintf(stderr, "cannot read /proc/sys/vm/max_map_count\n");
    exit(1);
  }
  fclose(f);
  uint64_t maps = 0;
  f = fopen("/proc/self/maps", "r");
  for (int c; f && (c = fgetc(f)) != EOF;)
    maps += c == '\n';
  if (f)
    fclose(f);
  uint64_t margin = maps + 1024;
  return max > margin ? (max - margin) / 2 : 0;
}

static void blocked(uint64_t n) {
  uint64_t left = guarded_stacks_left();
  if (n > left) {
    fprintf(stderr, "%llu guarded stacks need %llu memory mappings; vm.max_map_count leaves room "
                    "for %llu\n", (unsigned long long)n, (unsigned long long)(2 * n),
            (unsigned long long)left);
    exit(1);
  }
  struct parking_lot lot = {.gate = WAITGROUP_INIT, .left = WAITGROUP_INIT};
  waitgroup_add(&lot.gate, 1);
  uint64_t before = bench_rss_bytes();
  park_more(&lot, n);
  uint64_t after = bench_rss_bytes();
  open_gate(&lot);
  printf("result bytes_per_task=%.1f tasks=%llu\n", (double)(after - before) / (double)n,
         (unsigned long long)n);
}

/* Blocked tasks in growing batches until the resident growth passes the
 * budget; the answer is the count before the batch that passed it. With
 * guarded stacks it stops before a batch vm.max_map_count would refuse. */
static void max_blocked(uint64_t budget_mib) {
  const uint64_t budget = budget_mib << 20, limit = 100000000u;
  struct parking_lot lot = {.gate = WAITGROUP_INIT, .left = WAITGROUP_INIT};
  waitgroup_add(&lot.gate, 1);
  uint64_t before = bench_rss_bytes(), n = 0, fitted = 0, mappable = guarded_stacks_left();
  const char *stopped_by = "count-limit";
  while (n < limit) {
    uint64_t batch = n / 32 > 1000 ? n / 32 : 1000;
    if (n + batch > mappable) {
      stopped_by = "max_map_count";
      break;
    }
    park_more(&lot, batch);
    n += batch;
    if (bench_rss_bytes() - before > budget) {
      stopped_by = "budget";
      break;
    }
    fitted = n;
  }
  open_gate(&lot);
  printf("result max_tasks=%llu stopped_by=%s\n", (unsigned long long)fitted, stopped_by);
}

/* ---- fork-join fib ------------------------------------------------------------ */

static unsigned fib_cutoff;

struct fib_call {
  unsigned n;
  uint64_t result;
  struct waitgroup done;
};

static uint64_t fib(unsigned n);

static void fib_task(void *arg) {
  struct fib_call *call = arg;
  call->result = fib(call->n);
  waitgroup_done(&call->done);
}

/* The child computes fib(n-1) as a task while this task does fib(n-2). */
static uint64_t fib(unsigned n) {
  if (n < fib_cutoff || n < 2)
    return bench_fib_sequential(n);
  struct fib_call child = {.n = n - 1, .done = WAITGROUP_INIT};
  waitgroup_add(&child.done, 1);
  spawn_or_die(fib_task, &child);
  uint64_t y = fib(n - 2);
  waitgroup_wait(&child.done);
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
  printf("result ms=%.3f fib=%llu cores=%u\n", (double)ns / 1e6, (unsigned long long)r,
         cpu_count());
}

/* ---- arguments ------------------------------------------------------------------- */

int main(void) {
  char args[256] = "";
  if (machine.bootargs)
    snprintf(args, sizeof args, "%s", machine.bootargs);
  char *argv[8];
  int argc = 0;
  for (char *tok = strtok(args, " "); tok && argc < 8; tok = strtok(NULL, " ")) {
    if (strncmp(tok, "stack=", 6) == 0) {
      /* A fixed heap stack of that size: the densest kind. */
      task_attr.stack_size = (size_t)bench_count_arg(tok + 6, "stack");
      task_attr.heap_stack = true;
    } else if (strncmp(tok, "idle_spin=", 10) == 0) {
      char *end;
      unsigned long polls = strtoul(tok + 10, &end, 10);
      if (end == tok + 10 || *end || polls > UINT32_MAX) {
        fprintf(stderr, "idle_spin: expected 0 to %u, got '%s'\n", UINT32_MAX, tok + 10);
        return 2;
      }
      sched_set_idle_spin_polls((uint32_t)polls);
    } else
      argv[argc++] = tok;
  }
  if (argc >= 2 && strcmp(argv[0], "spawn") == 0)
    spawn_join(bench_count_arg(argv[1], "N"));
  else if (argc >= 2 && strcmp(argv[0], "pingpong") == 0)
    ping_pong(bench_count_arg(argv[1], "N"));
  else if (argc >= 2 && strcmp(argv[0], "blocked") == 0)
    blocked(bench_count_arg(argv[1], "N"));
  else if (argc >= 2 && strcmp(argv[0], "maxn") == 0)
    max_blocked(bench_count_arg(argv[1], "budget"));
  else if (argc >= 3 && strcmp(argv[0], "fib") == 0)
    fork_join(bench_count_arg(argv[1], "N"), bench_count_arg(argv[2], "CUTOFF"));
  else {
    fprintf(stderr, BENCH_USAGE, "BRIGADE_ARGS=... brigade_tasks");
    return 2;
  }
  fflush(stdout);
  return 0;
}
