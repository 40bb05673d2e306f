/* The serial core (io/serial.c) against a UART made of memory. The test
 * plays both the device and the interrupt controller: the device's interrupt
 * output is level-triggered, as a 16550 or PL011 drives a PLIC or GICv2
 * line: raised while an enabled condition holds (data waiting, room to
 * transmit), dropped the moment none does, and never latched. The test takes
 * the interrupt the way a core does when it unmasks (take_interrupts), by
 * calling serial_interrupt with interrupts masked for as long as the line
 * stays raised. So parking, wake-ups, flow control and ordering are checked
 * on every board and on the host presets (plain, ThreadSanitizer, ASan +
 * UBSan), without depending on QEMU's timing; races that need a narrow
 * window are driven deterministically from the test (a non-parking writer
 * or reader runs while a task is known to be parked). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brigade/arch.h>
#include <brigade/cpu.h>
#include <brigade/serial.h>
#include <brigade/sync.h>
#include <brigade/task.h>

#include "test.h"

#define FIFO 16
#define MS (1000ull * 1000)

struct fake_uart {
  uint8_t rx_fifo[FIFO];
  unsigned rx_head, rx_len;
  bool rx_irq_on, tx_irq_on;
  unsigned tx_space; /* bytes the "line" takes before the device is busy */
  uint8_t *wire;     /* everything transmitted, in order */
  size_t wire_len, wire_cap;
  unsigned overruns;
  unsigned held;         /* bytes taken but not yet sent (FIFO + shift register) */
  bool line_stuck;       /* nothing held ever leaves: a line nobody reads */
  unsigned sent_checks;  /* calls of tx_done */
  unsigned busy_looks;   /* calls of tx_ready that found no room */
};

static int fake_rx_byte(void *dev) {
  struct fake_uart *u = dev;
  if (u->rx_len == 0)
    return -1;
  uint8_t c = u->rx_fifo[u->rx_head];
  u->rx_head = (u->rx_head + 1) % FIFO;
  u->rx_len--;
  return c;
}

static bool fake_tx_ready(void *dev) {
  struct fake_uart *u = dev;
  if (u->tx_space == 0)
    u->busy_looks++;
  return u->tx_space > 0;
}

static void fake_tx_byte(void *dev, uint8_t byte) {
  struct fake_uart *u = dev;
  if (u->wire_len < u->wire_cap)
    u->wire[u->wire_len] = byte;
  u->wire_len++;
  u->tx_space--;
  u->held++;
}

/* Each look at the status register finds one more held byte sent. */
static bool fake_tx_done(void *dev) {
  struct fake_uart *u = dev;
  u->sent_checks++;
  if (u->held && !u->line_stuck)
    u->held--;
  return u->held == 0;
}

static void fake_rx_irq(void *dev, bool on) { ((struct fake_uart *)dev)->rx_irq_on = on; }
static void fake_tx_irq(void *dev, bool on) { ((struct fake_uart *)dev)->tx_irq_on = on; }

static unsigned fake_take_overruns(void *dev) {
  struct fake_uart *u = dev;
  unsigned n = u->overruns;
  u->overruns = 0;
  return n;
}

static const struct serial_hw fake_hw = {
    .rx_byte = fake_rx_byte,
    .tx_ready = fake_tx_ready,
    .tx_byte = fake_tx_byte,
    .rx_irq = fake_rx_irq,
    .tx_irq = fake_tx_irq,
    .take_overruns = fake_take_overruns,
    .tx_done = fake_tx_done,
};

static struct fake_uart uart;
static struct serial_port port;

static void setup_with(const struct serial_hw *hw, size_t wire_cap) {
  free(uart.wire);
  uart = (struct fake_uart){.wire = malloc(wire_cap), .wire_cap = wire_cap};
  serial_init(&port, "fake", hw, &uart);
  serial_start_interrupts(&port);
}

static void setup(size_t wire_cap) { setup_with(&fake_hw, wire_cap); }

/* The same device without a transmit interrupt (as QEMU's SiFive UART):
 * writers poll it. */
