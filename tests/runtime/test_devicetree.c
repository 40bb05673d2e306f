/* The device tree reader on a tree QEMU never produces (sparse hart ids, a
 * disabled hart, a hart without S-mode) and on damaged blobs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <brigade/devicetree.h>
#include <brigade/fdt.h>
#include <brigade/machine.h>

#include "test.h"

extern const char sparse_harts_dtb[], sparse_harts_dtb_end[];

static int describe(const void *blob, struct machine *m) {
  const char *missing = NULL;
  *m = (struct machine){0};
  int err = dt_describe_machine(blob, m, &missing);
  if (err)
    return err;
  m->cores = calloc(m->ncores, sizeof *m->cores);
  return dt_describe_machine(blob, m, &missing);
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

TEST(harts_without_smode_or_disabled_are_not_usable) {
  struct machine m;
  ASSERT(describe(sparse_harts_dtb, &m) == FDT_OK);
  EXPECT(!m.cores[0].usable); /* no mmu-type: an M-mode-only hart like the FU540's E51 */
  EXPECT(m.cores[0].why_not != NULL);
  EXPECT(m.cores[1].usable);
  EXPECT(!m.cores[2].usable); /* status = "disabled" */
  EXPECT(m.cores[3].usable);  /* no status property means okay */
  EXPECT(m.cores[4].usable);
  free(m.cores);
}

TEST(memory_and_timebase_come_from_the_tree) {
  struct machine m;
  ASSERT(describe(sparse_harts_dtb, &m) == FDT_OK);
  EXPECT_EQ(m.ram_base, 0x80000000ULL);
  EXPECT_EQ(m.ram_size, 0x10000000ULL);
  EXPECT_EQ(m.timer_hz, 1000000);
  EXPECT_EQ(m.firmware_blob_size, sparse_harts_dtb_end - sparse_harts_dtb);
  free(m.cores);
}

TEST(sstc_is_reported_only_when_every_usable_hart_has_it) {
  struct machine m;
  ASSERT(describe(sparse_harts_dtb, &m) == FDT_OK);
  EXPECT(m.timer_compare_in_smode);
  free(m.cores);
}

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
