/**
 * @file test.h
 * @brief brigade's on-target test framework: one behaviour per test, named
 *        after it.
 *
 *   TEST(malloc_returns_null_when_heap_is_exhausted) {
 *     EXPECT_EQ(malloc(SIZE_MAX / 2), NULL);
 *   }
 *
 * Each image runs its tests in link order and prints, last, the line
 * "N passed, M failed"; it exits 0 only when M is 0. A panic or a hang never
 * prints that line, which is how the harness (tests/harness/run-image.sh)
 * tells them apart from a clean run.
 */
#ifndef BRIGADE_TEST_H
#define BRIGADE_TEST_H

#include <stdbool.h>

struct test_case {
  const char *name;
  void (*fn)(void);
  const char *file;
  int line;
};

#define TEST(name)                                                                                 \
  static void test_##name(void);                                                                   \
  static const struct test_case test_case_##name                                                   \
      __attribute__((used, section("brigade_tests"), aligned(8))) = {#name, test_##name,           \
                                                                      __FILE__, __LINE__};         \
  static void test_##name(void)

/** Record a failure of the running test (the test goes on). */
void test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Mark the running test skipped, with the reason (call, then return). */
void test_skip(const char *reason);

#define SKIP(reason)                                                                               \
  do {                                                                                             \
    test_skip(reason);                                                                             \
    return;                                                                                        \
  } while (0)

/** True once the running test has recorded a failure. */
bool test_failed(void);

#define EXPECT(cond)                                                                               \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      test_fail(__FILE__, __LINE__, "expected %s", #cond);                                         \
  } while (0)

#define EXPECT_EQ(a, b)                                                                            \
  do {                                                                                             \
    long long a_ = (long long)(a), b_ = (long long)(b);                                            \
    if (a_ != b_)                                                                                  \
      test_fail(__FILE__, __LINE__, "expected %s == %s, got %lld and %lld", #a, #b, a_, b_);       \
  } while (0)

#define EXPECT_NE(a, b)                                                                            \
  do {                                                                                             \
    long long a_ = (long long)(a), b_ = (long long)(b);                                            \
    if (a_ == b_)                                                                                  \
      test_fail(__FILE__, __LINE__, "expected %s != %s, both are %lld", #a, #b, a_);               \
  } while (0)

#define EXPECT_STREQ(a, b)                                                                         \
  do {                                                                                             \
    const char *a_ = (a), *b_ = (b);                                                               \
    if (strcmp(a_, b_) != 0)                                                                       \
      test_fail(__FILE__, __LINE__, "expected %s == %s, got \"%s\" and \"%s\"", #a, #b, a_, b_);   \
  } while (0)

/** Like EXPECT, but ends the test at once on failure. */
#define ASSERT(cond)                                                                               \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      test_fail(__FILE__, __LINE__, "required %s", #cond);                                         \
      return;                                                                                      \
    }                                                                                              \
  } while (0)

#endif
