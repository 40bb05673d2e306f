/* Tasks: creation, stacks, exit, and the per-core pools that recycle them.
 *
 * A spawned task is only its 96-byte struct task until it first runs; the
 * stack comes from the running core's pool at that moment (schedule.c) and
 * goes back to the pool of whichever core the task exits on. Task structs
 * are carved from slabs of TASKS_PER_SLAB and recycled the same way, so
 * neither spawn nor exit touches malloc in the steady state, and no lock or
 * shared cache line is on the spawn path.
 */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <brigade/panic.h>

#include "task_internal.h"
#include "trace_events.h"

_Static_assert(sizeof(void *) != 8 || sizeof(struct task) <= 96,
               "struct task must stay within 96 bytes on 64-bit targets (memory per pending task)");

#define TASKS_PER_SLAB 64
#define STACK_POOL_MAX 64 /* default-size stacks a core keeps for reuse */
/* A default task's stack, with the room the arch adds to every stack. */
#define POOLED_STACK_SIZE (TASK_STACK_DEFAULT + ARCH_STACK_EXTRA)
/* Written at the lowest word of every task stack and checked at every
 * switch away from the task: an overrun that reached the bottom of the
 * stack is reported with the task's name instead of corrupting a neighbour
 * silently. (Guard pages come with the MMU; this catches most overflows
 * until then and costs one load per switch.) */
#define STACK_CANARY 0x5354414b43414e59ull /* "STAKCANY" */

struct task_slab {
  struct task_slab *next;
  struct task tasks[TASKS_PER_SLAB];
};

/* Every slab ever made, so a task dump can walk all tasks. Slabs are only
 * added, each by a CAS on this list head. */
static struct task_slab *all_slabs;

struct task *task_alloc(struct sched_cpu *c) {
  if (!c->free_tasks) {
    struct task_slab *slab = malloc(sizeof *slab);
    if (!slab)
      return NULL;
    memset(slab, 0, sizeof *slab);
    for (int i = TASKS_PER_SLAB - 1; i >= 0; i--) {
      slab->tasks[i].link = c->free_tasks;
      c->free_tasks = &slab->tasks[i];
    }
    struct task_slab *head = __atomic_load_n(&all_slabs, __ATOMIC_RELAXED);
    do
      slab->next = head;
    while (!__atomic_compare_exchange_n(&all_slabs, &head, slab, true, __ATOMIC_RELEASE,
                                        __ATOMIC_RELAXED));
  }
  struct task *t = c->free_tasks;
  c->free_tasks = t->link;
  return t;
}

void task_free(struct sched_cpu *c, struct task *t) {
  __atomic_store_n(&t->state, TASK_FREE, __ATOMIC_RELAXED);
  t->link = c->free_tasks;
  c->free_tasks = t;
}

bool task_give_stack(struct sched_cpu *c, struct task *t) {
  void *stack;
  if (t->stack_size == POOLED_STACK_SIZE && c->free_stacks) {
    stack = c->free_stacks;
    c->free_stacks = *(void **)stack;
    c->nfree_stacks--;
  } else {
    stack = memalign(16, t->stack_size);
    if (!stack)
      return false;
  }
  t->stack = stack;
  *(uint64_t *)stack = STACK_CANARY;
  t->sp = arch_init_stack(stack, t->stack_size, task_entry, t);
  return true;
}

void task_check_stack(const struct task *t) {
  if (t->stack && *(const uint64_t *)t->stack != STACK_CANARY)
    panic("stack overflow in task %u (%s): its %u-byte stack at %p was overrun", (unsigned)t->id,
          task_name(t), (unsigned)t->stack_size, t->stack);
}

void task_release_stack(struct sched_cpu *c, struct task *t) {
  void *stack = t->stack;
  t->stack = NULL;
  if (!stack)
    return;
  arch_stack_release(stack, t->stack_size);
  if (t->stack_size == POOLED_STACK_SIZE && c->nfree_stacks < STACK_POOL_MAX) {
    *(void **)stack = c->free_stacks;
    c->free_stacks = stack;
    c->nfree_stacks++;
  } else {
    free(stack);
  }
}

