/* The identity map every AArch64 board runs on (4 KiB granule, 39-bit
 * virtual addresses, walks from level 1).
 *
 * Why the MMU is on at all, before anything else: with it off every data
 * access is Device-nGnRnE, and on a real Cortex-A53 load/store-exclusive
 * only works on Normal cacheable memory, so the first spinlock would hang.
 * Caches come on with it, which makes cores coherent.
 *
 * mmu_build runs on the boot core with the MMU still off (called from
 * boot/aarch64/start.S), so this file must do nothing that Device memory
 * forbids: no unaligned accesses (the tree is built with -mstrict-align),
 * no exclusives, no DC ZVA (no memset). The tables live in .bss, already
 * zero. Each region gets the largest blocks its alignment allows (1 GiB,
 * 2 MiB, else 4 KiB pages); anything not listed stays unmapped, page 0
 * included, so a NULL dereference faults.
 *
 * W^X: Normal memory is read-write and never executable (PXN), except the
 * kernel image's own pages, split out of the RAM region that holds them at
 * the linker's 4 KiB boundaries (linker/aarch64.ld): text read-only and
 * executable, rodata read-only, data, .bss and the rest read-write. Device
 * memory is never executable. Only the 2 MiB stretches holding a boundary
 * get a table of 4 KiB pages, so changing one page later (a stack guard)
 * is a matter of walking to its leaf, splitting a block on the way.
 *
 * The task-stack region (ARCH_STACK_REGION_*, 448 to 512 GiB) is not part
 * of the identity map: its tables are made at run time as stack slots are
 * carved (arch_stack_map_page, for kernel/stack_slot_paging.c), and a board region
 * that overlaps it is refused.
 */
#include <malloc.h>
#include <stdint.h>
#include <string.h>

#include <brigade/stack_slot.h>

#include "aarch64.h"

#define TABLE_ENTRIES 512
#define MMU_TABLES 16 /* a root and 15 next-level tables: plenty for every board's map */

#define DESC_VALID (1UL << 0)
#define DESC_TABLE (1UL << 1) /* levels 1-2: next table; level 3: page */
#define DESC_ATTR(idx) ((uint64_t)(idx) << 2)
#define DESC_SH_INNER (3UL << 8)
#define DESC_AP_RO (1UL << 7) /* AP[2]: read-only at EL1 */
#define DESC_AF (1UL << 10)
#define DESC_PXN (1UL << 53)
#define DESC_UXN (1UL << 54)
#define DESC_ADDR_MASK 0x0000fffffffff000UL

/* MAIR_EL1 indexes; boot/aarch64/start.S programs MAIR to match. */
#define MAIR_IDX_DEVICE 0 /* 0x00: Device-nGnRnE */
#define MAIR_IDX_NORMAL 1 /* 0xff: Normal, write-back read/write-allocate */

uint64_t mmu_tables[MMU_TABLES][TABLE_ENTRIES] __attribute__((aligned(4096)));
static unsigned tables_used = 1; /* mmu_tables[0] is the root (level 1) */

static uint64_t *new_table(void) {
  return tables_used < MMU_TABLES ? mmu_tables[tables_used++] : 0;
}

/* Linker symbols (linker/aarch64.ld): the image's permission boundaries. */
extern char __image_start[], __rodata_start[], __data_start[];

static uint64_t attributes(enum mmu_kind kind) {
  if (kind == MMU_DEVICE)
    return DESC_ATTR(MAIR_IDX_DEVICE) | DESC_AF | DESC_PXN | DESC_UXN;
  /* EL0 never runs, so nothing is executable there; EL1 executes only the
   * image's text (map_normal). */
  return DESC_ATTR(MAIR_IDX_NORMAL) | DESC_SH_INNER | DESC_AF | DESC_UXN | DESC_PXN;
}

static int map(uint64_t va, uint64_t pa, uint64_t size, uint64_t attrs) {
  while (size) {
    uint64_t *table = mmu_tables[0];
    for (unsigned level = 1;; level++) {
      unsigned shift = 39 - 9 * level; /* 30, 21, 12 */
      uint64_t span = 1UL << shift;
      uint64_t *slot = &table[(va >> shift) % TABLE_ENTRIES];
      if (level == 3 || ((va | pa) % span == 0 && size >= span)) {
        *slot = pa | attrs | DESC_VALID | (level == 3 ? DESC_TABLE : 0);
        va += span;
        pa += span;
        size -= span;
        break;
      }
      if (!(*slot & DESC_VALID)) {
        uint64_t *next = new_table();
        if (!next)
          return -1;
        *slot = (uint64_t)(uintptr_t)next | DESC_TABLE | DESC_VALID;
      } else if (!(*slot & DESC_TABLE)) {
        return -1; /* overlaps a block of an earlier region: the board's map is wrong */
      }
      table = (uint64_t *)(uintptr_t)(*slot & DESC_ADDR_MASK);
    }
  }
  return 0;
}

