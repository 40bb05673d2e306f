/* A test that never ends: only the harness's timeout can stop it. */
#include "test.h"

TEST(this_one_hangs_on_purpose) {
  for (volatile int spin = 1; spin;)
    ;
}
