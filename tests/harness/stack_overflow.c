/* A task that overruns its heap stack (the kind with a canary; a guarded
 * slot faults at once instead, tests/harness/memory_protection.c) is
 * reported by name at its next switch.
 *
 * A real overrun also tramples whatever lies below the stack (on the host,
 * glibc's heap), which makes a test of one undeterministic. So the task
 * does what an overrun that just reached the bottom does: it walks down its
 * own stack to the canary word at the bottom and overwrites it. */
#include <stdint.h>
#include <string.h>

#include <brigade/arch.h>
#include <brigade/task.h>

#include "test.h"

#define STACK_CANARY 0x5354414b43414e59ull /* as in sched/task.c */

static void overflow(void *arg) {
  (void)arg;
  volatile uint64_t here = 0;
  uintptr_t p = ((uintptr_t)&here) & ~(uintptr_t)7;
  /* A default stack is TASK_STACK_DEFAULT and the arch's extra room. */
  for (unsigned i = 0; i < (TASK_STACK_DEFAULT + ARCH_STACK_EXTRA) / 8; i++, p -= 8)
    if (*(volatile uint64_t *)p == STACK_CANARY) {
      *(volatile uint64_t *)p = 0x7777777777777777ull;
      break;
    }
  task_yield();
}

TEST(overrunning_a_task_stack_panics_with_the_task_name) {
  /* The report is printed on the overrun stack itself (there is no separate
   * panic stack before the MMU work), so leave it room to do that. */
  struct task_attr attr = {.name = "deep", .pin = TASK_ANY_CORE, .heap_stack = true};
  EXPECT_EQ(task_spawn(NULL, overflow, NULL, &attr), 0);
  for (;;)
    task_yield();
}
