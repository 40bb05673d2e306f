/**
 * @file board.h
 * @brief What the portable kernel asks of a board (board/<name>/).
 */
#ifndef BRIGADE_BOARD_H
#define BRIGADE_BOARD_H

#include <stdbool.h>
#include <stdint.h>

struct cpu;
struct machine;

/**
 * @brief The portable boot (boot/boot.c), entered once on the boot core from
 *        the board's first code (boot/<arch>/start.S, or the host's main())
 *        with its hardware id and what the firmware handed over.
 */
__attribute__((noreturn)) void kernel_boot(uint64_t boot_hw_id, const void *firmware_arg);

/** @brief Where a secondary core started by board_start_cpu enters C. */
__attribute__((noreturn)) void kernel_secondary(struct cpu *cpu);

/* ---- What the portable kernel asks of a board ---- */

/** @brief Board name as used in -DBRIGADE_BOARD. */
extern const char board_name[];

/** @brief Make the console usable (polled), before anything else. */
void board_early_init(void);

/**
 * @brief Describe the machine (RAM, cores, timer) from what the firmware
 *        handed over (a device tree on every current board).
 * @return 0, or a negative value after printing why the description is unusable.
 */
int board_describe(const void *firmware_arg, struct machine *m);

/** @brief Start secondary core @p cpu; it must enter kernel_secondary(cpu). */
int board_start_cpu(struct cpu *cpu);

/**
 * @brief Start core @p cpu again if the firmware has lost its start: a core
 *        that board_start_cpu started successfully and that is back in the
 *        firmware's stopped state without having entered kernel_secondary.
 *        The boot core asks this now and then of every core it waits for.
 * @return 1 if it started the core again, 0 if the core is not stopped (or
 *         the board's firmware never loses a start), -1 after printing why
 *         a new start failed.
 */
int board_restart_cpu_if_stopped(struct cpu *cpu);

/** @brief Explain why a core that was started has not reported in (its state). */
void board_diagnose_cpu(const struct cpu *cpu);

/** @brief Per-core set-up on each core as it comes up (traps, FPU, timers). */
void board_cpu_init(struct cpu *cpu);

/**
 * @brief Attach device interrupts (irq_attach), route them at the interrupt
 *        controller and switch drivers to interrupt mode. Called once on the
 *        boot core after every core is up and before the first task runs.
 */
void board_devices_init(void);

/** @brief Put one byte on the console UART, polling. */
void board_console_putc(char c);

/** @brief A byte from the console UART, or -1 when none is waiting. */
int board_console_getc(void);

/** @brief Stop the machine; under QEMU make it exit with @p code. */
__attribute__((noreturn)) void board_exit(int code);

#endif
