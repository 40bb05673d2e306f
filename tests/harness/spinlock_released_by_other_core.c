/* Lock validation: a spinlock belongs to the core that took it. Releasing
 * it from another core panics, naming the lock, the owner and the task. */
#include <brigade/spinlock.h>
#include <brigade/sync.h>
#include <brigade/task.h>

#include "test.h"

static spinlock_t pool_lock = SPINLOCK_INIT("pool lock");
static uint32_t taken;
static struct waitgroup done = WAITGROUP_INIT;

/* Core 0: takes the lock and keeps it (interrupts masked, so nothing can
 * switch it away) until the machine stops. */
static void holder(void *arg) {
  (void)arg;
  spin_lock_irqsave(&pool_lock);
  /* Release: the thief reads the lock's owner only after seeing this. */
  __atomic_store_n(&taken, 1, __ATOMIC_RELEASE);
  for (;;)
    arch_cpu_relax();
}

/* Core 1: releases the lock core 0 holds. */
static void thief(void *arg) {
  (void)arg;
  while (!__atomic_load_n(&taken, __ATOMIC_ACQUIRE))
    task_yield();
  spin_unlock_raw(&pool_lock); /* panics here */
  waitgroup_done(&done);
}

TEST(releasing_another_cores_spinlock_panics_naming_lock_owner_and_task) {
  struct task_attr holder_attr = {.name = "holder", .pin = 0};
  struct task_attr thief_attr = {.name = "thief", .pin = 1};
  waitgroup_add(&done, 1);
  ASSERT(task_spawn(NULL, holder, NULL, &holder_attr) == 0);
  ASSERT(task_spawn(NULL, thief, NULL, &thief_attr) == 0);
  waitgroup_wait(&done);
  test_fail(__FILE__, __LINE__, "the thief's spin_unlock returned");
}
