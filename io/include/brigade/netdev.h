/**
 * @file netdev.h
 * @brief An Ethernet device as tasks see it: send a frame, receive a
 *        frame, the MAC address, the link's counters. What a TCP/IP stack's
 *        interface (an lwIP netif) wraps; nothing more.
 *
 * Frames are whole Ethernet frames without the FCS: destination MAC,
 * source MAC, EtherType, payload; NETDEV_MIN_FRAME to NETDEV_MAX_FRAME
 * bytes. The device pads short frames on the wire; the caller never needs to.
 *
 * Blocking is parking. netdev_send parks the calling task while the
 * device's transmit queue is full and the transmit interrupt readies it;
 * netdev_receive parks until a frame arrives (the receive interrupt
 * readies it) or its deadline passes. Any number of tasks on any cores may
 * call both at once; each frame goes to exactly one receiver. Task context
 * only (both may park).
 *
 * Errors are negative errno values, never a silent drop: a NULL frame or
 * buffer, a frame out of bounds and a receive buffer too small for any
 * frame are refused before anything is queued or taken.
 *
 * A device is found by the board (board_netdev); a driver fills in the
 * struct and its ops (drivers/virtio/virtio_net.c).
 */
#ifndef BRIGADE_NETDEV_H
#define BRIGADE_NETDEV_H

#include <stddef.h>
#include <stdint.h>

#define NETDEV_MAC_LEN 6
/** Destination, source, EtherType. */
#define NETDEV_HEADER_LEN 14
/** The payload a frame may carry (Ethernet's MTU). */
#define NETDEV_MTU 1500
/** Smallest frame netdev_send accepts: a header and no payload. */
#define NETDEV_MIN_FRAME NETDEV_HEADER_LEN
/** Largest frame either way, and the smallest buffer netdev_receive accepts. */
#define NETDEV_MAX_FRAME (NETDEV_HEADER_LEN + NETDEV_MTU)
/** netdev_receive's deadline for a wait without one. */
#define NETDEV_NO_DEADLINE UINT64_MAX

/** The link's counters since the device was set up. */
struct netdev_stats {
  uint64_t rx_frames, rx_bytes; /**< frames handed to receivers, and their bytes */
  uint64_t rx_dropped;          /**< frames the device gave us that no receiver got
                                     (shorter than a header or longer than a frame) */
  uint64_t rx_errors;           /**< receive calls refused (bad arguments) */
  uint64_t tx_frames, tx_bytes; /**< frames the device has taken off the transmit queue */
  uint64_t tx_dropped;          /**< frames accepted but not sent (none today: kept for
                                     devices that can fail a transmission) */
  uint64_t tx_errors;           /**< send calls refused (bad arguments) */
  uint64_t tx_queue_full_waits; /**< times a sender parked on a full transmit queue */
  uint64_t rx_waits;            /**< times a receiver parked for a frame */
  uint64_t interrupts;          /**< device interrupts handled */
};

struct netdev;

/** What a driver provides (called through the netdev_* functions). */
struct netdev_ops {
  int (*send)(struct netdev *dev, const void *frame, size_t len);
  long (*receive)(struct netdev *dev, void *buf, size_t cap, uint64_t deadline_ns);
  void (*stats)(struct netdev *dev, struct netdev_stats *out);
};

struct netdev {
  const char *name;                 /**< for logs: "virtio-net0" */
  uint8_t mac[NETDEV_MAC_LEN];      /**< the device's address, fixed once found */
  const struct netdev_ops *ops;
};

/**
 * @brief Queue @p frame (@p len bytes, copied) for sending; parks while
 *        the transmit queue is full. Returns once the frame is queued, not
 *        sent: netdev_stats' tx_frames counts it when the device takes it.
 * @retval 0        queued
 * @retval -EINVAL  @p frame is NULL or @p len < NETDEV_MIN_FRAME
 * @retval -EMSGSIZE @p len > NETDEV_MAX_FRAME
 */
static inline int netdev_send(struct netdev *dev, const void *frame, size_t len) {
  return dev->ops->send(dev, frame, len);
}

/**
 * @brief Take the oldest received frame into @p buf, parking until one
 *        arrives or task_now_ns() reaches @p deadline_ns (NETDEV_NO_DEADLINE:
 *        no limit; a deadline already past still takes a waiting frame).
 * @return the frame's length (NETDEV_MIN_FRAME..NETDEV_MAX_FRAME)
 * @retval -ETIMEDOUT the deadline passed with no frame
 * @retval -EINVAL    @p buf is NULL or @p cap < NETDEV_MAX_FRAME
 */
static inline long netdev_receive(struct netdev *dev, void *buf, size_t cap,
                                  uint64_t deadline_ns) {
  return dev->ops->receive(dev, buf, cap, deadline_ns);
}

/** @brief A snapshot of the counters (each one exact; not all from one instant). */
static inline void netdev_stats(struct netdev *dev, struct netdev_stats *out) {
  dev->ops->stats(dev, out);
}

/**
 * @brief The board's network device, or NULL when it has none (QEMU was
 *        started without one). Defined only by boards whose board.cmake
 *        sets BRIGADE_HAS_NETDEV; code that calls it is built only there.
 */
struct netdev *board_netdev(void);

#endif
