/* An illegal instruction must produce a panic report naming the cause. */
#include "test.h"

TEST(illegal_instruction_panics) { __asm__ volatile(".word 0"); }
