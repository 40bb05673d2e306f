/**
 * @file sched_cpu.h
 * @brief The scheduler's per-core state (embedded in struct cpu).
 *
 * Laid out so the fields other cores touch (the deque's top, the runnext
 * slot, the inbox, the idle flag) do not share cache lines with the fields
 * only the owner writes on every switch.
 */
#ifndef BRIGADE_SCHED_CPU_H
#define BRIGADE_SCHED_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include <brigade/sched.h>
#include <brigade/spinlock.h>

struct task;
struct timer;

#define SCHED_DEQUE_SIZE 256 /* power of two */

/** How long a core must go without a switch before an idle core takes the
 *  task in its runnext (schedule.c, steal_runnext). */
#define SCHED_RUNNEXT_GRACE_NS 50000u

/** Every this many schedules a core looks at the global queue before its
 *  own work, and at its pinned FIFO (schedule.c, fairness_look). */
#define SCHED_FAIRNESS_GLOBAL_EVERY 61
#define SCHED_FAIRNESS_PINNED_EVERY 31

/** Work-stealing deque (Chase-Lev, with the orderings of Lê et al. 2013). */
struct deque {
  int64_t top __attribute__((aligned(64))); /* thieves CAS here */
  int64_t bottom __attribute__((aligned(64))); /* only the owner writes */
  struct task *slot[SCHED_DEQUE_SIZE];
};

/** What main's return asks of a core (sched/stop.c). */
enum sched_stop {
  SCHED_STOP_NONE,    /**< run as usual */
  SCHED_STOP_HALT,    /**< stop for good at the next point that holds no lock */
  SCHED_STOP_SURVIVE, /**< the core running the exit path: switch to nothing else */
};

/** What the task that switched away asked the next context to do for it. */
enum after_switch { AFTER_NOTHING, AFTER_REQUEUE, AFTER_PARK, AFTER_EXIT };

struct sched_cpu {
  /* Touched by other cores: stealers, readiers, wakers. */
  struct task *runnext __attribute__((aligned(64)));
  struct task *inbox;  /**< MPSC stack of pinned tasks sent here */
  uint32_t idle;       /**< 1 while asleep (or about to be) with nothing to run */
  uint32_t stop;       /**< enum sched_stop: set once, when main returns */
  uint32_t halted;     /**< 1 once this core has stopped for good */

  /* Owner only. */
  struct task *current __attribute__((aligned(64)));
  struct task *idle_task;   /**< stands for the core's own scheduler stack */
  struct task *pinned_head, *pinned_tail; /**< FIFO of pinned tasks ready here */
  uint16_t core;            /**< this core's index (cpu.index), for a switch's last_core */
  uint32_t until_fairness_look; /**< schedules left before the next fairness look, of
                                     either kind: the one countdown a switch decrements */
  uint16_t until_global_check;  /**< at the last look: schedules from it to the global
                                     queue's turn (schedule.c, fairness_look) */
  uint16_t until_pinned_check;  /**< ... and to the pinned FIFO's */
  uint32_t rng;             /**< sched_rand's state (steal and select order) */
  /* Every switch into a task counts in exactly one of these two (one
   * increment a switch); sched_stats reports their sum as switches, and
   * stats.switches below is not kept. Written by this core only, read by
   * others (sched_stats, a thief's look at runnext). */
  uint64_t slice_switches;     /**< switches that began a new time slice */
  uint64_t inherited_switches; /**< switches into a runnext task, which keeps the slice */
  uint64_t slice_seen;      /**< slice_switches at the last timer check */
  uint64_t slice_seen_at;   /**< ticks of that check */
  uint64_t timer_armed;     /**< deadline the timer compare holds (UINT64_MAX: none) */
  uint64_t asleep_since;    /**< ticks when the current idle sleep began; 0 while awake */
  uint64_t run_started;     /**< ticks when the running context began (CPU accounting) */
  uint64_t busy_ticks;      /**< ticks spent running tasks (CPU accounting) */
  uint64_t idle_ticks;      /**< ticks asleep with nothing to run, finished sleeps only;
                                 converted to ns when read (sched_stats), not at each wake-up */
  uint32_t idle_seq;        /**< odd while a wake-up moves a sleep from asleep_since into
                                 idle_ticks (schedule.c, idle_sleep_ended) */
  uint64_t clock_seen;      /**< ticks when the timer interrupt or idle loop last read the
                                 clock: a parked task's wait start, without a clock read */
  bool need_resched;        /**< set by the timer interrupt, acted on at its exit */
  bool idle_after_search;   /**< the switch to the idle task came from a search that found
                                 nothing: its loop spins before searching again */
  enum after_switch after;  /**< see finish_switch */
  struct task *after_task;
  void (*after_unlock)(void *);
  void *after_lock;
#ifdef BRIGADE_LOCK_VALIDATE
  /* Who parked, for the lock check after its unlock (finish_switch):
   * copied before the switch, while the task is still this core's. */
  uint32_t parker_id;
  const char *parker_name, *parker_reason;
#endif
  struct task *free_tasks;  /**< recycled task structs */
  uint32_t nfree_tasks;     /**< how many: at most TASKS_KEPT_MAX (task.c) */
  void *free_stacks;        /**< recycled default-size heap stacks */
  uint32_t nfree_stacks;
  void *free_slots;         /**< recycled default-size guarded (slot) stacks */
  uint32_t nfree_slots;
  uint64_t free_slot_bytes; /**< pages mapped in them (written by this core only) */
  uint32_t next_id;

  /* Timers: a binary min-heap of deadlines, guarded by timer_lock so that
   * another core may cancel a timer (select and channel timeouts). */
  spinlock_t timer_lock;
  struct timer **timers;
  uint32_t ntimers, timer_cap;
  uint64_t timer_earliest;  /**< heap top's deadline, readable without the lock */
  bool timers_firing;       /**< a fired timer's function is yet to run (timer.c) */

  struct sched_stats stats; /**< written by this core; switches is not kept here (above) */

  /* Last: its 2 KiB of slots would otherwise put every field after it
   * beyond RISC-V's signed 12-bit load and store offset from the struct's
   * address, and each function touching them would spend two instructions
   * forming a second base (lui, add). top and bottom keep cache lines of
   * their own (struct deque). */
  struct deque runq;

  /* Written by thieves only (schedule.c, steal_runnext), on a line of
   * their own so that their looks do not take runnext's line from its
   * owner; after the deque, since only a thief's search reaches them. */
  uint64_t runnext_look __attribute__((aligned(64))); /**< when a thief first found runnext
                                 full at the current switch count: the count + 1 (24 bits)
                                 above the ticks (40 bits) */
};

#endif
