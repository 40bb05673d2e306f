/* select over channels, after Go's selectgo (runtime/select.go).
 *
 * 1. Order. The cases are polled in a random order (from the core's
 *    sched_rand), so of several ready cases each is equally likely to
 *    fire. The channels are locked in address order, each once however
 *    many cases name it: two selects over the same channels take the locks
 *    in the same order and cannot deadlock, and plain operations hold one
 *    lock only.
 * 2. Poll. With every lock held, the first ready case in poll order fires,
 *    exactly as a plain send or receive would.
 * 3. Wait. Otherwise one waiter record per case goes onto its channel's
 *    queue, all pointing to one sleeper record; all of them live on this
 *    task's stack. The timeout, if any, is a timer on this core's heap. The
 *    task parks while still holding every lock; they are released after the
 *    switch, so no waker can see it half asleep.
 * 4. Wake. Wakers race for the sleeper's `winner` word with a
 *    compare-and-swap: a channel operation (under its channel's lock), a
 *    close, or the timer (under no channel lock: it runs with interrupts
 *    masked from the timer heap, where taking channel locks could deadlock
 *    against a select parking on this core). The one winner completes its
 *    case and readies the task; losers skip the record. Once running, the
 *    task locks everything again and takes its remaining records off the
 *    queues, then cancels the timer.
 *
 * The timeout and the stack. The timer callback runs on the core whose heap
 * holds the timer, which may not be where the task runs by then. If a
 * channel case won, timer_cancel may find the timer already taken off the
 * heap by a callback that is about to run, or running, on that core: it
 * will lose the compare-and-swap, but it still reads the timer and the
 * sleeper, both on our stack. So the callback sets timer_done as its last
 * touch of them, and a select whose cancel came too late waits for that
 * flag (a few instructions on another core, with its interrupts masked)
 * before its frame goes away. When the timer wins, it sets the flag before
 * readying the task, so there is nothing to wait for.
 *
 * A timer that fires while the task is still on its way to sleep (the
 * deadline passed during the park: find_runnable runs this core's expired
 * timers) readies a task that is already marked parked; the scheduler
 * then usually does not switch at all (switch_away_to's next == prev case)
 * and the task goes on with the timeout won. Not always: another timer of
 * the same pass may ready its task into runnext after ours, moving ours to
 * the deque, or a thief may take ours, and the core switches away. Ours
 * then resumes on whichever core took it once the switch has published its
 * context (the sp wait in switch_to), and its lock_all waits on the lowest
 * channel lock until the parking core's finish_switch has released them
 * all, the lowest last: its locks are never seen half released.
 */

#include <brigade/chan.h>
#include <brigade/panic.h>

#include "chan_internal.h"

/* The lock set handed to task_park, on the selecting task's stack. */
struct lock_set {
  struct chan *const *chans; /* sorted by address, no repeats */
  size_t n;
};

static void lock_all(struct chan *const *chans, size_t n) {
  for (size_t i = 0; i < n; i++)
    spin_lock_raw(&chans[i]->lock);
}

static void unlock_all(struct chan *const *chans, size_t n) {
  for (size_t i = n; i-- > 0;)
    spin_unlock_raw(&chans[i]->lock);
}

/* task_park's unlock, run in the next context after the switch. From the
 * first release on, a waker may ready the select and it may run on another
 * core at once, but on waking its first step is to take the lowest lock.
 * Releasing that one last, and reading nothing of the lock set after it,
 * keeps the set (on its stack) valid for as long as we read it. */
static void unlock_after_park(void *arg) {
  const struct lock_set *set = arg;
  unlock_all(set->chans, set->n);
}

/* Insert c into the address-sorted set chans[0..*n), unless it is there:
 * insertion sort, moving each larger entry up one as it is passed (a
 * select has a few cases; a memmove call cost more than the moves). */
static void lock_set_add(struct chan **chans, size_t *n, struct chan *c) {
  for (size_t i = 0; i < *n; i++)
    if (chans[i] == c)
      return;
  size_t i = *n;
  for (; i > 0 && (uintptr_t)chans[i - 1] > (uintptr_t)c; i--)
    chans[i] = chans[i - 1];
  chans[i] = c;
  (*n)++;
}

