/* The page tables enforce W^X and leave page 0 unmapped: each case makes a
 * task do one forbidden access, and its ctest entry expects the panic
 * report that names the cause, the faulting address and the task. Should
 * the access go through instead, the task says so and the case fails.
 *
 * Each image holds one case (FAULT_CASE, set by tests/harness/
 * CMakeLists.txt), since the first fault ends the run and not every board
 * passes boot arguments to pick one (QEMU's raspi3b passes no device tree). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brigade/task.h>

#include "test.h"

#ifndef FAULT_CASE
#error "FAULT_CASE must say which case this image holds (1 to 4)"
#endif

static volatile int survived;

/* Runs @p body in a task called @p name and waits for it: the access should
 * panic the machine, so coming back at all is the failure. */
static void run_in_task(const char *name, void (*body)(void *)) {
  struct task_attr attr = {.name = name, .pin = TASK_ANY_CORE};
  EXPECT_EQ(task_spawn(NULL, body, NULL, &attr), 0);
  while (!survived)
    task_yield();
  EXPECT_EQ(survived, 0);
}

#if FAULT_CASE == 1
static void store_to_text(void *arg) {
  (void)arg;
  printf("storing to the code of store_to_text at %p\n", (void *)store_to_text);
  /* Through a volatile pointer: the compiler must not see what it is. */
  volatile uint32_t *volatile insn = (uint32_t *)(uintptr_t)store_to_text;
  *insn = 0;
  survived = 1;
}

TEST(writing_to_text_panics) { run_in_task("text_writer", store_to_text); }
#endif

#if FAULT_CASE == 2
static void jump_into_heap(void *arg) {
  (void)arg;
  /* A function that only returns: if the heap were executable, the call
   * would come back and the case would fail rather than hang. */
#if defined(__riscv)
  static const uint32_t just_return[] = {0x00008067}; /* ret (jalr x0, 0(ra)) */
#elif defined(__aarch64__)
  static const uint32_t just_return[] = {0xd65f03c0}; /* ret */
#else
#error "no return instruction for this architecture"
#endif
  uint32_t *code = malloc(sizeof just_return);
  EXPECT(code != NULL);
  memcpy(code, just_return, sizeof just_return);
  /* Make the copy visible to instruction fetch, as a loader would, so only
   * the page's permissions can stop the call. */
  __builtin___clear_cache((char *)code, (char *)code + sizeof just_return);
  printf("calling a heap copy of a return instruction at %p\n", (void *)code);
  void (*volatile fn)(void) = (void (*)(void))(uintptr_t)code;
  fn();
  survived = 1;
}

TEST(executing_heap_memory_panics) { run_in_task("heap_jumper", jump_into_heap); }
#endif

#if FAULT_CASE == 3
static void load_from_null(void *arg) {
  (void)arg;
  printf("loading from address 0\n");
  volatile int *volatile null = NULL;
  int value = *null;
  printf("read %d from address 0\n", value);
  survived = 1;
}

TEST(loading_from_null_panics) { run_in_task("null_reader", load_from_null); }
#endif

#if FAULT_CASE == 4
static void store_to_null(void *arg) {
  (void)arg;
  printf("storing to address 0\n");
  volatile int *volatile null = NULL;
  *null = 1;
  survived = 1;
}

TEST(storing_to_null_panics) { run_in_task("null_writer", store_to_null); }
#endif
