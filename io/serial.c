/* Interrupt-driven serial ports (see serial.h for the model).
 *
 * Locking: one spinlock per port guards both rings, the waiters and the
 * counters. It is only ever taken with interrupts masked, because the
 * device's interrupt handler takes it too, and held for a bounded copy.
 * A task that must wait parks with the lock still held and waitq_park_irq drops
 * it after the switch, so the interrupt (on any core) can only find the
 * waiter once it is fully parked: no lost wake-up. Every path that moves
 * bytes releases the lock through unlock_and_ready, which readies the
 * waiters the move let go, whichever path it was.
 *
 * Rings are free-running u32 indices (tail - head = bytes queued), so "full"
 * and "empty" need no spare slot.
 */
#include <brigade/arch.h>
#include <brigade/serial.h>
#include <brigade/task.h>
#include <brigade/waitq.h>

_Static_assert((SERIAL_RX_RING & (SERIAL_RX_RING - 1)) == 0, "RX ring size is a power of two");
_Static_assert((SERIAL_TX_RING & (SERIAL_TX_RING - 1)) == 0, "TX ring size is a power of two");

void serial_init(struct serial_port *port, const char *name, const struct serial_hw *hw,
                 void *dev) {
  *port = (struct serial_port){.name = name, .hw = hw, .dev = dev};
  spin_init(&port->lock, name);
  port->write_lock = (struct mutex)MUTEX_INIT;
}

/* Waiting means parking, which only a task with interrupts enabled may do:
 * an interrupt handler, the idle loop, boot code or a holder of an
 * interrupt-masking lock has no way to give its core away. */
static bool may_park(const struct serial_port *port) {
  return port->interrupts && arch_irq_enabled() && task_current() != NULL;
}

/* ---- receive ------------------------------------------------------------- */

static uint32_t rx_queued(const struct serial_port *p) { return p->rx_tail - p->rx_head; }

/* Move bytes from the device into the ring until either runs out. A full
 * ring with the interrupt on would interrupt forever (the device keeps its
 * line raised while it holds data), so it switches reception off instead;
 * the next read that makes room switches it back on. */
static void rx_fill(struct serial_port *p) {
  while (rx_queued(p) < SERIAL_RX_RING) {
    int c = p->hw->rx_byte(p->dev);
    if (c < 0)
      break;
    p->rx[p->rx_tail++ & (SERIAL_RX_RING - 1)] = (uint8_t)c;
    p->stats.rx_bytes++;
  }
  if (p->hw->take_overruns)
    p->stats.rx_dropped += p->hw->take_overruns(p->dev);
  if (p->interrupts && !p->rx_stopped && rx_queued(p) == SERIAL_RX_RING) {
    p->hw->rx_irq(p->dev, false);
    p->rx_stopped = true;
    p->stats.rx_throttled++;
  }
}

static size_t rx_take(struct serial_port *p, uint8_t *out, size_t n) {
  size_t got = 0;
  while (got < n && rx_queued(p) > 0)
    out[got++] = p->rx[p->rx_head++ & (SERIAL_RX_RING - 1)];
  if (got && p->rx_stopped) {
    /* Room again: first take what piled up in the device, then let it
     * interrupt again if that did not fill the ring. */
    p->rx_stopped = false;
    rx_fill(p);
    if (!p->rx_stopped)
      p->hw->rx_irq(p->dev, true);
  }
  return got;
}

static struct task *pop_reader(struct serial_port *p) {
  struct waitq_entry *r = waitq_pop_front(&p->readers);
  return r ? r->task : NULL; /* copied out: the entry dies once its task runs */
}

static uint32_t tx_queued(const struct serial_port *p) { return p->tx_tail - p->tx_head; }

/* Release the port lock and ready the waiters that the work done under it
 * let go. Every path that moves bytes (the interrupt, a write that cannot
 * park and polls the ring out, a read that cannot wait, a flush) leaves
 * through here, because no interrupt would end those waits for it: the path
 * may just have emptied the device or the ring and switched the interrupt
 * off, and a level-triggered line (PLIC, GICv2) drops with its condition and
 * remembers nothing. So a parked reader never stays parked beside queued
 * bytes, nor the parked writer beside a ring with room.
 *
 * One reader per release: a reader that leaves bytes behind comes back here
 * and readies the next (one wake-up per burst). The writer only once half
 * the ring is free, so it copies a large batch per wake-up; until then bytes
 * are queued, which keeps the transmit interrupt on (tx_push), and its
 * handler comes back here. Interrupts stay masked (the caller restores
 * them); task_ready runs after the unlock, as wakers do everywhere. */
