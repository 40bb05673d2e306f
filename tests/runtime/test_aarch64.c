/* What the AArch64 boot path promises every core: EL1 on SP_EL0 (SP_EL1 is
 * the core's exception stack), MMU and
 * caches on (exclusives need them on real Cortex-A53s), FP/SIMD usable by
 * every task (access turned on at its first use, off for tasks that never
 * used it), and an instruction counter that survives the PMU's 32-bit wrap. */
#include <stdint.h>
#include <stdio.h>

#include <brigade/arch.h>
#include <brigade/cpu.h>
#include <brigade/sync.h>
#include <brigade/task.h>

#include "kernel/arch/aarch64/include/sysreg.h"
#include "test.h"

struct per_core {
  unsigned long el[64], spsel[64], sctlr[64], cpacr_after_fp[64];
  double fp_result[64];
  unsigned calls;
};

static volatile double fp_operand = 1.5;

static void record(void *arg) {
  struct per_core *p = arg;
  unsigned i = this_cpu()->index;
  if (i < 64) {
    p->el[i] = sysreg_read(CurrentEL) >> 2;
    p->spsel[i] = sysreg_read(spsel);
    p->sctlr[i] = sysreg_read(sctlr_el1);
    p->fp_result[i] = fp_operand * 2;
    p->cpacr_after_fp[i] = sysreg_read(cpacr_el1);
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

TEST(every_core_runs_fp_code_with_access_on_after_it) {
  for (unsigned i = 0; i < cpu_count() && i < 64; i++) {
    EXPECT(seen.fp_result[i] == 3.0);
    EXPECT_EQ(seen.cpacr_after_fp[i] & CPACR_FPEN, CPACR_FPEN);
  }
}

/* ---- FP access per task --------------------------------------------------------- */

/* Two tasks on one core take turns: one never touches an FP register, the
 * other's first FP instruction comes after its first look at CPACR_EL1.
 * Each records FPEN at every turn. The task without FP must see access off
 * every time (the switch turns it off when it brings that task in, so its
 * d8-d15 are never left unsaved); the FP task sees it off before its first
 * FP instruction and on from then on, with its value intact. */
#define FP_TURNS 50

struct fp_turns {
  unsigned long fpen[FP_TURNS + 1];
  double value;
  struct waitgroup *wg;
};

static void take_turns_without_fp(void *arg) {
  struct fp_turns *t = arg;
  for (int i = 0; i < FP_TURNS; i++) {
    t->fpen[i] = sysreg_read(cpacr_el1) & CPACR_FPEN;
    task_yield();
  }
  t->fpen[FP_TURNS] = sysreg_read(cpacr_el1) & CPACR_FPEN;
  waitgroup_done(t->wg);
}

static __attribute__((noinline)) void take_fp_turns(struct fp_turns *t) {
  double v = fp_operand; /* the task's first FP instruction: traps, access on */
  for (int i = 1; i <= FP_TURNS; i++) {
    task_yield();
    v = v * 2 + 1; /* held in an FP register across each yield */
    t->fpen[i] = sysreg_read(cpacr_el1) & CPACR_FPEN;
  }
  t->value = v;
}

/* No FP here: the function with the doubles saves d8-d15 in its prologue. */
static void take_turns_with_fp(void *arg) {
  struct fp_turns *t = arg;
  t->fpen[0] = sysreg_read(cpacr_el1) & CPACR_FPEN;
  take_fp_turns(t);
  waitgroup_done(t->wg);
}

TEST(fp_access_is_off_for_a_task_until_it_uses_fp) {
  struct waitgroup wg = WAITGROUP_INIT;
  static struct fp_turns without, with;
  without.wg = with.wg = &wg;
  struct task_attr attr = {.name = "no fp", .pin = (int)cpu_count() - 1};
  waitgroup_add(&wg, 2);
  ASSERT(task_spawn(NULL, take_turns_without_fp, &without, &attr) == 0);
  attr.name = "fp";
  ASSERT(task_spawn(NULL, take_turns_with_fp, &with, &attr) == 0);
  waitgroup_wait(&wg);
  double want = fp_operand;
  for (int i = 0; i < FP_TURNS; i++)
    want = want * 2 + 1;
  unsigned off_without = 0, on_with = 0;
  for (int i = 0; i <= FP_TURNS; i++) {
    off_without += without.fpen[i] == 0;
    on_with += i > 0 && with.fpen[i] == CPACR_FPEN;
  }
  printf("  task without FP: access off at %u of %d turns; FP task: off before its first FP "
         "instruction: %s, on at %u of %d turns after it\n",
         off_without, FP_TURNS + 1, with.fpen[0] == 0 ? "yes" : "no", on_with, FP_TURNS);
  EXPECT_EQ(off_without, FP_TURNS + 1);
  EXPECT_EQ(with.fpen[0], 0);
  EXPECT_EQ(on_with, FP_TURNS);
  EXPECT(with.value == want);
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
