/*
 * The per-core event rings of the execution trace (trace.h).
 *
 * Writing and reading a ring that is being written
 * ------------------------------------------------
 * A ring has one writer, its core, with interrupts masked (trace.h). The
 * writer of event i (head == i) does:
 *
 *   W1  store ev[i & mask] (stamp, arg)       relaxed
 *   W2  release fence
 *   W3  store head = i + 1                    relaxed
 *
 * A reader on another core (or GDB, which stops the machine but may stop
 * it between W1 and W3) does:
 *
 *   R1  h1 = load head                        acquire
 *   R2  copy ev[j & mask] for j in [max(first, h1 - cap), h1)    relaxed
 *   R3  acquire fence
 *   R4  h2 = load head                        relaxed
 *
 * and keeps only the copies with j >= h2 - cap + 2. Why that is enough:
 *  - R1 reads W3's value of some event h1 - 1, so (release fence W2 before
 *    W3, acquire load R1) every slot store of the events before h1 is
 *    visible to R2: nothing the reader keeps is older than what it names.
 *  - If R2 read any part of a slot store of a later event k >= h1 (the
 *    writer went on and wrapped over slot j = k - cap), then W2 of event
 *    k - 1 is a release fence before that store and R3 an acquire fence
 *    after the load that saw it, so everything before W2 of event k - 1,
 *    including W3 of event k - 2 (head = k - 1), happens before R4: h2 >=
 *    k - 1, so j = k - cap <= h2 + 1 - cap, which the rule drops. The one
 *    extra event dropped pays for having one fence per event instead of a
 *    seqlock's two.
 * Dropped copies count as lost. There is no read-modify-write anywhere, so
 * the writer never waits for a reader and GDB can read a ring of a hung
 * board with plain memory reads (gdb/brigade.py applies the same rule).
 *
 * Plain stores: the slot and head stores are volatile word stores (as
 * OWNER_STORE in sched/), since RISC-V GCC 12 makes a relaxed atomic store
 * an amoswap; aligned 64-bit stores do not tear on the 64-bit targets.
 * ThreadSanitizer sees them as relaxed atomics.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <brigade/arch.h>
#include <brigade/cpu.h>
#include <brigade/trace.h>

uint32_t trace_on;
/* arch_tick_hz() at the first start, for readers with no way to call it
 * (GDB: on AArch64 it is a system register). */
uint64_t trace_tick_hz;
static uint32_t capacity; /* events per ring; 0 until the first start */

/* ThreadSanitizer does not model standalone fences (and GCC refuses them
 * under -fsanitize=thread), so its build drops W2 and R3 and makes W3 a
 * release store and R4 an acquire load instead: every ring access is an
 * atomic there, so it checks that nothing else in a ring is touched
 * without one, while the fence-pair argument is x86's and the hardware's. */
#if defined(__SANITIZE_THREAD__)
#define RING_STORE(lv, v) __atomic_store_n(&(lv), (v), __ATOMIC_RELAXED)
#define HEAD_STORE(lv, v) __atomic_store_n(&(lv), (v), __ATOMIC_RELEASE)
#define HEAD_RELOAD(lv) __atomic_load_n(&(lv), __ATOMIC_ACQUIRE)
#define WRITER_FENCE() ((void)0)
#define READER_FENCE() ((void)0)
#else
#define RING_STORE(lv, v) (*(volatile __typeof__(lv) *)&(lv) = (v))
#define HEAD_STORE(lv, v) RING_STORE(lv, v)
#define HEAD_RELOAD(lv) __atomic_load_n(&(lv), __ATOMIC_RELAXED)
#define WRITER_FENCE() __atomic_thread_fence(__ATOMIC_RELEASE)
#define READER_FENCE() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#endif
#define RING_LOAD(lv) __atomic_load_n(&(lv), __ATOMIC_RELAXED)
#if defined(__SANITIZE_THREAD__)
#define RING_POINTER_ORDER __ATOMIC_ACQUIRE
#else
#define RING_POINTER_ORDER __ATOMIC_RELAXED
#endif

