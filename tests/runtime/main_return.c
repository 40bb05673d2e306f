/* When main returns, no other task runs any more (Go's rule), so nothing
 * can touch main's frame while exit reuses its stack.
 *
 * main hands its tasks a pointer into its own frame, as a Go program would,
 * and they read it on every step (yielding between steps, so that even the
 * host's sanitizer builds, which cannot preempt, switch). Then main returns
 * while they all run.
 * An exit handler (it runs on the stack main has left) overwrites the
 * region, then watches for 200 ms: no task may make progress, and none may
 * have seen main's frame change under it. It prints the summary line the
 * harness reads, and exits 1 on failure. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <brigade/cpu.h>
#include <brigade/task.h>

#define SPINNERS 16
#define FRAME_MAGIC 0x6d61696e66726d65ull /* "mainfrme" */
#define WATCH_MS 200

struct pipeline {
  uint64_t magic;
};

static uint64_t progress;  /* every step of every task */
static uint32_t bad_reads; /* a task found main's frame changed */
static uint32_t tasks_up;

static void step(const struct pipeline *p) {
  if (__atomic_load_n(&p->magic, __ATOMIC_RELAXED) != FRAME_MAGIC)
    __atomic_store_n(&bad_reads, 1, __ATOMIC_RELAXED);
  __atomic_fetch_add(&progress, 1, __ATOMIC_RELAXED);
}

static void spinner(void *arg) {
  struct pipeline *p = arg;
  __atomic_fetch_add(&tasks_up, 1, __ATOMIC_RELAXED);
  for (;;) {
    step(p);
    task_yield(); /* a switch point even where nothing preempts (host sanitizers) */
  }
}

static void no_task_ran_after_main_returned(void) {
  /* This handler's frame lies where main's was: overwrite the region. */
  volatile unsigned char scratch[2048];
  memset((void *)scratch, 0x5a, sizeof scratch);
  uint64_t before = __atomic_load_n(&progress, __ATOMIC_RELAXED);
  uint64_t until = task_now_ns() + (uint64_t)WATCH_MS * 1000000u;
  while (task_now_ns() < until)
    ;
  uint64_t after = __atomic_load_n(&progress, __ATOMIC_RELAXED);
  unsigned bad = __atomic_load_n(&bad_reads, __ATOMIC_RELAXED);
  printf("main_return: %lu task steps in the %u ms after main returned, %u reads of a "
         "changed frame\n",
         (unsigned long)(after - before), WATCH_MS, bad);
  bool ok = after == before && bad == 0;
  printf("%s\n", ok ? "1 passed, 0 failed" : "0 passed, 1 failed");
  fflush(stdout);
  if (!ok)
    _exit(1);
}

int main(void) {
  struct pipeline p = {.magic = FRAME_MAGIC};
  for (int i = 0; i < SPINNERS; i++)
    task_spawn(NULL, spinner, &p, NULL);
  /* Until every task has run (or a second has passed) and the pipeline
   * moves: main returns while they are all busy. */
  uint64_t until = task_now_ns() + 1000000000u;
  while ((__atomic_load_n(&tasks_up, __ATOMIC_RELAXED) < SPINNERS && task_now_ns() < until) ||
         __atomic_load_n(&progress, __ATOMIC_RELAXED) < 1000)
    task_yield();
  atexit(no_task_ran_after_main_returned);
  printf("main_return: %u of %u tasks running on %u cores, main returns\n",
         __atomic_load_n(&tasks_up, __ATOMIC_RELAXED), SPINNERS, cpu_count());
  fflush(stdout);
  return 0;
}
