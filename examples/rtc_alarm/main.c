/* Tasks that sleep on a device interrupt rather than the scheduler's timer:
 * each waits for the Goldfish RTC's alarm (drivers/rtc/goldfish_rtc.c) at
 * its own time, parked until the alarm interrupt readies it. */
#include <stdint.h>
#include <stdio.h>

#include <brigade/sync.h>
#include <brigade/task.h>

#include "drivers/rtc/goldfish_rtc.h"

#define MS (1000ull * 1000)
#define SLEEPERS 3u

struct sleeper {
  unsigned index;
  uint64_t alarm_ns;
  struct waitgroup *done;
};

static uint64_t start_ns;

static void sleep_until_alarm(void *arg) {
  struct sleeper *s = arg;
  struct goldfish_rtc *rtc = board_goldfish_rtc();
  goldfish_rtc_alarm_wait_until(rtc, s->alarm_ns);
  uint64_t now = goldfish_rtc_now_ns(rtc);
  printf("sleeper %u: alarm at +%llu ms, woke at +%llu ms\n", s->index,
         (unsigned long long)((s->alarm_ns - start_ns) / MS),
         (unsigned long long)((now - start_ns) / MS));
  waitgroup_done(s->done);
}

int main(void) {
  struct goldfish_rtc *rtc = board_goldfish_rtc();
  static struct waitgroup done = WAITGROUP_INIT;
  static struct sleeper sleepers[SLEEPERS];
  start_ns = goldfish_rtc_now_ns(rtc);
  uint64_t before = goldfish_rtc_interrupts(rtc);
  waitgroup_add(&done, SLEEPERS);
  /* The latest first: the driver keeps the one alarm set for the earliest. */
  for (unsigned i = SLEEPERS; i-- > 0;) {
    sleepers[i] = (struct sleeper){i, start_ns + (i + 1) * 250 * MS, &done};
    struct task_attr attr = {.name = "rtc sleeper", .pin = TASK_ANY_CORE};
    if (task_spawn(NULL, sleep_until_alarm, &sleepers[i], &attr) != 0) {
      printf("could not spawn sleeper %u\n", i);
      return 1;
    }
  }
  waitgroup_wait(&done);
  printf("%u sleepers woke, %llu alarm interrupts\n", SLEEPERS,
         (unsigned long long)(goldfish_rtc_interrupts(rtc) - before));
  return 0;
}