static void setup_without_tx_irq(size_t wire_cap) {
  static struct serial_hw hw;
  hw = fake_hw;
  hw.tx_irq = NULL;
  setup_with(&hw, wire_cap);
}

/* The device's interrupt output: high while an enabled condition holds,
 * low as soon as none does. Nothing is remembered, so an interrupt whose
 * condition went away before a core took it is never delivered. Read under
 * the port lock, like every other piece of device state. */
static bool line_raised(void) {
  return (uart.rx_irq_on && uart.rx_len > 0) || (uart.tx_irq_on && uart.tx_space > 0);
}

static bool line_is_raised(void) {
  unsigned long irq = spin_lock_irqsave(&port.lock);
  bool raised = line_raised();
  spin_unlock_irqrestore(&port.lock, irq);
  return raised;
}

/* The serial core must lower the line each time it handles it; a line still
 * raised after this many interrupts in a row is an interrupt storm (on a
 * board the core would never leave the handler). */
#define STORM 1000

/* A core unmasks interrupts: it takes the line's interrupt, with interrupts
 * masked as a driver's handler runs, for as long as the line is raised. */
static void take_interrupts(void) {
  for (int taken = 0; line_is_raised(); taken++) {
    if (taken == STORM) {
      test_fail(__FILE__, __LINE__, "interrupt storm: the line is still raised after %d interrupts",
                STORM);
      return;
    }
    unsigned long irq = arch_irq_save();
    serial_interrupt(&port);
    arch_irq_restore(irq);
  }
}

/* A spurious interrupt: what an edge-triggered or latching controller could
 * still deliver after the line dropped. Only the regression tests use it, to
 * free a task the serial core left parked, so that a regression fails the
 * test instead of hanging the run. */
static void spurious_interrupt(void) {
  unsigned long irq = arch_irq_save();
  serial_interrupt(&port);
  arch_irq_restore(irq);
}

/* Bytes arriving on the line; the device FIFO takes what fits. The device
 * state is shared with the core, so it changes under the port lock as it
 * would in hardware (atomically with respect to the driver). */
static size_t arrive_masked(const uint8_t *bytes, size_t n) {
  unsigned long irq = spin_lock_irqsave(&port.lock);
  size_t taken = 0;
  while (taken < n && uart.rx_len < FIFO) {
    uart.rx_fifo[(uart.rx_head + uart.rx_len) % FIFO] = bytes[taken++];
    uart.rx_len++;
  }
  spin_unlock_irqrestore(&port.lock, irq);
  return taken;
}

/* The same, and then the core takes the interrupt it raised. */
static size_t arrive(const uint8_t *bytes, size_t n) {
  size_t taken = arrive_masked(bytes, n);
  take_interrupts();
  return taken;
}

static bool rx_irq_on(void) {
  unsigned long irq = spin_lock_irqsave(&port.lock);
  bool on = uart.rx_irq_on;
  spin_unlock_irqrestore(&port.lock, irq);
  return on;
}

/* A task is parked on the port. Each flag is set before the task parks and
 * seen under the port lock only once the task is fully parked (waitq_park_irq
 * drops the lock after the switch). */
static bool writer_parked(void) {
  unsigned long irq = spin_lock_irqsave(&port.lock);
  bool parked = !waitq_empty(&port.writer);
  spin_unlock_irqrestore(&port.lock, irq);
  return parked;
}

static bool reader_parked(void) {
  unsigned long irq = spin_lock_irqsave(&port.lock);
  bool parked = !waitq_empty(&port.readers);
  spin_unlock_irqrestore(&port.lock, irq);
  return parked;
}

/* Waits without a deadline: what the test waits for needs no interrupt. */
static void wait_until(bool (*cond)(void)) {
  while (!cond())
    task_sleep_ns(1 * MS);
}

static void wait_until_parked(task_t *t) {
  while (task_state(t) != TASK_PARKED)
    task_sleep_ns(1 * MS);
}

/* ---- readers ------------------------------------------------------------- */

