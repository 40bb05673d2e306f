#include <string.h>

#include <brigade/fdt.h>

#define FDT_MAGIC 0xd00dfeedu
#define TOK_BEGIN_NODE 1u
#define TOK_END_NODE 2u
#define TOK_PROP 3u
#define TOK_NOP 4u
#define TOK_END 9u

static uint32_t be32(const void *p) {
  const uint8_t *b = p;
  return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

uint64_t fdt_read_cells(const void *p, uint32_t cells) {
  const uint8_t *b = p;
  uint64_t v = 0;
  for (uint32_t i = 0; i < cells; i++)
    v = v << 32 | be32(b + 4 * i);
  return v;
}

int fdt_node_is(const char *node_name, const char *base) {
  size_t n = strlen(base);
  return strncmp(node_name, base, n) == 0 && (node_name[n] == '\0' || node_name[n] == '@');
}

int fdt_prop_is(const struct fdt_visit *v, const char *name) {
  return strcmp(v->prop, name) == 0;
}

int fdt_string_list_has(const struct fdt_visit *v, const char *want) {
  const char *s = v->value, *end = s + v->len;
  size_t want_len = strlen(want);
  while (s < end) {
    size_t n = strnlen(s, (size_t)(end - s));
    if (n == want_len && memcmp(s, want, n) == 0)
      return 1;
    s += n + 1;
  }
  return 0;
}

const char *fdt_strerror(int err) {
  switch (err) {
  case FDT_OK: return "ok";
  case FDT_ERR_NULL: return "no device tree was passed";
  case FDT_ERR_MAGIC: return "bad magic (not a device tree blob)";
  case FDT_ERR_VERSION: return "device tree version older than 16";
  case FDT_ERR_TRUNCATED: return "device tree truncated or an offset points outside it";
  case FDT_ERR_BADSTRUCT: return "malformed structure block";
  case FDT_ERR_DEPTH: return "nodes nested too deep";
  case FDT_ERR_SIZE: return "device tree size in the header is absurd (under 40 bytes or over 2 MiB)";
  default: return "unknown device tree error";
  }
}

struct header {
  uint32_t totalsize, off_struct, off_strings, size_strings, size_struct;
};

static int read_header(const void *blob, struct header *h) {
  if (!blob)
    return FDT_ERR_NULL;
  const uint8_t *b = blob;
  if (be32(b) != FDT_MAGIC)
    return FDT_ERR_MAGIC;
  /* Nothing past the size field is read until the size says it is there. */
  h->totalsize = be32(b + 4);
  if (h->totalsize < 40 || h->totalsize > FDT_MAX_SIZE)
    return FDT_ERR_SIZE;
  h->off_struct = be32(b + 8);
  h->off_strings = be32(b + 12);
  uint32_t version = be32(b + 20);
  h->size_strings = be32(b + 32);
  h->size_struct = be32(b + 36);
  if (version < 16)
    return FDT_ERR_VERSION;
  if (h->off_struct > h->totalsize || h->size_struct > h->totalsize - h->off_struct ||
      h->off_strings > h->totalsize || h->size_strings > h->totalsize - h->off_strings)
    return FDT_ERR_TRUNCATED;
  return FDT_OK;
}

int fdt_check(const void *blob, uint32_t *total_size) {
  struct header h;
  int err = read_header(blob, &h);
  if (err == FDT_OK && total_size)
    *total_size = h.totalsize;
  return err;
}

int fdt_walk(const void *blob, fdt_visitor visit, void *ctx) {
  struct header h;
  int err = read_header(blob, &h);
  if (err)
    return err;
  const uint8_t *s = (const uint8_t *)blob + h.off_struct;
  const char *strings = (const char *)blob + h.off_strings;
  uint32_t pos = 0, end = h.size_struct;
  const char *path[FDT_MAX_DEPTH];
  /* cells[d] is what node d declares for its children; the root's defaults
   * (2 address cells, 1 size cell) come from the devicetree specification. */
  uint32_t acells[FDT_MAX_DEPTH + 1], scells[FDT_MAX_DEPTH + 1];
  int depth = -1;
  struct fdt_visit v = {.path = path};

  for (;;) {
    if (end - pos < 4 || pos > end)
      return FDT_ERR_TRUNCATED;
    uint32_t tok = be32(s + pos);
    pos += 4;
    switch (tok) {
    case TOK_BEGIN_NODE: {
      const char *name = (const char *)s + pos;
      size_t max = end - pos;
      size_t n = strnlen(name, max);
      if (n == max)
        return FDT_ERR_TRUNCATED;
      pos += (uint32_t)((n + 1 + 3) & ~(size_t)3);
      if (++depth >= FDT_MAX_DEPTH)
        return FDT_ERR_DEPTH;
      path[depth] = name;
      acells[depth + 1] = 2;
      scells[depth + 1] = 1;
      if (depth == 0)
        acells[0] = 2, scells[0] = 1;
      v = (struct fdt_visit){.event = FDT_NODE_BEGIN, .depth = depth, .path = path,
                             .address_cells = acells[depth], .size_cells = scells[depth]};
      if (visit(&v, ctx))
        return FDT_OK;
      break;
    }
    case TOK_PROP: {
      if (depth < 0 || end - pos < 8)
        return depth < 0 ? FDT_ERR_BADSTRUCT : FDT_ERR_TRUNCATED;
      uint32_t len = be32(s + pos), nameoff = be32(s + pos + 4);
      pos += 8;
      if (len > end - pos || nameoff >= h.size_strings)
        return FDT_ERR_TRUNCATED;
      const char *name = strings + nameoff;
      if (strnlen(name, h.size_strings - nameoff) == h.size_strings - nameoff)
        return FDT_ERR_TRUNCATED;
      const void *value = s + pos;
      pos += (len + 3) & ~3u;
      if (len == 4 && strcmp(name, "#address-cells") == 0)
        acells[depth + 1] = be32(value);
      else if (len == 4 && strcmp(name, "#size-cells") == 0)
        scells[depth + 1] = be32(value);
      v = (struct fdt_visit){.event = FDT_PROP, .depth = depth, .path = path, .prop = name,
                             .value = value, .len = len, .address_cells = acells[depth],
                             .size_cells = scells[depth]};
      if (visit(&v, ctx))
        return FDT_OK;
      break;
    }
    case TOK_END_NODE:
      if (depth < 0)
        return FDT_ERR_BADSTRUCT;
      v = (struct fdt_visit){.event = FDT_NODE_END, .depth = depth, .path = path,
                             .address_cells = acells[depth], .size_cells = scells[depth]};
      if (visit(&v, ctx))
        return FDT_OK;
      depth--;
      break;
    case TOK_NOP:
      break;
    case TOK_END:
      return depth == -1 ? FDT_OK : FDT_ERR_BADSTRUCT;
    default:
      return FDT_ERR_BADSTRUCT;
    }
  }
}
