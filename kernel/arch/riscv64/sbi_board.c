/* The part of the board contract every RISC-V board under an SBI firmware
 * shares: the machine comes from the device tree, cores start through SBI
 * HSM, and each core masks everything but the wake-up IPI at start. */
#include <brigade/board.h>
#include <brigade/cpu.h>
#include <brigade/devicetree.h>
#include <brigade/fdt.h>
#include <brigade/panic.h>
#include <sbi.h>

#include "csr.h"
#include "riscv.h"

int board_describe(const void *dtb, struct machine *m) {
  const char *problem = "?";
  int err = dt_describe_machine(dtb, m, &problem);
  if (err == DT_ERR_DESCRIPTION) {
    kprintf("brigade: the device tree at %p %s\n", dtb, problem);
    return -1;
  }
  if (err) {
    kprintf("brigade: device tree at %p: %s\n", dtb, fdt_strerror(err));
    return -1;
  }
  riscv_time_init(m->timer_hz, m->timer_compare_in_smode && riscv_sstc_usable());
  return 0;
}

int board_start_cpu(struct cpu *cpu) {
  extern char _secondary_start[];
  long err = sbi_hart_start(cpu->hw_id, (unsigned long)_secondary_start, (unsigned long)cpu);
  if (err) {
    kprintf("brigade: SBI hart_start(%lu) failed: %s\n", (unsigned long)cpu->hw_id,
            sbi_error_name(err));
    return -1;
  }
  return 0;
}

void board_diagnose_cpu(const struct cpu *cpu) {
  static const char *const states[] = {"started", "stopped", "start pending", "stop pending",
                                       "suspended", "suspend pending", "resume pending"};
  long st = sbi_hart_status(cpu->hw_id);
  kprintf("  core %u (hart %lu): SBI HSM state %s\n", cpu->index, (unsigned long)cpu->hw_id,
          st >= 0 && st < 7 ? states[st] : sbi_error_name(st));
}

void board_cpu_init(struct cpu *cpu) {
  (void)cpu;
  /* FP on (state "initial") so tasks and newlib may use it; the trap entry
   * and the context switch save FP registers. */
  csr_clear(sstatus, SSTATUS_FS_MASK);
  csr_set(sstatus, SSTATUS_FS_INITIAL);
  /* The wake-up IPI, the timer and device interrupts (the PLIC only raises
   * those the board routed here). sstatus.SIE stays clear in the scheduler
   * loop, where they only end a wfi; tasks run with it set. */
  csr_write(sie, SIE_SSIE | SIE_STIE | SIE_SEIE);
  arch_timer_set(UINT64_MAX);
}
