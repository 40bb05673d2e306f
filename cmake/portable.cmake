# The portable runtime every board builds: kernel/ parts that know no
# device or libc, and the scheduler.
set(BRIGADE_PORTABLE_SOURCES
  kernel/console.c
  kernel/cpu.c
  kernel/irq.c
  kernel/kprintf.c
  kernel/panic.c
  kernel/serial.c
  sched/deadlock.c
  sched/global_queue.c
  sched/schedule.c
  sched/task.c
  sched/timer.c
  sched/waitgroup.c
  sched/mutex.c
  sched/semaphore.c
  sched/once.c
  sched/cond.c
  sched/chan.c
  sched/chan_select.c)
set(BRIGADE_PORTABLE_INCLUDES
  ${CMAKE_SOURCE_DIR}
  ${CMAKE_SOURCE_DIR}/kernel/include
  ${CMAKE_SOURCE_DIR}/sched/include)
