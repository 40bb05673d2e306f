/**
 * @file libc.h
 * @brief What boot asks of the C library port (libc/): per-core state for
 *        code that runs outside tasks.
 *
 * On bare metal the port is newlib's (libc/newlib_*.c: locks that park,
 * a struct _reent per task, the system calls); on the host board the C
 * library is glibc, whose state is already per thread (libc/glibc.c).
 */
#ifndef BRIGADE_LIBC_H
#define BRIGADE_LIBC_H

#include <stdbool.h>
#include <stddef.h>

struct cpu;

/**
 * @brief Set up the C library state that code outside tasks uses on @p cpu
 *        (boot, the scheduler loop, interrupt handlers). Called on each core
 *        as it comes up, before it runs any task; the boot core's call also
 *        tells the scheduler how to release a task's state when it exits.
 */
void libc_init_cpu(struct cpu *cpu, bool boot_core);

/** @brief For a stack growth fault (newlib only; libc_init_cpu registers
 *         them with kernel/stack_slot_paging.c): take malloc's lock unless any
 *         core, this one included, holds it; and let it go. */
bool libc_heap_trylock_for_fault(void);
void libc_heap_unlock_for_fault(void);

/**
 * @brief Bytes malloc has handed out and not had back (chunk headers
 *        included), exact at the moment of the call: what a leak check
 *        compares before and after. Not what the heap has grown to
 *        (heap_usage): freed memory stays with malloc.
 */
size_t libc_heap_in_use(void);

#endif
