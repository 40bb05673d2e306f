#include "uart0.h"

#include <brigade/board.h>
#include <brigade/console.h>

#include "drivers/gpio/bcm2835_gpio.h"
#include "drivers/uart/pl011.h"

static struct pl011 uart0 = {.clock_hz = 48000000, .baud = 115200};
struct serial_port rpi_uart0;

void rpi_uart0_init(uintptr_t peripheral_base) {
  uintptr_t gpio = peripheral_base + 0x200000;
  bcm2835_gpio_set_function(gpio, 14, BCM2835_GPIO_ALT0);
  bcm2835_gpio_set_function(gpio, 15, BCM2835_GPIO_ALT0);
  uart0.base = peripheral_base + 0x201000;
  pl011_init(&uart0);
  serial_init(&rpi_uart0, "uart0", &pl011_serial_hw, &uart0);
  console_attach(&rpi_uart0);
}

void board_console_putc(char c) { pl011_putc(&uart0, c); }

int board_console_getc(void) { return pl011_getc(&uart0); }
