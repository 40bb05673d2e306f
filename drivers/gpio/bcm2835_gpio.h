/**
 * @file bcm2835_gpio.h
 * @brief BCM2835-family GPIO function select (Raspberry Pi 1-4).
 */
#ifndef BRIGADE_BCM2835_GPIO_H
#define BRIGADE_BCM2835_GPIO_H

#include <stdint.h>

enum bcm2835_gpio_function {
  BCM2835_GPIO_INPUT = 0,
  BCM2835_GPIO_OUTPUT = 1,
  BCM2835_GPIO_ALT0 = 4,
  BCM2835_GPIO_ALT5 = 2,
};

/** @brief Give pin @p pin (0-53) function @p fn (e.g. ALT0: UART0 on pins 14/15). */
void bcm2835_gpio_set_function(uintptr_t base, unsigned pin, enum bcm2835_gpio_function fn);

#endif
