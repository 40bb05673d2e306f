/* Closing a NULL channel is a bug, as in Go: a panic naming the task. */
#include <stddef.h>

#include <brigade/chan.h>

#include "test.h"

TEST(closing_a_null_channel_panics) {
  struct chan *volatile never_made = NULL;
  chan_close(never_made);
}
