/* RISC-V S-mode implementation of the out-of-line arch contract. */
#include <stddef.h>
#include <stdint.h>

#include <brigade/arch.h>
#include <brigade/cpu.h>
#include <sbi.h>

#include "riscv.h"

static uint64_t tick_hz;
static int have_sstc;

void riscv_time_init(uint64_t timebase_hz, int sstc) {
  tick_hz = timebase_hz;
  have_sstc = sstc;
}

uint64_t arch_tick_hz(void) { return tick_hz; }

bool arch_can_preempt(void) { return true; }

const char *arch_timer_description(void) {
  return have_sstc ? " (stimecmp, Sstc)" : " (SBI set_timer)";
}

void arch_wait_for_interrupt(void) { __asm__ volatile("wfi" ::: "memory"); }

void arch_timer_set(uint64_t deadline_ticks) {
  /* Sstc lets S-mode write its compare register directly (no trap into
   * OpenSBI); otherwise SBI set_timer does the same through M-mode. Either
   * way a deadline of UINT64_MAX means "no timer". */
  if (have_sstc)
    __asm__ volatile("csrw 0x14D, %0" ::"r"(deadline_ticks)); /* stimecmp */
  else
    sbi_set_timer(deadline_ticks);
}

/* Written once on the boot core before the other cores start (SBI HSM
 * hart_start, whose entry happens after it), read-only afterwards. */
static const struct riscv_hart_irqs *hart_irqs;

void riscv_use_hart_irqs(const struct riscv_hart_irqs *irqs) { hart_irqs = irqs; }

const struct riscv_hart_irqs *riscv_hart_irqs(void) { return hart_irqs; }

void arch_send_ipi(const struct cpu *target) {
  /* The SBI call is an ecall, a trap into M-mode: every earlier store of
   * this hart is performed before OpenSBI's store to the target's MSIP, so
   * the target sees the published work when it takes the interrupt. An
   * interrupt controller's send_ipi argues its own ordering. */
  if (hart_irqs)
    hart_irqs->send_ipi(target);
  else
    sbi_send_ipi_one(target->hw_id);
}

void arch_clear_ipi(void) {
  if (hart_irqs)
    hart_irqs->clear_ipi();
  else
    csr_clear(sip, SIE_SSIE);
}

uint64_t arch_last_device_irq_instret(void) { return this_cpu()->arch.device_irq_instret; }

/* Nothing to install: trap_entry.S reads exception_stack_top from the core's
 * struct cpu (tp) at every exception, and uses the static early stack while
 * it is NULL. */
void arch_exception_stack_ready(struct cpu *cpu) { (void)cpu; }

/* FS Initial with fcsr at its default (0), as switch.S leaves a task
 * without FP state: FS Dirty first (fcsr cannot be written while FS is
 * Off), fcsr 0, then Dirty (3) less Clean's bit (2) is Initial (1). FS
 * Initial already means fcsr 0 already (every way to Initial writes it,
 * and only an FP write leaves Initial): most calls, each sleep of a
 * scheduler loop, stop at that look. */
void arch_forget_fp_state(void) {
  if ((csr_read(sstatus) & SSTATUS_FS_MASK) == SSTATUS_FS_INITIAL)
    return;
  csr_set(sstatus, SSTATUS_FS_DIRTY);
  __asm__ volatile("fscsr zero" ::: "memory");
  csr_clear(sstatus, SSTATUS_FS_CLEAN);
}

