/* Portable boot: from the first instruction of C on the boot core to main(),
 * with every core online. It sits on top of every layer: it brings up the
 * machine (kernel/), the scheduler's per-core state (sched/), the C library's
 * (libc/) and the devices (the board), then makes main() the first task.
 * Every board enters here, the host board included (board/host/host.c). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <brigade/board.h>
#include <brigade/cpu.h>
#include <brigade/heap.h>
#include <brigade/libc.h>
#include <brigade/machine.h>
#include <brigade/panic.h>
#include <brigade/sched.h>
#include <brigade/task.h>

#define BOOT_STACK_SIZE (16 * 1024)

struct machine machine;
static unsigned cores_online;

extern int main(void);

static void main_task(void *arg) {
  (void)arg;
  /* The program ends when main returns (Go's rule): no other task runs
   * after that, and none can touch main's frame while exit reuses its stack. */
  int rc = sched_run_main(main);
  /* exit() flushes only newlib's global streams; main's are its own. */
  fflush(stdout);
  fflush(stderr);
  exit(rc);
}

/* Running out of memory while booting a machine of this size means the heap
 * bounds are wrong: say what they are. */
static __attribute__((noreturn, format(printf, 1, 2))) void boot_oom(const char *fmt, ...) {
  size_t used, capacity;
  heap_usage(&used, &capacity);
  va_list ap;
  va_start(ap, fmt);
  panic_begin("out of memory during boot");
  kvprintf(fmt, ap);
  va_end(ap);
  kprintf("\n  heap: %lu of %lu bytes used; RAM %p + %lu MiB; device tree at %p (%lu bytes)\n",
          (unsigned long)used, (unsigned long)capacity,
          (void *)(uintptr_t)machine.ram_base, (unsigned long)(machine.ram_size >> 20),
          machine.firmware_blob, (unsigned long)machine.firmware_blob_size);
  panic_end(EXIT_PANIC);
}

/* How long the boot core waits for the cores it started, in its own clock.
 * Under QEMU that clock runs on while a vCPU thread is descheduled on a loaded
 * host, so a core can be seconds late with nothing wrong: after
 * CORE_REPORT_SLOW_MS the boot says which cores it still waits for and in
 * what state, and only after CORE_REPORT_GIVE_UP_MS does it panic with the
 * same diagnosis. On hardware a core that has not reported in after the
 * first is already broken; the second bounds the wait for it. */
#define CORE_REPORT_SLOW_MS 2000
#define CORE_REPORT_GIVE_UP_MS 60000
/* How often the boot core asks whether the firmware has lost a start. */
#define CORE_RESTART_POLL_MS 10

static void diagnose_missing_cores(void) {
  for (unsigned i = 0; i < cpu_count(); i++)
    if (!__atomic_load_n(&cpu_get(i)->online, __ATOMIC_ACQUIRE))
      board_diagnose_cpu(cpu_get(i));
}

/* Waits until every started core has reported in (kernel_secondary). A core
 * the firmware has put back in its stopped state without it reporting in is
 * started again (board_restart_cpu_if_stopped); a core that stays away past
 * the limit is named with its state in a panic. */
static void wait_for_cores(void) {
  uint64_t start = arch_now_ticks();
  uint64_t next_poll = start;
  bool said_slow = false;
  /* Acquire pairs with each core's release increment in kernel_secondary:
   * once the count is complete, everything the cores set up is visible. */
  while (__atomic_load_n(&cores_online, __ATOMIC_ACQUIRE) < cpu_count()) {
    uint64_t now = arch_now_ticks();
    if (now >= next_poll) {
      next_poll = now + arch_ms_to_ticks(CORE_RESTART_POLL_MS);
      for (unsigned i = 0; i < cpu_count(); i++) {
        struct cpu *cpu = cpu_get(i);
        /* Relaxed is enough: online only saves the board a look. A core that
         * reports in after this read is running, not stopped, so the board
         * leaves it alone. */
        if (__atomic_load_n(&cpu->online, __ATOMIC_RELAXED))
          continue;
        if (board_restart_cpu_if_stopped(cpu) < 0)
          panic("could not start core %u (hw id %lu) again", i, (unsigned long)cpu->hw_id);
      }
    }
    if (!said_slow && now - start > arch_ms_to_ticks(CORE_REPORT_SLOW_MS)) {
      said_slow = true;
      kprintf("brigade: %u of %u cores reported in within %d ms; still waiting for:\n",
              __atomic_load_n(&cores_online, __ATOMIC_ACQUIRE), cpu_count(), CORE_REPORT_SLOW_MS);
      diagnose_missing_cores();
    }
    if (now - start > arch_ms_to_ticks(CORE_REPORT_GIVE_UP_MS)) {
      panic_begin("only %u of %u cores reported in within %d ms",
                  __atomic_load_n(&cores_online, __ATOMIC_ACQUIRE), cpu_count(),
                  CORE_REPORT_GIVE_UP_MS);
      diagnose_missing_cores();
      panic_end(EXIT_PANIC);
    }
    arch_cpu_relax();
  }
}

