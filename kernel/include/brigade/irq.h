/**
 * @file irq.h
 * @brief Where interrupts go: classes from the arch trap handler, and
 *        device lines from the interrupt controller driver.
 *
 * The scheduler installs the timer and IPI handlers, the interrupt
 * controller driver the external one. The controller driver then asks which
 * device line fired and calls irq_dispatch; device drivers attach a handler
 * to their line with irq_attach. Which device sits on which line is the
 * board's knowledge, never the driver's. A class or line with no handler is
 * an unexpected interrupt and panics with a report naming it.
 */
#ifndef BRIGADE_IRQ_H
#define BRIGADE_IRQ_H

#include <stdbool.h>
#include <stdint.h>

enum irq_class { IRQ_TIMER, IRQ_IPI, IRQ_EXTERNAL, IRQ_CLASSES };

typedef void (*irq_handler_fn)(void);

/** @brief Install @p fn for @p cls on every core. */
void irq_set_handler(enum irq_class cls, irq_handler_fn fn);

/** @brief The handler for @p cls, or NULL. */
irq_handler_fn irq_handler(enum irq_class cls);

/**
 * @brief Run the handler of @p cls on this core: the arch trap path and the
 *        interrupt controller drivers call it, interrupts masked, before
 *        irq_exit. The timer and IPI classes show in the trace as interrupt
 *        enter/exit of TRACE_IRQ_CLASS | @p cls around the handler; the
 *        external class does not, since its handler dispatches device lines
 *        and each line records its own (irq_dispatch).
 * @retval false no handler is installed for @p cls (the caller reports it,
 *               with what it knows of the interrupt)
 */
bool irq_run_class(enum irq_class cls);

/**
 * @brief Install @p fn to run after every interrupt handler, on the
 *        interrupted context's stack with interrupts still masked. The
 *        scheduler preempts from here.
 */
void irq_set_exit_handler(irq_handler_fn fn);

/** @brief Run the exit handler, if any (called by the arch trap path). */
void irq_exit(void);

/** @brief Name of an interrupt class, for reports. */
const char *irq_class_name(enum irq_class cls);

/* ---- device lines -------------------------------------------------------- */

/** Highest device line number + 1 that irq_attach accepts. */
#define IRQ_LINES 1024

/**
 * @brief Call @p fn(@p arg) when device line @p line fires. One handler per
 *        line; @p name shows in reports and statistics.
 * @retval 0        attached
 * @retval -EINVAL  line out of range or @p fn NULL
 * @retval -EBUSY   the line already has a handler
 * @retval -ENOMEM  no memory for the line table
 */
int irq_attach(unsigned line, void (*fn)(void *arg), void *arg, const char *name);

/**
 * @brief Run the handler of @p line (called by the interrupt controller
 *        driver in interrupt context). Panics naming the line if nothing is
 *        attached: a device interrupting without a driver is a board bug.
 */
void irq_dispatch(unsigned line);

/** @brief Times @p line was dispatched (0 for unknown lines). */
uint64_t irq_line_count(unsigned line);

#endif
