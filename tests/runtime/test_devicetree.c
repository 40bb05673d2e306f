/* The device tree reader on a tree QEMU never produces (sparse hart ids, a
 * disabled hart, a hart without S-mode) and on damaged blobs. The tests of
 * what only RISC-V reads from a cpu node (arch_dt_describe in
 * kernel/arch/riscv64/devicetree_harts.c: no MMU means no S-mode, Sstc) run
 * on RISC-V boards; elsewhere the architecture reads nothing there. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <brigade/devicetree.h>
#include <brigade/fdt.h>
#include <brigade/machine.h>

#include "test.h"

extern const char sparse_harts_dtb[], sparse_harts_dtb_end[];

static const char *last_problem;

static int describe(const void *blob, struct machine *m) {
  last_problem = NULL;
  *m = (struct machine){0};
  int err = dt_describe_machine(blob, m, &last_problem);
  if (err)
    return err;
  m->cores = calloc(m->ncores, sizeof *m->cores);
  return dt_describe_machine(blob, m, &last_problem);
}

static unsigned char *copy_of_sparse_harts(void) {
  size_t n = (size_t)(sparse_harts_dtb_end - sparse_harts_dtb);
  unsigned char *copy = malloc(n);
  if (copy)
    memcpy(copy, sparse_harts_dtb, n);
  return copy;
}

static void put_be32(unsigned char *p, uint32_t v) {
  p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = v;
}

/* Where the values of property `prop` of nodes named `node` lie in a blob. */
struct found_props {
  const char *node, *prop;
  unsigned char *values[8];
  unsigned n;
};

static int find_prop(const struct fdt_visit *v, void *ctx) {
  struct found_props *f = ctx;
  if (v->event == FDT_PROP && fdt_node_is(v->path[v->depth], f->node) &&
      strcmp(v->prop, f->prop) == 0 && f->n < 8)
    f->values[f->n++] = (unsigned char *)v->value;
  return 0;
}

static unsigned char *prop_value(unsigned char *blob, const char *node, const char *prop) {
  struct found_props f = {.node = node, .prop = prop};
  fdt_walk(blob, find_prop, &f);
  return f.n ? f.values[0] : NULL;
}

TEST(sparse_hart_ids_are_read_as_they_are) {
  struct machine m;
  ASSERT(describe(sparse_harts_dtb, &m) == FDT_OK);
  ASSERT(m.ncores == 5);
  uint64_t want[] = {0, 3, 5, 9, 12};
  for (unsigned i = 0; i < 5; i++)
    EXPECT_EQ(m.cores[i].hw_id, want[i]);
  free(m.cores);
}

TEST(disabled_harts_are_not_usable) {
  struct machine m;
  ASSERT(describe(sparse_harts_dtb, &m) == FDT_OK);
  EXPECT(m.cores[1].usable);
  EXPECT(!m.cores[2].usable); /* status = "disabled" */
  EXPECT(m.cores[2].why_not != NULL && strstr(m.cores[2].why_not, "status") != NULL);
  EXPECT(m.cores[3].usable);  /* no status property means okay */
  EXPECT(m.cores[4].usable);
  free(m.cores);
}

#if defined(__riscv)
TEST(harts_without_smode_are_not_usable) {
  struct machine m;
  ASSERT(describe(sparse_harts_dtb, &m) == FDT_OK);
  EXPECT(!m.cores[0].usable); /* no mmu-type: an M-mode-only hart like the FU540's E51 */
  EXPECT(m.cores[0].why_not != NULL && strstr(m.cores[0].why_not, "no S-mode") != NULL);
  free(m.cores);
}
#else
TEST(an_isa_without_mmu_type_does_not_matter_off_risc_v) {
  struct machine m;
  ASSERT(describe(sparse_harts_dtb, &m) == FDT_OK);
  EXPECT(m.cores[0].usable); /* riscv,isa and mmu-type are RISC-V's to read */
  EXPECT(m.cores[0].why_not == NULL);
  free(m.cores);
}
#endif

TEST(memory_and_timebase_come_from_the_tree) {
  struct machine m;
  ASSERT(describe(sparse_harts_dtb, &m) == FDT_OK);
  EXPECT_EQ(m.ram_base, 0x80000000ULL);
  EXPECT_EQ(m.ram_size, 0x10000000ULL);
  EXPECT_EQ(m.timer_hz, 1000000);
  EXPECT_EQ(m.firmware_blob_size, sparse_harts_dtb_end - sparse_harts_dtb);
  free(m.cores);
}

