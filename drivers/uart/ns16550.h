/**
 * @file ns16550.h
 * @brief 16550-compatible UART (QEMU virt's UART, DesignWare 8250 on JH7110).
 *
 * The driver knows the device, not the board: base address and register
 * stride (1 on QEMU virt, 4 on DesignWare parts) come from the board.
 */
#ifndef BRIGADE_NS16550_H
#define BRIGADE_NS16550_H

#include <stdint.h>

struct ns16550 {
  uintptr_t base;
  unsigned stride;   /**< bytes between registers */
  unsigned io_width; /**< bytes per access: 4 where the bus needs 32-bit accesses
                          (DesignWare APB, "reg-io-width = <4>"); 0 or 1: bytes */
};

/** @brief 8N1, FIFOs on, interrupts off (polled until a driver enables them). */
void ns16550_init(const struct ns16550 *u);

/** @brief Wait for room in the transmitter, then send @p c. */
void ns16550_putc(const struct ns16550 *u, char c);

/** @brief A received byte, or -1 when none is waiting. */
int ns16550_getc(const struct ns16550 *u);

#endif
