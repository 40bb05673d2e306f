#include "ns16550.h"

enum { RBR_THR = 0, IER = 1, FCR = 2, LCR = 3, MCR = 4, LSR = 5 };
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20

static volatile uint8_t *reg(const struct ns16550 *u, unsigned r) {
  return (volatile uint8_t *)(u->base + (uintptr_t)r * u->stride);
}

void ns16550_init(const struct ns16550 *u) {
  *reg(u, IER) = 0x00;
  *reg(u, LCR) = 0x03; /* 8 data bits, no parity, 1 stop bit */
  *reg(u, FCR) = 0x07; /* enable and reset both FIFOs */
  *reg(u, MCR) = 0x03; /* DTR, RTS */
}

void ns16550_putc(const struct ns16550 *u, char c) {
  while (!(*reg(u, LSR) & LSR_THR_EMPTY))
    ;
  *reg(u, RBR_THR) = (uint8_t)c;
}

int ns16550_getc(const struct ns16550 *u) {
  if (!(*reg(u, LSR) & LSR_DATA_READY))
    return -1;
  return *reg(u, RBR_THR);
}
