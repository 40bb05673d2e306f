/* Every task waits for something only another task could do: the runtime
 * must say so and stop, not hang. */
#include <brigade/sync.h>
#include <brigade/task.h>

#include "test.h"

static void wait_forever(void *arg) {
  (void)arg;
  task_park("waiting for a wake-up that never comes", NULL, NULL);
}

TEST(tasks_that_wait_for_each_other_are_reported_as_a_deadlock) {
  struct task_attr attr = {.name = "forgotten", .pin = TASK_ANY_CORE};
  EXPECT_EQ(task_spawn(NULL, wait_forever, NULL, &attr), 0);
  struct waitgroup never = WAITGROUP_INIT;
  waitgroup_add(&never, 1);
  waitgroup_wait(&never);
}
