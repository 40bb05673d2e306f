/**
 * @file sifive_uart.h
 * @brief SiFive UART (FU540, FU740, FE310, JH7110's U74 complex; QEMU's
 *        sifive_u): 8-entry TX and RX FIFOs, one 32-bit register each.
 *
 * The driver knows the device, not the board: the base address comes from
 * the board. Polled here; the board's firmware (OpenSBI) has already set
 * the baud-rate divisor for its own console, which brigade keeps.
 */
#ifndef BRIGADE_SIFIVE_UART_H
#define BRIGADE_SIFIVE_UART_H

#include <stdint.h>

struct sifive_uart {
  uintptr_t base;
};

/** @brief Enable transmitter and receiver, interrupts off. */
void sifive_uart_init(const struct sifive_uart *u);

/** @brief Wait for room in the TX FIFO, then send @p c. */
void sifive_uart_putc(const struct sifive_uart *u, char c);

/** @brief A received byte, or -1 when none is waiting. */
int sifive_uart_getc(const struct sifive_uart *u);

#endif
