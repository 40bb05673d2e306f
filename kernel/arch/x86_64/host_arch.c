/* The arch contract on the host board (x86-64 Linux, one pthread per core).
 *
 * - Context switch: switch.S, wrapped here so AddressSanitizer and
 *   ThreadSanitizer are told about every stack switch (their fiber APIs).
 * - Interrupts: a per-core POSIX timer sends SIGURG to its core's thread at
 *   the armed deadline. The handler acts like a trap: unless "interrupts"
 *   are masked (a per-thread flag, see arch_inline.h) it runs the timer
 *   handler and the scheduler's irq-exit hook, which may preempt the task
 *   by switching stacks inside the handler. Like Go's asynchronous
 *   preemption, it only does so at safe points: when the interrupted
 *   instruction is in brigade's own executable, never inside libc (which
 *   may hold a lock the next task on this thread would need); otherwise the
 *   signal is left pending and retried.
 * - Under the sanitizers there is no signal-driven preemption: their
 *   runtimes defer asynchronous signals to points of their own choosing,
 *   which breaks a stack switch inside a handler. Timers still fire at every
 *   switch and whenever a core waits; only preemption of a task that never
 *   yields is missing there, and the test that needs it says so.
 * - WFI and IPI: a mutex and condition variable per core; waiting is a timed
 *   wait until the armed deadline.
 * - Under ThreadSanitizer every task stack runs as a TSan fiber. Fibers are
 *   costly to make (a thread state with its own mappings: one mmap, madvise
 *   and munmap each, and a thread id that lengthens every vector clock), so
 *   each core keeps the fibers of exited tasks and hands them to new ones,
 *   as the scheduler pools stacks. A fiber can only be reused with an empty
 *   shadow call stack, and an exited task leaves its frames behind: so its
 *   last switch (arch_switch_final) first longjmps back to the root frame
 *   of the task, which TSan's longjmp interceptor answers by popping every
 *   frame pushed since the root's setjmp, and the root, which TSan does not
 *   instrument, makes the switch from there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>

#include <brigade/arch.h>
#include <brigade/cpu.h>
#include <brigade/irq.h>
#include <brigade/panic.h>

#include "host_arch.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define HOST_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define HOST_TSAN 1
#endif
#if defined(HOST_ASAN) || defined(HOST_TSAN)
#define HOST_SIGNAL_PREEMPTION 0
#else
#define HOST_SIGNAL_PREEMPTION 1
#endif

__thread struct host_core_state host_core;

#ifdef HOST_TSAN
/* The TSan state of one task stack, kept for the next task when one exits. */
struct host_fiber {
  uint64_t magic;           /* HOST_FIBER_MAGIC while the fiber lives */
  void *tsan;               /* __tsan_create_fiber's handle */
  jmp_buf root;             /* host_task_first_run's frame, at shadow depth 0 */
  struct host_fiber *next;  /* in its core's free list */
};
#define HOST_FIBER_POOL_MAX 256 /* fibers a core keeps for reuse */
#define HOST_FIBER_MAGIC 0x6669626572746e73ull
#endif

struct host_cpu {
  pthread_mutex_t lock;
  pthread_cond_t wake;
  int ipi_pending;
  uint64_t deadline;
  timer_t timer;
  int have_timer;
  void *stack_lo; /* the thread's own stack, for ASan */
  size_t stack_size;
  void *tsan_fiber;          /* the core thread's own TSan state */
#ifdef HOST_TSAN
  struct host_fiber *running; /* the task stack's fiber this core runs, NULL for its own */
  struct host_fiber *free_fibers;
  unsigned nfree_fibers;
  /* The switch that host_switch_final makes from the task's root frame. */
  void **final_save_sp;
  void *final_next_sp;
  void *final_arg;
#endif
};

static struct host_cpu *host_cpus;

/* What the next arch_switch resumes, set by arch_switch_hint. */
static __thread void *next_stack_lo;
static __thread size_t next_stack_size;

uint64_t arch_tick_hz(void) { return 1000000000u; }

uint64_t arch_last_device_irq_instret(void) { return 0; }

/* The host takes its signals where the C library puts them. */
void arch_exception_stack_ready(struct cpu *cpu) { (void)cpu; }

/* The switch saves the FP control words of every task; nothing to forget. */
void arch_forget_fp_state(void) {}

