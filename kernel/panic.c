#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include <brigade/board.h>
#include <brigade/cpu.h>
#include <brigade/panic.h>

static bool panicking;
static int panic_owner = -1;
/* Set once while the machine comes up, read on the panic path: relaxed
 * loads see them, since a report begins long after registration on the
 * registering core, and a racing first panic at worst skips the dump. */
static void (*dump_handler)(void);
static void (*flush_handler)(void);
static void (*describer)(char *buf, size_t len);

void panic_set_describer(void (*describe)(char *buf, size_t len)) {
  __atomic_store_n(&describer, describe, __ATOMIC_RELAXED);
}

void panic_describe_running(char *buf, size_t len) {
  void (*describe)(char *, size_t) = __atomic_load_n(&describer, __ATOMIC_RELAXED);
  if (describe)
    describe(buf, len);
  else if (len) {
    strncpy(buf, "code before the scheduler started", len - 1);
    buf[len - 1] = '\0';
  }
}

static int my_id(void) { return this_cpu() ? (int)this_cpu()->index : 0; }

bool panic_in_progress(void) { return __atomic_load_n(&panicking, __ATOMIC_ACQUIRE); }

void panic_set_dump_handler(void (*dump)(void)) {
  __atomic_store_n(&dump_handler, dump, __ATOMIC_RELAXED);
}

void panic_set_flush_handler(void (*flush)(void)) {
  __atomic_store_n(&flush_handler, flush, __ATOMIC_RELAXED);
}

/* Make this core the one that reports, or handle the other cases: a panic
 * inside this core's own report, or another core already reporting. */
static void claim(const char *fmt, va_list ap) {
  arch_irq_save();
  int me = my_id(), expected = -1;
  if (!__atomic_compare_exchange_n(&panic_owner, &expected, me, false, __ATOMIC_ACQ_REL,
                                   __ATOMIC_ACQUIRE)) {
    if (expected == me) {
      /* Panicking while printing a panic: the report itself is broken, so
       * say so in as few steps as possible and stop. */
      __atomic_store_n(&panicking, true, __ATOMIC_RELEASE);
      kprintf("\nPANIC (recursive) on core %d: ", me);
      if (fmt)
        kvprintf(fmt, ap);
      kprintf("\n");
      board_exit(EXIT_PANIC);
    }
    /* Another core is already reporting; it will stop the machine. */
    for (;;)
      arch_wait_for_interrupt();
  }
  /* Release: a core that sees the flag uses urgent output from then on. */
  __atomic_store_n(&panicking, true, __ATOMIC_RELEASE);
}

static void vbegin(const char *fmt, va_list ap) {
  claim(fmt, ap);
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

static void begin_report(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  claim(fmt, ap);
  va_end(ap);
}

void panic_begin_report(void) { begin_report(NULL); }

void panic_exit(int code) {
  void (*flush)(void) = __atomic_load_n(&flush_handler, __ATOMIC_RELAXED);
  if (flush)
    flush(); /* what is still queued for the UART goes out before the machine stops */
  board_exit(code);
}

void panic_end(int code) {
  void (*dump)(void) = __atomic_load_n(&dump_handler, __ATOMIC_RELAXED);
  if (dump)
    dump();
  panic_exit(code);
}

void panic(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vbegin(fmt, ap);
  va_end(ap);
  panic_end(EXIT_PANIC);
}

void panic_begin_memory_fault(enum fault_access access, unsigned long addr, unsigned long pc,
                              const char *region) {
  char who[64];
  panic_describe_running(who, sizeof who);
  if (addr < 4096) /* page 0 is never mapped */
    panic_begin("NULL pointer %s at %p in %s, pc %p",
                access == FAULT_FETCH ? "call" : access == FAULT_LOAD ? "load" : "store",
                (void *)addr, who, (void *)pc);
  else if (access == FAULT_FETCH)
    panic_begin("instruction fetch from non-executable memory at %p (%s) in %s, pc %p",
                (void *)addr, region, who, (void *)pc);
  else
    panic_begin("%s %s at %p in %s, pc %p", access == FAULT_LOAD ? "load from" : "write to",
                region, (void *)addr, who, (void *)pc);
}

/* newlib's assert() lands here: report it like any other panic. */
void __assert_func(const char *file, int line, const char *func, const char *expr) {
  panic("assertion \"%s\" failed in %s() at %s:%d", expr, func ? func : "?", file, line);
}
