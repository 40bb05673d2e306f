#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <brigade/heap.h>
#include <brigade/machine.h>
#include <brigade/panic.h>

extern char __heap_start[]; /* linker/: first byte after .bss and the boot stack */

static uintptr_t heap_brk;
static uintptr_t heap_limit;

static uintptr_t heap_limit_for(const struct machine *m) {
  uintptr_t start = (uintptr_t)__heap_start;
  uintptr_t limit = (uintptr_t)(m->ram_base + m->ram_size);
  uintptr_t blob = (uintptr_t)m->firmware_blob;
  /* Firmware leaves the device tree in RAM (QEMU: near the top). The heap
   * stops below it so the tree stays readable for the life of the system. */
  if (blob >= start && blob < limit)
    limit = blob & ~(uintptr_t)4095;
  return limit;
}

void heap_init(const struct machine *m) {
  uintptr_t limit = heap_limit_for(m);
  heap_brk = (uintptr_t)__heap_start;
  if (limit <= heap_brk)
    panic("heap: no room (heap starts at %p, RAM ends at %p)", (void *)heap_brk, (void *)limit);
  heap_limit = limit;
}

void heap_usage(size_t *used, size_t *capacity) {
  uintptr_t brk = __atomic_load_n(&heap_brk, __ATOMIC_RELAXED);
  *used = brk - (uintptr_t)__heap_start;
  *capacity = heap_limit - (uintptr_t)__heap_start;
}

/* malloc calls this under __malloc_lock, but anything may call sbrk, so the
 * break still moves with a CAS: two cores can never get the same bytes. */
void *_sbrk(ptrdiff_t incr) {
  uintptr_t old = __atomic_load_n(&heap_brk, __ATOMIC_RELAXED), new;
  do {
    if (heap_limit == 0) {
      errno = ENOMEM; /* before heap_init: nothing to give */
      return (void *)-1;
    }
    new = old + (uintptr_t)incr;
    if ((incr > 0 && (new < old || new > heap_limit)) ||
        (incr < 0 && (new > old || new < (uintptr_t)__heap_start))) {
      errno = ENOMEM;
      return (void *)-1;
    }
  } while (!__atomic_compare_exchange_n(&heap_brk, &old, new, true, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED));
  return (void *)old;
}
