/**
 * @file bcm2835_armctrl.h
 * @brief The BCM2835/6/7 "ARM control" interrupt controller: the 64 GPU
 *        interrupt lines (UARTs, timers, DMA, ...) as the ARM sees them.
 *
 * On the BCM2836/7 its output reaches one core through the local interrupt
 * controller (bcm2836_local_route_gpu). Device lines for irq_attach are the
 * GPU interrupt numbers, 0-63 (the PL011 is 57).
 */
#ifndef BRIGADE_BCM2835_ARMCTRL_H
#define BRIGADE_BCM2835_ARMCTRL_H

#include <stdint.h>

struct bcm2835_armctrl {
  uintptr_t base; /**< the block at peripheral base + 0xb200 */
};

#define BCM2835_GPU_IRQS 64

/** @brief Every GPU interrupt disabled. */
void bcm2835_armctrl_init(const struct bcm2835_armctrl *a);

/** @brief Let GPU interrupt @p line (0-63) through. */
void bcm2835_armctrl_enable(const struct bcm2835_armctrl *a, unsigned line);

/** @brief Run irq_dispatch for every enabled GPU interrupt that is pending. */
void bcm2835_armctrl_handle(const struct bcm2835_armctrl *a);

#endif
