/* QEMU "sifive_u" (HiFive Unleashed, FU540): devices at the addresses and
 * interrupt lines QEMU 7.2's hw/riscv/sifive_u.c gives them. Hart 0 is the
 * E51 monitor core without S-mode; the device tree says so (no mmu-type)
 * and the boot skips it. RAM and harts come from the device tree. */
#include <brigade/board.h>
#include <brigade/console.h>
#include <brigade/cpu.h>
#include <brigade/serial.h>

#include "drivers/irq/plic.h"
#include "drivers/misc/riscv_semihosting.h"
#include "drivers/uart/sifive_uart.h"

#define SIFIVE_U_UART0_BASE 0x10010000UL
#define SIFIVE_U_UART0_IRQ 4
#define SIFIVE_U_PLIC_BASE 0x0c000000UL
#define SIFIVE_U_PLIC_SOURCES 54 /* riscv,ndev = 53; source 0 means "none" */

/* QEMU 7.2's model of this UART never reports its TX FIFO full and hands
 * each byte to the character device at once; behind a socket (labgrid's
 * console) bytes are dropped when a burst outruns the reader. Real
 * hardware paces itself by the FIFO-full bit. Here the console is paced at
 * one byte per 40 timebase ticks (40 us at sifive_u's 1 MHz, about twice
 * a 115200-baud UART). A unix socket holds a few hundred one-byte writes
 * (each is its own buffer), so the reader may be off the CPU for about
 * 10 ms before a byte is lost; at 10 us a byte it was 3 ms, which a loaded
 * host exceeded (docs/HIL.md). A task waits out the pace with interrupts
 * on (io/serial.c), so the pace costs output time, not latency. */
#define CONSOLE_TICKS_PER_BYTE 40

const char board_name[] = "qemu-sifive-u";

static struct sifive_uart uart0 = {.base = SIFIVE_U_UART0_BASE,
                                   .tx_pace_ticks = CONSOLE_TICKS_PER_BYTE};
static struct serial_port console_uart;

/* QEMU builds the PLIC's contexts from the harts' modes ("M,MS,MS,..."):
 * hart 0, the E51, has only an M-mode context (0); U54 hart h has M-mode
 * 2h-1 and S-mode 2h, as on the real FU540. */
static unsigned sifive_u_s_context(uint64_t hart_id) { return 2 * (unsigned)hart_id; }

static const struct plic plic = {
    .base = SIFIVE_U_PLIC_BASE, .sources = SIFIVE_U_PLIC_SOURCES, .s_context = sifive_u_s_context};

void board_early_init(void) {
  sifive_uart_init(&uart0);
  serial_init(&console_uart, "uart0", &sifive_uart_serial_hw, &uart0);
  console_attach(&console_uart);
}

/* Readers park and the receive interrupt readies them, as on virt; writers
 * transmit by polling (the UART model has no usable transmit interrupt,
 * see drivers/uart/sifive_uart.c). */
void board_devices_init(void) {
  plic_install(&plic);
  /* To the boot core: a readied reader lands on its runnext, as Go's
   * netpoller readies goroutines where it polls; idle cores steal. */
  plic_attach(&plic, SIFIVE_U_UART0_IRQ, this_cpu()->hw_id, sifive_uart_interrupt, &console_uart, "uart0");
  serial_start_interrupts(&console_uart);
}

void board_console_putc(char c) { sifive_uart_putc(&uart0, c); }

int board_console_getc(void) { return sifive_uart_getc(&uart0); }

/* sifive_u has no finisher device; QEMU runs this board with -semihosting. */
void board_exit(int code) { riscv_semihosting_exit(code); }