/* Each core's exception stack (struct cpu's exception_stack_top), given
 * before the core can take a trap that uses it: the boot core's right after
 * its struct cpu exists (until then its trap entry uses a static early
 * stack), every other core's before it is started (its boot path installs
 * it, boot/<arch>/start.S). */
static void give_exception_stack(struct cpu *cpu) {
  if (ARCH_EXCEPTION_STACK_SIZE == 0)
    return;
  char *stack = memalign(16, ARCH_EXCEPTION_STACK_SIZE);
  if (!stack)
    boot_oom("no exception stack for core %u", cpu->index);
  cpu->exception_stack_top = stack + ARCH_EXCEPTION_STACK_SIZE;
}

static void start_secondaries(struct cpu *boot) {
  for (unsigned i = 0; i < cpu_count(); i++) {
    struct cpu *cpu = cpu_get(i);
    if (cpu == boot)
      continue;
    char *stack = memalign(16, BOOT_STACK_SIZE);
    if (!stack)
      boot_oom("no boot stack for core %u", i);
    cpu->boot_stack = stack;
    cpu->boot_stack_top = stack + BOOT_STACK_SIZE;
    give_exception_stack(cpu);
    int err = board_start_cpu(cpu);
    if (err)
      panic("could not start core %u (hw id %lu)", i, (unsigned long)cpu->hw_id);
  }
  wait_for_cores();
}

static void print_banner(void) {
  kprintf("brigade on %s: %u core%s (hw ids", board_name, cpu_count(), cpu_count() == 1 ? "" : "s");
  for (unsigned i = 0; i < cpu_count(); i++)
    kprintf(" %lu", (unsigned long)cpu_get(i)->hw_id);
  kprintf("), %lu MiB RAM at %p, timer %lu Hz%s\n", (unsigned long)(machine.ram_size >> 20),
          (void *)(uintptr_t)machine.ram_base, (unsigned long)machine.timer_hz,
          arch_timer_description());
  for (unsigned i = 0; i < machine.ncores; i++)
    if (!machine.cores[i].usable)
      kprintf("brigade: skipped hw id %lu: %s\n", (unsigned long)machine.cores[i].hw_id,
              machine.cores[i].why_not);
}

void kernel_boot(uint64_t boot_hw_id, const void *firmware_arg) {
  board_early_init();

  /* Pass one sizes the machine; the heap can only be set up once RAM is known,
   * and pass two then has somewhere to put the core list. */
  if (board_describe(firmware_arg, &machine) < 0)
    panic("cannot describe the machine from what the firmware passed (%p)", firmware_arg);
  heap_init(&machine);
  machine.cores = calloc(machine.ncores, sizeof *machine.cores);
  if (!machine.cores)
    boot_oom("no room for the core list (%u cores)", machine.ncores);
  if (board_describe(firmware_arg, &machine) < 0)
    panic("the machine description changed between two reads");

  struct cpu *boot = cpus_create(&machine, boot_hw_id);
  if (!boot)
    boot_oom("no room for %u per-core structures", machine.ncores);
  /* Before this core has a struct cpu to be found by: from then on the
   * scheduler's state of every core is there to be looked up. */
  if (!sched_cpus_create())
    boot_oom("no room for the scheduler's state of %u cores", cpu_count());
  arch_set_this_cpu(boot);
  give_exception_stack(boot);
  arch_exception_stack_ready(boot);
  board_cpu_init(boot);
  libc_init_cpu(boot, true);
  __atomic_store_n(&boot->online, 1, __ATOMIC_RELEASE);
  __atomic_fetch_add(&cores_online, 1, __ATOMIC_RELEASE);

  start_secondaries(boot);
  print_banner();
  board_devices_init();

  /* main() is the first task; from here on this core is a scheduler like
   * every other. */
  static const struct task_attr main_attr = {.name = "main", .pin = TASK_ANY_CORE};
  if (task_spawn(NULL, main_task, NULL, &main_attr) != 0)
    panic("out of memory for the main task");
  sched_run_core();
}

void kernel_secondary(struct cpu *cpu) {
  board_cpu_init(cpu);
  libc_init_cpu(cpu, false);
  __atomic_store_n(&cpu->online, 1, __ATOMIC_RELEASE);
  __atomic_fetch_add(&cores_online, 1, __ATOMIC_RELEASE);
  sched_run_core();
}
