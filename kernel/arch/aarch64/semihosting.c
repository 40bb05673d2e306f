/* Semihosting exit (ARM semihosting spec, operation SYS_EXIT 0x18 with
 * ADP_Stopped_ApplicationExit, SYS_EXIT_EXTENDED 0x20 carries the code).
 *
 * On AArch64 the call is "hlt #0xf000". QEMU with -semihosting treats it as
 * a host request and exits with the code. Without a host (QEMU without
 * -semihosting, or real hardware with no debugger halting the core) HLT is
 * an undefined instruction: trap.c recognises a trap at
 * semihosting_hlt_insn, returns -1 in x0 and resumes after it, so this
 * function returns and the board can fall back (park the core).
 */
#include <stdint.h>

#include "aarch64.h"

#define SYS_EXIT_EXTENDED 0x20
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

__attribute__((noinline)) int semihosting_exit(int code) {
  static uint64_t block[2];
  block[0] = ADP_STOPPED_APPLICATION_EXIT;
  block[1] = (uint64_t)(int64_t)code;
  register uint64_t x0 __asm__("x0") = SYS_EXIT_EXTENDED;
  register uint64_t x1 __asm__("x1") = (uint64_t)(uintptr_t)block;
  __asm__ volatile(".global semihosting_hlt_insn\n"
                   "semihosting_hlt_insn:\n\t"
                   "hlt #0xf000"
                   : "+r"(x0)
                   : "r"(x1)
                   : "memory");
  return (int)x0; /* only reached when there is no semihosting host */
}
