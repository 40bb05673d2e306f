/* Tasks: creation, stacks, exit, and the per-core pools that recycle them.
 *
 * A spawned task is only its 96-byte struct task until it first runs; the
 * stack comes from the running core's pool at that moment (schedule.c) and
 * goes back to the pool of whichever core the task exits on. A stack is
 * either a guarded slot (kernel's stack_slot.h: the default where the arch
 * has a task-stack region) or a fixed heap stack (task_attr.heap_stack, and
 * every stack on the host); each kind has its own per-core pool of
 * default-size stacks, and both are canary-checked at every switch. Task structs
 * are carved from slabs of TASKS_PER_SLAB and recycled the same way, so
 * neither spawn nor exit touches malloc in the steady state, and no lock or
 * shared cache line is on the spawn path.
 *
 * Both pools are bounded, because a task often exits on another core than
 * the one that spawned it (an acceptor spawns every connection's task on
 * its core; each parks in a read and is woken wherever the network task
 * runs): the spawning core's pool drains while the exiting core's fills.
 * A core keeps at most STACK_POOL_MAX stacks and frees the rest. Task
 * structs cannot be freed (slabs stay for the task dump), so a core with
 * more than TASKS_KEPT_MAX free ones hands a slab's worth to the shared
 * spares, and a core that runs dry takes a batch from there before it
 * makes a new slab: there are never more structs than the most tasks ever
 * alive at once plus what the cores keep. (Unbounded, an echo server made
 * a new 6 KiB slab every 64 connections: tests/net's heap check found it.)
 */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <brigade/panic.h>
#include <brigade/stack_slot.h>
#include <brigade/spinlock.h>

#include "stack_pool.h"
#include "task_internal.h"

_Static_assert(sizeof(void *) != 8 || sizeof(struct task) <= 96,
               "struct task must stay within 96 bytes on 64-bit targets (memory per pending task)");

#define TASKS_PER_SLAB 64
#define TASKS_KEPT_MAX (2 * TASKS_PER_SLAB) /* free task structs a core keeps */
struct task_slab {
  struct task_slab *next;
  struct task tasks[TASKS_PER_SLAB];
};

/* Every slab ever made, so a task dump can walk all tasks. Slabs are only
 * added, each by a CAS on this list head. */
static struct task_slab *all_slabs;

/* Batches of TASKS_PER_SLAB free task structs that cores gave up, for a
 * core that runs out: each batch a list through `link`, the batches chained
 * through their first task's `arg` (a free task's fields are unused). Taken
 * and given once per TASKS_PER_SLAB spawns or exits at most, never on every
 * one, so the lock stays off the spawn path's common case. The lock's
 * acquire and release also order a batch's links, written by the core
 * that gave it, before the core that takes it walks them. */
static spinlock_t spare_lock = SPINLOCK_INIT("task spares");
static struct task *spare_batches;

static struct task *spare_take(void) {
  unsigned long flags = spin_lock_irqsave(&spare_lock);
  struct task *batch = spare_batches;
  if (batch)
    spare_batches = batch->arg;
  spin_unlock_irqrestore(&spare_lock, flags);
  return batch;
}

static void spare_give(struct task *batch) {
  unsigned long flags = spin_lock_irqsave(&spare_lock);
  batch->arg = spare_batches;
  spare_batches = batch;
  spin_unlock_irqrestore(&spare_lock, flags);
}

/* Core c's free list is empty: fill it with a batch of spares, or else a
 * new slab. False when there is no memory for one. */
static __attribute__((noinline)) bool task_refill(struct sched_cpu *c) {
  struct task *batch = spare_take();
  if (batch) {
    c->free_tasks = batch;
    c->nfree_tasks = TASKS_PER_SLAB;
    return true;
  }
  struct task_slab *slab = malloc(sizeof *slab);
  if (!slab)
    return false;
  memset(slab, 0, sizeof *slab);
  for (int i = TASKS_PER_SLAB - 1; i >= 0; i--) {
    slab->tasks[i].link = c->free_tasks;
    c->free_tasks = &slab->tasks[i];
  }
  c->nfree_tasks = TASKS_PER_SLAB;
  struct task_slab *head = __atomic_load_n(&all_slabs, __ATOMIC_RELAXED);
  do
    slab->next = head;
  while (!__atomic_compare_exchange_n(&all_slabs, &head, slab, true, __ATOMIC_RELEASE,
                                      __ATOMIC_RELAXED));
  return true;
}

