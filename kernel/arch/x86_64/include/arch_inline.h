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

extern __thread struct host_core_state host_core;

/* The calling thread's host_core, found through %fs afresh on every call.
 * A task can switch away inside a function and resume on another core's
 * thread, but GCC takes the thread pointer for a constant within a function
 * and may keep &host_core in a register across the call that switched: it
 * did in host_deliver_pending's loop, which then went on reading the first
 * thread's irq_pending and writing its irq_masked, spinning for ever or
 * unmasking another core in the middle of its scheduler. A volatile asm is
 * never merged or hoisted. (RISC-V reads tp the same way, for the same
 * reason.) */
static inline struct host_core_state *host_core_self(void) {
  struct host_core_state *self;
  __asm__ volatile("movq %%fs:0, %0\n\taddq $host_core@tpoff, %0" : "=r"(self));
  return self;
}

#define HOST_GET(field) __atomic_load_n(&host_core_self()->field, __ATOMIC_RELAXED)
#define HOST_SET(field, v) __atomic_store_n(&host_core_self()->field, (v), __ATOMIC_RELAXED)

void host_deliver_pending(void);

static inline struct cpu *arch_this_cpu(void) { return host_core_self()->cpu; }

static inline void arch_set_this_cpu(struct cpu *cpu) { host_core_self()->cpu = cpu; }

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

/* The token of a thread whose "interrupts" were masked (arch.h). */
#define ARCH_IRQ_TOKEN_MASKED 0

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

/* The read needs no barrier here: the same as arch_now_ticks. */
static inline uint64_t arch_now_ticks_unordered(void) { return arch_now_ticks(); }

static inline uint64_t arch_instructions_retired(void) { return 0; /* not on the host */ }

#define ARCH_EXCEPTION_STACK_SIZE 0 /* signals are the C library's business */

/* Under a sanitizer its runtime's frames share each task's stack: the
 * interceptors of the calls the scheduler makes (a TSan mutex or fiber
 * switch records a stack trace), its fiber switches, its reports. A 4 KiB
 * task stack under TSan once ended in "ThreadSanitizer:DEADLYSIGNAL ...
 * nested bug" in test_sched at 4 cores on a loaded host. */
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define ARCH_STACK_EXTRA (16 * 1024)
#else
#define ARCH_STACK_EXTRA 0
#endif

/* Guarded task stacks in a region the host reserves with mmap when the
 * first core starts (kernel/arch/x86_64/host_stack_slot.c): its base is
 * known only then. 64 GiB of address space, as on bare metal. */
#define ARCH_HAS_STACK_SLOTS 1
extern uintptr_t host_stack_region_base;
#define ARCH_STACK_REGION_BASE host_stack_region_base
#define ARCH_STACK_REGION_SIZE (64UL << 30)

void host_switch_hint(void *next_stack_lo, size_t size);
void host_stack_release(void *stack_lo, size_t size);

static inline void arch_switch_hint(void *next_stack_lo, size_t size) {
  host_switch_hint(next_stack_lo, size);
}

static inline void arch_stack_release(void *stack_lo, size_t size) {
  host_stack_release(stack_lo, size);
}

void arch_task_trampoline(void);
void host_task_first_run(void (*entry)(void *, void *), void *arg, void *switch_arg);

/* A new task's first frame, popped by arch_switch_raw: FP control words
 * (MXCSR 0x1f80 and the x87 control word 0x037f, their defaults), r15,
 * r14, r13, r12, rbx, rbp, return address. 8 words, so the trampoline
 * starts with rsp 16-byte aligned, as a call needs. */
static inline void *host_first_frame(void *stack_lo, size_t size,
                                     void (*entry)(void *arg, void *switch_arg), void *arg) {
  uintptr_t top = ((uintptr_t)stack_lo + size) & ~(uintptr_t)15;
  uint64_t *frame = (uint64_t *)top - 8;
  frame[0] = (uint64_t)0x037f << 32 | 0x1f80;                 /* MXCSR, x87 CW */
  frame[1] = 0;                                               /* r15 */
  frame[2] = (uint64_t)(uintptr_t)entry;                      /* r14 */
  frame[3] = (uint64_t)(uintptr_t)arg;                        /* r13 */
  frame[4] = (uint64_t)(uintptr_t)host_task_first_run;        /* r12 */
  frame[5] = 0;                                               /* rbx */
  frame[6] = 0;                                               /* rbp */
  frame[7] = (uint64_t)(uintptr_t)arch_task_trampoline;       /* return address */
  return frame;
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
void *host_init_stack(void *stack_lo, size_t size, void (*entry)(void *arg, void *switch_arg),
                      void *arg);

/* Out of line under a sanitizer: its bookkeeping for a reused stack. */
static inline void *arch_init_stack(void *stack_lo, size_t size,
                                    void (*entry)(void *arg, void *switch_arg), void *arg) {
  return host_init_stack(stack_lo, size, entry, arg);
}
#else
static inline void *arch_init_stack(void *stack_lo, size_t size,
                                    void (*entry)(void *arg, void *switch_arg), void *arg) {
  return host_first_frame(stack_lo, size, entry, arg);
}
#endif

__attribute__((noreturn)) void host_switch_final(void **save_sp, void *next_sp, void *arg);

static inline void arch_switch_final(void **save_sp, void *next_sp, void *arg) {
  host_switch_final(save_sp, next_sp, arg);
}

#endif
