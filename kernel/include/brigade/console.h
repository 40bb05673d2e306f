/**
 * @file console.h
 * @brief The system console: one UART shared by every core.
 */
#ifndef BRIGADE_CONSOLE_H
#define BRIGADE_CONSOLE_H

#include <stddef.h>

/**
 * @brief Write @p n bytes as one unit: no other core's output lands inside
 *        them. "\n" goes out as "\r\n" so terminals in raw mode line up.
 */
void console_write(const char *buf, size_t n);

/** @brief Like console_write but takes the lock only if it is free soon (panic path). */
void console_write_urgent(const char *buf, size_t n);

/**
 * @brief Also hand every console_write unit to @p tap (NULL: stop), inside
 *        the console lock. Lets tests see exactly what reached the UART.
 */
void console_set_tap(void (*tap)(const char *buf, size_t n));

/** @brief Read one byte, waiting for it. */
int console_getc(void);

#endif
