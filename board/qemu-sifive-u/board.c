/* QEMU "sifive_u" (HiFive Unleashed, FU540): devices at the addresses QEMU
 * 7.2's hw/riscv/sifive_u.c gives them. Hart 0 is the E51 monitor core
 * without S-mode; the device tree says so (no mmu-type) and the boot skips
 * it. RAM and harts come from the device tree. */
#include <brigade/arch.h>
#include <brigade/board.h>

#include "drivers/misc/riscv_semihosting.h"
#include "drivers/uart/sifive_uart.h"

#define SIFIVE_U_UART0_BASE 0x10010000UL

const char board_name[] = "qemu-sifive-u";

static const struct sifive_uart uart0 = {.base = SIFIVE_U_UART0_BASE};

void board_early_init(void) { sifive_uart_init(&uart0); }

/* QEMU 7.2's model of this UART never reports its TX FIFO full and hands
 * each byte to the character device at once; behind a socket (labgrid's
 * console) bytes are dropped when a burst outruns the reader. Real
 * hardware paces itself by the FIFO-full bit. Here the board paces the
 * console at one byte per 10 timebase ticks (10 us at sifive_u's 1 MHz,
 * about nine times a 115200-baud UART), which a reader keeps up with. */
#define CONSOLE_TICKS_PER_BYTE 10

void board_console_putc(char c) {
  static uint64_t last;
  uint64_t now;
  while ((now = arch_now_ticks()) - last < CONSOLE_TICKS_PER_BYTE)
    arch_cpu_relax();
  last = now;
  sifive_uart_putc(&uart0, c);
}

int board_console_getc(void) { return sifive_uart_getc(&uart0); }

/* The console stays polled here: QEMU 7.2's SiFive UART never reports its
 * transmit FIFO full and keeps its transmit-watermark interrupt raised, so
 * an interrupt-driven transmitter would take an interrupt storm, and the
 * pacing above needs the polled path. Readers therefore poll instead of
 * parking on this board (console_read without a serial port). */
void board_devices_init(void) {}

/* sifive_u has no finisher device; QEMU runs this board with -semihosting. */
void board_exit(int code) { riscv_semihosting_exit(code); }
