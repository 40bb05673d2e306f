/* smp_call_all: run a function on every core, each in a task pinned there. */
#include <errno.h>

#include <brigade/cpu.h>
#include <brigade/panic.h>
#include <brigade/sync.h>
#include <brigade/task.h>

struct call_all {
  void (*fn)(void *arg);
  void *arg;
  struct waitgroup done;
};

static void run_call(void *p) {
  struct call_all *call = p;
  call->fn(call->arg);
  waitgroup_done(&call->done);
}

void smp_call_all(void (*fn)(void *arg), void *arg) {
  if (!task_current())
    panic("smp_call_all needs task context");
  struct call_all call = {.fn = fn, .arg = arg, .done = WAITGROUP_INIT};
  waitgroup_add(&call.done, cpu_count());
  for (unsigned i = 0; i < cpu_count(); i++) {
    struct task_attr attr = {.name = "smp_call", .pin = (int)i};
    int err;
    while ((err = task_spawn(NULL, run_call, &call, &attr)) == -ENOMEM)
      task_sleep_ns(1000000); /* memory frees up as other tasks finish */
    if (err)
      panic("smp_call_all: cannot spawn on core %u (error %d)", i, err);
  }
  waitgroup_wait(&call.done);
}
