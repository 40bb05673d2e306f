# The portable runtime every board builds, layer by layer: kernel/ parts that
# know no device or libc, the scheduler, and the serial core and console that
# park tasks on it.
set(BRIGADE_PORTABLE_SOURCES
  kernel/cpu.c
  kernel/irq.c
  kernel/kprintf.c
  kernel/panic.c
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
  sched/chan_select.c
  sched/smp_call.c
  sched/waitq.c
  io/console.c
  io/serial.c)
set(BRIGADE_PORTABLE_INCLUDES
  ${CMAKE_SOURCE_DIR}
  ${CMAKE_SOURCE_DIR}/kernel/include
  ${CMAKE_SOURCE_DIR}/sched/include
  ${CMAKE_SOURCE_DIR}/io/include
  ${CMAKE_SOURCE_DIR}/libc/include)
