#include "commands.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <brigade/board.h>
#include <brigade/console.h>
#include <brigade/cpu.h>
#include <brigade/sched.h>
#include <brigade/serial.h>
#include <brigade/sync.h>
#include <brigade/task.h>
#include <brigade/trace.h>

#define MAX_CORES_SHOWN 64

int command_split(char *line, char **argv) {
  int argc = 0;
  char *rest;
  for (char *tok = strtok_r(line, " \t", &rest); tok; tok = strtok_r(NULL, " \t", &rest)) {
    if (argc == COMMAND_MAX_ARGS)
      return -1;
    argv[argc++] = tok;
  }
  return argc;
}

/* Parse a whole decimal argument in [lo, hi]; print why not otherwise. */
static bool parse_arg(const char *cmd, const char *s, long lo, long hi, long *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (end == s || *end != '\0' || errno == ERANGE) {
    printf("%s: '%s' is not a number\n", cmd, s);
    return false;
  }
  if (v < lo || v > hi) {
    printf("%s: %ld is out of range (%ld..%ld)\n", cmd, v, lo, hi);
    return false;
  }
  *out = v;
  return true;
}

static bool one_arg(int argc, char **argv, long lo, long hi, long *out) {
  if (argc != 2) {
    printf("%s: takes one number (%ld..%ld)\n", argv[0], lo, hi);
    return false;
  }
  return parse_arg(argv[0], argv[1], lo, hi, out);
}

static unsigned shown_cores(void) {
  return cpu_count() < MAX_CORES_SHOWN ? cpu_count() : MAX_CORES_SHOWN;
}

/* ---- fib: parallel fork-join ---------------------------------------------- */

/* Below this, forking costs more than it saves. */
#define FIB_SEQUENTIAL_BELOW 12

struct fib_job {
  int n;
  uint64_t result;
  struct waitgroup *done;
};

static uint64_t fib_sequential(int n) { return n < 2 ? (uint64_t)n : fib_sequential(n - 1) + fib_sequential(n - 2); }

static uint64_t fib_parallel(int n);

static void fib_task(void *arg) {
  struct fib_job *job = arg;
  job->result = fib_parallel(job->n);
  waitgroup_done(job->done);
}

static uint64_t fib_parallel(int n) {
  if (n < FIB_SEQUENTIAL_BELOW)
    return fib_sequential(n);
  struct waitgroup wg = WAITGROUP_INIT;
  struct fib_job left = {.n = n - 1, .done = &wg};
  waitgroup_add(&wg, 1);
  static const struct task_attr attr = {.stack_size = 8 * 1024, .name = "fib", .pin = TASK_ANY_CORE};
  if (task_spawn(NULL, fib_task, &left, &attr) != 0)
    fib_task(&left); /* out of memory for a task: do the work here instead */
  uint64_t right = fib_parallel(n - 2);
  waitgroup_wait(&wg);
  return left.result + right;
}

static int cmd_fib(int argc, char **argv) {
  long n;
  if (!one_arg(argc, argv, 0, 40, &n))
    return -1;
  unsigned ncores = shown_cores();
  uint64_t before[MAX_CORES_SHOWN];
  struct sched_stats st;
  for (unsigned i = 0; i < ncores; i++)
    before[i] = sched_stats(i, &st) ? st.tasks_started : 0;
  uint64_t t0 = task_now_ns();
  uint64_t result = fib_parallel((int)n);
  uint64_t t1 = task_now_ns();
  printf("fib(%ld) = %" PRIu64 " in %" PRIu64 ".%03" PRIu64 " ms\ntasks run per core:", n,
         result, (t1 - t0) / 1000000, (t1 - t0) / 1000 % 1000);
  for (unsigned i = 0; i < ncores; i++)
    printf(" %u:%" PRIu64, i, (sched_stats(i, &st) ? st.tasks_started : 0) - before[i]);
  printf("\n");
  return -1;
}

/* ---- sleep, spawn ---------------------------------------------------------- */

