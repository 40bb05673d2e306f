/* A virtio 1.x split virtqueue, the driver's side (see virtqueue.h).
 *
 * Who writes what. The driver writes the descriptors, the available ring
 * and its idx and flags; the device writes the used ring and its idx and
 * flags. Each side only reads what the other writes, so the whole protocol
 * is two one-way hand-overs, each a "write the data, then publish the
 * index" pair:
 *
 *   driver: descriptor, avail ring[i]  --then-->  avail idx = i + 1
 *   device: buffer contents, used ring[j]  --then-->  used idx = j + 1
 *
 * The reader of an index must then read the data after the index. Those
 * are release and acquire, with the device as the other party: under QEMU
 * the device model runs on a host thread of the same coherent machine (and
 * TCG carries a guest's fences to the host), so the CPU barriers that
 * order memory between cores (fence rw,w / fence r,rw on RISC-V, dmb ish
 * or stlr/ldar on AArch64) order it for the device too. This is what
 * virtio calls weak barriers; a non-coherent DMA master would need the
 * outer-shareable (dmb osh) forms.
 *
 * Two more orderings are store-then-load, which release and acquire do not
 * give: after publishing a buffer the driver reads whether the device wants
 * a notification, and after re-enabling interrupts it reads whether a
 * buffer came back meanwhile. In both the other side does the mirror image
 * (the device sets "no notify", then rechecks the avail idx before it
 * sleeps; it reads the interrupt flag after publishing used entries), so a
 * full barrier on each side means at least one of the two sees the other's
 * write: no buffer is left unseen with nobody notified.
 */
#include "virtqueue.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <brigade/panic.h>

#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u
#define VIRTQ_USED_F_NO_NOTIFY 1u

/* The rings' alignment (virtio 1.x: descriptors 16, available 2, used 4);
 * one page for the whole block keeps it simple and covers all three. */
#define VIRTQ_ALIGN 4096u

int virtqueue_init(struct virtqueue *q, unsigned index, uint16_t size) {
  if (size == 0 || (size & (size - 1)) || size > 32768)
    return -EINVAL;
  size_t desc_bytes = 16u * size;
  size_t avail_bytes = 2u * (3u + size); /* flags, idx, ring[size], used_event */
  size_t used_off = (desc_bytes + avail_bytes + 3u) & ~(size_t)3u;
  size_t used_bytes = 2u * 3u + 8u * size; /* flags, idx, ring[size], avail_event */
  size_t total = (used_off + used_bytes + VIRTQ_ALIGN - 1) & ~(size_t)(VIRTQ_ALIGN - 1);
  uint8_t *block = memalign(VIRTQ_ALIGN, total);
  if (!block)
    return -ENOMEM;
  memset(block, 0, total);
  q->index = index;
  q->size = size;
  q->desc = (struct virtq_desc *)block;
  uint16_t *avail = (uint16_t *)(block + desc_bytes);
  q->avail_flags = &avail[0];
  q->avail_idx = &avail[1];
  q->avail_ring = &avail[2];
  uint16_t *used = (uint16_t *)(block + used_off);
  q->used_flags = &used[0];
  q->used_idx = &used[1];
  q->used_ring = (volatile struct virtq_used_elem *)&used[2];
  q->next_avail = 0;
  q->next_used = 0;
  q->in_flight = 0;
  return 0;
}

void virtqueue_set_desc(struct virtqueue *q, uint16_t id, void *buf, uint32_t len, uint16_t flags) {
  q->desc[id] = (struct virtq_desc){.addr = (uintptr_t)buf, .len = len, .flags = flags};
}

void virtqueue_publish(struct virtqueue *q, uint16_t id) {
  if (q->in_flight == q->size)
    panic("virtqueue %u: publishing descriptor %u with all %u already with the device", q->index,
          (unsigned)id, (unsigned)q->size);
  q->avail_ring[q->next_avail & (q->size - 1)] = id;
  q->next_avail++;
  q->in_flight++;
  /* Release: the device reads avail idx, then ring entries below it, then
   * their descriptors; the descriptor and the ring entry written above
   * must reach it before the idx that covers them. */
  __atomic_store_n(q->avail_idx, q->next_avail, __ATOMIC_RELEASE);
}

bool virtqueue_device_wants_notify(struct virtqueue *q) {
  /* Full barrier: the idx store above, then this load. The device sets
   * NO_NOTIFY while it polls the ring and, before clearing it to sleep,
   * re-reads the avail idx; ordering our store before our load means
   * either it sees the new idx or we see the flag cleared and notify. */
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  return !(*q->used_flags & VIRTQ_USED_F_NO_NOTIFY);
}

bool virtqueue_has_used(struct virtqueue *q) {
  /* Acquire: pairs with the device's write barrier before its used idx
   * store, so a caller that then reads the entry and buffer sees them. */
  return __atomic_load_n(q->used_idx, __ATOMIC_ACQUIRE) != q->next_used;
}

bool virtqueue_take_used(struct virtqueue *q, uint16_t *id, uint32_t *len) {
  if (!virtqueue_has_used(q)) /* acquire, as argued there */
    return false;
  volatile struct virtq_used_elem *e = &q->used_ring[q->next_used & (q->size - 1)];
  uint32_t taken = e->id;
  uint32_t written = e->len;
  if (taken >= q->size || q->in_flight == 0)
    panic("virtqueue %u: the device handed back descriptor %lu (queue of %u, %u in flight)",
          q->index, (unsigned long)taken, (unsigned)q->size, (unsigned)q->in_flight);
  q->next_used++;
  q->in_flight--;
  *id = (uint16_t)taken;
  *len = written;
  return true;
}

bool virtqueue_interrupts(struct virtqueue *q, bool on) {
  /* Relaxed: the flag is a hint the device reads whenever it likes; only
   * the recheck below needs ordering. */
  __atomic_store_n(q->avail_flags, on ? 0 : VIRTQ_AVAIL_F_NO_INTERRUPT, __ATOMIC_RELAXED);
  if (!on)
    return false;
  /* Full barrier: the flag store, then the used idx load. The device
   * publishes used entries, then reads the flag to decide on an interrupt;
   * with both sides ordered, a buffer that came back while interrupts were
   * off is either interrupted for or seen here. */
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  return virtqueue_has_used(q);
}

void virtqueue_barrier_before_notify(void) {
  /* The notify is a store to device memory, which normal-memory barriers
   * do not order: RISC-V needs RAM writes ordered before I/O writes (w,o),
   * AArch64 a store barrier the device's side of the bus honours (as
   * Linux's writel does). */
#if defined(__riscv)
  __asm__ volatile("fence w,o" ::: "memory");
#elif defined(__aarch64__)
  __asm__ volatile("dmb oshst" ::: "memory");
#else
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}
