/* Lock validation: a task may park holding only the lock it hands to the
 * park. Parking on a channel while holding another spinlock panics, naming
 * the task, its wait and the lock. */
#include <brigade/chan.h>
#include <brigade/spinlock.h>

#include "test.h"

static spinlock_t pool_lock = SPINLOCK_INIT("pool lock");

TEST(parking_while_holding_a_spinlock_panics_naming_task_and_lock) {
  struct chan *c = chan_make(sizeof(int), 0, "requests");
  ASSERT(c);
  unsigned long irq = spin_lock_irqsave(&pool_lock);
  int v;
  chan_recv(c, &v); /* parks holding pool_lock: panics once it has switched away */
  spin_unlock_irqrestore(&pool_lock, irq);
  test_fail(__FILE__, __LINE__, "the receive returned");
}
