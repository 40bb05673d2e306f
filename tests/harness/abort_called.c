/* abort() stops the machine with a report, not silently. */
#include <stdlib.h>

#include "test.h"

TEST(abort_panics) { abort(); }
