/* Raspberry Pi 3 Model B (BCM2837, four Cortex-A53), as the Pi firmware and
 * QEMU's raspi3b machine start it: kernel8.img at 0x80000, core 0 at EL2 with
 * the device tree in x0 (real firmware; 0 under QEMU), cores 1-3 waiting on
 * the spin table at 0xd8 + 8 * core. Loaded as an ELF, QEMU starts all four
 * cores at the entry at EL3 instead, and boot/aarch64/start.S parks cores
 * 1-3 on the same spin table. */
#include <brigade/board.h>
#include <brigade/cpu.h>
#include <brigade/devicetree.h>
#include <brigade/fdt.h>
#include <brigade/irq.h>
#include <brigade/machine.h>
#include <brigade/panic.h>

#include "drivers/gpio/bcm2835_gpio.h"
#include "drivers/irq/bcm2836_local.h"
#include "drivers/misc/bcm2835_mailbox.h"
#include "drivers/uart/pl011.h"
#include "kernel/arch/aarch64/aarch64.h"

#define PERIPHERAL_BASE 0x3f000000UL
#define GPIO_BASE (PERIPHERAL_BASE + 0x200000)
#define UART0_BASE (PERIPHERAL_BASE + 0x201000)
#define VC_MAILBOX_BASE (PERIPHERAL_BASE + 0xb880)
#define LOCAL_INTC_BASE 0x40000000UL
#define NCORES 4
#define SPIN_TABLE 0xd8UL /* cpu-release-addr of core n: SPIN_TABLE + 8 * n */
/* Page 0 (the firmware's stub and the spin table) stays unmapped so NULL
 * dereferences fault; the boot core writes the spin table through this alias. */
#define SPIN_TABLE_ALIAS 0x4000000000UL
#define WAKE_MAILBOX 0

const char board_name[] = "raspi3b";

const struct mmu_region board_mmu_regions[] = {
    {0x1000, 0x1000, PERIPHERAL_BASE - 0x1000, MMU_NORMAL, "RAM (ARM and VideoCore parts)"},
    {PERIPHERAL_BASE, PERIPHERAL_BASE, 0x1000000, MMU_DEVICE, "peripherals"},
    {LOCAL_INTC_BASE, LOCAL_INTC_BASE, 0x200000, MMU_DEVICE, "local interrupt controller"},
    {SPIN_TABLE_ALIAS, 0, 0x1000, MMU_NORMAL, "page 0 (spin table), for the boot core"},
};
const unsigned board_mmu_nregions = sizeof board_mmu_regions / sizeof board_mmu_regions[0];

/* UART0 on GPIO 14/15 (ALT0). The firmware's UART clock is 48 MHz when
 * config.txt has init_uart_clock=48000000 (the README's SD-card recipe). */
static const struct pl011 uart0 = {.base = UART0_BASE, .clock_hz = 48000000, .baud = 115200};
static const struct bcm2836_local local = {.base = LOCAL_INTC_BASE};
static const struct bcm2835_mailbox vc_mailbox = {.base = VC_MAILBOX_BASE,
                                                  .bus_offset = 0xc0000000};

void board_early_init(void) {
  bcm2835_gpio_set_function(GPIO_BASE, 14, BCM2835_GPIO_ALT0);
  bcm2835_gpio_set_function(GPIO_BASE, 15, BCM2835_GPIO_ALT0);
  pl011_init(&uart0);
}

void board_console_putc(char c) { pl011_putc(&uart0, c); }

int board_console_getc(void) { return pl011_getc(&uart0); }

void board_exit(int code) { aarch64_exit(code); }

/* No device tree (QEMU passes none): the BCM2837 has four cores with
 * MPIDR Aff0 0-3, and the firmware says how much RAM is the ARM's. */
