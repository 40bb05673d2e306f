/**
 * @file cpu.h
 * @brief Per-core state (the M of Go's G/M/P). One per core, allocated at
 *        boot from the core count the device tree gives.
 */
#ifndef BRIGADE_CPU_H
#define BRIGADE_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include <arch_structs.h>
#include <brigade/arch.h>

#define CACHE_LINE 64

struct _reent;
struct machine;
struct sched_cpu;
struct trace_ring;

struct cpu {
  /** Top of this core's boot stack. Must stay first: boot/<arch> asm reads it
   * at offset 0 (checked by a static assert in kernel/cpu.c). */
  void *boot_stack_top;
  /** Top of this core's exception stack, where the arch's trap entry puts
   * the frame of every exception (a fault, a breakpoint), so that a task
   * whose stack is exhausted is reported rather than faulting again on its
   * own frame. NULL where the arch has none (ARCH_EXCEPTION_STACK_SIZE 0) and
   * before boot allocates it; the trap entry then uses a static early one.
   * Must stay second: kernel/arch/<arch> asm reads it at offset 8 (checked
   * by a static assert in kernel/cpu.c). */
  void *exception_stack_top;
  void *boot_stack; /**< the allocation boot_stack_top is the top of */
  unsigned index;   /**< the core number, 0 .. cpu_count()-1 (the only copy of it) */
  uint64_t hw_id;   /**< hart id (RISC-V) or MPIDR affinity (AArch64) */
  struct _reent *reent; /**< newlib state for code running outside tasks */
  unsigned online;      /**< set once the core has reported in */
  /** What the architecture keeps per core (kernel/arch/<arch>/include/
   *  arch_structs.h); only kernel/arch/<arch>/ reads or writes it. */
  struct arch_cpu arch;
#ifdef BRIGADE_LOCK_VALIDATE
  /** Spinlocks this core holds, newest first, linked through the locks;
   *  only this core touches it, with interrupts masked. */
  struct spinlock *locks_held;
#endif
  /** The scheduler's state for this core (sched/ allocates it and alone
   *  knows its layout: the layer above the kernel's per-core state). */
  struct sched_cpu *sched;
  /** This core's execution-trace ring (kernel/trace.c), NULL until tracing
   *  first starts; written only by this core, read by anyone. */
  struct trace_ring *trace;
  /** Ticks spent in device interrupt handlers here while CPU accounting is
   *  on (irq_dispatch); written by this core only. */
  uint64_t irq_ticks;
  /** Free pages for growing task stacks (kernel/stack_slot_paging.c): only this
   *  core's page-fault handler takes and puts them, interrupts masked. The
   *  size is STACK_SLOT_PAGE_CACHE (asserted there). */
  void *stack_pages[16];
  unsigned nstack_pages;
  /** Page faults that grew a task stack on this core: written only by its
   *  fault handler (interrupts masked), read by anyone (relaxed). */
  uint64_t stack_growth_faults;
} __attribute__((aligned(CACHE_LINE)));

/** Nonzero once CPU accounting is on (cpu_accounting_start): run time per
 *  task and per core, and interrupt time, cost a clock read per switch and
 *  per device interrupt, so programs that want them ask. */
extern uint32_t cpu_accounting;

/** @brief Turn CPU accounting on for good (idempotent). */
void cpu_accounting_start(void);

/** @brief The calling core. */
static inline struct cpu *this_cpu(void) { return arch_this_cpu(); }

/** @brief Number of cores brigade runs on (from the device tree). */
unsigned cpu_count(void);

/** @brief Core number @p index (0 .. cpu_count()-1). */
struct cpu *cpu_get(unsigned index);

/** @brief The calling core's number (this_cpu()->index), or 0 before per-core state exists. */
unsigned cpu_index(void);

/**
 * @brief Allocate one struct cpu per usable core of @p m (boot only); returns
 *        the boot core's, or NULL when there is no memory for them.
 */
struct cpu *cpus_create(const struct machine *m, uint64_t boot_hw_id);

#endif
