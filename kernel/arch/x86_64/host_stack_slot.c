/* Guarded task stacks on the host board (stack_slot.h): the bare-metal
 * contract, made of mmap.
 *
 * The region is one mapping reserved PROT_NONE with MAP_NORESERVE when the
 * first core starts (it costs address space, not memory). Slots are carved
 * from it in address order, as on bare metal: each reservation is made
 * read-write with mprotect, and the STACK_SLOT_GUARD bytes below it stay
 * PROT_NONE. Linux maps a page of a reservation when the task first
 * touches it and keeps it while the mapping lives, so a stack costs the
 * pages it has touched, and a slot is recycled whole, pages and all, for
 * the next task of the same size, as on bare metal: the growth is the host
 * kernel's own demand paging, and this file counts no growth faults (the
 * per-core counts stay 0) and keeps no page cache (stack_slot_bytes_cached
 * is 0). A slot's pages_mapped (its top page) is therefore all it counts of
 * the pages Linux mapped there.
 *
 * An access to a guard raises SIGSEGV. Its handler runs on the core
 * thread's alternate signal stack (the task's own stack is what overflowed)
 * and reports it as a bare-metal trap does, naming the task, how deep it
 * went and its limit (stack_slot_begin_overflow_panic). A SIGSEGV anywhere
 * else is not ours: it goes to the handler that was there before (a
 * sanitizer's report) or, with none, to the default action (the process
 * dies of it).
 *
 * Each slot costs the process two memory mappings (its guard and its
 * reservation), and Linux allows vm.max_map_count of them (65530 by
 * default): about 32,000 guarded stacks at once. Past that mprotect fails,
 * stack_slot_get says why and returns NULL, and the task's first run
 * panics naming it; a program that parks more tasks than that asks for
 * heap stacks (task_attr.heap_stack). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <ucontext.h>

#include <brigade/cpu.h>
#include <brigade/kprintf.h>
#include <brigade/panic.h>
#include <brigade/stack_slot.h>

uintptr_t host_stack_region_base;

/* Guards the carving point and the free list: the scheduler's path to them
 * is a first run that found no free slot in its core's pool, or an exit
 * that found that pool full, never the common path. */
static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;
static uintptr_t next_slot;

static struct sigaction before; /* the SIGSEGV action there was before ours */

size_t stack_slot_bytes_reclaimed(void) { return 0; /* Linux keeps the pages */ }
size_t stack_slot_bytes_cached(void) { return 0; /* no page cache of our own */ }
size_t stack_slot_bytes_in_tables(void) { return 0; /* Linux's tables */ }

/* Not ours: as if our handler had never been installed. */
static void pass_on(int sig, siginfo_t *info, void *uc) {
  if (before.sa_flags & SA_SIGINFO) {
    if (before.sa_sigaction) {
      before.sa_sigaction(sig, info, uc);
      return;
    }
  } else if (before.sa_handler != SIG_DFL && before.sa_handler != SIG_IGN) {
    before.sa_handler(sig);
    return;
  }
  /* The default action: returning retries the access, which faults again
   * and, with the default action back, ends the process. */
  signal(sig, SIG_DFL);
}

static void on_segv(int sig, siginfo_t *info, void *uc_) {
  uintptr_t addr = (uintptr_t)info->si_addr;
  if (!arch_this_cpu() || !stack_slot_region_has(addr)) {
    pass_on(sig, info, uc_);
    return;
  }
  ucontext_t *uc = uc_;
  uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
  stack_slot_begin_overflow_panic(addr, pc);
  kprintf("  SIGSEGV code %d, address %p\n", info->si_code, (void *)addr);
  panic_end(EXIT_PANIC);
}

static void reserve_region(void) {
  void *region = mmap(NULL, ARCH_STACK_REGION_SIZE, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (region == MAP_FAILED)
    panic("could not reserve the %lu GiB task-stack region (errno %d)",
          (unsigned long)(ARCH_STACK_REGION_SIZE >> 30), errno);
  host_stack_region_base = (uintptr_t)region;
  next_slot = host_stack_region_base;
  struct sigaction sa = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_ONSTACK};
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGSEGV, &sa, &before) != 0)
    panic("could not install the task-stack guard's SIGSEGV handler (errno %d)", errno);
}

/* The overflow report needs a stack that is not the task's: give this core
 * thread an alternate signal stack, unless it has one (the build without
 * sanitizers gives it one for preemption; AddressSanitizer gives its
 * threads one). */
static void ensure_signal_stack(void) {
  stack_t now;
  if (sigaltstack(NULL, &now) == 0 && !(now.ss_flags & SS_DISABLE))
    return;
  /* Room for the panic report, which prints every task, and a sanitizer's
   * interceptors under it. */
  size_t size = 256 * 1024;
  void *stack = malloc(size);
  if (!stack)
    panic("out of memory for core %u's signal stack", this_cpu()->index);
  stack_t ss = {.ss_sp = stack, .ss_size = size};
  if (sigaltstack(&ss, NULL) != 0)
    panic("sigaltstack for core %u failed (errno %d)", this_cpu()->index, errno);
}

void stack_slot_core_init(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, reserve_region);
  ensure_signal_stack();
}

/* A new slot of @p size bytes of reservation above its guard. Under
 * slot_lock. */
static void *carve(size_t size) {
  uintptr_t lo = next_slot + STACK_SLOT_GUARD;
  if (lo + size < lo || lo + size - host_stack_region_base > ARCH_STACK_REGION_SIZE) {
    kprintf("brigade: the %lu GiB task-stack region is full\n",
            (unsigned long)(ARCH_STACK_REGION_SIZE >> 30));
    return NULL;
  }
  if (mprotect((void *)lo, size, PROT_READ | PROT_WRITE) != 0) {
    /* ENOMEM: the process has as many mappings as vm.max_map_count allows
     * (two per slot). The addresses are left unused. */
    kprintf("brigade: mprotect of a %zu-byte task stack failed (errno %d%s)\n", size, errno,
            errno == ENOMEM ? ": the process's mappings reached vm.max_map_count, two per "
                              "guarded stack; task_attr.heap_stack takes none"
                            : "");
    next_slot = lo + size;
    return NULL;
  }
  next_slot = lo + size;
  stack_slot_top_of(lo, size)->pages_mapped = 1;
  return (void *)lo;
}

void *stack_slot_get(size_t size) {
  pthread_mutex_lock(&slot_lock);
  void *stack = stack_slot_free_take(size);
  if (!stack)
    stack = carve(size);
  pthread_mutex_unlock(&slot_lock);
  return stack;
}

void stack_slot_put(void *stack_lo, size_t size) {
  pthread_mutex_lock(&slot_lock);
  stack_slot_free_add(stack_lo, size);
  pthread_mutex_unlock(&slot_lock);
}
