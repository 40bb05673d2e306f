# The portable runtime every board builds: kernel/ parts that know no
# device or libc, and the scheduler.
set(BRIGADE_PORTABLE_SOURCES
  kernel/console.c
  kernel/cpu.c
  kernel/irq.c
  kernel/kprintf.c
  kernel/panic.c
  kernel/serial.c)
# The scheduler is its own object library (brigade_sched), built twice: as
# shipped, and with the test hooks of sched/test_hooks.h compiled in
# (brigade_sched_test_hooks) for the test images that widen race windows.
set(BRIGADE_SCHED_SOURCES
  sched/deadlock.c
  sched/global_queue.c
  sched/schedule.c
  sched/stop.c
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

# brigade_sched_libraries(): the two builds of the scheduler, compiled with
# the runtime's include paths and flags. Call after brigade_runtime exists.
# An image links brigade_runtime and one of them (brigade_image picks
# ${BRIGADE_SCHED_LIBRARY}, brigade_sched unless a caller sets it).
function(brigade_sched_libraries)
  add_library(brigade_sched OBJECT ${BRIGADE_SCHED_SOURCES})
  target_link_libraries(brigade_sched PRIVATE brigade_runtime)
  add_library(brigade_sched_test_hooks OBJECT ${BRIGADE_SCHED_SOURCES})
  target_link_libraries(brigade_sched_test_hooks PRIVATE brigade_runtime)
  target_compile_definitions(brigade_sched_test_hooks PRIVATE BRIGADE_SCHED_TEST_HOOKS)
endfunction()