static int cmd_sleep(int argc, char **argv) {
  long ms;
  if (!one_arg(argc, argv, 0, 600000, &ms))
    return -1;
  uint64_t t0 = task_now_ns();
  task_sleep_ns((uint64_t)ms * 1000000);
  uint64_t took = task_now_ns() - t0;
  printf("slept %" PRIu64 ".%03" PRIu64 " ms (asked for %ld)\n", took / 1000000,
         took / 1000 % 1000, ms);
  return -1;
}

struct spawned {
  unsigned index;
  struct waitgroup *done;
};

static void spawned_task(void *arg) {
  struct spawned *s = arg;
  unsigned ms = 10 + (s->index * 7) % 40; /* spread the wake-ups over 10..49 ms */
  unsigned started_on = task_core();
  task_sleep_ns((uint64_t)ms * 1000000);
  printf("task %u (id %" PRIu32 "): slept %u ms, started on core %u, woke on core %u\n",
         s->index, task_id(task_current()), ms, started_on, task_core());
  waitgroup_done(s->done);
}

static int cmd_spawn(int argc, char **argv) {
  long n;
  if (!one_arg(argc, argv, 1, 1000, &n))
    return -1;
  struct spawned *jobs = calloc((size_t)n, sizeof *jobs);
  if (!jobs) {
    printf("spawn: out of memory for %ld tasks\n", n);
    return -1;
  }
  struct waitgroup wg = WAITGROUP_INIT;
  static const struct task_attr attr = {.stack_size = 4 * 1024, .name = "spawned", .pin = TASK_ANY_CORE};
  long started = 0;
  for (; started < n; started++) {
    jobs[started] = (struct spawned){.index = (unsigned)started, .done = &wg};
    waitgroup_add(&wg, 1);
    if (task_spawn(NULL, spawned_task, &jobs[started], &attr) != 0) {
      waitgroup_done(&wg);
      printf("spawn: out of memory after %ld tasks\n", started);
      break;
    }
  }
  waitgroup_wait(&wg);
  printf("spawn: %ld tasks done\n", started);
  free(jobs);
  return -1;
}

/* ---- top: where the CPU time goes ---------------------------------------------- */

#define TOP_TASKS 10

static int by_run_time(const void *a, const void *b) {
  const struct sched_task_usage *x = a, *y = b;
  return x->run_us < y->run_us ? 1 : x->run_us > y->run_us ? -1 : 0;
}

static void print_permille(uint64_t part, uint64_t whole) {
  uint64_t pm = whole ? part * 1000 / whole : 0;
  if (pm > 1000)
    pm = 1000;
  printf(" %4" PRIu64 ".%" PRIu64 "%%", pm / 10, pm % 10);
}

/* Per core: busy (in tasks), idle (asleep) and in device interrupts since
 * the previous top (the first: since accounting started with the shell);
 * then the tasks that used the most CPU time in all. */
static int cmd_top(int argc, char **argv) {
  (void)argv;
  if (argc != 1) {
    printf("top: takes no arguments\n");
    return -1;
  }
  static uint64_t last_at, last_busy[MAX_CORES_SHOWN], last_idle[MAX_CORES_SHOWN],
      last_irq[MAX_CORES_SHOWN];
  uint64_t now = task_now_ns(), span = now - last_at;
  printf("top: the last %" PRIu64 " ms\ncore   busy   idle    irq\n", span / 1000000);
  struct sched_stats st;
  for (unsigned i = 0; i < shown_cores(); i++) {
    if (!sched_stats(i, &st))
      continue;
    printf("%4u", i);
    print_permille(st.busy_ns - last_busy[i], span);
    print_permille(st.idle_ns - last_idle[i], span);
    print_permille(st.irq_ns - last_irq[i], span);
    printf("\n");
    last_busy[i] = st.busy_ns;
    last_idle[i] = st.idle_ns;
    last_irq[i] = st.irq_ns;
  }
  last_at = now;
  static struct sched_task_usage tasks[256];
  unsigned n = sched_task_usage(tasks, sizeof tasks / sizeof tasks[0]);
  unsigned shown = n < sizeof tasks / sizeof tasks[0] ? n : sizeof tasks / sizeof tasks[0];
  qsort(tasks, shown, sizeof tasks[0], by_run_time);
  printf("    id name             state     core  cpu ms\n");
  for (unsigned i = 0; i < shown && i < TOP_TASKS; i++)
    printf("%6" PRIu32 " %-16s %-9s %4u %7" PRIu32 ".%03" PRIu32 "%s\n", tasks[i].id,
           tasks[i].name, tasks[i].state, tasks[i].core, tasks[i].run_us / 1000,
           tasks[i].run_us % 1000, tasks[i].run_us == UINT32_MAX ? "+" : "");
  printf("%u tasks\n", n);
  return -1;
}

