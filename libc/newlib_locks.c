/* newlib's retargetable locks (it was configured with
 * --enable-newlib-retargetable-locking), so malloc, stdio and the other
 * shared parts of newlib are safe when every core calls them at once.
 *
 * Two kinds, because newlib holds its locks across very different spans:
 *
 * - The static locks it names (malloc, the FILE list, atexit, env, ...)
 *   guard short, CPU-only sections. They are spinlocks held with interrupts
 *   masked, owned by the core: nothing can switch away inside them.
 *
 * - Every lock newlib creates at run time is a FILE's lock, and stdio holds
 *   it across _write and _read, which park the task on the UART. Those are
 *   task mutexes (sched/mutex.c), owned by the task: a writer waiting for
 *   UART room gives its core to others, and a second task printing to the
 *   same FILE parks behind it instead of spinning. Code that cannot park
 *   (no task, or interrupts masked) takes them by spinning on trylock.
 *
 * Both are recursive where newlib asks (printf -> malloc -> ...): the owner
 * is remembered and re-entry only counts.
 */
#include <stdlib.h>
#include <sys/lock.h>

#include <brigade/cpu.h>
#include <brigade/panic.h>
#include <brigade/spinlock.h>
#include <brigade/sync.h>
#include <brigade/task.h>

struct __lock {
  spinlock_t spin;    /* static locks */
  struct mutex mutex; /* run-time (FILE) locks */
  bool parks;         /* which of the two this lock uses */
  const void *owner;  /* written only by the owner; others only compare */
  unsigned depth;
  unsigned long irq;  /* static locks: the interrupt state to restore */
};

/* The static locks newlib names (otherwise it links its own no-op ones),
 * each called by what it guards in lock-validation reports. */
#define STATIC_LOCK(what) {.spin = SPINLOCK_INIT("newlib " what)}
struct __lock __lock___sinit_recursive_mutex = STATIC_LOCK("stdio init"),
              __lock___sfp_recursive_mutex = STATIC_LOCK("FILE list"),
              __lock___atexit_recursive_mutex = STATIC_LOCK("atexit"),
              __lock___at_quick_exit_mutex = STATIC_LOCK("at_quick_exit"),
              __lock___malloc_recursive_mutex = STATIC_LOCK("malloc"),
              __lock___env_recursive_mutex = STATIC_LOCK("environment"),
              __lock___tz_mutex = STATIC_LOCK("time zone"),
              __lock___dd_hash_mutex = STATIC_LOCK("telldir hash"),
              __lock___arc4random_mutex = STATIC_LOCK("arc4random");

static char boot_owner; /* stands for the boot core before per-core state exists */

static const void *this_core(void) {
  const void *me = this_cpu();
  return me ? me : &boot_owner;
}

/* The owner a lock records: the task for parking locks (it may move between
 * cores while it holds one), else the core. */
static const void *self(const struct __lock *lock) {
  if (lock->parks) {
    const void *t = task_current();
    if (t)
      return t;
  }
  return this_core();
}

static const void *owner_of(const struct __lock *lock) {
  return __atomic_load_n(&lock->owner, __ATOMIC_RELAXED);
}

static void set_owner(struct __lock *lock, const void *owner) {
  __atomic_store_n(&lock->owner, owner, __ATOMIC_RELAXED);
}

void __retarget_lock_init(_LOCK_T *lock) {
  *lock = calloc(1, sizeof(struct __lock));
  if (!*lock)
    panic("out of memory creating a newlib lock");
  (*lock)->mutex = (struct mutex)MUTEX_INIT;
  (*lock)->parks = true;
}

void __retarget_lock_init_recursive(_LOCK_T *lock) { __retarget_lock_init(lock); }

void __retarget_lock_close(_LOCK_T lock) { free(lock); }

void __retarget_lock_close_recursive(_LOCK_T lock) { free(lock); }

/* Parking needs a task (self() found one rather than the core) and
 * interrupts on. */
static bool may_park(const void *me) { return me != this_core() && arch_irq_enabled(); }

void __retarget_lock_acquire_recursive(_LOCK_T lock) {
  const void *me = self(lock);
  if (owner_of(lock) == me) {
    lock->depth++;
    return;
  }
  if (lock->parks) {
    if (may_park(me)) {
      mutex_lock(&lock->mutex);
    } else {
      while (!mutex_trylock(&lock->mutex))
        arch_cpu_relax(); /* held by a task on another core, which will let go */
    }
  } else {
    lock->irq = spin_lock_irqsave(&lock->spin);
  }
  set_owner(lock, me);
  lock->depth = 1;
}

int __retarget_lock_try_acquire_recursive(_LOCK_T lock) {
  const void *me = self(lock);
  if (owner_of(lock) == me) {
    lock->depth++;
    return 1;
  }
  if (lock->parks) {
    if (!mutex_trylock(&lock->mutex))
      return 0;
  } else {
    unsigned long irq = arch_irq_save();
    if (!spin_trylock_raw(&lock->spin)) {
      arch_irq_restore(irq);
      return 0;
    }
    lock->irq = irq;
  }
  set_owner(lock, me);
  lock->depth = 1;
  return 1;
}

void __retarget_lock_release_recursive(_LOCK_T lock) {
  if (owner_of(lock) != self(lock) || lock->depth == 0)
    panic("newlib lock %p released by a %s that does not hold it", (void *)lock,
          lock->parks ? "task" : "core");
  if (--lock->depth)
    return;
  set_owner(lock, NULL);
  if (lock->parks) {
    mutex_unlock(&lock->mutex);
  } else {
    unsigned long irq = lock->irq;
    spin_unlock_irqrestore(&lock->spin, irq);
  }
}

void __retarget_lock_acquire(_LOCK_T lock) {
  if (owner_of(lock) == self(lock))
    panic("newlib lock %p acquired twice by one %s (not a recursive lock)", (void *)lock,
          lock->parks ? "task" : "core");
  __retarget_lock_acquire_recursive(lock);
}

int __retarget_lock_try_acquire(_LOCK_T lock) {
  if (owner_of(lock) == self(lock))
    return 0;
  return __retarget_lock_try_acquire_recursive(lock);
}

void __retarget_lock_release(_LOCK_T lock) { __retarget_lock_release_recursive(lock); }

/* For a stack growth fault (kernel/stack_slot_paging.c, stack_slot_set_heap_lock):
 * malloc's lock, only if neither another core nor this one holds it. The
 * owner test comes first: the recursive trylock would succeed for the
 * owner, and a fault inside malloc must not re-enter it. In the moments
 * when this core holds the spin but the owner is not written yet (or no
 * longer), the spin trylock fails, so those are safe too. */
bool libc_heap_trylock_for_fault(void) {
  struct __lock *lock = &__lock___malloc_recursive_mutex;
  if (owner_of(lock) == this_core())
    return false;
  return __retarget_lock_try_acquire_recursive(lock) != 0;
}

void libc_heap_unlock_for_fault(void) {
  __retarget_lock_release_recursive(&__lock___malloc_recursive_mutex);
}