static void select_timed_out(struct timer *t) {
  struct chan_sleeper *sleeper = t->arg;
  struct task *task = t->task;
  uint32_t waiting = SLEEPER_WAITING;
  bool won = __atomic_compare_exchange_n(&sleeper->winner, &waiting, SLEEPER_TIMED_OUT, false,
                                         __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
  /* Last touch of the timer and the sleeper: a select that lost its
   * cancel race may return (and free them) the moment it sees this. */
  __atomic_store_n(&sleeper->timer_done, 1, __ATOMIC_RELEASE);
  if (won)
    task_ready(task);
}

static struct chan_waitq *queue_of(struct chan_case *cs) {
  return cs->dir == CHAN_SEND ? &cs->chan->sendq : &cs->chan->recvq;
}

/* Steps 3 and 4: nothing was ready. Called with every lock held and
 * interrupts masked (irq is the caller's saved state). */
static __attribute__((noinline)) int select_wait(struct chan_case *cases, size_t n,
                                                 struct chan *const *locked, size_t nlocked,
                                                 int64_t timeout_ns, uint64_t deadline_ns,
                                                 unsigned long irq) {
  struct chan_sleeper sleeper = {.task = sched_self()->current};
  struct chan_waiter waiters[n ? n : 1];
  for (size_t i = 0; i < n; i++) {
    if (!cases[i].chan)
      continue;
    waiters[i] = (struct chan_waiter){.sleeper = &sleeper, .elem = cases[i].elem, .in_select = true,
                                      .case_index = (uint32_t)i};
    chan_waitq_push(queue_of(&cases[i]), &waiters[i]);
  }
  struct timer timer;
  bool timed = timeout_ns > 0;
  if (timed) {
    timer = (struct timer){.when = ns_to_ticks(deadline_ns), .fn = select_timed_out,
                           .task = sleeper.task, .arg = &sleeper};
    /* Interrupts stay masked until the switch, so this core cannot run the
     * timer before the task is marked parked (see task_sleep_until). */
    timer_add(sched_self(), &timer);
  }
  struct lock_set set = {.chans = locked, .n = nlocked};
  task_park("select", nlocked ? unlock_after_park : NULL, &set);

  lock_all(locked, nlocked);
  for (size_t i = 0; i < n; i++)
    if (cases[i].chan && waiters[i].queued)
      chan_waitq_remove(queue_of(&cases[i]), &waiters[i]);
  uint32_t winner = __atomic_load_n(&sleeper.winner, __ATOMIC_ACQUIRE);
  unlock_all(locked, nlocked);
  arch_irq_restore(irq);

  if (timed && winner != SLEEPER_TIMED_OUT && !timer_cancel(&timer))
    while (!__atomic_load_n(&sleeper.timer_done, __ATOMIC_ACQUIRE))
      arch_cpu_relax();
  if (winner == SLEEPER_TIMED_OUT)
    return CHAN_SELECT_TIMEOUT;
  if (winner == SLEEPER_WAITING)
    panic("select in task %u (%s) was readied by someone outside it", (unsigned)sleeper.task->id,
          task_name(sleeper.task));
  struct chan_case *fired = &cases[winner - 1];
  if (fired->dir == CHAN_SEND && !sleeper.ok)
    chan_panic("send on closed channel", chan_name(fired->chan), fired->chan);
  fired->ok = sleeper.ok;
  return (int)(winner - 1);
}

int chan_select(struct chan_case *cases, size_t n, bool has_default, int64_t timeout_ns) {
  if (n > CHAN_SELECT_MAX_CASES)
    chan_panic("select with more than CHAN_SELECT_MAX_CASES cases", NULL, NULL);
  uint64_t deadline_ns = 0;
  if (timeout_ns > 0) {
    uint64_t now = task_now_ns();
    deadline_ns = (uint64_t)timeout_ns > UINT64_MAX - now ? UINT64_MAX : now + (uint64_t)timeout_ns;
  }

  /* Step 1: a random poll order (inside-out Fisher-Yates) and the lock set.
   * One draw from the core's generator seeds a local xorshift for the rest:
   * each sched_rand is a call that masks interrupts. */
  uint16_t poll[n ? n : 1];
  struct chan *locked[n ? n : 1];
  size_t npoll = 0, nlocked = 0;
  uint32_t rand = n > 1 ? sched_rand() : 0;
  for (size_t i = 0; i < n; i++) {
    if (!cases[i].chan)
      continue;
    size_t j = 0;
    if (npoll > 0) {
      j = rand % (npoll + 1);
      rand = xorshift32(rand);
    }
    poll[npoll] = poll[j];
    poll[j] = (uint16_t)i;
    npoll++;
    lock_set_add(locked, &nlocked, cases[i].chan);
  }
  if (npoll == 0 && !has_default && timeout_ns < 0)
    chan_panic("select with no channels, no default and no timeout (it would block forever)",
               NULL, NULL);

  /* Step 2: poll. */
  unsigned long irq = arch_irq_save();
  lock_all(locked, nlocked);
  for (size_t k = 0; k < npoll; k++) {
    struct chan_case *cs = &cases[poll[k]];
    struct chan *c = cs->chan;
    struct task *wake;
    if (cs->dir == CHAN_RECV) {
      enum chan_try got = chan_recv_locked(c, cs->elem, &wake);
      if (got == CHAN_TRY_WOULD_BLOCK)
        continue;
      cs->ok = got == CHAN_TRY_RECEIVED;
    } else {
      if (c->closed) {
        unlock_all(locked, nlocked);
        arch_irq_restore(irq);
        chan_panic("send on closed channel", chan_name(c), c);
      }
      if (!chan_send_locked(c, cs->elem, &wake))
        continue;
      cs->ok = true;
    }
    unlock_all(locked, nlocked);
    arch_irq_restore(irq);
    if (wake)
      task_ready(wake);
    return poll[k];
  }
  if (has_default || timeout_ns == 0) {
    unlock_all(locked, nlocked);
    arch_irq_restore(irq);
    return has_default ? CHAN_SELECT_DEFAULT : CHAN_SELECT_TIMEOUT;
  }
  return select_wait(cases, n, locked, nlocked, timeout_ns, deadline_ns, irq);
}
