/* A heap-free, newlib-free formatter for panic reports and early boot. It
 * formats into a buffer on the stack and hands whole chunks to the console,
 * so a report line is never split by another core's output. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <brigade/console.h>
#include <brigade/panic.h>

extern bool panic_in_progress;

struct out {
  char buf[256];
  size_t n;
};

static void flush(struct out *o) {
  if (o->n == 0)
    return;
  if (panic_in_progress)
    console_write_urgent(o->buf, o->n);
  else
    console_write(o->buf, o->n);
  o->n = 0;
}

static void put(struct out *o, char c) {
  if (o->n == sizeof o->buf)
    flush(o);
  o->buf[o->n++] = c;
}

static void put_num(struct out *o, unsigned long long v, unsigned base, bool neg, int width,
                    char pad, bool left) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = "0123456789abcdef"[v % base];
    v /= base;
  } while (v);
  if (neg)
    tmp[n++] = '-';
  int fill = width > n ? width - n : 0;
  if (!left && pad == '0' && neg) {
    put(o, '-');
    n--;
  }
  if (!left)
    while (fill--)
      put(o, pad);
  while (n)
    put(o, tmp[--n]);
  if (left)
    while (fill-- > 0)
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
    bool left = false;
    char pad = ' ';
    for (;; fmt++) {
      if (*fmt == '-')
        left = true;
      else if (*fmt == '0')
        pad = '0';
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
      put_num(&o, v < 0 ? -(unsigned long long)v : (unsigned long long)v, 10, v < 0, width, pad,
              left);
      break;
    }
    case 'u':
    case 'x': {
      unsigned long long v = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
      put_num(&o, v, *fmt == 'u' ? 10 : 16, false, width, pad, left);
      break;
    }
    case 'p':
      put(&o, '0');
      put(&o, 'x');
      put_num(&o, (uintptr_t)va_arg(ap, void *), 16, false, 16, '0', false);
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
