/* Lock validation: taking a spinlock the core already holds would spin for
 * ever against itself; it panics instead, naming the lock and the task. */
#include <brigade/spinlock.h>

#include "test.h"

static spinlock_t pool_lock = SPINLOCK_INIT("pool lock");

TEST(taking_a_spinlock_this_core_holds_panics_naming_lock_and_task) {
  unsigned long irq = spin_lock_irqsave(&pool_lock);
  spin_lock_raw(&pool_lock); /* panics here instead of hanging */
  spin_unlock_irqrestore(&pool_lock, irq);
  test_fail(__FILE__, __LINE__, "the second spin_lock returned");
}
