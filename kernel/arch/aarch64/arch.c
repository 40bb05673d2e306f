/* AArch64 (EL1) implementation of the out-of-line arch contract. The
 * interrupt controller differs per board (GICv2, BCM2836 local), so IPIs go
 * through the board (aarch64.h); the timer is the ARM generic timer's EL1
 * physical timer on every board. */
#include <stddef.h>
#include <stdint.h>

#include <brigade/arch.h>
#include <brigade/board.h>
#include <brigade/cpu.h>
#include <brigade/devicetree.h>

#include "aarch64.h"
#include "sysreg.h"

#define PMCR_E (1UL << 0)  /* counters on */
#define PMCR_P (1UL << 1)  /* reset event counters */
#define PMU_EVENT_INST_RETIRED 0x08

uint64_t aarch64_boot_el;
struct cpu *aarch64_spin_cpus[AARCH64_SPIN_CORES];

uint64_t aarch64_timer_frequency(void) { return sysreg_read(cntfrq_el0); }

uint64_t arch_tick_hz(void) { return sysreg_read(cntfrq_el0); }

bool arch_can_preempt(void) { return true; }

const char *arch_timer_description(void) { return " (generic timer, EL1 physical)"; }

void arch_wait_for_interrupt(void) {
  /* wfi wakes on a pending IRQ even with PSTATE.I set, which is what the
   * contract asks: the caller keeps interrupts masked and re-checks. */
  __asm__ volatile("dsb sy\n\twfi" ::: "memory");
}

void arch_timer_set(uint64_t deadline_ticks) {
  /* The timer condition is CNTPCT >= CVAL, so UINT64_MAX never fires: no
   * need to toggle the enable bit. Writing CVAL also lowers the level-
   * triggered interrupt of a deadline that has passed. */
  sysreg_write(cntp_cval_el0, deadline_ticks);
  isb();
}

void arch_send_ipi(const struct cpu *target) { board_send_ipi(target); }

void arch_clear_ipi(void) { board_clear_ipi(); }

uint64_t arch_last_device_irq_instret(void) { return this_cpu()->arch.device_irq_instret; }

/* Every core the device tree lists can run brigade, and the timer's rate
 * and the cores' identities come from system registers: nothing to read. */
void arch_dt_describe(const void *dtb, struct machine *m) {
  (void)dtb;
  (void)m;
}

void aarch64_cpu_init(void) {
  sysreg_write(cntp_cval_el0, UINT64_MAX);
  sysreg_write(cntp_ctl_el0, CNTP_CTL_ENABLE);
  /* Event counter 0 counts instructions retired at EL1 (the filter's
   * default), for benchmarks. Under QEMU it counts only with -icount. */
  sysreg_write(pmevtyper0_el0, PMU_EVENT_INST_RETIRED);
  sysreg_write(pmcntenset_el0, 1UL << 0);
  sysreg_write(pmcr_el0, sysreg_read(pmcr_el0) | PMCR_E | PMCR_P);
  sysreg_write(tpidrro_el0, 0); /* arch_instructions_retired's 64-bit extension */
  isb();
}

/* FP access off: every context turns it on by its first FP instruction
 * (switch.S, trap_entry.S). The isb makes that next instruction trap. Most
 * calls (each sleep of a scheduler loop) find access off already: a read,
 * no write and no isb. */
void arch_forget_fp_state(void) {
  unsigned long cpacr = sysreg_read(cpacr_el1);
  if (cpacr & CPACR_FPEN) {
    sysreg_write(cpacr_el1, cpacr & ~CPACR_FPEN);
    isb();
  }
}

/* Called by start.S, MMU still off, when the board's memory map cannot be
 * built. Nothing else works yet (no locks, no memset: everything is Device
 * memory), so say it through the UART as the firmware left it, and stop. */
void aarch64_mmu_failed(void) {
  for (const char *s = "\nPANIC during early boot: the board's memory map (board_mmu_regions) is "
                       "misaligned, overlaps, or needs more tables than kernel/arch/aarch64/mmu.c "
                       "has\n";
       *s; s++)
    board_console_putc(*s);
  semihosting_exit(3);
  for (;;)
    __asm__ volatile("wfe");
}

/* SP_EL1 is the exception stack (trap_entry.S). EL1 cannot name SP_EL1 in
 * an msr; it selects it (spsel 1), sets sp, and goes back to SP_EL0. Writes
 * to PSTATE.SPSel take effect for the next instruction, and no stack access
 * lies between the three, so nothing runs on the wrong stack. Interrupts
 * are masked (boot), and a fault cannot occur in these three instructions. */
void arch_exception_stack_ready(struct cpu *cpu) {
  __asm__ volatile("msr spsel, #1\n\t"
                   "mov sp, %0\n\t"
                   "msr spsel, #0" ::"r"(cpu->exception_stack_top)
                   : "memory");
}
