/**
 * @file arch.h
 * @brief The arch contract: everything portable code (kernel/, sched/) may
 *        ask of a CPU architecture, declared once.
 *
 * Each architecture implements these in kernel/arch/<arch>/. Portable code
 * includes only this header; the few functions that must be inline for
 * speed come from <arch_inline.h>, which each architecture provides in
 * kernel/arch/<arch>/include/ (Zephyr's kernel_arch_func.h plays the same
 * role). Nothing here names an ISA, a register or a device.
 */
#ifndef BRIGADE_ARCH_H
#define BRIGADE_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cpu;

/* ---- per-core identity (inline, see arch_inline.h) ---------------------- */

/** @brief The calling core's per-core structure, or NULL before it is set. */
static inline struct cpu *arch_this_cpu(void);

/** @brief Make @p cpu the calling core's per-core structure. */
static inline void arch_set_this_cpu(struct cpu *cpu);

/* ---- interrupts ---------------------------------------------------------- */

/** @brief Mask interrupts on this core; returns a token for arch_irq_restore. */
static inline unsigned long arch_irq_save(void);

/** @brief Restore the interrupt mask returned by arch_irq_save. The token
 *         is the arch's own (RISC-V: SIE as it was; AArch64: DAIF as it
 *         was, so 0 there means unmasked): code that needs a token meaning
 *         "stay masked" uses ARCH_IRQ_TOKEN_MASKED, never a literal. */
static inline void arch_irq_restore(unsigned long token);

/** @brief Unmask interrupts on this core. */
static inline void arch_irq_enable(void);

/** @brief True when interrupts are unmasked on this core. */
static inline bool arch_irq_enabled(void);

/* ---- waiting ------------------------------------------------------------- */

/** @brief Hint to the core that it is spinning (pause/yield hint). */
static inline void arch_cpu_relax(void);

/**
 * @brief Sleep until an interrupt is pending (wfi / wfe).
 *
 * Called with interrupts masked; returns with them still masked once one is
 * pending, so the caller can re-check its condition without a race.
 */
void arch_wait_for_interrupt(void);

/* ---- context switch ------------------------------------------------------ */

/**
 * @brief Save the caller's callee-saved state on its stack, publish the
 *        resulting stack pointer in @p *save_sp, and resume @p next_sp.
 *
 * The store to @p *save_sp is the last store of the save and has release
 * ordering: a core that reads a non-NULL value with acquire ordering sees the
 * whole saved context (the Zephyr switch_handle protocol).
 *
 * @return in the resumed context, the @p arg passed by whoever switched to it.
 */
void *arch_switch(void **save_sp, void *next_sp, void *arg);

/**
 * @brief Build the first frame of a task on the stack [stack_lo, stack_lo + size).
 *
 * Switching to the returned stack pointer calls @p entry(arg, switch_arg)
 * where switch_arg is the value passed to arch_switch. @p entry never returns.
 * The lowest ARCH_STACK_RESERVED bytes are not part of the usable stack:
 * the first word is the scheduler's overflow canary, the second is the
 * arch's own (the host keeps its sanitizer fiber there). Inline, and a leaf
 * on bare metal: the scheduler's plain switch builds a first run's frame
 * without a call of its own.
 */
static inline void *arch_init_stack(void *stack_lo, size_t size,
                                    void (*entry)(void *arg, void *switch_arg), void *arg);

#define ARCH_STACK_RESERVED 16

/**
 * @brief The calling core's exception_stack_top has just been given (boot
 *        core only, interrupts masked): start taking traps on it instead of
 *        the static early stack. Secondary cores install theirs in their boot
 *        path, before their first C code.
 */
void arch_exception_stack_ready(struct cpu *cpu);

/**
 * @brief The calling context holds no FP or SIMD value from here on: a
 *        core's scheduler loop about to sleep. It is the runtime's own code,
 *        which keeps no value in FP registers, but what it called (newlib's
 *        memcpy and memset use SIMD registers on AArch64) may have given it FP
 *        state. The arch stops saving FP registers for it at switches and
 *        interrupts until it uses FP again.
 */