struct reader {
  size_t want, got;
  uint8_t buf[64];
  int finished;
  struct waitgroup *done;
};

static void reader_task(void *arg) {
  struct reader *r = arg;
  r->got = serial_read(&port, r->buf, r->want);
  __atomic_store_n(&r->finished, 1, __ATOMIC_RELEASE);
  waitgroup_done(r->done);
}

TEST(a_reader_parks_on_an_empty_port_until_the_receive_interrupt) {
  setup(64);
  struct waitgroup wg = WAITGROUP_INIT;
  struct reader r = {.want = sizeof r.buf, .done = &wg};
  waitgroup_add(&wg, 1);
  ASSERT(task_spawn(NULL, reader_task, &r, NULL) == 0);
  wait_until(reader_parked);
  EXPECT_EQ(__atomic_load_n(&r.finished, __ATOMIC_ACQUIRE), 0); /* nothing arrived yet */
  EXPECT(rx_irq_on());
  ASSERT(arrive((const uint8_t *)"hello", 5) == 5);
  waitgroup_wait(&wg);
  EXPECT_EQ(r.got, 5u);
  EXPECT(memcmp(r.buf, "hello", 5) == 0);
  struct serial_stats st;
  serial_get_stats(&port, &st);
  EXPECT_EQ(st.reader_wakes, 1u);
  EXPECT_EQ(st.rx_bytes, 5u);
}

TEST(several_readers_wait_at_once_and_share_one_burst) {
  setup(64);
  enum { READERS = 4 };
  struct waitgroup wg = WAITGROUP_INIT;
  struct reader r[READERS];
  task_t *t[READERS];
  waitgroup_add(&wg, READERS);
  for (int i = 0; i < READERS; i++) {
    r[i] = (struct reader){.want = 1, .done = &wg};
    ASSERT(task_spawn(&t[i], reader_task, &r[i], NULL) == 0);
  }
  for (int i = 0; i < READERS; i++)
    wait_until_parked(t[i]); /* all four wait: none can finish before the burst */
  ASSERT(arrive((const uint8_t *)"wxyz", 4) == 4); /* one interrupt for all four bytes */
  waitgroup_wait(&wg);
  unsigned seen = 0;
  for (int i = 0; i < READERS; i++) {
    EXPECT_EQ(r[i].got, 1u);
    if (r[i].buf[0] >= 'w' && r[i].buf[0] <= 'z')
      seen |= 1u << (r[i].buf[0] - 'w');
  }
  EXPECT_EQ(seen, 0xfu); /* each byte went to exactly one reader */
}

TEST(a_full_receive_ring_switches_the_interrupt_off_and_loses_nothing) {
  setup(64);
  size_t total = SERIAL_RX_RING + 3 * FIFO;
  uint8_t *sent = malloc(total), *got = malloc(total);
  ASSERT(sent && got);
  for (size_t i = 0; i < total; i++)
    sent[i] = (uint8_t)(i * 7 + 3);
  /* Nobody reads: the ring fills, the interrupt goes off, the device FIFO
   * fills and then refuses more (the line's flow control). */
  size_t offered = 0;
  while (offered < total) {
    size_t n = arrive(sent + offered, total - offered);
    if (n == 0)
      break;
    offered += n;
  }
  EXPECT(!rx_irq_on());
  EXPECT_EQ(offered, (size_t)SERIAL_RX_RING + FIFO);
  /* Reading makes room: the core first empties the device, then turns the
   * interrupt back on, and the rest arrives in order. */
  size_t have = 0;
  while (have < total) {
    size_t n = serial_read_nowait(&port, got + have, total - have);
    have += n;
    if (offered < total)
      offered += arrive(sent + offered, total - offered);
    if (n == 0 && offered == total && have < total)
      break;
  }
  EXPECT_EQ(have, total);
  EXPECT(memcmp(sent, got, total) == 0);
  EXPECT(rx_irq_on());
  struct serial_stats st;
  serial_get_stats(&port, &st);
  EXPECT(st.rx_throttled >= 1);
  EXPECT_EQ(st.rx_dropped, 0u);
  free(sent);
  free(got);
}

