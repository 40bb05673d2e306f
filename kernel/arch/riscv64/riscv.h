/* Internal interface between RISC-V arch code and RISC-V boards. */
#ifndef BRIGADE_RISCV_INTERNAL_H
#define BRIGADE_RISCV_INTERNAL_H

#include <stdint.h>

struct trap_frame;

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
