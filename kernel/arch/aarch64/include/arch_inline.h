/* AArch64 implementations of the inline part of the arch contract.
 * Included only by <brigade/arch.h>. */
#ifndef BRIGADE_AARCH64_ARCH_INLINE_H
#define BRIGADE_AARCH64_ARCH_INLINE_H

#include "sysreg.h"

/* TPIDR_EL1 holds the per-core structure. The compiler never touches it
 * (freestanding: no TLS), and neither a context switch nor a trap saves or
 * restores it, so it stays with the core while tasks move between cores.
 * Code must therefore not keep the result of arch_this_cpu() across a point
 * where the task may switch. */
static inline struct cpu *arch_this_cpu(void) {
  struct cpu *cpu;
  __asm__ volatile("mrs %0, tpidr_el1" : "=r"(cpu));
  return cpu;
}

static inline void arch_set_this_cpu(struct cpu *cpu) {
  __asm__ volatile("msr tpidr_el1, %0" ::"r"(cpu) : "memory");
}

/* The token is DAIF as it was: restore tests its I bit. Opaque to callers
 * (arch.h), so no instruction goes into turning it into a 0 or 1; the yield
 * that finds nothing to run saves three that way. */
static inline unsigned long arch_irq_save(void) {
  unsigned long daif;
  __asm__ volatile("mrs %0, daif\n\tmsr daifset, #2" : "=r"(daif)::"memory");
  return daif;
}

/* The token of a core whose interrupts were masked (arch.h). */
#define ARCH_IRQ_TOKEN_MASKED DAIF_I

static inline void arch_irq_restore(unsigned long token) {
  if (!(token & DAIF_I))
    __asm__ volatile("msr daifclr, #2" ::: "memory");
}

static inline void arch_irq_enable(void) { __asm__ volatile("msr daifclr, #2" ::: "memory"); }

static inline bool arch_irq_enabled(void) {
  unsigned long daif;
  __asm__ volatile("mrs %0, daif" : "=r"(daif));
  return (daif & DAIF_I) == 0;
}

static inline void arch_cpu_relax(void) { __asm__ volatile("yield" ::: "memory"); }

/* The isb keeps the counter read from being hoisted above earlier code
 * (reads of CNTPCT are not ordered by themselves). */
static inline uint64_t arch_now_ticks(void) {
  uint64_t t;
  __asm__ volatile("isb\n\tmrs %0, cntpct_el0" : "=r"(t)::"memory");
  return t;
}

/* No ISB: the counter may be read ahead of the loads before it. */
static inline uint64_t arch_now_ticks_unordered(void) {
  uint64_t t;
  __asm__ volatile("mrs %0, cntpct_el0" : "=r"(t));
  return t;
}

/* PMU event counter 0 counts INST_RETIRED (set up per core by
 * aarch64_cpu_init), but ARMv8.0 event counters are 32 bits wide: at a
 * billion instructions a second they wrap every few seconds. This core's
 * last reading, extended to 64 bits, is kept in TPIDRRO_EL0 (free: EL0
 * never runs), and a reading below it means one wrap since. So the count
 * is exact as long as a core reads it at least once per 2^32 instructions
 * between two readings it subtracts, which a benchmark repetition does.
 * Interrupts are masked so a task cannot move to another core between the
 * two registers. */
static inline uint64_t arch_instructions_retired(void) {
  uint64_t daif, last, low;
  __asm__ volatile("mrs %0, daif\n\t"
                   "msr daifset, #2\n\t"
                   "mrs %1, tpidrro_el0\n\t"
                   "mrs %2, pmevcntr0_el0"
                   : "=r"(daif), "=r"(last), "=r"(low)::"memory");
  uint64_t now = (last & ~(uint64_t)0xffffffff) | (low & 0xffffffff);
  if (now < last)
    now += (uint64_t)1 << 32;
  __asm__ volatile("msr tpidrro_el0, %0\n\t"
                   "msr daif, %1" ::"r"(now), "r"(daif)
                   : "memory");
  return now;
}

/* 16 KiB: a fault frame (816 bytes) and the panic report printed from it,
 * with room for a fault inside that report (trap_entry.S). */
#define ARCH_EXCEPTION_STACK_SIZE (16 * 1024)

#define ARCH_STACK_EXTRA 0

/* Task stacks live in slots of a virtual region of their own, each above
 * an unmapped guard (kernel/stack_slot_paging.c; the tables in mmu.c). At
 * 448 GiB: above every board's RAM and devices, below the 512 GiB the 39-bit map reaches (mmu.c refuses a board region inside it); 64 GiB, room for some 800,000 default stacks. */
#define ARCH_HAS_STACK_SLOTS 1
#define ARCH_STACK_REGION_BASE 0x7000000000UL
#define ARCH_STACK_REGION_SIZE (64UL << 30)

static inline void arch_switch_hint(void *next_stack_lo, size_t size) {
  (void)next_stack_lo;
  (void)size;
}

static inline void arch_stack_release(void *stack_lo, size_t size) {
  (void)stack_lo;
  (void)size;
}

/* The load half of arch_switch alone (switch.S). */
__attribute__((noreturn)) void aarch64_switch_final(void **save_sp, void *next_sp, void *arg);

static inline void arch_switch_final(void **save_sp, void *next_sp, void *arg) {
  aarch64_switch_final(save_sp, next_sp, arg);
}

/* switch.S: a new task's first "return" lands here (arch_init_stack). */
void arch_task_trampoline(void);

static inline void *arch_init_stack(void *stack_lo, size_t size,
                                    void (*entry)(void *arg, void *switch_arg), void *arg) {
  uintptr_t top = ((uintptr_t)stack_lo + size) & ~(uintptr_t)15;
  unsigned long *frame = (unsigned long *)top - 24;
  /* switch.S's frame: x19-x28, x29, x30, d8-d15, FPCR, FPSR, and CPACR_EL1
   * as the task left it (word 22; word 23 pads). The first switch-in reads
   * x19, x20, x30 and word 22 (FP access off: a new task has no FP state,
   * so no FP register is loaded). x29 is 0 so that a debugger unwinding a
   * task that has not run yet stops there. The other registers it loads
   * are dead: the trampoline's callee saves any it uses before use, as the
   * ABI has it, and never returns. They are left unwritten: zeroing the
   * frame cost 68 instructions on every task's first run. */
  frame[0] = (unsigned long)entry;                 /* x19 */
  frame[1] = (unsigned long)arg;                   /* x20 */
  frame[10] = 0;                                   /* x29 */
  frame[11] = (unsigned long)arch_task_trampoline; /* x30 */
  frame[22] = 0;                                   /* CPACR_EL1, FP access off */
  return frame;
}

#endif
