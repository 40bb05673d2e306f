/**
 * @file sifive_uart.h
 * @brief SiFive UART (FU540, FU740, FE310, JH7110's U74 complex; QEMU's
 *        sifive_u): 8-entry TX and RX FIFOs, one 32-bit register each.
 *
 * The driver knows the device, not the board: the base address and any
 * transmit pacing come from the board. The board's firmware (OpenSBI) has
 * already set the baud-rate divisor for its own console, which brigade
 * keeps. Polled calls serve boot and panic; sifive_uart_serial_hw plugs the
 * device into the interrupt-driven serial core (io/serial.c): reception
 * by interrupt, transmission by polling (see sifive_uart.c for why).
 */
#ifndef BRIGADE_SIFIVE_UART_H
#define BRIGADE_SIFIVE_UART_H

#include <stdint.h>

#include <brigade/serial.h>

struct sifive_uart {
  uintptr_t base;
  /** Least timebase ticks between two transmitted bytes; 0: as fast as the
   *  FIFO takes them. For devices that never push back (QEMU's model). */
  unsigned tx_pace_ticks;
  /* driver state */
  uint64_t last_tx_tick; /**< when the last byte went to the FIFO (pacing) */
};

/** @brief Enable transmitter and receiver, receive watermark at one byte,
 *         interrupts off (polled until the serial core starts them). */
void sifive_uart_init(struct sifive_uart *u);

/** @brief Wait for room in the TX FIFO (and the pacing interval), then send @p c. */
void sifive_uart_putc(struct sifive_uart *u, char c);

/** @brief A received byte, or -1 when none is waiting. */
int sifive_uart_getc(struct sifive_uart *u);

/** The register-level operations for serial_init (dev = the struct sifive_uart). */
extern const struct serial_hw sifive_uart_serial_hw;

/** @brief Interrupt handler for irq_attach (arg = the struct serial_port). */
void sifive_uart_interrupt(void *port);

#endif