/* Map the part of [va, end) that lies in [lo, hi) with @p attrs. */
static int map_part(uint64_t va, uint64_t end, uint64_t lo, uint64_t hi, uint64_t attrs) {
  lo = lo > va ? lo : va;
  hi = hi < end ? hi : end;
  return lo < hi ? map(lo, lo, hi - lo, attrs) : 0;
}

/* Normal memory, identity-mapped: the image's text and rodata get their own
 * permissions, everything else in it stays read-write, never executable. */
static int map_normal(const struct mmu_region *r) {
  uint64_t rw = attributes(MMU_NORMAL);
  uint64_t image = (uint64_t)(uintptr_t)__image_start;
  uint64_t rodata = (uint64_t)(uintptr_t)__rodata_start;
  uint64_t data = (uint64_t)(uintptr_t)__data_start;
  uint64_t end = r->va + r->size;
  if (r->va != r->pa || image >= end || data <= r->va)
    return map(r->va, r->pa, r->size, rw);
  return map_part(r->va, end, r->va, image, rw) != 0 ||
                 map_part(r->va, end, image, rodata, (rw & ~DESC_PXN) | DESC_AP_RO) != 0 ||
                 map_part(r->va, end, rodata, data, rw | DESC_AP_RO) != 0 ||
                 map_part(r->va, end, data, end, rw) != 0
             ? -1
             : 0;
}

int mmu_build(void) {
  for (unsigned i = 0; i < board_mmu_nregions; i++) {
    const struct mmu_region *r = &board_mmu_regions[i];
    if ((r->va | r->pa | r->size) % 4096 != 0 || r->va + r->size > (1UL << 39) ||
        r->va + r->size > ARCH_STACK_REGION_BASE)
      return -1; /* misaligned, beyond the 39-bit map, or into the stack region */
    if (r->kind == MMU_NORMAL ? map_normal(r) != 0
                              : map(r->va, r->pa, r->size, attributes(r->kind)) != 0)
      return -1;
  }
  return 0;
}

const char *aarch64_mmu_region(uintptr_t addr) {
  extern char __heap_start[];
  if (addr < 4096)
    return "unmapped memory (the NULL page)";
  if (addr >= (uintptr_t)__image_start && addr < (uintptr_t)__rodata_start)
    return "read-only text";
  if (addr >= (uintptr_t)__rodata_start && addr < (uintptr_t)__data_start)
    return "read-only data";
  if (stack_slot_region_has(addr))
    return "the task-stack region";
  for (unsigned i = 0; i < board_mmu_nregions; i++) {
    const struct mmu_region *r = &board_mmu_regions[i];
    if (addr >= r->va && addr - r->va < r->size) {
      if (r->kind == MMU_DEVICE)
        return "device memory";
      return addr >= (uintptr_t)__heap_start ? "the heap"
             : addr >= (uintptr_t)__data_start ? "data"
                                                : "RAM";
    }
  }
  return "unmapped memory";
}

/* ---- the task-stack region (kernel/stack_slot_paging.c) ------------------------
 *
 * The only change ever made to its tables is invalid -> valid, which the
 * architecture lets a core make without any TLB invalidation: a translation
 * fault is never cached in a TLB (Arm ARM, D8.13 "translation lookaside
 * buffers": only valid translations are cached). What the new entries need
 * is to be visible to page-table walkers before anything uses them: the
 * DSB below (inner shareable: every core's walker) completes the stores,
 * and the ISB makes this core's later accesses walk afresh. */

