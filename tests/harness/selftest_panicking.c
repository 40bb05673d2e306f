/* A test that panics: no summary line, a PANIC report, a non-zero exit. */
#include <brigade/panic.h>

#include "test.h"

TEST(this_one_panics_on_purpose) { panic("deliberate panic from the harness self-test"); }

TEST(never_reached) { EXPECT(1); }
