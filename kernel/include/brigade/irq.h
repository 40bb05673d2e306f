/**
 * @file irq.h
 * @brief Where the arch trap handler sends each class of interrupt.
 *
 * The scheduler installs the timer and IPI handlers, interrupt controller
 * drivers the external one. A class with no handler is an unexpected
 * interrupt and panics with a report.
 */
#ifndef BRIGADE_IRQ_H
#define BRIGADE_IRQ_H

enum irq_class { IRQ_TIMER, IRQ_IPI, IRQ_EXTERNAL, IRQ_CLASSES };

typedef void (*irq_handler_fn)(void);

/** @brief Install @p fn for @p cls on every core. */
void irq_set_handler(enum irq_class cls, irq_handler_fn fn);

/** @brief The handler for @p cls, or NULL. */
irq_handler_fn irq_handler(enum irq_class cls);

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

#endif
