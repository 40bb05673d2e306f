/*
 * brigade's scheduler
 * ===================
 *
 * What the pieces are
 * -------------------
 * A *task* (Go's G, struct task in task_internal.h) is a function to run, a
 * saved stack pointer and a little bookkeeping: 96 bytes. It owns no stack
 * until it first runs, so a million spawned tasks cost 96 MB, not 16 GB.
 *
 * A *core* (Go's M, and its P, merged: brigade never has more runnable
 * contexts than cores) runs one scheduler loop and never migrates. Its state
 * is struct sched_cpu: a work-stealing deque, a `runnext` slot, an inbox for
 * tasks pinned to it, a timer heap and counters.
 *
 * The *global queue* (global_queue.c) takes what overflows a full deque and
 * is read by every core now and then, so no task waits forever behind a busy
 * core's local work.
 *
 * Where the next task comes from (find_runnable)
 * ----------------------------------------------
 *   1. every 61st schedule, the global queue first (Go's fairness rule; 61 is
 *      prime so the check does not fall into step with periodic workloads);
 *   2. `runnext`: the task this core readied last. A task that wakes another
 *      and then blocks (a channel hand-off) gets its partner onto the same
 *      core, cache-warm, at once; it inherits the time slice, so two tasks
 *      ping-ponging cannot starve the rest of the queue;
 *   3. the local deque, from the bottom: the task spawned last. This is
 *      Cilk's work-first order: a fork-join program runs depth-first, so the
 *      number of tasks holding a stack at once stays near depth x cores,
 *      where FIFO order would give every pending child of a wide tree its
 *      own stack. C stacks cannot grow as Go's do, so this matters more
 *      here than in Go;
 *   4. tasks pinned to this core (its inbox drains into a private FIFO);
 *   5. the global queue, taking a fair share into the local deque;
 *   6. expired timers, which ready their tasks onto runnext (then go to 2);
 *   7. stealing (steal_work): victims in random order; from each, up to half
 *      of its deque, oldest first: the oldest tasks are the roots of the
 *      biggest remaining subtrees, so one steal moves a lot of work and
 *      thieves come back rarely. A victim's runnext is taken only as the
 *      last resort, since its owner is about to run it. A task that parks
 *      does not steal: it holds the lock it parks under until the switch
 *      away is done, and its partner's answer waits on that lock, so it
 *      searches this core alone and leaves the other cores to its idle
 *      loop (SEARCH_HERE below).
 * Yield and preemption take the *oldest* local task instead of the newest
 * (deque_take_oldest on the own deque), so tasks that yield run
 * round-robin. A yield that would find nothing in 1-7 returns at once
 * without the search (yield_finds_nothing_here: a few relaxed peeks).
 *
 * Why a Chase-Lev deque and not Go's FIFO ring: see above (work-first order
 * for bounded stacks) and deque.h for the memory orderings, which follow Lê
 * et al., PPoPP 2013.
 *
 * Switching
 * ---------
 * A switch goes straight from one task to the next on the outgoing task's
 * stack (no trip through a scheduler stack), with interrupts masked. What
 * the outgoing task needs done once it is off its stack (requeue it after a
 * yield, release the lock a parker held, free a dead task's stack) is left
 * in sched_cpu.after and done by finish_switch in the incoming context.
 * That is also what makes stealing safe: a task enters a queue only after
 * its context is saved. As a second line of defence, arch_switch publishes
 * the saved stack pointer with release ordering as its last store, a
 * running task's sp is NULL, and switch_to waits for a non-NULL sp with
 * acquire ordering before it resumes anything (Zephyr's switch_handle).
 *
 * Parking and the lost wake-up
 * ----------------------------
 * task_park(reason, unlock, lock) is the one blocking primitive. The parker
 * holds `lock` (the lock of the wait queue it put itself on) while it marks
 * itself parked and switches away; finish_switch releases `lock` only after
 * the switch, in the next context. A waker must take `lock` to find the
 * task, so it can only find it fully parked and saved: a wake-up can never
 * land between "decided to sleep" and "asleep" (the race xv6's sleep()
 * closes the same way, by holding the condition lock across the switch).
 * One waker needs no lock: the parker's own core's timer (a sleep, a
 * timeout), which the switch's own search may run. The task it readies
 * can be stolen before the switch ends; the thief waits in switch_to
 * until arch_switch has published the saved context, and nothing on the
 * parking core reads the task after that (finish_switch uses copies).
 * task_ready insists the task is parked and panics otherwise, so a second
 * wake-up while the task is still runnable or running is a report, not a
 * corrupt queue. (One that comes after the task has parked again looks
 * like a real wake-up: the runtime's own wakers are exact, each wait
 * having one winner, and a program's task_ready must be too.)
 *
 * Idle cores and wake-ups (Go's wakep)
 * ------------------------------------
 * A core that finds nothing first looks again for a short, bounded while
 * (idle_spin_sees_work: its own queues and the other deques, interrupts on),
 * so that a partner answering at once finds it awake and needs no IPI. Then
 * it announces itself idle (sched_cpu.idle = 1 and
 * nidle++, sequentially consistent), looks once more everywhere (its own
 * queues, its timers, and every core's deque and runnext), and only then
 * sleeps in wfi/wfe. Whoever makes work runnable publishes it first and
 * then, after a full fence, reads nidle: the two fences form a Dekker pair,
 * so either the publisher sees the idle core or the idle core sees the work.
 * (task_ready publishes into runnext with a seq_cst exchange and reads
 * nidle with a seq_cst load, which pairs with the idle core's fence the
 * same way without a fence of its own.)
 * The publisher wakes idle cores, one IPI each, while fewer woken cores
 * are still searching (nspinning) than it has tasks queued (deque and
 * runnext, counted as at least one): a single readied task wakes one core
 * and only when none is searching (Go's wakep), while a burst of spawns
 * wakes the idle cores together instead of one after another (each woken
 * core used to wake the next only once it had found work, so the k-th idle
 * core started k sleeping-core wake-ups after the burst). A woken core that
 * finds work still wakes another if it has more queued. Never a broadcast,
 * and a core with nothing to do sleeps after its one bounded spin.
 *
 * Time
 * ----
 * Each core keeps a min-heap of timers (timer.c) and programs its timer
 * compare to the earliest deadline, or to the end of the running task's time
 * slice if that is sooner; nothing ticks periodically. When a slice ends
 * and other work is waiting, the timer interrupt marks the core and the trap
 * exit path preempts the task (its whole register state is in the trap
 * frame), as if it had yielded.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brigade/irq.h>
#include <brigade/panic.h>
#include <brigade/stack_slot.h>
#include <brigade/sched.h>

#include "stack_pool.h"
#include "task_internal.h"
#include "test_hooks.h"
#include "trace_events.h"

#define STEAL_ROUNDS 4
#define IDLE_SPIN_POLLS_DEFAULT 100

#if defined(__SANITIZE_THREAD__)
uint32_t sched_fence_word;
#endif

#if defined(BRIGADE_SCHED_TEST_HOOKS)
void (*sched_test_hook)(enum sched_test_point point, void *arg);

void sched_test_set_hook(void (*hook)(enum sched_test_point point, void *arg)) {
  /* Release: pairs with the acquire in SCHED_TEST_HOOK. */
  __atomic_store_n(&sched_test_hook, hook, __ATOMIC_RELEASE);
}
#endif

static bool started;
unsigned sched_ncores; /* task_internal.h, sched_core_count */
struct sched_cpu *sched_cpus; /* task_internal.h, sched_of */
/* sched_ncores > 1, kept apart so that the yield finding nothing here tests it
 * with one branch on zero rather than a compare. */
static bool multicore;
/* The time slice, set before the scheduler starts (10 ms unless the program
 * chose) and never 0 after (its readers, the timer handler and the switch
 * out of the idle loop, run only after the start), and whether the timer
 * may preempt. Turning
 * preemption off keeps the slice: a core running tasks still takes a timer
 * interrupt every slice, so turning preemption back on reaches a task that
 * began to run while it was off. Were the timer left unarmed with it, such
 * a task would never be preempted, however long it ran (a core arms its
 * slice only when it leaves its idle loop, and re-arms it at each tick).
 * Relaxed: a program may change either from any core at any time, and a
 * core acts on the change at its next tick.
 *
 * A core running tasks takes that tick a slice after the last, but never
 * more than SLICE_LOOK_MAX_NS later (slice_look_ticks, the smaller of the
 * two): a slice shortened from a long one (UINT64_MAX ns, "never preempt",
 * to 1 ms) reaches the tasks already running within a second and a slice
 * or two, not when the long one would have ended. (test_sched's
 * a_time_slice_of_uint64_max_ns_lets_tasks_run left its core's timer armed
 * 2^62 ticks ahead, and the preemption test after it waited in vain.) */
#define SLICE_LOOK_MAX_NS (1000ull * 1000 * 1000)
static uint64_t slice_ticks, slice_look_ticks;
static bool preemption_off;
static uint32_t idle_spin_polls = IDLE_SPIN_POLLS_DEFAULT;
static uint32_t nidle;     /* cores asleep or about to be */
static uint32_t nspinning; /* cores woken to look for work, still looking */

#define STAT_ADD(c, field, n) OWNER_STORE((c)->stats.field, (c)->stats.field + (n))

/* A switch into a task: a new slice starts unless the task came from
 * runnext (it inherits the slice: a pair handing off to each other cannot
 * hog the core). The timer interrupt compares slice_switches over time; no
 * clock read here. The two counts together are the switch count, so a
 * switch makes one increment. */
static inline __attribute__((always_inline)) void count_switch(struct sched_cpu *c,
                                                               bool inherit) {
  if (inherit)
    OWNER_STORE(c->inherited_switches, c->inherited_switches + 1);
  else
    OWNER_STORE(c->slice_switches, c->slice_switches + 1);
}

/* Every switch core c has made into a task, from another core too. */
static uint64_t switch_count(const struct sched_cpu *c) {
  return __atomic_load_n(&c->slice_switches, __ATOMIC_RELAXED) +
         __atomic_load_n(&c->inherited_switches, __ATOMIC_RELAXED);
}

bool sched_started(void) { return __atomic_load_n(&started, __ATOMIC_ACQUIRE); }

