/* The console of every Raspberry Pi board: UART0, the PL011, on GPIO 14/15
 * (ALT0), 115200 8N1 from the 48 MHz UART clock the firmware sets up
 * (README.md's config.txt: init_uart_clock=48000000, and dtoverlay=disable-bt
 * on the models whose PL011 would otherwise drive Bluetooth). Only the
 * peripheral base differs between SoCs. uart0.c defines board_console_putc
 * and board_console_getc. */
#ifndef BRIGADE_RASPBERRYPI_UART0_H
#define BRIGADE_RASPBERRYPI_UART0_H

#include <stdint.h>

#include <brigade/serial.h>

/** The console's serial port, for the board's interrupt wiring. */
extern struct serial_port rpi_uart0;

/** @brief Pins, PL011 and console, from board_early_init. UART0 sits at
 *  @p peripheral_base + 0x201000 and GPIO at + 0x200000 on every Pi SoC. */
void rpi_uart0_init(uintptr_t peripheral_base);

#endif
