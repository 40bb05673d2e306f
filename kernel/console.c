#include <stdbool.h>

#include <brigade/board.h>
#include <brigade/console.h>
#include <brigade/spinlock.h>

static spinlock_t console_lock = SPINLOCK_INIT;
static void (*console_tap)(const char *buf, size_t n);

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
  unsigned long flags = spin_lock_irqsave(&console_lock);
  if (console_tap)
    console_tap(buf, n);
  put_bytes(buf, n);
  spin_unlock_irqrestore(&console_lock, flags);
}

void console_write_urgent(const char *buf, size_t n) {
  /* A panic may come from inside console_write on this very core, or while a
   * core that has since stopped holds the lock: wait a bounded time, then
   * write anyway. A garbled line beats a silent hang. */
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

int console_getc(void) {
  int c;
  while ((c = board_console_getc()) < 0)
    arch_cpu_relax();
  return c;
}
