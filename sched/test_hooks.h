/* SCHED_TEST_HOOK(point, arg): in the test build of the scheduler
 * (BRIGADE_SCHED_TEST_HOOKS), call the hook a test installed with
 * sched_test_set_hook; in the shipped build, nothing at all. */
#ifndef BRIGADE_SCHED_TEST_HOOKS_INTERNAL_H
#define BRIGADE_SCHED_TEST_HOOKS_INTERNAL_H

#include <stdint.h>

#include <brigade/sched_test_hooks.h>

#if defined(BRIGADE_SCHED_TEST_HOOKS)
extern void (*sched_test_hook)(enum sched_test_point point, void *arg);
/* Acquire: whatever the test set up before installing the hook is visible
 * to the hook on every core. */
#define SCHED_TEST_HOOK(point, arg)                                                                \
  do {                                                                                             \
    void (*hook_)(enum sched_test_point, void *) =                                                 \
        __atomic_load_n(&sched_test_hook, __ATOMIC_ACQUIRE);                                       \
    if (hook_)                                                                                     \
      hook_((point), (void *)(arg));                                                               \
  } while (0)
#else
#define SCHED_TEST_HOOK(point, arg) ((void)0)
#endif

#endif
