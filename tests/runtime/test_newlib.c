/* The newlib port: heap, locks, errno per task, console lines. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brigade/console.h>
#include <brigade/cpu.h>
#include <brigade/heap.h>
#include <brigade/sync.h>
#include <brigade/task.h>

#include "test.h"

extern char __heap_start[];
void *_sbrk(ptrdiff_t incr);

/* ---- malloc from every core at once ------------------------------------ */

struct hammer {
  unsigned errors;
  unsigned long allocations;
};

static uint32_t xorshift(uint32_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

static void hammer_heap(void *arg) {
  struct hammer *h = arg;
  enum { SLOTS = 64, ROUNDS = 4000 };
  unsigned char *slot[SLOTS] = {0};
  size_t len[SLOTS] = {0};
  unsigned char tag = (unsigned char)(0x40 + cpu_index());
  uint32_t seed = 0x9e3779b9u * (cpu_index() + 1);
  unsigned errors = 0;
  for (int round = 0; round < ROUNDS; round++) {
    unsigned i = xorshift(&seed) % SLOTS;
    if (slot[i]) {
      /* Every byte must still hold this core's tag: another core writing
       * into our block would mean two cores got overlapping memory. */
      for (size_t k = 0; k < len[i]; k++)
        errors += slot[i][k] != tag;
      free(slot[i]);
      slot[i] = NULL;
    } else {
      len[i] = 1 + xorshift(&seed) % 700;
      slot[i] = malloc(len[i]);
      if (!slot[i]) {
        errors++;
        continue;
      }
      memset(slot[i], tag, len[i]);
    }
  }
  for (unsigned i = 0; i < SLOTS; i++)
    free(slot[i]);
  __atomic_fetch_add(&h->errors, errors, __ATOMIC_RELAXED);
  __atomic_fetch_add(&h->allocations, ROUNDS, __ATOMIC_RELAXED);
}

TEST(malloc_is_safe_when_every_core_calls_it_at_once) {
  struct hammer h = {0};
  smp_call_all(hammer_heap, &h);
  EXPECT_EQ(h.errors, 0);
  EXPECT_EQ(h.allocations, 4000UL * cpu_count());
}

/* ---- heap exhaustion ---------------------------------------------------- */

TEST(malloc_returns_null_for_a_request_larger_than_ram) {
  errno = 0;
  void *p = malloc((size_t)1 << 40);
  EXPECT(p == NULL);
  EXPECT_EQ(errno, ENOMEM);
}

TEST(sbrk_refuses_to_grow_past_the_end_of_the_heap) {
  size_t used, capacity;
  heap_usage(&used, &capacity);
  errno = 0;
  EXPECT(_sbrk((ptrdiff_t)(capacity - used) + 1) == (void *)-1);
  EXPECT_EQ(errno, ENOMEM);
  size_t used_after;
  heap_usage(&used_after, &capacity);
  EXPECT_EQ(used_after, used); /* a refused request moves nothing */
}

TEST(exhausting_the_heap_gives_null_then_memory_is_usable_again) {
  enum { CHUNK = 1 << 20, MAX = 1024 };
  void **chunks = malloc(MAX * sizeof *chunks);
  ASSERT(chunks);
  size_t used, capacity;
  heap_usage(&used, &capacity);
  uintptr_t lo = (uintptr_t)__heap_start, hi = lo + capacity;
  int n = 0;
  while (n < MAX && (chunks[n] = malloc(CHUNK)) != NULL) {
    uintptr_t p = (uintptr_t)chunks[n];
    EXPECT(p >= lo && p + CHUNK <= hi); /* never handed out past the heap */
    memset(chunks[n], 0xa5, CHUNK);      /* and really writable */
    n++;
  }
  EXPECT(n < MAX);       /* it did run out */
  EXPECT(n >= 100);      /* most of 128 MiB was usable */
  for (int i = 0; i < n; i++)
    free(chunks[i]);
  void *again = malloc(CHUNK);
  EXPECT(again != NULL);
  free(again);
  free(chunks);
}

/* ---- errno ------------------------------------------------------------- */

struct errno_check {
  unsigned mismatches;
  unsigned phase;
};

static void set_and_check_errno(void *arg) {
  struct errno_check *c = arg;
  int mine = 1000 + (int)cpu_index();
  errno = mine;
  /* Wait for every core to have set its own value, then read ours back. */
  __atomic_fetch_add(&c->phase, 1, __ATOMIC_ACQ_REL);
  while (__atomic_load_n(&c->phase, __ATOMIC_ACQUIRE) < cpu_count())
    ;
  if (errno != mine)
    __atomic_fetch_add(&c->mismatches, 1, __ATOMIC_RELAXED);
}

TEST(errno_set_on_every_core_at_once_stays_with_its_task) {
  struct errno_check c = {0};
  smp_call_all(set_and_check_errno, &c);
  EXPECT_EQ(c.mismatches, 0);
}

/* ---- console lines ------------------------------------------------------ */

#define TAP_SIZE (64 * 1024)
static char *tap_buf;
static size_t tap_len;

static void tap(const char *buf, size_t n) {
  for (size_t i = 0; i < n && tap_len < TAP_SIZE; i++)
    tap_buf[tap_len++] = buf[i];
}

/* Start recording what reaches the console; false when out of memory. */
static bool tap_start(void) {
  tap_buf = malloc(TAP_SIZE);
  if (!tap_buf)
    return false;
  tap_len = 0;
  console_set_tap(tap);
  return true;
}

#define LINES_PER_CORE 40

static void print_lines(void *arg) {
  (void)arg;
  unsigned me = cpu_index();
  for (int i = 0; i < LINES_PER_CORE; i++)
    printf("line-check core=%u seq=%02d %s\n", me, i, "abcdefghijklmnopqrstuvwxyz0123456789");
  fflush(stdout);
}

TEST(printf_from_every_core_at_once_never_interleaves_inside_a_line) {
  ASSERT(tap_start());
  smp_call_all(print_lines, NULL);
  console_set_tap(NULL);

  int good = 0, next_seq[64] = {0};
  char *line = tap_buf, *end = tap_buf + tap_len;
  while (line < end) {
    char *nl = memchr(line, '\n', (size_t)(end - line));
    if (!nl)
      break;
    *nl = '\0';
    unsigned core;
    int seq;
    char rest[64];
    if (strncmp(line, "line-check", 10) == 0) {
      int fields = sscanf(line, "line-check core=%u seq=%d %63s", &core, &seq, rest);
      EXPECT_EQ(fields, 3);
      EXPECT_STREQ(rest, "abcdefghijklmnopqrstuvwxyz0123456789");
      EXPECT_EQ(strlen(line), strlen("line-check core=0 seq=00 ") + 36 + (core >= 10));
      if (fields == 3 && core < 64) {
        EXPECT_EQ(seq, next_seq[core]); /* each core's lines arrive whole and in order */
        next_seq[core] = seq + 1;
        good++;
      }
    }
    line = nl + 1;
  }
  EXPECT_EQ(good, LINES_PER_CORE * (int)cpu_count());
  free(tap_buf);
}

/* ---- formatting ---------------------------------------------------------- */

TEST(snprintf_handles_c99_and_floating_point_formats) {
  char buf[96];
  snprintf(buf, sizeof buf, "%zu %lld %hhu %.3f %x", (size_t)42, -5LL, (unsigned char)300, 3.14159,
           0xbeefu);
  EXPECT_STREQ(buf, "42 -5 44 3.142 beef");
}

/* ---- per-task newlib state ----------------------------------------------- */

struct errno_pair {
  int seen_by_first, seen_by_second;
  int step;
  struct waitgroup done;
};

static void first_sets_edom(void *arg) {
  struct errno_pair *p = arg;
  errno = EDOM;
  __atomic_store_n(&p->step, 1, __ATOMIC_RELEASE);
  while (__atomic_load_n(&p->step, __ATOMIC_ACQUIRE) != 2)
    task_yield(); /* the second task runs here, on this core, and sets ERANGE */
  p->seen_by_first = errno;
  waitgroup_done(&p->done);
}

static void second_sets_erange(void *arg) {
  struct errno_pair *p = arg;
  while (__atomic_load_n(&p->step, __ATOMIC_ACQUIRE) != 1)
    task_yield();
  errno = ERANGE;
  __atomic_store_n(&p->step, 2, __ATOMIC_RELEASE);
  task_yield();
  p->seen_by_second = errno;
  waitgroup_done(&p->done);
}

TEST(errno_set_in_one_task_is_not_seen_by_another_on_the_same_core) {
  struct errno_pair p = {.done = WAITGROUP_INIT};
  waitgroup_add(&p.done, 2);
  struct task_attr attr = {.pin = (int)cpu_count() - 1};
  ASSERT(task_spawn(NULL, first_sets_edom, &p, &attr) == 0);
  ASSERT(task_spawn(NULL, second_sets_erange, &p, &attr) == 0);
  waitgroup_wait(&p.done);
  EXPECT_EQ(p.seen_by_first, EDOM);
  EXPECT_EQ(p.seen_by_second, ERANGE);
}

static void print_partial_line(void *arg) {
  printf("partial-line-from-an-exiting-task"); /* no newline: flushed at exit */
  waitgroup_done(arg);
}

TEST(output_a_task_leaves_unterminated_is_flushed_when_it_exits) {
  ASSERT(tap_start());
  struct waitgroup wg = WAITGROUP_INIT;
  waitgroup_add(&wg, 1);
  ASSERT(task_spawn(NULL, print_partial_line, &wg, NULL) == 0);
  waitgroup_wait(&wg);
  task_sleep_ns(20 * 1000 * 1000); /* the exit (and its flush) follows the done */
  console_set_tap(NULL);
  EXPECT(memmem(tap_buf, tap_len, "partial-line-from-an-exiting-task", 33) != NULL);
  free(tap_buf);
}

/* stdio holds a FILE's lock across the FILE's write function (for the
 * console that is _write, which parks on the UART), so FILE locks must be
 * task locks: a second task wanting the FILE parks and the holder gets its
 * core back. A core-owned spinlock here would spin forever with interrupts
 * masked on a one-core machine. The FILE below parks in its write function
 * the way the UART does when its ring is full. */
struct slow_file {
  char log[64];
  size_t len;
  int step;
  struct waitgroup done;
};

static int slow_write(void *cookie, const char *buf, int n) {
  struct slow_file *f = cookie;
  bool first = f->len == 0;
  if (first) {
    __atomic_store_n(&f->step, 1, __ATOMIC_RELEASE);
    task_sleep_ns(20 * 1000 * 1000); /* parks inside stdio, holding the FILE lock */
  }
  for (int i = 0; i < n && f->len < sizeof f->log - 1; i++)
    f->log[f->len++] = buf[i];
  return n;
}

static FILE *slow_fp;

static void write_first(void *arg) {
  struct slow_file *f = arg;
  fputs("first ", slow_fp);
  waitgroup_done(&f->done);
}

static void write_second(void *arg) {
  struct slow_file *f = arg;
  while (__atomic_load_n(&f->step, __ATOMIC_ACQUIRE) != 1)
    task_yield();
  fputs("second ", slow_fp); /* takes the FILE lock: parks until the first write ends */
  waitgroup_done(&f->done);
}

TEST(a_task_waiting_for_a_file_lock_parks_instead_of_spinning) {
  static struct slow_file f;
  f = (struct slow_file){.done = WAITGROUP_INIT};
  slow_fp = funopen(&f, NULL, slow_write, NULL, NULL);
  ASSERT(slow_fp != NULL);
  setvbuf(slow_fp, NULL, _IONBF, 0);
  waitgroup_add(&f.done, 2);
  struct task_attr attr = {.pin = (int)cpu_count() - 1};
  ASSERT(task_spawn(NULL, write_first, &f, &attr) == 0);
  ASSERT(task_spawn(NULL, write_second, &f, &attr) == 0);
  waitgroup_wait(&f.done);
  fclose(slow_fp);
  EXPECT_STREQ(f.log, "first second ");
}
