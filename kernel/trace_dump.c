/*
 * The framed text dump of the trace rings (docs/TRACING.md has the format).
 *
 * The binary image, little-endian:
 *   "BRTRACE1"  u32 cores  u32 reserved  u64 tick_hz
 *   per core:   u32 core   u32 count     u64 lost   u64 first_index
 *               count x struct trace_event
 *   u32 strings, then per string: u64 address  u32 length  bytes
 * goes out as base64 lines of 76 characters (57 bytes) between
 *   --- brigade trace begin ---
 *   --- brigade trace end: N bytes, crc32 XXXXXXXX ---
 * so it survives a console (only printable characters, short lines) and a
 * cut or garbled line is caught by the length and the CRC-32 (the IEEE
 * polynomial of zlib, so the converter needs nothing outside Python).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brigade/arch.h>
#include <brigade/cpu.h>
#include <brigade/trace.h>

#define MAX_STRINGS 512
#define MAX_STRING_LEN 64

struct dump {
  void (*write)(const char *text, size_t len, void *ctx);
  void *ctx;
  uint8_t pending[57];
  unsigned npending;
  uint64_t bytes;
  uint32_t crc;
  uintptr_t strings[MAX_STRINGS];
  unsigned nstrings;
};

static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n) {
  crc = ~crc;
  while (n--) {
    crc ^= *p++;
    for (int k = 0; k < 8; k++)
      crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
  }
  return ~crc;
}

static void flush_line(struct dump *d) {
  static const char digits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char line[80];
  unsigned o = 0;
  for (unsigned i = 0; i < d->npending; i += 3) {
    uint32_t v = (uint32_t)d->pending[i] << 16;
    unsigned left = d->npending - i;
    if (left > 1)
      v |= (uint32_t)d->pending[i + 1] << 8;
    if (left > 2)
      v |= d->pending[i + 2];
    line[o++] = digits[v >> 18 & 63];
    line[o++] = digits[v >> 12 & 63];
    line[o++] = left > 1 ? digits[v >> 6 & 63] : '=';
    line[o++] = left > 2 ? digits[v & 63] : '=';
  }
  line[o++] = '\n';
  d->write(line, o, d->ctx);
  d->npending = 0;
}

static void put(struct dump *d, const void *data, size_t n) {
  const uint8_t *p = data;
  d->crc = crc32_update(d->crc, p, n);
  d->bytes += n;
  while (n--) {
    d->pending[d->npending++] = *p++;
    if (d->npending == sizeof d->pending)
      flush_line(d);
  }
}

static void put32(struct dump *d, uint32_t v) {
  uint8_t b[4];
  for (int i = 0; i < 4; i++)
    b[i] = (uint8_t)(v >> 8 * i);
  put(d, b, 4);
}

static void put64(struct dump *d, uint64_t v) {
  put32(d, (uint32_t)v);
  put32(d, (uint32_t)(v >> 32));
}

/* Remember a string an event points to (task names, wait reasons). */
static void note_string(struct dump *d, uintptr_t s) {
  if (!s)
    return;
  for (unsigned i = 0; i < d->nstrings; i++)
    if (d->strings[i] == s)
      return;
  if (d->nstrings < MAX_STRINGS)
    d->strings[d->nstrings++] = s; /* beyond that the converter shows the address */
}

int trace_dump(void (*write)(const char *text, size_t len, void *ctx), void *ctx) {
  uint32_t cap = trace_capacity();
  if (!cap)
    return -ENODATA;
  struct trace_event *copy = malloc((size_t)cap * sizeof *copy);
  struct dump *d = calloc(1, sizeof *d);
  if (!copy || !d) {
    free(copy);
    free(d);
    return -ENOMEM;
  }
  d->write = write;
  d->ctx = ctx;
  static const char begin[] = "--- brigade trace begin ---\n";
  write(begin, sizeof begin - 1, ctx);
  unsigned n = cpu_count();
  put(d, "BRTRACE1", 8);
  put32(d, n);
  put32(d, 0);
  put64(d, arch_tick_hz());
  for (unsigned core = 0; core < n; core++) {
    struct trace_snapshot snap = {0};
    trace_read(core, copy, cap, &snap); /* a core with no ring reports 0 events */
    put32(d, core);
    put32(d, snap.count);
    put64(d, snap.lost);
    put64(d, snap.first);
    for (uint32_t i = 0; i < snap.count; i++) {
      put64(d, copy[i].stamp);
      put64(d, copy[i].arg);
      unsigned kind = copy[i].stamp & 0xff;
      if (kind == TRACE_TASK_NAME || kind == TRACE_PARK_REASON)
        note_string(d, (uintptr_t)copy[i].arg);
    }
  }
  put32(d, d->nstrings);
  for (unsigned i = 0; i < d->nstrings; i++) {
    /* The pointers name string literals or names that live as long as
     * their task; a name freed since reads as whatever is there now, cut
     * at MAX_STRING_LEN (the converter shows it as it is). */
    const char *s = (const char *)d->strings[i];
    uint32_t len = 0;
    while (len < MAX_STRING_LEN && s[len])
      len++;
    put64(d, (uint64_t)d->strings[i]);
    put32(d, len);
    put(d, s, len);
  }
  if (d->npending)
    flush_line(d);
  char end[80];
  int m = snprintf(end, sizeof end, "--- brigade trace end: %llu bytes, crc32 %08lx ---\n",
                   (unsigned long long)d->bytes, (unsigned long)d->crc);
  write(end, (size_t)m, ctx);
  free(copy);
  free(d);
  return 0;
}
