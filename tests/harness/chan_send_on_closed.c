/* Sending on a closed channel is a bug, as in Go: a panic naming the
 * channel and the sender. */
#include <brigade/chan.h>

#include "test.h"

TEST(send_on_a_closed_channel_panics) {
  struct chan *c = chan_make(sizeof(int), 1, "results");
  chan_close(c);
  int v = 1;
  chan_send(c, &v);
}