void arch_forget_fp_state(void);

/*
 * ARCH_EXCEPTION_STACK_SIZE (arch_inline.h): bytes of each core's exception
 * stack (struct cpu's exception_stack_top), or 0 where the
 * arch takes every trap on the interrupted stack (the host, whose signals
 * are the C library's business).
 *
 * ARCH_STACK_EXTRA (arch_inline.h): bytes every task stack gets beyond the
 * size its task asked for, for frames the task does not make itself. 0 on
 * bare metal; the host under a sanitizer runs the sanitizer's interceptors,
 * fiber switches and reports on the task's stack.
 */

/**
 * @brief Called just before arch_switch with the stack of the context about
 *        to be resumed (NULL for a core's own scheduler stack). Lets
 *        sanitizers follow stack switches; a no-op on bare metal.
 */
static inline void arch_switch_hint(void *next_stack_lo, size_t size);

/** @brief The task stack [stack_lo, +size) is being freed or reused. */
static inline void arch_stack_release(void *stack_lo, size_t size);

/**
 * @brief arch_switch away from a context that will never be resumed (its
 *        task has exited; the context switched to releases its stack).
 *
 * Resumes @p next_sp as arch_switch does. Nothing of the dead context is
 * saved, and @p *save_sp need not be written (the scheduler left it NULL
 * when the task began to run, and nothing reads it again): bare metal only
 * loads the next context, and forgets the dead one's FP registers. The
 * host's ThreadSanitizer build first unwinds the dead context's shadow call
 * stack, so the sanitizer state that went with the stack can be reused.
 */
static inline __attribute__((noreturn)) void arch_switch_final(void **save_sp, void *next_sp,
                                                               void *arg);

/* ---- time ---------------------------------------------------------------- */

/** @brief Monotonic counter (ticks since reset). */
static inline uint64_t arch_now_ticks(void);

/** @brief arch_now_ticks without the barrier that keeps the read after the
 *         instructions before it: it may be taken early, so it may be a
 *         little old. Only for a hint that errs the safe way when old (is a
 *         timer due yet?). */
static inline uint64_t arch_now_ticks_unordered(void);

/** @brief Ticks per second of arch_now_ticks, set by arch_time_init. */
uint64_t arch_tick_hz(void);

/** @brief @p ms milliseconds in ticks of arch_now_ticks, rounded down: the
 *         length of a bounded wait or poll. Exact for any tick rate, and
 *         without overflow up to 2^64 / arch_tick_hz() ms (213 days at 1 GHz). */
static inline uint64_t arch_ms_to_ticks(uint64_t ms) { return arch_tick_hz() * ms / 1000; }

/** @brief How the timer compare is programmed, for the boot log (", via Sstc"). */
const char *arch_timer_description(void);

/** @brief Program this core's timer to interrupt at @p deadline_ticks (UINT64_MAX: never). */
void arch_timer_set(uint64_t deadline_ticks);

/* ---- inter-core ---------------------------------------------------------- */

/** @brief Raise a software interrupt on @p target (a wake-up IPI). */
void arch_send_ipi(const struct cpu *target);

/** @brief Acknowledge a pending wake-up IPI on this core. */
void arch_clear_ipi(void);

/**
 * @brief True when a running task can be preempted by the timer interrupt
 *        (always on bare metal; not on the host under the sanitizers).
 */
bool arch_can_preempt(void);

/* ---- cycle and instruction counters (benchmarks) ------------------------- */

/** @brief Instructions retired on this core (or 0 where not available). */
static inline uint64_t arch_instructions_retired(void);

/**
 * @brief arch_instructions_retired() as the trap handler read it when it took
 *        this core's last device interrupt, before any C dispatch (0 where the
 *        arch does not record it): where the "device interrupt to parked task
 *        running" benchmark starts counting.
 */
uint64_t arch_last_device_irq_instret(void);

#include <arch_inline.h>

#endif /* BRIGADE_ARCH_H */
