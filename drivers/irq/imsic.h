/**
 * @file imsic.h
 * @brief RISC-V AIA Incoming MSI Controller: each hart's S-level interrupt
 *        file (QEMU virt with aia=aplic-imsic).
 *
 * An interrupt file is a page of MMIO per hart, whose first word
 * (seteipnum_le) makes the identity written to it pending on that hart, and
 * a set of CSRs on the hart itself (the Ssaia extension: siselect/sireg
 * reach eidelivery, eithreshold and the eip/eie bit arrays; stopei claims
 * the highest-priority pending identity). A wake-up IPI is then one store
 * to the target's page: no SBI call and no M-mode trap on either hart.
 *
 * Identity IMSIC_IPI_ID is the wake-up; every other identity is a message
 * from a device (the APLIC in MSI mode), handed to the device handler the
 * board installs. The driver knows the register layout; the files'
 * addresses and the harts they belong to come from the device tree.
 */
#ifndef BRIGADE_IMSIC_H
#define BRIGADE_IMSIC_H

#include <stdbool.h>
#include <stdint.h>

struct cpu;

/** The wake-up IPI's identity: 1, the highest priority. */
#define IMSIC_IPI_ID 1u

/** The most harts whose files the driver records. */
#define IMSIC_MAX_HARTS 64

struct imsic {
  uint32_t phandle;  /**< of the riscv,imsics node (an APLIC's msi-parent) */
  unsigned num_ids;  /**< riscv,num-ids: identities 1..num_ids exist */
  unsigned nharts;
  struct {
    uint64_t hart_id;
    uintptr_t file; /**< the hart's S-level interrupt file (its page) */
  } harts[IMSIC_MAX_HARTS];
  /** Called for every identity but IMSIC_IPI_ID, in interrupt context. */
  void (*device)(unsigned identity);
};

/**
 * @brief Find the S-level interrupt files in @p dtb: the riscv,imsics node
 *        whose interrupts-extended names each hart's supervisor external
 *        interrupt (cause 9), its pages in reg order, one per hart in the
 *        order of interrupts-extended.
 * @retval 0  found (fills @p ims, device handler NULL)
 * @retval -1 the tree has no such node (the machine has a PLIC instead)
 * Panics, saying what is wrong, on a node it cannot use.
 */
int imsic_probe(struct imsic *ims, const void *dtb);

/**
 * @brief Make @p ims this machine's hart-level interrupt controller: wake-up
 *        IPIs go through it (riscv_use_hart_irqs), each core opens its file
 *        in board_cpu_init, and the external interrupt class claims from it.
 *        On the boot core, before any core is set up (board_choose_hart_irqs).
 *        Device identities need imsic_set_device_handler first; until then
 *        one panics, naming it.
 */
void imsic_install(struct imsic *ims);

/** @brief Hand every identity but the IPI's to @p device (the MSI source's driver). */
void imsic_set_device_handler(struct imsic *ims, void (*device)(unsigned identity));

/** @brief The index of @p hart_id's file (what an APLIC's target names). */
unsigned imsic_hart_index(const struct imsic *ims, uint64_t hart_id);

#endif
