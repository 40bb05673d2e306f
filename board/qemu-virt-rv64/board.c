/* QEMU "virt" RISC-V 64: devices at the addresses QEMU 7.2's hw/riscv/virt.c
 * gives them. RAM size and harts come from the device tree at boot. */
#include <brigade/board.h>

#include "drivers/misc/sifive_test.h"
#include "drivers/uart/ns16550.h"

#define VIRT_TEST_BASE 0x100000UL
#define VIRT_UART0_BASE 0x10000000UL

const char board_name[] = "qemu-virt-rv64";

static const struct ns16550 uart0 = {.base = VIRT_UART0_BASE, .stride = 1};

void board_early_init(void) { ns16550_init(&uart0); }

void board_console_putc(char c) { ns16550_putc(&uart0, c); }

int board_console_getc(void) { return ns16550_getc(&uart0); }

void board_exit(int code) { sifive_test_exit(VIRT_TEST_BASE, code); }