static struct host_cpu *me(void) { return &host_cpus[arch_this_cpu()->index]; }

void host_arch_init(unsigned ncpus) {
  host_cpus = calloc(ncpus, sizeof *host_cpus);
  if (!host_cpus)
    panic("out of memory for %u host cores", ncpus);
  for (unsigned i = 0; i < ncpus; i++) {
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&host_cpus[i].wake, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&host_cpus[i].lock, NULL);
    host_cpus[i].deadline = UINT64_MAX;
  }
}

bool host_signal_preemption(void) { return HOST_SIGNAL_PREEMPTION; }

bool arch_can_preempt(void) { return HOST_SIGNAL_PREEMPTION; }

const char *arch_timer_description(void) {
  return HOST_SIGNAL_PREEMPTION ? " (POSIX timer per core, preemption by SIGURG)"
                                : " (POSIX timer per core, no signal preemption: sanitizer build)";
}

/* ---- interrupts ------------------------------------------------------------- */

static void dispatch(void) {
  /* Called with irq_masked set. */
  HOST_SET(irq_pending, 0);
  uint64_t deadline = __atomic_load_n(&me()->deadline, __ATOMIC_RELAXED);
  if (arch_now_ticks() >= deadline) {
    irq_run_class(IRQ_TIMER); /* none installed yet: nothing to do */
  }
  irq_exit();
}

void host_deliver_pending(void) {
  while (HOST_GET(irq_pending)) {
    HOST_SET(irq_masked, 1);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    dispatch();
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    HOST_SET(irq_masked, 0);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
  }
}

/* Runs on the interrupted task's stack, called by host_irq_trampoline with
 * "interrupts" already masked by the signal handler. */
void host_irq_entry(void) {
  dispatch(); /* may switch tasks; returns when this one runs again */
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  HOST_SET(irq_masked, 0);
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  if (HOST_GET(irq_pending))
    host_deliver_pending();
}

#if HOST_SIGNAL_PREEMPTION
extern char __executable_start[], etext[];
void host_irq_trampoline(void);

static void retry_soon(void) {
  struct itimerspec its = {.it_value = {.tv_sec = 0, .tv_nsec = 200 * 1000}};
  timer_settime(me()->timer, 0, &its, NULL);
}

/* The signal handler runs on the thread's alternate stack and does no
 * work itself: at a safe point it makes the interrupted task "call"
 * host_irq_trampoline, so the interrupt is handled on the task's own stack
 * after the handler has returned. Switching stacks inside a handler would
 * leave the kernel's signal frame behind on a stack that may resume on
 * another thread. */
static void on_timer_signal(int sig, siginfo_t *info, void *uc_) {
  (void)sig;
  (void)info;
  if (!arch_this_cpu())
    return;
  int saved_errno = errno;
  ucontext_t *uc = uc_;
  greg_t *regs = uc->uc_mcontext.gregs;
  uintptr_t pc = (uintptr_t)regs[REG_RIP];
  if (HOST_GET(irq_masked)) {
    HOST_SET(irq_pending, 1); /* delivered when the mask is lifted */
  } else if (pc < (uintptr_t)__executable_start || pc >= (uintptr_t)etext) {
    HOST_SET(irq_pending, 1); /* not a safe point (inside libc): try again soon */
    retry_soon();
  } else {
    HOST_SET(irq_masked, 1);
    uintptr_t sp = (uintptr_t)regs[REG_RSP] - 128 - 8;
    *(uintptr_t *)sp = pc;
    regs[REG_RSP] = (greg_t)sp;
    regs[REG_RIP] = (greg_t)(uintptr_t)host_irq_trampoline;
  }
  errno = saved_errno;
}
#endif

void host_cpu_init(struct cpu *cpu) {
  struct host_cpu *h = &host_cpus[cpu->index];
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    pthread_attr_getstack(&attr, &h->stack_lo, &h->stack_size);
    pthread_attr_destroy(&attr);
  }
#ifdef HOST_TSAN
  h->tsan_fiber = __tsan_get_current_fiber();
#endif
  HOST_SET(irq_masked, 1);
