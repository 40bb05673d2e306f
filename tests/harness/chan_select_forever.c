/* A select with nothing that could ever fire would block forever in Go;
 * brigade reports it instead. */
#include <stddef.h>

#include <brigade/chan.h>

#include "test.h"

TEST(select_that_could_never_return_panics) {
  int v;
  struct chan_case disabled = {.chan = NULL, .dir = CHAN_RECV, .elem = &v};
  chan_select(&disabled, 1, false, CHAN_NO_TIMEOUT);
}
