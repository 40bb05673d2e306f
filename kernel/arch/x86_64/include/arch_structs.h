/* The host's part of the portable per-core and machine structures
 * (struct cpu's `arch`, struct machine's `arch`; see <brigade/arch.h>).
 * Included only by <brigade/cpu.h> and <brigade/machine.h>. The host keeps
 * its per-core state per thread instead (host_core, arch_inline.h). */
#ifndef BRIGADE_HOST_ARCH_STRUCTS_H
#define BRIGADE_HOST_ARCH_STRUCTS_H

struct arch_cpu {};

struct arch_machine {};

#endif
