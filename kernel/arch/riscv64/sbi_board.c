/* The part of the board contract every RISC-V board under an SBI firmware
 * shares: the machine comes from the device tree, cores start through SBI
 * HSM, and each core masks everything but the wake-up IPI at start. */
#include <brigade/board.h>
#include <brigade/cpu.h>
#include <brigade/devicetree.h>
#include <brigade/fdt.h>
#include <brigade/machine.h>
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
  riscv_time_init(m->timer_hz, m->arch.timer_compare_in_smode && riscv_sstc_usable());
  /* The second pass, with the core list: the last look before any core
   * is set up (board_cpu_init), so every core starts with the choice. */
  if (m->cores)
    board_choose_hart_irqs(dtb);
  return 0;
}

/* Boards without interrupt files of their own for S-mode take SBI's IPIs. */
__attribute__((weak)) void board_choose_hart_irqs(const void *dtb) { (void)dtb; }

/* A test image (tests/runtime/test_boot_lost_start.c) defines this to make
 * hart_start of @p cpu behave as OpenSBI 1.0/1.1 can under load: the firmware
 * moves the hart to START_PENDING before it stores the new entry and argument,
 * and a hart already awake in its wait loop leaves with the old ones, the
 * cold-boot entry _start and the device tree. Production images keep this
 * definition, which never loses a start. */
__attribute__((weak)) bool sbi_lose_hart_start_for_test(const struct cpu *cpu) {
  (void)cpu;
  return false;
}

static int start_hart(const struct cpu *cpu, const void *entry, const void *arg) {
  long err = sbi_hart_start(cpu->hw_id, (unsigned long)entry, (unsigned long)arg);
  if (err) {
    kprintf("brigade: SBI hart_start(%lu) failed: %s\n", (unsigned long)cpu->hw_id,
            sbi_error_name(err));
    return -1;
  }
  return 0;
}

extern char _start[], _secondary_start[];

int board_start_cpu(struct cpu *cpu) {
  if (sbi_lose_hart_start_for_test(cpu))
    return start_hart(cpu, _start, machine.firmware_blob);
  return start_hart(cpu, _secondary_start, cpu);
}

/* OpenSBI 1.0/1.1 (QEMU 7.2's) can lose a start: the hart leaves its wait
 * loop with the cold-boot entry (see sbi_lose_hart_start_for_test), finds the
 * boot claimed in _start and stops itself through hart_stop. brigade never
 * stops a hart otherwise, so a hart that is STOPPED after a successful
 * hart_start and has not reported in was lost, and a new hart_start is safe:
 * the firmware holds it in its wait loop again. Should the new start be lost
 * as well, the hart leaves with what the lost start stored, _secondary_start
 * and its struct cpu, so the second start cannot go astray. */
int board_restart_cpu_if_stopped(struct cpu *cpu) {
  if (sbi_hart_status(cpu->hw_id) != SBI_HSM_STOPPED)
    return 0;
  kprintf("brigade: core %u (hart %lu) stopped again after a successful SBI hart_start, "
          "starting it again\n",
          cpu->index, (unsigned long)cpu->hw_id);
  if (start_hart(cpu, _secondary_start, cpu) < 0)
    return -1;
  return 1;
}

void board_diagnose_cpu(const struct cpu *cpu) {
  static const char *const states[] = {"started", "stopped", "start pending", "stop pending",
                                       "suspended", "suspend pending", "resume pending"};
  long st = sbi_hart_status(cpu->hw_id);
  kprintf("  core %u (hart %lu): SBI HSM state %s\n", cpu->index, (unsigned long)cpu->hw_id,
          st >= 0 && st < 7 ? states[st] : sbi_error_name(st));
}

void board_cpu_init(struct cpu *cpu) {
  /* FP on (state "initial", fcsr at its default) so tasks and newlib may
   * use it; the trap entry and the context switch save FP registers. */
  arch_forget_fp_state();
  /* The wake-up IPI, the timer and device interrupts (the PLIC only raises
   * those the board routed here). sstatus.SIE stays clear in the scheduler
   * loop, where they only end a wfi; tasks run with it set. */
  csr_write(sie, SIE_SSIE | SIE_STIE | SIE_SEIE);
  if (riscv_hart_irqs())
    riscv_hart_irqs()->cpu_init(cpu);
  arch_timer_set(UINT64_MAX);
}