int task_spawn(task_t **out, void (*fn)(void *arg), void *arg, const struct task_attr *attr) {
  static const struct task_attr defaults = TASK_ATTR_INIT;
  if (!attr)
    attr = &defaults;
  size_t stack_size = attr->stack_size ? attr->stack_size : TASK_STACK_DEFAULT;
  if (!fn || stack_size < TASK_STACK_MIN || stack_size > UINT32_MAX - 15 - ARCH_STACK_EXTRA ||
      (attr->pin != TASK_ANY_CORE && (attr->pin < 0 || (unsigned)attr->pin >= cpu_count())))
    return -EINVAL;
  /* The stack allocated: what was asked for, rounded up, and the room the
   * arch adds to every stack (arch.h, ARCH_STACK_EXTRA). */
  stack_size = ((stack_size + 15) & ~(size_t)15) + ARCH_STACK_EXTRA;

  unsigned long irq = arch_irq_save();
  struct sched_cpu *c = sched_self();
  struct task *t = task_alloc(c);
  if (!t) {
    arch_irq_restore(irq);
    return -ENOMEM;
  }
  unsigned me = this_cpu()->index;
  *t = (struct task){
      .sp = SP_NEW,
      .fn = fn,
      .arg = arg,
      .name = attr->name,
      .id = ++c->next_id * cpu_count() + me,
      .stack_size = (uint32_t)stack_size,
      .state = TASK_NEW,
      .pin = (int16_t)attr->pin,
      .last_core = (uint16_t)me,
  };
  if (out)
    *out = t;
  TRACE_SPAWN_TASK(c, t);
  __atomic_store_n(&c->stats.spawns, c->stats.spawns + 1, __ATOMIC_RELAXED);
  /* From runq_put on, t belongs to whichever core takes it: it may run, exit
   * and be recycled into a new task before this line returns, so nothing of
   * t is read after it is queued. */
  runq_put(c, t);
  if (attr->pin == TASK_ANY_CORE)
    wake_idle_core(); /* pinned tasks wake only their own core (runq_put) */
  arch_irq_restore(irq);
  return 0;
}

void task_entry(void *task, void *switch_arg) {
  finish_switch(switch_arg);
  sched_stop_point(switch_arg);
  struct task *t = task;
  arch_irq_enable();
  t->fn(t->arg);
  task_exit();
}

void task_exit(void) {
  arch_irq_save();
  struct sched_cpu *c = sched_self();
  struct task *t = c->current;
  if (!t || (t->flags & TASK_FLAG_IDLE))
    panic("task_exit called outside a task");
  __atomic_store_n(&t->state, TASK_DEAD, __ATOMIC_RELAXED);
  schedule_away(c, t, AFTER_EXIT, NULL, NULL);
  panic("a dead task was resumed");
}

static void (*libc_release)(void *state);

void sched_set_libc_release(void (*release)(void *state)) {
  __atomic_store_n(&libc_release, release, __ATOMIC_RELEASE);
}

void **sched_libc_slot(void) {
  /* With interrupts masked the caller is the scheduler (a first run's
   * stack, a slab of structs) or a handler, working for no task in
   * particular: it gets the core's state, not the current task's. Charged
   * to the current task, the stack malloc'd for a task's first run would
   * make a C library state (1888 bytes on newlib) for the task that had
   * just parked, so every parked task would pay for one it never uses. */
  if (!arch_irq_enabled())
    return NULL;
  unsigned long irq = arch_irq_save();
  struct cpu *cpu = this_cpu();
  struct task *t = cpu ? cpu->sched->current : NULL;
  arch_irq_restore(irq);
  return t && !(t->flags & TASK_FLAG_IDLE) ? &t->libc_state : NULL;
}

void task_release_libc_state(struct task *t) {
  void (*release)(void *) = __atomic_load_n(&libc_release, __ATOMIC_ACQUIRE);
  if (t->libc_state && release)
    release(t->libc_state);
  t->libc_state = NULL;
}

task_t *task_current(void) {
  unsigned long irq = arch_irq_save();
  struct cpu *cpu = this_cpu();
  struct task *t = cpu ? cpu->sched->current : NULL;
  arch_irq_restore(irq);
  return t && !(t->flags & TASK_FLAG_IDLE) ? t : NULL;
}

unsigned task_core(void) { return cpu_index(); }

uint32_t task_id(const task_t *t) { return t->id; }

const char *task_name(const task_t *t) { return t->name ? t->name : ""; }

enum task_state task_state(const task_t *t) {
  return (enum task_state)__atomic_load_n(&t->state, __ATOMIC_ACQUIRE);
}

void task_foreach(void (*fn)(const struct task *t, void *ctx), void *ctx) {
  for (struct task_slab *s = __atomic_load_n(&all_slabs, __ATOMIC_ACQUIRE); s; s = s->next)
    for (int i = 0; i < TASKS_PER_SLAB; i++)
      if (__atomic_load_n(&s->tasks[i].state, __ATOMIC_RELAXED) != TASK_FREE)
        fn(&s->tasks[i], ctx);
}