TEST(bytes_the_device_reports_lost_are_counted_as_drops) {
  setup(64);
  unsigned long irq = spin_lock_irqsave(&port.lock);
  uart.overruns = 3;
  spin_unlock_irqrestore(&port.lock, irq);
  ASSERT(arrive((const uint8_t *)"x", 1) == 1);
  uint8_t c;
  EXPECT_EQ(serial_read(&port, &c, 1), 1u);
  struct serial_stats st;
  serial_get_stats(&port, &st);
  EXPECT_EQ(st.rx_dropped, 3u);
}

/* ---- writers ------------------------------------------------------------- */

struct writer {
  const uint8_t *data;
  size_t len;
  int finished;
  struct waitgroup *done;
};

static void writer_task(void *arg) {
  struct writer *w = arg;
  serial_write(&port, w->data, w->len);
  __atomic_store_n(&w->finished, 1, __ATOMIC_RELEASE);
  waitgroup_done(w->done);
}

/* The line takes @p n more bytes: room in the device, which raises the
 * transmit interrupt if it is on (taken by the caller, or not yet). */
static void line_drains_masked(unsigned n) {
  unsigned long irq = spin_lock_irqsave(&port.lock);
  uart.tx_space += n;
  spin_unlock_irqrestore(&port.lock, irq);
}

static void line_drains(unsigned n) {
  line_drains_masked(n);
  take_interrupts();
}

static size_t wire_len(void) {
  unsigned long irq = spin_lock_irqsave(&port.lock);
  size_t n = uart.wire_len;
  spin_unlock_irqrestore(&port.lock, irq);
  return n;
}

TEST(a_writer_parks_on_a_full_ring_and_the_transmit_interrupt_resumes_it) {
  size_t len = SERIAL_TX_RING + 1000;
  setup(len);
  uint8_t *data = malloc(len);
  ASSERT(data);
  for (size_t i = 0; i < len; i++)
    data[i] = (uint8_t)('a' + i % 26);
  struct waitgroup wg = WAITGROUP_INIT;
  struct writer w = {.data = data, .len = len, .done = &wg};
  waitgroup_add(&wg, 1);
  ASSERT(task_spawn(NULL, writer_task, &w, NULL) == 0);
  wait_until(writer_parked);
  /* The device is busy: the ring is full and the writer waits for room. */
  EXPECT_EQ(__atomic_load_n(&w.finished, __ATOMIC_ACQUIRE), 0);
  EXPECT_EQ(wire_len(), 0u);
  while (!__atomic_load_n(&w.finished, __ATOMIC_ACQUIRE) || wire_len() < len) {
    line_drains(FIFO);
    task_yield();
  }
  waitgroup_wait(&wg);
  EXPECT_EQ(wire_len(), len);
  EXPECT(memcmp(uart.wire, data, len) == 0);
  struct serial_stats st;
  serial_get_stats(&port, &st);
  EXPECT(st.writer_wakes >= 1);
  free(data);
}

TEST(writes_from_two_tasks_never_interleave) {
  size_t len = SERIAL_TX_RING * 2;
  setup(2 * len);
  uint8_t *a = malloc(len), *b = malloc(len);
  ASSERT(a && b);
  memset(a, 'a', len);
  memset(b, 'b', len);
  struct waitgroup wg = WAITGROUP_INIT;
  struct writer wa = {.data = a, .len = len, .done = &wg};
  struct writer wb = {.data = b, .len = len, .done = &wg};
  waitgroup_add(&wg, 2);
  ASSERT(task_spawn(NULL, writer_task, &wa, NULL) == 0);
  ASSERT(task_spawn(NULL, writer_task, &wb, NULL) == 0);
  while (wire_len() < 2 * len) {
    line_drains(FIFO);
    task_yield();
  }
  waitgroup_wait(&wg);
  /* One block of each: exactly one change of letter on the wire. */
  int changes = 0;
  for (size_t i = 1; i < 2 * len; i++)
    changes += uart.wire[i] != uart.wire[i - 1];
  EXPECT_EQ(changes, 1);
  free(a);
  free(b);
}

