/* IMSIC register layout and CSRs from the RISC-V Advanced Interrupt
 * Architecture specification (v1.0): a page per interrupt file whose word
 * at offset 0 is seteipnum_le; siselect 0x150, sireg 0x151, stopei 0x15C;
 * behind siselect, eidelivery 0x70, eithreshold 0x72, eip0.. 0x80..,
 * eie0.. 0xC0.. (on RV64 only the even ones, 64 identities each). */
#include "imsic.h"

#include <string.h>

#include <brigade/cpu.h>
#include <brigade/fdt.h>
#include <brigade/irq.h>
#include <brigade/panic.h>

#include "csr.h"
#include "kernel/arch/riscv64/riscv.h"

#define ISELECT_EIDELIVERY 0x70
#define ISELECT_EITHRESHOLD 0x72
#define ISELECT_EIP0 0x80
#define ISELECT_EIE0 0xC0
#define IMSIC_PAGE 0x1000u
#define IRQ_S_EXTERNAL_CAUSE 9 /* interrupts-extended: the hart's S-level external interrupt */
#define MAX_CPU_INTCS 256

/* ---- finding the files in the device tree -------------------------------- */

struct cpu_intc {
  uint32_t phandle;
  uint64_t hart_id;
};

struct probe_state {
  /* the cpu node being read, and every cpu's interrupt controller */
  uint64_t cpu_reg;
  struct cpu_intc intcs[MAX_CPU_INTCS];
  unsigned nintcs;
  /* the node being read (properties come before subnodes) */
  int depth;
  bool imsics;
  const void *reg, *irqs;
  uint32_t reg_len, irqs_len, acells, scells, num_ids, phandle, guest_bits;
  /* the S-level node found */
  bool found;
  const void *f_reg, *f_irqs;
  uint32_t f_reg_len, f_irqs_len, f_acells, f_scells, f_num_ids, f_phandle, f_guest_bits;
};

static uint32_t cell(const void *value, uint32_t i) {
  return (uint32_t)fdt_read_cells((const uint8_t *)value + 4 * i, 1);
}

static bool in_cpu(const struct fdt_visit *v) {
  return v->depth >= 2 && strcmp(v->path[1], "cpus") == 0 && fdt_node_is(v->path[2], "cpu");
}

static int visit(const struct fdt_visit *v, void *ctx) {
  struct probe_state *st = ctx;
  switch (v->event) {
  case FDT_NODE_BEGIN:
    st->depth = v->depth;
    st->imsics = false;
    st->reg = st->irqs = NULL;
    st->num_ids = st->phandle = st->guest_bits = 0;
    break;
  case FDT_PROP:
    if (v->depth != st->depth)
      break; /* a parent's property after a child: not in a valid tree */
    if (in_cpu(v) && v->depth == 2 && fdt_prop_is(v, "reg") && v->len >= 4 * v->address_cells &&
        v->address_cells >= 1 && v->address_cells <= 2) {
      st->cpu_reg = fdt_read_cells(v->value, v->address_cells);
    } else if (in_cpu(v) && v->depth == 3 && fdt_node_is(v->path[3], "interrupt-controller") &&
               fdt_prop_is(v, "phandle") && v->len == 4) {
      if (st->nintcs < MAX_CPU_INTCS)
        st->intcs[st->nintcs++] = (struct cpu_intc){cell(v->value, 0), st->cpu_reg};
    } else if (fdt_prop_is(v, "compatible")) {
      st->imsics = fdt_string_list_has(v, "riscv,imsics");
    } else if (fdt_prop_is(v, "reg")) {
      st->reg = v->value;
      st->reg_len = v->len;
      st->acells = v->address_cells;
      st->scells = v->size_cells;
    } else if (fdt_prop_is(v, "interrupts-extended")) {
      st->irqs = v->value;
      st->irqs_len = v->len;
    } else if (fdt_prop_is(v, "riscv,num-ids") && v->len == 4) {
      st->num_ids = cell(v->value, 0);
    } else if (fdt_prop_is(v, "riscv,guest-index-bits") && v->len == 4) {
      st->guest_bits = cell(v->value, 0);
    } else if (fdt_prop_is(v, "phandle") && v->len == 4) {
      st->phandle = cell(v->value, 0);
    }
    break;
  case FDT_NODE_END:
    /* Only the node whose properties were read (not a parent after its
     * children), and only the S-level files: the M-level ones name cause 11. */
    if (v->depth == st->depth && st->imsics && st->irqs && st->irqs_len >= 8 &&
        cell(st->irqs, 1) == IRQ_S_EXTERNAL_CAUSE && !st->found) {
      st->found = true;
      st->f_reg = st->reg;
      st->f_reg_len = st->reg_len;
      st->f_acells = st->acells;
      st->f_scells = st->scells;
      st->f_irqs = st->irqs;
      st->f_irqs_len = st->irqs_len;
      st->f_num_ids = st->num_ids;
      st->f_phandle = st->phandle;
      st->f_guest_bits = st->guest_bits;
    }
    st->depth = -1;
    break;
  }
  return 0;
}