#if HOST_SIGNAL_PREEMPTION
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  void install(void);
  pthread_once(&once, install);
  static __thread char altstack[64 * 1024];
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
  if (sigaltstack(&ss, NULL) != 0)
    panic("sigaltstack for core %u failed (errno %d)", cpu->index, errno);
  struct sigevent ev = {.sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGURG};
  ev._sigev_un._tid = gettid();
  if (timer_create(CLOCK_MONOTONIC, &ev, &h->timer) != 0)
    panic("timer_create for core %u failed (errno %d)", cpu->index, errno);
  h->have_timer = 1;
#endif
}

#if HOST_SIGNAL_PREEMPTION
void install(void) {
  struct sigaction sa = {.sa_sigaction = on_timer_signal,
                         .sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGURG, &sa, NULL);
}
#endif

void arch_timer_set(uint64_t deadline_ticks) {
  struct host_cpu *h = me();
  __atomic_store_n(&h->deadline, deadline_ticks, __ATOMIC_RELAXED);
  if (!h->have_timer)
    return;
  struct itimerspec its = {0};
  if (deadline_ticks != UINT64_MAX) {
    its.it_value.tv_sec = (time_t)(deadline_ticks / 1000000000u);
    its.it_value.tv_nsec = (long)(deadline_ticks % 1000000000u);
    if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
      its.it_value.tv_nsec = 1; /* 0 would disarm */
  }
  timer_settime(h->timer, TIMER_ABSTIME, &its, NULL);
}

void arch_wait_for_interrupt(void) {
  struct host_cpu *h = me();
  pthread_mutex_lock(&h->lock);
  for (;;) {
    uint64_t deadline = __atomic_load_n(&h->deadline, __ATOMIC_RELAXED);
    if (h->ipi_pending || arch_now_ticks() >= deadline)
      break;
    if (deadline == UINT64_MAX) {
      pthread_cond_wait(&h->wake, &h->lock);
    } else {
      struct timespec ts = {.tv_sec = (time_t)(deadline / 1000000000u),
                            .tv_nsec = (long)(deadline % 1000000000u)};
      pthread_cond_timedwait(&h->wake, &h->lock, &ts);
    }
  }
  pthread_mutex_unlock(&h->lock);
}

void arch_send_ipi(const struct cpu *target) {
  struct host_cpu *h = &host_cpus[target->index];
  pthread_mutex_lock(&h->lock);
  h->ipi_pending = 1;
  pthread_cond_signal(&h->wake);
  pthread_mutex_unlock(&h->lock);
}

void arch_clear_ipi(void) {
  struct host_cpu *h = me();
  pthread_mutex_lock(&h->lock);
  h->ipi_pending = 0;
  pthread_mutex_unlock(&h->lock);
}

/* ---- context switch ------------------------------------------------------------ */

void *arch_switch_raw(void **save_sp, void *next_sp, void *arg);

void host_switch_hint(void *stack_lo, size_t size) {
  next_stack_lo = stack_lo;
  next_stack_size = size;
}

#ifdef HOST_TSAN
/* A task stack's fiber is named by the stack's second word: under a heap
 * stack's canary, or at the very bottom of a guarded stack's reservation,
 * which a task reaches only by using all of it and the 16 KiB more a
 * sanitizer build adds (ARCH_STACK_EXTRA). Checked on every switch. */
static struct host_fiber **stack_fiber(void *stack_lo) { return (struct host_fiber **)stack_lo + 1; }

/* Not instrumented: arch_switch calls it (see there). */
__attribute__((no_sanitize_thread)) static struct host_fiber *fiber_of(void *stack_lo) {
  struct host_fiber *f = *stack_fiber(stack_lo);
  if (f && f->magic != HOST_FIBER_MAGIC)
    panic("the task stack at %p was used down to its bottom 16 bytes, where the host keeps its "
          "ThreadSanitizer fiber: a stack overflow", stack_lo);
  return f;
}

static struct host_fiber *fiber_get(void) {
  struct host_cpu *h = me();
  struct host_fiber *f = h->free_fibers;
  if (f) {
    h->free_fibers = f->next;
    h->nfree_fibers--;
    return f;
  }
  f = malloc(sizeof *f);
  if (!f)
    panic("out of memory for a ThreadSanitizer fiber");
  f->magic = HOST_FIBER_MAGIC;
  f->tsan = __tsan_create_fiber(0);
  return f;
}

/* The fiber of a task that has exited on this core goes back to this
 * core's pool: a fiber is only ever handed on in program order of one core,
 * so the next task inherits no ordering the hardware would not give it. */