TEST(onlcr_writes_newline_as_cr_lf) {
  setup(64);
  port.onlcr = true;
  line_drains(64);
  serial_write(&port, "a\nb\n", 4);
  while (wire_len() < 6)
    task_yield();
  EXPECT_EQ(wire_len(), 6u);
  EXPECT(memcmp(uart.wire, "a\r\nb\r\n", 6) == 0);
}

TEST(code_that_cannot_park_writes_by_polling_and_keeps_order) {
  size_t len = SERIAL_TX_RING * 3;
  setup(len);
  uint8_t *data = malloc(len);
  ASSERT(data);
  for (size_t i = 0; i < len; i++)
    data[i] = (uint8_t)(i % 251);
  unsigned long irq = spin_lock_irqsave(&port.lock);
  uart.tx_space = (unsigned)len; /* the device keeps up; nothing can interrupt */
  spin_unlock_irqrestore(&port.lock, irq);
  irq = arch_irq_save(); /* as an interrupt handler or the idle loop would be */
  serial_write(&port, data, len);
  arch_irq_restore(irq);
  EXPECT_EQ(wire_len(), len);
  EXPECT(memcmp(uart.wire, data, len) == 0);
  free(data);
}

/* ---- wake-ups no interrupt will bring -------------------------------------- */

/* A writer parked on a full ring; then room appears, and before any core
 * takes the transmit interrupt, code that cannot park (an interrupt handler,
 * kprintf with interrupts masked, the idle loop) writes. It pushes the whole
 * ring out, the empty ring switches the transmit interrupt off and the line
 * drops: the interrupt the parked writer waits for never comes. */
TEST(a_writer_that_cannot_park_and_empties_the_ring_readies_the_parked_writer) {
  static const char urgent[] = "URGENT";
  size_t len = SERIAL_TX_RING + 500, ulen = sizeof urgent - 1, total = 2 * len + ulen;
  setup(total);
  uint8_t *a = malloc(len), *b = malloc(len);
  ASSERT(a && b);
  memset(a, 'a', len);
  memset(b, 'b', len);
  struct waitgroup wg = WAITGROUP_INIT;
  struct writer wa = {.data = a, .len = len, .done = &wg};
  struct writer wb = {.data = b, .len = len, .done = &wg};
  waitgroup_add(&wg, 2);
  /* The device has no room: the first writer fills the ring and parks; the
   * second waits behind the write lock the first one holds. */
  ASSERT(task_spawn(NULL, writer_task, &wa, NULL) == 0);
  wait_until(writer_parked);
  task_t *second;
  ASSERT(task_spawn(&second, writer_task, &wb, NULL) == 0);
  wait_until_parked(second);

  unsigned long irq = arch_irq_save();
  line_drains_masked((unsigned)total); /* the line is raised, not yet taken */
  serial_write(&port, urgent, ulen);   /* masked: cannot park, so it polls */
  arch_irq_restore(irq);
  take_interrupts();
  EXPECT(!line_is_raised());
  bool still_parked = writer_parked();
  EXPECT(!still_parked); /* the write that emptied the ring readied the writer */
  if (still_parked)
    spurious_interrupt();
  waitgroup_wait(&wg);

  /* The ring's worth queued before the park, the urgent write as one unit,
   * the rest of the first write, then the whole second one. */
  ASSERT(wire_len() == total);
  size_t at = 0;
  for (; at < SERIAL_TX_RING; at++)
    if (uart.wire[at] != 'a')
      break;
  EXPECT_EQ(at, (size_t)SERIAL_TX_RING);
  EXPECT(memcmp(uart.wire + SERIAL_TX_RING, urgent, ulen) == 0);
  EXPECT(memcmp(uart.wire + SERIAL_TX_RING + ulen, a, len - SERIAL_TX_RING) == 0);
  EXPECT(memcmp(uart.wire + len + ulen, b, len) == 0);
  free(a);
  free(b);
}

