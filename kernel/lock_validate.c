/* Lock validation (BRIGADE_LOCK_VALIDATE): the checks behind spinlock.h.
 *
 * A lock records the core that holds it (index + 1, 0 while free), and each
 * core keeps the locks it holds in a list linked through the locks, newest
 * first. Three misuses panic, naming the lock and the task:
 *
 * - taking a lock this core already holds (it would spin for ever against
 *   itself; checked before spinning, so the report comes instead of a hang);
 * - releasing a lock this core does not hold (free, or another core's);
 * - a task switching away while this core holds a lock (the scheduler calls
 *   spin_validate_none_held: before a yield, a preemption or an exit, and
 *   after a park's unlock, so the locks a park hands over are exempt).
 *
 * Interrupts: a handler may take and release locks while the code it
 * interrupted holds others. Each update of the held list runs with
 * interrupts masked, so a handler never sees it half-linked, and a handler
 * releases its locks before the trap exit path may switch tasks, so the
 * switch check sees only the interrupted task's own locks.
 *
 * Code that runs with no per-core state (early boot, before the cores
 * exist) is not checked: there is no core to be the owner.
 */
#include <stddef.h>

#include <brigade/cpu.h>
#include <brigade/panic.h>
#include <brigade/spinlock.h>

/* What runs on this core, for reports: the scheduler registers it (it is
 * the layer above; the kernel knows no tasks). */
static void (*describe_running)(char *buf, size_t len);

void spin_validate_set_describer(void (*describe)(char *buf, size_t len)) {
  __atomic_store_n(&describe_running, describe, __ATOMIC_RELEASE);
}

static const char *lock_name(const spinlock_t *l) { return l->name ? l->name : "(unnamed)"; }

/* A panic report takes locks of its own (console, task dump) and may run
 * while the code it reports on holds them: no checks once one has begun. */
static bool checking(void) { return !panic_in_progress(); }

/* Panic with a one-line report ending in the task that did it. */
#define REPORT(fmt, ...)                                                                   \
  do {                                                                                     \
    char who_[64] = "code before the scheduler started";                                   \
    void (*describe_)(char *, size_t) = __atomic_load_n(&describe_running, __ATOMIC_ACQUIRE); \
    if (describe_)                                                                         \
      describe_(who_, sizeof who_);                                                        \
    panic(fmt ", by %s", __VA_ARGS__, who_);                                               \
  } while (0)

void spin_validate_acquire(spinlock_t *l) {
  struct cpu *cpu = this_cpu();
  if (!cpu || !checking())
    return;
  /* Relaxed: only this core ever stores its own number here, and it clears
   * it before releasing, so reading it back means this core holds the lock
   * (coherence of one location; nothing else is read through it). */
  if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) == cpu->index + 1)
    REPORT("spinlock \"%s\" (%p) taken again on core %u, which already holds it", lock_name(l),
           (void *)l, cpu->index);
}

void spin_validate_acquired(spinlock_t *l) {
  struct cpu *cpu = this_cpu();
  if (!cpu)
    return;
  unsigned long irq = arch_irq_save();
  __atomic_store_n(&l->owner, cpu->index + 1, __ATOMIC_RELAXED);
  l->next_held = cpu->locks_held;
  cpu->locks_held = l;
  arch_irq_restore(irq);
}

void spin_validate_release(spinlock_t *l) {
  struct cpu *cpu = this_cpu();
  if (!cpu)
    return;
  unsigned long irq = arch_irq_save();
  uint32_t owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
  if (owner != cpu->index + 1 && checking()) {
    if (owner)
      REPORT("spinlock \"%s\" (%p) released on core %u, which does not hold it (core %u does)",
             lock_name(l), (void *)l, cpu->index, (unsigned)owner - 1);
    if (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
      REPORT("spinlock \"%s\" (%p) released on core %u, which does not hold it (taken before "
             "the cores existed)", lock_name(l), (void *)l, cpu->index);
    REPORT("spinlock \"%s\" (%p) released on core %u, which does not hold it (it is free)",
           lock_name(l), (void *)l, cpu->index);
  }
  if (owner == cpu->index + 1) {
    spinlock_t **p = &cpu->locks_held;
    while (*p && *p != l)
      p = &(*p)->next_held;
    if (*p)
      *p = l->next_held;
    l->next_held = NULL;
    /* Cleared before the release store in spin_unlock_raw, so the next
     * owner's number lands after ours. */
    __atomic_store_n(&l->owner, 0, __ATOMIC_RELAXED);
  }
  arch_irq_restore(irq);
}

void spin_validate_none_held(uint32_t task_id, const char *task_name, const char *doing,
                             const char *wait_reason) {
  struct cpu *cpu = this_cpu();
  if (!cpu || !checking())
    return;
  unsigned long irq = arch_irq_save();
  spinlock_t *held = cpu->locks_held;
  arch_irq_restore(irq);
  if (!held)
    return;
  unsigned count = 0;
  for (spinlock_t *l = held; l; l = l->next_held)
    count++;
  panic("task %u (%s) %s%s%s%s on core %u while holding spinlock \"%s\" (%p) (%u held in all)",
        (unsigned)task_id, task_name ? task_name : "", doing, wait_reason ? " (\"" : "",
        wait_reason ? wait_reason : "", wait_reason ? "\")" : "", cpu->index, lock_name(held),
        (void *)held, count);
}
