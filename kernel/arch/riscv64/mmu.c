/* The Sv39 page tables every RISC-V board runs on: an identity map with
 * W^X (write xor execute) around the kernel image and page 0 unmapped.
 *
 * The map, from the bottom of the physical address space up:
 *
 *   [0, 4 KiB)                  unmapped: a NULL dereference faults
 *   [4 KiB, RAM base)           read-write, never executable (devices)
 *   [RAM base, image start)     unmapped (the SBI firmware's reservation;
 *                               S-mode never touches it, and PMP forbids it)
 *   [image start, rodata)       text: read + execute
 *   [rodata, data)              read-only (rodata, the test table)
 *   [data, 256 GiB)             read-write, never executable: data, .bss,
 *                               the boot stack, the heap and every task
 *                               stack, the rest of RAM, and any device above
 *
 * RISC-V keeps memory types in the physical memory attributes (PMAs) of each
 * address, not in the page table (without Svpbmt), so "device memory" is a
 * readable, writable, non-executable mapping of a device's address like any
 * other: every MMIO window a board or driver may touch (UART, PLIC/CLINT,
 * AIA APLIC/IMSIC, virtio-mmio, RTC, the test/exit device) stays reachable,
 * whatever the device tree says, since nothing here depends on it. The map
 * needs no knowledge of RAM's size and is built before the first C code that
 * reads the device tree. Sv39 reaches physical addresses below 2^38 (256
 * GiB) by identity; nothing brigade drives lies above.
 *
 * Each region gets the largest pages its alignment allows (1 GiB, 2 MiB,
 * else 4 KiB). Only the 2 MiB stretches that hold a region boundary need a
 * table of 4 KiB pages; changing one 4 KiB page later (a stack guard) is a
 * matter of walking to its leaf, splitting a larger page on the way.
 *
 * Every leaf has A and D set: hardware that does not update them itself
 * (Svade) would otherwise fault on the first access or write. Every entry is
 * global (G): brigade has one address space.
 */
#include <stdint.h>

#include <sbi.h>

#include "riscv.h"

#define TABLE_ENTRIES 512
/* A root, the table of the first GiB and its first 2 MiB (page 0), the
 * table of the GiB holding the image and one 4 KiB table per region
 * boundary in it (three), with room for a board whose RAM base is not
 * GiB-aligned: mmu_build fails loudly rather than run out silently. */
#define MMU_TABLES 12
#define PAGE_SIZE 4096UL
#define SV39_TOP (1UL << 38) /* identity-mapped addresses stay below this */

#define PTE_V (1UL << 0)
#define PTE_R (1UL << 1)
#define PTE_W (1UL << 2)
#define PTE_X (1UL << 3)
#define PTE_G (1UL << 5)
#define PTE_A (1UL << 6)
#define PTE_D (1UL << 7)
#define PTE_LEAF (PTE_R | PTE_W | PTE_X)
#define PTE_PPN_SHIFT 10

#define SATP_MODE_SV39 (8UL << 60)

/* Linker symbols (linker/riscv64-sbi.ld): the image's permission boundaries,
 * each 4 KiB-aligned. */
extern char __image_start[], __rodata_start[], __data_start[];

/* Sv39 needs each table 4 KiB-aligned; in .bss, so zero (invalid) until
 * written. Read by the page-table walker of every hart. */
static uint64_t mmu_tables[MMU_TABLES][TABLE_ENTRIES] __attribute__((aligned(PAGE_SIZE)));
static unsigned tables_used = 1; /* mmu_tables[0] is the root */

/* The satp value every hart installs (riscv_mmu_on); 0 until built. */
uint64_t riscv_satp;

static uint64_t *new_table(void) {
  return tables_used < MMU_TABLES ? mmu_tables[tables_used++] : 0;
}

static uint64_t pte_of(uint64_t pa, uint64_t bits) { return (pa >> 12) << PTE_PPN_SHIFT | bits; }