#if defined(__riscv)
TEST(sstc_is_reported_only_when_every_usable_hart_has_it) {
  struct machine m;
  ASSERT(describe(sparse_harts_dtb, &m) == FDT_OK);
  EXPECT(m.arch.timer_compare_in_smode);
  free(m.cores);
}
#endif

TEST(bad_magic_is_an_error_not_a_crash) {
  size_t n = (size_t)(sparse_harts_dtb_end - sparse_harts_dtb);
  char *copy = malloc(n);
  ASSERT(copy);
  memcpy(copy, sparse_harts_dtb, n);
  copy[0] ^= 0xff;
  struct machine m;
  EXPECT_EQ(describe(copy, &m), FDT_ERR_MAGIC);
  free(copy);
}

TEST(offsets_past_the_blob_are_rejected) {
  size_t n = (size_t)(sparse_harts_dtb_end - sparse_harts_dtb);
  char *copy = malloc(n);
  ASSERT(copy);
  memcpy(copy, sparse_harts_dtb, n);
  copy[8] = 0x7f; /* off_dt_struct far beyond totalsize */
  struct machine m;
  EXPECT_EQ(describe(copy, &m), FDT_ERR_TRUNCATED);
  free(copy);
}

TEST(a_null_tree_is_an_error) {
  struct machine m;
  EXPECT_EQ(describe(NULL, &m), FDT_ERR_NULL);
}

TEST(every_truncation_of_the_structure_block_is_caught) {
  /* Cut the blob's declared structure size at every 4-byte step: the walker
   * must return an error each time and never read past what is declared. */
  size_t n = (size_t)(sparse_harts_dtb_end - sparse_harts_dtb);
  unsigned char *copy = malloc(n);
  ASSERT(copy);
  memcpy(copy, sparse_harts_dtb, n);
  uint32_t size_struct = (uint32_t)copy[36] << 24 | copy[37] << 16 | copy[38] << 8 | copy[39];
  int errors = 0;
  for (uint32_t cut = 0; cut < size_struct; cut += 4) {
    copy[36] = cut >> 24, copy[37] = cut >> 16, copy[38] = cut >> 8, copy[39] = cut;
    struct machine m;
    int err = describe(copy, &m);
    errors += err != FDT_OK;
    if (err == FDT_OK)
      free(m.cores);
  }
  EXPECT_EQ(errors, size_struct / 4);
  free(copy);
}

TEST(a_size_field_under_40_bytes_or_over_2_MiB_is_refused_before_the_rest_is_read) {
  /* Only the magic and the size are there: under ASan a read of the rest
   * of the header would be reported. */
  unsigned char *head = malloc(8);
  ASSERT(head);
  memcpy(head, sparse_harts_dtb, 8);
  put_be32(head + 4, 13u << 20);
  struct machine m;
  EXPECT_EQ(describe(head, &m), FDT_ERR_SIZE);
  put_be32(head + 4, 8);
  EXPECT_EQ(describe(head, &m), FDT_ERR_SIZE);
  EXPECT(strstr(fdt_strerror(FDT_ERR_SIZE), "absurd") != NULL);
  free(head);
}

TEST(memory_of_zero_bytes_is_refused_and_named) {
  unsigned char *copy = copy_of_sparse_harts();
  ASSERT(copy);
  unsigned char *reg = prop_value(copy, "memory", "reg");
  ASSERT(reg);
  put_be32(reg + 8, 0), put_be32(reg + 12, 0); /* <base 2 cells> <size 2 cells> */
  struct machine m;
  EXPECT_EQ(describe(copy, &m), DT_ERR_DESCRIPTION);
  ASSERT(last_problem != NULL);
  EXPECT(strstr(last_problem, "0 bytes") != NULL);
  free(copy);
}

TEST(memory_running_past_the_top_of_the_address_space_is_refused) {
  unsigned char *copy = copy_of_sparse_harts();
  ASSERT(copy);
  unsigned char *reg = prop_value(copy, "memory", "reg");
  ASSERT(reg);
  put_be32(reg, 0xffffffffu), put_be32(reg + 4, 0xf8000000u); /* 256 MiB from 128 MiB below the top */
  struct machine m;
  EXPECT_EQ(describe(copy, &m), DT_ERR_DESCRIPTION);
  ASSERT(last_problem != NULL);
  EXPECT(strstr(last_problem, "past the end of the address space") != NULL);
  free(copy);
}

