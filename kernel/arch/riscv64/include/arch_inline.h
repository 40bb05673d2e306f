/* RISC-V implementations of the inline part of the arch contract.
 * Included only by <brigade/arch.h>. */
#ifndef BRIGADE_RISCV_ARCH_INLINE_H
#define BRIGADE_RISCV_ARCH_INLINE_H

#include "csr.h"

/* tp holds the per-core structure. Nothing else in brigade uses tp (no TLS),
 * and a context switch never saves or restores it, so it stays with the core
 * while tasks move between cores. Code must therefore not keep the result of
 * arch_this_cpu() across a point where the task may switch. */
static inline struct cpu *arch_this_cpu(void) {
  struct cpu *cpu;
  __asm__ volatile("mv %0, tp" : "=r"(cpu));
  return cpu;
}

static inline void arch_set_this_cpu(struct cpu *cpu) {
  __asm__ volatile("mv tp, %0" ::"r"(cpu) : "memory");
}

static inline unsigned long arch_irq_save(void) {
  return csr_read_clear(sstatus, SSTATUS_SIE) & SSTATUS_SIE;
}

/* The token of a core whose interrupts were masked (arch.h): SIE clear. */
#define ARCH_IRQ_TOKEN_MASKED 0

/* The token is SIE as arch_irq_save read it (0 or SSTATUS_SIE), so setting
 * the token's bits is the whole restore: one csrs, no branch; with 0 it
 * changes nothing. */
static inline void arch_irq_restore(unsigned long token) { csr_set(sstatus, token); }

static inline void arch_irq_enable(void) { csr_set(sstatus, SSTATUS_SIE); }

static inline bool arch_irq_enabled(void) { return (csr_read(sstatus) & SSTATUS_SIE) != 0; }

static inline void arch_cpu_relax(void) {
  /* Zihintpause "pause" is a hint; encoded as a fence so older assemblers
   * accept it and harts without the extension treat it as a no-op. */
  __asm__ volatile(".insn i 0x0f, 0, x0, x0, 0x010" ::: "memory");
}

static inline uint64_t arch_now_ticks(void) {
  uint64_t t;
  __asm__ volatile("rdtime %0" : "=r"(t));
  return t;
}

/* The read needs no barrier here: the same as arch_now_ticks. */
static inline uint64_t arch_now_ticks_unordered(void) { return arch_now_ticks(); }

static inline uint64_t arch_instructions_retired(void) {
  uint64_t n;
  __asm__ volatile("rdinstret %0" : "=r"(n));
  return n;
}

/* 16 KiB: a fault frame (560 bytes) and the panic report printed from it,
 * with room for a fault inside that report (trap_entry.S). */
#define ARCH_EXCEPTION_STACK_SIZE (16 * 1024)

#define ARCH_STACK_EXTRA 0

/* Task stacks live in slots of a virtual region of their own, each above
 * an unmapped guard (kernel/stack_slot_paging.c; the tables in mmu.c). At
 * 192 GiB: the identity map (mmu.c) stops below it; 64 GiB, room for some 800,000 default stacks. */
#define ARCH_HAS_STACK_SLOTS 1
#define ARCH_STACK_REGION_BASE 0x3000000000UL
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
__attribute__((noreturn)) void riscv_switch_final(void **save_sp, void *next_sp, void *arg);

static inline void arch_switch_final(void **save_sp, void *next_sp, void *arg) {
  riscv_switch_final(save_sp, next_sp, arg);
}

/* switch.S: a new task's first "return" lands here (arch_init_stack). */
void arch_task_trampoline(void);

static inline void *arch_init_stack(void *stack_lo, size_t size,
                                    void (*entry)(void *arg, void *switch_arg), void *arg) {
  uintptr_t top = ((uintptr_t)stack_lo + size) & ~(uintptr_t)15;
  unsigned long *frame = (unsigned long *)top - 28;
  /* switch.S's frame: ra, s0-s11, fs0-fs11, word 25 saying whether they
   * and fcsr (word 26) are in it, and a pad. The first switch-in reads ra,
   * s0, s1 and word 25 (0: no FP state, so no FP register is loaded). The
   * s-registers it also loads are dead: the trampoline's callee saves any
   * it uses before use, as the ABI has it, and never returns. They are
   * left unwritten: zeroing them would cost a memset call, about 90
   * instructions, on every task's first run. */
  frame[0] = (unsigned long)arch_task_trampoline; /* ra */
  frame[1] = (unsigned long)entry;                /* s0 */
  frame[2] = (unsigned long)arg;                  /* s1 */
  frame[25] = 0;                                  /* no FP state */
  return frame;
}

#endif
