/* Boot every core and have each one say hello with its hardware id. */
#include <stdio.h>

#include <brigade/cpu.h>
#include <brigade/task.h>

static void greet(void *arg) {
  (void)arg;
  struct cpu *cpu = this_cpu();
  printf("hello from core %u (hart %lu) of %u\n", cpu->index, (unsigned long)cpu->hw_id,
         cpu_count());
  fflush(stdout);
}

int main(void) {
  smp_call_all(greet, NULL);
  printf("all %u cores said hello\n", cpu_count());
  return 0;
}
