#include "sifive_uart.h"

/* Register offsets (SiFive FU540-C000 manual, chapter "UART"). */
enum { TXDATA = 0x00, RXDATA = 0x04, TXCTRL = 0x08, RXCTRL = 0x0c, IE = 0x10 };
#define TXDATA_FULL (1u << 31)  /* FIFO full: the write would be dropped */
#define RXDATA_EMPTY (1u << 31) /* nothing received; the data bits are invalid */
#define CTRL_ENABLE 1u

static volatile uint32_t *reg(const struct sifive_uart *u, unsigned offset) {
  return (volatile uint32_t *)(u->base + offset);
}

void sifive_uart_init(const struct sifive_uart *u) {
  *reg(u, IE) = 0;
  *reg(u, TXCTRL) |= CTRL_ENABLE;
  *reg(u, RXCTRL) |= CTRL_ENABLE;
}

void sifive_uart_putc(const struct sifive_uart *u, char c) {
  /* txdata reads "full" in bit 31; a store while full is silently lost. */
  while (*reg(u, TXDATA) & TXDATA_FULL)
    ;
  *reg(u, TXDATA) = (uint8_t)c;
}

int sifive_uart_getc(const struct sifive_uart *u) {
  /* One load both tests and pops: read rxdata exactly once per byte. */
  uint32_t v = *reg(u, RXDATA);
  return v & RXDATA_EMPTY ? -1 : (int)(v & 0xff);
}