TEST(a_timebase_of_zero_is_refused_and_named) {
  unsigned char *copy = copy_of_sparse_harts();
  ASSERT(copy);
  unsigned char *hz = prop_value(copy, "cpus", "timebase-frequency");
  ASSERT(hz);
  put_be32(hz, 0);
  struct machine m;
  EXPECT_EQ(describe(copy, &m), DT_ERR_DESCRIPTION);
  ASSERT(last_problem != NULL);
  EXPECT(strstr(last_problem, "0 Hz") != NULL);
  free(copy);
}

#if defined(__riscv)
TEST(an_isa_string_cut_off_before_its_nul_does_not_claim_sstc) {
  /* Shorten each "..._sstc" riscv,isa by its NUL: the value then ends
   * without a terminator, and the byte after it (padding, 0) is not part
   * of it. Lengths that would change the 4-byte padding are left alone. */
  unsigned char *copy = copy_of_sparse_harts();
  ASSERT(copy);
  struct found_props f = {.node = "cpu", .prop = "riscv,isa"};
  ASSERT(fdt_walk(copy, find_prop, &f) == FDT_OK);
  ASSERT(f.n == 5);
  unsigned shortened = 0;
  for (unsigned i = 0; i < f.n; i++) {
    unsigned char *len_field = f.values[i] - 8; /* FDT_PROP: len, nameoff, value */
    uint32_t len = (uint32_t)len_field[0] << 24 | len_field[1] << 16 | len_field[2] << 8 | len_field[3];
    if (len % 4 != 1 && strstr((const char *)f.values[i], "_sstc")) {
      put_be32(len_field, len - 1);
      shortened++;
    }
  }
  ASSERT(shortened == 4);
  struct machine m;
  ASSERT(describe(copy, &m) == FDT_OK);
  EXPECT(!m.arch.timer_compare_in_smode);
  free(m.cores);
  free(copy);
}

#endif

TEST(a_second_pass_that_finds_more_cores_writes_none_past_the_list) {
  struct machine m = {0};
  const char *problem = NULL;
  ASSERT(dt_describe_machine(sparse_harts_dtb, &m, &problem) == FDT_OK);
  ASSERT(m.ncores == 5);
  struct machine_core cores[5];
  for (unsigned i = 0; i < 5; i++)
    cores[i] = (struct machine_core){.hw_id = 0xdead};
  m.cores = cores;
  m.ncores = 2; /* as if the first pass had seen two */
  EXPECT_EQ(dt_describe_machine(sparse_harts_dtb, &m, &problem), DT_ERR_DESCRIPTION);
  for (unsigned i = 2; i < 5; i++)
    EXPECT_EQ(cores[i].hw_id, 0xdead);
}

static void rename_in_blob(unsigned char *blob, size_t n, const char *from, const char *to) {
  size_t len = strlen(from);
  for (size_t i = 0; i + len <= n; i++)
    if (memcmp(blob + i, from, len) == 0)
      memcpy(blob + i, to, len);
}

TEST(a_tree_without_a_memory_node_says_it_has_none) {
  unsigned char *copy = copy_of_sparse_harts();
  ASSERT(copy);
  rename_in_blob(copy, (size_t)(sparse_harts_dtb_end - sparse_harts_dtb), "memory@", "nemory@");
  struct machine m;
  EXPECT_EQ(describe(copy, &m), DT_ERR_DESCRIPTION);
  ASSERT(last_problem != NULL);
  EXPECT(strstr(last_problem, "has no /memory node") != NULL);
  free(copy);
}

TEST(a_tree_without_a_timebase_says_it_has_none) {
  unsigned char *copy = copy_of_sparse_harts();
  ASSERT(copy);
  rename_in_blob(copy, (size_t)(sparse_harts_dtb_end - sparse_harts_dtb), "timebase-frequency",
                 "timebase-frequencz");
  struct machine m;
  EXPECT_EQ(describe(copy, &m), DT_ERR_DESCRIPTION);
  ASSERT(last_problem != NULL);
  EXPECT(strstr(last_problem, "has no /cpus/timebase-frequency") != NULL);
  free(copy);
}

TEST(a_version_15_tree_is_refused_by_version) {
  unsigned char *copy = copy_of_sparse_harts();
  ASSERT(copy);
  put_be32(copy + 20, 15);
  struct machine m;
  EXPECT_EQ(describe(copy, &m), FDT_ERR_VERSION);
  free(copy);
}
