#include "firmware.h"

#include <brigade/board.h>
#include <brigade/cpu.h>
#include <brigade/devicetree.h>
#include <brigade/fdt.h>
#include <brigade/machine.h>
#include <brigade/panic.h>

#include "kernel/arch/aarch64/aarch64.h"

static int describe_without_device_tree(struct machine *m, const struct bcm2835_mailbox *mailbox) {
  uint32_t arm_memory[2]; /* base, size */
  if (bcm2835_mailbox_get(mailbox, BCM2835_TAG_GET_ARM_MEMORY, arm_memory) != 0) {
    kprintf("brigade: no device tree in x0, and the VideoCore mailbox did not say how much "
            "RAM the ARM has\n");
    return -1;
  }
  m->ram_base = arm_memory[0];
  m->ram_size = arm_memory[1];
  m->ncores = RPI_NCORES;
  if (m->cores) {
    for (unsigned i = 0; i < RPI_NCORES; i++)
      m->cores[i] = (struct machine_core){.hw_id = i, .usable = true};
    kprintf("brigade: entered at EL%lu, no device tree: RAM size from the VideoCore mailbox\n",
            (unsigned long)aarch64_boot_el);
  }
  return 0;
}

int rpi_describe(const void *firmware_arg, struct machine *m,
                 const struct bcm2835_mailbox *mailbox, uintptr_t ram_limit) {
  m->timer_hz = aarch64_timer_frequency(); /* ARM device trees carry no timebase */
  /* QEMU's loader leaves x0 = 0x100 (the 32-bit ATAG address) when it has
   * no device tree: only a pointer into mapped RAM can be one. */
  uintptr_t dtb = (uintptr_t)firmware_arg;
  uint32_t size;
  if (dtb < 0x1000 || dtb >= ram_limit - 64 || fdt_check(firmware_arg, &size) != FDT_OK)
    return describe_without_device_tree(m, mailbox);
  const char *problem = "?";
  int err = dt_describe_machine(firmware_arg, m, &problem);
  if (err == DT_ERR_DESCRIPTION) {
    kprintf("brigade: the device tree at %p %s\n", firmware_arg, problem);
    return -1;
  }
  if (err) {
    kprintf("brigade: device tree at %p: %s\n", firmware_arg, fdt_strerror(err));
    return -1;
  }
  if (m->ram_base + m->ram_size > ram_limit) {
    if (m->cores)
      kprintf("brigade: using RAM up to %p (the identity map covers no more)\n",
              (void *)ram_limit);
    m->ram_size = ram_limit - m->ram_base;
  }
  if (m->cores)
    kprintf("brigade: entered at EL%lu, device tree at %p (from the firmware)\n",
            (unsigned long)aarch64_boot_el, firmware_arg);
  return 0;
}

int board_start_cpu(struct cpu *cpu) {
  return spin_table_release(cpu, RPI_PAGE0_ALIAS + RPI_SPIN_TABLE);
}

void board_diagnose_cpu(const struct cpu *cpu) {
  spin_table_diagnose(cpu, RPI_PAGE0_ALIAS + RPI_SPIN_TABLE, RPI_SPIN_TABLE);
}

/* The firmware offers no way back: semihosting when a debugger (or QEMU)
 * is there, else the core parks. */
void board_exit(int code) { aarch64_exit(code); }