static void fiber_put(struct host_fiber *f) {
  struct host_cpu *h = me();
  if (h->nfree_fibers >= HOST_FIBER_POOL_MAX) {
    __tsan_destroy_fiber(f->tsan);
    free(f);
    return;
  }
  f->next = h->free_fibers;
  h->free_fibers = f;
  h->nfree_fibers++;
}
#endif

void host_stack_release(void *stack_lo, size_t size) {
#ifdef HOST_ASAN
  __asan_unpoison_memory_region(stack_lo, size); /* before free() or the pool */
#endif
  (void)size;
#ifdef HOST_TSAN
  /* Its task left through host_switch_final: the fiber's shadow call stack
   * is empty again. */
  struct host_fiber *fiber = fiber_of(stack_lo);
  if (fiber)
    fiber_put(fiber);
  *stack_fiber(stack_lo) = NULL;
#else
  (void)stack_lo;
#endif
}

/* Not instrumented by TSan: host_switch_final calls it from an exited
 * task's root frame, where nothing may be pushed on the shadow call stack
 * (see leave_exited_task). */
#ifdef HOST_TSAN
__attribute__((no_sanitize_thread))
#endif
void *arch_switch(void **save_sp, void *next_sp, void *arg) {
#ifdef HOST_ASAN
  void *fake_stack = NULL;
  const void *bottom = next_stack_lo;
  size_t size = next_stack_size;
  if (!bottom) {
    bottom = me()->stack_lo;
    size = me()->stack_size;
  }
  __sanitizer_start_switch_fiber(&fake_stack, bottom, size);
#endif
#ifdef HOST_TSAN
  struct host_fiber *next = next_stack_lo ? fiber_of(next_stack_lo) : NULL;
  me()->running = next;
  __tsan_switch_to_fiber(next ? next->tsan : me()->tsan_fiber, 0);
#endif
  void *result = arch_switch_raw(save_sp, next_sp, arg);
#ifdef HOST_ASAN
  __sanitizer_finish_switch_fiber(fake_stack, NULL, NULL);
#endif
  return result;
}

#ifdef HOST_TSAN
/* The last switch of an exited task, made from its root frame (below) after
 * the longjmp there: not instrumented, so it pushes nothing onto the
 * fiber's shadow call stack, which is therefore empty when the fiber is
 * handed to the next task. */
__attribute__((no_sanitize_thread, noreturn)) static void leave_exited_task(void) {
  struct host_cpu *h = me();
  arch_switch(h->final_save_sp, h->final_next_sp, h->final_arg);
  __builtin_unreachable();
}
#endif

void host_switch_final(void **save_sp, void *next_sp, void *arg) {
#ifdef HOST_TSAN
  struct host_cpu *h = me();
  h->final_save_sp = save_sp;
  h->final_next_sp = next_sp;
  h->final_arg = arg;
  longjmp(h->running->root, 1);
#else
  arch_switch(save_sp, next_sp, arg);
  __builtin_unreachable();
#endif
}

/* A new task's first instructions after the switch that started it: the
 * root frame of its stack. Under TSan it is not instrumented, so its setjmp
 * records the fiber's shadow call stack as empty. */
#ifdef HOST_TSAN
__attribute__((no_sanitize_thread))
#endif
void host_task_first_run(void (*entry)(void *, void *), void *arg, void *switch_arg) {
#ifdef HOST_ASAN
  __sanitizer_finish_switch_fiber(NULL, NULL, NULL);
#endif
#ifdef HOST_TSAN
  if (setjmp(me()->running->root) != 0)
    leave_exited_task(); /* back from host_switch_final */
#endif
  entry(arg, switch_arg);
  panic("a task's entry function returned");
}

#if defined(HOST_ASAN) || defined(HOST_TSAN)
void *host_init_stack(void *stack_lo, size_t size, void (*entry)(void *arg, void *switch_arg),
                      void *arg) {
#ifdef HOST_ASAN
  /* A reused stack still carries the redzone poison of the frames of the
   * task that last ran on it: they never returned, it switched away. */
  __asan_unpoison_memory_region(stack_lo, size);
#endif
#ifdef HOST_TSAN
  *stack_fiber(stack_lo) = fiber_get();
#endif
  return host_first_frame(stack_lo, size, entry, arg);
}
#endif
