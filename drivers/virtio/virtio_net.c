#include "virtio_net.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <brigade/kprintf.h>
#include <brigade/task.h>

/* Feature bits of virtio-net (virtio 1.x, 5.1.3). Only MAC is asked for:
 * no checksum offload, no segmentation, no merged receive buffers, so
 * every frame fits one VIRTIO_NET_BUFFER and needs no header fields. */
#define VIRTIO_NET_F_MAC 5

#define RX_QUEUE 0
#define TX_QUEUE 1

/* struct virtio_net_hdr with VERSION_1: flags, gso_type, hdr_len,
 * gso_size, csum_start, csum_offset, num_buffers. All zero on transmit
 * (nothing offloaded); ignored on receive (nothing negotiated). */
#define NET_HDR_LEN 12

#define MAX_TRANSPORTS 32 /* QEMU virt has 8 (RISC-V) or 32 (AArch64) */

static struct virtio_net *of(struct netdev *d) { return (struct virtio_net *)d; }

/* ---- transmit ------------------------------------------------------------- */

/* With tx_lock held: take back every buffer the device has finished. */
static void tx_reclaim_locked(struct virtio_net *dev) {
  uint16_t id;
  uint32_t written;
  while (virtqueue_take_used(&dev->txq, &id, &written)) {
    dev->stats.tx_frames++;
    dev->stats.tx_bytes += dev->tx_len[id];
    dev->tx_free[dev->tx_nfree++] = id;
  }
}

static int net_send(struct netdev *d, const void *frame, size_t len) {
  struct virtio_net *dev = of(d);
  int refused = !frame || len < NETDEV_MIN_FRAME ? -EINVAL : len > NETDEV_MAX_FRAME ? -EMSGSIZE : 0;
  unsigned long irq = spin_lock_irqsave(&dev->tx_lock);
  if (refused) {
    dev->stats.tx_errors++;
    spin_unlock_irqrestore(&dev->tx_lock, irq);
    return refused;
  }
  tx_reclaim_locked(dev);
  while (dev->tx_nfree == 0) {
    /* Every buffer is with the device. Interrupts on, then look again: a
     * buffer finished before the device saw the flag gets no interrupt
     * (virtqueue_interrupts' barrier), so it is taken here instead. */
    if (virtqueue_interrupts(&dev->txq, true)) {
      tx_reclaim_locked(dev);
      continue;
    }
    dev->stats.tx_queue_full_waits++;
    struct waitq_entry me;
    waitq_park_irq(&dev->tx_waiters, &me, "net send", &dev->tx_lock);
    spin_lock_raw(&dev->tx_lock); /* interrupts are still masked from the save above */
    tx_reclaim_locked(dev);
  }
  uint16_t id = dev->tx_free[--dev->tx_nfree];
  uint8_t *buf = dev->tx_buffers[id];
  memset(buf, 0, NET_HDR_LEN);
  memcpy(buf + NET_HDR_LEN, frame, len);
  dev->tx_len[id] = (uint16_t)len;
  virtqueue_set_desc(&dev->txq, id, buf, (uint32_t)(NET_HDR_LEN + len), 0);
  virtqueue_publish(&dev->txq, id);
  if (virtqueue_device_wants_notify(&dev->txq))
    virtio_mmio_notify(dev->base, &dev->txq);
  spin_unlock_irqrestore(&dev->tx_lock, irq);
  return 0;
}

/* ---- receive -------------------------------------------------------------- */

/* With rx_lock held: copy the oldest good frame into @p buf and give its
 * buffer back to the device. Returns its length, or 0 if none is waiting
 * (frames too short or too long are dropped on the way, and counted). */
static long rx_take_locked(struct virtio_net *dev, void *buf) {
  uint16_t id;
  uint32_t written;
  while (virtqueue_take_used(&dev->rxq, &id, &written)) {
    long len = (long)written - NET_HDR_LEN;
    bool good = len >= NETDEV_MIN_FRAME && len <= NETDEV_MAX_FRAME;
    if (good)
      memcpy(buf, dev->rx_buffers[id] + NET_HDR_LEN, (size_t)len);
    /* Same buffer, same size: the descriptor still says so. */
    virtqueue_publish(&dev->rxq, id);
    if (virtqueue_device_wants_notify(&dev->rxq))
      virtio_mmio_notify(dev->base, &dev->rxq);
    if (good) {
      dev->stats.rx_frames++;
      dev->stats.rx_bytes += (uint64_t)len;
      return len;
    }
    dev->stats.rx_dropped++;
  }
  return 0;
}

