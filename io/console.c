#include <stdbool.h>

#include <brigade/board.h>
#include <brigade/console.h>
#include <brigade/kprintf.h>
#include <brigade/panic.h>
#include <brigade/serial.h>
#include <brigade/spinlock.h>

/* Guards the polled path (no port) and the tap. */
static spinlock_t console_lock = SPINLOCK_INIT("console");
static void (*console_tap)(const char *buf, size_t n);
static struct serial_port *port;

static const struct kprintf_output console_output = {console_write, console_write_urgent};

/* The machine stops next: what is queued goes out, and then the device is
 * given time to send it. */
static void flush_for_exit(void) {
  console_write_urgent("", 0);
  struct serial_port *p = console_port();
  if (p)
    serial_wait_until_sent(p);
}

void console_attach(struct serial_port *p) {
  p->onlcr = true;
  __atomic_store_n(&port, p, __ATOMIC_RELEASE);
  /* From now on kprintf and the panic path go through the port too, so a
   * report follows what tasks queued before it instead of overtaking it. */
  kprintf_set_output(&console_output);
  panic_set_flush_handler(flush_for_exit);
}

struct serial_port *console_port(void) { return __atomic_load_n(&port, __ATOMIC_ACQUIRE); }

void console_set_tap(void (*tap)(const char *buf, size_t n)) {
  unsigned long flags = spin_lock_irqsave(&console_lock);
  console_tap = tap;
  spin_unlock_irqrestore(&console_lock, flags);
}

static void put_bytes(const char *buf, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (buf[i] == '\n')
      board_console_putc('\r');
    board_console_putc(buf[i]);
  }
}

void console_write(const char *buf, size_t n) {
  struct serial_port *p = console_port();
  unsigned long flags = spin_lock_irqsave(&console_lock);
  if (console_tap)
    console_tap(buf, n);
  if (!p)
    put_bytes(buf, n);
  spin_unlock_irqrestore(&console_lock, flags);
  if (p)
    serial_write(p, buf, n);
}

void console_write_urgent(const char *buf, size_t n) {
  /* A panic may come from inside console_write on this very core, or while a
   * core that has since stopped holds the lock: wait a bounded time, then
   * write anyway. A garbled line beats a silent hang. Bytes already queued
   * for the port go first, so the report follows what led to it. */
  struct serial_port *p = console_port();
  if (p)
    serial_flush_polled(p, true);
  unsigned long flags = arch_irq_save();
  bool locked = false;
  for (long spins = 0; spins < 2000000; spins++) {
    if (spin_trylock_raw(&console_lock)) {
      locked = true;
      break;
    }
    arch_cpu_relax();
  }
  put_bytes(buf, n);
  if (locked)
    spin_unlock_raw(&console_lock);
  arch_irq_restore(flags);
}

size_t console_read(void *buf, size_t n) {
  struct serial_port *p = console_port();
  if (p)
    return serial_read(p, buf, n);
  if (n == 0)
    return 0;
  char *out = buf;
  int c;
  while ((c = board_console_getc()) < 0)
    arch_cpu_relax();
  size_t got = 0;
  out[got++] = (char)c;
  while (got < n && (c = board_console_getc()) >= 0)
    out[got++] = (char)c;
  return got;
}

int console_getc(void) {
  unsigned char c;
  console_read(&c, 1);
  return c;
}

void console_flush(void) {
  struct serial_port *p = console_port();
  if (p) {
    serial_flush_polled(p, false);
    serial_wait_until_sent(p);
  }
}