/* A task struct off core c's free list, which is not empty. */
static inline struct task *task_take(struct sched_cpu *c) {
  struct task *t = c->free_tasks;
  c->free_tasks = t->link;
  c->nfree_tasks--;
  return t;
}

/* Core c holds more than TASKS_KEPT_MAX free structs: one batch from the
 * top of its list goes to the spares. */
static __attribute__((noinline)) void free_list_shed(struct sched_cpu *c) {
  struct task *batch = c->free_tasks, *last = batch;
  for (int i = 1; i < TASKS_PER_SLAB; i++)
    last = last->link;
  c->free_tasks = last->link;
  c->nfree_tasks -= TASKS_PER_SLAB;
  last->link = NULL;
  spare_give(batch);
}

/* Exited task t's struct onto core c's free list. Its state is written by
 * this core alone now (task_foreach reads it from anywhere). */
static inline void free_list_push(struct sched_cpu *c, struct task *t) {
  OWNER_STORE(t->state, TASK_FREE);
  t->link = c->free_tasks;
  c->free_tasks = t;
  if (__builtin_expect(++c->nfree_tasks > TASKS_KEPT_MAX, 0))
    free_list_shed(c);
}

/* task_first_stack's way when the pool cannot serve t: a new stack, or a
 * panic that names the task when there is no memory for one. */
static __attribute__((noinline)) void *first_stack_new(struct task *t) {
  bool slot = false;
  void *stack;
#if ARCH_HAS_STACK_SLOTS
  slot = !(t->flags & TASK_FLAG_HEAP_STACK);
  if (slot)
    stack = stack_slot_get(t->stack_size);
  else
#endif
    stack = memalign(16, t->stack_size);
  if (!stack)
    panic("out of memory: no %u-byte stack for task %u (%s) on its first run",
          (unsigned)t->stack_size, (unsigned)t->id, task_name(t));
#if ARCH_HAS_STACK_SLOTS
  if (slot)
    return stack_pool_slot_first_frame(t, stack);
#endif
  return stack_pool_heap_first_frame(t, stack);
}

#if ARCH_HAS_STACK_SLOTS
bool task_current_slot_stack(uintptr_t *lo, size_t *size) {
  struct cpu *cpu = this_cpu();
  struct task *t = cpu && cpu->sched ? cpu->sched->current : NULL;
  if (!t || !t->stack || (t->flags & (TASK_FLAG_IDLE | TASK_FLAG_HEAP_STACK)))
    return false;
  *lo = (uintptr_t)t->stack;
  *size = t->stack_size;
  return true;
}
#endif

void *task_first_stack(struct sched_cpu *c, struct task *t) {
  void *sp = stack_pool_first_frame(c, t);
  return sp ? sp : first_stack_new(t);
}

uint64_t task_stack_pool_bytes(const struct sched_cpu *c) {
  uint64_t bytes = (uint64_t)__atomic_load_n(&c->nfree_stacks, __ATOMIC_RELAXED) * POOLED_STACK_SIZE;
#if ARCH_HAS_STACK_SLOTS
  /* A free slot keeps the pages it grew (kernel/stack_slot_paging.c). */
  bytes += __atomic_load_n(&c->free_slot_bytes, __ATOMIC_RELAXED);
#endif
  return bytes;
}

uint64_t task_stacks_shared_bytes(void) {
#if ARCH_HAS_STACK_SLOTS
  /* The free slots' pages, the pages kept for growth, and the tables of
   * the slots kept. */
  return stack_slot_bytes_free() + stack_slot_bytes_cached() + stack_slot_bytes_in_tables();
#else
  return 0;
#endif
}

void task_check_stack(const struct task *t) {
  if (task_stack_overrun(t))
    panic("stack overflow in task %u (%s): its %u-byte stack at %p was overrun", (unsigned)t->id,
          task_name(t), (unsigned)t->stack_size, t->stack);
}

/* Exited task t's stack, not taken by a pool, back to the slot allocator or
 * the heap. */
static void give_back_stack(struct task *t) {
#if ARCH_HAS_STACK_SLOTS
  if (!(t->flags & TASK_FLAG_HEAP_STACK)) {
    /* Another core's pool or the shared free list may hand this slot to a
     * task on any core: its pages stay mapped where they are, which is
     * what makes that safe (kernel/stack_slot_paging.c). */
    stack_slot_put(t->stack, t->stack_size);
    return;
  }
#endif
  free(t->stack);
}

static void release_libc_state(struct task *t);

