/**
 * @file bcm2835_mailbox.h
 * @brief The VideoCore mailbox of the BCM2835/6/7/2711: the property channel
 *        through which the ARM asks the firmware about the board (memory
 *        split, clocks, serial number).
 */
#ifndef BRIGADE_BCM2835_MAILBOX_H
#define BRIGADE_BCM2835_MAILBOX_H

#include <stdint.h>

struct bcm2835_mailbox {
  uintptr_t base;      /**< mailbox 0 registers */
  uint32_t bus_offset; /**< ARM physical to VideoCore bus address (0xc0000000 on BCM2837: uncached alias) */
};

#define BCM2835_TAG_GET_ARM_MEMORY 0x00010005u

/**
 * @brief Ask the firmware for one property tag with a two-word answer.
 * @return 0 and the answer in @p out, or -1 when the firmware did not answer
 *         within about a second or rejected the request.
 */
int bcm2835_mailbox_get(const struct bcm2835_mailbox *mb, uint32_t tag, uint32_t out[2]);

#endif
