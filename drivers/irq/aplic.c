/* APLIC register layout from the RISC-V Advanced Interrupt Architecture
 * specification (v1.0), chapter 4: domaincfg at 0, sourcecfg[S] at 4*S,
 * in_clrip (rectified inputs) at 0x1D00,
 * setienum at 0x1EDC, setipnum_le at 0x2000, target[S] at 0x3000 + 4*S
 * (in MSI mode: hart index in bits 31:18, guest index 17:12, identity
 * 10:0). */
#include "aplic.h"

#include <string.h>

#include <brigade/fdt.h>
#include <brigade/irq.h>
#include <brigade/panic.h>

#define DOMAINCFG 0x0000u
#define DOMAINCFG_IE (1u << 8)
#define DOMAINCFG_DM_MSI (1u << 2)
#define SOURCECFG(s) (0x0004u * (s))
#define SOURCECFG_LEVEL_HIGH 6u
#define SETIENUM 0x1EDCu
#define IN_CLRIP(word) (0x1D00u + 4u * (word))
#define CLRIENUM 0x1FDCu
#define SETIPNUM_LE 0x2000u
#define TARGET(s) (0x3000u + 4u * (s))
#define TARGET_HART_SHIFT 18

/* Sources take identities from 64 up, never the IPI's word of eip bits
 * (identities 0..63, eip0): clearing a pending IPI is a read-modify-write
 * of that word (csrc sireg), and QEMU 7.2 does not make it atomic with an
 * MSI arriving from the APLIC, so a device identity in the same word could
 * be written back as not pending and its interrupt lost (the console hung
 * under load until the sources moved out). */
#define FIRST_SOURCE_IDENTITY 64u

static volatile uint32_t *reg(const struct aplic *ap, uintptr_t off) {
  return (volatile uint32_t *)(ap->base + off);
}

/* ---- the device tree ------------------------------------------------------ */

struct probe_state {
  uint32_t msi_parent;
  int depth;
  bool aplic, parent_matches;
  const void *reg;
  uint32_t reg_len, acells, scells, sources;
  bool found;
  uint64_t base;
  uint32_t f_sources;
};

static int visit(const struct fdt_visit *v, void *ctx) {
  struct probe_state *st = ctx;
  switch (v->event) {
  case FDT_NODE_BEGIN:
    st->depth = v->depth;
    st->aplic = st->parent_matches = false;
    st->reg = NULL;
    st->sources = 0;
    break;
  case FDT_PROP:
    if (v->depth != st->depth)
      break;
    if (fdt_prop_is(v, "compatible"))
      st->aplic = fdt_string_list_has(v, "riscv,aplic");
    else if (fdt_prop_is(v, "msi-parent") && v->len >= 4)
      st->parent_matches = fdt_read_cells(v->value, 1) == st->msi_parent;
    else if (fdt_prop_is(v, "riscv,num-sources") && v->len == 4)
      st->sources = (uint32_t)fdt_read_cells(v->value, 1);
    else if (fdt_prop_is(v, "reg")) {
      st->reg = v->value;
      st->reg_len = v->len;
      st->acells = v->address_cells;
      st->scells = v->size_cells;
    }
    break;
  case FDT_NODE_END:
    if (v->depth == st->depth && st->aplic && st->parent_matches && st->reg && !st->found &&
        st->acells >= 1 && st->acells <= 2 && st->reg_len >= 4 * (st->acells + st->scells)) {
      st->found = true;
      st->base = fdt_read_cells(st->reg, st->acells);
      st->f_sources = st->sources;
    }
    st->depth = -1;
    break;
  }
  return 0;
}

