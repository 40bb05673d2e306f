/* The few runtime calls examples/shell/commands.c makes, for the shell fuzz
 * harness, which builds the line editor and the commands without the
 * runtime. Tasks run to completion inside task_spawn, so every waitgroup
 * must be back at zero when it is waited on: a command that loses track of
 * its tasks aborts here. Time advances 1 ms per reading and sleeping takes
 * none. Tracing keeps only its state (on, off, capacity): a dump is one
 * line, a dump to a host file finds no host (an empty name aborts), and
 * the capacity follows trace_start's contract (0 for the default, else
 * rounded up to a power of two), so a command that passes a value the
 * runtime would reject aborts here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brigade/console.h>
#include <brigade/cpu.h>
#include <brigade/sched.h>
#include <brigade/serial.h>
#include <brigade/sync.h>
#include <brigade/task.h>
#include <brigade/trace.h>

#define SHIM_CORES 4

static uint64_t now_ns;
static uint32_t tasks_run;

unsigned cpu_count(void) { return SHIM_CORES; }

bool sched_stats(unsigned core, struct sched_stats *out) {
  memset(out, 0, sizeof *out);
  out->tasks_started = tasks_run;
  return core < SHIM_CORES;
}

void sched_dump_tasks(void) { printf("(no tasks: fuzz shim)\n"); }

uint64_t task_now_ns(void) { return now_ns += 1000000; }

void task_sleep_ns(uint64_t ns) { (void)ns; }

int task_spawn(task_t **out, void (*fn)(void *arg), void *arg, const struct task_attr *attr) {
  (void)attr;
  if (out)
    *out = NULL;
  tasks_run++;
  fn(arg);
  return 0;
}

task_t *task_current(void) { return NULL; }

unsigned task_core(void) { return 0; }

uint32_t task_id(const task_t *t) {
  (void)t;
  return tasks_run;
}

void waitgroup_add(struct waitgroup *wg, int64_t delta) {
  wg->count += delta;
  if (wg->count < 0) {
    fprintf(stderr, "shell_runtime_shim: waitgroup count below zero\n");
    abort();
  }
}

void waitgroup_done(struct waitgroup *wg) { waitgroup_add(wg, -1); }

void waitgroup_wait(struct waitgroup *wg) {
  if (wg->count != 0) {
    fprintf(stderr, "shell_runtime_shim: waitgroup_wait with %lld tasks outstanding, none running\n",
            (long long)wg->count);
    abort();
  }
}

struct serial_port *console_port(void) { return NULL; }

void serial_get_stats(struct serial_port *port, struct serial_stats *out) {
  (void)port;
  memset(out, 0, sizeof *out);
}

/* top: two tasks whose counters a command must print whatever they hold. */
unsigned sched_task_usage(struct sched_task_usage *out, unsigned max) {
  static const struct sched_task_usage live[] = {
      {.id = 1, .name = "main", .state = "running", .run_us = 1500, .core = 0},
      {.id = 2, .name = "spinner", .state = "runnable", .run_us = UINT32_MAX, .core = 3},
  };
  unsigned n = sizeof live / sizeof live[0];
  for (unsigned i = 0; i < n && i < max; i++)
    out[i] = live[i];
  return n;
}

#define SHIM_TRACE_DEFAULT 4096u
#define SHIM_TRACE_MOST (1u << 24)

static uint32_t trace_events;
static bool shim_tracing;

int sched_trace_start(unsigned events_per_core) {
  if (events_per_core > SHIM_TRACE_MOST) {
    fprintf(stderr, "shell_runtime_shim: trace start with %u events per core\n", events_per_core);
    abort();
  }
  if (trace_events == 0) {
    uint32_t cap = events_per_core ? 1 : SHIM_TRACE_DEFAULT;
    while (cap < events_per_core)
      cap <<= 1;
    trace_events = cap;
  }
  shim_tracing = true;
  return 0;
}

uint32_t trace_capacity(void) { return trace_events; }

void trace_stop(void) { shim_tracing = false; }

long trace_dump_to_host(const char *name) {
  if (!name || !*name) {
    fprintf(stderr, "shell_runtime_shim: trace_dump_to_host with an empty name\n");
    abort();
  }
  if (trace_events == 0)
    return -ENODATA;
  return -ENODEV; /* no host files in the harness: the shell must say so */
}

int trace_dump(void (*write)(const char *text, size_t len, void *ctx), void *ctx) {
  if (trace_events == 0)
    return -ENODATA;
  static const char line[] = "(trace dump: fuzz shim)\n";
  write(line, sizeof line - 1, ctx);
  return 0;
}
