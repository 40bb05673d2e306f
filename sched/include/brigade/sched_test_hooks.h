/**
 * @file sched_test_hooks.h
 * @brief Points inside the scheduler where a test can stop a core on
 *        purpose, to hold a race window open that is otherwise a few
 *        instructions wide.
 *
 * Only the test build of the scheduler has them (the brigade_sched_test_hooks
 * library, compiled with BRIGADE_SCHED_TEST_HOOKS); an image that calls
 * sched_test_set_hook against the shipped scheduler fails to link. Each
 * point names the race it belongs to. The hook runs on the core that reached
 * the point, in whatever context that is (often interrupts masked, sometimes
 * holding a lock named below): it may spin and read memory, never park.
 */
#ifndef BRIGADE_SCHED_TEST_HOOKS_H
#define BRIGADE_SCHED_TEST_HOOKS_H

/** Where a hook is called from, and what @p arg is there. */
enum sched_test_point {
  /** wake_core has counted the idle target as spinning and claimed its
   *  flag, and not yet sent the wake-up; arg: the target core's index (as
   *  a uintptr_t). */
  SCHED_TEST_WAKE_CORE_CLAIMED,
  /** A core found nothing to run and is about to announce itself idle; it
   *  still counts as spinning if it was woken. arg: NULL. */
  SCHED_TEST_IDLE_BEFORE_ANNOUNCE,
  /** A core woken by a waker (it found its idle flag claimed) is about to
   *  look for work; it counts as spinning; interrupts masked. arg: NULL. */
  SCHED_TEST_WOKEN_BEFORE_SEARCH,
  /** A timer has left its core's heap and its function has not run yet;
   *  interrupts masked. arg: the timer's task (the sleeper for a sleep). */
  SCHED_TEST_TIMER_BEFORE_FN,
  /** A core's idle loop has taken its interrupts (what woke it: the timer,
   *  a device, an IPI) and masked them again; its idle flag is still set.
   *  arg: NULL. */
  SCHED_TEST_IDLE_WINDOW_CLOSED,
  /** once_do's runner has published that fn is done (a caller may now
   *  return and destroy the once); interrupts masked. arg: the struct once. */
  SCHED_TEST_ONCE_DONE_PUBLISHED,
  /** main has returned and its core has asked every other core to stop and
   *  sent each an IPI; interrupts masked for good. arg: NULL. */
  SCHED_TEST_STOP_IPIS_SENT,
};

/** Install @p hook (NULL: none); it is called at every point above. */
void sched_test_set_hook(void (*hook)(enum sched_test_point point, void *arg));

#endif
