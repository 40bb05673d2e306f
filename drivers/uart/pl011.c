#include "pl011.h"

/* Registers (PL011 TRM, DDI 0183) */
#define UART_DR 0x00
#define UART_FR 0x18
#define UART_IBRD 0x24
#define UART_FBRD 0x28
#define UART_LCRH 0x2c
#define UART_CR 0x30
#define UART_IFLS 0x34
#define UART_IMSC 0x38
#define UART_MIS 0x40
#define UART_ICR 0x44

#define DR_OVERRUN (1u << 11)
#define FR_BUSY (1u << 3)
#define FR_RXFE (1u << 4)
#define FR_TXFF (1u << 5)
#define FR_TXFE (1u << 7)
#define LCRH_FEN (1u << 4)
#define LCRH_WLEN8 (3u << 5)
#define CR_UARTEN (1u << 0)
#define CR_TXE (1u << 8)
#define CR_RXE (1u << 9)
#define INT_RX (1u << 4) /* receive FIFO at its trigger level */
#define INT_TX (1u << 5) /* transmit FIFO down to its trigger level */
#define INT_RT (1u << 6) /* receive timeout: bytes waiting, line idle */
#define INT_ALL 0x7ffu
/* Receive at half full (8 of 16), transmit at an eighth: one interrupt per
 * burst, with slack before an overrun; the timeout still reports a lone
 * keystroke. */
#define IFLS_RX_HALF (2u << 3)
#define IFLS_TX_EIGHTH (0u << 0)

static inline volatile uint32_t *reg(const struct pl011 *u, unsigned off) {
  return (volatile uint32_t *)(u->base + off);
}

void pl011_init(struct pl011 *u) {
  u->imsc = 0;
  u->overruns = 0;
  /* The TRM's order: disable, let the last character leave, then change the
   * line settings (LCRH is latched only while the UART is disabled). */
  *reg(u, UART_CR) = 0;
  while (*reg(u, UART_FR) & FR_BUSY)
    ;
  if (u->clock_hz && u->baud) {
    /* divisor = clock / (16 * baud), in 16.6 fixed point, rounded */
    uint32_t div64 = (uint32_t)(((uint64_t)u->clock_hz * 4 + u->baud / 2) / u->baud);
    *reg(u, UART_IBRD) = div64 >> 6;
    *reg(u, UART_FBRD) = div64 & 63;
  }
  *reg(u, UART_LCRH) = LCRH_WLEN8 | LCRH_FEN;
  *reg(u, UART_IFLS) = IFLS_RX_HALF | IFLS_TX_EIGHTH;
  *reg(u, UART_IMSC) = 0;
  *reg(u, UART_ICR) = INT_ALL;
  *reg(u, UART_CR) = CR_UARTEN | CR_TXE | CR_RXE;
}

void pl011_putc(struct pl011 *u, char c) {
  while (*reg(u, UART_FR) & FR_TXFF)
    ;
  *reg(u, UART_DR) = (uint8_t)c;
}

int pl011_getc(struct pl011 *u) {
  if (*reg(u, UART_FR) & FR_RXFE)
    return -1;
  /* The error flags come with the byte they concern: an overrun says a byte
   * was lost before this one. */
  uint32_t dr = *reg(u, UART_DR);
  if (dr & DR_OVERRUN)
    u->overruns++;
  return (int)(dr & 0xff);
}

/* ---- serial core operations --------------------------------------------- */

static int hw_rx_byte(void *dev) { return pl011_getc(dev); }

/* Unlike the 16550, the PL011 says "full", so every byte can ask. */
static bool hw_tx_ready(void *dev) { return !(*reg(dev, UART_FR) & FR_TXFF); }

static void hw_tx_byte(void *dev, uint8_t byte) { *reg(dev, UART_DR) = byte; }

/* BUSY stays set until the last bit of the last byte has left the shift
 * register; TXFE alone says only that the FIFO is empty. */
static bool hw_tx_done(void *dev) {
  uint32_t fr = *reg(dev, UART_FR);
  return (fr & FR_TXFE) && !(fr & FR_BUSY);
}

static void set_mask_bits(struct pl011 *u, uint32_t bits, bool on) {
  uint32_t imsc = on ? u->imsc | bits : u->imsc & ~bits;
  if (imsc != u->imsc) {
    u->imsc = imsc;
    *reg(u, UART_IMSC) = imsc;
  }
}

/* Overruns are counted from the data register's flag, not by interrupt. */
static void hw_rx_irq(void *dev, bool on) { set_mask_bits(dev, INT_RX | INT_RT, on); }

/* The transmit interrupt fires when the FIFO drains past its trigger level;
 * the serial core switches it on only after filling the FIFO, so that
 * crossing is still ahead. */
static void hw_tx_irq(void *dev, bool on) { set_mask_bits(dev, INT_TX, on); }

static unsigned hw_take_overruns(void *dev) {
  struct pl011 *u = dev;
  unsigned n = u->overruns;
  u->overruns = 0;
  return n;
}

const struct serial_hw pl011_serial_hw = {
    .rx_byte = hw_rx_byte,
    .tx_ready = hw_tx_ready,
    .tx_byte = hw_tx_byte,
    .rx_irq = hw_rx_irq,
    .tx_irq = hw_tx_irq,
    .take_overruns = hw_take_overruns,
    .tx_done = hw_tx_done,
};

void pl011_interrupt(void *port) {
  struct serial_port *p = port;
  struct pl011 *u = p->dev;
  /* Clear what fired before dealing with it: a condition that is still
   * true afterwards (bytes left, FIFO still low) raises it again, none is
   * lost. The serial core then handles both directions, whichever fired. */
  *reg(u, UART_ICR) = *reg(u, UART_MIS);
  serial_interrupt(p);
}
