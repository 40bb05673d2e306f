#include "bcm2835_armctrl.h"

#include <brigade/irq.h>
#include <brigade/panic.h>

/* Registers (BCM2835 ARM Peripherals, 7.5), from the block's base */
#define PENDING(bank) (0x04 + 4 * (bank)) /* GPU 0-31, 32-63: enabled and pending */
#define ENABLE(bank) (0x10 + 4 * (bank))  /* write 1s to enable */
#define DISABLE(bank) (0x1c + 4 * (bank)) /* write 1s to disable */
#define DISABLE_BASIC 0x24

static inline volatile uint32_t *reg(const struct bcm2835_armctrl *a, unsigned off) {
  return (volatile uint32_t *)(a->base + off);
}

void bcm2835_armctrl_init(const struct bcm2835_armctrl *a) {
  *reg(a, DISABLE(0)) = ~0u;
  *reg(a, DISABLE(1)) = ~0u;
  *reg(a, DISABLE_BASIC) = ~0u;
}

void bcm2835_armctrl_enable(const struct bcm2835_armctrl *a, unsigned line) {
  if (line >= BCM2835_GPU_IRQS)
    panic("bcm2835_armctrl: GPU interrupt %u does not exist (0-%d)", line, BCM2835_GPU_IRQS - 1);
  *reg(a, ENABLE(line / 32)) = 1u << (line % 32);
}

void bcm2835_armctrl_handle(const struct bcm2835_armctrl *a) {
  /* The lines are level-sensitive: a handler that dealt with its device
   * lowers its line, so one pass over what is pending now is enough. */
  for (unsigned bank = 0; bank < 2; bank++) {
    uint32_t pending = *reg(a, PENDING(bank));
    while (pending) {
      unsigned bit = (unsigned)__builtin_ctz(pending);
      pending &= pending - 1;
      irq_dispatch(32 * bank + bit);
    }
  }
}