/* Pass the wake-up on to a deadline receiver: the one slot is enough,
 * since whoever takes it looks again under the lock. chan_try_send never
 * parks, so the interrupt handler calls it too: the channel's lock, like a
 * waitq's, is held across a park only with interrupts masked, so a handler
 * never spins on a lock its own core holds (another core holds it for a
 * few instructions). Never called with rx_lock held: the channel's lock is
 * always taken alone. */
static void ring_doorbell(struct virtio_net *dev) {
  static const char token = 1;
  (void)chan_try_send(dev->rx_doorbell, &token);
}

static long net_receive(struct netdev *d, void *buf, size_t cap, uint64_t deadline_ns) {
  struct virtio_net *dev = of(d);
  unsigned long irq = spin_lock_irqsave(&dev->rx_lock);
  if (!buf || cap < NETDEV_MAX_FRAME) {
    dev->stats.rx_errors++;
    spin_unlock_irqrestore(&dev->rx_lock, irq);
    return -EINVAL;
  }
  for (;;) {
    long len = rx_take_locked(dev, buf);
    if (len > 0) {
      bool more = virtqueue_has_used(&dev->rxq);
      spin_unlock_irqrestore(&dev->rx_lock, irq);
      if (more)
        ring_doorbell(dev); /* another deadline receiver may be waiting for it */
      return len;
    }
    if (deadline_ns == NETDEV_NO_DEADLINE) {
      dev->stats.rx_waits++;
      /* Parked with the lock held: the interrupt handler takes it before
       * waking, so it finds us asleep (no lost wake-up). */
      struct waitq_entry me;
      waitq_park_irq(&dev->rx_waiters, &me, "net receive", &dev->rx_lock);
      spin_lock_raw(&dev->rx_lock); /* interrupts still masked */
      continue;
    }
    uint64_t now = task_now_ns();
    if (now >= deadline_ns) {
      spin_unlock_irqrestore(&dev->rx_lock, irq);
      return -ETIMEDOUT;
    }
    dev->stats.rx_waits++;
    /* Out of the lock to wait: a frame that arrives from here on rings
     * the doorbell after it is on the used ring, and the slot keeps the
     * ring until someone takes it, so it cannot be missed. */
    spin_unlock_irqrestore(&dev->rx_lock, irq);
    char token;
    struct chan_case wait = {.chan = dev->rx_doorbell, .dir = CHAN_RECV, .elem = &token};
    uint64_t wait_ns = deadline_ns - now;
    /* A negative timeout would mean "none" to chan_select: clamp (292 years). */
    (void)chan_select(&wait, 1, false, wait_ns > INT64_MAX ? INT64_MAX : (int64_t)wait_ns);
    irq = spin_lock_irqsave(&dev->rx_lock);
  }
}

static void net_stats(struct netdev *d, struct netdev_stats *out) {
  struct virtio_net *dev = of(d);
  unsigned long irq = spin_lock_irqsave(&dev->tx_lock);
  tx_reclaim_locked(dev); /* completions the device finished are counted now */
  struct netdev_stats tx = dev->stats;
  spin_unlock_irqrestore(&dev->tx_lock, irq);
  irq = spin_lock_irqsave(&dev->rx_lock);
  *out = dev->stats;
  spin_unlock_irqrestore(&dev->rx_lock, irq);
  out->tx_frames = tx.tx_frames;
  out->tx_bytes = tx.tx_bytes;
  out->tx_dropped = tx.tx_dropped;
  out->tx_errors = tx.tx_errors;
  out->tx_queue_full_waits = tx.tx_queue_full_waits;
  /* Relaxed: a counter, read alone. */
  out->interrupts = __atomic_load_n(&dev->interrupts, __ATOMIC_RELAXED);
}

static const struct netdev_ops virtio_net_ops = {
    .send = net_send, .receive = net_receive, .stats = net_stats};

/* ---- the interrupt -------------------------------------------------------- */

void virtio_net_interrupt(void *arg) {
  struct virtio_net *dev = arg;
  /* Acknowledge first: a buffer used after this raises the line again and
   * is handled then, not lost. */
  uint32_t status = virtio_mmio_ack_interrupt(dev->base);
  /* Relaxed: a statistic; the handler runs on one core at a time. */
  __atomic_fetch_add(&dev->interrupts, 1, __ATOMIC_RELAXED);
  if (!(status & 1))
    return; /* a configuration change only: nothing here uses the config */

  spin_lock_raw(&dev->tx_lock); /* handlers run with interrupts masked */
  tx_reclaim_locked(dev);
  struct waitq senders = {NULL, NULL};
  if (dev->tx_nfree > 0) {
    senders = waitq_take_all(&dev->tx_waiters);
    /* Nobody waits now: finished buffers can wait for the next send. */
    virtqueue_interrupts(&dev->txq, false);
  }
  spin_unlock_raw(&dev->tx_lock);
  waitq_ready_all(&senders); /* after the lock, so they do not spin on it */

  spin_lock_raw(&dev->rx_lock);
  bool frames = virtqueue_has_used(&dev->rxq);
  struct waitq receivers = {NULL, NULL};
  if (frames)
    receivers = waitq_take_all(&dev->rx_waiters);
  spin_unlock_raw(&dev->rx_lock);
  waitq_ready_all(&receivers);
  if (frames)
    ring_doorbell(dev);
}

