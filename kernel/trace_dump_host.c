/* The framed trace dump into a file on the host (trace_dump_to_host in
 * <brigade/trace.h>): trace_dump's text, gathered into blocks so that each
 * host write (a semihosting call under QEMU) carries a few kilobytes rather
 * than one 77-byte line. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <brigade/host_file.h>
#include <brigade/trace.h>

#define BLOCK_BYTES 4096

struct host_sink {
  int handle;
  int err;        /* the first write error; later text is dropped */
  long written;   /* bytes the host has taken */
  size_t used;
  char block[BLOCK_BYTES];
};

static void sink_flush(struct host_sink *s) {
  if (s->used && !s->err) {
    s->err = host_file_write(s->handle, s->block, s->used);
    if (!s->err)
      s->written += (long)s->used;
  }
  s->used = 0;
}

static void sink_write(const char *text, size_t len, void *ctx) {
  struct host_sink *s = ctx;
  while (len && !s->err) {
    size_t n = BLOCK_BYTES - s->used < len ? BLOCK_BYTES - s->used : len;
    memcpy(s->block + s->used, text, n);
    s->used += n;
    text += n;
    len -= n;
    if (s->used == BLOCK_BYTES)
      sink_flush(s);
  }
}

long trace_dump_to_host(const char *name) {
  if (!name || !*name)
    return -EINVAL;
  if (!trace_capacity())
    return -ENODATA; /* before the file is made: a failed dump leaves none */
  struct host_sink *s = malloc(sizeof *s);
  if (!s)
    return -ENOMEM;
  s->handle = host_file_open(name);
  if (s->handle < 0) {
    long err = s->handle;
    free(s);
    return err;
  }
  s->err = 0;
  s->written = 0;
  s->used = 0;
  int err = trace_dump(sink_write, s);
  sink_flush(s);
  int closed = host_file_close(s->handle);
  if (!err)
    err = s->err ? s->err : closed;
  long written = s->written;
  free(s);
  return err ? err : written;
}
