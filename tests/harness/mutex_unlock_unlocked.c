/* Unlocking a mutex that is not locked is a bug: it panics, naming the
 * mutex and the task that did it. */
#include <brigade/sync.h>
#include <brigade/task.h>

#include "test.h"

static struct mutex m = MUTEX_INIT;
static struct waitgroup done = WAITGROUP_INIT;

static void unlock_twice(void *arg) {
  (void)arg;
  mutex_lock(&m);
  mutex_unlock(&m);
  mutex_unlock(&m); /* panics here */
  waitgroup_done(&done);
}

TEST(unlocking_an_unlocked_mutex_panics_naming_mutex_and_task) {
  struct task_attr attr = {.name = "unlocker", .pin = TASK_ANY_CORE};
  waitgroup_add(&done, 1);
  ASSERT(task_spawn(NULL, unlock_twice, NULL, &attr) == 0);
  waitgroup_wait(&done);
  test_fail(__FILE__, __LINE__, "the second mutex_unlock returned instead of panicking");
}