/* The same through the exit path's flush: it empties the ring by polling
 * and switches the transmit interrupt off. */
TEST(a_polled_flush_readies_the_parked_writer) {
  size_t len = SERIAL_TX_RING + 500;
  setup(len);
  uint8_t *data = malloc(len);
  ASSERT(data);
  for (size_t i = 0; i < len; i++)
    data[i] = (uint8_t)(i % 253);
  struct waitgroup wg = WAITGROUP_INIT;
  struct writer w = {.data = data, .len = len, .done = &wg};
  waitgroup_add(&wg, 1);
  ASSERT(task_spawn(NULL, writer_task, &w, NULL) == 0);
  wait_until(writer_parked);

  unsigned long irq = arch_irq_save();
  line_drains_masked((unsigned)len);
  serial_flush_polled(&port, false);
  arch_irq_restore(irq);
  take_interrupts();
  EXPECT(!line_is_raised());
  bool still_parked = writer_parked();
  EXPECT(!still_parked);
  if (still_parked)
    spurious_interrupt();
  waitgroup_wait(&wg);
  ASSERT(wire_len() == len);
  EXPECT(memcmp(uart.wire, data, len) == 0);
  free(data);
}

/* A reader parked on an empty ring; bytes arrive, and before any core takes
 * the receive interrupt, a read that cannot wait takes one of them. It moves
 * the device's FIFO into the ring, which drops the line: the byte it left
 * behind has no interrupt to announce it. */
TEST(a_read_that_cannot_wait_and_leaves_bytes_readies_the_parked_reader) {
  setup(64);
  struct waitgroup wg = WAITGROUP_INIT;
  struct reader r = {.want = sizeof r.buf, .done = &wg};
  waitgroup_add(&wg, 1);
  ASSERT(task_spawn(NULL, reader_task, &r, NULL) == 0);
  wait_until(reader_parked);

  unsigned long irq = arch_irq_save();
  ASSERT(arrive_masked((const uint8_t *)"xy", 2) == 2); /* the line is raised, not yet taken */
  uint8_t c = 0;
  size_t got = serial_read_nowait(&port, &c, 1);
  arch_irq_restore(irq);
  take_interrupts();
  EXPECT_EQ(got, 1u);
  EXPECT_EQ(c, 'x');
  EXPECT(!line_is_raised());
  bool still_parked = reader_parked();
  EXPECT(!still_parked); /* the read that left "y" behind readied the reader */
  if (still_parked)
    spurious_interrupt();
  waitgroup_wait(&wg);
  EXPECT_EQ(r.got, 1u);
  EXPECT_EQ(r.buf[0], 'y');
}

/* ---- a device without a transmit interrupt -------------------------------- */

/* The number of times the device was found busy, read under the port lock
 * if the lock can be had within a second; false if someone held it all that
 * time. */
static bool busy_looks_within_a_second(unsigned *looks) {
  uint64_t give_up = task_now_ns() + 1000 * MS;
  for (;;) {
    unsigned long irq = arch_irq_save();
    if (spin_trylock_raw(&port.lock)) {
      *looks = uart.busy_looks;
      spin_unlock_raw(&port.lock);
      arch_irq_restore(irq);
      return true;
    }
    arch_irq_restore(irq);
    if (task_now_ns() > give_up)
      return false;
    arch_cpu_relax();
  }
}

/* A task writing to a device that cannot interrupt for room waits for the
 * device by polling. It may take the port lock, with interrupts masked, for
 * one look at a time, never for the whole wait: the device may be slow (a
 * paced or low-baud UART takes tens of microseconds a byte), and meanwhile
 * the receive interrupt, readers and the core's timer must get through. */
