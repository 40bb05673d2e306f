/**
 * @file gicv2.h
 * @brief ARM Generic Interrupt Controller v2 (GIC-400): QEMU virt with
 *        gic-version=2, Raspberry Pi 4 (BCM2711).
 *
 * The driver knows the device, not the board: which interrupt is the timer,
 * which SGI wakes a core, where the two register frames are, is the board's.
 * Priorities are all equal and nothing preempts an interrupt handler: brigade
 * runs every handler with IRQs masked.
 */
#ifndef BRIGADE_GICV2_H
#define BRIGADE_GICV2_H

#include <stdint.h>

struct gicv2 {
  uintptr_t dist; /**< distributor (GICD) base */
  uintptr_t cpu;  /**< CPU interface (GICC) base */
};

#define GICV2_SPURIOUS 1023 /**< interrupt id read when nothing is pending */

/** @brief Distributor set-up, once, on the boot core: every shared
 *         interrupt disabled and routed to the first CPU interface. */
void gicv2_init(const struct gicv2 *g);

/**
 * @brief Per-core set-up of the core's CPU interface and banked interrupts.
 * @return this core's CPU interface mask (the target bit SGIs need).
 */
uint8_t gicv2_cpu_init(const struct gicv2 *g);

/** @brief Enable interrupt @p id (SGIs and PPIs: on the calling core only). */
void gicv2_enable(const struct gicv2 *g, unsigned id);

/** @brief Deliver shared (SPI) interrupt @p id, level-sensitive, to the CPU
 *  interfaces in @p targets, and enable it. */
void gicv2_route(const struct gicv2 *g, unsigned id, uint8_t targets);

/** @brief Acknowledge the highest pending interrupt; the value for gicv2_end.
 *  Its low 10 bits are the interrupt id (GICV2_SPURIOUS when none). */
uint32_t gicv2_acknowledge(const struct gicv2 *g);

/** @brief Signal the end of the interrupt acknowledged as @p iar. */
void gicv2_end(const struct gicv2 *g, uint32_t iar);

/** @brief Raise software-generated interrupt @p sgi on the cores in @p targets. */
void gicv2_send_sgi(const struct gicv2 *g, uint8_t targets, unsigned sgi);

/** @brief Drop a pending @p sgi on the calling core, from any sender. */
void gicv2_clear_sgi(const struct gicv2 *g, unsigned sgi);

#endif
