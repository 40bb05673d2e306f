/**
 * @file devicetree.h
 * @brief Fill a struct machine from a device tree: RAM, cores, timer.
 */
#ifndef BRIGADE_DEVICETREE_H
#define BRIGADE_DEVICETREE_H

#include <brigade/machine.h>

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
 * @return FDT_OK, or a negative fdt_error / -100 when something required is
 *         missing (then *missing names it).
 */
int dt_describe_machine(const void *dtb, struct machine *m, const char **missing);

#endif