TEST(a_task_polling_a_busy_device_leaves_the_port_and_its_core_to_others) {
  if (cpu_count() < 2 && !arch_can_preempt())
    SKIP("one core that cannot preempt: the polling writer keeps it until the device has room");
  static const char line[] = "a line for a slow device\n";
  size_t len = sizeof line - 1;
  setup_without_tx_irq(len);
  struct waitgroup wg = WAITGROUP_INIT;
  struct writer w = {.data = (const uint8_t *)line, .len = len, .done = &wg};
  waitgroup_add(&wg, 1);
  /* On a core of its own where there are several: a writer that kept its
   * core's interrupts masked would keep this task's timer from waking it,
   * and the test could not tell. This task stays off that core: only an
   * idle core steals, and the writer keeps its core busy. */
  struct task_attr attr = TASK_ATTR_INIT;
  attr.name = "polling writer";
  attr.pin = (int)((cpu_index() + 1) % cpu_count());
  ASSERT(task_spawn(NULL, writer_task, &w, &attr) == 0);

  /* The device has no room: the writer looks, again and again. */
  unsigned looks = 0;
  bool lock_free = true;
  while (lock_free && looks < 2) {
    task_sleep_ns(1 * MS);
    lock_free = busy_looks_within_a_second(&looks);
  }
  if (!lock_free) {
    test_fail(__FILE__, __LINE__,
              "the writer held the port lock for a second while the device was busy");
    /* Let it finish, without the lock it holds. */
    __atomic_store_n(&uart.tx_space, (unsigned)len, __ATOMIC_RELAXED);
    waitgroup_wait(&wg);
    return;
  }

  /* Meanwhile a byte arrives: the receive interrupt and a reader get the
   * port, and the writer is still waiting. */
  ASSERT(arrive((const uint8_t *)"x", 1) == 1);
  uint8_t c = 0;
  EXPECT_EQ(serial_read(&port, &c, 1), 1u);
  EXPECT_EQ(c, 'x');
  EXPECT_EQ(__atomic_load_n(&w.finished, __ATOMIC_ACQUIRE), 0);
  EXPECT_EQ(wire_len(), 0u);

  /* The line drains: the whole write goes out, in order, before it returns. */
  line_drains_masked((unsigned)len);
  waitgroup_wait(&wg);
  EXPECT_EQ(wire_len(), len);
  EXPECT(memcmp(uart.wire, line, len) == 0);
}

/* ---- the last bytes before the machine stops ----------------------------- */

/* Exit and panic stop the machine right after the flush, which drops what
 * the device still holds: the wait after it returns only once the device
 * says it has sent everything. */
TEST(waiting_after_a_flush_returns_once_the_device_has_sent_every_byte) {
  setup(64);
  line_drains_masked(64);
  unsigned long irq = arch_irq_save();
  serial_write(&port, "goodbye\n", 8);
  serial_flush_polled(&port, false);
  serial_wait_until_sent(&port);
  unsigned held = uart.held, checks = uart.sent_checks;
  arch_irq_restore(irq);
  EXPECT_EQ(wire_len(), 8u);
  EXPECT_EQ(held, 0u);
  EXPECT(checks >= 8u);
}

/* A line nobody reads never empties: the exit must still happen, after a
 * bounded wait. */
TEST(waiting_after_a_flush_gives_up_on_a_device_that_never_sends) {
  setup(64);
  line_drains_masked(64);
  unsigned long irq = spin_lock_irqsave(&port.lock);
  uart.line_stuck = true;
  spin_unlock_irqrestore(&port.lock, irq);
  uint64_t t0 = task_now_ns();
  irq = arch_irq_save();
  serial_write(&port, "x", 1);
  serial_flush_polled(&port, true);
  EXPECT_EQ(uart.sent_checks, 0u); /* the flush alone never waits */
  serial_wait_until_sent(&port);
  unsigned held = uart.held;
  arch_irq_restore(irq);
  uint64_t waited_ms = (task_now_ns() - t0) / MS;
  printf("    the wait gave up after %lu ms (limit %u ms)\n", (unsigned long)waited_ms,
         SERIAL_DRAIN_MS);
  EXPECT_EQ(held, 1u);
  EXPECT(waited_ms >= SERIAL_DRAIN_MS);
}
