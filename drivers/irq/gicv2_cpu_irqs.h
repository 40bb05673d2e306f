/**
 * @file gicv2_cpu_irqs.h
 * @brief brigade's per-core interrupts on a GICv2: the generic timer's PPI
 *        and one SGI as the wake-up IPI, dispatched to the kernel's timer and
 *        IPI handlers (brigade/irq.h).
 *
 * Every board with a GICv2 (qemu-virt-aarch64, rpi4b) forwards its
 * board_irq_* functions here; the board says where the GIC is and which
 * interrupt ids it uses (the Arm BSA puts the EL1 physical timer at PPI 14,
 * id 30, on both).
 */
#ifndef BRIGADE_GICV2_CPU_IRQS_H
#define BRIGADE_GICV2_CPU_IRQS_H

#include "gicv2.h"

struct gicv2_cpu_irqs {
  struct gicv2 gic;
  unsigned timer_id; /**< the EL1 physical timer's PPI (as an interrupt id) */
  unsigned wake_sgi; /**< the SGI that wakes an idle core */
};

#define GICV2_MAX_CORES 8 /**< GICv2 has eight CPU interfaces */

/** @brief Distributor set-up, once, on the boot core before any core's. */
void gicv2_cpu_irqs_init(const struct gicv2_cpu_irqs *c);

/** @brief This core's CPU interface, timer and wake-up SGI. Panics when
 *  @p core_index is beyond GICV2_MAX_CORES (a GICv2 has 8 CPU interfaces). */
void gicv2_cpu_irqs_init_core(const struct gicv2_cpu_irqs *c, unsigned core_index);

/** @brief Send device interrupt @p id (an SPI, level-sensitive) to core
 *  @p core_index; irq_attach(@p id, ...) names its handler. */
void gicv2_cpu_irqs_route(const struct gicv2_cpu_irqs *c, unsigned id, unsigned core_index);

/** @brief irq_attach @p fn(@p arg) to device interrupt @p id and route it to
 *  core @p core_index. Panics naming @p name and @p id if the line cannot be
 *  attached: a console without its interrupt would leave readers parked. */
void gicv2_cpu_irqs_attach(const struct gicv2_cpu_irqs *c, unsigned id, unsigned core_index,
                           void (*fn)(void *arg), void *arg, const char *name);

/** @brief Handle one IRQ exception: acknowledge, run the class handler (or,
 *  for a device, irq_dispatch with the interrupt id as the line), end. */
void gicv2_cpu_irqs_dispatch(const struct gicv2_cpu_irqs *c);

/** @brief Wake core @p core_index / drop this core's pending wake-up. */
void gicv2_cpu_irqs_send_wake(const struct gicv2_cpu_irqs *c, unsigned core_index);
void gicv2_cpu_irqs_clear_wake(const struct gicv2_cpu_irqs *c);

#endif