uint64_t ns_to_ticks(uint64_t ns) {
  /* Round up: a deadline converted to ticks is never earlier than asked. */
  unsigned __int128 t = (unsigned __int128)ns * arch_tick_hz() + 999999999u;
  t /= 1000000000u;
  return t > UINT64_MAX ? UINT64_MAX : (uint64_t)t;
}

uint64_t ticks_to_ns(uint64_t ticks) {
  return (uint64_t)((unsigned __int128)ticks * 1000000000u / arch_tick_hz());
}

uint64_t task_now_ns(void) { return ticks_to_ns(arch_now_ticks()); }

/* The longest slice: now + slice must not wrap where a core arms its slice
 * timer (arm_slice_from_idle, on_timer_interrupt), or the deadline lands in
 * the past and the timer interrupts back to back. 2^62 ticks is 146 years
 * at 1 GHz (the host's tick, and ARMv8.6's), so no slice anyone means is cut. */
#define SLICE_TICKS_MAX (UINT64_MAX / 4)

static void set_slice_ticks(uint64_t ticks) {
  uint64_t look_max = ns_to_ticks(SLICE_LOOK_MAX_NS);
  if (ticks > SLICE_TICKS_MAX)
    ticks = SLICE_TICKS_MAX;
  __atomic_store_n(&slice_ticks, ticks, __ATOMIC_RELAXED);
  __atomic_store_n(&slice_look_ticks, ticks < look_max ? ticks : look_max, __ATOMIC_RELAXED);
}

void sched_set_time_slice_ns(uint64_t ns) {
  if (ns)
    set_slice_ticks(ns_to_ticks(ns));
  __atomic_store_n(&preemption_off, ns == 0, __ATOMIC_RELAXED);
}

uint32_t sched_set_idle_spin_polls(uint32_t polls) {
  /* Relaxed: a spinning core reads the bound on every poll and only needs
   * to see a new one eventually (a lowered bound ends a long spin). */
  return __atomic_exchange_n(&idle_spin_polls, polls, __ATOMIC_RELAXED);
}

void sched_arm_timer(struct sched_cpu *c, uint64_t deadline) {
  if (deadline == c->timer_armed)
    return;
  c->timer_armed = deadline;
  arch_timer_set(deadline);
}

/* ---- queues ---------------------------------------------------------------- */

/* The pinned FIFO is its core's alone, but the deadlock detector peeks at
 * its head from another core (a task a timer or device readied here in the
 * idle loop's interrupt window waits in it while this core still reads
 * idle), so the head is written with OWNER_STORE. */
static void pinned_append(struct sched_cpu *c, struct task *t) {
  t->link = NULL;
  if (c->pinned_tail)
    c->pinned_tail->link = t;
  else
    OWNER_STORE(c->pinned_head, t);
  c->pinned_tail = t;
}

static struct task *pinned_pop(struct sched_cpu *c) {
  struct task *t = c->pinned_head;
  if (t) {
    OWNER_STORE(c->pinned_head, t->link);
    if (!c->pinned_head)
      c->pinned_tail = NULL;
  }
  return t;
}

/* Tasks pinned to a core arrive through its inbox, a lock-free stack any
 * core may push to; the owner takes the whole stack at once. */
static void inbox_push(struct sched_cpu *target, struct task *t) {
  struct task *head = __atomic_load_n(&target->inbox, __ATOMIC_RELAXED);
  do
    t->link = head;
  while (!__atomic_compare_exchange_n(&target->inbox, &head, t, true, __ATOMIC_RELEASE,
                                      __ATOMIC_RELAXED));
}

static void inbox_drain(struct sched_cpu *c) {
  if (!__atomic_load_n(&c->inbox, __ATOMIC_RELAXED))
    return;
  /* Acquire: the pushers' writes to the tasks are visible. */
  struct task *list = __atomic_exchange_n(&c->inbox, NULL, __ATOMIC_ACQUIRE), *rev = NULL;
  while (list) { /* the stack is newest-first; keep arrival order */
    struct task *next = list->link;
    list->link = rev;
    rev = list;
    list = next;
  }
  while (rev) {
    struct task *next = rev->link;
    pinned_append(c, rev);
    rev = next;
  }
}

static void wake_core(unsigned index);

static __attribute__((noinline)) void runq_put_slow(struct sched_cpu *c, struct task *t);

/* Queue a runnable task on core c (the calling core, interrupts masked).
 * finish_switch_inline's requeue repeats this with its wake-up folded in. */
static inline void runq_put_inline(struct sched_cpu *c, struct task *t) {
  if (t->state != TASK_NEW)
    OWNER_STORE(t->state, TASK_RUNNABLE);
  if (__builtin_expect(t->pin == TASK_ANY_CORE && deque_push(&c->runq, t), 1))
    return;
  runq_put_slow(c, t);
}

void runq_put(struct sched_cpu *c, struct task *t) { runq_put_inline(c, t); }

/* Pinned tasks, and a full deque. */
static void runq_put_slow(struct sched_cpu *c, struct task *t) {
  unsigned me = this_cpu()->index;
  /* Read before the task is published: once it is in another core's inbox
   * it may run, exit and be recycled before wake_core is called. */
  int pin = t->pin;
  if (pin != TASK_ANY_CORE) {
    if ((unsigned)pin == me) {
      pinned_append(c, t);
    } else {
      inbox_push(sched_of((unsigned)pin), t);
      wake_core((unsigned)pin);
    }
    return;
  }
  if (deque_push(&c->runq, t))
    return;
  /* Deque full: move the older half, plus t, to the global queue in one
   * batch (Go's runqputslow), so the lock is taken once per many spawns.
   * The half is claimed with one CAS; its tasks are linked only once they
   * are ours (a task a thief took may already be on another queue). */
  struct task *head = NULL, *tail = NULL;
  int64_t first = 0;
  unsigned n = deque_claim_oldest(&c->runq, SCHED_DEQUE_SIZE / 2, &first);
  for (unsigned i = 0; i < n; i++) {
    struct task *x = deque_claimed(&c->runq, first + i);
    if (tail)
      tail->link = x;
    else
      head = x;
    tail = x;
  }
  t->link = NULL;
  if (tail)
    tail->link = t;
  else
    head = t;
  global_put_batch(head, t, n + 1);
}

/* ---- waking idle cores ------------------------------------------------------ */

static void send_wakeup(unsigned index) {
  struct sched_cpu *me = sched_self();
  STAT_ADD(me, wakeups_sent, 1);
  TRACE(TRACE_IPI_SEND, index);
  arch_send_ipi(cpu_get(index));
}

/* A core stops counting as spinning. Every decrement has an increment
 * before it in nspinning's modification order (the waker counts a core
 * before claiming it), so the count never goes below zero; if it did,
 * every wake_idle_core would return early until the increment landed. */
static void spinning_done(void) {
  if (__atomic_fetch_sub(&nspinning, 1, __ATOMIC_SEQ_CST) == 0)
    panic("scheduler: the count of spinning cores went below zero (core %u)",
          this_cpu()->index);
}