void trace_record(uint64_t kind, uint64_t arg) {
  /* The pointer is published once, by trace_start's release store, before
   * the ring is used. Every access below goes through it, and an address
   * dependency orders a load after the load that produced the address on
   * RISC-V (RVWMO's dependency rule), AArch64 and x86, which is the
   * guarantee Linux's rcu_dereference relies on; so a relaxed load sees an
   * initialised ring without the fence an acquire costs here. (C's
   * memory_order_consume would say so, but GCC turns it into acquire.)
   * TSan gets acquire, which it can check. NULL only for a core whose site
   * saw trace_on before its ring. */
  struct trace_ring *r = __atomic_load_n(&this_cpu()->trace, RING_POINTER_ORDER);
  if (!r)
    return;
  uint64_t i = r->head; /* ours alone to write */
  struct trace_event *e = &r->ev[i & r->mask];
  RING_STORE(e->stamp, arch_now_ticks() << 8 | kind);
  RING_STORE(e->arg, arg);
  WRITER_FENCE(); /* W2 above */
  HEAD_STORE(r->head, i + 1);
}

static uint32_t round_up_pow2(uint32_t n) {
  uint32_t p = 64;
  while (p < n && p < (1u << 24))
    p <<= 1;
  return p;
}

int trace_start(unsigned events_per_core) {
  if (!__atomic_load_n(&capacity, __ATOMIC_ACQUIRE)) {
    uint32_t cap = round_up_pow2(events_per_core ? events_per_core : TRACE_DEFAULT_EVENTS);
    unsigned n = cpu_count();
    for (unsigned i = 0; i < n; i++) {
      struct cpu *cpu = cpu_get(i);
      if (__atomic_load_n(&cpu->trace, __ATOMIC_ACQUIRE))
        continue;
      struct trace_ring *r = calloc(1, sizeof *r + (size_t)cap * sizeof r->ev[0]);
      if (!r)
        return -ENOMEM; /* rings made so far stay; a later start tries again */
      r->mask = cap - 1;
      /* Release: the ring's fields before the pointer (trace_record). */
      __atomic_store_n(&cpu->trace, r, __ATOMIC_RELEASE);
    }
    trace_tick_hz = arch_tick_hz();
    __atomic_store_n(&capacity, cap, __ATOMIC_RELEASE);
  }
  /* Forget what the rings held: a reader starts at first. The writer may
   * still be recording an event from before (it saw trace_on set by an
   * earlier start); that event lands at or after first and shows as part
   * of this run, which is harmless. */
  for (unsigned i = 0; i < cpu_count(); i++) {
    struct trace_ring *r = __atomic_load_n(&cpu_get(i)->trace, __ATOMIC_ACQUIRE);
    __atomic_store_n(&r->first, RING_LOAD(r->head), __ATOMIC_RELAXED);
  }
  /* Release: the readers that see tracing on see the new starts too. */
  __atomic_store_n(&trace_on, 1, __ATOMIC_RELEASE);
  return 0;
}

void trace_stop(void) {
  /* Relaxed: a site that already saw it on finishes its one event. */
  __atomic_store_n(&trace_on, 0, __ATOMIC_RELAXED);
}

bool trace_running(void) { return __atomic_load_n(&trace_on, __ATOMIC_RELAXED) != 0; }

uint32_t trace_capacity(void) { return __atomic_load_n(&capacity, __ATOMIC_ACQUIRE); }

bool trace_read(unsigned core, struct trace_event *out, uint32_t cap, struct trace_snapshot *snap) {
  struct cpu *cpu = cpu_get(core);
  struct trace_ring *r = cpu ? __atomic_load_n(&cpu->trace, __ATOMIC_ACQUIRE) : NULL;
  if (!r)
    return false;
  uint64_t size = r->mask + 1;
  uint64_t first = __atomic_load_n(&r->first, __ATOMIC_RELAXED);
  uint64_t h1 = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE); /* R1 */
  uint64_t from = h1 > size && h1 - size > first ? h1 - size : first;
  if (from > h1)
    from = h1; /* a start raced with this read */
  if (h1 - from > cap)
    from = h1 - cap;
  uint32_t n = (uint32_t)(h1 - from);
  for (uint32_t k = 0; k < n; k++) { /* R2 */
    const struct trace_event *e = &r->ev[(from + k) & r->mask];
    out[k].stamp = RING_LOAD(e->stamp);
    out[k].arg = RING_LOAD(e->arg);
  }
  READER_FENCE();                  /* R3 */
  uint64_t h2 = HEAD_RELOAD(r->head); /* R4 */
  uint64_t keep = h2 + 2 > size ? h2 + 2 - size : 0; /* oldest copy still whole */
  uint32_t drop = 0;
  if (keep > from)
    drop = keep - from >= n ? n : (uint32_t)(keep - from);
  if (drop)
    memmove(out, out + drop, (size_t)(n - drop) * sizeof *out);
  snap->first = from + drop;
  snap->count = n - drop;
  snap->lost = snap->first - (first < snap->first ? first : snap->first);
  return true;
}
