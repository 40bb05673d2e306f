/**
 * @file task.h
 * @brief brigade tasks: cheap goroutine-like threads of execution, run M:N
 *        on every core by the work-stealing scheduler (sched/schedule.c).
 *
 * All functions here are for task context (code running inside a task),
 * except task_spawn, which also works from boot code before the scheduler
 * starts, and task_ready, which also works from interrupt handlers.
 */
#ifndef BRIGADE_TASK_H
#define BRIGADE_TASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct task;
typedef struct task task_t;

/** Default size of a heap stack (task_attr.heap_stack, and every stack on
 *  the host), in bytes; a guarded stack reserves more by default
 *  (STACK_SLOT_DEFAULT_RESERVATION) and maps only what it uses. */
#define TASK_STACK_DEFAULT (16 * 1024)
/** Smallest stack a task may ask for: room for a full trap frame, a switch
 *  frame and the scheduler's own calls, with a margin. */
#define TASK_STACK_MIN (2 * 1024)
/** Value of task_attr.pin for a task that may run on any core. */
#define TASK_ANY_CORE (-1)

/** @brief Optional attributes for task_spawn. */
struct task_attr {
  /** 0: the default (a guarded stack's 256 KiB reservation,
   *  STACK_SLOT_DEFAULT_RESERVATION; a heap stack's TASK_STACK_DEFAULT);
   *  else >= TASK_STACK_MIN */
  size_t stack_size;
  const char *name;  /**< shown in task dumps; not copied, must outlive the task */
  int pin;           /**< core index the task is pinned to, or TASK_ANY_CORE */
  /** false (the default): on boards with a task-stack region (every
   *  bare-metal board), a guarded, growable stack: a reservation of
   *  stack_size rounded up to whole 4 KiB pages (less 16 bytes at the top,
   *  STACK_SLOT_TOP_RESERVED), in a slot of its own above an unmapped
   *  guard, of which only the pages the task touches are mapped (a page
   *  fault maps the next one), so an overflow panics at once naming the
   *  task. true: a fixed stack of
   *  exactly stack_size bytes from the heap (the only kind on the host),
   *  whose overflow is caught only by a canary at the task's next switch:
   *  the densest choice, for many small parked tasks. */
  bool heap_stack;
};

#define TASK_ATTR_INIT {.stack_size = 0, .name = NULL, .pin = TASK_ANY_CORE, .heap_stack = false}

/** Task states, as shown in dumps. */
enum task_state {
  TASK_FREE,     /**< not a task (a free slot in the task pool) */
  TASK_NEW,      /**< spawned, never run: owns no stack yet */
  TASK_RUNNABLE, /**< in a run queue */
  TASK_RUNNING,  /**< on a core now */
  TASK_PARKED,   /**< waiting for task_ready */
  TASK_DEAD,     /**< returned; its memory is being recycled */
};

/**
 * @brief Create a task that runs @p fn(@p arg).
 *
 * The task is queued on the calling core (or its pinned core) and may be
 * stolen by any other core unless pinned. It gets a stack only when it first
 * runs. When @p fn returns the task exits.
 *
 * @param out  where to store the new task (may be NULL). The pointer is valid
 *             only until the task exits.
 * @retval 0        spawned
 * @retval -ENOMEM  no memory for the task; nothing was created
 * @retval -EINVAL  bad attributes (stack too small, no such core)
 */
int task_spawn(task_t **out, void (*fn)(void *arg), void *arg, const struct task_attr *attr);

/** @brief Let other runnable tasks run; returns when this task is scheduled again. */
void task_yield(void);

/** @brief End the calling task now (as if its function had returned). */
__attribute__((noreturn)) void task_exit(void);

/** @brief The calling task, or NULL outside task context. */
task_t *task_current(void);

/**
 * @brief Index of the core the caller runs on right now: cpu_index(), named
 *        for task code (it may change after any switch).
 */
unsigned task_core(void);

/** @brief Id of @p t (unique among live tasks; ids are never 0). */
uint32_t task_id(const task_t *t);

/** @brief Name of @p t ("" when it has none). */
const char *task_name(const task_t *t);

/**
 * @brief State of @p t right now (it may change at once unless the caller
 *        owns what @p t waits for). For tests and debuggers: a test waits
 *        until a task is parked before inspecting it.
 */
enum task_state task_state(const task_t *t);

/** @brief Monotonic time in nanoseconds since boot. */
uint64_t task_now_ns(void);

/** @brief Sleep at least @p ns nanoseconds. task_sleep_ns(0) is a yield. */
void task_sleep_ns(uint64_t ns);

/** @brief Sleep until task_now_ns() >= @p deadline_ns. */
void task_sleep_until(uint64_t deadline_ns);

/**
 * @brief Park the calling task: it stops running until someone calls
 *        task_ready on it. The one blocking primitive under every wait.
 *
 * @p unlock(@p lock) runs after the task is fully switched out. Wakers find
 * parked tasks only under that lock, so a wake-up can never reach a task
 * that is still on its way to sleep: the lost-wakeup race is closed by
 * construction (see the essay in sched/schedule.c).
 *
 * @param reason  why the task waits, shown in dumps ("chan receive", ...)
 * @param unlock  may be NULL when nothing needs releasing
 */
void task_park(const char *reason, void (*unlock)(void *lock), void *lock);

/**
 * @brief Make a parked task runnable again. Callable from any core, any task
 *        and interrupt handlers. The task goes to this core's runnext slot
 *        (or to its pinned core), and one idle core is woken if needed.
 */
void task_ready(task_t *t);

/**
 * @brief Run @p fn(@p arg) once on every core (in a task pinned to it) and
 *        return when all have finished. Task context only.
 */
void smp_call_all(void (*fn)(void *arg), void *arg);

#endif
