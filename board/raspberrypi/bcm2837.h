/* The BCM2837 (sold as BCM2710A1 on the Pi Zero 2 W): four Cortex-A53,
 * peripherals at 0x3f000000, the BCM2836 local interrupt controller at
 * 0x40000000. bcm2837.c is everything a board on this SoC needs beyond its
 * board_name (raspi3b, raspi0-2w): the memory map, the console on UART0,
 * interrupts and wake-ups through the local controller. Not a board by
 * itself (no board.cmake). */
#ifndef BRIGADE_RASPBERRYPI_BCM2837_H
#define BRIGADE_RASPBERRYPI_BCM2837_H

#define BCM2837_PERIPHERAL_BASE 0x3f000000UL
#define BCM2837_LOCAL_INTC_BASE 0x40000000UL

#endif
