/**
 * @file bcm2836_local.h
 * @brief The BCM2836/BCM2837 per-core ("local") interrupt controller: routes
 *        each core's generic-timer interrupts and the GPU's interrupt line
 *        to cores, and gives each core four mailboxes that interrupt it
 *        when written (the Raspberry Pi 2/3 way to send an IPI).
 *
 * The driver knows the device (QA7 "ARM control" block), not the board: the
 * base address comes from the board. Cores are numbered 0-3 as the block
 * numbers them, which is MPIDR Aff0 on the BCM2837.
 */
#ifndef BRIGADE_BCM2836_LOCAL_H
#define BRIGADE_BCM2836_LOCAL_H

#include <stdint.h>

struct bcm2836_local {
  uintptr_t base;
};

/** Bits of a core's interrupt source register (bcm2836_local_pending). */
#define BCM2836_SRC_CNTPNS (1u << 1) /**< EL1 physical timer, non-secure */
#define BCM2836_SRC_MAILBOX(n) (1u << (4 + (n)))
#define BCM2836_SRC_GPU (1u << 8) /**< the GPU interrupt controller's line */

/** @brief Let @p core's non-secure physical timer interrupt it (as IRQ). */
void bcm2836_local_enable_timer(const struct bcm2836_local *l, unsigned core);

/** @brief Let a write to @p core's mailbox @p mbox interrupt it (as IRQ). */
void bcm2836_local_enable_mailbox(const struct bcm2836_local *l, unsigned core, unsigned mbox);

/** @brief Send the GPU's interrupts to @p core (as IRQ). */
void bcm2836_local_route_gpu(const struct bcm2836_local *l, unsigned core);

/** @brief What is interrupting @p core now (BCM2836_SRC_* bits). */
uint32_t bcm2836_local_pending(const struct bcm2836_local *l, unsigned core);

/** @brief Set bits @p bits in @p core's mailbox @p mbox (interrupts it). */
void bcm2836_local_mailbox_send(const struct bcm2836_local *l, unsigned core, unsigned mbox,
                                uint32_t bits);

/** @brief Clear every bit of @p core's mailbox @p mbox. */
void bcm2836_local_mailbox_clear(const struct bcm2836_local *l, unsigned core, unsigned mbox);

#endif
