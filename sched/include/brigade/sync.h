/**
 * @file sync.h
 * @brief Blocking synchronisation between tasks, built on task_park/task_ready.
 */
#ifndef BRIGADE_SYNC_H
#define BRIGADE_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include <brigade/spinlock.h>

struct task;

/**
 * @brief A WaitGroup, as in Go: wait until a counter drops to zero.
 *
 * waitgroup_add(+n) before starting n pieces of work, waitgroup_done() as
 * each finishes, waitgroup_wait() to block until all have. The counter going
 * negative is a bug and panics.
 */
struct waitgroup {
  int64_t count;
  spinlock_t lock;
  struct task *waiters;
};

#define WAITGROUP_INIT {0, SPINLOCK_INIT("waitgroup"), 0}

void waitgroup_add(struct waitgroup *wg, int64_t delta);
void waitgroup_done(struct waitgroup *wg);
void waitgroup_wait(struct waitgroup *wg);

/*
 * Every primitive below keeps its waiting tasks in a FIFO of records that
 * live on the waiters' own stacks (a task waits in one place at a time), so
 * waiting allocates nothing and struct task stays 96 bytes. The queue is
 * guarded by the primitive's own spinlock, held for a few instructions and
 * released by task_park only after the waiter has switched out. Calls that
 * wait park, so they are for task context only; sem_release, cond_signal
 * and cond_broadcast only take the queue lock with interrupts masked and
 * ready tasks, so an interrupt handler may call them too.
 */

struct sync_waiter;

/** @brief A queue of waiting tasks (internal; records are in sched/sync_waitq.h). */
struct sync_waitq {
  struct sync_waiter *head, *tail;
};

#define SYNC_WAITQ_INIT {0, 0}

/* ---- Mutex ----------------------------------------------------------------- */

/**
 * @brief How long a task may wait for a mutex before the mutex turns fair
 *        (starvation mode), in nanoseconds. Go uses the same 1 ms.
 */
#define MUTEX_STARVATION_NS (1000u * 1000u)

/**
 * @brief A mutual-exclusion lock for tasks, as Go's sync.Mutex.
 *
 * Normal mode: a task that finds the mutex free takes it, even if others
 * are queued (barging): a running task holds a warm cache and a core, so
 * letting it in beats switching to a woken waiter. Locking and unlocking an
 * uncontended mutex is one compare-and-swap each, with no lock taken.
 *
 * Starvation mode: a woken waiter that has waited longer than
 * MUTEX_STARVATION_NS and still loses the race turns the mutex fair. Unlock
 * then hands ownership straight to the oldest waiter, and newcomers queue at
 * the back. The mutex goes back to normal mode when the waiter it hands off
 * to waited less than the threshold, or was the last one.
 *
 * A mutex is not tied to a task: any task may unlock a locked mutex, as in
 * Go. Unlocking one that is not locked panics.
 *
 * Destroy after unlock is safe, as with POSIX mutexes: a task may free @p m
 * (or leave the stack frame it lives in) right after its own mutex_unlock
 * returns, or right after taking and unlocking it, once no other task is
 * inside mutex_lock on it. mutex_unlock touches @p m after making it
 * available only to wake a queued waiter (who is such a task), and readies
 * that waiter after its last access to @p m, so the waiter, too, may unlock
 * and destroy @p m as soon as it runs.
 */
struct mutex {
  uint32_t state;            /* locked, woken, starving bits; waiter count above them */
  spinlock_t lock;           /* guards waiters (and the count, kept equal to it) */
  struct sync_waitq waiters; /* FIFO; a woken waiter that loses goes back to the front */
  uint32_t handoffs;         /* unlocks that handed ownership over in starvation mode */
};

#define MUTEX_INIT {0, SPINLOCK_INIT("mutex"), SYNC_WAITQ_INIT, 0}

/** @brief Take @p m, parking (reason "mutex") until it is free. Task context only. */
void mutex_lock(struct mutex *m);

/**
 * @brief Release @p m, waking one waiter if there is one (normal mode) or
 *        handing @p m to the oldest waiter (starvation mode). Panics, naming
 *        the mutex and the calling task, if @p m is not locked.
 */
void mutex_unlock(struct mutex *m);

