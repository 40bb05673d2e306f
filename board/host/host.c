/* The host board: brigade's scheduler as an ordinary Linux program, one
 * pthread per core, so the portable code (sched/, most of kernel/) runs
 * under ThreadSanitizer, AddressSanitizer and UBSan, and can be measured
 * beside Go and pthreads. It boots through the same kernel_boot
 * (boot/boot.c) as the bare-metal boards: the process's main() is the
 * first instruction of C, a "core" is a thread, the machine description
 * comes from the environment instead of a device tree, and the heap is
 * glibc's.
 *
 * Cores: BRIGADE_CORES in the environment (default: the host's CPU count).
 * Test selection: BRIGADE_ARGS="test=NAME" (what QEMU's -append does on
 * the bare-metal boards).
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <brigade/board.h>
#include <brigade/cpu.h>
#include <brigade/heap.h>
#include <brigade/machine.h>
#include <brigade/panic.h>

#include "kernel/arch/x86_64/host_arch.h"

const char board_name[] = "host";

int main(void) { kernel_boot(0, NULL); }

/* stdout is usable from the start; it is line-buffered even into a pipe,
 * as a UART is unbuffered, so a test that hangs or dies has already shown
 * every line it printed. */
void board_early_init(void) { setvbuf(stdout, NULL, _IOLBF, 0); }

int board_describe(const void *firmware_arg, struct machine *m) {
  (void)firmware_arg;
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  const char *env = getenv("BRIGADE_CORES");
  if (env) {
    char *end;
    n = strtol(env, &end, 10);
    if (*end || n < 1 || n > 1024) {
      kprintf("BRIGADE_CORES=%s: expected a core count from 1 to 1024\n", env);
      return -1;
    }
  }
  m->ncores = (unsigned)n;
  m->ram_base = 0;
  m->ram_size = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
  m->timer_hz = 1000000000u; /* arch_now_ticks counts CLOCK_MONOTONIC nanoseconds */
  m->bootargs = getenv("BRIGADE_ARGS");
  if (m->cores)
    for (unsigned i = 0; i < m->ncores; i++)
      m->cores[i] = (struct machine_core){.hw_id = i, .usable = true};
  return 0;
}

/* The process's heap is glibc's: nothing to set up, and its size is what
 * glibc has taken from the system so far. */
void heap_init(const struct machine *m) { (void)m; }

void heap_usage(size_t *used, size_t *capacity) {
  struct mallinfo2 info = mallinfo2();
  *used = info.arena + info.hblkhd;
  *capacity = (size_t)machine.ram_size;
}

static void *core_thread(void *arg) {
  struct cpu *cpu = arg;
  arch_set_this_cpu(cpu); /* what boot/<arch>/start.S does on a bare-metal core */
  kernel_secondary(cpu);
}

/* The boot stack kernel_boot allocated (cpu->boot_stack_top) goes unused: a
 * thread runs on the stack glibc gives it, which the sanitizers know. */
int board_start_cpu(struct cpu *cpu) {
  pthread_t thread;
  if (pthread_create(&thread, NULL, core_thread, cpu) != 0)
    return -1;
  pthread_detach(thread);
  return 0;
}

/* A created thread runs: nothing to lose. */
int board_restart_cpu_if_stopped(struct cpu *cpu) {
  (void)cpu;
  return 0;
}

void board_diagnose_cpu(const struct cpu *cpu) {
  kprintf("  core %u: its thread was created but never reported in\n", cpu->index);
}

static void arch_init_once(void) { host_arch_init(cpu_count()); }

void board_cpu_init(struct cpu *cpu) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, arch_init_once); /* the boot core, before it starts the others */
  host_cpu_init(cpu);
}

void board_devices_init(void) {} /* no devices: the console is the process's stdout */

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
