/* The register frame trap_entry.S saves on the interrupted stack. The asm
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
