/* QEMU "virt" RISC-V 64: devices at the addresses and interrupt lines QEMU
 * 7.2's hw/riscv/virt.c gives them (and its device tree lists). RAM size
 * and harts come from the device tree at boot. */
#include <brigade/board.h>
#include <brigade/console.h>
#include <brigade/cpu.h>
#include <brigade/serial.h>

#include "drivers/irq/plic.h"
#include "drivers/misc/sifive_test.h"
#include "drivers/uart/ns16550.h"

#define VIRT_TEST_BASE 0x100000UL
#define VIRT_UART0_BASE 0x10000000UL
#define VIRT_UART0_IRQ 10
#define VIRT_PLIC_BASE 0x0c000000UL
#define VIRT_PLIC_SOURCES (96 + 1) /* riscv,ndev = 96; source 0 means "none" */

const char board_name[] = "qemu-virt-rv64";

static struct ns16550 uart0 = {.base = VIRT_UART0_BASE, .stride = 1};
static struct serial_port console_uart;

/* virt gives every hart an M-mode context (2*hart) and an S-mode one. */
static unsigned virt_s_context(uint64_t hart_id) { return 2 * (unsigned)hart_id + 1; }

static const struct plic plic = {
    .base = VIRT_PLIC_BASE, .sources = VIRT_PLIC_SOURCES, .s_context = virt_s_context};

void board_early_init(void) {
  ns16550_init(&uart0);
  serial_init(&console_uart, "uart0", &ns16550_serial_hw, &uart0);
  console_attach(&console_uart);
}

void board_devices_init(void) {
  plic_install(&plic);
  /* To the boot core: a readied reader lands on its runnext, as Go's
   * netpoller readies goroutines where it polls; idle cores steal. */
  plic_attach(&plic, VIRT_UART0_IRQ, this_cpu()->hw_id, ns16550_interrupt, &console_uart, "uart0");
  serial_start_interrupts(&console_uart);
}

void board_console_putc(char c) { ns16550_putc(&uart0, c); }

int board_console_getc(void) { return ns16550_getc(&uart0); }

void board_exit(int code) { sifive_test_exit(VIRT_TEST_BASE, code); }
