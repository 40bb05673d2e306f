/* StarFive VisionFive 2 (JH7110): 4x U74 (harts 1-4) + 1x S7 (hart 0, no
 * S-mode, skipped by the device-tree reader), under OpenSBI and U-Boot.
 * Console: UART0, a DesignWare 8250 at 0x10000000 with 4-byte register
 * stride and 32-bit accesses (the JH7110 device tree's reg-shift = <2>,
 * reg-io-width = <4>); U-Boot has already set its baud rate (115200).
 * Not run here: see README.md, "visionfive2". */
#include <brigade/board.h>

#include "drivers/uart/ns16550.h"

#define JH7110_UART0_BASE 0x10000000UL

const char board_name[] = "visionfive2";

static const struct ns16550 uart0 = {.base = JH7110_UART0_BASE, .stride = 4, .io_width = 4};

void board_early_init(void) { ns16550_init(&uart0); }

void board_console_putc(char c) { ns16550_putc(&uart0, c); }

int board_console_getc(void) { return ns16550_getc(&uart0); }

/* No machine to leave: the summary line is the verdict (the HIL runner
 * reads it from the console). Stop every interrupt and sleep. */
void board_exit(int code) {
  (void)code;
  for (;;)
    __asm__ volatile("csrw sie, zero; wfi");
}