static void unlock_and_ready(struct serial_port *p) {
  struct task *reader = rx_queued(p) ? pop_reader(p) : NULL;
  struct task *writer = NULL;
  if (!waitq_empty(&p->writer) && tx_queued(p) <= SERIAL_TX_RING / 2)
    writer = waitq_pop_front(&p->writer)->task; /* the entry dies once its task runs */
  if (reader)
    p->stats.reader_wakes++;
  if (writer)
    p->stats.writer_wakes++;
  spin_unlock_raw(&p->lock);
  if (reader)
    task_ready(reader);
  if (writer)
    task_ready(writer);
}

size_t serial_read_nowait(struct serial_port *port, void *buf, size_t n) {
  unsigned long irq = spin_lock_irqsave(&port->lock);
  /* Also take what the device holds but no interrupt has moved yet: the
   * only source when polled, and the caller may be the very code (an
   * interrupt handler, masked interrupts) the interrupt is waiting for. */
  rx_fill(port);
  size_t got = rx_take(port, buf, n);
  unlock_and_ready(port);
  arch_irq_restore(irq);
  return got;
}

size_t serial_read(struct serial_port *port, void *buf, size_t n) {
  if (n == 0)
    return 0;
  if (!may_park(port)) {
    size_t got;
    while ((got = serial_read_nowait(port, buf, n)) == 0)
      arch_cpu_relax();
    return got;
  }

  unsigned long irq = spin_lock_irqsave(&port->lock);
  while (rx_queued(port) == 0) {
    /* Only the device can end this wait: not a deadlock while it lasts. */
    struct waitq_entry me;
    waitq_park_irq(&port->readers, &me, "uart read", &port->lock);
    spin_lock_raw(&port->lock); /* interrupts are still masked from the save above */
  }
  size_t got = rx_take(port, buf, n);
  unlock_and_ready(port); /* passes the wake-up on if this reader left bytes */
  arch_irq_restore(irq);
  return got;
}

/* ---- transmit ------------------------------------------------------------ */

/* A device without a usable transmit interrupt (hw->tx_irq NULL) still
 * receives by interrupt; its writers transmit by polling. */
static bool tx_by_interrupt(const struct serial_port *p) { return p->interrupts && p->hw->tx_irq; }

/* Every switch of the transmit interrupt goes through here, so tx_irq_on
 * says whether it is on. */
static void set_tx_irq(struct serial_port *p, bool on) {
  if (on != p->tx_irq_on) {
    p->hw->tx_irq(p->dev, on);
    p->tx_irq_on = on;
  }
}

/* Hand the device what it takes now; keep the transmit interrupt on exactly
 * while bytes are left, so an idle port takes no interrupts. */
static void tx_push(struct serial_port *p) {
  while (tx_queued(p) && p->hw->tx_ready(p->dev)) {
    p->hw->tx_byte(p->dev, p->tx[p->tx_head++ & (SERIAL_TX_RING - 1)]);
    p->stats.tx_bytes++;
  }
  if (tx_by_interrupt(p))
    set_tx_irq(p, tx_queued(p) != 0);
}

/* Make room for one byte by waiting on the device: the path for writers
 * that cannot park, and for every writer before interrupts start. */
static void tx_push_one_polled(struct serial_port *p) {
  while (!p->hw->tx_ready(p->dev))
    arch_cpu_relax();
  p->hw->tx_byte(p->dev, p->tx[p->tx_head++ & (SERIAL_TX_RING - 1)]);
  p->stats.tx_bytes++;
}

static void tx_put(struct serial_port *p, uint8_t byte) {
  p->tx[p->tx_tail++ & (SERIAL_TX_RING - 1)] = byte;
}

/* Queue as many of buf's bytes as fit (a "\n" under ONLCR needs two slots
 * and is never split); returns how many were consumed. */
static size_t tx_copy_in(struct serial_port *p, const uint8_t *buf, size_t n) {
  size_t i = 0;
  for (; i < n; i++) {
    uint32_t room = SERIAL_TX_RING - tx_queued(p);
    bool crlf = p->onlcr && buf[i] == '\n';
    if (room < (crlf ? 2u : 1u))
      break;
    if (crlf)
      tx_put(p, '\r');
    tx_put(p, buf[i]);
  }
  return i;
}

static void write_without_parking(struct serial_port *port, const uint8_t *buf, size_t n) {
  unsigned long irq = spin_lock_irqsave(&port->lock);
  size_t done = 0;
  while (done < n) {
    done += tx_copy_in(port, buf + done, n - done);
    if (done < n)
      tx_push_one_polled(port); /* oldest byte out first: order is kept */
  }
  if (tx_by_interrupt(port)) {
    tx_push(port);
  } else {
    while (tx_queued(port))
      tx_push_one_polled(port);
  }
  unlock_and_ready(port);
  arch_irq_restore(irq);
}

