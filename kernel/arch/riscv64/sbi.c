#include <sbi.h>

struct sbiret sbi_call4(unsigned long ext, unsigned long fid, unsigned long a0, unsigned long a1,
                        unsigned long a2, unsigned long a3) {
  register unsigned long r_a0 __asm__("a0") = a0;
  register unsigned long r_a1 __asm__("a1") = a1;
  register unsigned long r_a2 __asm__("a2") = a2;
  register unsigned long r_a3 __asm__("a3") = a3;
  register unsigned long r_a6 __asm__("a6") = fid;
  register unsigned long r_a7 __asm__("a7") = ext;
  __asm__ volatile("ecall"
                   : "+r"(r_a0), "+r"(r_a1)
                   : "r"(r_a2), "r"(r_a3), "r"(r_a6), "r"(r_a7)
                   : "memory");
  return (struct sbiret){.error = (long)r_a0, .value = (long)r_a1};
}

struct sbiret sbi_call(unsigned long ext, unsigned long fid, unsigned long a0, unsigned long a1,
                       unsigned long a2) {
  return sbi_call4(ext, fid, a0, a1, a2, 0);
}

const char *sbi_error_name(long error) {
  static const char *const names[] = {
      "SBI_SUCCESS",           "SBI_ERR_FAILED",        "SBI_ERR_NOT_SUPPORTED",
      "SBI_ERR_INVALID_PARAM", "SBI_ERR_DENIED",        "SBI_ERR_INVALID_ADDRESS",
      "SBI_ERR_ALREADY_AVAILABLE", "SBI_ERR_ALREADY_STARTED", "SBI_ERR_ALREADY_STOPPED",
  };
  long i = -error;
  if (i >= 0 && i < (long)(sizeof names / sizeof names[0]))
    return names[i];
  return "SBI_ERR_unknown";
}

int sbi_probe(unsigned long ext) {
  struct sbiret r = sbi_call(SBI_EXT_BASE, 3, ext, 0, 0);
  return r.error == 0 && r.value != 0;
}

long sbi_hart_start(unsigned long hartid, unsigned long entry, unsigned long opaque) {
  return sbi_call(SBI_EXT_HSM, 0, hartid, entry, opaque).error;
}

long sbi_hart_status(unsigned long hartid) {
  struct sbiret r = sbi_call(SBI_EXT_HSM, 2, hartid, 0, 0);
  return r.error ? r.error : r.value;
}

void sbi_send_ipi_one(unsigned long hartid) {
  /* hart_mask bit 0 relative to hart_mask_base = hartid: one hart, whatever
   * its number, so sparse hart ids need no mask arithmetic. */
  sbi_call(SBI_EXT_IPI, 0, 1, hartid, 0);
}

void sbi_set_timer(uint64_t deadline) { sbi_call(SBI_EXT_TIME, 0, deadline, 0, 0); }
