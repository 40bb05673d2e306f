/**
 * @file pl011.h
 * @brief ARM PrimeCell PL011 UART (QEMU virt, Raspberry Pi UART0).
 *
 * The driver knows the device, not the board: the base address, and the
 * reference clock when the driver should set the baud rate, come from the
 * board. Polled calls serve boot and panic; pl011_serial_hw plugs the
 * device into the interrupt-driven serial core (io/serial.c).
 */
#ifndef BRIGADE_PL011_H
#define BRIGADE_PL011_H

#include <stdint.h>

#include <brigade/serial.h>

struct pl011 {
  uintptr_t base;
  uint32_t clock_hz; /**< UARTCLK; 0 keeps the divisor the firmware set */
  uint32_t baud;     /**< used only with clock_hz */
  /* driver state */
  uint32_t imsc;     /**< shadow of the interrupt mask register */
  unsigned overruns; /**< overrun errors seen since the serial core last asked */
};

/** @brief 8N1, FIFOs on, interrupts masked (polled until the serial core starts them). */
void pl011_init(struct pl011 *u);

/** @brief Wait for room in the transmit FIFO, then send @p c. */
void pl011_putc(struct pl011 *u, char c);

/** @brief A received byte, or -1 when none is waiting. */
int pl011_getc(struct pl011 *u);

/** The register-level operations for serial_init (dev = the struct pl011). */
extern const struct serial_hw pl011_serial_hw;

/** @brief Interrupt handler for irq_attach (arg = the struct serial_port). */
void pl011_interrupt(void *port);

#endif
