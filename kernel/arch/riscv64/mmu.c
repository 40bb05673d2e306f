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
 *   [data, 192 GiB)             read-write, never executable: data, .bss,
 *                               the boot stack, the heap (and the heap
 *                               stacks of tasks that ask for them), the
 *                               rest of RAM, and any device above
 *   [192 GiB, 256 GiB)          the task-stack region (ARCH_STACK_REGION_*):
 *                               not identity-mapped; slots of stack pages
 *                               above unmapped guards, mapped at run time
 *                               by arch_stack_map_page (kernel/stack_slot_paging.c)
 *
 * RISC-V keeps memory types in the physical memory attributes (PMAs) of each
 * address, not in the page table (without Svpbmt), so "device memory" is a
 * readable, writable, non-executable mapping of a device's address like any
 * other: every MMIO window a board or driver may touch (UART, PLIC/CLINT,
 * AIA APLIC/IMSIC, virtio-mmio, RTC, the test/exit device) stays reachable,
 * whatever the device tree says, since nothing here depends on it. The map
 * needs no knowledge of RAM's size and is built before the first C code that
 * reads the device tree. Sv39 reaches physical addresses below 192 GiB by
 * identity; nothing brigade drives lies above.
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
#include <malloc.h>
#include <stdint.h>
#include <string.h>

#include <brigade/panic.h>
#include <brigade/stack_slot.h>
#include <sbi.h>

#include "riscv.h"

#define TABLE_ENTRIES 512
/* A root, the table of the first GiB and its first 2 MiB (page 0), the
 * table of the GiB holding the image and one 4 KiB table per region
 * boundary in it (three), with room for a board whose RAM base is not
 * GiB-aligned: mmu_build fails loudly rather than run out silently. */
#define MMU_TABLES 12
#define PAGE_SIZE 4096UL
#define SV39_TOP (1UL << 38) /* what the lower half of Sv39 reaches */
#define IDENTITY_TOP ARCH_STACK_REGION_BASE /* identity-mapped addresses stay below this */
_Static_assert(ARCH_STACK_REGION_BASE + ARCH_STACK_REGION_SIZE <= SV39_TOP &&
                   ARCH_STACK_REGION_BASE % (1UL << 30) == 0,
               "the stack region is whole GiBs of Sv39's lower half");

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
      map(rodata, data - rodata, PTE_R) != 0 || map(data, IDENTITY_TOP - data, PTE_R | PTE_W) != 0)
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
  if (addr >= IDENTITY_TOP)
    return "the task-stack region";
  if (addr >= (uintptr_t)__heap_start)
    return "the heap";
  if (addr >= (uintptr_t)__data_start)
    return "data";
  return "device memory";
}

/* ---- the task-stack region (kernel/stack_slot_paging.c) ------------------------
 *
 * Its tables are made at run time, from the heap, as slots are carved; the
 * only change ever made to them is invalid -> valid (stack_slot_paging.c says why
 * that is the whole TLB story). */

/* The leaf entry for @p va, making the tables on the way (@p make), or NULL. */
static uint64_t *stack_leaf(uintptr_t va, bool make) {
  uint64_t *table = mmu_tables[0];
  for (unsigned level = 2; level > 0; level--) {
    uint64_t *slot = &table[(va >> (12 + 9 * level)) % TABLE_ENTRIES];
    if (!(*slot & PTE_V)) {
      if (!make)
        return NULL;
      uint64_t *next = stack_slot_table_page(); /* zeroed */
      if (!next)
        return NULL;
      /* Plain stores: the walker reads the zeroed table only through the
       * entry written next, and the sfence.vma in arch_stack_map_page
       * orders both before this hart's walks (the privileged spec: an
       * SFENCE.VMA orders the hart's earlier stores to the tables before
       * its later implicit reads of them). Other harts read the entry only
       * for a task published to them after this, through the scheduler's
       * release/acquire, after which their own sfence.vma (the top page's
       * arch_stack_publish on every hart, a growth fault's local one) orders
       * the stores already visible to them before their walks; a hart that
       * walked too early and cached "invalid" faults, and stack_slot_fault
       * retries after arch_stack_refetch. */
      *slot = pte_of((uint64_t)(uintptr_t)next, PTE_V | PTE_G);
    }
    table = table_of(*slot);
  }
  return &table[(va >> 12) % TABLE_ENTRIES];
}

/* An invalid leaf entry inside a reservation: V clear (the walker ignores
 * every other bit of it), one of the two bits the privileged spec leaves
 * to software (RSW, bit 8) set. */
#define PTE_RESERVED (1UL << 8)

int arch_stack_reserve(uintptr_t lo, size_t size) {
  for (uintptr_t va = lo; va < lo + size; va += PAGE_SIZE) {
    uint64_t *leaf = stack_leaf(va, true);
    if (!leaf)
      return -1;
    /* A plain store: the entry is invalid before and after, so a walker
     * that reads it either way faults the same. The fault handler of
     * another hart reads it only for a task whose first run was published
     * to that hart through the scheduler's release/acquire, after this. */
    *leaf = PTE_RESERVED;
  }
  return 0;
}

