/* OWNER_STORE: a store to a word that one core alone writes (its own
 * deque's slots and bottom, a task's state while it runs there, counters)
 * but other cores may read. */
#ifndef BRIGADE_SCHED_OWNER_STORE_H
#define BRIGADE_SCHED_OWNER_STORE_H

/* On hardware a plain volatile store: the store is relaxed, and where an
 * algorithm needs more, fences beside it do the ordering (the deque's; GCC's
 * fences are compiler barriers too). RISC-V GCC 12 turns a relaxed atomic
 * store into an amoswap, which takes no address offset (an extra add each)
 * and is a read-modify-write where a store will do; aligned word stores
 * cannot tear. ThreadSanitizer does not model fences and must see the store
 * as atomic: its build makes the atomic store, with the order the
 * OWNER_STORE_ORDERED caller names in place of the fence beside it. */
#if defined(__SANITIZE_THREAD__)
#define OWNER_STORE_ORDERED(lv, v, tsan_order) __atomic_store_n(&(lv), (v), (tsan_order))
#else
#define OWNER_STORE_ORDERED(lv, v, tsan_order) (*(volatile __typeof__(lv) *)&(lv) = (v))
#endif
#define OWNER_STORE(lv, v) OWNER_STORE_ORDERED(lv, v, __ATOMIC_RELAXED)

#endif