static uint64_t *table_of(uint64_t pte) {
  return (uint64_t *)(uintptr_t)((pte >> PTE_PPN_SHIFT) << 12);
}

/* Map [va, va + size) to the same physical addresses with leaf bits
 * @perm (PTE_R/W/X), in the largest pages the alignment allows. */
static int map(uint64_t va, uint64_t size, uint64_t perm) {
  uint64_t leaf = perm | PTE_V | PTE_A | PTE_D | PTE_G;
  while (size) {
    uint64_t *table = mmu_tables[0];
    for (unsigned level = 2;; level--) {
      unsigned shift = 12 + 9 * level; /* 30, 21, 12 */
      uint64_t span = 1UL << shift;
      uint64_t *slot = &table[(va >> shift) % TABLE_ENTRIES];
      if (level == 0 || (va % span == 0 && size >= span)) {
        if (*slot & PTE_V)
          return -1; /* two regions overlap: the map below is wrong */
        *slot = pte_of(va, leaf);
        va += span;
        size -= span;
        break;
      }
      if (!(*slot & PTE_V)) {
        uint64_t *next = new_table();
        if (!next)
          return -1;
        *slot = pte_of((uint64_t)(uintptr_t)next, PTE_V | PTE_G); /* next level */
      } else if (*slot & PTE_LEAF) {
        return -1; /* inside a larger page of an earlier region */
      }
      table = table_of(*slot);
    }
  }
  return 0;
}

int riscv_mmu_build(void) {
  uint64_t image = (uint64_t)(uintptr_t)__image_start;
  uint64_t rodata = (uint64_t)(uintptr_t)__rodata_start;
  uint64_t data = (uint64_t)(uintptr_t)__data_start;
  uint64_t ram_base = image - BRIGADE_TEXT_OFFSET;
  if (map(PAGE_SIZE, ram_base - PAGE_SIZE, PTE_R | PTE_W) != 0 ||
      map(image, rodata - image, PTE_R | PTE_X) != 0 ||
      map(rodata, data - rodata, PTE_R) != 0 || map(data, SV39_TOP - data, PTE_R | PTE_W) != 0)
    return -1;
  riscv_satp = SATP_MODE_SV39 | (uint64_t)(uintptr_t)mmu_tables[0] >> 12;
  return 0;
}

const char *riscv_mmu_region(uintptr_t addr) {
  extern char __heap_start[];
  if (addr < PAGE_SIZE)
    return "unmapped memory (the NULL page)";
  if (addr >= (uintptr_t)__image_start && addr < (uintptr_t)__rodata_start)
    return "read-only text";
  if (addr >= (uintptr_t)__rodata_start && addr < (uintptr_t)__data_start)
    return "read-only data";
  if (addr >= (uintptr_t)__image_start - BRIGADE_TEXT_OFFSET && addr < (uintptr_t)__image_start)
    return "unmapped memory (the firmware's reservation)";
  if (addr >= SV39_TOP)
    return "unmapped memory (beyond Sv39's reach)";
  if (addr >= (uintptr_t)__heap_start)
    return "the heap";
  if (addr >= (uintptr_t)__data_start)
    return "data";
  return "device memory";
}

/* Called by start.S, paging still off, when the map cannot be built. Nothing
 * else is set up (no console driver yet), so say it through the SBI's own
 * console (the legacy console_putchar every OpenSBI serves) and ask the
 * firmware to power off, reporting a failure. */
void riscv_mmu_failed(void) {
  for (const char *s = "\nPANIC during early boot: the Sv39 map in kernel/arch/riscv64/mmu.c "
                       "overlaps or needs more tables than it has\n";
       *s; s++)
    sbi_call(SBI_EXT_LEGACY_CONSOLE_PUTCHAR, 0, (unsigned char)*s, 0, 0);
  sbi_call(SBI_EXT_SRST, 0, SBI_SRST_SHUTDOWN, SBI_SRST_SYSTEM_FAILURE, 0);
  for (;;)
    __asm__ volatile("wfi");
}
