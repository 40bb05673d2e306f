/* newlib's retargetable locks (it was configured with
 * --enable-newlib-retargetable-locking), so malloc, stdio and the other
 * shared parts of newlib are safe when every core calls them at once.
 *
 * Each lock is a ticket spinlock held with interrupts masked; a recursive
 * lock remembers its owner so newlib can re-enter it (printf -> malloc ->
 * ...). The owner is the core, since nothing can switch away from code that
 * holds a lock with interrupts masked.
 */
#include <stdlib.h>
#include <sys/lock.h>

#include <brigade/cpu.h>
#include <brigade/panic.h>
#include <brigade/spinlock.h>

struct __lock {
  spinlock_t spin;
  const void *owner;
  unsigned depth;
  unsigned long irq;
};

/* The static locks newlib names (otherwise it links its own no-op ones). */
struct __lock __lock___sinit_recursive_mutex, __lock___sfp_recursive_mutex,
    __lock___atexit_recursive_mutex, __lock___at_quick_exit_mutex,
    __lock___malloc_recursive_mutex, __lock___env_recursive_mutex, __lock___tz_mutex,
    __lock___dd_hash_mutex, __lock___arc4random_mutex;

static char boot_owner; /* stands for the boot core before per-core state exists */

static const void *self(void) {
  const void *me = this_cpu();
  return me ? me : &boot_owner;
}

void __retarget_lock_init(_LOCK_T *lock) {
  *lock = calloc(1, sizeof(struct __lock));
  if (!*lock)
    panic("out of memory creating a newlib lock");
}

void __retarget_lock_init_recursive(_LOCK_T *lock) { __retarget_lock_init(lock); }

void __retarget_lock_close(_LOCK_T lock) { free(lock); }

void __retarget_lock_close_recursive(_LOCK_T lock) { free(lock); }

void __retarget_lock_acquire_recursive(_LOCK_T lock) {
  const void *me = self();
  if (lock->owner == me) {
    lock->depth++;
    return;
  }
  unsigned long irq = spin_lock_irqsave(&lock->spin);
  lock->owner = me;
  lock->depth = 1;
  lock->irq = irq;
}

int __retarget_lock_try_acquire_recursive(_LOCK_T lock) {
  const void *me = self();
  if (lock->owner == me) {
    lock->depth++;
    return 1;
  }
  unsigned long irq = arch_irq_save();
  if (!spin_trylock_raw(&lock->spin)) {
    arch_irq_restore(irq);
    return 0;
  }
  lock->owner = me;
  lock->depth = 1;
  lock->irq = irq;
  return 1;
}

void __retarget_lock_release_recursive(_LOCK_T lock) {
  if (lock->owner != self() || lock->depth == 0)
    panic("newlib lock %p released by a core that does not hold it", (void *)lock);
  if (--lock->depth)
    return;
  unsigned long irq = lock->irq;
  lock->owner = NULL;
  spin_unlock_irqrestore(&lock->spin, irq);
}

void __retarget_lock_acquire(_LOCK_T lock) {
  if (lock->owner == self())
    panic("newlib lock %p acquired twice by one core (not a recursive lock)", (void *)lock);
  __retarget_lock_acquire_recursive(lock);
}

int __retarget_lock_try_acquire(_LOCK_T lock) {
  if (lock->owner == self())
    return 0;
  return __retarget_lock_try_acquire_recursive(lock);
}

void __retarget_lock_release(_LOCK_T lock) { __retarget_lock_release_recursive(lock); }
