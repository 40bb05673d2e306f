/**
 * @file spinlock.h
 * @brief Spinlocks for short critical sections between cores.
 *
 * Test-and-test-and-set with bounded exponential backoff, not a ticket lock.
 * A ticket lock is fair, but it hands the lock to one particular waiter; when
 * cores are virtual (QEMU runs one host thread per vCPU, and 8 vCPUs share 2
 * host cores here) that waiter is often descheduled, and every other core
 * then waits a whole host time slice for it. Measured: the malloc stress test
 * at -smp 8 took over 100 s with a ticket lock under load, 2-3 s with this
 * one. Critical sections in brigade are short and the scheduler's hot paths
 * take no lock at all, so fairness here buys little.
 *
 * Taking a spinlock with _irqsave masks interrupts on this core first: an
 * interrupt handler that wanted the same lock would otherwise spin forever
 * against the code it interrupted.
 *
 * Lock validation (cmake -DBRIGADE_LOCK_VALIDATE=ON; the host-asan and
 * qemu-sifive-u presets): every lock records the core that holds
 * it and each core keeps the list of locks it holds (struct cpu), so taking
 * a lock this core already holds, releasing one it does not hold, and
 * switching away from a task while holding one (sched/schedule.c) panic,
 * naming the lock and the task (kernel/lock_validate.c). Without it a lock
 * is one word and SPINLOCK_INIT's name is never stored.
 */
#ifndef BRIGADE_SPINLOCK_H
#define BRIGADE_SPINLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <brigade/arch.h>

typedef struct spinlock {
  uint32_t locked;
#ifdef BRIGADE_LOCK_VALIDATE
  uint32_t owner;              /**< holding core's index + 1; 0 while free */
  const char *name;            /**< for reports; NULL prints as "(unnamed)" */
  struct spinlock *next_held;  /**< the holding core's list of held locks */
#endif
} spinlock_t;

/*
 * Validation hooks (kernel/lock_validate.c); without validation they are
 * empty inlines and SPINLOCK_INIT drops the name.
 *   spin_validate_acquire   before spinning: panics if this core holds @p l
 *   spin_validate_acquired  after taking @p l: records this core as owner
 *   spin_validate_release   before releasing: panics unless this core holds @p l
 *   spin_validate_none_held panics if this core holds any lock; the scheduler
 *                           calls it when task @p task_id switches away
 *                           (@p doing: "parked", ...; @p wait_reason may be NULL)
 */
#ifdef BRIGADE_LOCK_VALIDATE
#define SPINLOCK_INIT(lock_name) {0, 0, (lock_name), 0}
void spin_validate_acquire(spinlock_t *l);
void spin_validate_acquired(spinlock_t *l);
void spin_validate_release(spinlock_t *l);
void spin_validate_none_held(uint32_t task_id, const char *task_name, const char *doing,
                             const char *wait_reason);
/* Reports end with what @p describe writes of the code running on this core
 * ("task 12 (worker)"); the scheduler registers it when it starts. */
void spin_validate_set_describer(void (*describe)(char *buf, size_t len));
#else
/** @brief A free lock; @p lock_name is what validation reports call it. */
#define SPINLOCK_INIT(lock_name) {0}
static inline void spin_validate_acquire(spinlock_t *l) { (void)l; }
static inline void spin_validate_acquired(spinlock_t *l) { (void)l; }
static inline void spin_validate_release(spinlock_t *l) { (void)l; }
static inline void spin_validate_none_held(uint32_t task_id, const char *task_name,
                                           const char *doing, const char *wait_reason) {
  (void)task_id, (void)task_name, (void)doing, (void)wait_reason;
}
static inline void spin_validate_set_describer(void (*describe)(char *buf, size_t len)) {
  (void)describe;
}
#endif

/** @brief Make @p l a free lock called @p name (for locks not statically initialised). */
static inline void spin_init(spinlock_t *l, const char *name) {
  (void)name;
  *l = (spinlock_t)SPINLOCK_INIT(name);
}

/* The bare test-and-set, without validation bookkeeping. */
static inline bool spin_take(spinlock_t *l) {
  /* Acquire: the critical section's accesses stay after taking the lock
   * (pairs with the release in spin_unlock_raw). */
  return __atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) == 0;
}

/* Fails, without a validation report, on a lock this core already holds:
 * panic and polled-output paths use it precisely to avoid that deadlock. */
static inline bool spin_trylock_raw(spinlock_t *l) {
  if (!spin_take(l))
    return false;
  spin_validate_acquired(l);
  return true;
}

static inline void spin_lock_raw(spinlock_t *l) {
  unsigned backoff = 1;
  spin_validate_acquire(l);
  while (!spin_take(l)) {
    /* Spin on a plain load so waiting cores share the line read-only
     * instead of bouncing it with failed swaps. */
    while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
      for (unsigned i = 0; i < backoff; i++)
        arch_cpu_relax();
      if (backoff < 256)
        backoff <<= 1;
    }
  }
  spin_validate_acquired(l);
}

static inline void spin_unlock_raw(spinlock_t *l) {
  spin_validate_release(l);
  /* Release: everything written under the lock is visible to the next owner. */
  __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(spinlock_t *l) {
  return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) != 0;
}

/** @brief Mask interrupts, then take @p l. Returns the token for spin_unlock_irqrestore. */
static inline unsigned long spin_lock_irqsave(spinlock_t *l) {
  unsigned long flags = arch_irq_save();
  spin_lock_raw(l);
  return flags;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags) {
  spin_unlock_raw(l);
  arch_irq_restore(flags);
}

#endif
