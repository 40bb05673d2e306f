/**
 * @file plic.h
 * @brief RISC-V Platform-Level Interrupt Controller (SiFive PLIC, QEMU virt,
 *        FU540, JH7110).
 *
 * The driver knows the register layout, not the board: the base address,
 * the number of sources and which PLIC context is a hart's S-mode context
 * (2*hart+1 on QEMU virt, where every hart also has an M-mode context; the
 * FU540's E51 has only M-mode, so there it is 2*hart) come from the board.
 */
#ifndef BRIGADE_PLIC_H
#define BRIGADE_PLIC_H

#include <stdint.h>

struct plic {
  uintptr_t base;
  unsigned sources;                          /**< highest source id + 1 */
  unsigned (*s_context)(uint64_t hart_id);   /**< the hart's S-mode context */
};

/** @brief All sources disabled, priority 0 (never delivered). Boot core, once. */
void plic_init(const struct plic *p);

/**
 * @brief Let this hart take interrupts: threshold 0 on its S-mode context.
 *        Each core, as it comes up.
 */
void plic_cpu_init(const struct plic *p, uint64_t hart_id);

/**
 * @brief Deliver @p source with @p priority (1..7) to @p hart_id's S-mode
 *        context only. One target, not all: every enabled hart would wake
 *        for each interrupt and all but one would claim nothing.
 */
void plic_route(const struct plic *p, unsigned source, unsigned priority, uint64_t hart_id);

/**
 * @brief Make @p p the machine's external interrupt controller: plic_init,
 *        every core's S-mode context open, and the external-interrupt class
 *        handled by claiming from @p p. Once, on the boot core (from
 *        board_devices_init, after every core is up). One PLIC per machine.
 */
void plic_install(const struct plic *p);

/**
 * @brief Attach @p fn(@p arg) to @p source (irq_attach) and deliver the
 *        source to @p hart_id only. Panics, naming the source and @p name,
 *        if the line cannot be attached: a console without its interrupt
 *        would leave every reader parked for good.
 */
void plic_attach(const struct plic *p, unsigned source, uint64_t hart_id, void (*fn)(void *arg),
                 void *arg, const char *name);

/**
 * @brief The external-interrupt handler body: claim each pending source,
 *        irq_dispatch it, complete it, until none is left.
 */
void plic_handle(const struct plic *p, uint64_t hart_id);

#endif
