/* The AArch64 semihosting call (<brigade/semihosting.h>) and the exit built
 * on it (operation SYS_EXIT_EXTENDED with ADP_Stopped_ApplicationExit; the
 * second word of the block carries the code).
 *
 * The call is "hlt #0xf000" with the operation in x0 and the block in x1;
 * the answer comes back in x0. QEMU with -semihosting serves it. Without a
 * host (QEMU without -semihosting, or real hardware with no debugger
 * halting the core) HLT is an undefined instruction: trap.c recognises a
 * trap at semihosting_hlt_insn, puts SEMIHOSTING_NO_HOST in x0 and resumes
 * after it, so the call returns and the caller can fall back. noinline:
 * the label must exist exactly once.
 */
#include <stdint.h>

#include <brigade/semihosting.h>

#include "aarch64.h"

#define ADP_STOPPED_APPLICATION_EXIT 0x20026

__attribute__((noinline)) long semihosting_call(enum semihosting_op op, void *block) {
  register uint64_t x0 __asm__("x0") = op;
  register uint64_t x1 __asm__("x1") = (uint64_t)(uintptr_t)block;
  __asm__ volatile(".global semihosting_hlt_insn\n"
                   "semihosting_hlt_insn:\n\t"
                   "hlt #0xf000"
                   : "+r"(x0)
                   : "r"(x1)
                   : "memory");
  return (long)x0;
}

int semihosting_exit(int code) {
  static uint64_t block[2];
  block[0] = ADP_STOPPED_APPLICATION_EXIT;
  block[1] = (uint64_t)(int64_t)code;
  /* Returns only when there is no semihosting host. */
  return (int)semihosting_call(SEMIHOSTING_SYS_EXIT_EXTENDED, block);
}
