/* Per-core pools of default-size task stacks: the sizes they keep, and the
 * pop and push. Inline in a header of their own because the plain switch
 * (schedule.c) takes a first run's stack from the pool without a call, and
 * an exit (task.c) gives it back the same way.
 *
 * Each core keeps up to STACK_POOL_MAX free stacks of each kind, a list
 * linked through a word of each stack: heap stacks through their first
 * word, guarded slots through their top page (a slot's lowest pages are
 * not mapped until its task grows into them; the top page is mapped for as
 * long as the slot lives). Only the owning core writes its pools and their
 * counts, with interrupts masked; sched_stats reads the counts from
 * anywhere (gauges: OWNER_STORE, relaxed, nothing is ordered by them). A
 * slot leaves the pool with the pages it grew (kernel/stack_slot_paging.c),
 * and the pool's byte count follows them. */
#ifndef BRIGADE_SCHED_STACK_POOL_H
#define BRIGADE_SCHED_STACK_POOL_H

#include <brigade/stack_slot.h>

#include "owner_store.h"
#include "task_internal.h"

#define STACK_POOL_MAX 64 /* default-size stacks of each kind a core keeps */
/* The bytes a stack of @p asked bytes takes: rounded up to @p align (16 on
 * the heap, whole pages in a slot), plus the room the arch adds to every
 * stack (arch.h, ARCH_STACK_EXTRA). task_spawn and the pools' sizes below
 * share it, so a default task's stack always matches its pool. */
#define STACK_BYTES(asked, align) ((((asked) + (align) - 1) & ~(size_t)((align) - 1)) + ARCH_STACK_EXTRA)
/* A default task's heap stack. */
#define POOLED_STACK_SIZE STACK_BYTES(TASK_STACK_DEFAULT, 16)
/* A default task's guarded stack: its reservation (whole pages), of which
 * only the pages it touches are mapped. */
#define POOLED_SLOT_SIZE STACK_BYTES(STACK_SLOT_DEFAULT_RESERVATION, STACK_SLOT_PAGE)

/* A heap stack's first frame, its canary below (task_stack_overrun). */
static inline void *stack_pool_heap_first_frame(struct task *t, void *stack) {
  t->stack = stack;
  *(uint64_t *)stack = STACK_CANARY;
  return arch_init_stack(stack, t->stack_size, task_entry, t);
}

#if ARCH_HAS_STACK_SLOTS
/* A slot's first frame: no canary, the guard below the reservation
 * catches an overflow at once (and the reservation's bottom is not
 * mapped). The slot's top STACK_SLOT_TOP_RESERVED bytes are not the task's. */
static inline void *stack_pool_slot_first_frame(struct task *t, void *stack) {
  t->stack = stack;
  return arch_init_stack(stack, t->stack_size - STACK_SLOT_TOP_RESERVED, task_entry, t);
}

/* Where a pooled slot links to the next: its top page. */
static inline void **stack_pool_slot_link(void *stack_lo) {
  return (void **)((char *)stack_lo + POOLED_SLOT_SIZE - STACK_SLOT_PAGE);
}
#endif

/* Never-run task t's stack from core c's pool, and its first frame: the
 * frame's stack pointer for the switch to load, or NULL when the pool has
 * no stack of t's kind and size (task_first_stack then finds one). Calls
 * nothing on bare metal (arch_init_stack is a leaf inline there). */
static inline void *stack_pool_first_frame(struct sched_cpu *c, struct task *t) {
#if ARCH_HAS_STACK_SLOTS
  if (!(t->flags & TASK_FLAG_HEAP_STACK)) {
    void **link = c->free_slots;
    if (t->stack_size != POOLED_SLOT_SIZE || !link)
      return NULL;
    void *stack = (char *)link - POOLED_SLOT_SIZE + STACK_SLOT_PAGE;
    c->free_slots = *link;
    OWNER_STORE(c->nfree_slots, c->nfree_slots - 1);
    OWNER_STORE(c->free_slot_bytes,
                c->free_slot_bytes - stack_slot_mapped_bytes(stack, POOLED_SLOT_SIZE));
    return stack_pool_slot_first_frame(t, stack);
  }
#endif
  void *stack = c->free_stacks;
  if (t->stack_size != POOLED_STACK_SIZE || !stack)
    return NULL;
  c->free_stacks = *(void **)stack;
  OWNER_STORE(c->nfree_stacks, c->nfree_stacks - 1);
  return stack_pool_heap_first_frame(t, stack);
}

/* Exited task t's stack into core c's pool if it is of the pooled size
 * and the pool has room: true then, false when the caller must give it
 * back elsewhere. t->stack is left as it was. */
static inline bool stack_pool_put(struct sched_cpu *c, const struct task *t) {
  void *stack = t->stack;
#if ARCH_HAS_STACK_SLOTS
  if (!(t->flags & TASK_FLAG_HEAP_STACK)) {
    if (t->stack_size != POOLED_SLOT_SIZE || c->nfree_slots >= STACK_POOL_MAX)
      return false;
    void **link = stack_pool_slot_link(stack);
    *link = c->free_slots;
    c->free_slots = link;
    OWNER_STORE(c->nfree_slots, c->nfree_slots + 1);
    OWNER_STORE(c->free_slot_bytes,
                c->free_slot_bytes + stack_slot_mapped_bytes(stack, POOLED_SLOT_SIZE));
    return true;
  }
#endif
  if (t->stack_size != POOLED_STACK_SIZE || c->nfree_stacks >= STACK_POOL_MAX)
    return false;
  *(void **)stack = c->free_stacks;
  c->free_stacks = stack;
  OWNER_STORE(c->nfree_stacks, c->nfree_stacks + 1);
  return true;
}

#endif
