/* What RISC-V reads from the device tree's /cpus/cpu@N nodes beyond what
 * every architecture's do (kernel/devicetree.c): a hart with riscv,isa but
 * no mmu-type has no S-mode, so brigade cannot run on it (the FU540's E51);
 * and the stimecmp register is used only when every hart brigade runs on
 * lists the Sstc extension. */
#include <stdbool.h>
#include <string.h>

#include <brigade/devicetree.h>
#include <brigade/fdt.h>

struct harts_state {
  struct machine *m;
  /* the cpu node being read */
  bool is_cpu, has_reg, disabled, has_mmu, has_isa, has_sstc;
  uint64_t reg;
  /* over the harts brigade runs on that list an ISA */
  bool any_isa, all_sstc;
};

static bool str_value_is(const struct fdt_visit *v, const char *s) {
  size_t n = strlen(s);
  return v->len == n + 1 && memcmp(v->value, s, n + 1) == 0;
}

/* "_sstc" appears as a multi-letter extension in riscv,isa. The byte after
 * the name must lie inside the value too: a value that ends "_sstc" without
 * its NUL does not have it. */
static bool isa_has(const struct fdt_visit *v, const char *ext) {
  const char *isa = v->value;
  size_t n = strlen(ext);
  for (uint32_t i = 0; i + n + 2 <= v->len; i++)
    if (isa[i] == '_' && strncmp(isa + i + 1, ext, n) == 0 &&
        (isa[i + 1 + n] == '_' || isa[i + 1 + n] == '\0'))
      return true;
  return false;
}

static void mark_unusable(struct machine *m, uint64_t hw_id, const char *why_not) {
  if (!m->cores)
    return;
  for (unsigned i = 0; i < m->ncores; i++)
    if (m->cores[i].hw_id == hw_id) {
      m->cores[i].usable = false;
      m->cores[i].why_not = why_not;
    }
}

static void end_hart(struct harts_state *st) {
  if (!st->is_cpu || !st->has_reg || !st->has_isa)
    return;
  /* No S-mode is the reason that holds on every firmware; a firmware that
   * knows it (OpenSBI on sifive_u) also marks the hart disabled. */
  if (!st->has_mmu) {
    mark_unusable(st->m, st->reg,
                  st->disabled ? "no MMU in the device tree (no S-mode); status is not \"okay\""
                               : "no MMU in the device tree (no S-mode)");
    return;
  }
  if (st->disabled)
    return;
  /* Sstc counts only if every hart brigade will run on has it. */
  st->all_sstc = (st->any_isa ? st->all_sstc : true) && st->has_sstc;
  st->any_isa = true;
}

static int visit(const struct fdt_visit *v, void *ctx) {
  struct harts_state *st = ctx;
  if (v->depth != 2 || strcmp(v->path[1], "cpus") != 0 || !fdt_node_is(v->path[2], "cpu"))
    return 0;
  switch (v->event) {
  case FDT_NODE_BEGIN:
    st->has_reg = st->disabled = st->has_mmu = st->has_isa = st->has_sstc = false;
    st->is_cpu = true; /* device_type is optional in practice */
    break;
  case FDT_NODE_END:
    end_hart(st);
    break;
  case FDT_PROP:
    if (fdt_prop_is(v, "reg") && v->len >= 4 * v->address_cells && v->address_cells >= 1 &&
        v->address_cells <= 2) {
      st->reg = fdt_read_cells(v->value, v->address_cells);
      st->has_reg = true;
    } else if (fdt_prop_is(v, "status")) {
      st->disabled = !(str_value_is(v, "okay") || str_value_is(v, "ok"));
    } else if (fdt_prop_is(v, "device_type")) {
      st->is_cpu = str_value_is(v, "cpu");
    } else if (fdt_prop_is(v, "mmu-type")) {
      st->has_mmu = true;
    } else if (fdt_prop_is(v, "riscv,isa")) {
      st->has_isa = true;
      st->has_sstc = isa_has(v, "sstc");
    }
    break;
  }
  return 0;
}

void arch_dt_describe(const void *dtb, struct machine *m) {
  struct harts_state st = {.m = m};
  /* The tree passed fdt_check and one whole walk already: this one ends
   * the same way, so its result needs no check. */
  (void)fdt_walk(dtb, visit, &st);
  m->arch.timer_compare_in_smode = st.any_isa && st.all_sstc;
}
