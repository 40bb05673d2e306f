/* Internal interface between AArch64 arch code (kernel/arch/aarch64,
 * boot/aarch64) and AArch64 boards. */
#ifndef BRIGADE_AARCH64_INTERNAL_H
#define BRIGADE_AARCH64_INTERNAL_H

/* Cores a spin table can release (MPIDR Aff0 0..7); start.S uses it too. */
#define AARCH64_SPIN_CORES 8

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

struct cpu;
struct trap_frame;

/* ---- what every AArch64 board provides -------------------------------------- */

enum mmu_kind {
  MMU_NORMAL, /**< RAM: write-back cacheable, inner shareable (exclusives work) */
  MMU_DEVICE, /**< MMIO: Device-nGnRnE, never executable */
};

/** One range of the identity map (or an alias, when va != pa). */
struct mmu_region {
  uint64_t va, pa, size; /**< 4 KiB aligned */
  enum mmu_kind kind;
  const char *name;
};

/** The board's memory map, mapped by mmu_build before the first C code of
 *  any consequence. Everything else is unmapped (page 0 included: NULL
 *  dereferences fault). */
extern const struct mmu_region board_mmu_regions[];
extern const unsigned board_mmu_nregions;

/** Handle one IRQ exception: acknowledge the interrupt controller, run the
 *  timer or IPI handler (irq_handler) or, for a device, irq_dispatch of its
 *  line, and signal the end. Interrupts masked. */
void board_irq_dispatch(void);

/** Raise the wake-up IPI on @p target / clear this core's pending one. */
void board_send_ipi(const struct cpu *target);
void board_clear_ipi(void);

/* ---- what arch code provides to boards -------------------------------------- */

/** Build the page tables for board_mmu_regions. MMU off; boot core only.
 *  @return 0, or -1 for a board bug: a region misaligned, overlapping an
 *          earlier one's block, or more tables than the pool holds. */
int mmu_build(void);

/** What the map holds at @p addr, for fault reports ("read-only text"). */
const char *aarch64_mmu_region(uintptr_t addr);

/** Per-core set-up common to every AArch64 board: timer compare off, PMU
 *  instruction counter on. Called from board_cpu_init. */
void aarch64_cpu_init(void);

/** Ticks per second of the generic timer (CNTFRQ_EL0, set by firmware). */
uint64_t aarch64_timer_frequency(void);

/** PSCI (firmware interface) over HVC or SMC, as the board says. */
enum psci_conduit { PSCI_HVC, PSCI_SMC };
/** @return 0 or a negative PSCI error code (see psci_error_name). */
long psci_cpu_on(enum psci_conduit conduit, uint64_t mpidr, uintptr_t entry, uintptr_t context);
/** @return the PSCI AFFINITY_INFO state (0 on, 1 off, 2 on pending) or an error. */
long psci_affinity_info(enum psci_conduit conduit, uint64_t mpidr);
const char *psci_error_name(long err);

/**
 * Semihosting SYS_EXIT_EXTENDED: under QEMU -semihosting the machine exits
 * with @p code. Without a semihosting host (no -semihosting, or real hardware
 * with no debugger attached) the hlt instruction is undefined; the trap is
 * caught and this returns SEMIHOSTING_NO_HOST so the caller can fall back.
 */
int semihosting_exit(int code);

/** board_exit for every AArch64 board: semihosting exit, else report the
 *  status on the console and park the core. */
__attribute__((noreturn)) void aarch64_exit(int code);

/** Entry points for secondary cores (boot/aarch64/start.S), at any EL with
 *  the MMU off. _secondary_start expects its struct cpu in x0 (PSCI
 *  context id); _secondary_spin_start finds it in aarch64_spin_cpus[] by
 *  MPIDR Aff0 (spin tables pass nothing). */
extern char _secondary_start[], _secondary_spin_start[];
extern struct cpu *aarch64_spin_cpus[AARCH64_SPIN_CORES];

/**
 * Release core @p cpu from an arm64 spin table (enable-method "spin-table"):
 * store _secondary_spin_start in its slot, table_va + 8 * MPIDR Aff0 (the
 * slot as the boot core can write it: page 0 is reached through an alias),
 * push it out of the cache and send an event.
 * @return 0, or -1 when the core has no slot.
 */
int spin_table_release(struct cpu *cpu, uintptr_t table_va);

/** What a core that never left its spin-table slot @p table_va had there. */
void spin_table_diagnose(const struct cpu *cpu, uintptr_t table_va, uintptr_t table_pa);

/** The exception level the boot core entered brigade at (1, 2 or 3). */
extern uint64_t aarch64_boot_el;

/** Print a trap frame (registers, ESR decoded) to the panic console. */
void aarch64_dump_frame(const struct trap_frame *tf);

#endif /* __ASSEMBLER__ */
#endif
