/* Internal interface between RISC-V arch code and RISC-V boards. */
#ifndef BRIGADE_RISCV_INTERNAL_H
#define BRIGADE_RISCV_INTERNAL_H

#include <stdint.h>

struct cpu;
struct trap_frame;

/**
 * How harts take interrupts and wake each other, when a board's interrupt
 * controller does it instead of SBI: harts with their own S-level
 * interrupt files (AIA's IMSIC) signal each other with one store, where
 * an SBI IPI costs an ecall into M-mode on the sender and an M-mode trap
 * on the target. NULL members are not allowed.
 */
struct riscv_hart_irqs {
  /** This hart's part, on each core from board_cpu_init (interrupts masked). */
  void (*cpu_init)(struct cpu *cpu);
  /** arch_send_ipi: raise the wake-up interrupt on @p target. */
  void (*send_ipi)(const struct cpu *target);
  /** arch_clear_ipi: drop this hart's pending wake-up (interrupts masked). */
  void (*clear_ipi)(void);
};

/**
 * @brief Send and take wake-ups through @p irqs from now on instead of SBI.
 *        On the boot core, before any core runs board_cpu_init (from
 *        board_choose_hart_irqs), so every core sees it from its start.
 */
void riscv_use_hart_irqs(const struct riscv_hart_irqs *irqs);

/** @brief The hart-level interrupts in use: NULL while SBI serves them. */
const struct riscv_hart_irqs *riscv_hart_irqs(void);

/**
 * @brief Defined by a board whose harts may have their own S-level
 *        interrupt files: look for them in @p dtb and, if they are there,
 *        riscv_use_hart_irqs. Called by board_describe on the boot core
 *        once the tree is read, before any core is set up. Boards that do
 *        not define it keep SBI (a weak default in sbi_board.c).
 */
void board_choose_hart_irqs(const void *dtb);

/** @brief Record the timebase and whether harts implement Sstc. */
void riscv_time_init(uint64_t timebase_hz, int sstc);

/**
 * @brief True when writing stimecmp works here: the device tree may list
 *        Sstc while the firmware has not enabled it (menvcfg.STCE), and then
 *        the write traps. Probed once, with the trap caught.
 */
int riscv_sstc_usable(void);

/** @brief Print a trap frame (registers with ABI names) to the panic console. */
void riscv_dump_frame(const struct trap_frame *tf);

/**
 * @brief Build the Sv39 identity map with W^X (mmu.c). Boot hart only,
 *        paging off, before any other hart runs; start.S then installs it
 *        on every hart (riscv_satp).
 * @return 0, or -1 if the map does not fit the tables.
 */
int riscv_mmu_build(void);

/** @brief What the map holds at @p addr, for fault reports ("read-only text"). */
const char *riscv_mmu_region(uintptr_t addr);

#endif
