#include "riscv_semihosting.h"

#include <stdint.h>

#define SYS_EXIT_EXTENDED 0x20
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

void riscv_semihosting_exit(int code) {
  /* The semihosting call is this exact three-instruction sequence: QEMU
   * recognises an ebreak only between these two no-op shifts. They must be
   * uncompressed and must not straddle a page, hence .option norvc and the
   * 16-byte alignment. */
  static uint64_t block[2];
  block[0] = ADP_STOPPED_APPLICATION_EXIT;
  block[1] = (uint64_t)(int64_t)code;
  register uintptr_t a0 __asm__("a0") = SYS_EXIT_EXTENDED;
  register uintptr_t a1 __asm__("a1") = (uintptr_t)block;
  __asm__ volatile(".option push\n"
                   ".option norvc\n"
                   ".balign 16\n"
                   "slli x0, x0, 0x1f\n"
                   "ebreak\n"
                   "srai x0, x0, 7\n"
                   ".option pop\n"
                   : "+r"(a0)
                   : "r"(a1)
                   : "memory");
  /* Without -semihosting QEMU treats the ebreak as a breakpoint and the
   * trap handler reports it; there is nothing to come back to here. */
  for (;;)
    __asm__ volatile("wfi");
}
