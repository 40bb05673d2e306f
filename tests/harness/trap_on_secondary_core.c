/* A fault on a core other than the boot core is reported with that core. */
#include <stdint.h>

#include <brigade/cpu.h>
#include <brigade/task.h>

#include "test.h"

static void fault_on_last_core(void *arg) {
  (void)arg;
  /* Nothing is mapped at 8; volatile keeps the compiler from reasoning about it. */
  static volatile uintptr_t unmapped = 0x8;
  if (cpu_index() == cpu_count() - 1)
    *(volatile uint64_t *)unmapped = 1;
}

TEST(a_store_to_an_unmapped_address_panics_on_its_core) { smp_call_all(fault_on_last_core, 0); }
