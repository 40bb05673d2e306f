/* What every kind of guarded stack shares (stack_slot.h), whoever maps its
 * pages (kernel/stack_slot_paging.c on bare metal, the host's kernel under
 * kernel/arch/x86_64/host_stack_slot.c): which stack the running task has,
 * the growth-fault counts, and the panic reports of a fault in the region,
 * which name the task. */
#include <brigade/cpu.h>
#include <brigade/panic.h>
#include <brigade/stack_slot.h>

#if ARCH_HAS_STACK_SLOTS

/* Set once by the scheduler at start, read by fault handlers on any core:
 * relaxed, since a handler that finds it unset reports without the task's
 * stack, and the function it names is code, not data to be published. */
static bool (*current_stack_of)(uintptr_t *lo, size_t *size);

void stack_slot_set_current_stack(bool (*current_stack)(uintptr_t *lo, size_t *size)) {
  __atomic_store_n(&current_stack_of, current_stack, __ATOMIC_RELAXED);
}

bool stack_slot_running(uintptr_t *lo, size_t *size) {
  bool (*current_stack)(uintptr_t *, size_t *) =
      __atomic_load_n(&current_stack_of, __ATOMIC_RELAXED);
  return current_stack && current_stack(lo, size);
}

uint64_t stack_slot_growth_faults_on(unsigned core) {
  struct cpu *c = cpu_get(core);
  return c ? __atomic_load_n(&c->stack_growth_faults, __ATOMIC_RELAXED) : 0;
}

uint64_t stack_slot_growth_faults(void) {
  uint64_t n = 0;
  for (unsigned i = 0; i < cpu_count(); i++)
    n += stack_slot_growth_faults_on(i);
  return n;
}

void stack_slot_begin_overflow_panic(uintptr_t addr, uintptr_t pc) {
  char who[64];
  panic_describe_running(who, sizeof who);
  uintptr_t lo;
  size_t size;
  if (stack_slot_running(&lo, &size) && addr < lo && lo - addr <= STACK_SLOT_GUARD)
    /* used: from the stack's top down to the faulting address */
    panic_begin("stack overflow in %s (%lu KiB, limit %lu KiB): access at %p in the guard "
                "below its stack, pc %p",
                who, (unsigned long)((lo + size - addr + 1023) / 1024),
                (unsigned long)(size / 1024), (void *)addr, (void *)pc);
  else
    panic_begin("access to an unmapped task-stack address at %p (a guard or unused part of "
                "the stack region, not below the stack of %s), pc %p",
                (void *)addr, who, (void *)pc);
}

void stack_slot_begin_no_page_panic(uintptr_t addr, uintptr_t pc) {
  char who[64];
  panic_describe_running(who, sizeof who);
  panic_begin("no free page to grow the stack of %s at %p, pc %p: the heap is exhausted, or "
              "this core's stack page cache ran dry in code with interrupts masked",
              who, (void *)addr, (void *)pc);
}

#endif /* ARCH_HAS_STACK_SLOTS */
