/* How fast a burst of work spreads from one core onto idle ones.
 *
 * Two measurements, on a board of two or more cores:
 *
 *   burst   ROUNDS times (after WARMUP rounds): every core but the
 *           spawner's is left idle long enough to be asleep, then a task
 *           pinned to core 0 spawns BURST_TASKS tasks of BURST_WORK rounds
 *           of xorshift each and spins without yielding, so only other
 *           cores can run them (until its slice ends and a preemption
 *           lets core 0 run what is left). Printed: the time from the
 *           first spawn to the first task starting on another core (the
 *           first steal by an idle core), and to the k-th distinct other
 *           core starting one, median / min / max over the rounds, in
 *           microseconds of the guest's clock; and how many rounds each
 *           other core joined in at all.
 *   fib     the shell's `fib N` (examples/shell/commands.c: a fork-join
 *           that runs fib(n) sequentially below 12) for N = 21 and 25,
 *           FIB_REPS times each after the cores have gone idle: per run,
 *           the tasks each core started.
 *
 * The times are the guest's wall clock under QEMU's multi-threaded TCG:
 * they include the host's latency in waking a sleeping vCPU's thread,
 * which no instruction count shows and which depends on the host's load.
 * Under -icount QEMU runs every hart in one thread, round-robin, and a
 * hart woken by an IPI runs only when the spawner's hart stops or uses up
 * its share of the time to the next timer event, so an instruction count
 * of the cross-core latency there would measure QEMU's round robin, not
 * the scheduler. The instructions the scheduler itself spends on the way
 * are counted on RISC-V by the instruction_marks plugin instead: a mark
 * before the first spawn and one in the first task that starts on another
 * core; every hart's count at both (bench/instruction_mark.h). The thief
 * was asleep in wfi at the first mark, so its count between the two is its
 * whole path from the wake-up to the task: trap, M-mode IPI, idle loop,
 * search and steal, first-run stack, switch.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brigade/cpu.h>
#include <brigade/machine.h>
#include <brigade/sched.h>
#include <brigade/sync.h>
#include <brigade/task.h>

#if defined(__riscv)
#include "instruction_mark.h"
#else
#define BENCH_MARK(id) ((void)(id))
#define MARK_SPREAD_BURST 7
#define MARK_SPREAD_FIRST_ELSEWHERE 8
#endif

#define MAX_CORES 16u
#define WARMUP 2
#define ROUNDS 21
#define BURST_TASKS 32u
#define BURST_WORK 20000u /* xorshift rounds per task: a few tens of microseconds */
/* Long enough for every other core to have gone to sleep in its idle loop. */
#define QUIET_NS (5ull * 1000 * 1000)
/* A round that has not reached every core by then is recorded as it is. */
#define ROUND_DEADLINE_NS (200ull * 1000 * 1000)
#define FIB_SEQUENTIAL_BELOW 12 /* as the shell's fib */
#define FIB_REPS 5

static bool failed;

static void fail(const char *why) {
  printf("spread_bench: %s\n", why);
  failed = true;
}

/* ---- burst ------------------------------------------------------------------ */

struct round {
  uint64_t start;                  /* just before the first spawn */
  uint64_t first_on[MAX_CORES];    /* when a task first started there; 0: none yet */
  uint32_t cores_joined;           /* distinct other cores that started one */
  uint64_t joined_at[MAX_CORES];   /* [k]: when the (k+1)-th distinct other core started one */
  uint32_t marked;                 /* the first-elsewhere mark was executed */
  struct waitgroup done;
};

static struct round cur;
static unsigned spawner_core;

static uint32_t xorshift_rounds(uint32_t x, unsigned rounds) {
  for (unsigned i = 0; i < rounds; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
  }
  return x;
}

static volatile uint32_t sink;

