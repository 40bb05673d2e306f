/* Interfaces between the files of kernel/ that nothing else should use. */
#ifndef BRIGADE_KERNEL_INTERNAL_H
#define BRIGADE_KERNEL_INTERNAL_H

#include <stdint.h>

struct cpu;
struct machine;

/** Allocate one struct cpu per usable core of @p m; returns the boot core's,
 *  or NULL when there is no memory for them. */
struct cpu *cpus_create(const struct machine *m, uint64_t boot_hw_id);

void newlib_reent_init_cpu(struct cpu *cpu, int is_boot_core);

void kernel_boot(uint64_t boot_hw_id, const void *firmware_arg);
void kernel_secondary(struct cpu *cpu);

#endif
