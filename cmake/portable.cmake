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
  io/console.c
  io/serial.c)
set(BRIGADE_PORTABLE_INCLUDES
  ${CMAKE_SOURCE_DIR}
  ${CMAKE_SOURCE_DIR}/kernel/include
  ${CMAKE_SOURCE_DIR}/sched/include
  ${CMAKE_SOURCE_DIR}/io/include
  ${CMAKE_SOURCE_DIR}/libc/include)

# Lock validation (kernel/lock_validate.c): spinlocks record their owner and
# misuse panics with the lock's and the task's names. Off by default, where
# it costs nothing; the host-asan and qemu-sifive-u presets turn
# it on. It changes struct layouts, so it applies to everything built.
option(BRIGADE_LOCK_VALIDATE "spinlocks check their owner and report misuse" OFF)
set(BRIGADE_PORTABLE_DEFINES)
if(BRIGADE_LOCK_VALIDATE)
  list(APPEND BRIGADE_PORTABLE_SOURCES kernel/lock_validate.c)
  list(APPEND BRIGADE_PORTABLE_DEFINES BRIGADE_LOCK_VALIDATE=1)
endif()
