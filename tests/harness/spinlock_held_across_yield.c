/* Lock validation: a task must not switch away holding a spinlock (another
 * task on this core could then spin on it for ever). Yielding while holding
 * one panics, naming the task and the lock. */
#include <brigade/spinlock.h>
#include <brigade/task.h>

#include "test.h"

static spinlock_t pool_lock = SPINLOCK_INIT("pool lock");

TEST(yielding_while_holding_a_spinlock_panics_naming_task_and_lock) {
  unsigned long irq = spin_lock_irqsave(&pool_lock);
  task_yield(); /* panics here */
  spin_unlock_irqrestore(&pool_lock, irq);
  test_fail(__FILE__, __LINE__, "the yield returned");
}
