/* newlib keeps errno, stdio buffers and strtok state in a struct _reent.
 * Built with __DYNAMIC_REENT__, it asks __getreent() for the current one;
 * brigade gives each core its own, so no two cores share errno or a stdout
 * buffer (the boot core keeps newlib's global one). Each core's stdout is
 * line-buffered and each line reaches the console in one _write, which is
 * why lines printed from several cores at once never interleave. */
#include <reent.h>
#include <stdlib.h>

#include <brigade/cpu.h>
#include <brigade/panic.h>

struct _reent *__getreent(void) {
  struct cpu *cpu = this_cpu();
  return cpu && cpu->reent ? cpu->reent : _impure_ptr;
}

void newlib_reent_init_cpu(struct cpu *cpu, int is_boot_core) {
  if (is_boot_core) {
    cpu->reent = _impure_ptr;
    return;
  }
  struct _reent *r = malloc(sizeof *r);
  if (!r)
    panic("out of memory for core %u's newlib state", cpu->index);
  _REENT_INIT_PTR(r);
  cpu->reent = r;
}
