/**
 * @file sync.h
 * @brief Blocking synchronisation between tasks, built on task_park/task_ready.
 */
#ifndef BRIGADE_SYNC_H
#define BRIGADE_SYNC_H

#include <stdint.h>

#include <brigade/spinlock.h>

struct task;

/**
 * @brief A WaitGroup, as in Go: wait until a counter drops to zero.
 *
 * waitgroup_add(+n) before starting n pieces of work, waitgroup_done() as
 * each finishes, waitgroup_wait() to block until all have. The counter going
 * negative is a bug and panics.
 */
struct waitgroup {
  int64_t count;
  spinlock_t lock;
  struct task *waiters;
};

#define WAITGROUP_INIT {0, SPINLOCK_INIT, 0}

void waitgroup_add(struct waitgroup *wg, int64_t delta);
void waitgroup_done(struct waitgroup *wg);
void waitgroup_wait(struct waitgroup *wg);

#endif
