#include <stddef.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <brigade/cpu.h>
#include <brigade/machine.h>
#include <brigade/panic.h>

#include "kernel_internal.h"

_Static_assert(offsetof(struct cpu, boot_stack_top) == 0,
               "boot/<arch> loads the stack from offset 0 of struct cpu");

static struct cpu *cpus;
static unsigned ncpus;

unsigned cpu_count(void) { return ncpus; }

struct cpu *cpu_get(unsigned index) { return index < ncpus ? &cpus[index] : NULL; }

unsigned cpu_index(void) {
  struct cpu *cpu = this_cpu();
  return cpu ? cpu->index : 0;
}

struct cpu *cpus_create(const struct machine *m, uint64_t boot_hw_id) {
  unsigned usable = 0;
  for (unsigned i = 0; i < m->ncores; i++)
    usable += m->cores[i].usable;
  cpus = memalign(CACHE_LINE, usable * sizeof *cpus);
  if (!cpus)
    panic("out of memory for %u per-core structures", usable);
  memset(cpus, 0, usable * sizeof *cpus);

  /* Core numbers follow the device tree's order, not the boot lottery, so
   * core 0 is the same hart on every run. */
  struct cpu *boot = NULL;
  for (unsigned i = 0; i < m->ncores; i++) {
    if (!m->cores[i].usable)
      continue;
    struct cpu *cpu = &cpus[ncpus];
    cpu->index = ncpus++;
    cpu->hw_id = m->cores[i].hw_id;
    if (cpu->hw_id == boot_hw_id)
      boot = cpu;
  }
  if (!boot)
    panic("the boot core (hw id %lu) is not among the usable cores in the device tree",
          (unsigned long)boot_hw_id);
  return boot;
}

static void serve_call(struct cpu *cpu) {
  unsigned long seq = __atomic_load_n(&cpu->call.seq, __ATOMIC_ACQUIRE);
  if (seq == cpu->call.done)
    return;
  cpu->call.fn(cpu->call.arg);
  /* Release: fn's effects are visible to the caller once it sees done. */
  __atomic_store_n(&cpu->call.done, seq, __ATOMIC_RELEASE);
}

void cpu_idle_loop(struct cpu *cpu) {
  for (;;) {
    /* Clear the wake-up before looking for work: an IPI that arrives after
     * the look stays pending, and wfi returns at once instead of sleeping
     * through it. */
    arch_clear_ipi();
    serve_call(cpu);
    arch_wait_for_interrupt();
  }
}

void smp_call_all(void (*fn)(void *arg), void *arg) {
  struct cpu *me = this_cpu();
  for (unsigned i = 0; i < ncpus; i++) {
    struct cpu *cpu = &cpus[i];
    if (cpu == me)
      continue;
    cpu->call.fn = fn;
    cpu->call.arg = arg;
    /* Release: fn and arg are visible before the new sequence number. */
    __atomic_store_n(&cpu->call.seq, cpu->call.seq + 1, __ATOMIC_RELEASE);
    arch_send_ipi(cpu);
  }
  fn(arg);
  for (unsigned i = 0; i < ncpus; i++) {
    struct cpu *cpu = &cpus[i];
    if (cpu == me)
      continue;
    while (__atomic_load_n(&cpu->call.done, __ATOMIC_ACQUIRE) != cpu->call.seq)
      arch_cpu_relax();
  }
}
