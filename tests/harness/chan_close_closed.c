/* Closing a channel twice is a bug, as in Go: a panic naming the channel
 * and the task. */
#include <brigade/chan.h>

#include "test.h"

TEST(closing_a_closed_channel_panics) {
  struct chan *c = chan_make(sizeof(int), 0, "done");
  chan_close(c);
  chan_close(c);
}
