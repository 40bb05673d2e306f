/* SiFive UART: interrupt-driven receive, polled transmit.
 *
 * Why the transmitter has no interrupt (serial_hw.tx_irq = NULL): on the
 * FU540 the transmit-watermark interrupt means "fewer than txcnt bytes in
 * the TX FIFO", which would suit the serial core, but QEMU 7.2's model
 * (hw/char/sifive_uart.c, the version Debian 12 ships) has no TX FIFO:
 *  - a store to txdata goes to the character device at once, without
 *    waiting (a byte the backend cannot take now is lost);
 *  - a load of txdata always returns 0, never "full";
 *  - the interrupt line is up whenever ie.txwm is set, regardless of
 *    anything transmitted.
 * A transmit interrupt would fire without end there, and "full" never
 * pushes back, so a burst behind a slow reader (labgrid's socket) is lost
 * instead of waiting. This driver therefore transmits by polling the full
 * bit, paced by the board (tx_pace_ticks) where the device does not push
 * back, and the serial core parks only readers. (Later QEMU versions model
 * an 8-byte TX FIFO with a real full bit, yet still keep the line up while
 * ie.txwm is set.)
 *
 * Reception works the same in QEMU 7.2 as on the FU540: the line is up
 * while ie.rxwm is set and the RX FIFO holds more than rxcnt bytes (QEMU
 * ignores rxcnt and uses "at least one"; rxcnt = 0 makes both agree), and
 * it drops once rxdata has been read empty or ie.rxwm is cleared. QEMU
 * stops taking input while its 8-byte RX FIFO is full, so when a full
 * receive ring switches the interrupt off nothing is lost. The device has
 * no error flags and reports no overruns: take_overruns is NULL.
 */
#include "sifive_uart.h"

#include <brigade/arch.h>

/* Register offsets and fields (SiFive FU540-C000 manual, chapter "UART"). */
enum { TXDATA = 0x00, RXDATA = 0x04, TXCTRL = 0x08, RXCTRL = 0x0c, IE = 0x10 };
#define TXDATA_FULL (1u << 31)  /* FIFO full: the write would be dropped */
#define RXDATA_EMPTY (1u << 31) /* nothing received; the data bits are invalid */
#define CTRL_ENABLE 1u
#define CTRL_WATERMARK_MASK (7u << 16) /* txcnt / rxcnt */
#define IE_RXWM (1u << 1)              /* receive watermark interrupt */

static volatile uint32_t *reg(const struct sifive_uart *u, unsigned offset) {
  return (volatile uint32_t *)(u->base + offset);
}

void sifive_uart_init(struct sifive_uart *u) {
  u->last_tx_tick = 0;
  *reg(u, IE) = 0;
  *reg(u, TXCTRL) |= CTRL_ENABLE;
  /* rxcnt 0: the receive watermark is crossed by a single byte, so a lone
   * keystroke interrupts at once (the device has no receive timeout). */
  *reg(u, RXCTRL) = (*reg(u, RXCTRL) & ~CTRL_WATERMARK_MASK) | CTRL_ENABLE;
}

static bool paced_out(const struct sifive_uart *u) {
  return u->tx_pace_ticks && arch_now_ticks() - u->last_tx_tick < u->tx_pace_ticks;
}

/* txdata reads "full" in bit 31 (the data bits read 0, no side effect); a
 * store while full is silently lost. */
static bool tx_room(const struct sifive_uart *u) {
  return !(*reg(u, TXDATA) & TXDATA_FULL) && !paced_out(u);
}

static void tx_store(struct sifive_uart *u, uint8_t byte) {
  *reg(u, TXDATA) = byte;
  if (u->tx_pace_ticks)
    u->last_tx_tick = arch_now_ticks();
}

void sifive_uart_putc(struct sifive_uart *u, char c) {
  while (!tx_room(u))
    arch_cpu_relax();
  tx_store(u, (uint8_t)c);
}

int sifive_uart_getc(struct sifive_uart *u) {
  /* One load both tests and pops: read rxdata exactly once per byte. */
  uint32_t v = *reg(u, RXDATA);
  return v & RXDATA_EMPTY ? -1 : (int)(v & 0xff);
}

/* ---- serial core operations --------------------------------------------- */

static int hw_rx_byte(void *dev) { return sifive_uart_getc(dev); }

static bool hw_tx_ready(void *dev) { return tx_room(dev); }

static void hw_tx_byte(void *dev, uint8_t byte) { tx_store(dev, byte); }

/* The transmit-watermark interrupt is never used, so ie is rxwm or nothing. */
static void hw_rx_irq(void *dev, bool on) { *reg(dev, IE) = on ? IE_RXWM : 0; }

const struct serial_hw sifive_uart_serial_hw = {
    .rx_byte = hw_rx_byte,
    .tx_ready = hw_tx_ready,
    .tx_byte = hw_tx_byte,
    .rx_irq = hw_rx_irq,
    .tx_irq = NULL,        /* see the top of this file */
    .take_overruns = NULL, /* the device counts no overruns */
};

void sifive_uart_interrupt(void *port) {
  /* Nothing to acknowledge: the line is level-triggered and drops once the
   * serial core has read the RX FIFO empty (or switched reception off). */
  serial_interrupt(port);
}
