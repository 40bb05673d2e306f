/* What the AArch64 boot path promises every core: EL1 on SP_EL0 (SP_EL1 is
 * the core's exception stack), MMU and
 * caches on (exclusives need them on real Cortex-A53s), FP/SIMD usable, and
 * an instruction counter that survives the PMU's 32-bit wrap. */
#include <stdint.h>

#include <brigade/arch.h>
#include <brigade/cpu.h>
#include <brigade/task.h>

#include "kernel/arch/aarch64/include/sysreg.h"
#include "test.h"

struct per_core {
  unsigned long el[64], spsel[64], sctlr[64], cpacr[64];
  unsigned calls;
};

static void record(void *arg) {
  struct per_core *p = arg;
  unsigned i = this_cpu()->index;
  if (i < 64) {
    p->el[i] = sysreg_read(CurrentEL) >> 2;
    p->spsel[i] = sysreg_read(spsel);
    p->sctlr[i] = sysreg_read(sctlr_el1);
    p->cpacr[i] = sysreg_read(cpacr_el1);
  }
  __atomic_fetch_add(&p->calls, 1, __ATOMIC_RELAXED);
}

static struct per_core seen;

TEST(every_core_runs_at_el1_on_sp_el0) {
  smp_call_all(record, &seen);
  EXPECT_EQ(seen.calls, cpu_count());
  for (unsigned i = 0; i < cpu_count() && i < 64; i++) {
    EXPECT_EQ(seen.el[i], 1);
    EXPECT_EQ(seen.spsel[i], 0);
  }
}

TEST(every_core_has_mmu_and_both_caches_on) {
  for (unsigned i = 0; i < cpu_count() && i < 64; i++)
    EXPECT_EQ(seen.sctlr[i] & (SCTLR_M | SCTLR_C | SCTLR_I), SCTLR_M | SCTLR_C | SCTLR_I);
}

TEST(every_core_may_use_fp_and_simd) {
  for (unsigned i = 0; i < cpu_count() && i < 64; i++)
    EXPECT_EQ((seen.cpacr[i] >> 20) & 3, 3);
  volatile double x = 1.5;
  EXPECT(x * 2 == 3.0);
}

TEST(instruction_counter_is_exact_across_the_32_bit_wrap) {
  if (arch_instructions_retired() == arch_instructions_retired())
    SKIP("the PMU counts no instructions here (QEMU counts INST_RETIRED only with -icount)");
  /* Put the hardware counter just below its wrap, then run a loop of a
   * known length across it: the extended count must grow by that length
   * (plus the few instructions of the reads), not drop by 2^32. */
  unsigned long irq = arch_irq_save();
  uint64_t before = arch_instructions_retired();
  sysreg_write(pmevcntr0_el0, 0xfffff000UL);
  sysreg_write(tpidrro_el0, (before & ~0xffffffffULL) | 0xfffff000UL);
  isb();
  uint64_t t0 = arch_instructions_retired();
  unsigned long left = 100000; /* 2 instructions an iteration */
  __asm__ volatile("1: subs %0, %0, #1\n\tb.ne 1b" : "+r"(left)::"cc");
  uint64_t t1 = arch_instructions_retired();
  arch_irq_restore(irq);
  EXPECT(t1 > t0);
  EXPECT(t1 - t0 >= 200000 && t1 - t0 < 200100);
  EXPECT((t0 & 0xffffffff) >= 0xfffff000 && (t1 & 0xffffffff) < 200100); /* it did wrap */
}
