/**
 * @file panic.h
 * @brief Fatal errors: print a report that names the cause and stop the machine.
 */
#ifndef BRIGADE_PANIC_H
#define BRIGADE_PANIC_H

#include <stdbool.h>
#include <stddef.h>

#include <brigade/kprintf.h> /* reports are printed with kprintf */

/** Exit codes seen by QEMU's caller (and so by ctest). */
enum {
  EXIT_TESTS_FAILED = 1, /**< the test framework counted a failure */
  EXIT_PANIC = 3,        /**< panic(), a failed assert or an unexpected trap */
  EXIT_DEADLOCK = 4,     /**< every task asleep with nothing left to wake them */
};

/**
 * @brief Print "PANIC on core N: <message>", stop every other core's output
 *        and exit with EXIT_PANIC. Safe from any context, including traps.
 */
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

/**
 * @brief Start a panic report without ending it: the caller prints details
 *        with kprintf and then calls panic_end(). Returns only on the first
 *        core to panic; a second panicking core waits for the first to exit.
 */
__attribute__((format(printf, 1, 2))) void panic_begin(const char *fmt, ...);

/**
 * @brief Finish a report started by panic_begin: print the dump handler's
 *        report (the scheduler's task list), then stop with @p code.
 */
__attribute__((noreturn)) void panic_end(int code);

/**
 * @brief Start a fatal report that prints its own headline instead of
 *        "PANIC on core N" (the scheduler's deadlock report). Like
 *        panic_begin it makes this core the one that reports: output stops
 *        blocking, and another core's panic waits for the machine to stop.
 *        End it with panic_exit.
 */
void panic_begin_report(void);

/**
 * @brief Push out output still queued for the console and stop the machine
 *        with @p code (board_exit), without the dump panic_end adds.
 */
__attribute__((noreturn)) void panic_exit(int code);

/** @brief True once a panic or fatal report has begun: output must not block. */
bool panic_in_progress(void);

/**
 * @brief Have panic_end print @p dump's report after the message (NULL:
 *        none). The scheduler registers its task dump when it starts, as it
 *        registers irq_set_exit_handler; the dump must be safe from any
 *        context, traps included.
 */
void panic_set_dump_handler(void (*dump)(void));

/**
 * @brief Have fault reports name what runs on the faulting core through
 *        @p describe (the scheduler registers it: the kernel knows no
 *        tasks). It writes e.g. "task 5 (worker)" into its buffer and must
 *        be safe from a trap.
 */
void panic_set_describer(void (*describe)(char *buf, size_t len));

/**
 * @brief Write what runs on this core into @p buf ("task 5 (worker)"), or
 *        "code before the scheduler started" when nothing is registered.
 */
void panic_describe_running(char *buf, size_t len);

/** The kind of access a memory fault report names. */
enum fault_access { FAULT_FETCH, FAULT_LOAD, FAULT_STORE };

/**
 * @brief Begin the report of an access the MMU refused, naming the cause,
 *        the address, what runs on the core and the pc on its first line:
 *        "NULL pointer store at 0x0 in task 5 (worker), pc 0x...",
 *        "write to read-only text at ...", "instruction fetch from
 *        non-executable memory at ... (the heap) ...". @p region is the
 *        arch's name for what the map holds at @p addr. End with panic_end.
 */
void panic_begin_memory_fault(enum fault_access access, unsigned long addr, unsigned long pc,
                              const char *region);

/**
 * @brief Have panic_exit call @p flush before stopping the machine (NULL:
 *        none): the console registers the push-out of its transmit ring.
 */
void panic_set_flush_handler(void (*flush)(void));

#endif
