#include "pl011.h"

/* Registers (PL011 TRM, DDI 0183) */
#define UART_DR 0x00
#define UART_FR 0x18
#define UART_IBRD 0x24
#define UART_FBRD 0x28
#define UART_LCRH 0x2c
#define UART_CR 0x30
#define UART_IMSC 0x38
#define UART_ICR 0x44

#define FR_BUSY (1u << 3)
#define FR_RXFE (1u << 4)
#define FR_TXFF (1u << 5)
#define LCRH_FEN (1u << 4)
#define LCRH_WLEN8 (3u << 5)
#define CR_UARTEN (1u << 0)
#define CR_TXE (1u << 8)
#define CR_RXE (1u << 9)

static inline volatile uint32_t *reg(const struct pl011 *u, unsigned off) {
  return (volatile uint32_t *)(u->base + off);
}

void pl011_init(const struct pl011 *u) {
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
  *reg(u, UART_IMSC) = 0;
  *reg(u, UART_ICR) = 0x7ff;
  *reg(u, UART_CR) = CR_UARTEN | CR_TXE | CR_RXE;
}

void pl011_putc(const struct pl011 *u, char c) {
  while (*reg(u, UART_FR) & FR_TXFF)
    ;
  *reg(u, UART_DR) = (uint8_t)c;
}

int pl011_getc(const struct pl011 *u) {
  if (*reg(u, UART_FR) & FR_RXFE)
    return -1;
  return (int)(*reg(u, UART_DR) & 0xff);
}
