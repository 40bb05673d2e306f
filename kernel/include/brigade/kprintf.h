/**
 * @file kprintf.h
 * @brief printf-like output for panic reports and early boot: no newlib, no
 *        heap, no blocking.
 *
 * kprintf formats into a buffer on the stack and hands whole chunks to its
 * output, so a report line is never split by another core's output. Until a
 * layer above sets an output (io/'s console does when a board attaches its
 * serial port), chunks go to the board's UART by polling under a spinlock.
 *
 * Conversions: %d %u %x %p %s %c %%, with the flags '-' (left), '0' (zero
 * padding) and '#' ("0x" before a nonzero %x), a width, and the lengths l,
 * ll and z. Another conversion is printed as it stands and takes no
 * argument; the compiler's format check names it at the call.
 */
#ifndef BRIGADE_KPRINTF_H
#define BRIGADE_KPRINTF_H

#include <stdarg.h>
#include <stddef.h>

__attribute__((format(printf, 1, 2))) void kprintf(const char *fmt, ...);
void kvprintf(const char *fmt, va_list ap);

/** Where kprintf's chunks go. */
struct kprintf_output {
  /** Write @p n bytes as one unit (may wait for locks, never parks in a handler). */
  void (*write)(const char *buf, size_t n);
  /** Write during a panic: wait for locks only a bounded time, then write anyway. */
  void (*write_urgent)(const char *buf, size_t n);
};

/** @brief Send kprintf's output to @p out from now on (NULL: back to polling).
 *  @return where it went until now, to put back */
const struct kprintf_output *kprintf_set_output(const struct kprintf_output *out);

#endif
