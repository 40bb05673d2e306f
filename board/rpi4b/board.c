/* Raspberry Pi 4 Model B (BCM2711, four Cortex-A72, GIC-400), as the Pi
 * firmware starts it: kernel8.img at 0x80000, core 0 at EL2 with the device
 * tree in x0, cores 1-3 on the spin table at 0xd8 + 8 * core, the GIC's
 * interrupts already made non-secure (group 1) by the firmware's armstub.
 * Peripherals in the default "low peripheral" map (0xfe000000). QEMU 7.2
 * has no raspi4b machine: this board is built and checked, not run, here. */
#include <brigade/board.h>
#include <brigade/console.h>
#include <brigade/cpu.h>
#include <brigade/machine.h>
#include <brigade/serial.h>

#include "board/raspberrypi/firmware.h"
#include "drivers/gpio/bcm2835_gpio.h"
#include "drivers/irq/gicv2_cpu_irqs.h"
#include "drivers/uart/pl011.h"
#include "kernel/arch/aarch64/aarch64.h"

#define PERIPHERAL_BASE 0xfe000000UL
#define GPIO_BASE (PERIPHERAL_BASE + 0x200000)
#define UART0_BASE (PERIPHERAL_BASE + 0x201000)
#define VC_MAILBOX_BASE (PERIPHERAL_BASE + 0xb880)
#define GICD_BASE 0xff841000UL
#define GICC_BASE 0xff842000UL
#define UART0_IRQ 153 /* GIC SPI 121: VideoCore interrupt 57 */
/* RAM brigade maps: the first GiB, which every Pi 4 has (its firmware
 * device tree's first memory range lies inside it). */
#define RAM_MAPPED_END 0x40000000UL

const char board_name[] = "rpi4b";

const struct mmu_region board_mmu_regions[] = {
    {0x1000, 0x1000, RAM_MAPPED_END - 0x1000, MMU_NORMAL, "RAM, first GiB"},
    {0xfc000000UL, 0xfc000000UL, 0x4000000, MMU_DEVICE, "peripherals, ARM local, GIC-400"},
    {RPI_PAGE0_ALIAS, 0, 0x1000, MMU_NORMAL, "page 0 (spin table), for the boot core"},
};
const unsigned board_mmu_nregions = sizeof board_mmu_regions / sizeof board_mmu_regions[0];

static struct pl011 uart0 = {.base = UART0_BASE, .clock_hz = 48000000, .baud = 115200};
static struct serial_port console_uart;
static const struct bcm2835_mailbox vc_mailbox = {.base = VC_MAILBOX_BASE,
                                                  .bus_offset = 0xc0000000};
/* The same ids as on QEMU virt: the EL1 physical timer is PPI 14 (id 30). */
static const struct gicv2_cpu_irqs irqs = {
    .gic = {.dist = GICD_BASE, .cpu = GICC_BASE}, .timer_id = 30, .wake_sgi = 0};

void board_early_init(void) {
  bcm2835_gpio_set_function(GPIO_BASE, 14, BCM2835_GPIO_ALT0);
  bcm2835_gpio_set_function(GPIO_BASE, 15, BCM2835_GPIO_ALT0);
  pl011_init(&uart0);
  serial_init(&console_uart, "uart0", &pl011_serial_hw, &uart0);
  console_attach(&console_uart);
}

void board_devices_init(void) {
  gicv2_cpu_irqs_attach(&irqs, UART0_IRQ, this_cpu()->index, pl011_interrupt, &console_uart,
                        "uart0");
  serial_start_interrupts(&console_uart);
}

void board_console_putc(char c) { pl011_putc(&uart0, c); }

int board_console_getc(void) { return pl011_getc(&uart0); }

void board_exit(int code) { aarch64_exit(code); }

int board_describe(const void *firmware_arg, struct machine *m) {
  int err = rpi_describe(firmware_arg, m, &vc_mailbox, RAM_MAPPED_END);
  if (err == 0 && !m->cores)
    gicv2_cpu_irqs_init(&irqs);
  return err;
}

int board_start_cpu(struct cpu *cpu) {
  return spin_table_release(cpu, RPI_PAGE0_ALIAS + RPI_SPIN_TABLE);
}

/* A spin-table core reads its release address until it changes: nothing to lose. */
int board_restart_cpu_if_stopped(struct cpu *cpu) {
  (void)cpu;
  return 0;
}

void board_diagnose_cpu(const struct cpu *cpu) {
  spin_table_diagnose(cpu, RPI_PAGE0_ALIAS + RPI_SPIN_TABLE, RPI_SPIN_TABLE);
}

void board_cpu_init(struct cpu *cpu) {
  aarch64_cpu_init();
  gicv2_cpu_irqs_init_core(&irqs, cpu->index);
}

void board_irq_dispatch(void) { gicv2_cpu_irqs_dispatch(&irqs); }

void board_send_ipi(const struct cpu *target) { gicv2_cpu_irqs_send_wake(&irqs, target->index); }

void board_clear_ipi(void) { gicv2_cpu_irqs_clear_wake(&irqs); }
