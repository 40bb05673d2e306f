/* When main returns, a core that is just going to sleep stops too.
 *
 * The idle loop looks for a stop request at its top, then clears any
 * pending IPI before it announces itself idle and sleeps. The IPI that
 * main's return sends after its stop request can land between the look and
 * the clear: cleared, it no longer ends the sleep, and the core stayed in
 * its idle loop until its next timer (seen on a loaded machine as "core 2 did
 * not stop within 1000 ms of main's return" after a test image's summary).
 *
 * A scheduler test hook holds one idle core exactly there, past the look
 * and before the clear, until main's core has sent every stop IPI; then
 * main's exit handler checks that every other core has stopped. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <brigade/cpu.h>
#include <brigade/sched_cpu.h>
#include <brigade/sched_test_hooks.h>
#include <brigade/task.h>

#define MS 1000000ull
/* How long main waits for a core to reach the window, and the held core
 * for the IPIs: far more than any load makes it take. */
#define PATIENCE_MS 30000

static uint32_t armed, held, ipis_sent;
static int held_core = -1;

static uint32_t load(const uint32_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }

static void hold_an_idle_core(enum sched_test_point point, void *arg) {
  (void)arg;
  if (point == SCHED_TEST_STOP_IPIS_SENT) {
    __atomic_store_n(&ipis_sent, 1, __ATOMIC_RELEASE);
    return;
  }
  if (point != SCHED_TEST_IDLE_BEFORE_ANNOUNCE)
    return;
  uint32_t one = 1;
  /* One core only, once: the first to reach the window after arming. */
  if (!__atomic_compare_exchange_n(&armed, &one, 0, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
    return;
  held_core = (int)cpu_index();
  __atomic_store_n(&held, 1, __ATOMIC_RELEASE);
  uint64_t until = task_now_ns() + PATIENCE_MS * MS;
  while (!load(&ipis_sent) && task_now_ns() < until)
    ;
}

static void every_other_core_stopped(void) {
  unsigned stopped = 0, others = cpu_count() - 1;
  int running = -1;
  for (unsigned i = 0; i < cpu_count(); i++) {
    struct sched_cpu *s = cpu_get(i)->sched;
    if (__atomic_load_n(&s->stop, __ATOMIC_RELAXED) == SCHED_STOP_SURVIVE)
      continue; /* main's own core */
    if (__atomic_load_n(&s->halted, __ATOMIC_ACQUIRE))
      stopped++;
    else
      running = (int)i;
  }
  printf("main_return_idle_core: core %d held between its stop look and its IPI clear until "
         "the stop IPIs were sent (%s); %u of %u other cores stopped\n",
         held_core, load(&ipis_sent) ? "sent" : "never sent", stopped, others);
  bool ok = load(&ipis_sent) && stopped == others;
  if (running >= 0)
    printf("    core %d is still running after main's return\n", running);
  printf("%s\n", ok ? "1 passed, 0 failed" : "0 passed, 1 failed");
  fflush(stdout);
  if (!ok)
    _exit(1);
}

static void do_nothing(void *arg) { (void)arg; }

int main(void) {
  if (cpu_count() < 2) {
    printf("main_return_idle_core: needs two cores, this run has one\n0 passed, 0 failed, 1 skipped\n");
    return 0;
  }
  sched_test_set_hook(hold_an_idle_core);
  __atomic_store_n(&armed, 1, __ATOMIC_RELEASE);
  /* The other cores may be asleep already, past the window: give each a
   * task of its own, so it wakes, runs it and comes back through. */
  for (unsigned i = 0; i < cpu_count(); i++) {
    if (i == cpu_index())
      continue;
    struct task_attr attr = TASK_ATTR_INIT;
    attr.name = "waker";
    attr.pin = (int)i;
    task_spawn(NULL, do_nothing, NULL, &attr);
  }
  /* Yield rather than sleep: main's core must never go idle itself, or it
   * could be the one held, with main's wake-up behind it. */
  uint64_t until = task_now_ns() + PATIENCE_MS * MS;
  while (!load(&held) && task_now_ns() < until)
    task_yield();
  if (!load(&held)) {
    printf("main_return_idle_core: no core went idle within %u ms\n0 passed, 1 failed\n",
           PATIENCE_MS);
    return 1;
  }
  atexit(every_other_core_stopped);
  printf("main_return_idle_core: core %d is held in its idle loop; main returns\n", held_core);
  fflush(stdout);
  return 0;
}