/* ---- ps, stats --------------------------------------------------------------- */

static int cmd_ps(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fflush(stdout);
  sched_dump_tasks();
  return -1;
}

static int cmd_stats(int argc, char **argv) {
  (void)argc;
  (void)argv;
  uint64_t up = task_now_ns();
  printf("uptime %" PRIu64 " ms, %u cores\n", up / 1000000, cpu_count());
  printf("core  tasks-run  switches  steals  stolen  preempted  idle   busy    irq\n");
  struct sched_stats st;
  for (unsigned i = 0; i < shown_cores(); i++) {
    if (!sched_stats(i, &st))
      continue;
    uint64_t idle_permille = up ? st.idle_ns * 1000 / up : 0;
    printf("%4u %10" PRIu64 " %9" PRIu64 " %7" PRIu64 " %7" PRIu64 " %10" PRIu64
           " %3" PRIu64 ".%" PRIu64 "%%",
           i, st.tasks_started, st.switches, st.steals, st.tasks_stolen, st.preemptions,
           idle_permille / 10, idle_permille % 10);
    print_permille(st.busy_ns, up); /* since boot: the shell turns accounting on first thing */
    print_permille(st.irq_ns, up);
    printf("\n");
  }
  struct serial_port *port = console_port();
  if (port) {
    struct serial_stats s;
    serial_get_stats(port, &s);
    printf("uart %s: rx %" PRIu64 " bytes, tx %" PRIu64 " bytes, drops %" PRIu64
           ", interrupts %" PRIu64 ", parked readers woken %" PRIu64 ", rx throttled %" PRIu64
           "\n",
           port->name, s.rx_bytes, s.tx_bytes, s.rx_dropped, s.interrupts, s.reader_wakes,
           s.rx_throttled);
  } else {
    printf("uart: none (console is the host's stdout)\n");
  }
  return -1;
}

/* ---- trace: the execution trace (docs/TRACING.md) ---------------------------- */

static void write_stdout(const char *text, size_t len, void *ctx) {
  (void)ctx;
  fwrite(text, 1, len, stdout);
}

static int cmd_trace(int argc, char **argv) {
  long events = 0;
  if (argc >= 2 && strcmp(argv[1], "start") == 0 &&
      (argc == 2 || (argc == 3 && parse_arg("trace start", argv[2], 64, 1L << 24, &events)))) {
    int err = sched_trace_start((unsigned)events);
    if (err)
      printf("trace start: %s\n", strerror(-err));
    else
      printf("trace: on, %u events per core\n", (unsigned)trace_capacity());
  } else if (argc == 2 && strcmp(argv[1], "stop") == 0) {
    trace_stop();
    printf("trace: off\n");
  } else if (argc == 2 && strcmp(argv[1], "dump") == 0) {
    fflush(stdout);
    int err = trace_dump(write_stdout, NULL);
    fflush(stdout);
    if (err)
      printf("trace dump: %s\n", err == -ENODATA ? "tracing never started" : strerror(-err));
  } else if (argc == 3 && strcmp(argv[1], "dump") == 0) {
    long n = -ENODATA;
    if (trace_capacity()) {
      /* Said first: a large dump takes a moment through semihosting. */
      printf("trace dump: writing host file %s\n", argv[2]);
      fflush(stdout);
      n = trace_dump_to_host(argv[2]);
    }
    if (n >= 0)
      printf("trace dump: wrote %ld bytes to host file %s\n", n, argv[2]);
    else if (n == -ENODATA)
      printf("trace dump: tracing never started\n");
    else if (n == -ENODEV)
      printf("trace dump: cannot write host file %s: no semihosting host "
             "(QEMU runs without -semihosting, or no debugger serves it)\n",
             argv[2]);
    else
      printf("trace dump: cannot write host file %s: %s\n", argv[2], strerror((int)-n));
  } else if (argc != 3 || strcmp(argv[1], "start") != 0) {
    printf("trace: start [EVENTS-PER-CORE] | stop | dump [HOST-FILE]\n");
  }
  return -1;
}