/**
 * @brief Take @p m only if it is free right now; never parks.
 * @return true when the caller now holds @p m. Always false in starvation
 *         mode, where the mutex is promised to its oldest waiter.
 */
bool mutex_trylock(struct mutex *m);

/**
 * @brief How many times @p m has been handed to a waiter in starvation mode
 *        since it was initialised. For tests and diagnostics; the value may
 *        be stale by the time it is read.
 */
uint32_t mutex_starvation_handoffs(const struct mutex *m);

/* ---- Semaphore ------------------------------------------------------------- */

/**
 * @brief A counting semaphore: at most as many tasks as there are permits
 *        get past sem_acquire until permits are given back.
 *
 * Strictly FIFO: a released permit goes straight to the oldest waiter, and
 * while anyone waits no permit is left lying around for a newcomer to take.
 * Acquiring an available permit is one compare-and-swap.
 */
struct semaphore {
  uint32_t count;            /* permits available; 0 whenever waiters is not empty */
  spinlock_t lock;           /* guards waiters */
  struct sync_waitq waiters;
};

/** @brief A semaphore holding @p n permits. */
#define SEMAPHORE_INIT(n) {(n), SPINLOCK_INIT("semaphore"), SYNC_WAITQ_INIT}

/** @brief Take a permit, parking (reason "semaphore") until one is free. Task context only. */
void sem_acquire(struct semaphore *s);

/**
 * @brief Take a permit only if one is free right now; never parks.
 * @return true when the caller got a permit.
 */
bool sem_try_acquire(struct semaphore *s);

/**
 * @brief Give a permit back: to the oldest waiter if there is one, else to
 *        the count. Callable from any task or interrupt handler. Panics if
 *        the count would overflow.
 */
void sem_release(struct semaphore *s);

/* ---- Once ------------------------------------------------------------------ */

/**
 * @brief Run a function exactly once, as Go's sync.Once: the first
 *        once_do runs it, the others wait until it has returned.
 */
struct once {
  uint32_t state;            /* not run, running, done */
  spinlock_t lock;           /* guards waiters and runner */
  struct sync_waitq waiters;
  struct task *runner;       /* running fn, to report fn calling once_do on its own once */
};

#define ONCE_INIT {0, SPINLOCK_INIT("once"), SYNC_WAITQ_INIT, 0}

/**
 * @brief Call @p fn(@p arg) if no once_do on @p o has yet; in every case
 *        return only once that one call of fn has returned.
 *
 * Callers that arrive while fn runs park (reason "once") until it is done;
 * after that, once_do is a single acquire load. fn calling once_do on the
 * same @p o would wait for itself forever, so it panics instead.
 *
 * Destroying @p o is safe, as with POSIX objects, as soon as one once_do on
 * it has returned and no other call on it is still in progress: the call
 * that ran fn touches @p o for the last time when it publishes that fn is
 * done, before any caller can return. So a once on a task's stack may go
 * away with the frame.
 */
void once_do(struct once *o, void (*fn)(void *arg), void *arg);

/* ---- Condition variable ---------------------------------------------------- */

/**
 * @brief A condition variable (Mesa semantics), as Go's sync.Cond with the
 *        mutex passed to each wait.
 *
 * A woken waiter re-takes the mutex and returns; the condition may have
 * changed again by then (another task got the mutex first), so wait in a
 * loop: `while (!ready) cond_wait(&c, &m);`.
 */
struct cond {
  spinlock_t lock;           /* guards waiters */
  struct sync_waitq waiters;
};

#define COND_INIT {SPINLOCK_INIT("cond"), SYNC_WAITQ_INIT}

/**
 * @brief Release @p m, wait for cond_signal or cond_broadcast, re-take @p m.
 *
 * The caller must hold @p m. The caller is queued before @p m is released,
 * so a signal sent by whoever takes @p m next is never lost. Parks with
 * reason "cond". Task context only.
 */
void cond_wait(struct cond *c, struct mutex *m);

/** @brief Wake the task that has waited longest on @p c, if any. Holding the mutex is optional. */
void cond_signal(struct cond *c);

/** @brief Wake every task waiting on @p c. Holding the mutex is optional. */
void cond_broadcast(struct cond *c);

#endif