int aplic_probe(struct aplic *ap, const void *dtb, struct imsic *ims) {
  struct probe_state st = {.msi_parent = ims->phandle, .depth = -1};
  if (fdt_walk(dtb, visit, &st) != FDT_OK || !st.found)
    return -1;
  if (st.f_sources == 0 || st.f_sources > 1023)
    panic("aplic at %p: riscv,num-sources is %u; the specification allows 1 to 1023",
          (void *)(uintptr_t)st.base, st.f_sources);
  /* Identity 64 + S for source S: the IMSIC must have that many. */
  if (FIRST_SOURCE_IDENTITY + st.f_sources > ims->num_ids)
    panic("aplic at %p: %u sources need identities up to %u; the IMSIC has %u",
          (void *)(uintptr_t)st.base, st.f_sources, FIRST_SOURCE_IDENTITY + st.f_sources,
          ims->num_ids);
  *ap = (struct aplic){.base = (uintptr_t)st.base, .sources = st.f_sources, .imsic = ims};
  return 0;
}

/* ---- delivery ---------------------------------------------------------------- */

static struct aplic *installed;

static unsigned identity_of(unsigned source) { return FIRST_SOURCE_IDENTITY + source; }

/* The IMSIC's handler for every identity but the IPI's. */
static void on_message(unsigned identity) {
  unsigned source = identity - FIRST_SOURCE_IDENTITY;
  if (identity < FIRST_SOURCE_IDENTITY || source == 0 || source > installed->sources)
    panic("aplic: IMSIC identity %u is no source's (sources 1..%u)", identity,
          installed->sources);
  irq_dispatch(source);
  /* A level-sensitive source in MSI mode sends one message per rise of
   * its pending bit, which the message itself cleared: if the device
   * still asserts its line (more bytes came while the handler ran, a
   * transmitter that stays empty), setipnum makes the source pending
   * again (AIA specification, 4.9.2). The write is made only when the
   * line reads high (in_clrip holds the rectified inputs): QEMU 7.2's
   * APLIC sets the pending bit on setipnum whatever the line, and a
   * handled line would then interrupt forever. */
  if (*reg(installed, IN_CLRIP(source / 32)) & (1u << (source % 32)))
    *reg(installed, SETIPNUM_LE) = source;
}

void aplic_install(struct aplic *ap) {
  if (installed)
    panic("aplic_install: a second APLIC at %p (the first is at %p)", (void *)ap->base,
          (void *)installed->base);
  installed = ap;
  *reg(ap, DOMAINCFG) = 0; /* no delivery while the sources are reset */
  for (unsigned s = 1; s <= ap->sources; s++) {
    *reg(ap, CLRIENUM) = s;
    *reg(ap, SOURCECFG(s)) = 0; /* inactive */
  }
  imsic_set_device_handler(ap->imsic, on_message);
  *reg(ap, DOMAINCFG) = DOMAINCFG_IE | DOMAINCFG_DM_MSI;
  if (!(*reg(ap, DOMAINCFG) & DOMAINCFG_DM_MSI))
    panic("aplic at %p: the domain does not take MSI delivery mode (domaincfg %#x)",
          (void *)ap->base, (unsigned)*reg(ap, DOMAINCFG));
}

void aplic_attach(struct aplic *ap, unsigned source, uint64_t hart_id, void (*fn)(void *arg),
                  void *arg, const char *name) {
  if (source == 0 || source > ap->sources)
    panic("aplic_attach: %s's source %u is out of range (1..%u)", name, source, ap->sources);
  int err = irq_attach(source, fn, arg, name);
  if (err != 0)
    panic("cannot attach %s to APLIC source %u (error %d)", name, source, err);
  *reg(ap, SOURCECFG(source)) = SOURCECFG_LEVEL_HIGH;
  if (*reg(ap, SOURCECFG(source)) != SOURCECFG_LEVEL_HIGH)
    panic("aplic at %p: source %u (%s) is not delegated to the S-level domain by the firmware",
          (void *)ap->base, source, name);
  *reg(ap, TARGET(source)) =
      (uint32_t)imsic_hart_index(ap->imsic, hart_id) << TARGET_HART_SHIFT | identity_of(source);
  *reg(ap, SETIENUM) = source;
}
