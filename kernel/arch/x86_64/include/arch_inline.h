/* The host board's inline part of the arch contract: each core is a
 * pthread, "interrupts" are the host's timer signal, masked by a per-thread
 * flag (see kernel/arch/x86_64/host_arch.c). */
#ifndef BRIGADE_HOST_ARCH_INLINE_H
#define BRIGADE_HOST_ARCH_INLINE_H

#include <stdint.h>
#include <time.h>

/* irq_masked and irq_pending are shared with the signal handler on the same
 * thread, so they are atomics (relaxed: one thread only; the signal fences
 * order them against the surrounding code). */
struct host_core_state {
  struct cpu *cpu;
  int irq_masked;  /* our "interrupt enable" bit, inverted */
  int irq_pending; /* a signal arrived while masked */
};

#define HOST_GET(field) __atomic_load_n(&host_core.field, __ATOMIC_RELAXED)
#define HOST_SET(field, v) __atomic_store_n(&host_core.field, (v), __ATOMIC_RELAXED)

extern __thread struct host_core_state host_core;

void host_deliver_pending(void);

static inline struct cpu *arch_this_cpu(void) { return host_core.cpu; }

static inline void arch_set_this_cpu(struct cpu *cpu) { host_core.cpu = cpu; }

static inline unsigned long arch_irq_save(void) {
  unsigned long was_enabled = !HOST_GET(irq_masked);
  HOST_SET(irq_masked, 1);
  /* Orders the flag against the signal handler on this thread, and keeps
   * the compiler from moving the critical section's accesses above it. */
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  return was_enabled;
}

static inline void arch_irq_enable(void) {
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  HOST_SET(irq_masked, 0);
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  if (HOST_GET(irq_pending))
    host_deliver_pending();
}

static inline void arch_irq_restore(unsigned long token) {
  if (token)
    arch_irq_enable();
}

static inline bool arch_irq_enabled(void) { return !HOST_GET(irq_masked); }

static inline void arch_cpu_relax(void) { __builtin_ia32_pause(); }

static inline uint64_t arch_now_ticks(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t arch_instructions_retired(void) { return 0; /* not on the host */ }

void host_switch_hint(void *next_stack_lo, size_t size);
void host_stack_release(void *stack_lo, size_t size);

static inline void arch_switch_hint(void *next_stack_lo, size_t size) {
  host_switch_hint(next_stack_lo, size);
}

static inline void arch_stack_release(void *stack_lo, size_t size) {
  host_stack_release(stack_lo, size);
}

#endif
