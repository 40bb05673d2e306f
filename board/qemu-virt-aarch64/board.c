/* QEMU "virt" AArch64 with GICv2: devices at the addresses QEMU 7.2's
 * hw/arm/virt.c gives them. RAM size and cores come from the device tree,
 * and so does the virtio-net device when QEMU has one. The GIC glue is
 * board/arm-gicv2/gicv2_board.c. */
#include <stdbool.h>

#include <brigade/board.h>
#include <brigade/console.h>
#include <brigade/cpu.h>
#include <brigade/devicetree.h>
#include <brigade/fdt.h>
#include <brigade/machine.h>
#include <brigade/netdev.h>
#include <brigade/panic.h>
#include <brigade/serial.h>

#include "board/arm-gicv2/gicv2_board.h"
#include "drivers/uart/pl011.h"
#include "drivers/virtio/virtio_net.h"
#include "kernel/arch/aarch64/aarch64.h"

#define VIRT_GICD_BASE 0x08000000UL
#define VIRT_GICC_BASE 0x08010000UL
#define VIRT_UART0_BASE 0x09000000UL
#define VIRT_UART0_IRQ 33 /* SPI 1 */
#define VIRT_RAM_BASE 0x40000000UL
/* For an ELF -kernel QEMU puts the device tree at the start of RAM and
 * passes no pointer (x0 = 0); a raw image gets it in x0. */
#define VIRT_ELF_DTB VIRT_RAM_BASE
#define VIRT_RAM_MAPPED (8UL << 30) /* RAM the identity map covers */

const char board_name[] = "qemu-virt-aarch64";

const struct mmu_region board_mmu_regions[] = {
    /* GIC, UART, RTC, GPIO, fw_cfg, virtio-mmio: everything QEMU puts below
     * 256 MiB except the flash at 0, which stays unmapped with page 0. */
    {0x08000000UL, 0x08000000UL, 0x08000000UL, MMU_DEVICE, "devices"},
    {VIRT_RAM_BASE, VIRT_RAM_BASE, VIRT_RAM_MAPPED, MMU_NORMAL, "RAM"},
};
const unsigned board_mmu_nregions = sizeof board_mmu_regions / sizeof board_mmu_regions[0];

static struct pl011 uart0 = {.base = VIRT_UART0_BASE};
static struct serial_port console_uart;
/* Interrupt ids: SGIs 0-15, PPIs 16-31; the timer is PPI 14, the EL1
 * physical timer (non-secure). */
const struct gicv2_cpu_irqs gicv2_board_irqs = {
    .gic = {.dist = VIRT_GICD_BASE, .cpu = VIRT_GICC_BASE}, .timer_id = 30, .wake_sgi = 0};

void board_early_init(void) {
  pl011_init(&uart0);
  serial_init(&console_uart, "uart0", &pl011_serial_hw, &uart0);
  console_attach(&console_uart);
}

static struct virtio_net virt_net;
static bool virt_net_found;

struct netdev *board_netdev(void) { return virt_net_found ? &virt_net.netdev : NULL; }

/* virt's virtio-mmio nodes say <type number flags> in the GIC's binding:
 * type 0 is a shared peripheral interrupt, whose id is 32 + number. */
static void virt_attach_net(void) {
  if (virtio_net_probe(&virt_net, machine.firmware_blob) != 0)
    return;
  const struct virtio_mmio_node *n = &virt_net.node;
  if (n->nirq_cells != 3 || n->irq_cells[0] != 0) {
    kprintf("virtio-net at %p: expected a GIC shared interrupt <0 N flags>; not used\n",
            (void *)virt_net.base);
    return;
  }
  gicv2_cpu_irqs_attach(&gicv2_board_irqs, 32 + n->irq_cells[1], this_cpu()->index,
                        virtio_net_interrupt, &virt_net, "virtio-net");
  virt_net_found = true;
}

void board_devices_init(void) {
  /* Device interrupts go to the boot core, as on every board: a readied
   * task lands on that core's runnext and idle cores steal from there. */
  gicv2_cpu_irqs_attach(&gicv2_board_irqs, VIRT_UART0_IRQ, this_cpu()->index, pl011_interrupt,
                        &console_uart, "uart0");
  serial_start_interrupts(&console_uart);
  virt_attach_net();
}

void board_console_putc(char c) { pl011_putc(&uart0, c); }

int board_console_getc(void) { return pl011_getc(&uart0); }

void board_exit(int code) { aarch64_exit(code); }

int board_describe(const void *firmware_arg, struct machine *m) {
  const void *dtb = firmware_arg ? firmware_arg : (const void *)VIRT_ELF_DTB;
  const char *problem = "?";
  m->timer_hz = aarch64_timer_frequency(); /* ARM device trees carry no timebase */
  int err = dt_describe_machine(dtb, m, &problem);
  if (err == DT_ERR_DESCRIPTION) {
    kprintf("brigade: the device tree at %p %s\n", dtb, problem);
    return -1;
  }
  if (err) {
    kprintf("brigade: device tree at %p: %s\n", dtb, fdt_strerror(err));
    return -1;
  }
  if (m->ram_base != VIRT_RAM_BASE) {
    kprintf("brigade: RAM at %p, but the memory map expects it at %p\n",
            (void *)(uintptr_t)m->ram_base, (void *)VIRT_RAM_BASE);
    return -1;
  }
  if (m->ram_size > VIRT_RAM_MAPPED) {
    if (m->cores) /* say it once, on the second pass */
      kprintf("brigade: using %lu of %lu MiB of RAM (the identity map covers no more)\n",
              VIRT_RAM_MAPPED >> 20, (unsigned long)(m->ram_size >> 20));
    m->ram_size = VIRT_RAM_MAPPED;
  }
  if (!m->cores)
    gicv2_cpu_irqs_init(&gicv2_board_irqs);
  else
    kprintf("brigade: entered at EL%lu, device tree at %p%s\n", (unsigned long)aarch64_boot_el,
            dtb, firmware_arg ? " (from x0)" : " (QEMU's place for an ELF kernel)");
  return 0;
}

/* QEMU answers PSCI itself: by HVC when it emulates no EL2 (brigade then
 * starts at EL1), by SMC when it does (virtualization=on starts us at EL2). */
static enum psci_conduit conduit(void) { return aarch64_boot_el >= 2 ? PSCI_SMC : PSCI_HVC; }

int board_start_cpu(struct cpu *cpu) {
  if (aarch64_boot_el == 3) {
    kprintf("brigade: started at EL3 (secure=on): QEMU leaves PSCI to firmware, and there is "
            "none; run without secure=on\n");
    return -1;
  }
  long err = psci_cpu_on(conduit(), cpu->hw_id, (uintptr_t)_secondary_start, (uintptr_t)cpu);
  if (err) {
    kprintf("brigade: PSCI CPU_ON(%#lx) failed: %s\n", (unsigned long)cpu->hw_id,
            psci_error_name(err));
    return -1;
  }
  return 0;
}

/* QEMU answers PSCI CPU_ON itself and never loses one. */
int board_restart_cpu_if_stopped(struct cpu *cpu) {
  (void)cpu;
  return 0;
}

void board_diagnose_cpu(const struct cpu *cpu) {
  static const char *const states[] = {"on", "off", "on pending"};
  long st = psci_affinity_info(conduit(), cpu->hw_id);
  kprintf("  core %u (MPIDR %#lx): PSCI affinity state %s\n", cpu->index,
          (unsigned long)cpu->hw_id, st >= 0 && st < 3 ? states[st] : psci_error_name(st));
}