/* ---- finding and starting the device -------------------------------------- */

static int start(struct virtio_net *dev) {
  uint64_t features;
  uint64_t required = 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_NET_F_MAC;
  if (virtio_mmio_negotiate(dev->base, 0, required, &features)) {
    kprintf("virtio-net at %p: the device lacks a feature brigade needs (offers 0x%llx, "
            "needs 0x%llx)\n",
            (void *)dev->base, (unsigned long long)features, (unsigned long long)required);
    return -ENODEV;
  }
  for (unsigned i = 0; i < NETDEV_MAC_LEN; i++)
    dev->netdev.mac[i] = virtio_mmio_config8(dev->base, i);
  int err = virtio_mmio_setup_queue(dev->base, &dev->rxq, RX_QUEUE, VIRTIO_NET_QUEUE_SIZE);
  if (!err)
    err = virtio_mmio_setup_queue(dev->base, &dev->txq, TX_QUEUE, VIRTIO_NET_QUEUE_SIZE);
  if (err) {
    kprintf("virtio-net at %p: could not set its queues up (%d)\n", (void *)dev->base, err);
    return err == -ENOMEM ? err : -ENODEV;
  }
  dev->rx_buffers = memalign(16, (size_t)dev->rxq.size * VIRTIO_NET_BUFFER);
  dev->tx_buffers = memalign(16, (size_t)dev->txq.size * VIRTIO_NET_BUFFER);
  dev->tx_free = calloc(dev->txq.size, sizeof *dev->tx_free);
  dev->tx_len = calloc(dev->txq.size, sizeof *dev->tx_len);
  dev->rx_doorbell = chan_make(1, 1, "net rx doorbell");
  if (!dev->rx_buffers || !dev->tx_buffers || !dev->tx_free || !dev->tx_len || !dev->rx_doorbell)
    return -ENOMEM;
  spin_init(&dev->rx_lock, "net rx");
  spin_init(&dev->tx_lock, "net tx");
  dev->rx_waiters = (struct waitq)WAITQ_INIT;
  dev->tx_waiters = (struct waitq)WAITQ_INIT;
  for (uint16_t id = 0; id < dev->txq.size; id++)
    dev->tx_free[dev->tx_nfree++] = id;
  virtqueue_interrupts(&dev->txq, false); /* until a sender waits */
  for (uint16_t id = 0; id < dev->rxq.size; id++) {
    virtqueue_set_desc(&dev->rxq, id, dev->rx_buffers[id], VIRTIO_NET_BUFFER, VIRTQ_DESC_F_WRITE);
    virtqueue_publish(&dev->rxq, id);
  }
  virtio_mmio_driver_ok(dev->base);
  virtio_mmio_notify(dev->base, &dev->rxq); /* the device may look at the buffers now */
  dev->netdev.name = "virtio-net0";
  dev->netdev.ops = &virtio_net_ops;
  return 0;
}

int virtio_net_probe(struct virtio_net *dev, const void *dtb) {
  struct virtio_mmio_node nodes[MAX_TRANSPORTS]; /* 1 KiB, once at boot */
  int n = virtio_mmio_find(dtb, nodes, MAX_TRANSPORTS);
  if (n < 0) {
    kprintf("virtio-net: cannot read the device tree at %p (%d)\n", dtb, n);
    return -ENODEV;
  }
  if (n > MAX_TRANSPORTS)
    n = MAX_TRANSPORTS;
  for (int i = 0; i < n; i++) {
    struct virtio_mmio_id id = virtio_mmio_identify(nodes[i].base);
    if (id.magic != 0x74726976 || id.device_id != VIRTIO_ID_NET)
      continue;
    if (id.version != 2) {
      kprintf("virtio-net at %p: a legacy (version %lu) virtio-mmio transport, which brigade "
              "does not drive; run QEMU with -global virtio-mmio.force-legacy=false\n",
              (void *)nodes[i].base, (unsigned long)id.version);
      continue;
    }
    dev->base = nodes[i].base;
    dev->node = nodes[i];
    return start(dev);
  }
  return -ENODEV;
}
