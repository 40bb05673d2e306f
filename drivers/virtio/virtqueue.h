/**
 * @file virtqueue.h
 * @brief The driver's side of a virtio 1.x split virtqueue: a descriptor
 *        table, the available ring (driver to device) and the used ring
 *        (device to driver), shared with the device in RAM.
 *
 * Each buffer here is one descriptor (no chains, no indirect tables): the
 * network driver gives every frame one buffer, header included. A buffer
 * is offered by publishing its descriptor id on the available ring
 * (virtqueue_publish), the device is told with virtqueue_notify when it
 * asks to be, and the device hands the buffer back on the used ring
 * (virtqueue_take_used) with the number of bytes it wrote.
 *
 * The device is another observer of this memory, running concurrently
 * (under QEMU: a host thread; on hardware: DMA), so every hand-over
 * between the two sides is ordered by a barrier argued where it stands in
 * virtqueue.c. The queue is not thread-safe: its owner serialises callers
 * (the network driver holds one lock per queue).
 *
 * Virtio 1.x rings are little-endian, as are both of brigade's
 * architectures; fields are stored as they are.
 */
#ifndef BRIGADE_VIRTQUEUE_H
#define BRIGADE_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>

/** Descriptor flag: the device writes this buffer (receive), rather than reads it. */
#define VIRTQ_DESC_F_WRITE 2u

struct virtq_desc {
  uint64_t addr; /**< physical address of the buffer (identity-mapped here) */
  uint32_t len;  /**< its size in bytes */
  uint16_t flags;
  uint16_t next; /**< unused: no chains */
};

struct virtq_used_elem {
  uint32_t id;  /**< the descriptor id handed back */
  uint32_t len; /**< bytes the device wrote into it */
};

struct virtqueue {
  unsigned index; /**< the queue's number at the device (QueueSel) */
  uint16_t size;  /**< entries, a power of two */
  struct virtq_desc *desc;
  /* avail: flags, idx, ring[size]; used: flags, idx, ring[size]. */
  volatile uint16_t *avail_flags, *avail_idx, *avail_ring;
  volatile uint16_t *used_flags, *used_idx;
  volatile struct virtq_used_elem *used_ring;
  uint16_t next_avail; /**< the avail idx the next publish writes (free-running) */
  uint16_t next_used;  /**< the used idx of the next entry to take (free-running) */
  uint16_t in_flight;  /**< published and not yet taken back */
};

/**
 * @brief Allocate and zero the rings for @p size entries (a power of two,
 *        at most 32768). @retval 0 or -ENOMEM, -EINVAL.
 */
int virtqueue_init(struct virtqueue *q, unsigned index, uint16_t size);

/** @brief Point descriptor @p id at @p len bytes at @p buf. */
void virtqueue_set_desc(struct virtqueue *q, uint16_t id, void *buf, uint32_t len, uint16_t flags);

/**
 * @brief Offer descriptor @p id to the device: the ring entry and the
 *        descriptor become visible to it before the new avail idx does.
 *        The caller notifies afterwards if virtqueue_device_wants_notify.
 */
void virtqueue_publish(struct virtqueue *q, uint16_t id);

/**
 * @brief True unless the device has asked not to be notified
 *        (VIRTQ_USED_F_NO_NOTIFY) — read after a full barrier, so a device
 *        that stopped polling before seeing the new idx is notified.
 */
bool virtqueue_device_wants_notify(struct virtqueue *q);

/** @brief True when the device has handed back a buffer not yet taken. */
bool virtqueue_has_used(struct virtqueue *q);

/**
 * @brief Take the oldest buffer the device handed back. @retval true and
 *        *@p id, *@p len (bytes written by the device) set; false if none.
 *        The buffer's contents are visible once this returns true.
 */
bool virtqueue_take_used(struct virtqueue *q, uint16_t *id, uint32_t *len);

/**
 * @brief Ask the device not to interrupt for this queue (@p on false) or
 *        to interrupt again (@p on true). Turning them on returns whether
 *        a used buffer is already waiting, read after a full barrier: the
 *        caller then handles it instead of waiting for an interrupt that
 *        the device may have decided against before it saw the flag.
 *        The flag is a hint (VIRTQ_AVAIL_F_NO_INTERRUPT): a device may
 *        interrupt anyway.
 */
bool virtqueue_interrupts(struct virtqueue *q, bool on);

/**
 * @brief The barrier between publishing buffers in RAM and the MMIO write
 *        that notifies the device of them.
 */
void virtqueue_barrier_before_notify(void);

#endif
