#include "riscv_semihosting.h"

#include <stdint.h>

#include <brigade/arch.h>
#include <brigade/kprintf.h>
#include <brigade/semihosting.h>

#define ADP_STOPPED_APPLICATION_EXIT 0x20026

void riscv_semihosting_exit(int code) {
  static uint64_t block[2];
  block[0] = ADP_STOPPED_APPLICATION_EXIT;
  block[1] = (uint64_t)(int64_t)code;
  semihosting_call(SEMIHOSTING_SYS_EXIT_EXTENDED, block);
  /* Back here only without a semihosting host (QEMU without -semihosting):
   * say so and park this core with interrupts masked, as AArch64 does. */
  kprintf("brigade: exit status %d (no semihosting host to report it to; core parked)\n", code);
  arch_irq_save();
  for (;;)
    arch_wait_for_interrupt();
}
