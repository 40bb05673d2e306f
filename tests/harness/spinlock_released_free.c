/* Lock validation: releasing a spinlock nobody holds panics, naming the
 * lock and the task. */
#include <brigade/spinlock.h>

#include "test.h"

static spinlock_t pool_lock = SPINLOCK_INIT("pool lock");

TEST(releasing_a_free_spinlock_panics_naming_lock_and_task) {
  unsigned long irq = spin_lock_irqsave(&pool_lock);
  spin_unlock_raw(&pool_lock);
  spin_unlock_raw(&pool_lock); /* panics here */
  arch_irq_restore(irq);
  test_fail(__FILE__, __LINE__, "the second spin_unlock returned");
}
