/* What the host benchmark programs (brigade_tasks.c, pthread_threads.c)
 * measure with, shared so that both measure alike; go/main.go does the same
 * in Go. Every program prints one line "result KEY=VALUE ..." for
 * scripts/bench.sh to collect. */
#ifndef BRIGADE_BENCH_HOST_MEASURE_H
#define BRIGADE_BENCH_HOST_MEASURE_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Resident set size of this process now, in bytes: the second field of
 * /proc/self/statm (resident pages). The kernel's own per-thread memory
 * (kernel stack, task_struct) is not in it; BENCHMARKS.md says so. */
static inline uint64_t bench_rss_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long long size = 0, resident = 0;
  if (!f || fscanf(f, "%llu %llu", &size, &resident) != 2) {
    fprintf(stderr, "cannot read /proc/self/statm\n");
    exit(2);
  }
  fclose(f);
  return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* A count from the command line: a positive integer, or a usage error. */
static inline uint64_t bench_count_arg(const char *s, const char *what) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end || v == 0) {
    fprintf(stderr, "%s: expected a positive integer, got '%s'\n", what, s);
    exit(2);
  }
  return (uint64_t)v;
}

/* fib(n) with no tasks: the leaves of the fork-join workload. */
static inline uint64_t bench_fib_sequential(unsigned n) {
  return n < 2 ? n : bench_fib_sequential(n - 1) + bench_fib_sequential(n - 2);
}

#define BENCH_USAGE                                                                        \
  "usage: %s spawn N | pingpong N | blocked N | maxn BUDGET_MIB | fib N CUTOFF\n"            \
  "  spawn N        spawn N empty tasks and join them all: ns per task\n"                   \
  "  pingpong N     N round trips between two tasks: round trips per second\n"              \
  "  blocked N      N tasks blocked at once: resident bytes per blocked task\n"             \
  "  maxn MIB       blocked tasks until the resident growth passes MIB: the largest N\n"    \
  "  fib N CUTOFF   fork-join fib(N), a task per call down to CUTOFF: milliseconds\n"

#endif
