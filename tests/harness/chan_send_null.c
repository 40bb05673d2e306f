/* Go blocks a send on a nil channel forever; brigade reports it instead. */
#include <stddef.h>

#include <brigade/chan.h>

#include "test.h"

TEST(send_on_a_null_channel_panics) {
  struct chan *volatile never_made = NULL;
  int v = 1;
  chan_send(never_made, &v);
}
