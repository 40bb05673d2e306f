#include "ns16550.h"

enum { RBR_THR = 0, IER = 1, FCR = 2, LCR = 3, MCR = 4, LSR = 5 };
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20

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

void ns16550_init(const struct ns16550 *u) {
  wr(u, IER, 0x00);
  wr(u, LCR, 0x03); /* 8 data bits, no parity, 1 stop bit */
  wr(u, FCR, 0x07); /* enable and reset both FIFOs */
  wr(u, MCR, 0x03); /* DTR, RTS */
}

void ns16550_putc(const struct ns16550 *u, char c) {
  while (!(rd(u, LSR) & LSR_THR_EMPTY))
    ;
  wr(u, RBR_THR, (uint8_t)c);
}

int ns16550_getc(const struct ns16550 *u) {
  if (!(rd(u, LSR) & LSR_DATA_READY))
    return -1;
  return rd(u, RBR_THR);
}
