#include <string.h>

#include <brigade/devicetree.h>
#include <brigade/fdt.h>

struct dt_state {
  struct machine *m;
  unsigned ncores;
  bool have_memory, have_timebase;
  /* the cpu node being read */
  bool in_cpu, cpu_has_reg, cpu_disabled, cpu_is_cpu;
  uint64_t cpu_reg;
};

static bool str_value_is(const struct fdt_visit *v, const char *s) {
  size_t n = strlen(s);
  return v->len == n + 1 && memcmp(v->value, s, n + 1) == 0;
}

static void end_cpu(struct dt_state *st) {
  if (!st->cpu_is_cpu || !st->cpu_has_reg)
    return;
  /* The architecture may refuse more cores (arch_dt_describe). */
  const char *why_not = st->cpu_disabled ? "status is not \"okay\"" : NULL;
  if (st->m->cores && st->ncores < st->m->ncores) {
    struct machine_core *c = &st->m->cores[st->ncores];
    c->hw_id = st->cpu_reg;
    c->usable = why_not == NULL;
    c->why_not = why_not;
  }
  st->ncores++;
}

static int visit(const struct fdt_visit *v, void *ctx) {
  struct dt_state *st = ctx;
  bool cpu_node = v->depth == 2 && strcmp(v->path[1], "cpus") == 0 && fdt_node_is(v->path[2], "cpu");

  switch (v->event) {
  case FDT_NODE_BEGIN:
    if (cpu_node) {
      st->in_cpu = true;
      st->cpu_has_reg = st->cpu_disabled = false;
      st->cpu_is_cpu = true; /* device_type is optional in practice */
    }
    break;
  case FDT_NODE_END:
    if (cpu_node && st->in_cpu) {
      end_cpu(st);
      st->in_cpu = false;
    }
    break;
  case FDT_PROP:
    if (v->depth == 1 && strcmp(v->path[1], "cpus") == 0 && fdt_prop_is(v, "timebase-frequency")) {
      if (v->len == 4 || v->len == 8) {
        st->m->timer_hz = fdt_read_cells(v->value, v->len / 4);
        st->have_timebase = true;
      }
    } else if (cpu_node) {
      if (fdt_prop_is(v, "reg") && v->len >= 4 * v->address_cells && v->address_cells >= 1 &&
          v->address_cells <= 2) {
        st->cpu_reg = fdt_read_cells(v->value, v->address_cells);
        st->cpu_has_reg = true;
      } else if (fdt_prop_is(v, "status")) {
        st->cpu_disabled = !(str_value_is(v, "okay") || str_value_is(v, "ok"));
      } else if (fdt_prop_is(v, "device_type")) {
        st->cpu_is_cpu = str_value_is(v, "cpu");
      }
    } else if (v->depth == 1 && strcmp(v->path[1], "chosen") == 0 && fdt_prop_is(v, "bootargs") &&
               v->len > 0 && ((const char *)v->value)[v->len - 1] == '\0') {
      st->m->bootargs = v->value;
    } else if (v->depth == 1 && fdt_node_is(v->path[1], "memory") && fdt_prop_is(v, "reg") &&
               !st->have_memory) {
      uint32_t a = v->address_cells, s = v->size_cells;
      if (a >= 1 && a <= 2 && s >= 1 && s <= 2 && v->len >= 4 * (a + s)) {
        st->m->ram_base = fdt_read_cells(v->value, a);
        st->m->ram_size = fdt_read_cells((const char *)v->value + 4 * a, s);
        st->have_memory = true;
      }
    }
    break;
  }
  return 0;
}

int dt_describe_machine(const void *dtb, struct machine *m, const char **problem) {
  struct dt_state st = {.m = m};
  uint32_t size = 0;
  int err = fdt_check(dtb, &size);
  if (err)
    return err;
  err = fdt_walk(dtb, visit, &st);
  if (err)
    return err;
  m->firmware_blob = dtb;
  m->firmware_blob_size = size;
  if (!st.have_memory) {
    *problem = "has no /memory node with a reg property of 1 or 2 cells per number";
    return DT_ERR_DESCRIPTION;
  }
  if (m->ram_size == 0) {
    *problem = "says RAM is 0 bytes long (/memory reg)";
    return DT_ERR_DESCRIPTION;
  }
  /* The end address, ram_base + ram_size, must be a number too: the heap's limit. */
  if (m->ram_size > UINT64_MAX - m->ram_base) {
    *problem = "puts RAM past the end of the address space (/memory reg)";
    return DT_ERR_DESCRIPTION;
  }
  /* ARM device trees carry no timebase (the generic timer's CNTFRQ says
   * it); such a board fills m->timer_hz before calling. */
  if (!st.have_timebase && m->timer_hz == 0) {
    *problem = "has no /cpus/timebase-frequency";
    return DT_ERR_DESCRIPTION;
  }
  if (m->timer_hz == 0) {
    *problem = "says the timer counts at 0 Hz (/cpus/timebase-frequency)";
    return DT_ERR_DESCRIPTION;
  }
  if (st.ncores == 0) {
    *problem = "has no /cpus/cpu@N node with a reg property";
    return DT_ERR_DESCRIPTION;
  }
  if (m->cores && st.ncores != m->ncores) {
    *problem = "did not show the same cores on the second pass";
    return DT_ERR_DESCRIPTION;
  }
  m->ncores = st.ncores;
  arch_dt_describe(dtb, m);
  return FDT_OK;
}
