/**
 * @file devicetree.h
 * @brief Fill a struct machine from a device tree: RAM, cores, timer.
 */
#ifndef BRIGADE_DEVICETREE_H
#define BRIGADE_DEVICETREE_H

#include <brigade/machine.h>

/** The tree was read but describes no machine brigade can boot on. */
#define DT_ERR_DESCRIPTION (-100)

/**
 * @brief Describe the machine from @p dtb.
 *
 * With m->cores == NULL only counts cores (m->ncores) and reads RAM and timer;
 * call again with m->cores pointing at m->ncores entries to fill them.
 * A core is usable when its status is "okay" and the architecture can run
 * on it (arch_dt_describe); otherwise why_not says why. The timer rate comes from
 * /cpus/timebase-frequency; a tree without one (ARM trees: the generic timer
 * says its own rate) is accepted when m->timer_hz is already set.
 *
 * A tree that reads cleanly but describes no usable machine (no RAM, RAM
 * of 0 bytes or wrapping past the top of the address space, a 0 Hz timer,
 * no cores) is refused with DT_ERR_DESCRIPTION.
 *
 * @return FDT_OK, a negative fdt_error (fdt_strerror says what), or
 *         DT_ERR_DESCRIPTION: then *problem completes the sentence
 *         "the device tree at ADDRESS ...", e.g. "has no /cpus/timebase-frequency".
 */
int dt_describe_machine(const void *dtb, struct machine *m, const char **problem);

/**
 * @brief The architecture's part of dt_describe_machine, implemented in
 *        kernel/arch/<arch>/: read what it needs from @p dtb into @p m->arch,
 *        and mark the cores of @p m->cores (when non-NULL) it cannot run on
 *        (usable = false, why_not set).
 *
 * Called by dt_describe_machine on each pass, once RAM, timer and cores
 * are read; the tree has passed fdt_check. RISC-V reads each hart's
 * riscv,isa and mmu-type (no MMU: no S-mode; Sstc on every hart: S-mode
 * timer compare); AArch64 finds nothing there it needs.
 */
void arch_dt_describe(const void *dtb, struct machine *m);

#endif
