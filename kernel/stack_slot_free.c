/* The shared list of free guarded stacks (stack_slot.h): what stack_slot_put
 * gives back and stack_slot_get takes first, on bare metal
 * (kernel/stack_slot_paging.c) and on the host (kernel/arch/x86_64/
 * host_stack_slot.c) alike. Each caller holds its own slot lock around
 * every call here; the gauge is read without it. */
#include <brigade/stack_slot.h>

#if ARCH_HAS_STACK_SLOTS

/* A free slot's bookkeeping, at the bottom of its top page: mapped while
 * the slot lives, and no task's (the one that used it is gone). */
struct free_slot {
  struct free_slot *next;
  uintptr_t lo;
  size_t size;
};

static struct free_slot *free_slots;
/* Mapped bytes of the slots on the list: written under the caller's lock,
 * read without it (a gauge: relaxed, a reader orders nothing by it). */
static size_t bytes_free;

size_t stack_slot_bytes_free(void) { return __atomic_load_n(&bytes_free, __ATOMIC_RELAXED); }

static void gauge_add(long delta) {
  __atomic_store_n(&bytes_free, bytes_free + (size_t)delta, __ATOMIC_RELAXED);
}

void stack_slot_free_add(void *stack_lo, size_t size) {
  struct free_slot *s = (struct free_slot *)((uintptr_t)stack_lo + size - STACK_SLOT_PAGE);
  s->lo = (uintptr_t)stack_lo;
  s->size = size;
  s->next = free_slots;
  free_slots = s;
  gauge_add((long)stack_slot_mapped_bytes(stack_lo, size));
}

void *stack_slot_free_take(size_t size) {
  struct free_slot **link = &free_slots, *s;
  while ((s = *link) && s->size != size)
    link = &s->next;
  if (!s)
    return NULL;
  *link = s->next;
  void *stack = (void *)s->lo;
  gauge_add(-(long)stack_slot_mapped_bytes(stack, size));
  return stack;
}

bool stack_slot_free_take_any(uintptr_t *stack_lo, size_t *size) {
  struct free_slot *s = free_slots;
  if (!s)
    return false;
  free_slots = s->next;
  *stack_lo = s->lo;
  *size = s->size;
  gauge_add(-(long)stack_slot_mapped_bytes((void *)s->lo, s->size));
  return true;
}

#endif /* ARCH_HAS_STACK_SLOTS */
