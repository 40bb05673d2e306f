/* A brigade program: main() runs as the first task once every core is up.
 * Tasks are in <brigade/task.h>, channels in <brigade/chan.h>, the sync
 * primitives in <brigade/sync.h>. Its exit status is QEMU's (run-myapp
 * fails when it is not 0). */
#include <stdio.h>

#include <brigade/cpu.h>
#include <brigade/task.h>

static void greet(void *arg) {
  (void)arg;
  printf("myapp: core %u of %u is up\n", this_cpu()->index, cpu_count());
}

int main(void) {
  smp_call_all(greet, NULL);
  printf("myapp: done\n");
  return 0;
}
