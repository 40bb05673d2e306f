/**
 * @file machine.h
 * @brief The machine as discovered at boot: nothing about its size is a
 *        compile-time constant.
 */
#ifndef BRIGADE_MACHINE_H
#define BRIGADE_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#include <arch_structs.h>

struct machine_core {
  uint64_t hw_id;    /**< hart id / MPIDR */
  bool usable;       /**< can run brigade (e.g. has S-mode) */
  const char *why_not; /**< when !usable: the reason, for the boot log */
};

struct machine {
  uint64_t ram_base, ram_size;
  uint64_t timer_hz;
  const void *firmware_blob;   /**< the device tree, kept out of the heap */
  uint64_t firmware_blob_size;
  const char *bootargs;        /**< /chosen/bootargs (QEMU -append), or NULL */
  unsigned ncores;             /**< entries in cores[] */
  struct machine_core *cores;  /**< filled when non-NULL (second pass) */
  /** What the architecture reads from the device tree (kernel/arch/<arch>/
   *  include/arch_structs.h, filled by arch_dt_describe); only
   *  kernel/arch/<arch>/ reads it. */
  struct arch_machine arch;
};

/** @brief The description board_describe produced at boot. */
extern struct machine machine;

/**
 * @brief The value of @p key in the boot arguments ("key=value" words,
 *        space-separated): a pointer to the text after '=', which runs to
 *        the next space or the end; NULL when the key is absent.
 */
const char *bootarg(const char *key);

#endif
