/* libFuzzer harness for the device tree reader (kernel/fdt.c and
 * kernel/devicetree.c, built alone): whatever the bytes, describing the
 * machine ends in FDT_OK with a description boot can use, or in an error
 * that names the problem. Never a read outside the blob, never a hang.
 *
 * The reader's contract is that the bytes the header's totalsize claims are
 * readable (firmware put the blob in RAM). The harness gives it exactly
 * that: the input, zero-padded up to its own totalsize when that is larger
 * (up to FDT_MAX_SIZE; larger claims are refused before anything past the
 * size field is read), in a heap block of that size so ASan sees any read
 * past the end. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brigade/devicetree.h>
#include <brigade/fdt.h>
#include <brigade/machine.h>

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "fuzz_devicetree: %s:%d: %s does not hold\n", __FILE__, __LINE__, #cond);   \
      abort();                                                                                     \
    }                                                                                              \
  } while (0)

static uint32_t be32(const uint8_t *b) {
  return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static int in_blob(const void *p, size_t len, const uint8_t *blob, size_t size) {
  const uint8_t *b = p;
  return b >= blob && b <= blob + size && len <= (size_t)(blob + size - b);
}

struct walk_check {
  const uint8_t *blob;
  size_t size;
  unsigned events, stop_after;
};

/* Every name and value the walker hands out lies inside the blob and every
 * name is terminated there; returning non-zero stops the walk at once. */
static int check_visit(const struct fdt_visit *v, void *ctx) {
  struct walk_check *w = ctx;
  CHECK(v->depth >= 0 && v->depth < FDT_MAX_DEPTH);
  for (int d = 0; d <= v->depth; d++)
    CHECK(in_blob(v->path[d], strlen(v->path[d]) + 1, w->blob, w->size));
  if (v->event == FDT_PROP) {
    CHECK(in_blob(v->prop, strlen(v->prop) + 1, w->blob, w->size));
    CHECK(in_blob(v->value, v->len, w->blob, w->size));
  }
  w->events++;
  CHECK(w->stop_after == 0 || w->events <= w->stop_after);
  return w->stop_after != 0 && w->events == w->stop_after;
}

static void check_description(const uint8_t *blob, size_t size, const struct machine *m) {
  CHECK(m->ncores > 0);
  CHECK(m->timer_hz != 0);
  CHECK(m->ram_size != 0);
  CHECK(m->ram_size <= UINT64_MAX - m->ram_base); /* RAM's end is an address */
  CHECK(m->firmware_blob == blob && m->firmware_blob_size <= size);
  if (m->bootargs)
    CHECK(in_blob(m->bootargs, strlen(m->bootargs) + 1, blob, size));
  for (unsigned i = 0; i < m->ncores; i++)
    CHECK(m->cores[i].usable == (m->cores[i].why_not == NULL));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n) {
  uint8_t head[8] = {0};
  memcpy(head, data, n < 8 ? n : 8);
  size_t size = n < 8 ? 8 : n;
  if (be32(head + 4) > size && be32(head + 4) <= FDT_MAX_SIZE)
    size = be32(head + 4);
  uint8_t *blob = calloc(1, size);
  CHECK(blob);
  memcpy(blob, data, n);

  uint32_t total = 0;
  int err = fdt_check(blob, &total);
  CHECK(err <= 0 && fdt_strerror(err) != NULL);
  if (err == FDT_OK)
    CHECK(total >= 40 && total <= size);

  struct walk_check w = {.blob = blob, .size = size};
  int walked = fdt_walk(blob, check_visit, &w);
  CHECK(walked <= 0);
  if (w.events > 1) {
    struct walk_check early = {.blob = blob, .size = size, .stop_after = w.events / 2};
    CHECK(fdt_walk(blob, check_visit, &early) == FDT_OK);
  }

  /* Both passes, as kernel_boot makes them; ARM boards preset the timer. */
  for (int preset_timer = 0; preset_timer < 2; preset_timer++) {
    struct machine m = {.timer_hz = preset_timer ? 62500000 : 0};
    const char *problem = NULL;
    err = dt_describe_machine(blob, &m, &problem);
    if (err == DT_ERR_DESCRIPTION)
      CHECK(problem != NULL && problem[0] != '\0');
    else if (err != FDT_OK)
      CHECK(fdt_strerror(err) != NULL && walked == err);
    if (err != FDT_OK)
      continue;
    CHECK(walked == FDT_OK);
    m.cores = calloc(m.ncores, sizeof *m.cores);
    CHECK(m.cores);
    CHECK(dt_describe_machine(blob, &m, &problem) == FDT_OK);
    check_description(blob, size, &m);
    free(m.cores);
  }
  free(blob);
  return 0;
}
