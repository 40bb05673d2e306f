/* Supervisor Binary Interface calls (RISC-V SBI spec v1.0+). */
#ifndef BRIGADE_RISCV_SBI_H
#define BRIGADE_RISCV_SBI_H

#include <stdint.h>

#define SBI_EXT_BASE 0x10
#define SBI_EXT_TIME 0x54494D45 /* "TIME" */
#define SBI_EXT_IPI 0x735049    /* "sPI" */
#define SBI_EXT_HSM 0x48534D    /* "HSM" */
#define SBI_EXT_SRST 0x53525354 /* "SRST": system reset */
#define SBI_EXT_LEGACY_CONSOLE_PUTCHAR 0x01 /* v0.1, still served by OpenSBI */

#define SBI_SRST_SHUTDOWN 0
#define SBI_SRST_SYSTEM_FAILURE 1

#define SBI_HSM_STARTED 0
#define SBI_HSM_STOPPED 1
#define SBI_HSM_START_PENDING 2

struct sbiret {
  long error;
  long value;
};

struct sbiret sbi_call(unsigned long ext, unsigned long fid, unsigned long a0, unsigned long a1,
                       unsigned long a2);

/** @brief sbi_call for the calls that take a fourth argument (a3), such as
 *         the RFENCE extension's remote sfence.vma. */
struct sbiret sbi_call4(unsigned long ext, unsigned long fid, unsigned long a0, unsigned long a1,
                        unsigned long a2, unsigned long a3);

/** @brief SBI error code as text ("SBI_ERR_INVALID_PARAM", ...). */
const char *sbi_error_name(long error);

/** @brief True when the SBI implementation provides extension @p ext. */
int sbi_probe(unsigned long ext);

/** @brief Start @p hartid at @p entry in S-mode with a0 = hartid, a1 = @p opaque. */
long sbi_hart_start(unsigned long hartid, unsigned long entry, unsigned long opaque);

/** @brief HSM state of @p hartid (SBI_HSM_*) or a negative SBI error. */
long sbi_hart_status(unsigned long hartid);

/** @brief Raise a supervisor software interrupt on one hart. */
void sbi_send_ipi_one(unsigned long hartid);

/** @brief Program the calling hart's timer (clears its pending timer interrupt). */
void sbi_set_timer(uint64_t deadline);

#endif
