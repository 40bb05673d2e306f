#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include <brigade/cpu.h>
#include <brigade/irq.h>
#include <brigade/panic.h>
#include <brigade/spinlock.h>
#include <brigade/trace.h>

static irq_handler_fn handlers[IRQ_CLASSES];
static irq_handler_fn exit_handler;

void irq_set_exit_handler(irq_handler_fn fn) {
  __atomic_store_n(&exit_handler, fn, __ATOMIC_RELEASE);
}

void irq_exit(void) {
  irq_handler_fn fn = __atomic_load_n(&exit_handler, __ATOMIC_ACQUIRE);
  if (fn)
    fn();
}

void irq_set_handler(enum irq_class cls, irq_handler_fn fn) {
  __atomic_store_n(&handlers[cls], fn, __ATOMIC_RELEASE);
}

irq_handler_fn irq_handler(enum irq_class cls) {
  return cls < IRQ_CLASSES ? __atomic_load_n(&handlers[cls], __ATOMIC_ACQUIRE) : NULL;
}

bool irq_run_class(enum irq_class cls) {
  irq_handler_fn fn = irq_handler(cls);
  if (!fn)
    return false;
  if (cls == IRQ_EXTERNAL) {
    fn(); /* the controller driver's: irq_dispatch records each device line */
    return true;
  }
  /* One trace site each side, as every other: off, a load and a branch
   * predicted not taken (the relaxed load of trace_on is argued in
   * trace.h). Interrupts are masked here, as trace_record requires: the
   * arch's trap path calls this before irq_exit. Exit is recorded before
   * irq_exit may switch tasks, so a timer's slice holds what it readied
   * and never a switch. */
  TRACE(TRACE_IRQ_ENTER, TRACE_IRQ_CLASS | cls);
  fn();
  TRACE(TRACE_IRQ_EXIT, TRACE_IRQ_CLASS | cls);
  return true;
}

const char *irq_class_name(enum irq_class cls) {
  static const char *const names[] = {"timer", "inter-core (IPI)", "external"};
  return cls < IRQ_CLASSES ? names[cls] : "unknown";
}

/* ---- device lines -------------------------------------------------------- */

/* The table is allocated at the first attach, sized for the highest line
 * seen so far rounded up, since controllers range from a few dozen lines
 * (PLIC on virt: 96) to a thousand (GIC). */
struct irq_line {
  void (*fn)(void *arg);
  void *arg;
  const char *name;
  uint64_t count;
};

static struct irq_line *lines;
static unsigned nlines;
static spinlock_t lines_lock = SPINLOCK_INIT("irq lines");

int irq_attach(unsigned line, void (*fn)(void *arg), void *arg, const char *name) {
  if (line >= IRQ_LINES || !fn)
    return -EINVAL;
  unsigned long flags = spin_lock_irqsave(&lines_lock);
  if (line >= nlines) {
    unsigned want = (line + 64) & ~63u;
    struct irq_line *grown = calloc(want, sizeof *grown);
    if (!grown) {
      spin_unlock_irqrestore(&lines_lock, flags);
      return -ENOMEM;
    }
    for (unsigned i = 0; i < nlines; i++)
      grown[i] = lines[i];
    /* The old table is never freed: another core may be dispatching a line
     * through it right now. Growth happens a handful of times per boot. */
    __atomic_store_n(&lines, grown, __ATOMIC_RELEASE);
    __atomic_store_n(&nlines, want, __ATOMIC_RELEASE);
  }
  if (lines[line].fn) {
    spin_unlock_irqrestore(&lines_lock, flags);
    return -EBUSY;
  }
  lines[line].arg = arg;
  lines[line].name = name;
  __atomic_store_n(&lines[line].fn, fn, __ATOMIC_RELEASE);
  spin_unlock_irqrestore(&lines_lock, flags);
  return 0;
}

static __attribute__((noreturn, noinline, cold)) void no_driver_panic(unsigned line) {
  panic("device interrupt line %u fired on core %u, but no driver is attached to it", line,
        cpu_index());
}

/* A handler's run with tracing or CPU accounting on: its trace events and
 * its time around it. */
static __attribute__((noinline)) void dispatch_observed(unsigned line, void (*fn)(void *),
                                                        void *arg, bool accounting) {
  TRACE(TRACE_IRQ_ENTER, line);
  uint64_t t0 = accounting ? arch_now_ticks() : 0;
  fn(arg);
  if (accounting) {
    /* Only this core writes it; readers on other cores load it relaxed
     * (an aligned 64-bit store does not tear on the 64-bit targets). */
    struct cpu *me = this_cpu();
    __atomic_store_n(&me->irq_ticks, me->irq_ticks + (arch_now_ticks() - t0), __ATOMIC_RELAXED);
  }
  TRACE(TRACE_IRQ_EXIT, line);
}

void irq_dispatch(unsigned line) {
  unsigned n = __atomic_load_n(&nlines, __ATOMIC_ACQUIRE);
  struct irq_line *table = __atomic_load_n(&lines, __ATOMIC_ACQUIRE);
  void (*fn)(void *) = line < n ? __atomic_load_n(&table[line].fn, __ATOMIC_ACQUIRE) : NULL;
  if (!fn)
    no_driver_panic(line);
  __atomic_fetch_add(&table[line].count, 1, __ATOMIC_RELAXED);
  bool accounting = __atomic_load_n(&cpu_accounting, __ATOMIC_RELAXED);
  /* Neither on (the common case): the handler is a tail call, and this
   * function keeps no frame around it. Either is looked at once a
   * dispatch, so a dispatch is traced whole or not at all. */
  if (__builtin_expect(!accounting && !__atomic_load_n(&trace_on, __ATOMIC_RELAXED), 1)) {
    fn(table[line].arg);
    return;
  }
  dispatch_observed(line, fn, table[line].arg, accounting);
}

uint64_t irq_line_count(unsigned line) {
  unsigned n = __atomic_load_n(&nlines, __ATOMIC_ACQUIRE);
  struct irq_line *table = __atomic_load_n(&lines, __ATOMIC_ACQUIRE);
  return line < n ? __atomic_load_n(&table[line].count, __ATOMIC_RELAXED) : 0;
}
