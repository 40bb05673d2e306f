/* Between the host arch code and the host board. */
#ifndef BRIGADE_HOST_ARCH_H
#define BRIGADE_HOST_ARCH_H

#include <stdbool.h>

struct cpu;

/** Per-core host state for @p ncpus cores; before any core starts. */
void host_arch_init(unsigned ncpus);

/** On the core's own thread, before it schedules: timer, signal, stack bounds. */
void host_cpu_init(struct cpu *cpu);

/** False under the sanitizers, where tasks are not preempted by signals. */
bool host_signal_preemption(void);

#endif