static void burst_task(void *arg) {
  (void)arg;
  unsigned core = task_core();
  uint64_t now = task_now_ns();
  uint64_t none = 0;
  /* Relaxed: the spawner reads these after the waitgroup (acquire), or
   * polls them as hints while it spins. */
  if (core < MAX_CORES &&
      __atomic_compare_exchange_n(&cur.first_on[core], &none, now, false, __ATOMIC_RELAXED,
                                  __ATOMIC_RELAXED) &&
      core != spawner_core) {
    uint32_t k = __atomic_fetch_add(&cur.cores_joined, 1, __ATOMIC_RELAXED);
    if (k < MAX_CORES)
      __atomic_store_n(&cur.joined_at[k], now, __ATOMIC_RELAXED);
    if (k == 0 && !__atomic_exchange_n(&cur.marked, 1, __ATOMIC_RELAXED))
      BENCH_MARK(MARK_SPREAD_FIRST_ELSEWHERE);
  }
  sink = xorshift_rounds(core + 1, BURST_WORK);
  waitgroup_done(&cur.done);
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static void print_row(const char *what, uint64_t *v, unsigned n, unsigned rounds) {
  if (n == 0) {
    printf("| %s | never within %llu ms | | | 0 of %u |\n", what,
           (unsigned long long)(ROUND_DEADLINE_NS / 1000000), rounds);
    return;
  }
  qsort(v, n, sizeof *v, cmp_u64);
  printf("| %s | %llu.%llu | %llu.%llu | %llu.%llu | %u of %u |\n", what,
         (unsigned long long)(v[n / 2] / 1000), (unsigned long long)(v[n / 2] % 1000 / 100),
         (unsigned long long)(v[0] / 1000), (unsigned long long)(v[0] % 1000 / 100),
         (unsigned long long)(v[n - 1] / 1000), (unsigned long long)(v[n - 1] % 1000 / 100), n,
         rounds);
}

static void burst(void) {
  unsigned ncores = cpu_count() < MAX_CORES ? cpu_count() : MAX_CORES;
  spawner_core = task_core();
  static uint64_t to_kth[MAX_CORES][ROUNDS];
  static unsigned n_kth[MAX_CORES];
  static unsigned rounds_on[MAX_CORES];
  uint64_t ipis_spawner = 0, ipis_others = 0;
  static const struct task_attr attr = {.stack_size = 8 * 1024, .name = "burst",
                                        .pin = TASK_ANY_CORE};
  for (int r = 0; r < WARMUP + ROUNDS; r++) {
    memset(&cur, 0, sizeof cur);
    cur.done = (struct waitgroup)WAITGROUP_INIT;
    waitgroup_add(&cur.done, BURST_TASKS);
    task_sleep_ns(QUIET_NS); /* every other core goes to sleep */
    uint64_t ipis_before[MAX_CORES];
    struct sched_stats st;
    for (unsigned c = 0; c < ncores; c++)
      ipis_before[c] = sched_stats(c, &st) ? st.wakeups_sent : 0;
    if (r >= WARMUP)
      BENCH_MARK(MARK_SPREAD_BURST);
    cur.start = task_now_ns();
    for (unsigned i = 0; i < BURST_TASKS; i++)
      if (task_spawn(NULL, burst_task, NULL, &attr) != 0) {
        fail("no memory for a burst task");
        waitgroup_add(&cur.done, -1);
      }
    /* Spin, not yield: the spawner's core is busy, as a fork-join parent
     * computing its own half is. Relaxed: a hint, re-read each time. */
    while (__atomic_load_n(&cur.cores_joined, __ATOMIC_RELAXED) < ncores - 1 &&
           task_now_ns() - cur.start < ROUND_DEADLINE_NS)
      ;
    waitgroup_wait(&cur.done);
    if (r < WARMUP)
      continue;
    for (unsigned c = 0; c < ncores; c++) {
      uint64_t sent = (sched_stats(c, &st) ? st.wakeups_sent : 0) - ipis_before[c];
      if (c == spawner_core)
        ipis_spawner += sent;
      else
        ipis_others += sent;
    }
    unsigned joined = cur.cores_joined < ncores - 1 ? cur.cores_joined : ncores - 1;
    for (unsigned k = 0; k < joined; k++)
      to_kth[k][n_kth[k]++] = cur.joined_at[k] - cur.start;
    for (unsigned c = 0; c < ncores; c++)
      rounds_on[c] += c != spawner_core && cur.first_on[c] != 0;
  }
  printf("### A burst of %u spawns on core %u, the other %u cores asleep\n\n", BURST_TASKS,
         spawner_core, ncores - 1);
  printf("Microseconds from the first spawn until a task starts on the k-th distinct other core\n"
         "(the spawner spins meanwhile). %d rounds after %d warm-up.\n\n",
         ROUNDS, WARMUP);
  printf("| k-th other core | median us | min | max | rounds it happened |\n|---|---|---|---|---|\n");
  for (unsigned k = 0; k + 1 < ncores; k++) {
    char what[32];
    snprintf(what, sizeof what, "%u%s", k + 1, k == 0 ? " (the first steal)" : "");
    print_row(what, to_kth[k], n_kth[k], ROUNDS);
  }
  printf("\nRounds in which each core ran a burst task:");
  for (unsigned c = 0; c < ncores; c++)
    if (c != spawner_core)
      printf(" %u:%u", c, rounds_on[c]);
  printf(" (of %d)\n\n", ROUNDS);
  /* Who woke whom: one wake-up from the spawner and the rest from the
   * thieves is a chain (each woken only after the one before found work);
   * all from the spawner is a fan-out. Counted until every burst task has
   * returned, so a core woken late by a thief counts too. */
  printf("Wake-ups (IPIs) per burst, mean: %llu.%02llu sent by the spawner's core, %llu.%02llu by "
         "the others.\n\n",
         (unsigned long long)(ipis_spawner / ROUNDS),
         (unsigned long long)(ipis_spawner * 100 / ROUNDS % 100),
         (unsigned long long)(ipis_others / ROUNDS),
         (unsigned long long)(ipis_others * 100 / ROUNDS % 100));
}

/* ---- fib ------------------------------------------------------------------------ */

struct fib_job {
  int n;
  uint64_t result;
  struct waitgroup *done;
};

static uint64_t fib_sequential(int n) {
  return n < 2 ? (uint64_t)n : fib_sequential(n - 1) + fib_sequential(n - 2);
}

static uint64_t fib_parallel(int n);

static void fib_task(void *arg) {
  struct fib_job *job = arg;
  job->result = fib_parallel(job->n);
  waitgroup_done(job->done);
}

static uint64_t fib_parallel(int n) {
  if (n < FIB_SEQUENTIAL_BELOW)
    return fib_sequential(n);
  struct waitgroup wg = WAITGROUP_INIT;
  struct fib_job left = {.n = n - 1, .done = &wg};
  waitgroup_add(&wg, 1);
  static const struct task_attr attr = {.stack_size = 8 * 1024, .name = "fib",
                                        .pin = TASK_ANY_CORE};
  if (task_spawn(NULL, fib_task, &left, &attr) != 0)
    fib_task(&left);
  uint64_t right = fib_parallel(n - 2);
  waitgroup_wait(&wg);
  return left.result + right;
}

static void fib_runs(int n, uint64_t expect) {
  unsigned ncores = cpu_count() < MAX_CORES ? cpu_count() : MAX_CORES;
  printf("| fib(%d) run | microseconds | tasks started per core |\n|---|---|---|\n", n);
  for (int rep = 1; rep <= FIB_REPS; rep++) {
    task_sleep_ns(QUIET_NS);
    uint64_t before[MAX_CORES];
    struct sched_stats st;
    for (unsigned c = 0; c < ncores; c++)
      before[c] = sched_stats(c, &st) ? st.tasks_started : 0;
    uint64_t t0 = task_now_ns();
    uint64_t got = fib_parallel(n);
    uint64_t t1 = task_now_ns();
    if (got != expect)
      fail("fib gave a wrong answer");
    printf("| %d | %llu |", rep, (unsigned long long)((t1 - t0) / 1000));
    for (unsigned c = 0; c < ncores; c++)
      printf(" %u:%llu", c,
             (unsigned long long)((sched_stats(c, &st) ? st.tasks_started : 0) - before[c]));
    printf(" |\n");
  }
  printf("\n");
}

static void run(void *wg) {
  if (cpu_count() < 2) {
    fail("needs two or more cores (-smp 4)");
  } else {
    burst();
    printf("### The shell's fib on %u cores, each run after %llu ms idle\n\n", cpu_count(),
           (unsigned long long)(QUIET_NS / 1000000));
    fib_runs(21, 10946);
    fib_runs(25, 75025);
  }
  waitgroup_done(wg);
}

int main(void) {
  struct waitgroup done = WAITGROUP_INIT;
  waitgroup_add(&done, 1);
  struct task_attr attr = {.name = "spread", .pin = 0};
  if (task_spawn(NULL, run, &done, &attr) != 0) {
    printf("spread_bench: no memory for the driver task\n0 passed, 1 failed\n");
    return 1;
  }
  waitgroup_wait(&done);
  printf(failed ? "0 passed, 1 failed\n" : "1 passed, 0 failed\n");
  return failed;
}
