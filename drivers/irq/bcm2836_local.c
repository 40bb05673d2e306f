#include "bcm2836_local.h"

/* Registers (Broadcom "QA7_rev3.4", the ARM control block at 0x40000000) */
#define GPU_INT_ROUTING 0x0c
#define CORE_TIMER_INT_CTL(c) (0x40 + 4 * (c))
#define CORE_MAILBOX_INT_CTL(c) (0x50 + 4 * (c))
#define CORE_IRQ_SOURCE(c) (0x60 + 4 * (c))
#define CORE_MAILBOX_SET(c, m) (0x80 + 0x10 * (c) + 4 * (m))    /* write 1s to set */
#define CORE_MAILBOX_CLEAR(c, m) (0xc0 + 0x10 * (c) + 4 * (m))  /* read; write 1s to clear */

#define TIMER_CNTPNS_IRQ (1u << 1)

static inline volatile uint32_t *reg(const struct bcm2836_local *l, unsigned off) {
  return (volatile uint32_t *)(l->base + off);
}

void bcm2836_local_enable_timer(const struct bcm2836_local *l, unsigned core) {
  *reg(l, CORE_TIMER_INT_CTL(core)) |= TIMER_CNTPNS_IRQ;
}

void bcm2836_local_enable_mailbox(const struct bcm2836_local *l, unsigned core, unsigned mbox) {
  *reg(l, CORE_MAILBOX_INT_CTL(core)) |= 1u << mbox;
}

void bcm2836_local_route_gpu(const struct bcm2836_local *l, unsigned core) {
  *reg(l, GPU_INT_ROUTING) = core & 3; /* IRQ to core; FIQ bits stay 0 (core 0, unused) */
}

uint32_t bcm2836_local_pending(const struct bcm2836_local *l, unsigned core) {
  return *reg(l, CORE_IRQ_SOURCE(core));
}

void bcm2836_local_mailbox_send(const struct bcm2836_local *l, unsigned core, unsigned mbox,
                                uint32_t bits) {
  /* The wake-up must not overtake the stores that published the work. */
  __asm__ volatile("dsb ishst" ::: "memory");
  *reg(l, CORE_MAILBOX_SET(core, mbox)) = bits;
}

void bcm2836_local_mailbox_clear(const struct bcm2836_local *l, unsigned core, unsigned mbox) {
  *reg(l, CORE_MAILBOX_CLEAR(core, mbox)) = ~0u;
}
