/* The cost of a UART read that has to wait, in instructions retired on the
 * reader's core: the reader parks ("uart read"), the core finds nothing and
 * sleeps in wfi, a byte arrives, the UART interrupt moves it into the ring
 * and readies the reader, and the core switches back to it. The wait itself
 * costs no instructions (the core sleeps), so the figure is the whole
 * software path of "interrupt to waiting task", plus the park before it.
 *
 * One core, time slices off (no timer interrupt while it waits). The host
 * side (bench/uart_read_bench.py) sends one byte each time the image prints
 * "ready N", so the reader has parked long before the byte arrives; a read
 * that did not park (the serial core's reader_wakes did not move) is not
 * counted and the run says how many there were. Run under QEMU -icount
 * shift=0 so the counter counts instructions.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <brigade/arch.h>
#include <brigade/console.h>
#include <brigade/sched.h>
#include <brigade/serial.h>

#define WARMUP 3
#define READS 41

static int compare(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

int main(void) {
  struct serial_port *port = console_port();
  if (!port || !port->interrupts) {
    printf("uart_read_bench: the console is not an interrupt-driven serial port here\n");
    return 1;
  }
  sched_set_time_slice_ns(0);
  static uint64_t cost[READS];
  unsigned counted = 0, not_parked = 0;
  for (unsigned i = 0; i < WARMUP + READS; i++) {
    struct serial_stats before, after;
    printf("ready %u\n", i);
    fflush(stdout);
    serial_get_stats(port, &before);
    char c;
    uint64_t t0 = arch_instructions_retired();
    console_read(&c, 1);
    uint64_t t1 = arch_instructions_retired();
    serial_get_stats(port, &after);
    if (after.reader_wakes - before.reader_wakes != 1)
      not_parked++;
    else if (i >= WARMUP)
      cost[counted++] = t1 - t0;
  }
  if (counted == 0) {
    printf("uart_read_bench: no read parked (send one byte per \"ready\" line)\n");
    return 1;
  }
  qsort(cost, counted, sizeof cost[0], compare);
  if (cost[0] == cost[counted - 1] && cost[0] == 0) {
    printf("uart_read_bench: the instruction counter does not advance (run with -icount shift=0)\n");
    return 1;
  }
  printf("| UART read that waits: park, idle, interrupt, wake (per read) | %u | %llu | %llu | %llu |\n",
         counted, (unsigned long long)cost[counted / 2], (unsigned long long)cost[0],
         (unsigned long long)cost[counted - 1]);
  printf("reads that did not park (not counted): %u\n", not_parked);
  printf("1 passed, 0 failed\n");
  return 0;
}
