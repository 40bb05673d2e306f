/**
 * @file goldfish_rtc.h
 * @brief Goldfish RTC ("google,goldfish-rtc"; QEMU virt): a 64-bit
 *        nanosecond clock with one alarm that raises an interrupt line.
 *
 * The worked example of a driver that parks its callers until its
 * interrupt (docs/PORTING.md, "A driver"): goldfish_rtc_alarm_wait_until
 * parks the calling task on the driver's waitq (<brigade/waitq.h>) and
 * goldfish_rtc_interrupt, attached by the board to the device's line,
 * readies every caller whose time has come. Any number of tasks may wait at
 * once, each for its own time: the device has one alarm, so the driver
 * keeps it set for the earliest time anyone waits for.
 *
 * The driver knows the registers, not the board: the board fills in the
 * base address and attaches goldfish_rtc_interrupt to the device's line.
 */
#ifndef BRIGADE_GOLDFISH_RTC_H
#define BRIGADE_GOLDFISH_RTC_H

#include <stdint.h>

#include <brigade/spinlock.h>
#include <brigade/waitq.h>

struct goldfish_rtc {
  uintptr_t base;    /**< set by the board */
  unsigned irq_line; /**< set by the board: the line it attaches
                          goldfish_rtc_interrupt to (for irq_line_count) */
  /* Driver state; zero (with an unlocked lock) before goldfish_rtc_init. */
  spinlock_t lock;      /**< guards the registers and everything below */
  struct waitq waiters; /**< entries are the driver's own alarm waiters */
  uint64_t armed_ns;    /**< the time the alarm is set for, 0 when off */
  uint64_t interrupts;  /**< alarm interrupts handled */
};

/**
 * @brief Alarm off, interrupt cleared, then the alarm interrupt enabled at
 *        the device. Once, before the board attaches the line.
 */
void goldfish_rtc_init(struct goldfish_rtc *rtc);

/** @brief The device's clock: nanoseconds since 1970 (host time under QEMU). */
uint64_t goldfish_rtc_now_ns(struct goldfish_rtc *rtc);

/**
 * @brief Park the calling task until the device's clock reads at least
 *        @p deadline_ns, as seen by the alarm interrupt. Returns at once
 *        when that time has passed already. Task context only.
 */
void goldfish_rtc_alarm_wait_until(struct goldfish_rtc *rtc, uint64_t deadline_ns);

/** @brief Alarm interrupts handled since goldfish_rtc_init. */
uint64_t goldfish_rtc_interrupts(struct goldfish_rtc *rtc);

/**
 * @brief The interrupt handler (irq_attach's fn, @p arg the goldfish_rtc):
 *        acknowledges the device, readies every waiter whose time has come,
 *        earliest first, and sets the alarm for the next one.
 */
void goldfish_rtc_interrupt(void *arg);

/**
 * @brief The board's Goldfish RTC, set up and attached by the board in
 *        board_devices_init. Defined only by boards whose board.cmake sets
 *        BRIGADE_HAS_GOLDFISH_RTC; code that calls it is built only there.
 */
struct goldfish_rtc *board_goldfish_rtc(void);

#endif
