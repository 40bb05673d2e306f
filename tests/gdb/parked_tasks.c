/* The image the GDB task-awareness test stops at a breakpoint: when
 * gdb_checkpoint() is called, tasks are known to be in every state a
 * debugger must show.
 *
 *   chan-receiver  parked on "chan receive" in wait_for_message
 *   mutex-waiter   parked on "mutex" in wait_for_mutex
 *   sleeper        parked on "sleep" in sleep_long
 *   yielder        runnable (switched away by task_yield) in yield_forever
 *   spinner        running on core 1 in spin_until_released (with 2+ cores)
 *   never-run      new: spawned, no stack yet
 *   director       running: it calls gdb_checkpoint
 *
 * Tracing is on from the start, so the rings hold how every one of them
 * got there (brigade trace dump).
 *
 * Everything the director waits for is pinned to its own core, so by the
 * time it runs again each of them has finished switching away: the saved
 * contexts are complete when the breakpoint hits, whatever the host load.
 * After the checkpoint everything is released and joined, and the image
 * prints the usual summary: a debugger that left a wrong register behind
 * would crash it.
 */
#include <stdio.h>

#include <brigade/chan.h>
#include <brigade/cpu.h>
#include <brigade/sched.h>
#include <brigade/sync.h>
#include <brigade/task.h>
#include <brigade/trace.h>

#define DIRECTOR_CORE 0
#define SPINNER_CORE 1

static struct chan *messages;
static struct mutex held = MUTEX_INIT;
static struct waitgroup finished = WAITGROUP_INIT;
static volatile int release_spinner;
static volatile int release_yielder;
/* Released by the spinner once it runs. The director parks on it rather
 * than yield-polling: on a loaded host core 1 may take a long time to start
 * the spinner, and every yield round with the yielder is two trace events,
 * which could overrun core 0's ring before the checkpoint (the test then
 * finds "lost" events and the parks it looks for gone). */
static struct semaphore spinner_started = SEMAPHORE_INIT(0);

/* The debugger's breakpoint. noinline and an empty asm keep it a real call
 * that the compiler cannot drop or merge. */
__attribute__((noinline)) void gdb_checkpoint(void) { __asm__ volatile("" ::: "memory"); }

static __attribute__((noinline)) void wait_for_message(void *arg) {
  int value = 0;
  chan_recv(messages, &value);
  waitgroup_done(&finished);
}

static __attribute__((noinline)) void wait_for_mutex(void *arg) {
  mutex_lock(&held);
  mutex_unlock(&held);
  waitgroup_done(&finished);
}

static __attribute__((noinline)) void sleep_long(void *arg) {
  /* Long enough to be still asleep at the checkpoint on a loaded host,
   * short enough not to slow the test much once it continues. */
  task_sleep_ns(3000 * 1000 * 1000ull);
  waitgroup_done(&finished);
}

static __attribute__((noinline)) void yield_forever(void *arg) {
  while (!release_yielder)
    task_yield();
  waitgroup_done(&finished);
}

static __attribute__((noinline)) void spin_until_released(void *arg) {
  sem_release(&spinner_started);
  while (!release_spinner)
    __asm__ volatile("" ::: "memory");
  waitgroup_done(&finished);
}

static void run_later(void *arg) { waitgroup_done(&finished); }

static task_t *spawn_on(int core, const char *name, void (*fn)(void *)) {
  struct task_attr attr = {.name = name, .pin = core};
  task_t *t;
  if (task_spawn(&t, fn, NULL, &attr) != 0) {
    printf("cannot spawn %s\n", name);
    return NULL;
  }
  waitgroup_add(&finished, 1);
  return t;
}

static void wait_until_parked(task_t *t) {
  while (task_state(t) != TASK_PARKED)
    task_yield();
}

static int checks_failed;

static void check(int ok, const char *what) {
  printf("[ %s ] %s\n", ok ? "      OK" : "  FAILED", what);
  checks_failed += !ok;
}

static void direct(void *arg) {
  mutex_lock(&held);
  task_t *receiver = spawn_on(DIRECTOR_CORE, "chan-receiver", wait_for_message);
  task_t *waiter = spawn_on(DIRECTOR_CORE, "mutex-waiter", wait_for_mutex);
  task_t *sleeper = spawn_on(DIRECTOR_CORE, "sleeper", sleep_long);
  task_t *yielder = spawn_on(DIRECTOR_CORE, "yielder", yield_forever);
  task_t *spinner = cpu_count() > SPINNER_CORE
                        ? spawn_on(SPINNER_CORE, "spinner", spin_until_released)
                        : NULL;
  wait_until_parked(receiver);
  wait_until_parked(waiter);
  wait_until_parked(sleeper);
  if (spinner) {
    sem_acquire(&spinner_started);
    while (task_state(spinner) != TASK_RUNNING) /* it spins from here on */
      task_yield();
  }
  /* Spawned last and never yielded to: still new at the checkpoint. */
  task_t *fresh = spawn_on(DIRECTOR_CORE, "never-run", run_later);
  /* Read now, printed after: printing could let the core run other tasks. */
  int fresh_is_new = task_state(fresh) == TASK_NEW;
  int yielder_is_runnable = task_state(yielder) == TASK_RUNNABLE;
  gdb_checkpoint();
  check(fresh_is_new, "never-run is new at the checkpoint");
  check(yielder_is_runnable, "yielder is runnable at the checkpoint");

  int one = 1;
  chan_send(messages, &one);
  mutex_unlock(&held);
  release_yielder = 1;
  release_spinner = 1;
  waitgroup_done(arg);
}

int main(void) {
  /* No preemption: a slice ending between the last spawn and the checkpoint
   * (a loaded host can stall a virtual core that long) would let never-run
   * start. */
  sched_set_time_slice_ns(0);
  /* Traced from the start, for `brigade trace dump` at the checkpoint. */
  if (trace_start(0) != 0)
    printf("parked_tasks: no memory for the trace rings\n");
  messages = chan_make(sizeof(int), 0, "messages");
  struct waitgroup director_done = WAITGROUP_INIT;
  waitgroup_add(&director_done, 1);
  struct task_attr attr = {.name = "director", .pin = DIRECTOR_CORE};
  if (task_spawn(NULL, direct, &director_done, &attr) != 0) {
    printf("cannot spawn the director\n");
    return 1;
  }
  waitgroup_wait(&director_done);
  waitgroup_wait(&finished);
  check(1, "every task ran to its end after the checkpoint");
  printf("%d passed, %d failed\n", 3 - checks_failed, checks_failed);
  return checks_failed != 0;
}
