#include <stddef.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <brigade/cpu.h>
#include <brigade/machine.h>
#include <brigade/panic.h>

_Static_assert(offsetof(struct cpu, boot_stack_top) == 0,
               "boot/<arch> loads the stack from offset 0 of struct cpu");
_Static_assert(offsetof(struct cpu, exception_stack_top) == 8,
               "kernel/arch/<arch> trap entry loads the exception stack from offset 8");

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
    return NULL; /* the caller reports it, with what it knows of memory */
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

uint32_t cpu_accounting;

void cpu_accounting_start(void) {
  /* Relaxed: each core starts accounting at its next switch or interrupt
   * that sees the flag; nothing is published with it. */
  __atomic_store_n(&cpu_accounting, 1, __ATOMIC_RELAXED);
}