static bool hart_of_intc(const struct probe_state *st, uint32_t phandle, uint64_t *hart_id) {
  for (unsigned i = 0; i < st->nintcs; i++)
    if (st->intcs[i].phandle == phandle) {
      *hart_id = st->intcs[i].hart_id;
      return true;
    }
  return false;
}

int imsic_probe(struct imsic *ims, const void *dtb) {
  static struct probe_state st; /* 4 KiB: too much for a boot stack; boot core only */
  memset(&st, 0, sizeof st);
  st.depth = -1;
  if (fdt_walk(dtb, visit, &st) != FDT_OK || !st.found)
    return -1;
  memset(ims, 0, sizeof *ims);
  ims->phandle = st.f_phandle;
  ims->num_ids = st.f_num_ids;
  if (ims->num_ids < 63 || ims->num_ids > 2047)
    panic("imsic: riscv,num-ids is %u; the specification allows 63 to 2047", ims->num_ids);
  uint32_t a = st.f_acells, s = st.f_scells, per_region = 4 * (a + s);
  if (!st.f_reg || a < 1 || a > 2 || s < 1 || s > 2 || st.f_reg_len < per_region)
    panic("imsic: the S-level riscv,imsics node has no reg of 1 or 2 cells per number");
  /* Each hart's file, with its guest files after it, takes 2^guest-bits
   * pages; the harts of interrupts-extended take them in order, running
   * from one reg region into the next (the Linux binding's layout). */
  uint64_t stride = (uint64_t)IMSIC_PAGE << st.f_guest_bits;
  uint32_t region = 0;
  uint64_t offset = 0;
  for (uint32_t i = 0; 8 * (i + 1) <= st.f_irqs_len; i++) {
    uint64_t hart_id;
    if (!hart_of_intc(&st, cell(st.f_irqs, 2 * i), &hart_id))
      panic("imsic: interrupts-extended entry %u names phandle %u, no hart's interrupt controller",
            i, cell(st.f_irqs, 2 * i));
    const uint8_t *r;
    uint64_t base, size;
    for (;;) {
      if ((region + 1) * per_region > st.f_reg_len)
        panic("imsic: reg has no page for hart %lu (entry %u)", (unsigned long)hart_id, i);
      r = (const uint8_t *)st.f_reg + region * per_region;
      base = fdt_read_cells(r, a);
      size = fdt_read_cells(r + 4 * a, s);
      if (offset + stride <= size)
        break;
      region++;
      offset = 0;
    }
    if (ims->nharts == IMSIC_MAX_HARTS)
      panic("imsic: more than %d harts have interrupt files", IMSIC_MAX_HARTS);
    ims->harts[ims->nharts].hart_id = hart_id;
    ims->harts[ims->nharts].file = (uintptr_t)(base + offset);
    ims->nharts++;
    offset += stride;
  }
  if (ims->nharts == 0)
    panic("imsic: the S-level riscv,imsics node lists no hart");
  return 0;
}

unsigned imsic_hart_index(const struct imsic *ims, uint64_t hart_id) {
  for (unsigned i = 0; i < ims->nharts; i++)
    if (ims->harts[i].hart_id == hart_id)
      return i;
  panic("imsic: hart %lu has no S-level interrupt file in the device tree",
        (unsigned long)hart_id);
}

/* ---- the hart's side: CSRs ------------------------------------------------ */

/* siselect is one register per hart: a handler between its write and the
 * sireg access would change it. Every caller has interrupts masked. */
static void iselect_write(unsigned long sel, unsigned long val) {
  csr_write(0x150, sel);
  csr_write(0x151, val);
}

static void iselect_clear(unsigned long sel, unsigned long bits) {
  csr_write(0x150, sel);
  csr_clear(0x151, bits);
}