/* The level-3 entry for @p va, making the tables on the way (@p make). */
static uint64_t *stack_leaf(uintptr_t va, bool make) {
  uint64_t *table = mmu_tables[0];
  for (unsigned level = 1; level < 3; level++) {
    uint64_t *slot = &table[(va >> (39 - 9 * level)) % TABLE_ENTRIES];
    if (!(*slot & DESC_VALID)) {
      if (!make)
        return NULL;
      uint64_t *next = stack_slot_table_page(); /* zeroed */
      if (!next)
        return NULL;
      /* The zeroes are complete before the walker can reach the table: the
       * DSB in arch_stack_map_page orders them, and the entry that points
       * here, before any walk that uses it. */
      *slot = (uint64_t)(uintptr_t)next | DESC_TABLE | DESC_VALID;
    }
    table = (uint64_t *)(uintptr_t)(*slot & DESC_ADDR_MASK);
  }
  return &table[(va >> 12) % TABLE_ENTRIES];
}

/* An invalid level-3 entry inside a reservation: bit 0 clear (the walker
 * ignores every other bit of an invalid descriptor), a software bit set. */
#define DESC_RESERVED (1UL << 55)

int arch_stack_reserve(uintptr_t lo, size_t size) {
  for (uintptr_t va = lo; va < lo + size; va += 4096) {
    uint64_t *leaf = stack_leaf(va, true);
    if (!leaf)
      return -1;
    /* A plain store: invalid before and after. Another core's fault
     * handler reads it only for a task published to it after this, through
     * the scheduler's release/acquire. */
    *leaf = DESC_RESERVED;
  }
  return 0;
}

bool arch_stack_map_page(uintptr_t va, uintptr_t pa) {
  uint64_t *leaf = stack_leaf(va, false);
  uint64_t expected = DESC_RESERVED;
  /* reserved -> valid, once (a CAS: two cores faulting on one page map only
   * one there). Relaxed: the barriers below order it for the walkers. */
  if (!leaf || !__atomic_compare_exchange_n(
                   leaf, &expected, pa | attributes(MMU_NORMAL) | DESC_TABLE | DESC_VALID, false,
                   __ATOMIC_RELAXED, __ATOMIC_RELAXED))
    return false; /* level 3: DESC_TABLE | DESC_VALID is a page */
  /* invalid -> valid needs no TLBI (no TLB holds a translation fault). DSB
   * ISHST: the entry's store completes for every core's walker before
   * anything after it (another core that raced it and faulted re-walks,
   * arch_stack_refetch); ISB: this core's next access to va is translated
   * after it (the handler's ERET would be a context synchronization event
   * too, but the ISB keeps the guarantee for callers outside a handler,
   * the top page of a new slot). */
  __asm__ volatile("dsb ishst\n\tisb" ::: "memory");
  return true;
}

uintptr_t arch_stack_unmap_page(uintptr_t va) {
  uint64_t *leaf = stack_leaf(va, false);
  if (!leaf)
    return 0;
  uint64_t desc = *leaf;
  *leaf = 0;
  return desc & DESC_VALID ? (uintptr_t)(desc & DESC_ADDR_MASK) : 0;
}

void arch_stack_publish(uintptr_t lo, size_t size) {
  /* Nothing to do: no core caches a translation fault, and the DSB of
   * arch_stack_map_page made the entries visible to every walker. */
  (void)lo;
  (void)size;
}

void arch_stack_shootdown(void) {
  /* The break-before-make sequence for removed entries: DSB ISHST completes
   * the cleared entries for every walker; TLBI VMALLE1IS invalidates every
   * EL1 translation on every core of the inner-shareable domain (a
   * broadcast in hardware, no interrupt needed, so safe with any core's
   * interrupts masked); DSB ISH waits until every core has completed it;
   * ISB resynchronises this core. */
  __asm__ volatile("dsb ishst\n\t"
                   "tlbi vmalle1is\n\t"
                   "dsb ish\n\t"
                   "isb" ::: "memory");
}

enum stack_page_state arch_stack_page_state(uintptr_t va) {
  uint64_t *leaf = stack_leaf(va, false);
  uint64_t desc = leaf ? __atomic_load_n(leaf, __ATOMIC_RELAXED) : 0;
  return desc & DESC_VALID            ? STACK_PAGE_MAPPED
         : desc == DESC_RESERVED      ? STACK_PAGE_RESERVED
                                      : STACK_PAGE_NONE;
}

void arch_stack_refetch(uintptr_t va) {
  /* Nothing is cached for a fault; a walk that raced the mapping core's
   * DSB simply walks again after this ISB. */
  (void)va;
  __asm__ volatile("isb" ::: "memory");
}
