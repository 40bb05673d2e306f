/* The arm64 spin-table boot protocol: a core waits in wfe, polling its
 * 64-bit slot with its MMU off, until the slot holds an address to jump to.
 * The Raspberry Pi firmware's stub holds cores 1-3 this way, and start.S
 * holds them the same way when QEMU starts every core at an ELF entry. */
#include <brigade/cpu.h>
#include <brigade/panic.h>

#include "aarch64.h"

int spin_table_release(struct cpu *cpu, uintptr_t table_va) {
  if (cpu->hw_id >= AARCH64_SPIN_CORES) {
    kprintf("brigade: core with MPIDR %#lx has no spin-table slot\n", (unsigned long)cpu->hw_id);
    return -1;
  }
  /* The released core finds its struct cpu here once its MMU is on; its
   * caches are coherent with ours by then, so a plain store is enough. */
  aarch64_spin_cpus[cpu->hw_id] = cpu;
  /* The slot, though, is read with the MMU off, from memory and not from
   * our cache: clean the store out to memory before the event. */
  volatile uint64_t *slot = (volatile uint64_t *)(table_va + 8 * cpu->hw_id);
  *slot = (uintptr_t)_secondary_spin_start;
  __asm__ volatile("dc civac, %0\n\tdsb sy\n\tsev" ::"r"(slot) : "memory");
  return 0;
}

void spin_table_diagnose(const struct cpu *cpu, uintptr_t table_va, uintptr_t table_pa) {
  volatile uint64_t *slot = (volatile uint64_t *)(table_va + 8 * cpu->hw_id);
  kprintf("  core %u (MPIDR %#lx): spin-table slot %#lx holds %#lx; the core never reached "
          "brigade (no firmware stub polling the slot?)\n",
          cpu->index, (unsigned long)cpu->hw_id, (unsigned long)(table_pa + 8 * cpu->hw_id),
          (unsigned long)*slot);
}
