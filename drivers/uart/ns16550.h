/**
 * @file ns16550.h
 * @brief 16550-compatible UART (QEMU virt's UART, DesignWare 8250 on JH7110).
 *
 * The driver knows the device, not the board: base address and register
 * stride (1 on QEMU virt, 4 on DesignWare parts) come from the board.
 * Polled calls serve boot and panic; ns16550_serial_hw plugs the device
 * into the interrupt-driven serial core (io/serial.c).
 */
#ifndef BRIGADE_NS16550_H
#define BRIGADE_NS16550_H

#include <stdint.h>

#include <brigade/serial.h>

struct ns16550 {
  uintptr_t base;
  unsigned stride;   /**< bytes between registers */
  unsigned io_width; /**< bytes per access: 4 where the bus needs 32-bit accesses
                          (DesignWare APB, "reg-io-width = <4>"); 0 or 1: bytes */
  /* driver state */
  uint8_t ier;       /**< shadow of the interrupt enable register */
  unsigned tx_room;  /**< bytes the transmit FIFO is known to take */
  unsigned overruns; /**< overrun errors seen since the serial core last asked */
};

/** @brief 8N1, FIFOs on, interrupts off (polled until the serial core starts them). */
void ns16550_init(struct ns16550 *u);

/** @brief Wait for room in the transmitter, then send @p c. */
void ns16550_putc(struct ns16550 *u, char c);

/** @brief A received byte, or -1 when none is waiting. */
int ns16550_getc(struct ns16550 *u);

/** The register-level operations for serial_init (dev = the struct ns16550). */
extern const struct serial_hw ns16550_serial_hw;

/** @brief Interrupt handler for irq_attach (arg = the struct serial_port). */
void ns16550_interrupt(void *port);

#endif