/* task_retire's way when t has a C library state (or, wrongly, no stack). */
static __attribute__((noinline)) void retire_slow(struct sched_cpu *c, struct task *t) {
  release_libc_state(t);
  if (t->stack) {
    arch_stack_release(t->stack, t->stack_size);
    if (!stack_pool_put(c, t))
      give_back_stack(t);
    t->stack = NULL;
  }
  free_list_push(c, t);
}

/* task_retire's way when t's released stack is not the pool's. */
static __attribute__((noinline)) void retire_unpooled(struct sched_cpu *c, struct task *t) {
  give_back_stack(t);
  t->stack = NULL;
  free_list_push(c, t);
}

/* The common exit, no C library state and a default-size stack into a pool
 * with room, is a leaf; every other case goes on by a tail call. */
void task_retire(struct sched_cpu *c, struct task *t) {
  if (__builtin_expect(t->libc_state || !t->stack, 0)) {
    retire_slow(c, t);
    return;
  }
  arch_stack_release(t->stack, t->stack_size);
  if (__builtin_expect(!stack_pool_put(c, t), 0)) {
    retire_unpooled(c, t);
    return;
  }
  t->stack = NULL;
  free_list_push(c, t);
}

/* The spawn once core c has a task struct t for it (interrupts masked with
 * token irq, restored here). */
static inline __attribute__((always_inline)) int
spawn_into(struct sched_cpu *c, struct task *t, task_t **out, void (*fn)(void *arg), void *arg,
           const struct task_attr *attr, size_t stack_size, bool heap_stack, unsigned long irq) {
  unsigned me = c->core;
  *t = (struct task){
      .sp = SP_NEW,
      .fn = fn,
      .arg = arg,
      .name = attr->name,
      .id = ++c->next_id * sched_core_count() + me,
      .stack_size = (uint32_t)stack_size,
      .state = TASK_NEW,
      .pin = (int16_t)attr->pin,
      .last_core = (uint16_t)me,
      .flags = heap_stack ? TASK_FLAG_HEAP_STACK : 0,
  };
  if (out)
    *out = t;
  OWNER_STORE(c->stats.spawns, c->stats.spawns + 1);
  /* A tail call: the spawn keeps no register frame. */
  return sched_queue_spawned(c, t, irq);
}

/* task_spawn's way when core c's free list is empty: refill it, then spawn.
 * Out of line and reached by a tail call, so that the common case keeps
 * nothing in callee-saved registers across the refill. */
static __attribute__((noinline)) int spawn_after_refill(struct sched_cpu *c, task_t **out,
                                                        void (*fn)(void *arg), void *arg,
                                                        const struct task_attr *attr,
                                                        size_t stack_size, bool heap_stack,
                                                        unsigned long irq) {
  if (!task_refill(c)) {
    arch_irq_restore(irq);
    return -ENOMEM;
  }
  return spawn_into(c, task_take(c), out, fn, arg, attr, stack_size, heap_stack, irq);
}

int task_spawn(task_t **out, void (*fn)(void *arg), void *arg, const struct task_attr *attr) {
  static const struct task_attr defaults = TASK_ATTR_INIT;
  if (!attr)
    attr = &defaults;
  size_t stack_size = attr->stack_size ? attr->stack_size : TASK_STACK_DEFAULT;
  if (!fn || stack_size < TASK_STACK_MIN || stack_size > UINT32_MAX - 4095 - ARCH_STACK_EXTRA ||
      (attr->pin != TASK_ANY_CORE && (attr->pin < 0 || (unsigned)attr->pin >= sched_core_count())))
    return -EINVAL;
  bool heap_stack = attr->heap_stack || !ARCH_HAS_STACK_SLOTS;
#if ARCH_HAS_STACK_SLOTS
  /* A guarded stack is a reservation that grows page by page: by default
   * STACK_SLOT_DEFAULT_RESERVATION, else what was asked for. */
  if (!heap_stack && !attr->stack_size)
    stack_size = STACK_SLOT_DEFAULT_RESERVATION;
#endif
  stack_size = heap_stack ? STACK_BYTES(stack_size, 16) : STACK_BYTES(stack_size, STACK_SLOT_PAGE);

  unsigned long irq = arch_irq_save();
  struct sched_cpu *c = sched_self();
  if (__builtin_expect(!c->free_tasks, 0))
    return spawn_after_refill(c, out, fn, arg, attr, stack_size, heap_stack, irq);
  return spawn_into(c, task_take(c), out, fn, arg, attr, stack_size, heap_stack, irq);
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
  schedule_away_for_exit(c, t);
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

static void release_libc_state(struct task *t) {
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
