/* StarFive VisionFive 2 (JH7110): 4x U74 (harts 1-4) + 1x S7 (hart 0, no
 * S-mode, skipped by the device-tree reader), under OpenSBI and U-Boot.
 * Console: UART0, a DesignWare 8250 at 0x10000000 with 4-byte register
 * stride and 32-bit accesses (the JH7110 device tree's reg-shift = <2>,
 * reg-io-width = <4>); U-Boot has already set its baud rate (115200). The
 * console and interrupt glue is board/riscv-ns16550-plic/ns16550_plic_board.c.
 * Not run here: see README.md, "visionfive2". */
#include <brigade/board.h>

#include "board/riscv-ns16550-plic/ns16550_plic_board.h"

#define JH7110_UART0_BASE 0x10000000UL
#define JH7110_UART0_IRQ 32
#define JH7110_PLIC_BASE 0x0c000000UL
#define JH7110_PLIC_SOURCES (136 + 1) /* riscv,ndev = 136 */

const char board_name[] = "visionfive2";

/* Hart 0 (S7) has only an M-mode context (0); U74 hart h has M-mode 2h-1
 * and S-mode 2h, as on the FU540. */
static unsigned jh7110_s_context(uint64_t hart_id) { return 2 * (unsigned)hart_id; }

struct ns16550_plic_board ns16550_plic_board = {
    .uart = {.base = JH7110_UART0_BASE, .stride = 4, .io_width = 4},
    .uart_irq = JH7110_UART0_IRQ,
    .plic = {.base = JH7110_PLIC_BASE,
             .sources = JH7110_PLIC_SOURCES,
             .s_context = jh7110_s_context},
};

/* No machine to leave: the summary line is the verdict (the HIL runner
 * reads it from the console). Stop every interrupt and sleep. */
void board_exit(int code) {
  (void)code;
  for (;;)
    __asm__ volatile("csrw sie, zero; wfi");
}
