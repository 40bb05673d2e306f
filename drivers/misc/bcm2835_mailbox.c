#include "bcm2835_mailbox.h"

/* Mailbox 0 (ARM <- VC) and mailbox 1 (ARM -> VC) registers */
#define MBOX_READ 0x00
#define MBOX_STATUS 0x18
#define MBOX_WRITE 0x20
#define STATUS_FULL (1u << 31)
#define STATUS_EMPTY (1u << 30)
#define CHANNEL_PROPERTY 8
#define CODE_REQUEST 0
#define CODE_SUCCESS 0x80000000u
#define POLL_LIMIT 10000000 /* polls of the status register: about a second on a Pi 3 */

static inline volatile uint32_t *reg(const struct bcm2835_mailbox *mb, unsigned off) {
  return (volatile uint32_t *)(mb->base + off);
}

/* The VideoCore reads and writes the buffer in memory, behind the ARM's
 * caches: clean it out before the request, discard stale lines after. */
static void cache_clean_invalidate(const void *p, unsigned long n) {
  for (unsigned long a = (unsigned long)p & ~63UL; a < (unsigned long)p + n; a += 64)
    __asm__ volatile("dc civac, %0" ::"r"(a) : "memory");
  __asm__ volatile("dsb sy" ::: "memory");
}

int bcm2835_mailbox_get(const struct bcm2835_mailbox *mb, uint32_t tag, uint32_t out[2]) {
  static volatile uint32_t buf[8] __attribute__((aligned(64)));
  buf[0] = sizeof buf;
  buf[1] = CODE_REQUEST;
  buf[2] = tag;
  buf[3] = 8; /* value buffer size */
  buf[4] = 0; /* request */
  buf[5] = 0;
  buf[6] = 0;
  buf[7] = 0; /* end tag */
  cache_clean_invalidate((const void *)buf, sizeof buf);

  long polls = 0;
  while (*reg(mb, MBOX_STATUS + 0x20) & STATUS_FULL) /* mailbox 1's status */
    if (++polls > POLL_LIMIT)
      return -1;
  uint32_t message = ((uint32_t)(uintptr_t)buf + mb->bus_offset) | CHANNEL_PROPERTY;
  *reg(mb, MBOX_WRITE) = message;
  for (;;) {
    while (*reg(mb, MBOX_STATUS) & STATUS_EMPTY)
      if (++polls > POLL_LIMIT)
        return -1;
    if (*reg(mb, MBOX_READ) == message)
      break; /* an answer for another channel is not ours: keep waiting */
  }
  cache_clean_invalidate((const void *)buf, sizeof buf);
  if (buf[1] != CODE_SUCCESS || !(buf[4] & CODE_SUCCESS))
    return -1;
  out[0] = buf[5];
  out[1] = buf[6];
  return 0;
}
