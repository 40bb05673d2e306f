/* Out of memory on spawn. Bare-metal boards only: there the heap is bounded
 * by RAM; on the host, memory is the host's and overcommitted. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include <brigade/sched.h>
#include <brigade/sync.h>
#include <brigade/task.h>

#include "test.h"

static void finish_work(void *arg) { waitgroup_done(arg); }

/* ---- out of memory -------------------------------------------------------------- */

static uint64_t oom_ran;

static void oom_task(void *arg) {
  (void)arg;
  __atomic_fetch_add(&oom_ran, 1, __ATOMIC_RELAXED);
}

TEST(spawn_returns_enomem_when_memory_runs_out_and_the_scheduler_goes_on) {
  /* Keep some memory aside, fill the rest with pending tasks pinned to this
   * core (so none runs and frees anything meanwhile), then give the memory
   * back: every task must run, and spawning must work again. */
  sched_set_time_slice_ns(0); /* no preemption: this task must not leave the core */
  unsigned core = task_core();
  void *ballast = malloc(4 << 20);
  ASSERT(ballast);
  oom_ran = 0;
  struct task_attr attr = {.pin = (int)core};
  uint64_t spawned = 0;
  int err;
  while ((err = task_spawn(NULL, oom_task, NULL, &attr)) == 0)
    spawned++;
  EXPECT_EQ(err, -ENOMEM);
  EXPECT(spawned > 100000);
  free(ballast);
  sched_set_time_slice_ns(10 * 1000 * 1000);
  while (__atomic_load_n(&oom_ran, __ATOMIC_RELAXED) < spawned)
    task_sleep_ns(1000 * 1000);
  EXPECT_EQ(oom_ran, spawned);
  struct waitgroup wg = WAITGROUP_INIT;
  waitgroup_add(&wg, 1);
  EXPECT_EQ(task_spawn(NULL, finish_work, &wg, NULL), 0);
  waitgroup_wait(&wg);
}
