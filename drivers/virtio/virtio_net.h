/**
 * @file virtio_net.h
 * @brief virtio-net over virtio-mmio (virtio 1.x): the <brigade/netdev.h>
 *        device of QEMU's virt boards.
 *
 * One receive queue and one transmit queue, one buffer per frame (the
 * 12-byte virtio-net header in front). Every receive buffer is with the
 * device until a receiver copies its frame out and hands it straight back.
 * A sender copies its frame into a free transmit buffer; with none free it
 * parks (waitq) with the transmit interrupt turned on, and the interrupt
 * takes the finished buffers back and readies it. Transmit interrupts are
 * off otherwise: finished buffers are taken back by the next send.
 *
 * Receivers park until the receive interrupt: without a deadline on the
 * driver's waitq, with one on a one-slot "frames may be waiting" channel
 * (a select with a timeout is the runtime's timed wait), which the
 * interrupt handler fills without blocking. A woken receiver takes a frame
 * under the receive lock or finds none and waits again; one that leaves
 * frames behind passes the wake-up on. So no frame waits beside a parked
 * receiver.
 *
 * The board finds the device (virtio_net_probe with the device tree),
 * turns the node's interrupt cells into its controller's line and attaches
 * virtio_net_interrupt there.
 */
#ifndef BRIGADE_VIRTIO_NET_H
#define BRIGADE_VIRTIO_NET_H

#include <stdint.h>

#include <brigade/chan.h>
#include <brigade/netdev.h>
#include <brigade/spinlock.h>
#include <brigade/waitq.h>

#include "drivers/virtio/virtio_mmio.h"
#include "drivers/virtio/virtqueue.h"

/** Entries per queue (fewer if the device offers fewer). */
#define VIRTIO_NET_QUEUE_SIZE 64
/** One buffer: the 12-byte header and the largest frame, rounded up. */
#define VIRTIO_NET_BUFFER 1536

struct virtio_net {
  struct netdev netdev; /**< first: the netdev is the device */
  uintptr_t base;
  struct virtio_mmio_node node; /**< where the device tree put it */
  struct virtqueue rxq, txq;
  uint8_t (*rx_buffers)[VIRTIO_NET_BUFFER];
  uint8_t (*tx_buffers)[VIRTIO_NET_BUFFER];

  spinlock_t rx_lock;          /**< guards rxq, rx_waiters and the rx counters */
  struct waitq rx_waiters;     /**< receivers without a deadline */
  struct chan *rx_doorbell;    /**< one slot: receivers with a deadline wait here */

  spinlock_t tx_lock;          /**< guards txq, the free list, tx_waiters and tx counters */
  struct waitq tx_waiters;     /**< senders waiting for a free buffer */
  uint16_t *tx_free;           /**< ids of free transmit buffers (a stack) */
  uint16_t tx_nfree;
  uint16_t *tx_len;            /**< frame length of each buffer in flight */

  struct netdev_stats stats;   /**< rx_* under rx_lock, tx_* under tx_lock */
  uint64_t interrupts;         /**< atomic: handled, any queue */
};

/**
 * @brief Find the first virtio-net device among @p dtb's virtio-mmio
 *        transports and set it up: features (VERSION_1 and MAC required),
 *        both queues, every receive buffer offered, DRIVER_OK. The board
 *        then attaches virtio_net_interrupt to the line of dev->node.
 * @retval 0        found and running; dev->netdev is ready for use
 * @retval -ENODEV  no virtio-net device (printed why, when one was there
 *                  but unusable: a legacy transport, a missing feature)
 * @retval -ENOMEM  no memory for the queues and buffers
 */
int virtio_net_probe(struct virtio_net *dev, const void *dtb);

/** @brief The interrupt handler (irq_attach's fn, @p arg the virtio_net). */
void virtio_net_interrupt(void *arg);

#endif