/* A task writes under write_lock (tasks' writes stay whole) and the port
 * lock, and waits for room one of two ways:
 * - with a transmit interrupt, it parks on a full ring, and the interrupt
 *   readies it once the device has taken half the ring;
 * - without one (tx_irq NULL), it polls the device, but lets go of the port
 *   lock and unmasks interrupts between looks. A paced or slow device makes
 *   each byte wait (about 87 us at 115200 baud), and a write of a line
 *   under one masked lock would hold off every interrupt of its core, the
 *   timer's included, for the whole line. Between looks the task can be
 *   preempted like any task that computes; it does not yield, which would
 *   leave one byte per round of a busy core. It returns only once the ring
 *   is empty: no interrupt would send what it left.
 * Code that cannot park may write while the port lock is let go (between
 * looks, or while the task is parked): it pushes the ring out first
 * (write_without_parking), so its bytes follow the task's queued ones and
 * nothing is lost or reordered. */
void serial_write(struct serial_port *port, const void *buf, size_t n) {
  const uint8_t *bytes = buf;
  if (!may_park(port)) {
    write_without_parking(port, bytes, n);
    return;
  }
  bool polled = !tx_by_interrupt(port);
  mutex_lock(&port->write_lock);
  unsigned long irq = spin_lock_irqsave(&port->lock);
  size_t done = 0;
  for (;;) {
    done += tx_copy_in(port, bytes + done, n - done);
    tx_push(port);
    if (done == n && !(polled && tx_queued(port)))
      break;
    if (polled) {
      unlock_and_ready(port);
      arch_irq_restore(irq);
      arch_cpu_relax();
      irq = spin_lock_irqsave(&port->lock);
      continue;
    }
    /* Park only on a full ring: the device may have taken everything just
     * now, and then no interrupt would come to end the wait. A full ring
     * keeps the transmit interrupt on (tx_push), so the wake-up is sure. */
    if (SERIAL_TX_RING - tx_queued(port) >= 2)
      continue;
    struct waitq_entry me;
    waitq_park_irq(&port->writer, &me, "uart write", &port->lock);
    spin_lock_raw(&port->lock);
  }
  unlock_and_ready(port);
  arch_irq_restore(irq);
  mutex_unlock(&port->write_lock);
}

void serial_flush_polled(struct serial_port *port, bool bounded) {
  unsigned long irq = arch_irq_save();
  bool locked = false;
  for (long spins = 0; !locked; spins++) {
    locked = spin_trylock_raw(&port->lock);
    if (!locked && bounded && spins > 2000000)
      break; /* a stopped core holds it: better garbled than silent */
    if (!locked)
      arch_cpu_relax();
  }
  while (tx_queued(port))
    tx_push_one_polled(port);
  if (tx_by_interrupt(port))
    set_tx_irq(port, false);
  if (locked)
    unlock_and_ready(port); /* the writer parked for room, if any */
  arch_irq_restore(irq);
}

/* After a flush the device has every byte; it still has to send them. A
 * machine stopped now loses its FIFO and shift register, the end of an
 * exit's last line: QEMU's 16550, when its host side would block, keeps the
 * byte and says "not empty" until it has gone, and a power-off in between
 * drops it. The status register is read without the port lock: the caller
 * is the last code to run, and a lock a stopped core holds must not stop
 * it; reading "empty" has no side effect. */
void serial_wait_until_sent(struct serial_port *port) {
  if (!port->hw->tx_done)
    return;
  unsigned long irq = arch_irq_save();
  uint64_t start = arch_now_ticks();
  uint64_t limit = arch_ms_to_ticks(SERIAL_DRAIN_MS);
  while (!port->hw->tx_done(port->dev) && arch_now_ticks() - start < limit)
    arch_cpu_relax();
  arch_irq_restore(irq);
}

/* ---- interrupt ----------------------------------------------------------- */

void serial_interrupt(struct serial_port *port) {
  spin_lock_raw(&port->lock); /* interrupt context: already masked */
  port->stats.interrupts++;
  rx_fill(port);
  /* With the transmit ring empty and its interrupt off (the common case of
   * a receive interrupt), tx_push would find nothing to do. */
  if (tx_queued(port) || port->tx_irq_on)
    tx_push(port);
  unlock_and_ready(port);
}

void serial_start_interrupts(struct serial_port *port) {
  unsigned long irq = spin_lock_irqsave(&port->lock);
  port->interrupts = true;
  rx_fill(port);
  if (!port->rx_stopped)
    port->hw->rx_irq(port->dev, true);
  tx_push(port);
  unlock_and_ready(port);
  arch_irq_restore(irq);
}

void serial_get_stats(struct serial_port *port, struct serial_stats *out) {
  unsigned long irq = spin_lock_irqsave(&port->lock);
  *out = port->stats;
  spin_unlock_irqrestore(&port->lock, irq);
}
