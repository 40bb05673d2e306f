#include <stdarg.h>
#include <stdbool.h>

#include <brigade/board.h>
#include <brigade/console.h>
#include <brigade/cpu.h>
#include <brigade/panic.h>
#include <brigade/sched.h>

bool panic_in_progress;
static int panic_owner = -1;

static int my_id(void) { return this_cpu() ? (int)this_cpu()->index : 0; }

static void vbegin(const char *fmt, va_list ap) {
  arch_irq_save();
  int me = my_id(), expected = -1;
  if (!__atomic_compare_exchange_n(&panic_owner, &expected, me, false, __ATOMIC_ACQ_REL,
                                   __ATOMIC_ACQUIRE)) {
    if (expected == me) {
      /* Panicking while printing a panic: the report itself is broken, so
       * say so in as few steps as possible and stop. */
      panic_in_progress = true;
      kprintf("\nPANIC (recursive) on core %d: ", me);
      kvprintf(fmt, ap);
      kprintf("\n");
      board_exit(EXIT_PANIC);
    }
    /* Another core is already reporting; it will stop the machine. */
    for (;;)
      arch_wait_for_interrupt();
  }
  __atomic_store_n(&panic_in_progress, true, __ATOMIC_RELEASE);
  struct cpu *cpu = this_cpu();
  if (cpu)
    kprintf("\nPANIC on core %u (hw id %lu): ", cpu->index, (unsigned long)cpu->hw_id);
  else
    kprintf("\nPANIC during early boot: ");
  kvprintf(fmt, ap);
  kprintf("\n");
}

void panic_begin(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vbegin(fmt, ap);
  va_end(ap);
}

void panic_end(int code) {
  if (sched_started()) {
    kprintf("tasks:\n");
    sched_dump_tasks();
  }
  console_write_urgent("", 0); /* pushes out what is still queued for the UART */
  board_exit(code);
}

void panic(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vbegin(fmt, ap);
  va_end(ap);
  panic_end(EXIT_PANIC);
}

/* newlib's assert() lands here: report it like any other panic. */
void __assert_func(const char *file, int line, const char *func, const char *expr) {
  panic("assertion \"%s\" failed in %s() at %s:%d", expr, func ? func : "?", file, line);
}
