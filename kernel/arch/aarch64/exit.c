/* How an AArch64 board stops: semihosting when a host is there, else park. */
#include <brigade/arch.h>
#include <brigade/board.h>
#include <brigade/panic.h>

#include "aarch64.h"

void aarch64_exit(int code) {
  semihosting_exit(code);
  /* No semihosting host: real hardware without a debugger, or QEMU without
   * -semihosting. Say so, then park this core with interrupts masked; a
   * reset (or the debugger) is the way out. The other cores are left as
   * they are: idle in wfi after a normal exit, stopped after a panic. */
  kprintf("brigade: exit status %d (no semihosting host to report it to; core parked)\n", code);
  arch_irq_save();
  for (;;)
    arch_wait_for_interrupt();
}
