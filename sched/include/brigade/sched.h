/**
 * @file sched.h
 * @brief Starting the scheduler, tuning it and reading its statistics.
 */
#ifndef BRIGADE_SCHED_H
#define BRIGADE_SCHED_H

#include <stdbool.h>
#include <stdint.h>

/** @brief Per-core counters, as read by sched_stats. */
struct sched_stats {
  uint64_t switches;       /**< context switches into a task */
  uint64_t tasks_started;  /**< tasks that got their first run here */
  uint64_t tasks_exited;   /**< tasks that returned here */
  uint64_t spawns;         /**< task_spawn calls made here */
  uint64_t steals;         /**< successful steal operations by this core */
  uint64_t tasks_stolen;   /**< tasks this core took from others */
  uint64_t preemptions;    /**< tasks preempted by the time slice */
  uint64_t wakeups_sent;   /**< IPIs sent to wake an idle core */
  uint64_t idle_ns;        /**< time spent asleep with nothing to run */
  uint64_t global_takes;   /**< tasks taken from the global queue */
  /* With CPU accounting on (cpu_accounting_start), since it started: */
  uint64_t busy_ns;        /**< time running tasks (their interrupts included) */
  uint64_t irq_ns;         /**< time in device interrupt handlers, busy or idle */
  /* A gauge, what is true now rather than a count since boot: */
  uint64_t stack_pool_bytes; /**< heap held in default-size task stacks this core
                                  keeps for reuse (at most 64 of each kind,
                                  guarded and fixed); see sched_stack_cache_bytes */
};

/** One task's CPU use (sched_task_usage). */
struct sched_task_usage {
  uint32_t id;
  const char *name;
  const char *state;  /**< "new", "runnable", "running", "parked" */
  uint32_t run_us;    /**< run time while accounting was on; UINT32_MAX: 71 minutes or more */
  unsigned core;      /**< where it runs or last ran */
};

/**
 * @brief Turn on per-task and per-core CPU accounting (for good): a clock
 *        read per switch and per device interrupt from then on. ps, top and
 *        sched_stats' busy_ns and irq_ns show what it measures.
 */
void sched_accounting_start(void);

/**
 * @brief trace_start (<brigade/trace.h>), then name every live task in the
 *        calling core's ring (up to an eighth of its capacity), so a trace
 *        shows the names of tasks spawned before it began.
 */
int sched_trace_start(unsigned events_per_core);

/** @brief True once sched_accounting_start has been called. */
bool sched_accounting_on(void);

/**
 * @brief Fill @p out with up to @p max live tasks' CPU use, in no order;
 *        @return the number of live tasks (may exceed @p max).
 */
unsigned sched_task_usage(struct sched_task_usage *out, unsigned max);

/**
 * @brief Allocate the scheduler's state of every core (cpu_get(i)->sched).
 *        Called once at boot, after cpus_create and before the first
 *        task_spawn. @return false when there is no memory for it.
 */
bool sched_cpus_create(void);

/**
 * @brief Turn the calling core into a scheduler and never return. The boot
 *        core calls it with the first task already spawned; every other
 *        core calls it once it is up.
 */
__attribute__((noreturn)) void sched_run_core(void);

/** @brief True once some core runs the scheduler. */
bool sched_started(void);

/** @brief Counters of core @p core; false when there is no such core. */
bool sched_stats(unsigned core, struct sched_stats *out);

/**
 * @brief Heap held now by task stacks kept for reuse: every core's pools
 *        (sched_stats' stack_pool_bytes, with every page their slots grew)
 *        plus the free guarded stacks shared by all cores, the free pages
 *        kept for stack growth and the stack region's page tables. A cache
 *        bounded by the most tasks that held a stack at once, not a leak:
 *        a heap-leak check subtracts it.
 */
uint64_t sched_stack_cache_bytes(void);

/**
 * @brief Print every task (id, name, state, last core, wait reason, how long
 *        it has waited, to within a time slice) to the console, at most 64
 *        of them, then a count by state. Safe from panic handlers.
 */
void sched_dump_tasks(void);

/**
 * @brief Bracket a park that only an interrupt can end (a driver waiting for
 *        its device). While any such wait is open, all cores idle with no
 *        timer armed is not a deadlock: the device may still interrupt.
 */
void sched_irq_wait_begin(void);
void sched_irq_wait_end(void);

/**
 * @brief The calling task's C library state slot (newlib's struct _reent on
 *        bare metal), or NULL outside a task or with interrupts masked (the
 *        scheduler's own allocations, handlers: the core's state serves
 *        them). The kernel fills it on first use; the scheduler only keeps
 *        it and hands it back at exit.
 */
void **sched_libc_slot(void);

/** @brief Called with a task's C library state when the task exits. */
void sched_set_libc_release(void (*release)(void *state));

/**
 * @brief Set the time slice (default 10 ms). 0 turns preemption off and
 *        keeps the slice: a core running tasks still takes a timer
 *        interrupt each slice (and at least once a second), so turning
 *        preemption back on (any nonzero value), or shortening the slice,
 *        reaches the tasks already running within a slice or two (or a
 *        second and a slice or two, after a slice of more than a second).
 *        Any value up to UINT64_MAX ("never preempt") is allowed; a slice
 *        of more than 2^62 timer ticks (146 years at 1 GHz) is that long.
 */
void sched_set_time_slice_ns(uint64_t ns);

/**
 * @brief How many times a core that has run out of work looks again before
 *        it sleeps (default 100); returns the bound it replaces. A partner
 *        answering within the spin finds the core awake and sends no wake-up
 *        IPI; 0 sleeps at once. Spinning cores see a new bound at their next
 *        poll.
 */
uint32_t sched_set_idle_spin_polls(uint32_t polls);

/**
 * @brief End of the program, as Go ends it when main returns: stop every
 *        other core for good and wait until each has.
 *
 * The boot code calls it as soon as main returns, before exit handlers and
 * stdio flushing reuse main's stack, which tasks on other cores may still
 * be using. Interrupts stay masked on the calling core from then on, and no
 * other task runs anywhere: a yield returns at once, and waiting or exiting
 * panics, naming the task. A core that has not stopped after a second (a
 * host thread blocked in a system call) is reported and left behind; under
 * the host's sanitizers, where a task that never switches cannot be
 * stopped, without a report.
 */
void sched_stop_other_cores(void);

/**
 * @brief Run @p main_fn (the program's main) and, when it returns, stop
 *        every other core (sched_stop_other_cores) before returning its
 *        status; the caller goes on to exit.
 *
 * main_fn's frame lies below a gap that the stopping code uses, so not even
 * that code writes where main's locals were while other cores still run.
 */
int sched_run_main(int (*main_fn)(void));

#endif
