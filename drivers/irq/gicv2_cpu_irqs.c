#include "gicv2_cpu_irqs.h"

#include <brigade/irq.h>
#include <brigade/panic.h>

/* SGIs name their targets by CPU interface, which need not follow core
 * numbers: each core reads its own at init. */
static uint8_t target_by_core[GICV2_MAX_CORES];

void gicv2_cpu_irqs_init(const struct gicv2_cpu_irqs *c) { gicv2_init(&c->gic); }

void gicv2_cpu_irqs_init_core(const struct gicv2_cpu_irqs *c, unsigned core_index) {
  if (core_index >= GICV2_MAX_CORES)
    panic("core %u: a GICv2 serves at most %d cores", core_index, GICV2_MAX_CORES);
  target_by_core[core_index] = gicv2_cpu_init(&c->gic);
  gicv2_enable(&c->gic, c->wake_sgi);
  gicv2_enable(&c->gic, c->timer_id);
}

void gicv2_cpu_irqs_dispatch(const struct gicv2_cpu_irqs *c) {
  uint32_t iar = gicv2_acknowledge(&c->gic);
  unsigned id = iar & 0x3ff;
  if (id == GICV2_SPURIOUS)
    return; /* withdrawn before we looked (a level that dropped) */
  if (id >= 32) {
    irq_dispatch(id); /* a device: panics naming the line if nothing is attached */
  } else {
    enum irq_class cls;
    if (id == c->timer_id)
      cls = IRQ_TIMER;
    else if (id == c->wake_sgi)
      cls = IRQ_IPI;
    else
      panic("interrupt %u from the GIC: nothing handles it", id);
    if (!irq_run_class(cls))
      panic("%s interrupt (GIC id %u) with no handler installed", irq_class_name(cls), id);
  }
  /* End it on this core before irq_exit may switch tasks: the CPU
   * interface is per core. */
  gicv2_end(&c->gic, iar);
}

void gicv2_cpu_irqs_route(const struct gicv2_cpu_irqs *c, unsigned id, unsigned core_index) {
  if (id < 32 || core_index >= GICV2_MAX_CORES || !target_by_core[core_index])
    panic("gicv2: cannot route interrupt %u to core %u", id, core_index);
  gicv2_route(&c->gic, id, target_by_core[core_index]);
}

void gicv2_cpu_irqs_attach(const struct gicv2_cpu_irqs *c, unsigned id, unsigned core_index,
                           void (*fn)(void *arg), void *arg, const char *name) {
  int err = irq_attach(id, fn, arg, name);
  if (err != 0)
    panic("cannot attach %s to GIC interrupt %u (error %d)", name, id, err);
  gicv2_cpu_irqs_route(c, id, core_index);
}

void gicv2_cpu_irqs_send_wake(const struct gicv2_cpu_irqs *c, unsigned core_index) {
  gicv2_send_sgi(&c->gic, target_by_core[core_index], c->wake_sgi);
}

void gicv2_cpu_irqs_clear_wake(const struct gicv2_cpu_irqs *c) {
  gicv2_clear_sgi(&c->gic, c->wake_sgi);
}
