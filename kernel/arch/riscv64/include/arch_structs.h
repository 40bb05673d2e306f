/* RISC-V's part of the portable per-core and machine structures
 * (struct cpu's `arch`, struct machine's `arch`; see <brigade/arch.h>).
 * Included only by <brigade/cpu.h> and <brigade/machine.h>. */
#ifndef BRIGADE_RISCV_ARCH_STRUCTS_H
#define BRIGADE_RISCV_ARCH_STRUCTS_H

#include <stdbool.h>
#include <stdint.h>

struct arch_cpu {
  /** instret when the trap handler took this core's last external
   *  interrupt (arch_last_device_irq_instret). */
  uint64_t device_irq_instret;
  /** An interrupt's sepc, sstatus and scause, kept here by trap_entry.S
   *  from the trap until they are in the frame: a page fault while it
   *  pushes the frame on a task's stack (the stack grows) overwrites the
   *  CSRs. Offsets CPU_IRQ_* in trap_frame.h (asserted in trap.c). */
  uint64_t irq_sepc;
  uint64_t irq_sstatus;
  uint64_t irq_scause;
};

struct arch_machine {
  /** Every usable hart lists Sstc in riscv,isa: S-mode may write stimecmp
   *  itself instead of asking the SBI firmware (whether the firmware lets
   *  it is probed at boot, riscv_sstc_usable). Filled by arch_dt_describe. */
  bool timer_compare_in_smode;
};

#endif
