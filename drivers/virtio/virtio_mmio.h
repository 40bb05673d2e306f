/**
 * @file virtio_mmio.h
 * @brief The virtio-mmio transport (virtio 1.x, "version 2" registers):
 *        finding devices in the device tree, the status handshake, feature
 *        negotiation, queue set-up, notification and interrupt acknowledge.
 *
 * The transport knows the registers, not the board: the device tree says
 * where each transport is and what its "interrupts" cells are, and the
 * board turns those cells into a line of its interrupt controller.
 *
 * Only the modern interface is driven. QEMU 7.2 offers legacy (version 1)
 * transports unless it runs with `-global virtio-mmio.force-legacy=false`;
 * virtio_mmio_identify reports a legacy transport as such so the caller
 * can say so rather than misdrive it.
 */
#ifndef BRIGADE_VIRTIO_MMIO_H
#define BRIGADE_VIRTIO_MMIO_H

#include <stdint.h>

#include "drivers/virtio/virtqueue.h"

/** Virtio device ids (DeviceID register). */
enum { VIRTIO_ID_NONE = 0, VIRTIO_ID_NET = 1 };

/** Feature bit every modern device offers and a modern driver must accept. */
#define VIRTIO_F_VERSION_1 32

/** A "virtio,mmio" node of the device tree. */
struct virtio_mmio_node {
  uintptr_t base;          /**< first cell pair of reg */
  uint64_t size;           /**< its size */
  uint32_t irq_cells[3];   /**< the node's interrupts property, first cells */
  unsigned nirq_cells;     /**< how many of irq_cells it held (0: none) */
};

/**
 * @brief Up to @p max "virtio,mmio" nodes of @p dtb, in tree order, into
 *        @p out. @return how many were found (may exceed @p max: only
 *        @p max are stored), or a negative fdt_error for a corrupt tree.
 */
int virtio_mmio_find(const void *dtb, struct virtio_mmio_node *out, unsigned max);

/** What a transport says of itself. */
struct virtio_mmio_id {
  uint32_t magic;     /**< "virt" (0x74726976) on a virtio-mmio transport */
  uint32_t version;   /**< 2: modern; 1: legacy */
  uint32_t device_id; /**< VIRTIO_ID_*; 0: nothing plugged into this transport */
};

/** @brief Read the identification registers at @p base. */
struct virtio_mmio_id virtio_mmio_identify(uintptr_t base);

/**
 * @brief Reset the device, then ACKNOWLEDGE and DRIVER; offer @p wanted
 *        features (those the device has) and set FEATURES_OK.
 * @param required  features without which the driver cannot work
 * @param accepted  out: the features agreed on
 * @retval 0        agreed; continue with the queues, then virtio_mmio_driver_ok
 * @retval -ENOTSUP the device lacks a required feature or refused FEATURES_OK
 *                  (the device is left FAILED)
 */
int virtio_mmio_negotiate(uintptr_t base, uint64_t wanted, uint64_t required, uint64_t *accepted);

/**
 * @brief Set queue @p index up with up to @p size entries (fewer if the
 *        device offers fewer; a power of two), rings allocated here.
 * @retval 0, -ENODEV (the device has no such queue), -ENOMEM
 */
int virtio_mmio_setup_queue(uintptr_t base, struct virtqueue *q, unsigned index, uint16_t size);

/** @brief DRIVER_OK: the device may use the queues. */
void virtio_mmio_driver_ok(uintptr_t base);

/** @brief Tell the device that queue @p q has new buffers (after publishing them). */
void virtio_mmio_notify(uintptr_t base, const struct virtqueue *q);

/**
 * @brief Read and acknowledge the interrupt status: bit 0, the device used
 *        buffers; bit 1, its configuration changed. Interrupt context.
 */
uint32_t virtio_mmio_ack_interrupt(uintptr_t base);

/** @brief Byte @p offset of the device-specific configuration space. */
uint8_t virtio_mmio_config8(uintptr_t base, unsigned offset);

#endif
