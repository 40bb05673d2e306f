/* AArch64's part of the portable per-core and machine structures
 * (struct cpu's `arch`, struct machine's `arch`; see <brigade/arch.h>).
 * Included only by <brigade/cpu.h> and <brigade/machine.h>. */
#ifndef BRIGADE_AARCH64_ARCH_STRUCTS_H
#define BRIGADE_AARCH64_ARCH_STRUCTS_H

#include <stdint.h>

struct arch_cpu {
  /** Instructions retired when the trap handler took this core's last IRQ
   *  (arch_last_device_irq_instret). */
  uint64_t device_irq_instret;
};

/** Nothing: every AArch64 fact brigade needs comes from system registers
 *  (CNTFRQ_EL0, MPIDR_EL1), not from the device tree. */
struct arch_machine {};

#endif
