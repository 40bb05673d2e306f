#include "goldfish_rtc.h"

#include <stdbool.h>

/* Registers (32 bits each). Reading TIME_LOW latches the high half of the
 * same instant for the next TIME_HIGH read. Writing ALARM_LOW sets the alarm
 * to (ALARM_HIGH << 32) | value and starts it; an alarm at or before the
 * current time fires at once. The line is raised while an alarm has fired,
 * IRQ_ENABLED is 1 and CLEAR_INTERRUPT has not been written since. */
enum {
  RTC_TIME_LOW = 0x00,
  RTC_TIME_HIGH = 0x04,
  RTC_ALARM_LOW = 0x08,
  RTC_ALARM_HIGH = 0x0c,
  RTC_IRQ_ENABLED = 0x10,
  RTC_CLEAR_ALARM = 0x14,
  RTC_ALARM_STATUS = 0x18,
  RTC_CLEAR_INTERRUPT = 0x1c,
};

/* One task's wait, on its stack for as long as it waits. */
struct alarm_waiter {
  struct waitq_entry entry; /* first: an entry is its waiter */
  uint64_t deadline_ns;
  bool due; /* set by the interrupt handler before it readies the task */
};

/* Registers are touched only with rtc->lock held (goldfish_rtc_init runs
 * before anyone else can). Plain volatile accesses, as in the other drivers:
 * QEMU performs a hart's device accesses in program order and the lock's
 * acquire and release keep them inside the critical section there. Hardware
 * whose I/O is ordered apart from memory (RISC-V's fence i/o sets) would
 * need I/O fences at the lock's edges; QEMU virt is this device's only
 * home. */
static uint32_t rtc_read(const struct goldfish_rtc *rtc, unsigned reg) {
  return *(volatile uint32_t *)(rtc->base + reg);
}

static void rtc_write(const struct goldfish_rtc *rtc, unsigned reg, uint32_t v) {
  *(volatile uint32_t *)(rtc->base + reg) = v;
}

/* With rtc->lock held: the TIME_LOW/TIME_HIGH pair is one latch shared by
 * every core, so two cores reading at once could pair one's low half with
 * the other's high half. */
static uint64_t rtc_time_locked(const struct goldfish_rtc *rtc) {
  uint32_t low = rtc_read(rtc, RTC_TIME_LOW);
  uint32_t high = rtc_read(rtc, RTC_TIME_HIGH);
  return (uint64_t)high << 32 | low;
}

/* With rtc->lock held: set the alarm for @p ns (high half first: the low
 * write starts it). */
static void rtc_arm_locked(struct goldfish_rtc *rtc, uint64_t ns) {
  rtc_write(rtc, RTC_ALARM_HIGH, (uint32_t)(ns >> 32));
  rtc_write(rtc, RTC_ALARM_LOW, (uint32_t)ns);
  rtc->armed_ns = ns;
}

void goldfish_rtc_init(struct goldfish_rtc *rtc) {
  spin_init(&rtc->lock, "goldfish rtc");
  rtc->waiters = (struct waitq)WAITQ_INIT;
  rtc->armed_ns = 0;
  rtc->interrupts = 0;
  rtc_write(rtc, RTC_CLEAR_ALARM, 1);
  rtc_write(rtc, RTC_CLEAR_INTERRUPT, 1);
  rtc_write(rtc, RTC_IRQ_ENABLED, 1);
}

uint64_t goldfish_rtc_now_ns(struct goldfish_rtc *rtc) {
  unsigned long irq = spin_lock_irqsave(&rtc->lock);
  uint64_t now = rtc_time_locked(rtc);
  spin_unlock_irqrestore(&rtc->lock, irq);
  return now;
}

uint64_t goldfish_rtc_interrupts(struct goldfish_rtc *rtc) {
  unsigned long irq = spin_lock_irqsave(&rtc->lock);
  uint64_t n = rtc->interrupts;
  spin_unlock_irqrestore(&rtc->lock, irq);
  return n;
}

void goldfish_rtc_alarm_wait_until(struct goldfish_rtc *rtc, uint64_t deadline_ns) {
  unsigned long irq = spin_lock_irqsave(&rtc->lock);
  if (rtc_time_locked(rtc) >= deadline_ns) {
    spin_unlock_irqrestore(&rtc->lock, irq);
    return;
  }
  struct alarm_waiter me = {.deadline_ns = deadline_ns, .due = false};
  /* An alarm set for a time already past fires at once, so setting it here,
   * under the lock the handler takes, cannot miss the deadline. */
  if (rtc->armed_ns == 0 || deadline_ns < rtc->armed_ns)
    rtc_arm_locked(rtc, deadline_ns);
  /* Only the handler readies a waiter, and only once it is due; the loop
   * states the rule rather than relying on it. */
  while (!me.due) {
    waitq_park_irq(&rtc->waiters, &me.entry, "rtc alarm", &rtc->lock);
    spin_lock_raw(&rtc->lock); /* interrupts are still masked from the save above */
  }
  spin_unlock_irqrestore(&rtc->lock, irq);
}

/* Queue @p w on @p due keeping it sorted by deadline (a handful of waiters:
 * a walk is cheaper than anything cleverer). */
static void insert_by_deadline(struct waitq *due, struct alarm_waiter *w) {
  struct waitq_entry **link = &due->head;
  while (*link && ((struct alarm_waiter *)*link)->deadline_ns <= w->deadline_ns)
    link = &(*link)->next;
  w->entry.next = *link;
  *link = &w->entry;
  if (!w->entry.next)
    due->tail = &w->entry;
}

void goldfish_rtc_interrupt(void *arg) {
  struct goldfish_rtc *rtc = arg;
  spin_lock_raw(&rtc->lock); /* handlers run with interrupts masked */
  /* Acknowledge first: an alarm set below for a time already past raises
   * the line again and is handled by the next claim, not lost. */
  rtc_write(rtc, RTC_CLEAR_INTERRUPT, 1);
  rtc->interrupts++;
  rtc->armed_ns = 0;
  uint64_t now = rtc_time_locked(rtc);
  struct waitq all = waitq_take_all(&rtc->waiters);
  struct waitq due = WAITQ_INIT;
  uint64_t next = 0;
  for (struct waitq_entry *e = all.head; e;) {
    struct waitq_entry *following = e->next; /* pushing rewrites e->next */
    struct alarm_waiter *w = (struct alarm_waiter *)e;
    if (w->deadline_ns <= now) {
      w->due = true;
      insert_by_deadline(&due, w);
    } else {
      waitq_push_back(&rtc->waiters, e);
      if (next == 0 || w->deadline_ns < next)
        next = w->deadline_ns;
    }
    e = following;
  }
  if (next)
    rtc_arm_locked(rtc, next);
  spin_unlock_raw(&rtc->lock);
  /* Readied after the lock is dropped so they do not spin on it; the
   * entries stay valid until their tasks run, which readying starts. */
  waitq_ready_all(&due);
}
