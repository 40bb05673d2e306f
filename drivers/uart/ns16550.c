#include "ns16550.h"

enum { RBR_THR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5 };
#define IER_RX_DATA 0x01 /* received data available (and receive timeout) */
#define IER_TX_EMPTY 0x02 /* transmit holding register / FIFO empty */
#define LSR_DATA_READY 0x01
#define LSR_OVERRUN 0x02
#define LSR_THR_EMPTY 0x20
#define LSR_TX_EMPTY 0x40 /* FIFO and shift register empty: all sent */
#define FIFO_DEPTH 16 /* 16550A; the DesignWare parts have at least this */

static uintptr_t reg_addr(const struct ns16550 *u, unsigned r) {
  return u->base + (uintptr_t)r * u->stride;
}

static uint8_t rd(const struct ns16550 *u, unsigned r) {
  if (u->io_width == 4)
    return (uint8_t)*(volatile uint32_t *)reg_addr(u, r);
  return *(volatile uint8_t *)reg_addr(u, r);
}

static void wr(const struct ns16550 *u, unsigned r, uint8_t v) {
  if (u->io_width == 4)
    *(volatile uint32_t *)reg_addr(u, r) = v;
  else
    *(volatile uint8_t *)reg_addr(u, r) = v;
}

void ns16550_init(struct ns16550 *u) {
  u->ier = 0;
  u->tx_room = 0;
  u->overruns = 0;
  wr(u, IER, 0x00);
  wr(u, LCR, 0x03);     /* 8 data bits, no parity, 1 stop bit */
  /* FIFOs on and reset, receive interrupt at 8 bytes: one interrupt per
   * burst instead of per byte, half a FIFO of slack before an overrun, and
   * the receive timeout still reports a lone keystroke after 4 character
   * times. (QEMU also feeds input in pieces of the trigger level.) */
  wr(u, IIR_FCR, 0x87);
  wr(u, MCR, 0x0b);     /* DTR, RTS, OUT2: OUT2 gates the interrupt line on PC-style boards */
}

/* LSR reads clear the overrun flag, so every read of it notes an overrun. */
static uint8_t read_lsr(struct ns16550 *u) {
  uint8_t lsr = rd(u, LSR);
  if (lsr & LSR_OVERRUN)
    u->overruns++;
  return lsr;
}

void ns16550_putc(struct ns16550 *u, char c) {
  while (!(read_lsr(u) & LSR_THR_EMPTY))
    ;
  wr(u, RBR_THR, (uint8_t)c);
  u->tx_room = 0; /* the polled path does not track the FIFO */
}

int ns16550_getc(struct ns16550 *u) {
  if (!(read_lsr(u) & LSR_DATA_READY))
    return -1;
  return rd(u, RBR_THR);
}

/* ---- serial core operations --------------------------------------------- */

static int hw_rx_byte(void *dev) { return ns16550_getc(dev); }

/* LSR only says "FIFO empty", not how much room is left: once it says so,
 * a whole FIFO's worth may be written without asking again. */
static bool hw_tx_ready(void *dev) {
  struct ns16550 *u = dev;
  if (u->tx_room == 0 && (read_lsr(u) & LSR_THR_EMPTY))
    u->tx_room = FIFO_DEPTH;
  return u->tx_room > 0;
}

static void hw_tx_byte(void *dev, uint8_t byte) {
  struct ns16550 *u = dev;
  wr(u, RBR_THR, byte);
  u->tx_room--;
}

static bool hw_tx_done(void *dev) { return read_lsr(dev) & LSR_TX_EMPTY; }

static void set_ier_bit(struct ns16550 *u, uint8_t bit, bool on) {
  uint8_t ier = on ? (uint8_t)(u->ier | bit) : (uint8_t)(u->ier & ~bit);
  if (ier != u->ier) {
    u->ier = ier;
    wr(u, IER, ier);
  }
}

static void hw_rx_irq(void *dev, bool on) { set_ier_bit(dev, IER_RX_DATA, on); }

static void hw_tx_irq(void *dev, bool on) { set_ier_bit(dev, IER_TX_EMPTY, on); }

static unsigned hw_take_overruns(void *dev) {
  struct ns16550 *u = dev;
  unsigned n = u->overruns;
  u->overruns = 0;
  return n;
}

const struct serial_hw ns16550_serial_hw = {
    .rx_byte = hw_rx_byte,
    .tx_ready = hw_tx_ready,
    .tx_byte = hw_tx_byte,
    .rx_irq = hw_rx_irq,
    .tx_irq = hw_tx_irq,
    .take_overruns = hw_take_overruns,
    .tx_done = hw_tx_done,
};

void ns16550_interrupt(void *port) {
  struct serial_port *p = port;
  /* Reading IIR acknowledges a pending "transmitter empty" interrupt; the
   * serial core then deals with every condition, whichever one fired. */
  (void)rd(p->dev, IIR_FCR);
  serial_interrupt(p);
}
