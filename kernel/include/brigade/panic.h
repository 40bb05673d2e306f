/**
 * @file panic.h
 * @brief Fatal errors: print a report that names the cause and stop the machine.
 */
#ifndef BRIGADE_PANIC_H
#define BRIGADE_PANIC_H

#include <stdarg.h>

/** Exit codes seen by QEMU's caller (and so by ctest). */
enum {
  EXIT_TESTS_FAILED = 1, /**< the test framework counted a failure */
  EXIT_PANIC = 3,        /**< panic(), a failed assert or an unexpected trap */
  EXIT_DEADLOCK = 4,     /**< every task asleep with nothing left to wake them */
};

/**
 * @brief Print "PANIC on core N: <message>", stop every other core's output
 *        and exit with EXIT_PANIC. Safe from any context, including traps.
 */
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

/**
 * @brief Start a panic report without ending it: the caller prints details
 *        with kprintf and then calls panic_end(). Returns only on the first
 *        core to panic; a second panicking core waits for the first to exit.
 */
__attribute__((format(printf, 1, 2))) void panic_begin(const char *fmt, ...);

/** @brief Finish a report started by panic_begin and exit with @p code. */
__attribute__((noreturn)) void panic_end(int code);

/**
 * @brief printf-like output straight to the console, without newlib, without
 *        heap and without blocking. For panic reports and early boot.
 */
__attribute__((format(printf, 1, 2))) void kprintf(const char *fmt, ...);
void kvprintf(const char *fmt, va_list ap);

#endif