static int describe_without_device_tree(struct machine *m) {
  uint32_t arm_memory[2]; /* base, size */
  if (bcm2835_mailbox_get(&vc_mailbox, BCM2835_TAG_GET_ARM_MEMORY, arm_memory) != 0) {
    kprintf("brigade: no device tree in x0, and the VideoCore mailbox did not say how much "
            "RAM the ARM has\n");
    return -1;
  }
  m->ram_base = arm_memory[0];
  m->ram_size = arm_memory[1];
  m->ncores = NCORES;
  if (m->cores) {
    for (unsigned i = 0; i < NCORES; i++)
      m->cores[i] = (struct machine_core){.hw_id = i, .usable = true};
    kprintf("brigade: entered at EL%lu, no device tree: RAM size from the VideoCore mailbox\n",
            (unsigned long)aarch64_boot_el);
  }
  return 0;
}

int board_describe(const void *firmware_arg, struct machine *m) {
  m->timer_hz = aarch64_timer_frequency(); /* ARM device trees carry no timebase */
  /* QEMU's loader leaves x0 = 0x100 (the 32-bit ATAG address) when it has
   * no device tree: only a pointer into mapped RAM can be one. */
  uintptr_t dtb = (uintptr_t)firmware_arg;
  uint32_t size;
  if (dtb < 0x1000 || dtb >= PERIPHERAL_BASE - 64 || fdt_check(firmware_arg, &size) != FDT_OK)
    return describe_without_device_tree(m);
  const char *missing = "?";
  int err = dt_describe_machine(firmware_arg, m, &missing);
  if (err == -100) {
    kprintf("brigade: the device tree at %p has no %s\n", firmware_arg, missing);
    return -1;
  }
  if (err) {
    kprintf("brigade: device tree at %p: %s\n", firmware_arg, fdt_strerror(err));
    return -1;
  }
  if (m->cores)
    kprintf("brigade: entered at EL%lu, device tree at %p (from the firmware)\n",
            (unsigned long)aarch64_boot_el, firmware_arg);
  return 0;
}

int board_start_cpu(struct cpu *cpu) {
  if (cpu->hw_id >= NCORES) {
    kprintf("brigade: core with MPIDR %#lx has no spin-table slot\n", (unsigned long)cpu->hw_id);
    return -1;
  }
  aarch64_spin_cpus[cpu->hw_id] = cpu;
  /* The core polls its slot with its MMU off, so it reads memory, not our
   * cache: clean the store out to memory before the wake-up event. */
  volatile uint64_t *slot = (volatile uint64_t *)(SPIN_TABLE_ALIAS + SPIN_TABLE + 8 * cpu->hw_id);
  *slot = (uintptr_t)_secondary_spin_start;
  __asm__ volatile("dc civac, %0\n\tdsb sy\n\tsev" ::"r"(slot) : "memory");
  return 0;
}

void board_diagnose_cpu(const struct cpu *cpu) {
  volatile uint64_t *slot = (volatile uint64_t *)(SPIN_TABLE_ALIAS + SPIN_TABLE + 8 * cpu->hw_id);
  kprintf("  core %u (MPIDR %#lx): spin table slot %#lx holds %#lx; the core never reached "
          "brigade (is the firmware's stub holding it there?)\n",
          cpu->index, (unsigned long)cpu->hw_id, (unsigned long)(SPIN_TABLE + 8 * cpu->hw_id),
          (unsigned long)*slot);
}

void board_cpu_init(struct cpu *cpu) {
  aarch64_cpu_init();
  bcm2836_local_mailbox_clear(&local, (unsigned)cpu->hw_id, WAKE_MAILBOX);
  bcm2836_local_enable_mailbox(&local, (unsigned)cpu->hw_id, WAKE_MAILBOX);
  bcm2836_local_enable_timer(&local, (unsigned)cpu->hw_id);
}

static void run(enum irq_class cls) {
  irq_handler_fn fn = irq_handler(cls);
  if (!fn)
    panic("%s interrupt with no handler installed", irq_class_name(cls));
  fn();
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
  if (pending & ~(BCM2836_SRC_MAILBOX(WAKE_MAILBOX) | BCM2836_SRC_CNTPNS))
    panic("interrupt source %#x on core %u: nothing handles it", pending, core);
}

void board_send_ipi(const struct cpu *target) {
  bcm2836_local_mailbox_send(&local, (unsigned)target->hw_id, WAKE_MAILBOX, 1);
}

void board_clear_ipi(void) {
  bcm2836_local_mailbox_clear(&local, (unsigned)this_cpu()->hw_id, WAKE_MAILBOX);
}