/* Wake a specific core if it sleeps (pinned work for it). */
static void wake_core(unsigned index) {
  /* Full fence: the inbox push is ordered before reading the idle flag
   * (Dekker pair with the idle path's fence). */
  sched_full_fence();
  struct sched_cpu *c = sched_of(index);
  if (!__atomic_load_n(&c->idle, __ATOMIC_RELAXED))
    return;
  /* Count the target as spinning before claiming it, as wake_idle_core
   * does: once its idle flag is ours, the target may wake on its own (a
   * timer, a device), see the claim and stop spinning at once. Its
   * decrement must find our increment already there: the claim (a seq_cst
   * CAS, so a release) comes after the increment in program order, and the
   * target reads the claim with acquire ordering before it decrements, so
   * our increment happens before its decrement. */
  __atomic_fetch_add(&nspinning, 1, __ATOMIC_SEQ_CST);
  uint32_t one = 1;
  if (!__atomic_compare_exchange_n(&c->idle, &one, 0, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
    spinning_done(); /* it woke first, or another waker claimed it */
    return;
  }
  SCHED_TEST_HOOK(SCHED_TEST_WAKE_CORE_CLAIMED, (uintptr_t)index);
  __atomic_fetch_sub(&nidle, 1, __ATOMIC_SEQ_CST);
  send_wakeup(index);
}

/* How many idle cores the work this core has queued can use at once: its
 * deque and its runnext, and never less than one (the caller has just
 * published a task, possibly where this count does not look: the global
 * queue after an overflow, or a task a thief took already). Relaxed loads:
 * a hint for how many to wake, not a claim; our own deque's bottom and
 * runnext are written by this core, and a stale top only makes the count
 * larger (top only grows), which wakes a core that may find nothing and go
 * back to sleep. */
static uint32_t wake_budget(struct sched_cpu *c) {
  int64_t queued = __atomic_load_n(&c->runq.bottom, __ATOMIC_RELAXED) -
                   __atomic_load_n(&c->runq.top, __ATOMIC_RELAXED);
  if (__atomic_load_n(&c->runnext, __ATOMIC_RELAXED))
    queued++;
  return queued > 1 ? (uint32_t)queued : 1;
}

/* Count one more core as spinning if fewer than `budget` are: a seat for
 * the core we are about to wake. False if the seats are taken. */
static bool take_spinning_seat(uint32_t budget) {
  uint32_t spinning = __atomic_load_n(&nspinning, __ATOMIC_RELAXED);
  do
    if (spinning >= budget)
      return false; /* enough cores are looking already */
  while (!__atomic_compare_exchange_n(&nspinning, &spinning, spinning + 1, true, __ATOMIC_SEQ_CST,
                                      __ATOMIC_RELAXED));
  return true;
}

/* The part of wake_idle_core that runs only when some core is idle. Go's
 * wakep wakes one idle core and lets it wake the next once it has found
 * work, so a burst reaches the k-th idle core only after k wake-ups in a
 * row, each a sleeping core's full wake-up latency (under QEMU, the host
 * waking a vCPU thread: hundreds of microseconds on a loaded host, more
 * than a whole fib(21)). Here a core that has queued n tasks keeps waking
 * idle cores, one per task, until n cores are spinning: a burst of spawns
 * wakes the idle cores together, one IPI each, while the single task a
 * task_ready or a yield makes runnable still wakes at most one core, and
 * only when none is looking, as Go's wakep does. */
static __attribute__((noinline)) void wake_idle_cores(void) {
  struct sched_cpu *self = sched_self();
  uint32_t budget = wake_budget(self);
  unsigned n = sched_core_count(), me = this_cpu()->index, next = 1;
  while (take_spinning_seat(budget)) {
    /* Never this core: if it is marked idle, the caller is an interrupt
     * handler in its idle loop's interrupt window, and the loop looks for
     * work right after the window. An IPI to itself would cost an SBI call
     * (~900 instructions on the UART wake-up path) and tell it nothing. */
    bool woke = false;
    for (; next < n && !woke; next++) {
      unsigned v = (me + next) % n;
      struct sched_cpu *c = sched_of(v);
      uint32_t one = 1;
      /* The claim: the seat taken above (a seq_cst RMW, so a release) is
       * ordered before it, and the claimed core reads the claim with
       * acquire ordering before it gives the seat back (the idle loop), so
       * nspinning never goes below zero. */
      if (__atomic_load_n(&c->idle, __ATOMIC_RELAXED) &&
          __atomic_compare_exchange_n(&c->idle, &one, 0, false, __ATOMIC_SEQ_CST,
                                      __ATOMIC_RELAXED)) {
        __atomic_fetch_sub(&nidle, 1, __ATOMIC_SEQ_CST);
        send_wakeup(v);
        woke = true;
      }
    }
    if (!woke) {
      spinning_done(); /* no idle core left to give the seat to */
      return;
    }
  }
}

/* Called by whoever has just made a task runnable on this core (spawn,
 * task_ready, a requeue after a yield, a spinning core that found work).
 *
 * Full fence: the work the caller published (a deque slot and bottom, a
 * runnext) is ordered before our read of nidle; the idle loop orders "I am
 * idle" (idle = 1, nidle++) before its last look for work with a full fence
 * too. Store-load ordering on both sides is the Dekker pair that closes the
 * lost wake-up: either our load sees the idle core counted, or its last
 * look sees our task; never neither. That load is the whole cost when no
 * core is idle (one fence and one relaxed load: every core busy). A
 * machine of one core has no other core to wake and returns before the
 * fence: its one core may itself be counted idle (an interrupt handler in
 * its idle loop's window readying a task), and wake_idle_cores would take
 * and give back a spinning seat for nothing (about 70 instructions on the
 * UART wake-up path).
 *
 * When we wake no core because enough are spinning, nothing is lost
 * either: a spinning core gives up its seat (spinning_done, seq_cst) and
 * only then announces itself idle and looks once more after its fence.
 * Our load of nspinning, after our fence, read a count from before that
 * give-up, so our fence precedes the spinner's in the single order of
 * seq_cst operations, and the spinner's last look sees our task. */
static inline bool idle_core_to_wake(void) {
  if (!multicore)
    return false;
  sched_full_fence();
  return __atomic_load_n(&nidle, __ATOMIC_RELAXED) != 0;
}

void wake_idle_core(void) {
  if (idle_core_to_wake())
    wake_idle_cores();
}

/* sched_queue_spawned's ways out of line, each ending in the restore of the
 * interrupt mask, so that the common case calls nothing. */
static __attribute__((noinline)) int spawned_wake(unsigned long irq) {
  wake_idle_cores();
  arch_irq_restore(irq);
  return 0;
}

static __attribute__((noinline)) int queue_spawned_slow(struct sched_cpu *c, struct task *t,
                                                        unsigned long irq) {
  TRACE_SPAWN_TASK(c, t);
  /* Read before t is queued: it may run, exit and be recycled at once. */
  bool any_core = t->pin == TASK_ANY_CORE;
  runq_put(c, t);
  if (any_core)
    wake_idle_core(); /* a pinned task wakes only its own core (runq_put) */
  arch_irq_restore(irq);
  return 0;
}

int sched_queue_spawned(struct sched_cpu *c, struct task *t, unsigned long irq) {
  /* A trace to tell, a pinned task, a full deque: out of line. (A full
   * deque_push publishes nothing.) From the push on, t is whichever core's
   * takes it, so nothing of it is read after. */
  if (__builtin_expect(TRACE_IS_ON() || t->pin != TASK_ANY_CORE || !deque_push(&c->runq, t), 0))
    return queue_spawned_slow(c, t, irq);
  if (idle_core_to_wake())
    return spawned_wake(irq);
  arch_irq_restore(irq);
  return 0;
}

/* wake_idle_core for a publisher whose publication was itself a
 * sequentially consistent read-modify-write (task_ready's exchange on
 * runnext): no fence, a seq_cst load of nidle instead. On x86 that drops
 * a locked `or` from every cross-task wake-up (the exchange is already a
 * locked instruction); on AArch64 a dmb (ldar after swpal is ordered); on
 * RISC-V it is a fence either way.
 *
 * Why the Dekker pair still holds. Every modification of nidle is a
 * seq_cst read-modify-write, so our seq_cst load L reads the last one
 * before it in the single total order S of seq_cst operations. The idle
 * core's increment I comes before its fence X, and X before its look B
 * (work_visible, relaxed loads). If L did not see I, then L is before I
 * in S, and our exchange A, sequenced before L, is before X: a load after
 * a seq_cst fence sees the last seq_cst modification before that fence or
 * a later one (C11 7.17.3), so B sees our task. Otherwise L read I or a
 * later read-modify-write of nidle (which continues I's release
 * sequence), so L synchronizes with I: everything the idle core did
 * before I, its give-up of a spinning seat included, is visible to our
 * reads of nspinning in wake_idle_cores, which then wake it.
 *
 * One case is not covered in the C11 model: a spinning core that gives up
 * its seat and finds other work instead of going idle (no I to read). Our
 * relaxed read of nspinning may then miss the give-up, since L is a load,
 * not the fence wake_idle_core's argument needs. Every target closes it in
 * the mapping (RISC-V's seq_cst load starts with fence rw,rw; AArch64's
 * ldar after the swpal is ordered after it; x86's xchg is a full barrier),
 * and were it open, the cost is one idle core not woken for a task that
 * sits in this core's runnext, which this core runs at its next switch. */
static void wake_idle_core_after_seq_cst_publish(void) {
  if (!multicore)
    return; /* as in wake_idle_core (ready_queue, tracing, gets here on one core too) */
  if (__atomic_load_n(&nidle, __ATOMIC_SEQ_CST) == 0)
    return;
  wake_idle_cores();
}

/* ---- finding work ------------------------------------------------------------ */

uint32_t sched_rand(void) {
  /* The state belongs to the core, not the task: with interrupts masked no
   * preemption can move the caller to another core, or let another task on
   * this one step the state, between the read and the write. */
  unsigned long irq = arch_irq_save();
  struct sched_cpu *c = sched_self();
  /* xorshift32; a state of 0 would stay 0, so an unseeded core starts from
   * a constant spread by its index (odd multiplier: distinct per core). */
  uint32_t x = xorshift32(c->rng ? c->rng : 0x9e3779b9u ^ (this_cpu()->index * 0x85ebca6bu));
  c->rng = x;
  arch_irq_restore(irq);
  return x;
}

/* The task another core is about to run, if that core seems stuck. A
 * core's runnext holds the task its running task has just readied: in a
 * ping-pong between two tasks on one core it is full about half the time,
 * and the owner takes it at its next switch, a moment later. A thief that
 * took it there would split the pair across two cores, every message then
 * a cross-core wake-up, until task_ready (which readies onto the readier's
 * core) brings them together again; with idle cores spinning and looking
 * again after each spin, a host ping-pong made 8,000 such steals in 2 M
 * round trips. Go's runqgrab sleeps 3 us before it steals a running P's
 * runnext for the same reason. Here a thief takes it only once the victim
 * has made no switch for SCHED_RUNNEXT_GRACE_NS (50 us): the first look
 * that finds it full records the victim's switch count and the time in the
 * victim's runnext_look (a word on a line of the victim's that only
 * thieves write, shared by all of them); a later look that finds the same
 * count that long after steals. A core that keeps switching takes its
 * runnext itself; one that does not (its task runs on without a yield, or
 * its thread or vCPU is not running) gives it up a grace later. The idle
 * loop does not sleep while any core's runnext is full (work_visible), so
 * the later look comes.
 *
 * The grace is short beside the time slice (the wait it saves such a task)
 * and long beside a hand-off on the slowest target (a few microseconds
 * under QEMU's TCG, where a thief's spin lasts about as long as one: a
 * rule of "no switch between two looks" still split pairs there).
 *
 * The count and the time share one word (the count's low 24 bits above
 * the time's low 40), so that thieves racing to record cannot leave one
 * thief's count beside another's time. Relaxed loads and stores: a stale
 * record only moves a steal by a look; the compare-and-swap on runnext
 * decides who gets the task. A count that matches after a multiple of 2^24
 * switches, or a time that wrapped (2^40 ticks: 18 minutes at 1 GHz),
 * costs at most one early or late steal. */
#define LOOK_TIME_BITS 40
#define LOOK_TIME_MASK ((UINT64_C(1) << LOOK_TIME_BITS) - 1)

static uint64_t runnext_grace_ticks; /* SCHED_RUNNEXT_GRACE_NS in ticks */

static struct task *steal_runnext(struct sched_cpu *me, unsigned victim_index) {
  struct sched_cpu *victim = sched_of(victim_index);
  struct task *r = __atomic_load_n(&victim->runnext, __ATOMIC_RELAXED);
  if (!r)
    return NULL;
  /* + 1: the word is 0 until a first look, which no count matches. */
  uint64_t count = (switch_count(victim) + 1) &
                   (UINT64_MAX >> LOOK_TIME_BITS);
  uint64_t now = arch_now_ticks();
  uint64_t look = __atomic_load_n(&victim->runnext_look, __ATOMIC_RELAXED);
  if (look >> LOOK_TIME_BITS != count) {
    __atomic_store_n(&victim->runnext_look, count << LOOK_TIME_BITS | (now & LOOK_TIME_MASK),
                     __ATOMIC_RELAXED);
    return NULL; /* switching since the last look (or none yet): leave it to its owner */
  }
  if (((now - look) & LOOK_TIME_MASK) < __atomic_load_n(&runnext_grace_ticks, __ATOMIC_RELAXED))
    return NULL; /* not stuck for long enough yet */
  /* Acquire: pairs with task_ready's exchange, so the task's fields are
   * visible to us once it is ours. */
  if (!__atomic_compare_exchange_n(&victim->runnext, &r, NULL, false, __ATOMIC_ACQ_REL,
                                   __ATOMIC_RELAXED))
    return NULL;
  STAT_ADD(me, steals, 1);
  STAT_ADD(me, tasks_stolen, 1);
  TRACE(TRACE_STEAL, victim_index | (uint64_t)1 << 32);
  return r;
}

static struct task *steal_from(struct sched_cpu *me, unsigned victim_index) {
  struct sched_cpu *victim = sched_of(victim_index);
  int64_t n = deque_size(&victim->runq);
  if (n <= 0)
    return NULL;
  int64_t want = (n + 1) / 2;
  struct task *first = NULL;
  int64_t got = 0;
  for (; got < want; got++) {
    struct task *t = deque_steal(&victim->runq);
    if (!t)
      break;
    if (!first)
      first = t;
    else if (!deque_push(&me->runq, t))
      global_put(t); /* cannot happen while our deque had room; kept safe */
  }
  if (first) {
    STAT_ADD(me, steals, 1);
    STAT_ADD(me, tasks_stolen, (uint64_t)got);
    TRACE(TRACE_STEAL, victim_index | (uint64_t)got << 32);
  }
  return first;
}

static struct task *steal_work(struct sched_cpu *me) {
  unsigned n = sched_core_count(), self = this_cpu()->index;
  if (n == 1)
    return NULL;
  /* One draw from sched_rand per search (it masks interrupts around the
   * core's state), stepped locally for each round's starting victim. */
  uint32_t rand = sched_rand();
  for (int round = 0; round < STEAL_ROUNDS; round++, rand = xorshift32(rand)) {
    unsigned start = rand % n;
    for (unsigned i = 0; i < n; i++) {
      unsigned v = (start + i) % n;
      if (v == self)
        continue;
      struct task *t = steal_from(me, v);
      if (t)
        return t;
      if (round == STEAL_ROUNDS - 1 && (t = steal_runnext(me, v)))
        return t; /* last resort: the task the victim is about to run */
    }
  }
  return NULL;
}

/* The next task for core c, or NULL. oldest_first: after a yield, take the
 * oldest local task (round-robin) rather than the newest (depth-first).
 * *inherit is set when the task came from runnext and keeps the slice. */
/* runnext first (it inherits the slice), then the own deque: newest first
 * normally, oldest first after a yield. */
static inline struct task *take_local(struct sched_cpu *c, bool oldest_first, bool *inherit) {
  struct task *t;
  if (__atomic_load_n(&c->runnext, __ATOMIC_RELAXED) &&
      (t = __atomic_exchange_n(&c->runnext, NULL, __ATOMIC_ACQUIRE))) {
    *inherit = true;
    return t;
  }
  return oldest_first ? deque_take_oldest(&c->runq) : deque_pop(&c->runq);
}

/* How far a search looks. A task that parks searches this core
 * only (its queues, its inbox, the global queue, its timers): it still
 * holds the lock it parks under (a channel's, a wait queue's) until the
 * switch away is done (finish_switch), and the partner that will ready it
 * waits on that lock; four steal rounds over every core there would put
 * each cross-core message's answer behind them. If it finds nothing it
 * switches to its idle loop, whose spin looks at every core's deque and
 * whose search steals: a steal then costs one switch more, and steals are
 * rare (under 0.02% of switches in the fork-join benchmark). Every other
 * search (the idle loop's, a requeue's, an exit's) looks everywhere. */
enum search_scope { SEARCH_HERE, SEARCH_EVERY_CORE };

/* The fairness looks: every SCHED_FAIRNESS_GLOBAL_EVERY schedules the global
 * queue comes first, every SCHED_FAIRNESS_PINNED_EVERY the pinned FIFO (when both
 * fall due together, the global queue). A switch decrements one countdown,
 * until_fairness_look, to whichever turn comes next; only here, once it has
 * run out, are the two turns brought forward by the schedules it counted.
 * That is the same cadence as two countdowns, for one decrement and one
 * comparison a switch instead of two of each. */
static uint32_t next_fairness_turn(const struct sched_cpu *c) {
  return c->until_global_check < c->until_pinned_check ? c->until_global_check
                                                       : c->until_pinned_check;
}

static struct task *fairness_look(struct sched_cpu *c) {
  uint32_t counted = next_fairness_turn(c); /* what until_fairness_look was set to */
  c->until_global_check = (uint16_t)(c->until_global_check - counted);
  c->until_pinned_check = (uint16_t)(c->until_pinned_check - counted);
  bool global_turn = c->until_global_check == 0, pinned_turn = c->until_pinned_check == 0;
  if (global_turn)
    c->until_global_check = SCHED_FAIRNESS_GLOBAL_EVERY;
  if (pinned_turn)
    c->until_pinned_check = SCHED_FAIRNESS_PINNED_EVERY;
  c->until_fairness_look = next_fairness_turn(c);
  if (global_turn && global_size()) {
    struct task *t = global_get(c, 1);
    if (t)
      return t;
  }
  if (pinned_turn && c->pinned_head)
    return pinned_pop(c);
  return NULL;
}

static __attribute__((noinline)) struct task *find_runnable_slow(struct sched_cpu *c,
                                                                 bool oldest_first,
                                                                 enum search_scope scope,
                                                                 bool *inherit) {
  inbox_drain(c);
  if (c->until_fairness_look == 0) {
    struct task *t = fairness_look(c);
    if (t)
      return t;
  }
  for (;;) {
    struct task *t = take_local(c, oldest_first, inherit);
    if (t)
      return t;
    if ((t = pinned_pop(c)))
      return t;
    int64_t room = SCHED_DEQUE_SIZE - deque_size(&c->runq);
    if ((t = global_get(c, (unsigned)(room < SCHED_DEQUE_SIZE / 2 ? room : SCHED_DEQUE_SIZE / 2))))
      return t;
    if (timers_run_expired(c, arch_now_ticks()))
      continue; /* they went to runnext / the deque */
    return scope == SEARCH_EVERY_CORE ? steal_work(c) : NULL;
  }
}

/* The common case inline: runnext or the own deque, with nothing pinned or
 * arriving and no fairness check due; everything else in the slow path. */
static inline struct task *find_runnable(struct sched_cpu *c, bool oldest_first,
                                         enum search_scope scope, bool *inherit) {
  *inherit = false;
  c->until_fairness_look--;
  if (__builtin_expect(c->until_fairness_look == 0 || c->pinned_head ||
                           __atomic_load_n(&c->inbox, __ATOMIC_RELAXED),
                       0))
    return find_runnable_slow(c, oldest_first, scope, inherit);
  struct task *t = take_local(c, oldest_first, inherit);
  return t ? t : find_runnable_slow(c, oldest_first, scope, inherit);
}

static bool local_work_waiting(struct sched_cpu *c) {
  return __atomic_load_n(&c->runnext, __ATOMIC_RELAXED) || deque_size(&c->runq) ||
         c->pinned_head || __atomic_load_n(&c->inbox, __ATOMIC_RELAXED) || global_size();
}

/* Anything this core could run or steal right now: the idle path's last
 * look, after its full fence. Every other core's runnext counts too (Go's
 * runqempty does the same): a task readied on a core busy with a task that
 * does not yield sits there, and its readier may have seen no idle core to
 * wake (this one had not announced itself yet) or a spinning one (this
 * one, about to give up). Relaxed loads: the fence before them orders them
 * after our idle announcement, and task_ready's exchange on runnext is
 * sequentially consistent and followed by the readier's seq_cst load of
 * nidle (wake_idle_core_after_seq_cst_publish). */
static bool work_visible(struct sched_cpu *c) {
  if (local_work_waiting(c))
    return true;
  if (timers_next_deadline(c) <= arch_now_ticks())
    return true;
  for (unsigned i = 0; i < sched_core_count(); i++) {
    struct sched_cpu *other = sched_of(i);
    if (deque_size(&other->runq) > 0 || __atomic_load_n(&other->runnext, __ATOMIC_RELAXED))
      return true;
  }
  return false;
}

/* Brief spinning before sleeping (Go's spinning M): a core that has run
 * out of work looks again, up to idle_spin_polls times, before it announces
 * itself idle and sleeps. A partner that answers within the spin (a
 * cross-core ping-pong, a producer about to hand over the next item) then
 * finds this core awake: its task_ready sees no idle core and sends no IPI,
 * and this core takes the task without a trap, a wfi or the wake-up path.
 * When nothing comes, the core sleeps as before, one bounded spin later.
 *
 * What a poll looks at: this core's own work (runnext, deque, pinned tasks,
 * inbox, the global queue) and other cores' deques, what find_runnable
 * takes or steals. Not other cores' runnext: that is the task its owner is
 * about to run (a one-core ping-pong hands over through it on every
 * message), and a spinner that broke out for it would steal the pair apart;
 * the last look before sleeping (work_visible) still counts it, so nothing
 * readied there is lost. Nor the timers: the timer interrupt is taken during
 * the spin, as in the idle loop's window, and the last look reads the clock.
 *
 * Interrupts are on while the core spins: a device or timer handler readies
 * its task into runnext here as it would in the window, and a stop request's
 * IPI is taken by on_irq_exit's stop point. No lost wake-up comes from the
 * spin itself: a waker that saw this core busy did not wake it, and this
 * core, once the spin ends, still announces itself idle and looks once more
 * after its fence (the Dekker pair in wake_idle_core), as without the spin.
 * Relaxed loads: a poll is a hint to go and look; find_runnable's own
 * orderings decide what is taken. True when a poll saw something. */
static bool idle_spin_sees_work(struct sched_cpu *c) {
  if (!multicore)
    return false; /* one core: only an interrupt can make work, and wfi waits for it */
  unsigned n = sched_core_count();
  bool seen = false;
  arch_irq_enable();
  for (uint32_t poll = 0; !seen && poll < __atomic_load_n(&idle_spin_polls, __ATOMIC_RELAXED);
       poll++) {
    arch_cpu_relax();
    seen = local_work_waiting(c);
    for (unsigned v = 0; v < n && !seen; v++)
      seen = deque_size(&sched_of(v)->runq) > 0;
  }
  arch_irq_save();
  return seen;
}

/* ---- switching ---------------------------------------------------------------- */

/* Lock validation: a park's unlock must leave this core holding no lock.
 * The report names the parker from copies taken before the switch. Without
 * validation both compile to nothing. */
#ifdef BRIGADE_LOCK_VALIDATE
static inline void remember_parker(struct sched_cpu *c, const struct task *t) {
  c->parker_id = t->id;
  c->parker_name = t->name;
  c->parker_reason = t->wait_reason;
}
static inline void check_parker_holds_no_lock(struct sched_cpu *c) {
  spin_validate_none_held(c->parker_id, c->parker_name, "parked", c->parker_reason);
}
#else
static inline void remember_parker(struct sched_cpu *c, const struct task *t) { (void)c, (void)t; }
static inline void check_parker_holds_no_lock(struct sched_cpu *c) { (void)c; }
#endif

/* A dead task's libc state, stack and struct go back once it is off its
 * stack. Out of line: the switch paths it is inlined into would otherwise
 * keep the task in a callee-saved register of their own. The count goes
 * first, so that task_retire is a tail call. */
static __attribute__((noinline)) void finish_exit(struct sched_cpu *c, struct task *prev) {
  STAT_ADD(c, tasks_exited, 1);
  task_retire(c, prev);
}

/* What the context that switched here asked for (claim_next's after fields).
 * Every context resumes through here once after each switch to it, and
 * every switch sets c->after first (claim_next), so nothing is reset after
 * use: a stale value is never read. after_task is read only for the cases
 * that set it. The common cases are tested first. */
static inline __attribute__((always_inline)) void finish_switch_inline(void *switch_arg) {
  struct sched_cpu *c = switch_arg;
  enum after_switch after = c->after;
  if (after == AFTER_REQUEUE) {
    struct task *prev = c->after_task;
    /* runq_put_inline's queueing, written out so that one test of
     * any_core serves the queueing and the wake-up (sharing a helper with
     * runq_put_inline cost a yield one instruction): a change to either
     * belongs in both. prev->pin is read before prev is queued: a thief
     * may run it to the end and recycle its struct before this core reads
     * anything else. A requeued task was running, never new, so its state
     * is set without runq_put's test. */
    bool any_core = prev->pin == TASK_ANY_CORE;
    OWNER_STORE(prev->state, TASK_RUNNABLE);
    if (__builtin_expect(any_core && deque_push(&c->runq, prev), 1)) {
      wake_idle_core();
    } else {
      runq_put_slow(c, prev); /* pinned, or the deque is full */
      if (any_core)
        wake_idle_core();
    }
  } else if (after == AFTER_PARK) {
    /* Nothing of prev is read here: a parker may already be running on
     * another core (see "Parking and the lost wake-up"). */
    if (c->after_unlock)
      c->after_unlock(c->after_lock);
    check_parker_holds_no_lock(c);
  } else if (after == AFTER_EXIT) {
    finish_exit(c, c->after_task);
  } /* AFTER_NOTHING: the idle loop's switch to a task */
}

void finish_switch(void *switch_arg) { finish_switch_inline(switch_arg); }

/* A first run's stack and its first frame: the count goes first, so that
 * task_first_stack is a tail call and neither keeps a frame. */
static __attribute__((noinline)) void *first_run_stack(struct sched_cpu *c, struct task *next) {
  STAT_ADD(c, tasks_started, 1);
  return task_first_stack(c, next);
}

/* Leaving the idle loop for a task: make sure a timer interrupt comes
 * within a slice, or SLICE_LOOK_MAX_NS if that is sooner (the idle loop
 * armed only its timers' deadline). */
static __attribute__((noinline)) void arm_slice_from_idle(struct sched_cpu *c) {
  uint64_t look = __atomic_load_n(&slice_look_ticks, __ATOMIC_RELAXED);
  uint64_t now = arch_now_ticks();
  c->slice_seen = c->slice_switches;
  c->slice_seen_at = now;
  if (now + look < c->timer_armed)
    sched_arm_timer(c, now + look);
}

/* next, whose saved context (sp) this core has taken, becomes the running
 * task, and the after-fields tell the context that resumes what to do for
 * prev (finish_switch). */
static inline __attribute__((always_inline)) void
claim_next(struct sched_cpu *c, struct task *prev, struct task *next, enum after_switch after,
           void (*unlock)(void *), void *lock) {
  next->sp = NULL;
  OWNER_STORE(next->state, TASK_RUNNING);
  next->last_core = c->core; /* c is this core's */
  c->current = next;
  c->after = after;
  /* Only what finish_switch reads for this case: a parker's lock (nothing
   * of the parker itself), or the task to requeue or free. */
  if (after == AFTER_PARK) {
    c->after_unlock = unlock;
    c->after_lock = lock;
    remember_parker(c, prev);
  } else {
    c->after_task = prev;
  }
}

/* Leave prev's stack for next's saved context sp; when prev runs again
 * (never, after AFTER_EXIT), finish what its resumer asked for. */
static inline __attribute__((always_inline)) void switch_stacks(struct sched_cpu *c,
                                                                struct task *prev,
                                                                struct task *next, void *sp,
                                                                enum after_switch after) {
  arch_switch_hint(next->stack, next->stack_size);
  if (__builtin_expect(after == AFTER_EXIT, 0))
    arch_switch_final(&prev->sp, sp, c); /* next's finish_switch frees prev's stack */
  void *arg = arch_switch(&prev->sp, sp, c);
  finish_switch_inline(arg);
  sched_stop_point(arg); /* arg: the core we resumed on */
}

static inline __attribute__((always_inline)) void
switch_to(struct sched_cpu *c, struct task *prev, struct task *next, bool inherit,
          enum after_switch after, void (*unlock)(void *), void *lock) {
  void *sp;
  /* Acquire: pairs with the release in arch_switch that published next's
   * saved context; spinning here means another core is still saving it. */
  while ((sp = __atomic_load_n(&next->sp, __ATOMIC_ACQUIRE)) == NULL)
    arch_cpu_relax();
  if (__builtin_expect(sp == SP_NEW, 0))
    sp = first_run_stack(c, next);
  claim_next(c, prev, next, after, unlock, lock);
  if (!(next->flags & TASK_FLAG_IDLE)) {
    count_switch(c, inherit);
    if (__builtin_expect(prev->flags & TASK_FLAG_IDLE, 0))
      arm_slice_from_idle(c);
  }
  TRACE_SWITCH(c, prev, next, after);
  task_check_stack(prev);
  switch_stacks(c, prev, next, sp, after);
}

/* The switch from prev to next as the search found it (next NULL: nothing
 * to run; next == prev: prev's own timer readied it), then the interrupt
 * mask restored: every case, for the paths that are not plain. Inline in
 * both of its callers, so that neither pays a second prologue. */
static inline __attribute__((always_inline)) void
switch_away_to(struct sched_cpu *c, struct task *prev, struct task *next, bool inherit,
               enum after_switch after, void (*unlock)(void *), void *lock, unsigned long irq) {
  if (next == prev) {
    /* find_runnable ran this core's expired timers, and one of them was the
     * parker's own (a sleep whose deadline passed while it was going to
     * sleep): it was readied before it left. Don't switch to ourselves;
     * finish the park at once and go on running. */
    __atomic_store_n(&prev->state, TASK_RUNNING, __ATOMIC_RELAXED);
    if (after == AFTER_PARK) {
      if (unlock)
        unlock(lock);
      spin_validate_none_held(prev->id, prev->name, "parked", NULL);
    }
  } else if (next) {
    switch_to(c, prev, next, inherit, after, unlock, lock);
  } else if (after != AFTER_REQUEUE) {
    c->idle_after_search = true;
    switch_to(c, prev, c->idle_task, false, after, unlock, lock);
  } /* else nothing else to run: the yielder goes on */
  arch_irq_restore(irq);
}

/* Lock validation: nothing may be held across a switch; a park's locks are
 * checked after its unlock (finish_switch). */
static inline void check_switcher_holds_no_lock(struct task *prev, enum after_switch after) {
  if (after != AFTER_PARK)
    spin_validate_none_held(prev->id, prev->name,
                            after == AFTER_EXIT ? "exited" : "yielded or was preempted", NULL);
}

/* Leaving prev by the full path (whatever plain_switch_possible refused):
 * the stop check, the fairness looks, the slow search. */
static __attribute__((noinline)) void schedule_away_searching(struct sched_cpu *c,
                                                              struct task *prev,
                                                              enum after_switch after,
                                                              void (*unlock)(void *), void *lock,
                                                              unsigned long irq) {
  if (__builtin_expect(__atomic_load_n(&c->stop, __ATOMIC_RELAXED) == SCHED_STOP_SURVIVE, 0)) {
    sched_refuse_switch_after_main(c, after);
    arch_irq_restore(irq);
    return;
  }
  check_switcher_holds_no_lock(prev, after);
  bool inherit;
  struct task *next = find_runnable(c, after == AFTER_REQUEUE,
                                    after == AFTER_PARK ? SEARCH_HERE : SEARCH_EVERY_CORE,
                                    &inherit);
  switch_away_to(c, prev, next, inherit, after, unlock, lock, irq);
}

/* switch_to's work for a plain switch (plain_switch_possible held): next
 * is a real task, prev is not the idle task, there is no trace to tell and
 * prev's canary was checked. Then the interrupt mask restored. */
static inline __attribute__((always_inline)) void
plain_switch_to(struct sched_cpu *c, struct task *prev, struct task *next, void *sp, bool inherit,
                enum after_switch after, void (*unlock)(void *), void *lock, unsigned long irq) {
  claim_next(c, prev, next, after, unlock, lock);
  count_switch(c, inherit);
  switch_stacks(c, prev, next, sp, after);
  arch_irq_restore(irq);
}

/* The plain path's way out when the task it took has never run, is still
 * being saved by another core, or is prev. A first run is the usual one (a
 * spawn's): it is done here as switch_to would, without the checks that
 * plain_switch_possible has made. SP_NEW is stable once the task is taken:
 * only the core running it replaces its sp. */
static inline __attribute__((always_inline)) void
switch_away_to_taken_inline(struct sched_cpu *c, struct task *prev, struct task *next, bool inherit,
                            enum after_switch after, void (*unlock)(void *), void *lock,
                            unsigned long irq) {
  if (next != prev && __atomic_load_n(&next->sp, __ATOMIC_RELAXED) == SP_NEW) {
    plain_switch_to(c, prev, next, first_run_stack(c, next), inherit, after, unlock, lock, irq);
    return;
  }
  switch_away_to(c, prev, next, inherit, after, unlock, lock, irq);
}

/* Once for parks and exits, and once for requeues, whose first runs (a
 * spawner's yield into its new task) are the common ones: with the kind a
 * constant, fewer values live across first_run_stack's call. */
static __attribute__((noinline)) void switch_away_to_taken(struct sched_cpu *c, struct task *prev,
                                                           struct task *next, bool inherit,
                                                           enum after_switch after,
                                                           void (*unlock)(void *), void *lock,
                                                           unsigned long irq) {
  switch_away_to_taken_inline(c, prev, next, inherit, after, unlock, lock, irq);
}

static __attribute__((noinline)) void switch_away_to_taken_requeue(struct sched_cpu *c,
                                                                   struct task *prev,
                                                                   struct task *next, bool inherit,
                                                                   unsigned long irq) {
  switch_away_to_taken_inline(c, prev, next, inherit, AFTER_REQUEUE, NULL, NULL, irq);
}

/* A plain switch: no trace or CPU accounting to tell, no fairness look due,
 * nothing pinned ready or arriving, no stop under way (of either kind: one
 * test against zero; the full path sees which), and prev's stack did
 * not overrun (the full path reports one). prev is a real task, never a
 * core's idle loop: every caller of the switch paths has checked that (a
 * yield, a park, a preemption, an exit). The next task then comes from
 * runnext or this core's deque, and the switch stays plain if that task has
 * run before. The checks are ordered so that the usual reason for the full
 * path (a trace) costs the fewest. A relaxed load of trace_on that misses a
 * trace starting on another core leaves this switch out of it, as if the
 * trace had started a moment later; TRACE_SWITCH reads it the same way. */
static inline bool plain_switch_possible(struct sched_cpu *c, struct task *prev) {
  return !(__atomic_load_n(&trace_on, __ATOMIC_RELAXED) |
           __atomic_load_n(&cpu_accounting, __ATOMIC_RELAXED)) &&
         c->until_fairness_look > 1 && !c->pinned_head &&
         !__atomic_load_n(&c->inbox, __ATOMIC_RELAXED) &&
         __atomic_load_n(&c->stop, __ATOMIC_RELAXED) == SCHED_STOP_NONE &&
         !task_stack_overrun(prev);
}

/* The plain switch: it calls nothing before arch_switch, so its frame saves
 * only what the finish after it needs; a case it cannot take goes by a
 * tail call to the full path, which saves what that needs. Keeping them
 * apart is worth some 25 instructions a switch: with the slow paths' calls
 * in the same function, GCC saved ten callee-saved registers on entry that
 * arch_switch then saved again. */
static inline __attribute__((always_inline)) void
plain_switch_inline(struct sched_cpu *c, struct task *prev, enum after_switch after,
                    void (*unlock)(void *), void *lock, unsigned long irq) {
  bool inherit = false;
  struct task *next = take_local(c, after == AFTER_REQUEUE, &inherit);
  if (__builtin_expect(!next, 0)) {
    schedule_away_searching(c, prev, after, unlock, lock, irq);
    return;
  }
  check_switcher_holds_no_lock(prev, after);
  /* find_runnable's fast path (the countdown was above one). */
  c->until_fairness_look--;
  /* Acquire: pairs with the release in arch_switch that published next's
   * saved context (as in switch_to). A first run (SP_NEW; never prev, whose
   * sp is NULL while it runs) takes its stack from the pool here, without
   * a call; one the pool cannot serve, NULL (another core still saving
   * next) and prev itself go on out of line. SP_NEW is stable once the
   * task is taken: only the core running it replaces its sp. */
  void *sp = __atomic_load_n(&next->sp, __ATOMIC_ACQUIRE);
  if (__builtin_expect(sp == NULL || sp == SP_NEW || next == prev, 0)) {
    if (sp == SP_NEW && (sp = stack_pool_first_frame(c, next))) {
      STAT_ADD(c, tasks_started, 1);
      plain_switch_to(c, prev, next, sp, inherit, after, unlock, lock, irq);
      return;
    }
    if (after == AFTER_REQUEUE)
      switch_away_to_taken_requeue(c, prev, next, inherit, irq);
    else
      switch_away_to_taken(c, prev, next, inherit, after, unlock, lock, irq);
    return;
  }
  plain_switch_to(c, prev, next, sp, inherit, after, unlock, lock, irq);
}

/* The plain switch once for each kind of leaving, the kind known at
 * compile time: none tests it before the switch, each stores only the
 * after-fields its kind uses, and none keeps a constant across the switch.
 * Yields and preemptions requeue, parks park, exits exit. */
static __attribute__((noinline)) void plain_switch_requeue(struct sched_cpu *c, struct task *prev,
                                                           unsigned long irq) {
  plain_switch_inline(c, prev, AFTER_REQUEUE, NULL, NULL, irq);
}

static __attribute__((noinline)) void plain_switch_park(struct sched_cpu *c, struct task *prev,
                                                        void (*unlock)(void *), void *lock,
                                                        unsigned long irq) {
  plain_switch_inline(c, prev, AFTER_PARK, unlock, lock, irq);
}

static __attribute__((noinline)) void plain_switch_exit(struct sched_cpu *c, struct task *prev) {
  plain_switch_inline(c, prev, AFTER_EXIT, NULL, NULL, ARCH_IRQ_TOKEN_MASKED);
}

/* Leave prev, the running task, interrupts masked with token irq, which is
 * restored once prev runs again (or at once, if there was nothing to switch
 * to): the plain switch for the kind when plain_switch_possible, the full
 * path otherwise, each reached by a tail call so that the one not taken
 * costs no prologue. Inline in their callers, which end with them, so that
 * a yield or a park keeps no frame of its own across the switch. */
static inline __attribute__((always_inline)) void yield_away(struct sched_cpu *c,
                                                             struct task *prev,
                                                             unsigned long irq) {
  if (!plain_switch_possible(c, prev)) {
    schedule_away_searching(c, prev, AFTER_REQUEUE, NULL, NULL, irq);
    return;
  }
  plain_switch_requeue(c, prev, irq);
}

static inline __attribute__((always_inline)) void park_away(struct sched_cpu *c, struct task *prev,
                                                            void (*unlock)(void *), void *lock,
                                                            unsigned long irq) {
  if (!plain_switch_possible(c, prev)) {
    schedule_away_searching(c, prev, AFTER_PARK, unlock, lock, irq);
    return;
  }
  plain_switch_park(c, prev, unlock, lock, irq);
}

void schedule_away_for_exit(struct sched_cpu *c, struct task *prev) {
  if (!plain_switch_possible(c, prev)) {
    schedule_away_searching(c, prev, AFTER_EXIT, NULL, NULL, ARCH_IRQ_TOKEN_MASKED);
    return;
  }
  plain_switch_exit(c, prev);
}

/* True when a yield on core c could find no other task: nothing local (in
 * runnext, the deque, the pinned FIFO or the inbox), nothing in the global
 * queue, no timer of this core due, and no other core with a task in its
 * deque or runnext (what steal_work would take). A yield that finds nothing
 * returns to its caller anyway, so this only skips a search whose result is
 * known: Go's Gosched, on an empty machine, also runs the same goroutine
 * again.
 *
 * Relaxed loads: each is a hint. A task another core publishes just after
 * the load is missed, exactly as if the yield had come a moment earlier;
 * whoever published it has run wake_idle_core, so it does not depend on
 * this core looking. Our own deque's bottom is ours alone; a stale top can
 * only be lower than the true one (top only grows), which reads as "work
 * here" and takes the full search. */
/* The multi-core half of yield_finds_nothing: what steal_work could take. */
static __attribute__((noinline)) bool other_core_has_work(struct sched_cpu *c) {
  for (unsigned i = 0; i < sched_core_count(); i++) {
    struct sched_cpu *other = sched_of(i);
    if (other != c && (deque_size(&other->runq) > 0 ||
                       __atomic_load_n(&other->runnext, __ATOMIC_RELAXED)))
      return true;
  }
  return false;
}

/* The local half: nothing here or in the global queue, and no timer due.
 * All hints (HINT_LOAD, an unordered clock read): a stale answer only
 * means the yield returns, and what arrived meanwhile runs at the next
 * switch; a due timer's interrupt is pending and is taken when the yield
 * restores the interrupt mask. */
static inline bool yield_finds_nothing_here(struct sched_cpu *c) {
  return HINT_LOAD(c->runq.bottom) == HINT_LOAD(c->runq.top) && !HINT_LOAD(c->runnext) &&
         !c->pinned_head && !HINT_LOAD(c->inbox) && global_size() == 0 &&
         HINT_LOAD(c->timer_earliest) > arch_now_ticks_unordered();
}

/* A yield on a machine of more than one core that found nothing here: it
 * switches only if another core has work to steal. Out of line so that
 * task_yield's fast path calls nothing and saves no register. */
static __attribute__((noinline)) void yield_multicore(struct sched_cpu *c, struct task *prev,
                                                      unsigned long irq) {
  if (other_core_has_work(c))
    yield_away(c, prev, irq);
  else
    arch_irq_restore(irq);
}

/* Lock validation: holding a spinlock across a yield is a bug whether or not
 * this yield happens to find another task, so the fast path checks too (the
 * switch paths check with check_switcher_holds_no_lock). Without validation
 * it compiles to nothing and the fast path stays as it is. */
#ifdef BRIGADE_LOCK_VALIDATE
static inline void check_yielder_holds_no_lock(const struct task *t) {
  spin_validate_none_held(t->id, t->name, "yielded or was preempted", NULL);
}
#else
static inline void check_yielder_holds_no_lock(const struct task *t) { (void)t; }
#endif

void task_yield(void) {
  unsigned long irq = arch_irq_save();
  struct sched_cpu *c = sched_self();
  struct task *prev = c->current;
  if (!prev || (prev->flags & TASK_FLAG_IDLE)) {
    arch_irq_restore(irq);
    return;
  }
  check_yielder_holds_no_lock(prev);
  if (!yield_finds_nothing_here(c)) {
    yield_away(c, prev, irq);
    return;
  }
  if (multicore) {
    yield_multicore(c, prev, irq);
    return;
  }
  arch_irq_restore(irq); /* alone: go on at once */
}

void task_park(const char *reason, void (*unlock)(void *lock), void *lock) {
  unsigned long irq = arch_irq_save();
  struct sched_cpu *c = sched_self();
  struct task *prev = c->current;
  if (!prev || (prev->flags & TASK_FLAG_IDLE))
    panic("task_park(\"%s\") called outside a task", reason);
  prev->wait_reason = reason;
  /* When the wait began, for task dumps only: the core's last look at the
   * clock, at most a time slice old while tasks run (the slice timer
   * refreshes it) and fresh after an idle spell. Go stamps its waitsince
   * lazily too. No clock read here: on the host, where it is a vDSO call,
   * it would cost about a third of a channel ping-pong. */
  prev->wait_since = c->clock_seen;
  __atomic_store_n(&prev->state, TASK_PARKED, __ATOMIC_RELEASE);
  park_away(c, prev, unlock, lock, irq);
}

/* A readied task displaced old from runnext (or old is NULL, on a machine
 * of more than one core): queue it, and wake an idle core for the new
 * work. Then the interrupt mask restored. The displaced task's deque slot
 * is published by plain release stores, so it needs wake_idle_core's full
 * fence; runnext alone was published by a seq_cst exchange. */
static __attribute__((noinline)) void ready_displaced(struct sched_cpu *c, struct task *old,
                                                      unsigned long irq) {
  if (old) {
    runq_put(c, old);
    wake_idle_core();
  } else {
    wake_idle_core_after_seq_cst_publish();
  }
  arch_irq_restore(irq);
}

/* task_ready's cases past the simplest: a trace to tell, or a pinned task
 * (its core's FIFO or inbox). Out of line, reached by tail calls like
 * ready_displaced, so task_ready's own path calls nothing and saves no
 * register. */
static __attribute__((noinline)) void ready_queue(struct sched_cpu *c, struct task *t,
                                                  unsigned long irq) {
  TRACE(TRACE_READY, t->id);
  if (t->pin != TASK_ANY_CORE) {
    runq_put(c, t);
    arch_irq_restore(irq);
    return;
  }
  /* Release: the task's fields are visible to whoever takes it (the owner
   * or a thief) from runnext. Sequentially consistent, so that on a
   * machine of more than one core ready_displaced may check for idle
   * cores without a fence (wake_idle_core_after_seq_cst_publish). */
  ready_displaced(c, __atomic_exchange_n(&c->runnext, t, __ATOMIC_SEQ_CST), irq);
}

static __attribute__((noinline, noreturn)) void ready_not_parked(struct task *t, uint32_t state) {
  panic("task_ready on task %u (%s), which is not parked (state %u)", (unsigned)t->id,
        task_name(t), (unsigned)state);
}

void task_ready(task_t *t) {
  unsigned long irq = arch_irq_save();
  uint32_t parked = TASK_PARKED;
  if (!__atomic_compare_exchange_n(&t->state, &parked, TASK_RUNNABLE, false, __ATOMIC_ACQ_REL,
                                   __ATOMIC_RELAXED))
    ready_not_parked(t, parked);
  t->wait_reason = NULL;
  struct sched_cpu *c = sched_self();
  if (__builtin_expect(TRACE_IS_ON() || t->pin != TASK_ANY_CORE, 0)) {
    ready_queue(c, t, irq);
    return;
  }
  /* Release and sequentially consistent: as in ready_queue. */
  struct task *old = __atomic_exchange_n(&c->runnext, t, __ATOMIC_SEQ_CST);
  if (__builtin_expect(old != NULL || multicore, 0)) {
    ready_displaced(c, old, irq);
    return;
  }
  arch_irq_restore(irq); /* one core, runnext was free: nothing to queue or wake */
}

/* ---- interrupts ------------------------------------------------------------------ */

static void on_timer_interrupt(void) {
  struct sched_cpu *c = sched_self();
  uint64_t now = arch_now_ticks();
  c->clock_seen = now;
  c->timer_armed = 0; /* it fired and still holds a past deadline: must be re-armed */
  timers_run_expired(c, now);
  uint64_t next = timers_next_deadline(c);
  uint64_t slice = __atomic_load_n(&slice_ticks, __ATOMIC_RELAXED);
  struct task *cur = c->current;
  if (cur && !(cur->flags & TASK_FLAG_IDLE)) {
    /* Go's sysmon rule: if no new slice began since we last looked, one
     * task (or a runnext chain) has had the core for at least a slice; it
     * is preempted if anyone is waiting and preemption is on. So a task
     * runs one to two slices. */
    if (c->slice_switches != c->slice_seen) {
      c->slice_seen = c->slice_switches;
      c->slice_seen_at = now;
    } else if (now - c->slice_seen_at >= slice) {
      if (!__atomic_load_n(&preemption_off, __ATOMIC_RELAXED) && local_work_waiting(c))
        c->need_resched = true;
      c->slice_seen_at = now;
    }
    /* The next look: when this slice ends, but never more than a look
     * from now, and a look from now if the slice's end has passed. */
    uint64_t look = __atomic_load_n(&slice_look_ticks, __ATOMIC_RELAXED);
    uint64_t check = c->slice_seen_at + slice;
    if (check <= now || check > now + look)
      check = now + look;
    if (check < next)
      next = check;
  }
  sched_arm_timer(c, next);
}

static void on_ipi(void) {
  /* The wake-up itself is the message: whatever it announced is in a queue
   * and the trap exit path or the idle loop will look. */
  TRACE(TRACE_IPI_RECV, 0);
}

/* Called by the arch trap path after an interrupt handler, still with
 * interrupts masked, on the interrupted task's stack. */
static void on_irq_exit(void) {
  struct sched_cpu *c = sched_self();
  sched_stop_point(c); /* the interrupted code had interrupts on: it holds no lock */
  if (!c->need_resched)
    return;
  c->need_resched = false;
  struct task *cur = c->current;
  if (!cur || (cur->flags & TASK_FLAG_IDLE))
    return;
  STAT_ADD(c, preemptions, 1);
  /* For the trace's stop reason (trace_switch). On the task, not the
   * core: the task clears it when it runs again, on whatever core. (A
   * per-core flag cleared by the traced switch alone stayed set after an
   * untraced one, and a later trace called that core's next yield a
   * preemption.) Only the running task writes its flags. */
  cur->flags |= TASK_FLAG_PREEMPTED;
  yield_away(c, cur, ARCH_IRQ_TOKEN_MASKED);
  cur->flags &= (uint8_t)~TASK_FLAG_PREEMPTED;
}

/* ---- idle time --------------------------------------------------------------------- */

/* A core's idle time is two fields only its own idle loop writes: the
 * finished sleeps (idle_ticks) and the start of the sleep under way
 * (asleep_since, 0 while awake). A wake-up changes both, and a reader on
 * another core must see both before or both after it: with the sleep
 * cleared but not yet added it would miss that sleep, and with it added but
 * not yet cleared count it twice. So the wake-up is wrapped in a sequence
 * count, as a seqlock's writer does, and idle_time_ticks reads as its
 * reader: it retries while the count is odd or has changed. Release
 * stores and acquire loads order it, not fences (TSan cannot check
 * fences; this is the idle path and a statistics read, not a hot one). The
 * start of a sleep is one store and needs no count: a reader sees the sleep
 * begun or not, with the same idle_ticks either way; its store is a release
 * too, so a reader that sees it cannot pair it with an older idle_ticks. */
static void idle_sleep_ended(struct sched_cpu *c, uint64_t slept) {
  uint32_t seq = c->idle_seq; /* only this core writes it */
  __atomic_store_n(&c->idle_seq, seq + 1, __ATOMIC_RELAXED);
  /* Release stores (not a release fence, which TSan cannot check): each
   * orders the odd count before itself, so a reader whose acquire load
   * sees either of them sees the count odd or moved on when it reloads
   * it, and retries. */
  __atomic_store_n(&c->asleep_since, 0, __ATOMIC_RELEASE);
  __atomic_store_n(&c->idle_ticks, c->idle_ticks + slept, __ATOMIC_RELEASE);
  /* Release: a reader that reads this even count (acquire) sees both. */
  __atomic_store_n(&c->idle_seq, seq + 2, __ATOMIC_RELEASE);
}

/* Core c's idle ticks at one moment: its finished sleeps and as much of the
 * one under way as has passed by now. */
static uint64_t idle_time_ticks(struct sched_cpu *c, uint64_t now) {
  uint32_t before, after;
  uint64_t idle, since;
  do {
    before = __atomic_load_n(&c->idle_seq, __ATOMIC_ACQUIRE);
    /* Acquire: pairs with the writer's release stores of these two, and
     * keeps the count's reload after them. */
    idle = __atomic_load_n(&c->idle_ticks, __ATOMIC_ACQUIRE);
    since = __atomic_load_n(&c->asleep_since, __ATOMIC_ACQUIRE);
    after = __atomic_load_n(&c->idle_seq, __ATOMIC_RELAXED);
  } while ((before & 1) || before != after);
  return since && now > since ? idle + (now - since) : idle;
}

/* ---- the per-core loop ------------------------------------------------------------ */

bool sched_cpus_create(void) {
  unsigned n = cpu_count();
  /* Cache-line aligned like struct cpu: the fields other cores touch sit on
   * lines of their own (sched_cpu.h). */
  struct sched_cpu *all = memalign(CACHE_LINE, n * sizeof *all);
  if (!all)
    return false;
  memset(all, 0, n * sizeof *all);
  for (unsigned i = 0; i < n; i++) {
    cpu_get(i)->sched = &all[i];
    all[i].core = (uint16_t)i;
  }
  sched_cpus = all;
  sched_ncores = n;
  multicore = n > 1;
  return true;
}

/* For lock-validation and fault reports: what runs on this core. */
static void describe_running(char *buf, size_t len) {
  struct task *t = sched_self()->current;
  if (t && !(t->flags & TASK_FLAG_IDLE))
    snprintf(buf, len, "task %u (%s)", (unsigned)t->id, task_name(t));
  else
    snprintf(buf, len, "core %u outside any task (idle loop or its interrupts)",
             this_cpu()->index);
}

/* The runtime's handlers, installed by the first core to start its
 * scheduler. Every other core waits until they are in before it goes on to
 * enable interrupts: a core that returned as soon as it lost the claim
 * could take a wake-up IPI before on_ipi was installed ("inter-core (IPI)
 * interrupt (GIC id 0) with no handler installed" on core 1, once in about
 * 1,500 qemu-virt-aarch64 boots beside busy loops). */
enum { INIT_NOT_STARTED, INIT_RUNNING, INIT_DONE };

static void sched_init_once(void) {
  static uint32_t state;
  uint32_t expected = INIT_NOT_STARTED;
  if (!__atomic_compare_exchange_n(&state, &expected, INIT_RUNNING, false, __ATOMIC_ACQ_REL,
                                   __ATOMIC_ACQUIRE)) {
    /* Acquire: pairs with the release below, so the handlers are visible. */
    while (__atomic_load_n(&state, __ATOMIC_ACQUIRE) != INIT_DONE)
      arch_cpu_relax();
    return;
  }
  /* Relaxed: published to the other cores by the release below. */
  __atomic_store_n(&runnext_grace_ticks, ns_to_ticks(SCHED_RUNNEXT_GRACE_NS), __ATOMIC_RELAXED);
  /* The default slice, unless the program set one; a program that turned
   * preemption off before the start keeps it off. */
  if (!__atomic_load_n(&slice_ticks, __ATOMIC_RELAXED))
    set_slice_ticks(ns_to_ticks(10 * 1000 * 1000));
  irq_set_handler(IRQ_TIMER, on_timer_interrupt);
  irq_set_handler(IRQ_IPI, on_ipi);
  irq_set_exit_handler(on_irq_exit);
  panic_set_dump_handler(sched_dump_tasks_for_panic);
  account_init();
  spin_validate_set_describer(describe_running);
  panic_set_describer(describe_running);
#if ARCH_HAS_STACK_SLOTS
  stack_slot_set_current_stack(task_current_slot_stack);
#endif
  /* Release: every handler above is installed before a waiting core goes on. */
  __atomic_store_n(&state, INIT_DONE, __ATOMIC_RELEASE);
}

void sched_run_core(void) {
  arch_irq_save();
  sched_init_once();
  struct sched_cpu *c = sched_self();
  struct task *idle = calloc(1, sizeof *idle);
  if (!idle)
    panic("out of memory for core %u's scheduler context", this_cpu()->index);
  idle->flags = TASK_FLAG_IDLE;
  idle->name = "idle";
  idle->state = TASK_RUNNING;
  idle->pin = (int16_t)this_cpu()->index;
  c->idle_task = idle;
  c->current = idle;
#if ARCH_HAS_STACK_SLOTS
  /* Before any task runs here: the first growth fault may come with
   * interrupts masked, when the fault handler cannot refill the cache. */
  stack_slot_core_init();
#endif
  c->until_global_check = SCHED_FAIRNESS_GLOBAL_EVERY;
  c->until_pinned_check = SCHED_FAIRNESS_PINNED_EVERY;
  c->until_fairness_look = next_fairness_turn(c);
  spin_init(&c->timer_lock, "timer heap");
  c->timer_earliest = UINT64_MAX;
  c->timer_armed = 0; /* unknown: force the first arm */
  c->clock_seen = arch_now_ticks();
  sched_arm_timer(c, UINT64_MAX);
  __atomic_store_n(&started, true, __ATOMIC_RELEASE);

  bool spinning = false;
  bool spun = false; /* one brief spin per run out of work */
  for (;;) {
    sched_stop_point(c);
    bool inherit;
    struct task *t = NULL;
    /* A task that found nothing has just switched here (a parker searched
     * this core only, an exiting task every core): searching again at once
     * would find the same. The spin looks at
     * what arrives meanwhile and at every other core's deque, and goes
     * back to a search (which steals) when it sees work; the look after
     * the idle announcement covers the rest. */
    if (!c->idle_after_search)
      t = find_runnable(c, false, SEARCH_EVERY_CORE, &inherit);
    c->idle_after_search = false;
    if (t) {
      spun = false;
      if (spinning) {
        /* Found work: stop counting as a searcher, and since there may be
         * more where this came from, let the next idle core look too. */
        spinning = false;
        spinning_done();
        wake_idle_core();
      }
      switch_to(c, idle, t, false, AFTER_NOTHING, NULL, NULL);
      continue;
    }
    if (!spun) {
      spun = true;
      if (idle_spin_sees_work(c))
        continue;
    }
    spun = false;
    SCHED_TEST_HOOK(SCHED_TEST_IDLE_BEFORE_ANNOUNCE, NULL);
    if (spinning) {
      spinning = false;
      spinning_done();
    }
    /* Announce idle, then look once more (the other half of the Dekker
     * pair in wake_idle_core). A wake-up IPI cleared before the look and
     * sent after it stays pending, so wfi returns at once. */
    arch_clear_ipi();
    __atomic_store_n(&c->idle, 1, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&nidle, 1, __ATOMIC_SEQ_CST);
    sched_full_fence();
    /* The stop request is looked at again for the same reason: the IPI
     * that sched_stop_other_cores sent after it may be the one just
     * cleared, and nothing else would end the sleep. The fence orders the
     * clear before this load; the stopper's fence orders its request
     * before its IPI. */
    sched_stop_point(c);
    if (!work_visible(c)) {
      if (__atomic_load_n(&nidle, __ATOMIC_SEQ_CST) == sched_core_count())
        sched_check_deadlock(); /* the last core to go idle: can anything still happen? */
      sched_arm_timer(c, timers_next_deadline(c));
      uint64_t t0 = arch_now_ticks();
      /* Published so sched_stats counts a sleep still in progress: a core
       * idle since boot would otherwise show no idle time at all. Release:
       * a reader that sees this start also sees the last wake-up's count
       * and idle_ticks ("idle time" above). */
      __atomic_store_n(&c->asleep_since, t0, __ATOMIC_RELEASE);
      TRACE(TRACE_IDLE_SLEEP, 0);
      /* A task's exit, freed here, may have run newlib code that uses FP
       * registers; the switches out of this loop need not save them. */
      arch_forget_fp_state();
      arch_wait_for_interrupt();
      TRACE(TRACE_IDLE_WAKE, 0);
      c->clock_seen = arch_now_ticks();
      idle_sleep_ended(c, c->clock_seen - t0);
    }
    /* The interrupt window: whatever woke us (a device, the timer, an IPI)
     * is taken here, in the idle context, so device handlers run and ready
     * their tasks into this core's runnext. The scheduler never holds a lock
     * at this point, so every handler is safe to run. */
    arch_irq_enable();
    arch_irq_save();
    SCHED_TEST_HOOK(SCHED_TEST_IDLE_WINDOW_CLOSED, NULL);
    uint32_t one = 1;
    /* Acquire on failure: a waker's claim is ordered after its increment
     * of nspinning (wake_core, wake_idle_core), so the decrement we do
     * later as a spinning core can never come first. */
    if (__atomic_compare_exchange_n(&c->idle, &one, 0, false, __ATOMIC_SEQ_CST,
                                    __ATOMIC_ACQUIRE))
      __atomic_fetch_sub(&nidle, 1, __ATOMIC_SEQ_CST); /* woke on our own */
    else
      spinning = true; /* a waker claimed us and counted us as spinning */
    if (spinning)
      SCHED_TEST_HOOK(SCHED_TEST_WOKEN_BEFORE_SEARCH, NULL);
    if (c->timer_armed <= arch_now_ticks())
      c->timer_armed = 0; /* the compare fired: the next arm must reprogram it */
  }
}

bool sched_stats(unsigned core, struct sched_stats *out) {
  struct cpu *cpu = cpu_get(core);
  if (!cpu)
    return false;
  const struct sched_stats *s = &cpu->sched->stats;
  out->switches = switch_count(cpu->sched);
  out->tasks_started = __atomic_load_n(&s->tasks_started, __ATOMIC_RELAXED);
  out->tasks_exited = __atomic_load_n(&s->tasks_exited, __ATOMIC_RELAXED);
  out->spawns = __atomic_load_n(&s->spawns, __ATOMIC_RELAXED);
  out->steals = __atomic_load_n(&s->steals, __ATOMIC_RELAXED);
  out->tasks_stolen = __atomic_load_n(&s->tasks_stolen, __ATOMIC_RELAXED);
  out->preemptions = __atomic_load_n(&s->preemptions, __ATOMIC_RELAXED);
  out->wakeups_sent = __atomic_load_n(&s->wakeups_sent, __ATOMIC_RELAXED);
  out->idle_ns = ticks_to_ns(idle_time_ticks(cpu->sched, arch_now_ticks()));
  out->global_takes = __atomic_load_n(&s->global_takes, __ATOMIC_RELAXED);
  out->busy_ns = ticks_to_ns(__atomic_load_n(&cpu->sched->busy_ticks, __ATOMIC_RELAXED));
  out->irq_ns = ticks_to_ns(__atomic_load_n(&cpu->irq_ticks, __ATOMIC_RELAXED));
  out->stack_pool_bytes = task_stack_pool_bytes(cpu->sched);
  return true;
}

uint64_t sched_stack_cache_bytes(void) {
  uint64_t bytes = task_stacks_shared_bytes();
  for (unsigned i = 0; i < cpu_count(); i++)
    bytes += task_stack_pool_bytes(sched_of(i));
  return bytes;
}