/* ---- cat: raw bytes through, with a checksum --------------------------------- */

static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n) {
  crc = ~crc;
  while (n--) {
    crc ^= *p++;
    for (int k = 0; k < 8; k++)
      crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

static int cmd_cat(struct line_editor *ed, int argc, char **argv) {
  long n;
  if (!one_arg(argc, argv, 1, 16L * 1024 * 1024, &n))
    return -1;
  uint8_t chunk[256];
  size_t used = 0;
  uint32_t crc = 0;
  long got = 0;
  fflush(stdout);
  for (; got < n; got++) {
    int c = line_raw_byte(ed);
    if (c < 0)
      break;
    chunk[used++] = (uint8_t)c;
    if (used == sizeof chunk || ed->in_pos == ed->in_len) {
      crc = crc32_update(crc, chunk, used);
      write(STDOUT_FILENO, chunk, used);
      used = 0;
    }
  }
  crc = crc32_update(crc, chunk, used);
  write(STDOUT_FILENO, chunk, used);
  printf("\ncat: %ld bytes, crc32 %08" PRIx32 "\n", got, crc);
  return -1;
}

/* ---- help, exit ------------------------------------------------------------- */

static int cmd_exit(int argc, char **argv) {
  long code = 0;
  if (argc > 2 || (argc == 2 && !parse_arg(argv[0], argv[1], 0, 255, &code))) {
    if (argc > 2)
      printf("exit: takes at most one number (0..255)\n");
    return -1;
  }
  return (int)code;
}

static int cmd_help(int argc, char **argv);

struct command {
  const char *name, *args, *what;
  int (*fn)(int argc, char **argv);
};

static const struct command commands[] = {
    {"help", "", "this list", cmd_help},
    {"fib", "N", "fib(N) as a parallel fork-join over all cores (N <= 40)", cmd_fib},
    {"sleep", "MS", "sleep MS milliseconds", cmd_sleep},
    {"spawn", "N", "N tasks that each sleep 10..49 ms and report (N <= 1000)", cmd_spawn},
    {"ps", "", "every task: id, name, state, core, wait reason, waiting time, CPU time",
     cmd_ps},
    {"stats", "", "per-core scheduler counters; UART drops, interrupts, readers woken", cmd_stats},
    {"top", "", "per core busy/idle/irq time since the last top; tasks by CPU time", cmd_top},
    {"trace", "CMD",
     "start [EVENTS] | stop | dump [FILE]: the execution trace, dumped framed (FILE: on the "
     "host, by semihosting)",
     cmd_trace},
    {"cat", "N", "copy the next N raw input bytes to the output, then their CRC-32", NULL},
    {"exit", "[CODE]", "stop the machine (under QEMU: exit with CODE)", cmd_exit},
};

static int cmd_help(int argc, char **argv) {
  (void)argc;
  (void)argv;
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    printf("  %-6s %-7s %s\n", commands[i].name, commands[i].args, commands[i].what);
  printf("Editing: backspace, ^U erases the line, ^C cancels it. Lines hold %d characters.\n",
         LINE_MAX_CHARS);
  return -1;
}

int command_run(struct line_editor *ed, int argc, char **argv) {
  if (strcmp(argv[0], "cat") == 0)
    return cmd_cat(ed, argc, argv);
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (commands[i].fn && strcmp(argv[0], commands[i].name) == 0)
      return commands[i].fn(argc, argv);
  printf("unknown command '%s' (type help for the list)\n", argv[0]);
  return -1;
}
