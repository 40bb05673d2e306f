/* QEMU "virt" RISC-V 64: devices at the addresses and interrupt lines QEMU
 * 7.2's hw/riscv/virt.c gives them (and its device tree lists); the lines
 * are the same numbers at the PLIC and, with -M virt,aia=aplic-imsic (no
 * PLIC then), at the APLIC, which the glue finds in the device tree. RAM size
 * and harts come from the device tree at boot. The console and interrupt
 * glue is board/riscv-ns16550-plic/ns16550_plic_board.c; the Goldfish RTC and
 * the virtio-net device (when QEMU has one: found in the device tree) are
 * attached here. */
#include <stdbool.h>

#include <brigade/board.h>
#include <brigade/cpu.h>
#include <brigade/kprintf.h>
#include <brigade/machine.h>
#include <brigade/netdev.h>

#include "board/riscv-ns16550-plic/ns16550_plic_board.h"
#include "drivers/misc/sifive_test.h"
#include "drivers/rtc/goldfish_rtc.h"
#include "drivers/virtio/virtio_net.h"

#define VIRT_TEST_BASE 0x100000UL
#define VIRT_RTC_BASE 0x101000UL
#define VIRT_RTC_IRQ 11
#define VIRT_UART0_BASE 0x10000000UL
#define VIRT_UART0_IRQ 10
#define VIRT_PLIC_BASE 0x0c000000UL
#define VIRT_PLIC_SOURCES (96 + 1) /* riscv,ndev = 96; source 0 means "none" */

const char board_name[] = "qemu-virt-rv64";

/* virt gives every hart an M-mode context (2*hart) and an S-mode one. */
static unsigned virt_s_context(uint64_t hart_id) { return 2 * (unsigned)hart_id + 1; }

static struct goldfish_rtc virt_rtc = {.base = VIRT_RTC_BASE, .irq_line = VIRT_RTC_IRQ};

struct goldfish_rtc *board_goldfish_rtc(void) { return &virt_rtc; }

static struct virtio_net virt_net;
static bool virt_net_found;

struct netdev *board_netdev(void) { return virt_net_found ? &virt_net.netdev : NULL; }

/* virt's virtio-mmio nodes name their source in one cell behind a PLIC,
 * and in two behind the APLIC (the source, then its sense: 4, level high). */
static void virt_attach_net(void) {
  if (virtio_net_probe(&virt_net, machine.firmware_blob) != 0)
    return;
  unsigned want = ns16550_plic_board_has_aia() ? 2 : 1;
  if (virt_net.node.nirq_cells != want) {
    kprintf("virtio-net at %p: expected %u interrupt cell%s, found %u; not used\n",
            (void *)virt_net.base, want, want == 1 ? "" : "s", virt_net.node.nirq_cells);
    return;
  }
  ns16550_plic_board_attach(virt_net.node.irq_cells[0], virtio_net_interrupt, &virt_net,
                            "virtio-net");
  virt_net_found = true;
}

/* Like the UART, to the boot core: a readied waiter lands on its runnext. */
static void virt_attach_devices(void) {
  goldfish_rtc_init(&virt_rtc);
  ns16550_plic_board_attach(virt_rtc.irq_line, goldfish_rtc_interrupt, &virt_rtc, "rtc");
  virt_attach_net();
}

struct ns16550_plic_board ns16550_plic_board = {
    .uart = {.base = VIRT_UART0_BASE, .stride = 1},
    .uart_irq = VIRT_UART0_IRQ,
    .plic = {.base = VIRT_PLIC_BASE, .sources = VIRT_PLIC_SOURCES, .s_context = virt_s_context},
    .attach_devices = virt_attach_devices,
};

void board_exit(int code) { sifive_test_exit(VIRT_TEST_BASE, code); }
