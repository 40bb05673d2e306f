/* A heap-free, newlib-free formatter for panic reports and early boot (see
 * kprintf.h), and the polled output it uses until a layer above sets one. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <brigade/board.h>
#include <brigade/kprintf.h>
#include <brigade/panic.h>
#include <brigade/spinlock.h>

static spinlock_t polled_lock = SPINLOCK_INIT("polled console");

static void polled_put(const char *buf, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (buf[i] == '\n')
      board_console_putc('\r');
    board_console_putc(buf[i]);
  }
}

static void polled_write(const char *buf, size_t n) {
  unsigned long flags = spin_lock_irqsave(&polled_lock);
  polled_put(buf, n);
  spin_unlock_irqrestore(&polled_lock, flags);
}

/* A panic may come from inside polled_write on this very core, or while a
 * core that has since stopped holds the lock: wait a bounded time, then
 * write anyway. A garbled line beats a silent hang. */
static void polled_write_urgent(const char *buf, size_t n) {
  unsigned long flags = arch_irq_save();
  bool locked = false;
  for (long spins = 0; spins < 2000000 && !locked; spins++) {
    locked = spin_trylock_raw(&polled_lock);
    if (!locked)
      arch_cpu_relax();
  }
  polled_put(buf, n);
  if (locked)
    spin_unlock_raw(&polled_lock);
  arch_irq_restore(flags);
}

static const struct kprintf_output polled_output = {polled_write, polled_write_urgent};

/* Set at early boot (and swapped by tests), read by every kprintf:
 * acquire/release so a reader that sees the new table also sees what its
 * owner set up before. */
static const struct kprintf_output *output = &polled_output;

const struct kprintf_output *kprintf_set_output(const struct kprintf_output *out) {
  return __atomic_exchange_n(&output, out ? out : &polled_output, __ATOMIC_ACQ_REL);
}

struct out {
  char buf[256];
  size_t n;
};

static void flush(struct out *o) {
  if (o->n == 0)
    return;
  const struct kprintf_output *to = __atomic_load_n(&output, __ATOMIC_ACQUIRE);
  if (panic_in_progress())
    to->write_urgent(o->buf, o->n);
  else
    to->write(o->buf, o->n);
  o->n = 0;
}

static void put(struct out *o, char c) {
  if (o->n == sizeof o->buf)
    flush(o);
  o->buf[o->n++] = c;
}

/* The digits of v, after a prefix ("-", or "0x" for '#' as in C: none for
 * zero). Zero padding goes between prefix and digits, spaces before both. */
static void put_num(struct out *o, unsigned long long v, unsigned base, bool neg, bool alt,
                    int width, char pad, bool left) {
  char tmp[24]; /* the digits alone: the prefix is not stored */
  int n = 0;
  int prefix_len = neg ? 1 : alt && base == 16 && v ? 2 : 0;
  const char *prefix = neg ? "-" : "0x";
  do {
    tmp[n++] = "0123456789abcdef"[v % base];
    v /= base;
  } while (v);
  int fill = width > n + prefix_len ? width - n - prefix_len : 0;
  if (!left && pad == ' ')
    for (; fill > 0; fill--)
      put(o, ' ');
  for (int i = 0; i < prefix_len; i++)
    put(o, prefix[i]);
  if (!left)
    for (; fill > 0; fill--)
      put(o, '0');
  while (n)
    put(o, tmp[--n]);
  for (; fill > 0; fill--)
    put(o, ' ');
}

void kvprintf(const char *fmt, va_list ap) {
  struct out o = {.n = 0};
  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      put(&o, *fmt);
      continue;
    }
    fmt++;
    bool left = false, alt = false;
    char pad = ' ';
    for (;; fmt++) {
      if (*fmt == '-')
        left = true;
      else if (*fmt == '0')
        pad = '0';
      else if (*fmt == '#')
        alt = true; /* "0x" before a nonzero %x */
      else
        break;
    }
    int width = 0;
    while (*fmt >= '0' && *fmt <= '9')
      width = width * 10 + (*fmt++ - '0');
    int lng = 0;
    while (*fmt == 'l' || *fmt == 'z') {
      lng++;
      fmt++;
    }
    switch (*fmt) {
    case 'd': {
      long long v = lng ? va_arg(ap, long) : va_arg(ap, int);
      put_num(&o, v < 0 ? -(unsigned long long)v : (unsigned long long)v, 10, v < 0, false, width,
              pad, left);
      break;
    }
    case 'u':
    case 'x': {
      unsigned long long v = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
      put_num(&o, v, *fmt == 'u' ? 10 : 16, false, alt, width, pad, left);
      break;
    }
    case 'p':
      put(&o, '0');
      put(&o, 'x');
      put_num(&o, (uintptr_t)va_arg(ap, void *), 16, false, false, 16, '0', false);
      break;
    case 's': {
      const char *s = va_arg(ap, const char *);
      if (!s)
        s = "(null)";
      int len = 0;
      while (s[len])
        len++;
      if (!left)
        for (int i = len; i < width; i++)
          put(&o, ' ');
      for (int i = 0; i < len; i++)
        put(&o, s[i]);
      if (left)
        for (int i = len; i < width; i++)
          put(&o, ' ');
      break;
    }
    case 'c':
      put(&o, (char)va_arg(ap, int));
      break;
    case '%':
      put(&o, '%');
      break;
    case '\0':
      fmt--;
      break;
    default:
      put(&o, '%');
      put(&o, *fmt);
    }
  }
  flush(&o);
}

void kprintf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  kvprintf(fmt, ap);
  va_end(ap);
}
