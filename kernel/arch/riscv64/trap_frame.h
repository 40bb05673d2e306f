/* The register frame trap_entry.S saves (on the interrupted
 * stack for an interrupt, on the core's exception stack for an exception). The asm
 * uses the TF_* offsets below; the static asserts in trap.c tie them to this
 * struct, so the two cannot drift apart. */
#ifndef BRIGADE_RISCV_TRAP_FRAME_H
#define BRIGADE_RISCV_TRAP_FRAME_H

#define TF_X(n) ((n) * 8)   /* x1..x31; slot 0 is unused */
#define TF_SEPC (32 * 8)
#define TF_SSTATUS (33 * 8)
#define TF_SCAUSE (34 * 8)
#define TF_STVAL (35 * 8)
#define TF_F(n) ((36 + (n)) * 8)
#define TF_FCSR (68 * 8)
#define TF_SIZE (70 * 8) /* 16-byte aligned */

/* struct cpu's exception_stack_top (kernel/cpu.c asserts the offset) and
 * the size of each exception stack, 1 << EXC_STACK_SHIFT (trap.c asserts
 * it is ARCH_EXCEPTION_STACK_SIZE). */
#define CPU_EXCEPTION_STACK_TOP 8
#define EXC_STACK_SHIFT 14
#define EXC_STACK_SIZE (1 << EXC_STACK_SHIFT)

/* struct cpu's arch.irq_sepc, irq_sstatus, irq_scause (trap.c asserts
 * them). */
#define CPU_IRQ_SEPC 64
#define CPU_IRQ_SSTATUS 72
#define CPU_IRQ_SCAUSE 80

#ifndef __ASSEMBLER__
struct trap_frame {
  unsigned long x[32];
  unsigned long sepc;
  unsigned long sstatus;
  unsigned long scause;
  unsigned long stval;
  unsigned long f[32];
  unsigned long fcsr;
  unsigned long pad;
};
#endif

#endif
