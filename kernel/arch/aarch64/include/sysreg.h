/* AArch64 system registers and bits brigade uses. Only kernel/arch/aarch64,
 * boot/aarch64 and AArch64 drivers include this. */
#ifndef BRIGADE_AARCH64_SYSREG_H
#define BRIGADE_AARCH64_SYSREG_H

#define DAIF_I (1UL << 7) /* IRQ masked */

/* SCTLR_EL1: RES1 bits of ARMv8.0 plus what brigade turns on. */
#define SCTLR_EL1_RES1 ((1UL << 29) | (1UL << 28) | (1UL << 23) | (1UL << 22) | (1UL << 20) | (1UL << 11))
#define SCTLR_M (1UL << 0)  /* MMU */
#define SCTLR_C (1UL << 2)  /* data cache */
#define SCTLR_SA (1UL << 3) /* SP alignment check */
#define SCTLR_I (1UL << 12) /* instruction cache */

#define CNTP_CTL_ENABLE (1UL << 0)

/* CPACR_EL1.FPEN: 0b11, FP/SIMD usable at EL1 and EL0; 0b00, both trap. A
 * task without FP state runs with it 0b00 (kernel/arch/aarch64/switch.S);
 * brigade sets no other CPACR_EL1 bit. */
#define CPACR_FPEN (3UL << 20)
#define CPACR_FPEN_EL1_BIT 20 /* set: EL1 may use FP/SIMD */

/* ESR_ELx.EC values named in panic reports (ARM ARM D17.2.37). */
#define ESR_EC_SHIFT 26
#define ESR_EC_UNKNOWN 0x00
#define ESR_EC_FP_ACCESS 0x07 /* FP/SIMD with CPACR_EL1.FPEN off */
#define ESR_EC_IABT_SAME_EL 0x21
#define ESR_EC_DABT_SAME_EL 0x25
#define ESR_ISS_DABT_WNR (1UL << 6) /* data abort: caused by a write */

#ifndef __ASSEMBLER__
#define sysreg_read(reg)                                                                           \
  ({                                                                                               \
    unsigned long v_;                                                                              \
    __asm__ volatile("mrs %0, " #reg : "=r"(v_)::"memory");                                        \
    v_;                                                                                            \
  })
#define sysreg_write(reg, val) __asm__ volatile("msr " #reg ", %0" ::"r"((unsigned long)(val)) : "memory")
#define isb() __asm__ volatile("isb" ::: "memory")
#define dsb(opt) __asm__ volatile("dsb " #opt ::: "memory")
#endif

#endif
