/* What every Raspberry Pi board shares: how the firmware hands over the
 * machine. firmware.c defines board_start_cpu and board_diagnose_cpu (the
 * firmware's spin table) and board_exit; a board adds board_describe by
 * calling rpi_describe. Not a board by itself (no board.cmake). */
#ifndef BRIGADE_RASPBERRYPI_FIRMWARE_H
#define BRIGADE_RASPBERRYPI_FIRMWARE_H

#include <stdint.h>

#include "drivers/misc/bcm2835_mailbox.h"

struct machine;

/* The firmware's stub holds cores 1-3 on this spin table in page 0
 * (cpu-release-addr 0xd8 + 8 * core). Page 0 stays unmapped so NULL
 * dereferences fault; the boot core writes the table through an alias. */
#define RPI_SPIN_TABLE 0xd8UL
#define RPI_PAGE0_ALIAS 0x4000000000UL
#define RPI_NCORES 4

/**
 * Describe the machine from the device tree the firmware passes in x0, or,
 * when there is none (QEMU passes none), as four cores with MPIDR Aff0 0-3
 * and the RAM the VideoCore firmware gives the ARM. @p ram_limit bounds the
 * range a device-tree pointer may lie in (the mapped RAM).
 */
int rpi_describe(const void *firmware_arg, struct machine *m,
                 const struct bcm2835_mailbox *mailbox, uintptr_t ram_limit);

#endif
