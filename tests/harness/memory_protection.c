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
#error "FAULT_CASE must say which case this image holds (1 to 7)"
#endif

static volatile int survived;

/* Runs @p body in a task called @p name and waits for it: the access should
 * panic the machine, so coming back at all is the failure. */
static void run_in_task(const char *name, void (*body)(void *)) {
  /* A guarded slot reserving TASK_STACK_DEFAULT bytes (the default
   * reservation, STACK_SLOT_DEFAULT_RESERVATION, is larger: the cases below
   * overflow a small one). */
  struct task_attr attr = {.stack_size = TASK_STACK_DEFAULT, .name = name, .pin = TASK_ANY_CORE};
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

#if FAULT_CASE == 5
/* A task whose stack is used up: its stack pointer sits just above page 0,
 * and it stores below it. The fault's frame must not go on that stack (it
 * would fault again, for ever, and nothing would be reported): the trap
 * entry takes it on the core's exception stack and the report names the
 * task. */
static void exhaust_stack(void *arg) {
  (void)arg;
  printf("storing below a stack pointer of 0x1000\n");
#if defined(__riscv)
  __asm__ volatile("mv t1, sp\n\t"
                   "li sp, 0x1000\n\t"
                   "sd zero, -8(sp)\n\t"
                   "mv sp, t1" ::: "t1", "memory");
#elif defined(__aarch64__)
  __asm__ volatile("mov x9, sp\n\t"
                   "mov x10, #0x1000\n\t"
                   "mov sp, x10\n\t"
                   "str xzr, [sp, #-16]!\n\t"
                   "mov sp, x9" ::: "x9", "x10", "memory");
#else
#error "no stack-pointer move for this architecture"
#endif
  survived = 1;
}

TEST(a_fault_with_the_stack_exhausted_is_reported) { run_in_task("stack_exhauster", exhaust_stack); }
#endif

#if FAULT_CASE == 6
/* Recursion with no end in sight: each level keeps a frame of its own
 * (the volatile array, and the addition after the call, rule out a tail
 * call), until the stack runs into the unmapped guard below it. */
static __attribute__((noinline)) unsigned recurse(unsigned depth) {
  volatile char frame[256];
  frame[0] = (char)depth;
  if (depth == 0)
    return frame[0];
  return recurse(depth - 1) + frame[0];
}

static void recurse_forever(void *arg) {
  (void)arg;
  printf("recursing 1000 levels of 256-byte frames on a %u-byte stack\n",
         (unsigned)TASK_STACK_DEFAULT);
  printf("recursion returned %u\n", recurse(1000));
  survived = 1;
}

TEST(overflow_by_recursion_panics_naming_the_task) { run_in_task("recurser", recurse_forever); }
#endif

#if FAULT_CASE == 7
/* One frame four times the size of the whole stack and as big as the
 * guard. Its lowest byte, the only one written, lies far below the guard's
 * top: only probes on the way down (-fstack-clash-protection, see
 * cmake/brigade.cmake) make the guard catch it wherever the frame ends. */
static __attribute__((noinline)) void huge_frame(void) {
#if defined(__riscv)
  /* RISC-V GCC 12 probes only variable-sized frames, and the build refuses
   * a fixed one over 16 KiB: the same 64 KiB, sized at run time. */
  volatile size_t bytes = 64 * 1024;
  volatile char big[bytes];
#else
  volatile char big[64 * 1024];
#endif
  printf("a 64 KiB local array at %p\n", (void *)big);
  big[0] = 1;
}

static void call_huge_frame(void *arg) {
  (void)arg;
  printf("calling a function with a 64 KiB local array on a %u-byte stack\n",
         (unsigned)TASK_STACK_DEFAULT);
  huge_frame();
  survived = 1;
}

TEST(overflow_by_one_huge_frame_panics_naming_the_task) {
  run_in_task("huge_frame", call_huge_frame);
}
#endif
