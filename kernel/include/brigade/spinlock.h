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
 */
#ifndef BRIGADE_SPINLOCK_H
#define BRIGADE_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include <brigade/arch.h>

typedef struct spinlock {
  uint32_t locked;
} spinlock_t;

#define SPINLOCK_INIT {0}

static inline bool spin_trylock_raw(spinlock_t *l) {
  /* Acquire: the critical section's accesses stay after taking the lock
   * (pairs with the release in spin_unlock_raw). */
  return __atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) == 0;
}

static inline void spin_lock_raw(spinlock_t *l) {
  unsigned backoff = 1;
  while (!spin_trylock_raw(l)) {
    /* Spin on a plain load so waiting cores share the line read-only
     * instead of bouncing it with failed swaps. */
    while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
      for (unsigned i = 0; i < backoff; i++)
        arch_cpu_relax();
      if (backoff < 256)
        backoff <<= 1;
    }
  }
}

static inline void spin_unlock_raw(spinlock_t *l) {
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
