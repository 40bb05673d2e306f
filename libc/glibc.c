/* The C library port of the host board: glibc keeps errno, stdio and malloc
 * state per thread, and every core is a thread, so there is nothing to set
 * up per core. (Per task it would take a struct _reent of glibc's own, which
 * does not exist: on the host, errno is per thread, not per task.) */
#include <malloc.h>

#include <brigade/libc.h>

void libc_init_cpu(struct cpu *cpu, bool boot_core) {
  (void)cpu;
  (void)boot_core;
}

/* glibc's mallinfo2 (size_t fields): bytes in chunks handed out, from the
 * main arena and the others, and in mmapped blocks. */
size_t libc_heap_in_use(void) {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}
