/* One test passes, one fails: the harness must report the image as failed. */
#include "test.h"

TEST(this_one_passes) { EXPECT_EQ(1 + 1, 2); }

TEST(this_one_fails_on_purpose) { EXPECT_EQ(1 + 1, 3); }
