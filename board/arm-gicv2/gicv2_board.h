/* What every AArch64 board whose interrupts come through a GICv2 shares
 * (qemu-virt-aarch64, rpi4b): gicv2_board.c defines board_cpu_init,
 * board_irq_dispatch, board_send_ipi and board_clear_ipi from the board's
 * gicv2_board_irqs (where its GIC is, which ids its timer and wake-up use).
 * The board still sets the distributor up (gicv2_cpu_irqs_init, from
 * board_describe on the first pass) and attaches its devices. Not a board
 * by itself (no board.cmake). */
#ifndef BRIGADE_ARM_GICV2_BOARD_H
#define BRIGADE_ARM_GICV2_BOARD_H

#include "drivers/irq/gicv2_cpu_irqs.h"

/** Defined by the board. */
extern const struct gicv2_cpu_irqs gicv2_board_irqs;

#endif
