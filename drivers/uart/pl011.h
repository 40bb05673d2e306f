/**
 * @file pl011.h
 * @brief ARM PrimeCell PL011 UART (QEMU virt, Raspberry Pi UART0).
 *
 * The driver knows the device, not the board: the base address, and the
 * reference clock when the driver should set the baud rate, come from the
 * board.
 */
#ifndef BRIGADE_PL011_H
#define BRIGADE_PL011_H

#include <stdint.h>

struct pl011 {
  uintptr_t base;
  uint32_t clock_hz; /**< UARTCLK; 0 keeps the divisor the firmware set */
  uint32_t baud;     /**< used only with clock_hz */
};

/** @brief 8N1, FIFOs on, interrupts masked (polled until a driver enables them). */
void pl011_init(const struct pl011 *u);

/** @brief Wait for room in the transmit FIFO, then send @p c. */
void pl011_putc(const struct pl011 *u, char c);

/** @brief A received byte, or -1 when none is waiting. */
int pl011_getc(const struct pl011 *u);

#endif
