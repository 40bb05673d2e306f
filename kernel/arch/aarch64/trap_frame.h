/* The register frame trap_entry.S saves (on the interrupted
 * stack for an IRQ, on the core's exception stack otherwise). The asm
 * uses the TF_* offsets below; the static asserts in trap.c tie them to this
 * struct, so the two cannot drift apart. */
#ifndef BRIGADE_AARCH64_TRAP_FRAME_H
#define BRIGADE_AARCH64_TRAP_FRAME_H

#define TF_X(n) ((n) * 8) /* x0..x30 */
#define TF_SP (31 * 8)
#define TF_ELR (32 * 8)
#define TF_SPSR (33 * 8)
#define TF_ESR (34 * 8)
#define TF_FAR (35 * 8)
#define TF_FPCR (36 * 8)
#define TF_FPSR (37 * 8)
#define TF_CPACR (38 * 8) /* CPACR_EL1 at entry: FPEN off, no FP state saved */
#define TF_Q(n) (40 * 8 + (n) * 16) /* q0..q31, 16-byte aligned */
#define TF_SIZE (40 * 8 + 32 * 16)  /* 832, a multiple of 16 */

/* Which vector was taken (the second argument of aarch64_trap). */
#define TRAP_SYNC 0
#define TRAP_IRQ 1
#define TRAP_FIQ 2
#define TRAP_SERROR 3
#define TRAP_UNEXPECTED_VECTOR 4 /* from EL0, or an interrupt on the exception stack */

#ifndef __ASSEMBLER__
struct trap_frame {
  unsigned long x[31];
  unsigned long sp;
  unsigned long elr;
  unsigned long spsr;
  unsigned long esr;
  unsigned long far;
  unsigned long fpcr;
  unsigned long fpsr;
  unsigned long cpacr;
  unsigned long pad;
  __uint128_t q[32];
};
#endif

#endif
