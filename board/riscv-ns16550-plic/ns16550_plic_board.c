#include "ns16550_plic_board.h"

#include <brigade/board.h>
#include <brigade/console.h>
#include <brigade/cpu.h>
#include <brigade/kprintf.h>
#include <brigade/machine.h>
#include <brigade/panic.h>
#include <brigade/serial.h>

#include "drivers/irq/aplic.h"
#include "drivers/irq/imsic.h"
#include "kernel/arch/riscv64/riscv.h"

static struct serial_port console_uart;
static struct imsic imsic;
static struct aplic aplic;
static bool aia;

void board_early_init(void) {
  ns16550_init(&ns16550_plic_board.uart);
  serial_init(&console_uart, "uart0", &ns16550_serial_hw, &ns16550_plic_board.uart);
  console_attach(&console_uart);
}

/* S-level interrupt files in the tree: wake-ups and devices go through
 * them. Without them (sifive_u's and the JH7110's trees, virt without
 * aia=aplic-imsic) the PLIC and SBI serve, as before. */
void board_choose_hart_irqs(const void *dtb) {
  if (imsic_probe(&imsic, dtb) != 0)
    return;
  imsic_install(&imsic);
  aia = true;
}

bool ns16550_plic_board_has_aia(void) { return aia; }

void ns16550_plic_board_attach(unsigned source, void (*fn)(void *arg), void *arg,
                               const char *name) {
  /* To the boot core: a readied reader lands on its runnext, as Go's
   * netpoller readies goroutines where it polls; idle cores steal. */
  if (aia)
    aplic_attach(&aplic, source, this_cpu()->hw_id, fn, arg, name);
  else
    plic_attach(&ns16550_plic_board.plic, source, this_cpu()->hw_id, fn, arg, name);
}

void board_devices_init(void) {
  if (aia) {
    if (aplic_probe(&aplic, machine.firmware_blob, &imsic) != 0)
      panic("the device tree has S-level IMSIC files but no riscv,aplic node whose "
            "msi-parent is them: device interrupts would never arrive");
    aplic_install(&aplic);
    kprintf("brigade: AIA: IMSIC files for %u harts (wake-ups without SBI), APLIC at %p\n",
            imsic.nharts, (void *)aplic.base);
  } else {
    plic_install(&ns16550_plic_board.plic);
  }
  ns16550_plic_board_attach(ns16550_plic_board.uart_irq, ns16550_interrupt, &console_uart,
                            "uart0");
  serial_start_interrupts(&console_uart);
  if (ns16550_plic_board.attach_devices)
    ns16550_plic_board.attach_devices();
}

void board_console_putc(char c) { ns16550_putc(&ns16550_plic_board.uart, c); }

int board_console_getc(void) { return ns16550_getc(&ns16550_plic_board.uart); }
