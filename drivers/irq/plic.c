/* PLIC register layout, from the RISC-V PLIC specification (v1.0.0):
 * a priority word per source, an enable bit array and a threshold/claim
 * pair per context. */
#include "plic.h"

#include <brigade/cpu.h>
#include <brigade/irq.h>
#include <brigade/panic.h>

#define PRIORITY(src) (0x000000u + 4u * (src))
#define ENABLE(ctx, word) (0x002000u + 0x80u * (ctx) + 4u * (word))
#define THRESHOLD(ctx) (0x200000u + 0x1000u * (ctx))
#define CLAIM(ctx) (0x200004u + 0x1000u * (ctx))

static volatile uint32_t *reg(const struct plic *p, uintptr_t off) {
  return (volatile uint32_t *)(p->base + off);
}

void plic_init(const struct plic *p) {
  for (unsigned src = 1; src < p->sources; src++)
    *reg(p, PRIORITY(src)) = 0;
}

void plic_cpu_init(const struct plic *p, uint64_t hart_id) {
  unsigned ctx = p->s_context(hart_id);
  for (unsigned word = 0; word < (p->sources + 31) / 32; word++)
    *reg(p, ENABLE(ctx, word)) = 0;
  *reg(p, THRESHOLD(ctx)) = 0;
}

void plic_route(const struct plic *p, unsigned source, unsigned priority, uint64_t hart_id) {
  if (source == 0 || source >= p->sources || priority == 0 || priority > 7)
    panic("plic_route: source %u (of %u) priority %u is out of range", source, p->sources,
          priority);
  unsigned ctx = p->s_context(hart_id);
  *reg(p, PRIORITY(source)) = priority;
  *reg(p, ENABLE(ctx, source / 32)) |= 1u << (source % 32);
}

void plic_handle(const struct plic *p, uint64_t hart_id) {
  unsigned ctx = p->s_context(hart_id);
  uint32_t source;
  /* Claim 0 means nothing (more) is pending for this context. Completing
   * after the handler lets the device raise the line again only once its
   * condition was dealt with. */
  while ((source = *reg(p, CLAIM(ctx))) != 0) {
    irq_dispatch(source);
    *reg(p, CLAIM(ctx)) = source;
  }
}

static const struct plic *installed;

static void on_external_interrupt(void) { plic_handle(installed, this_cpu()->hw_id); }

void plic_install(const struct plic *p) {
  if (installed && installed != p)
    panic("plic_install: a second PLIC at %p (the first is at %p)", (void *)p->base,
          (void *)installed->base);
  installed = p;
  plic_init(p);
  for (unsigned i = 0; i < cpu_count(); i++)
    plic_cpu_init(p, cpu_get(i)->hw_id);
  irq_set_handler(IRQ_EXTERNAL, on_external_interrupt);
}

void plic_attach(const struct plic *p, unsigned source, uint64_t hart_id, void (*fn)(void *arg),
                 void *arg, const char *name) {
  int err = irq_attach(source, fn, arg, name);
  if (err != 0)
    panic("cannot attach %s to PLIC source %u (error %d)", name, source, err);
  plic_route(p, source, 1, hart_id);
}
