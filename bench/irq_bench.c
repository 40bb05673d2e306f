/* What it costs when an interrupt brings a task back: a wake-up IPI from
 * another hart, and a UART receive interrupt. Counted in instructions by
 * the instruction_marks QEMU plugin (bench/qemu-plugin/), which reads every
 * hart's count at the marks this program executes: instret cannot, since
 * QEMU 7.2 counts instructions in it only under -icount, which runs one
 * hart and counts idle time as instructions. A hart asleep in wfi retires
 * nothing, so a count over a repetition is exactly the work of the
 * operations in it, on every hart.
 *
 *   -append "handoff=N"  (-smp 2 or more) N round trips between a task
 *                        pinned to core 0 and one pinned to core 1 over two
 *                        unbuffered channels: every send readies a task
 *                        pinned to the other core, which is asleep, so the
 *                        sender's task_ready sends an IPI and the other hart
 *                        wakes, switches to the receiver and returns.
 *   -append "idle_spin=N" with handoff: how many times an idle hart looks
 *                        for work before it sleeps (sched_set_idle_spin_polls;
 *                        0: at once, as before idle spinning).
 *   -append "uart=N"     N bytes read one at a time from the console by a
 *                        task on core 0; someone must type them slowly
 *                        enough that each byte has its own interrupt
 *                        (scripts/bench-rv64.sh feeds one every few ms).
 *
 * Each runs 1 warm-up and 5 measured repetitions between marks; the
 * program itself checks what it can (every value arrived; one interrupt
 * per byte) and prints the serial counters.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brigade/chan.h>
#include <brigade/console.h>
#include <brigade/cpu.h>
#include <brigade/machine.h>
#include <brigade/sched.h>
#include <brigade/serial.h>
#include <brigade/sync.h>
#include <brigade/task.h>

#include "instruction_mark.h"

#define WARMUP_REPS 1
#define MEASURED_REPS 5
#define REPS (WARMUP_REPS + MEASURED_REPS)

static bool failed;

static void fail(const char *why) {
  printf("irq_bench: %s\n", why);
  failed = true;
}

/* ---- cross-core hand-off --------------------------------------------------- */

struct handoff {
  struct chan *ping, *pong;
  unsigned rounds;
  struct waitgroup done;
};

static void pinger(void *arg) {
  struct handoff *h = arg;
  uint32_t v = 0;
  for (int rep = 0; rep < REPS; rep++) {
    if (rep >= WARMUP_REPS)
      BENCH_MARK(MARK_HANDOFF_START);
    uint64_t t0 = task_now_ns();
    for (unsigned i = 0; i < h->rounds; i++) {
      chan_send(h->ping, &v);
      chan_recv(h->pong, &v);
    }
    uint64_t ns = task_now_ns() - t0;
    if (rep >= WARMUP_REPS)
      BENCH_MARK(MARK_HANDOFF_END);
    /* Wall time (the guest clock follows the host's without -icount): how
     * long a round trip takes, which the instruction count does not show. */
    printf("handoff: repetition %d: %llu ns per round trip\n", rep,
           (unsigned long long)(ns / h->rounds));
  }
  if (v != (uint32_t)REPS * h->rounds)
    fail("hand-off: a value went missing");
  chan_close(h->ping);
  waitgroup_done(&h->done);
}

static void ponger(void *arg) {
  struct handoff *h = arg;
  uint32_t v;
  while (chan_recv(h->ping, &v)) {
    v++;
    chan_send(h->pong, &v);
  }
  waitgroup_done(&h->done);
}

static void handoff(unsigned rounds) {
  if (cpu_count() < 2) {
    fail("handoff needs two harts (-smp 2)");
    return;
  }
  struct handoff h = {.ping = chan_make(sizeof(uint32_t), 0, "ping"),
                      .pong = chan_make(sizeof(uint32_t), 0, "pong"),
                      .rounds = rounds,
                      .done = WAITGROUP_INIT};
  if (!h.ping || !h.pong) {
    fail("no memory for two channels");
    return;
  }
  const char *spin = bootarg("idle_spin");
  if (spin) {
    char *end;
    unsigned long polls = strtoul(spin, &end, 10);
    if (end == spin || *end || polls > UINT32_MAX) {
      fail("idle_spin must be a number of polls, 0 to 4294967295");
      return;
    }
    sched_set_idle_spin_polls((uint32_t)polls);
  }
  struct task_attr on0 = {.name = "pinger", .pin = 0}, on1 = {.name = "ponger", .pin = 1};
  waitgroup_add(&h.done, 2);
  if (task_spawn(NULL, ponger, &h, &on1) || task_spawn(NULL, pinger, &h, &on0)) {
    fail("no memory for two tasks");
    return;
  }
  waitgroup_wait(&h.done);
  printf("handoff: %u round trips per repetition, %d measured after %d warm-up\n", rounds,
         MEASURED_REPS, WARMUP_REPS);
}

/* ---- UART receive interrupt -> task ------------------------------------------ */

static void uart(unsigned bytes) {
  struct serial_port *port = console_port();
  if (!port) {
    fail("no console port");
    return;
  }
  struct serial_stats before, after;
  printf("uart: reading %u bytes, %d times\n", bytes, REPS); /* the typist's cue */
  /* What was printed must be out of the transmit ring first, or its
   * transmit interrupts would be counted with the bytes. */
  serial_flush_polled(port, false);
  serial_get_stats(port, &before);
  for (int rep = 0; rep < REPS; rep++) {
    if (rep >= WARMUP_REPS)
      BENCH_MARK(MARK_UART_START);
    for (unsigned i = 0; i < bytes; i++) {
      uint8_t byte;
      if (serial_read(port, &byte, 1) != 1) {
        fail("serial_read returned no byte");
        return;
      }
    }
    if (rep >= WARMUP_REPS)
      BENCH_MARK(MARK_UART_END);
  }
  serial_get_stats(port, &after);
  unsigned long long got = after.rx_bytes - before.rx_bytes,
                     irqs = after.interrupts - before.interrupts,
                     wakes = after.reader_wakes - before.reader_wakes;
  printf("uart: %u bytes per repetition; %llu bytes, %llu interrupts, %llu reader wake-ups\n",
         bytes, got, irqs, wakes);
  if (got != (unsigned long long)REPS * bytes || irqs != got || wakes != got)
    fail("uart: not one byte, one interrupt and one wake-up each (type more slowly)");
}

static void run(void *wg) {
  const char *arg;
  if ((arg = bootarg("handoff")))
    handoff((unsigned)strtoul(arg, NULL, 10));
  else if ((arg = bootarg("uart")))
    uart((unsigned)strtoul(arg, NULL, 10));
  else
    fail("say what to run: -append \"handoff=N\" or \"uart=N\"");
  waitgroup_done(wg);
}

int main(void) {
  struct waitgroup done = WAITGROUP_INIT;
  struct task_attr attr = {.name = "irq_bench", .pin = 0};
  waitgroup_add(&done, 1);
  const char *n = bootarg("handoff") ? bootarg("handoff") : bootarg("uart");
  if (n && (strtoul(n, NULL, 10) == 0 || strtoul(n, NULL, 10) > 1000000ul)) {
    printf("irq_bench: the count must be 1..1000000\n0 passed, 1 failed\n");
    return 1;
  }
  if (task_spawn(NULL, run, &done, &attr) != 0) {
    printf("irq_bench: no memory for the driver task\n0 passed, 1 failed\n");
    return 1;
  }
  waitgroup_wait(&done);
  printf(failed ? "0 passed, 1 failed\n" : "1 passed, 0 failed\n");
  return failed;
}
