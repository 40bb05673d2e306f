/* What every RISC-V board whose console is an NS16550-compatible UART
 * behind a PLIC shares (qemu-virt-rv64, visionfive2): ns16550_plic_board.c
 * defines board_early_init, board_devices_init, board_console_putc and
 * board_console_getc from the board's ns16550_plic_board. The board keeps
 * board_name, its addresses and board_exit. Not a board by itself (no
 * board.cmake). */
#ifndef BRIGADE_RISCV_NS16550_PLIC_BOARD_H
#define BRIGADE_RISCV_NS16550_PLIC_BOARD_H

#include "drivers/irq/plic.h"
#include "drivers/uart/ns16550.h"

struct ns16550_plic_board {
  struct ns16550 uart; /**< the console UART (driver state lives in it) */
  unsigned uart_irq;   /**< its PLIC source */
  struct plic plic;
  /** The board's other devices: set up and attached (plic_attach) at the
   *  end of board_devices_init, after the PLIC is installed; or NULL. */
  void (*attach_devices)(const struct plic *plic);
};

/** Defined by the board. */
extern struct ns16550_plic_board ns16550_plic_board;

#endif
