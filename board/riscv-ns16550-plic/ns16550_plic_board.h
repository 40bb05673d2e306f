/* What every RISC-V board whose console is an NS16550-compatible UART
 * behind a PLIC, or behind an APLIC feeding each hart's IMSIC (AIA), shares
 * (qemu-virt-rv64, visionfive2): ns16550_plic_board.c defines
 * board_early_init, board_choose_hart_irqs, board_devices_init,
 * board_console_putc and board_console_getc from the board's
 * ns16550_plic_board. Which controller serves the machine is read from the
 * device tree at boot: S-level IMSIC files mean AIA (wake-ups as one store
 * to the target's file, devices through the APLIC), otherwise the board's
 * PLIC and SBI IPIs. The board keeps board_name, its addresses and
 * board_exit. Not a board by itself (no board.cmake). */
#ifndef BRIGADE_RISCV_NS16550_PLIC_BOARD_H
#define BRIGADE_RISCV_NS16550_PLIC_BOARD_H

#include <stdbool.h>

#include "drivers/irq/plic.h"
#include "drivers/uart/ns16550.h"

struct ns16550_plic_board {
  struct ns16550 uart; /**< the console UART (driver state lives in it) */
  unsigned uart_irq;   /**< its interrupt source (the same number at a PLIC or an APLIC) */
  struct plic plic;    /**< used when the device tree has no IMSIC */
  /** The board's other devices: set up and attached (ns16550_plic_board_attach)
   *  at the end of board_devices_init, once the controller is installed; or NULL. */
  void (*attach_devices)(void);
};

/** Defined by the board. */
extern struct ns16550_plic_board ns16550_plic_board;

/**
 * @brief Attach @p fn(@p arg) to device interrupt @p source and deliver it
 *        to this core, at whichever controller the machine has (plic_attach
 *        or aplic_attach). From attach_devices.
 */
void ns16550_plic_board_attach(unsigned source, void (*fn)(void *arg), void *arg,
                               const char *name);

/** @brief True when the machine runs on AIA (IMSIC and APLIC) instead of the PLIC. */
bool ns16550_plic_board_has_aia(void);

#endif
