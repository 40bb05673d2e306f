/* Boards on the BCM2837 as the Pi firmware and QEMU's raspi3b machine start
 * them: kernel8.img at 0x80000, core 0 at EL2 with the device tree in x0
 * (real firmware; none under QEMU), cores 1-3 waiting on the spin table at
 * 0xd8 + 8 * core. Loaded as an ELF, QEMU starts all four cores at the
 * entry at EL3 instead, and boot/aarch64/start.S parks cores 1-3 on the
 * same spin table. */
#include "bcm2837.h"

#include <brigade/board.h>
#include <brigade/cpu.h>
#include <brigade/irq.h>
#include <brigade/panic.h>

#include "board/raspberrypi/firmware.h"
#include "board/raspberrypi/uart0.h"
#include "drivers/irq/bcm2835_armctrl.h"
#include "drivers/irq/bcm2836_local.h"
#include "drivers/uart/pl011.h"
#include "kernel/arch/aarch64/aarch64.h"

#define PERIPHERAL_BASE BCM2837_PERIPHERAL_BASE
#define LOCAL_INTC_BASE BCM2837_LOCAL_INTC_BASE
#define UART0_IRQ 57 /* GPU interrupt line */
#define ARMCTRL_BASE (PERIPHERAL_BASE + 0xb200)
#define VC_MAILBOX_BASE (PERIPHERAL_BASE + 0xb880)
#define WAKE_MAILBOX 0

const struct mmu_region board_mmu_regions[] = {
    {0x1000, 0x1000, PERIPHERAL_BASE - 0x1000, MMU_NORMAL, "RAM (ARM and VideoCore parts)"},
    {PERIPHERAL_BASE, PERIPHERAL_BASE, 0x1000000, MMU_DEVICE, "peripherals"},
    {LOCAL_INTC_BASE, LOCAL_INTC_BASE, 0x200000, MMU_DEVICE, "local interrupt controller"},
    {RPI_PAGE0_ALIAS, 0, 0x1000, MMU_NORMAL, "page 0 (spin table), for the boot core"},
};
const unsigned board_mmu_nregions = sizeof board_mmu_regions / sizeof board_mmu_regions[0];

static const struct bcm2835_armctrl armctrl = {.base = ARMCTRL_BASE};
static const struct bcm2836_local local = {.base = LOCAL_INTC_BASE};
static const struct bcm2835_mailbox vc_mailbox = {.base = VC_MAILBOX_BASE,
                                                  .bus_offset = 0xc0000000};

void board_early_init(void) { rpi_uart0_init(PERIPHERAL_BASE); }

void board_devices_init(void) {
  bcm2835_armctrl_init(&armctrl);
  if (irq_attach(UART0_IRQ, pl011_interrupt, &rpi_uart0, "uart0") != 0)
    panic("cannot attach the console UART to GPU interrupt %d", UART0_IRQ);
  bcm2835_armctrl_enable(&armctrl, UART0_IRQ);
  /* Every GPU interrupt goes to the boot core, as device interrupts do on
   * every board: readied tasks land on its runnext, idle cores steal. */
  bcm2836_local_route_gpu(&local, (unsigned)this_cpu()->hw_id);
  serial_start_interrupts(&rpi_uart0);
}

int board_describe(const void *firmware_arg, struct machine *m) {
  return rpi_describe(firmware_arg, m, &vc_mailbox, PERIPHERAL_BASE);
}

void board_cpu_init(struct cpu *cpu) {
  aarch64_cpu_init();
  unsigned core = (unsigned)cpu->hw_id; /* the block numbers cores by MPIDR Aff0 */
  bcm2836_local_mailbox_clear(&local, core, WAKE_MAILBOX);
  bcm2836_local_enable_mailbox(&local, core, WAKE_MAILBOX);
  bcm2836_local_enable_timer(&local, core);
}

static void run(enum irq_class cls) {
  if (!irq_run_class(cls))
    panic("%s interrupt with no handler installed", irq_class_name(cls));
}

void board_irq_dispatch(void) {
  unsigned core = (unsigned)this_cpu()->hw_id;
  uint32_t pending = bcm2836_local_pending(&local, core);
  if (pending & BCM2836_SRC_MAILBOX(WAKE_MAILBOX)) {
    /* acknowledge before handling: a later wake-up stays pending */
    bcm2836_local_mailbox_clear(&local, core, WAKE_MAILBOX);
    run(IRQ_IPI);
  }
  if (pending & BCM2836_SRC_CNTPNS)
    run(IRQ_TIMER);
  if (pending & BCM2836_SRC_GPU)
    bcm2835_armctrl_handle(&armctrl);
  if (pending & ~(BCM2836_SRC_MAILBOX(WAKE_MAILBOX) | BCM2836_SRC_CNTPNS | BCM2836_SRC_GPU))
    panic("interrupt source %#x on core %u: nothing handles it", pending, core);
}

void board_send_ipi(const struct cpu *target) {
  bcm2836_local_mailbox_send(&local, (unsigned)target->hw_id, WAKE_MAILBOX, 1);
}

void board_clear_ipi(void) {
  bcm2836_local_mailbox_clear(&local, (unsigned)this_cpu()->hw_id, WAKE_MAILBOX);
}
