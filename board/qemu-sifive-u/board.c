/* QEMU "sifive_u" (HiFive Unleashed, FU540): devices at the addresses QEMU
 * 7.2's hw/riscv/sifive_u.c gives them. Hart 0 is the E51 monitor core
 * without S-mode; the device tree says so (no mmu-type) and the boot skips
 * it. RAM and harts come from the device tree. */
#include <brigade/board.h>

#include "drivers/misc/riscv_semihosting.h"
#include "drivers/uart/sifive_uart.h"

#define SIFIVE_U_UART0_BASE 0x10010000UL

const char board_name[] = "qemu-sifive-u";

static const struct sifive_uart uart0 = {.base = SIFIVE_U_UART0_BASE};

void board_early_init(void) { sifive_uart_init(&uart0); }

void board_console_putc(char c) { sifive_uart_putc(&uart0, c); }

int board_console_getc(void) { return sifive_uart_getc(&uart0); }

/* sifive_u has no finisher device; QEMU runs this board with -semihosting. */
void board_exit(int code) { riscv_semihosting_exit(code); }
