/* Runs every TEST() linked into the image, then prints the summary line the
 * harness looks for. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brigade/cpu.h>
#include <brigade/machine.h>
#include <brigade/spinlock.h>

#include "test.h"

extern const struct test_case __start_brigade_tests[], __stop_brigade_tests[];

static int current_failures;
static spinlock_t report_lock = SPINLOCK_INIT("test report");

void test_fail(const char *file, int line, const char *fmt, ...) {
  /* Tests may check from several cores at once: count under a lock. */
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  unsigned long flags = spin_lock_irqsave(&report_lock);
  current_failures++;
  spin_unlock_irqrestore(&report_lock, flags);
  printf("    %s:%d: core %u: %s\n", file, line, cpu_index(), msg);
}

static const char *skip_reason;

void test_skip(const char *reason) { skip_reason = reason; }

bool test_failed(void) { return __atomic_load_n(&current_failures, __ATOMIC_ACQUIRE) != 0; }

/* The compiler may emit a file's test records in any order; run them in the
 * order they are written. */
static int by_position(const void *a, const void *b) {
  const struct test_case *x = *(const struct test_case *const *)a;
  const struct test_case *y = *(const struct test_case *const *)b;
  int f = strcmp(x->file, y->file);
  return f ? f : x->line - y->line;
}

/* QEMU's -append "test=NAME" runs only the tests whose name contains NAME. */
static bool selected(const char *name) {
  const char *args = machine.bootargs, *key;
  if (!args || !(key = strstr(args, "test=")))
    return true;
  key += 5;
  size_t n = strcspn(key, " ");
  for (const char *p = name; *p; p++)
    if (strncmp(p, key, n) == 0)
      return true;
  return false;
}

int main(void) {
  int passed = 0, failed = 0, skipped = 0;
  size_t n = (size_t)(__stop_brigade_tests - __start_brigade_tests);
  const struct test_case **order = malloc(n * sizeof *order);
  if (!order) {
    printf("test framework: out of memory for %u test records\n", (unsigned)n);
    return 1;
  }
  for (size_t i = 0; i < n; i++)
    order[i] = &__start_brigade_tests[i];
  qsort(order, n, sizeof *order, by_position);
  for (size_t i = 0; i < n; i++) {
    const struct test_case *t = order[i];
    if (!selected(t->name))
      continue;
    printf("[ RUN      ] %s\n", t->name);
    current_failures = 0;
    skip_reason = NULL;
    t->fn();
    if (skip_reason && !current_failures) {
      skipped++;
      printf("[  SKIPPED ] %s: %s\n", t->name, skip_reason);
    } else if (current_failures) {
      failed++;
      printf("[  FAILED  ] %s (%s:%d)\n", t->name, t->file, t->line);
    } else {
      passed++;
      printf("[       OK ] %s\n", t->name);
    }
  }
  free(order);
  if (skipped)
    printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  else
    printf("%d passed, %d failed\n", passed, failed);
  fflush(stdout);
  return failed ? 1 : 0;
}
