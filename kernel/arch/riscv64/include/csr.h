/* RISC-V supervisor CSRs and bits brigade uses. Only kernel/arch/riscv64,
 * boot/riscv64 and RISC-V drivers include this. */
#ifndef BRIGADE_RISCV_CSR_H
#define BRIGADE_RISCV_CSR_H

#define SSTATUS_SIE (1UL << 1)
#define SSTATUS_SPIE (1UL << 5)
#define SSTATUS_SPP (1UL << 8)
#define SSTATUS_FS_MASK (3UL << 13)
#define SSTATUS_FS_INITIAL (1UL << 13)
#define SSTATUS_FS_CLEAN (2UL << 13)
#define SSTATUS_FS_DIRTY (3UL << 13)

#define SIE_SSIE (1UL << 1) /* software (IPI) */
#define SIE_STIE (1UL << 5) /* timer */
#define SIE_SEIE (1UL << 9) /* external (PLIC) */
#define SIE_SEIE (1UL << 9) /* external (PLIC) */

#define SCAUSE_INTERRUPT (1UL << 63)
#define IRQ_S_SOFT 1
#define IRQ_S_TIMER 5
#define IRQ_S_EXT 9
#define EXC_BREAKPOINT 3 /* scause of an ebreak */
#define EXC_INSTRUCTION_ACCESS_FAULT 1
#define EXC_LOAD_ACCESS_FAULT 5
#define EXC_STORE_ACCESS_FAULT 7
#define EXC_INSTRUCTION_PAGE_FAULT 12
#define EXC_LOAD_PAGE_FAULT 13
#define EXC_STORE_PAGE_FAULT 15

#ifndef __ASSEMBLER__
#define csr_read(csr)                                                                              \
  ({                                                                                               \
    unsigned long v_;                                                                              \
    __asm__ volatile("csrr %0, " #csr : "=r"(v_)::"memory");                                       \
    v_;                                                                                            \
  })
#define csr_write(csr, val) __asm__ volatile("csrw " #csr ", %0" ::"rK"(val) : "memory")
#define csr_set(csr, bits) __asm__ volatile("csrs " #csr ", %0" ::"rK"(bits) : "memory")
#define csr_clear(csr, bits) __asm__ volatile("csrc " #csr ", %0" ::"rK"(bits) : "memory")
#define csr_read_clear(csr, bits)                                                                  \
  ({                                                                                               \
    unsigned long v_;                                                                              \
    __asm__ volatile("csrrc %0, " #csr ", %1" : "=r"(v_) : "rK"(bits) : "memory");                 \
    v_;                                                                                            \
  })
#endif

#endif
