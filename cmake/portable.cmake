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

# Lock validation (kernel/lock_validate.c): spinlocks record their owner and
# misuse panics with the lock's and the task's names. Off by default, where
# it costs nothing; the host-asan and qemu-virt-rv64-lockcheck presets turn
# it on. It changes struct layouts, so it applies to everything built.
option(BRIGADE_LOCK_VALIDATE "spinlocks check their owner and report misuse" OFF)
set(BRIGADE_PORTABLE_DEFINES)
if(BRIGADE_LOCK_VALIDATE)
  list(APPEND BRIGADE_PORTABLE_SOURCES kernel/lock_validate.c)
  list(APPEND BRIGADE_PORTABLE_DEFINES BRIGADE_LOCK_VALIDATE=1)
endif()