bool arch_stack_map_page(uintptr_t va, uintptr_t pa) {
  uint64_t *leaf = stack_leaf(va, false);
  uint64_t expected = PTE_RESERVED;
  /* reserved -> valid, once: a CAS, so that two harts faulting on the
   * same page cannot map two pages there (relaxed: the sfence.vma below is
   * what orders the entry before this hart's walks; other harts reach the
   * page only through a task or object published to them after this,
   * through the scheduler's or the object's release/acquire). */
  if (!leaf || !__atomic_compare_exchange_n(leaf, &expected,
                                            pte_of(pa, PTE_R | PTE_W | PTE_V | PTE_A | PTE_D | PTE_G),
                                            false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
    return false;
  /* Order the new entry before this hart's next walk of va, and drop an
   * "invalid" it may have cached for it (the privileged spec: SFENCE.VMA
   * orders the hart's earlier stores to the tables before its later
   * implicit reads of them): one address, every address space (brigade has
   * one, and the entries are global). Local only: another hart that cached
   * "invalid" for va takes a spurious fault there, finds the entry valid
   * and flushes its own entry (arch_stack_refetch); no IPI is needed, so a
   * growth fault costs no more than a few dozen instructions of its own. */
  __asm__ volatile("sfence.vma %0, zero" ::"r"(va) : "memory");
  return true;
}

uintptr_t arch_stack_unmap_page(uintptr_t va) {
  uint64_t *leaf = stack_leaf(va, false);
  if (!leaf)
    return 0;
  uint64_t pte = *leaf;
  *leaf = 0;
  return pte & PTE_V ? (uintptr_t)((pte >> PTE_PPN_SHIFT) << 12) : 0;
}

#define SBI_EXT_RFENCE 0x52464E43 /* "RFNC" */
#define SBI_RFENCE_REMOTE_SFENCE_VMA 1

/* SBI remote sfence.vma on every hart (hart_mask_base -1, this hart
 * included) over [start, start + size), or the whole address space for
 * 0, 0. The call returns only when each hart has executed it; the firmware
 * reaches each hart by a machine-mode interrupt, which a hart in S-mode
 * takes even with its interrupts masked, so this is safe from any context.
 * The caller's stores to the tables must be visible to every hart before
 * any of them flushes, or a walk after its flush could still read the old
 * entry: fence rw, rw orders them before the ecall and so before the IPIs
 * the firmware sends (OpenSBI, like Linux's callers of it, relies on this
 * order). */
static void sfence_vma_every_hart(uintptr_t start, size_t size, const char *why) {
  __asm__ volatile("fence rw, rw" ::: "memory");
  /* hart_mask 0 with hart_mask_base -1: every hart. */
  struct sbiret r = sbi_call4(SBI_EXT_RFENCE, SBI_RFENCE_REMOTE_SFENCE_VMA, 0, -1UL, start, size);
  /* Without the fence on every hart there is nothing sound to fall back
   * on. */
  if (r.error != 0)
    panic("the SBI refused the remote sfence.vma needed %s (%s)", why, sbi_error_name(r.error));
  /* And this hart, whatever the firmware did for it. */
  __asm__ volatile("sfence.vma" ::: "memory");
}

void arch_stack_publish(uintptr_t lo, size_t size) {
  /* A hart may have cached "invalid" for these addresses (the privileged
   * spec allows it, though no hart that walked them can have seen anything
   * but an invalid entry: they were never mapped before). Left there, the
   * task takes a spurious page fault on its first touch on that hart, which
   * stack_slot_fault retries after a local sfence.vma; every touch of a
   * task stack survives one, the interrupt entry's included (trap_entry.S).
   * So no remote fence: it would cost an SBI call that interrupts every
   * hart, for each new slot (a thousand new slots at once took minutes on
   * an emulated 8-hart machine). This hart's own sfence.vma was done by
   * arch_stack_map_page. */
  (void)lo;
  (void)size;
}

void arch_stack_shootdown(void) {
  sfence_vma_every_hart(0, 0, "to free stack pages");
}

enum stack_page_state arch_stack_page_state(uintptr_t va) {
  uint64_t *leaf = stack_leaf(va, false);
  uint64_t pte = leaf ? __atomic_load_n(leaf, __ATOMIC_RELAXED) : 0;
  return pte & PTE_V ? STACK_PAGE_MAPPED : pte == PTE_RESERVED ? STACK_PAGE_RESERVED : STACK_PAGE_NONE;
}

void arch_stack_refetch(uintptr_t va) {
  /* This hart cached "invalid" for a page another hart has mapped since
   * (the store is visible: the fault handler just read it). */
  __asm__ volatile("sfence.vma %0, zero" ::"r"(va) : "memory");
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
