/* The host board: brigade's scheduler as an ordinary Linux program, one
 * pthread per core, so the portable code (sched/, most of kernel/) runs
 * under ThreadSanitizer, AddressSanitizer and UBSan, and can be measured
 * beside Go and pthreads.
 *
 * Cores: BRIGADE_CORES in the environment (default: the host's CPU count).
 * Test selection: BRIGADE_ARGS="test=NAME" (what QEMU's -append does on
 * the bare-metal boards).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <brigade/board.h>
#include <brigade/cpu.h>
#include <brigade/machine.h>
#include <brigade/panic.h>
#include <brigade/sched.h>
#include <brigade/task.h>

#include "kernel/arch/x86_64/host_arch.h"
#include "kernel/kernel_internal.h"

const char board_name[] = "host";
struct machine machine;

int brigade_app_main(void); /* the program's main(), renamed by the build */

void board_console_putc(char c) {
  if (c == '\r')
    return; /* a terminal or a log file here, not a raw serial line */
  fflush(stdout);
  ssize_t ignored = write(STDOUT_FILENO, &c, 1);
  (void)ignored;
}

int board_console_getc(void) {
  unsigned char c;
  return read(STDIN_FILENO, &c, 1) == 1 ? c : -1;
}

void board_exit(int code) {
  fflush(stdout);
  fflush(stderr);
  _exit(code);
}

static void app_task(void *arg) {
  (void)arg;
  exit(sched_run_main(brigade_app_main)); /* other cores stopped: kernel/boot.c */
}

static void *core_thread(void *arg) {
  struct cpu *cpu = arg;
  arch_set_this_cpu(cpu);
  host_cpu_init(cpu);
  __atomic_store_n(&cpu->online, 1, __ATOMIC_RELEASE);
  sched_run_core();
}

int main(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  const char *env = getenv("BRIGADE_CORES");
  if (env) {
    char *end;
    n = strtol(env, &end, 10);
    if (*end || n < 1 || n > 1024) {
      fprintf(stderr, "BRIGADE_CORES=%s: expected a core count from 1 to 1024\n", env);
      return 2;
    }
  }
  machine.ncores = (unsigned)n;
  machine.timer_hz = 1000000000u;
  machine.bootargs = getenv("BRIGADE_ARGS");
  machine.cores = calloc(machine.ncores, sizeof *machine.cores);
  if (!machine.cores)
    panic("out of memory for %u cores", machine.ncores);
  for (unsigned i = 0; i < machine.ncores; i++)
    machine.cores[i] = (struct machine_core){.hw_id = i, .usable = true};

  struct cpu *boot = cpus_create(&machine, 0);
  if (!boot)
    panic("out of memory for %u per-core structures", machine.ncores);
  host_arch_init(cpu_count());
  arch_set_this_cpu(boot);
  host_cpu_init(boot);
  __atomic_store_n(&boot->online, 1, __ATOMIC_RELEASE);
  printf("brigade on host: %u core%s (threads), %s\n", cpu_count(), cpu_count() == 1 ? "" : "s",
         host_signal_preemption() ? "preemption by SIGURG" : "no signal preemption (sanitizer build)");
  fflush(stdout);
  for (unsigned i = 1; i < cpu_count(); i++) {
    pthread_t thread;
    if (pthread_create(&thread, NULL, core_thread, cpu_get(i)) != 0)
      panic("cannot start the thread for core %u", i);
    pthread_detach(thread);
  }
  static const struct task_attr main_attr = {.name = "main", .pin = TASK_ANY_CORE};
  if (task_spawn(NULL, app_task, NULL, &main_attr) != 0)
    panic("out of memory for the main task");
  sched_run_core();
}
void board_devices_init(void) {} /* no devices: the console is the process's stdout */
