/* Instructions from a UART receive interrupt to the task that was parked
 * reading the UART running again, on one hart under QEMU -icount shift=0
 * (run by the bench-uart-wake target, which types one byte at a time with
 * pauses so that the reader is parked each time).
 *
 * Start: the arch trap handler's C entry records instret for device
 * interrupts (arch_last_device_irq_instret); the assembly before it saves the
 * trap frame in straight-line code, counted separately (docs/BENCHMARKS.md).
 * End: the reader's serial_read has returned. In between: PLIC claim,
 * dispatch, the 16550 handler, the serial core's ring fill and task_ready,
 * the trap exit, the idle loop finding the task and the switch to it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <brigade/arch.h>
#include <brigade/console.h>
#include <brigade/serial.h>

#define SAMPLES 9

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

int main(void) {
  struct serial_port *port = console_port();
  if (!port || arch_instructions_retired() == 0) {
    printf("uart_wake_bench: needs a board with a serial port and an instruction counter\n");
    return 1;
  }
  printf("uart_wake_bench: send %d bytes, one at a time\n", SAMPLES + 1);
  fflush(stdout);
  uint64_t d[SAMPLES];
  uint8_t c;
  serial_read(port, &c, 1); /* warm-up: the first wake pays cold caches and TLB */
  for (int i = 0; i < SAMPLES; i++) {
    serial_read(port, &c, 1);
    d[i] = arch_instructions_retired() - arch_last_device_irq_instret();
  }
  qsort(d, SAMPLES, sizeof d[0], cmp_u64);
  printf("| UART RX interrupt (trap C entry) -> parked reader running | %" PRIu64 " | %" PRIu64
         " | %" PRIu64 " |\n",
         d[SAMPLES / 2], d[0], d[SAMPLES - 1]);
  printf("1 passed, 0 failed\n");
  return 0;
}
