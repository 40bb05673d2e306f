/* newlib keeps errno, stdio buffers and strtok state in a struct _reent.
 * Built with __DYNAMIC_REENT__, it asks __getreent() for the current one.
 *
 * Each task gets its own, made the first time the task touches newlib (most
 * tasks never do, and a _reent is over a kilobyte, so a spawned or parked
 * task does not pay for one), and freed when it exits, after its streams are
 * flushed. Code outside tasks (boot, the scheduler loop, interrupt handlers)
 * uses its core's own; the boot core keeps newlib's global one.
 *
 * Every _reent has its own stdout, line-buffered, and each line reaches the
 * console in one _write, which is why lines printed by many tasks on many
 * cores at once never interleave.
 */
#include <reent.h>
#include <stdio.h>
#include <stdlib.h>

#include <brigade/cpu.h>
#include <brigade/libc.h>
#include <brigade/panic.h>
#include <brigade/sched.h>
#include <brigade/stack_slot.h>

/* In a task's slot while its _reent is being made: malloc itself asks for
 * the current _reent, and gets the core's meanwhile. */
#define REENT_IN_PROGRESS ((void *)1)

static struct _reent *core_reent(void) {
  struct cpu *cpu = this_cpu();
  return cpu && cpu->reent ? cpu->reent : _impure_ptr;
}

struct _reent *__getreent(void) {
  void **slot = sched_libc_slot();
  if (!slot)
    return core_reent();
  void *state = *slot;
  if (state == REENT_IN_PROGRESS)
    return core_reent();
  if (state)
    return state;
  *slot = REENT_IN_PROGRESS;
  struct _reent *r = malloc(sizeof *r);
  if (!r)
    panic("out of memory for a task's newlib state (%u bytes)", (unsigned)sizeof *r);
  _REENT_INIT_PTR(r);
  *slot = r;
  return r;
}

static void release_task_reent(void *state) {
  struct _reent *r = state;
  /* Flush what the task printed without a final newline, then free its
   * stream buffers and the _reent itself. */
  _reclaim_reent(r);
  free(r);
}

void libc_init_cpu(struct cpu *cpu, bool boot_core) {
  if (boot_core) {
    cpu->reent = _impure_ptr;
    sched_set_libc_release(release_task_reent);
#if ARCH_HAS_STACK_SLOTS
    stack_slot_set_heap_lock(libc_heap_trylock_for_fault, libc_heap_unlock_for_fault);
#endif
    return;
  }
  struct _reent *r = malloc(sizeof *r);
  if (!r)
    panic("out of memory for core %u's newlib state", cpu->index);
  _REENT_INIT_PTR(r);
  cpu->reent = r;
}
