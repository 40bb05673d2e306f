/* PSCI 0.2+ calls (ARM DEN 0022): starting cores on QEMU virt. The conduit
 * (HVC or SMC) is whatever the firmware implements: QEMU's own PSCI answers
 * HVC when it emulates no EL2, SMC otherwise. */
#include <stdint.h>

#include "aarch64.h"

#define PSCI_CPU_ON_64 0xc4000003UL
#define PSCI_AFFINITY_INFO_64 0xc4000004UL

static long psci_call(enum psci_conduit conduit, unsigned long fn, unsigned long a1,
                      unsigned long a2, unsigned long a3) {
  register unsigned long x0 __asm__("x0") = fn;
  register unsigned long x1 __asm__("x1") = a1;
  register unsigned long x2 __asm__("x2") = a2;
  register unsigned long x3 __asm__("x3") = a3;
  if (conduit == PSCI_HVC)
    __asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)::"memory");
  else
    __asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)::"memory");
  return (long)x0;
}

long psci_cpu_on(enum psci_conduit conduit, uint64_t mpidr, uintptr_t entry, uintptr_t context) {
  return psci_call(conduit, PSCI_CPU_ON_64, mpidr, entry, context);
}

long psci_affinity_info(enum psci_conduit conduit, uint64_t mpidr) {
  return psci_call(conduit, PSCI_AFFINITY_INFO_64, mpidr, 0, 0);
}

const char *psci_error_name(long err) {
  switch (err) {
  case 0: return "success";
  case -1: return "NOT_SUPPORTED";
  case -2: return "INVALID_PARAMETERS";
  case -3: return "DENIED";
  case -4: return "ALREADY_ON";
  case -5: return "ON_PENDING";
  case -6: return "INTERNAL_FAILURE";
  case -7: return "NOT_PRESENT";
  case -8: return "DISABLED";
  case -9: return "INVALID_ADDRESS";
  default: return "unknown PSCI error";
  }
}
