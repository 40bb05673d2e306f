/**
 * @file aplic.h
 * @brief RISC-V AIA Advanced Platform-Level Interrupt Controller: the
 *        supervisor-level interrupt domain, in MSI delivery mode (QEMU virt
 *        with aia=aplic-imsic).
 *
 * The APLIC turns wired device interrupts into messages: source S, when
 * pending and enabled, becomes a store of identity 64 + S into the target
 * hart's IMSIC file (identity 1 is the IMSIC's wake-up IPI; aplic.c says why
 * the sources keep out of identities 0..63). The firmware
 * owns the machine-level domain, which receives every wire and delegates
 * sources to this child domain (riscv,delegate in its node); a source it
 * did not delegate reads back as inactive here, and attaching it panics.
 * Device lines keep their APLIC source numbers (irq_attach, irq_dispatch),
 * so a board names the same line as with a PLIC.
 */
#ifndef BRIGADE_APLIC_H
#define BRIGADE_APLIC_H

#include <stdint.h>

#include "imsic.h"

struct aplic {
  uintptr_t base;
  unsigned sources; /**< riscv,num-sources: sources 1..sources exist */
  struct imsic *imsic;
};

/**
 * @brief Find the S-level domain in @p dtb: the riscv,aplic node whose
 *        msi-parent is @p ims.
 * @retval 0  found
 * @retval -1 none (panic-worthy for the caller: devices would stay silent)
 */
int aplic_probe(struct aplic *ap, const void *dtb, struct imsic *ims);

/**
 * @brief Every source inactive, MSI delivery on, and the IMSIC's device
 *        identities handed to this domain. Once, on the boot core, from
 *        board_devices_init. One APLIC per machine.
 */
void aplic_install(struct aplic *ap);

/**
 * @brief Attach @p fn(@p arg) to @p source (irq_attach), configure it as a
 *        level-high wire (the kind QEMU virt's devices have) and deliver it
 *        to @p hart_id only. Panics, naming the source and @p name, if it
 *        cannot: a console without its interrupt would leave every reader
 *        parked for good.
 */
void aplic_attach(struct aplic *ap, unsigned source, uint64_t hart_id, void (*fn)(void *arg),
                  void *arg, const char *name);

#endif
