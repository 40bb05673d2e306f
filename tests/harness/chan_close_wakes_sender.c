/* A sender blocked on a channel that is then closed panics, as in Go:
 * its value can never be delivered. */
#include <brigade/chan.h>
#include <brigade/task.h>

#include "test.h"

static void close_it(void *arg) {
  task_sleep_ns(20 * 1000 * 1000); /* let the sender block first */
  chan_close(arg);
}

TEST(closing_a_channel_panics_its_blocked_sender) {
  struct chan *c = chan_make(sizeof(int), 0, "jobs");
  struct task_attr attr = {.name = "closer", .pin = TASK_ANY_CORE};
  task_spawn(NULL, close_it, c, &attr);
  int v = 1;
  chan_send(c, &v);
}