static struct imsic *installed;

/* Each core's file page, by core index, for the sender: a core writes its
 * own entry in imsic_cpu_init, before it reports in (cpu->online, release);
 * the first IPI to any core is sent by a task, and tasks run only after
 * the boot core has seen every core online (acquire). */
static volatile uint32_t *doorbell[IMSIC_MAX_HARTS];

static void imsic_cpu_init(struct cpu *cpu) {
  if (cpu->index >= IMSIC_MAX_HARTS)
    panic("imsic: core %u is past the %d the driver serves", cpu->index, IMSIC_MAX_HARTS);
  unsigned idx = imsic_hart_index(installed, cpu->hw_id);
  doorbell[cpu->index] = (volatile uint32_t *)installed->harts[idx].file;
  /* Every identity enabled on every hart: the APLIC only sends those it
   * was told to, each to one hart, and an identity nothing handles panics
   * by name instead of going unnoticed. A pending IPI left from before is
   * kept: wake-ups only make a core look for work. */
  for (unsigned first = 0; first <= installed->num_ids; first += 64) {
    unsigned long bits = ~0UL;
    if (installed->num_ids - first < 63)
      bits = (2UL << (installed->num_ids - first)) - 1;
    iselect_write(ISELECT_EIE0 + first / 32, bits); /* eie0, eie2, ...: 64 each */
  }
  iselect_write(ISELECT_EITHRESHOLD, 0); /* no threshold: every enabled identity */
  iselect_write(ISELECT_EIDELIVERY, 1);  /* deliver from this file */
}

static void imsic_send_ipi(const struct cpu *target) {
  /* fence w,o: every store this hart made before (the task in the
   * target's inbox or run queue, the claim of its idle flag) is visible to
   * other harts before the device store that raises the target's
   * interrupt, so the target finds the work when it takes it. The
   * scheduler's own full fences are fence rw,rw, which order memory only,
   * not device output. */
  __asm__ volatile("fence w, o" ::: "memory");
  *doorbell[target->index] = IMSIC_IPI_ID;
}

static void imsic_clear_ipi(void) {
  iselect_clear(ISELECT_EIP0, 1UL << IMSIC_IPI_ID);
  /* Called as the core goes idle. QEMU 7.2 updates the file's interrupt
   * line from the hart's stopei claim and from an arriving MSI without one
   * lock between them, so the line can end low while an identity is
   * pending: the core would sleep on it for good (the console hung under
   * a flood). stopei still names it; rewriting eidelivery makes the file
   * recompute its line, and the wfi that follows returns at once. */
  unsigned long top;
  __asm__ volatile("csrr %0, 0x15C" : "=r"(top)::"memory");
  if (top)
    iselect_write(ISELECT_EIDELIVERY, 1);
}

static void on_external_interrupt(void) {
  void (*device)(unsigned identity);
  for (;;) {
    /* Reading and writing stopei in one instruction claims the identity
     * read: its pending bit is cleared, so one raised after this is kept. */
    unsigned long top;
    __asm__ volatile("csrrw %0, 0x15C, zero" : "=r"(top)::"memory");
    unsigned id = (unsigned)(top >> 16) & 0x7ff;
    if (id == 0)
      return;
    if (id == IMSIC_IPI_ID) {
      if (!irq_run_class(IRQ_IPI))
        panic("imsic: wake-up IPI (identity %u) with no handler installed", id);
    } else if ((device = __atomic_load_n(&installed->device, __ATOMIC_ACQUIRE)) != NULL) {
      device(id);
    } else {
      panic("imsic: identity %u arrived and no device handler is installed", id);
    }
  }
}

static const struct riscv_hart_irqs imsic_hart_irqs = {
    .cpu_init = imsic_cpu_init,
    .send_ipi = imsic_send_ipi,
    .clear_ipi = imsic_clear_ipi,
};

void imsic_install(struct imsic *ims) {
  if (installed)
    panic("imsic_install: called twice");
  installed = ims;
  irq_set_handler(IRQ_EXTERNAL, on_external_interrupt);
  riscv_use_hart_irqs(&imsic_hart_irqs);
}

void imsic_set_device_handler(struct imsic *ims, void (*device)(unsigned identity)) {
  /* Release, paired with the handler's acquire load: the device driver's
   * state, set up before this, is what the handler finds. */
  __atomic_store_n(&ims->device, device, __ATOMIC_RELEASE);
}
