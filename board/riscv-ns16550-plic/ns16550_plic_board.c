#include "ns16550_plic_board.h"

#include <brigade/board.h>
#include <brigade/console.h>
#include <brigade/cpu.h>
#include <brigade/serial.h>

static struct serial_port console_uart;

void board_early_init(void) {
  ns16550_init(&ns16550_plic_board.uart);
  serial_init(&console_uart, "uart0", &ns16550_serial_hw, &ns16550_plic_board.uart);
  console_attach(&console_uart);
}

void board_devices_init(void) {
  plic_install(&ns16550_plic_board.plic);
  /* To the boot core: a readied reader lands on its runnext, as Go's
   * netpoller readies goroutines where it polls; idle cores steal. */
  plic_attach(&ns16550_plic_board.plic, ns16550_plic_board.uart_irq, this_cpu()->hw_id,
              ns16550_interrupt, &console_uart, "uart0");
  serial_start_interrupts(&console_uart);
  if (ns16550_plic_board.attach_devices)
    ns16550_plic_board.attach_devices(&ns16550_plic_board.plic);
}

void board_console_putc(char c) { ns16550_putc(&ns16550_plic_board.uart, c); }

int board_console_getc(void) { return ns16550_getc(&ns16550_plic_board.uart); }
