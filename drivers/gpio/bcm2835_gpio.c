#include "bcm2835_gpio.h"

#define GPFSEL(n) (0x00 + 4 * (n)) /* ten pins per register, three bits each */

void bcm2835_gpio_set_function(uintptr_t base, unsigned pin, enum bcm2835_gpio_function fn) {
  volatile uint32_t *sel = (volatile uint32_t *)(base + GPFSEL(pin / 10));
  unsigned shift = 3 * (pin % 10);
  *sel = (*sel & ~(7u << shift)) | ((uint32_t)fn << shift);
}
