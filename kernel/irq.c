#include <stddef.h>

#include <brigade/irq.h>

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

const char *irq_class_name(enum irq_class cls) {
  static const char *const names[] = {"timer", "inter-core (IPI)", "external"};
  return cls < IRQ_CLASSES ? names[cls] : "unknown";
}
