/* A failed assert() is a panic that quotes the expression. */
#include <assert.h>

#include "test.h"

TEST(failed_assert_panics) {
  volatile int two = 2;
  assert(two == 3);
}
