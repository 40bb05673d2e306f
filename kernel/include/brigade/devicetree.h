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
 * A core is usable when its status is "okay" and, on RISC-V, it has an MMU
 * (S-mode); otherwise why_not says why. The timer rate comes from
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

#endif
