/**
 * @file console.h
 * @brief The system console: one UART shared by every core.
 *
 * Until the board attaches a serial port the console polls the board's UART
 * (board_console_putc/getc) under a spinlock. Once attached, everything goes
 * through the port (io/serial.c): polled until the board starts its
 * interrupts, then tasks park on it while it is full or empty.
 */
#ifndef BRIGADE_CONSOLE_H
#define BRIGADE_CONSOLE_H

#include <stddef.h>

struct serial_port;

/** @brief Route the console through @p port from now on (board, at early init). */
void console_attach(struct serial_port *port);

/** @brief The attached port, or NULL (the host board has none). */
struct serial_port *console_port(void);

/**
 * @brief Write @p n bytes as one unit: no other task's output lands inside
 *        them. "\n" goes out as "\r\n" so terminals in raw mode line up.
 */
void console_write(const char *buf, size_t n);

/** @brief Like console_write but takes locks only if they are free soon (panic path). */
void console_write_urgent(const char *buf, size_t n);

/**
 * @brief Also hand every console_write unit to @p tap (NULL: stop). Lets
 *        tests see exactly what was written.
 */
void console_set_tap(void (*tap)(const char *buf, size_t n));

/** @brief Read one byte, waiting for it (a task parks). */
int console_getc(void);

/** @brief Read up to @p n bytes, waiting for the first (a task parks). */
size_t console_read(void *buf, size_t n);

/** @brief Push out everything queued for the console and give the UART time
 *         to send it (serial_wait_until_sent): the step before exit. */
void console_flush(void);

#endif
