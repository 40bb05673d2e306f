/* Raspberry Pi 4 Model B (BCM2711, four Cortex-A72, GIC-400), as the Pi
 * firmware starts it: kernel8.img at 0x80000, core 0 at EL2 with the device
 * tree in x0, cores 1-3 on the spin table at 0xd8 + 8 * core, the GIC's
 * interrupts already made non-secure (group 1) by the firmware's armstub.
 * Peripherals in the default "low peripheral" map (0xfe000000). What it
 * shares with the other Pis is in board/raspberrypi/, its GIC glue in
 * board/arm-gicv2/. QEMU 7.2 has no raspi4b machine: this board is built
 * and checked, not run, here. */
#include <brigade/board.h>
#include <brigade/cpu.h>
#include <brigade/machine.h>

#include "board/arm-gicv2/gicv2_board.h"
#include "board/raspberrypi/firmware.h"
#include "board/raspberrypi/uart0.h"
#include "drivers/uart/pl011.h"
#include "kernel/arch/aarch64/aarch64.h"

#define PERIPHERAL_BASE 0xfe000000UL
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

static const struct bcm2835_mailbox vc_mailbox = {.base = VC_MAILBOX_BASE,
                                                  .bus_offset = 0xc0000000};
/* The same ids as on QEMU virt: the EL1 physical timer is PPI 14 (id 30). */
const struct gicv2_cpu_irqs gicv2_board_irqs = {
    .gic = {.dist = GICD_BASE, .cpu = GICC_BASE}, .timer_id = 30, .wake_sgi = 0};

void board_early_init(void) { rpi_uart0_init(PERIPHERAL_BASE); }

void board_devices_init(void) {
  gicv2_cpu_irqs_attach(&gicv2_board_irqs, UART0_IRQ, this_cpu()->index, pl011_interrupt,
                        &rpi_uart0, "uart0");
  serial_start_interrupts(&rpi_uart0);
}

int board_describe(const void *firmware_arg, struct machine *m) {
  int err = rpi_describe(firmware_arg, m, &vc_mailbox, RAM_MAPPED_END);
  if (err == 0 && !m->cores)
    gicv2_cpu_irqs_init(&gicv2_board_irqs);
  return err;
}
