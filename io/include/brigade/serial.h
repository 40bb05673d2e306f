/**
 * @file serial.h
 * @brief Interrupt-driven serial ports: the netpoller of a UART.
 *
 * A serial port puts a receive ring and a transmit ring between tasks and a
 * UART. A task that reads an empty port parks (wait reason "uart read") and
 * the receive interrupt readies it; a task whose write does not fit parks
 * ("uart write") until the transmit interrupt has made room. Whatever moves
 * bytes (the interrupt, a write that cannot park, a read that cannot wait, a
 * flush) readies the waiters it lets go, so a wait never depends on an
 * interrupt that a level-triggered line has already dropped. The interrupt
 * handler never blocks and never waits for a task.
 *
 * The logic lives here once; a UART driver only answers the register-level
 * questions in struct serial_hw (is a byte waiting, is there room, switch an
 * interrupt on or off), so every UART parks tasks the same way.
 *
 * Flow control instead of loss where the device allows it: when the receive
 * ring is full the port switches the receive interrupt off and leaves bytes
 * in the device, whose own FIFO then fills; a device that can push back
 * (QEMU's UARTs stop reading their input) loses nothing, a real line
 * overruns the device FIFO. Bytes the device reports lost (overrun) are
 * counted in serial_stats.rx_dropped, which the shell's `stats` shows.
 */
#ifndef BRIGADE_SERIAL_H
#define BRIGADE_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <brigade/spinlock.h>
#include <brigade/sync.h>
#include <brigade/waitq.h>

/** Register-level operations a UART driver provides. All are called with the
 *  port lock held and interrupts masked; none may block. */
struct serial_hw {
  /** A received byte, or -1 when the device holds none. */
  int (*rx_byte)(void *dev);
  /** True when the device can take one more byte to transmit. */
  bool (*tx_ready)(void *dev);
  /** Hand @p byte to the device (tx_ready was true). */
  void (*tx_byte)(void *dev, uint8_t byte);
  /** Switch the receive interrupt on or off. */
  void (*rx_irq)(void *dev, bool on);
  /** Switch the transmit-room interrupt on or off; it is off when the
   *  driver hands the device to serial_init. NULL: the device has no
   *  usable one; writers then transmit by polling, reads still park. */
  void (*tx_irq)(void *dev, bool on);
  /** Bytes the device lost since the last call (overruns); may be NULL. */
  unsigned (*take_overruns)(void *dev);
  /** True once every byte handed to the device has left it: its FIFO and
   *  its shift register are empty. NULL: the device cannot say, and a
   *  polled flush ends when the device has taken the last byte. */
  bool (*tx_done)(void *dev);
};

#define SERIAL_RX_RING 1024u /**< power of two */
#define SERIAL_TX_RING 2048u /**< power of two */
/** The longest serial_wait_until_sent waits for the device to send what it
 *  holds: a 16-byte FIFO at 9600 baud takes 18 ms; the rest is for an
 *  emulator whose host-side reader is slow. */
#define SERIAL_DRAIN_MS 2000u

/** Counters, as read by serial_get_stats. */
struct serial_stats {
  uint64_t rx_bytes;     /**< bytes moved from the device into the ring */
  uint64_t tx_bytes;     /**< bytes handed to the device */
  uint64_t rx_dropped;   /**< bytes lost: device overruns */
  uint64_t interrupts;   /**< calls of serial_interrupt */
  uint64_t rx_throttled; /**< times a full ring switched the receive interrupt off */
  uint64_t reader_wakes; /**< parked readers readied (by the interrupt, or by any
                              path that left bytes in the ring) */
  uint64_t writer_wakes; /**< parked writers readied (by the interrupt, or by any
                              path that made room in the ring) */
};

struct serial_port {
  const char *name;
  const struct serial_hw *hw;
  void *dev;
  bool onlcr;       /**< write "\n" as "\r\n" (termios ONLCR) */
  bool interrupts;  /**< serial_start_interrupts was called */
  bool rx_stopped;  /**< receive interrupt off because the ring is full */
  bool tx_irq_on;   /**< transmit interrupt on (while bytes wait: tx_push) */
  spinlock_t lock;  /**< rings, waiters, counters; taken with interrupts masked */
  uint32_t rx_head, rx_tail; /**< free-running; tail - head = bytes waiting */
  uint32_t tx_head, tx_tail;
  struct waitq readers;      /**< parked readers, FIFO */
  struct waitq writer;       /**< the writer parked for room (one at most: write_lock) */
  struct mutex write_lock;   /**< one writer at a time: a write is one unit */
  struct serial_stats stats;
  uint8_t rx[SERIAL_RX_RING];
  uint8_t tx[SERIAL_TX_RING];
};

/** @brief Set up @p port for the device @p dev (polled until interrupts start). */
void serial_init(struct serial_port *port, const char *name, const struct serial_hw *hw,
                 void *dev);

/**
 * @brief Switch @p port to interrupt-driven operation. Call after the
 *        device's interrupt line is attached (irq_attach) and routed.
 */
void serial_start_interrupts(struct serial_port *port);

/**
 * @brief The device raised its interrupt: move received bytes into the ring
 *        and ready a parked reader; refill the device from the transmit ring
 *        and ready the parked writer when there is room. The driver's
 *        interrupt handler calls this; it never blocks.
 */
void serial_interrupt(struct serial_port *port);

/**
 * @brief Read up to @p n bytes: waits for the first byte (a task parks; code
 *        outside a task polls), then returns what has arrived without
 *        waiting more.
 * @return bytes read (>= 1 when n > 0)
 */
size_t serial_read(struct serial_port *port, void *buf, size_t n);

/**
 * @brief Read what has arrived, up to @p n bytes, never waiting.
 * @return bytes read (0 when none has arrived)
 */
size_t serial_read_nowait(struct serial_port *port, void *buf, size_t n);

/**
 * @brief Write all @p n bytes, as one unit with respect to other writers.
 *        A task parks while the ring is full; code that cannot park
 *        (interrupt handlers, the idle loop, boot) pushes older bytes out of
 *        the ring by polling instead, so nothing is lost or reordered. On a
 *        device without a transmit interrupt (tx_irq NULL) a task polls too,
 *        but takes the port lock and masks interrupts only for each look at
 *        the device, so a slow device does not hold off the core's
 *        interrupts for a whole write; it returns once the device has every
 *        byte.
 */
void serial_write(struct serial_port *port, const void *buf, size_t n);

/**
 * @brief Push every queued byte out by polling, with interrupts masked.
 *        For exit and panic: the last words must reach the wire.
 * @param bounded  give up after a bounded wait for the port lock (panic
 *                 path: the lock may be held by a stopped core)
 */
void serial_flush_polled(struct serial_port *port, bool bounded);

/**
 * @brief Wait until the device has sent every byte it was handed
 *        (hw->tx_done), for at most SERIAL_DRAIN_MS, polling. The last step
 *        before the machine stops, which drops what the device still holds;
 *        bounded so that a line nobody reads cannot stop an exit. Returns at
 *        once for a device that cannot say (tx_done NULL).
 */
void serial_wait_until_sent(struct serial_port *port);

/** @brief A snapshot of @p port's counters. */
void serial_get_stats(struct serial_port *port, struct serial_stats *out);

#endif
