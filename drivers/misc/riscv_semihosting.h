/**
 * @file riscv_semihosting.h
 * @brief Exit QEMU with a status through RISC-V semihosting, for QEMU
 *        machines without a finisher device (sifive_u).
 *
 * QEMU-only: it needs QEMU's -semihosting. Without a host the call returns
 * (<brigade/semihosting.h>: the breakpoint is caught), and the status is
 * printed and the core parked, so only boards that exist solely under QEMU
 * should exit this way.
 */
#ifndef BRIGADE_RISCV_SEMIHOSTING_H
#define BRIGADE_RISCV_SEMIHOSTING_H

/** @brief SYS_EXIT_EXTENDED with ADP_Stopped_ApplicationExit and @p code. */
__attribute__((noreturn)) void riscv_semihosting_exit(int code);

#endif
