# The portable runtime every board builds, layer by layer: kernel/ parts that
# know no device or libc, the scheduler, and the serial core and console that
# park tasks on it.
set(BRIGADE_PORTABLE_SOURCES
  kernel/bootargs.c
  kernel/cpu.c
  kernel/irq.c
  kernel/kprintf.c
  kernel/panic.c
  kernel/stack_slot_free.c
  kernel/stack_slot_report.c
  kernel/trace.c
  kernel/trace_dump.c
  kernel/trace_dump_host.c
  io/console.c
  io/serial.c)
# The scheduler is its own object library (brigade_sched), built twice: as
# shipped, and with the test hooks of sched/test_hooks.h compiled in
# (brigade_sched_test_hooks) for the test images that widen race windows.
set(BRIGADE_SCHED_SOURCES
  sched/accounting.c
  sched/deadlock.c
  sched/global_queue.c
  sched/schedule.c
  sched/stop.c
  sched/task.c
  sched/timer.c
  sched/trace_events.c
  sched/waitgroup.c
  sched/mutex.c
  sched/semaphore.c
  sched/once.c
  sched/cond.c
  sched/chan.c
  sched/chan_select.c
  sched/smp_call.c
  sched/waitq.c)
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

# brigade_sched_libraries(): the two builds of the scheduler, compiled with
# the runtime's include paths and flags. Call after brigade_runtime exists.
# An image links brigade_runtime and one of them (brigade_image picks
# ${BRIGADE_SCHED_LIBRARY}, brigade_sched unless a caller sets it); the SDK's
# library holds brigade_runtime and brigade_sched.
function(brigade_sched_libraries)
  add_library(brigade_sched OBJECT ${BRIGADE_SCHED_SOURCES})
  target_link_libraries(brigade_sched PRIVATE brigade_runtime)
  add_library(brigade_sched_test_hooks OBJECT ${BRIGADE_SCHED_SOURCES})
  target_link_libraries(brigade_sched_test_hooks PRIVATE brigade_runtime)
  target_compile_definitions(brigade_sched_test_hooks PRIVATE BRIGADE_SCHED_TEST_HOOKS)
  foreach(sched brigade_sched brigade_sched_test_hooks)
    target_compile_options(${sched} PRIVATE
      $<$<COMPILE_LANGUAGE:C>:${BRIGADE_RUNTIME_ONLY_C_FLAGS_${BRIGADE_ARCH}}>)
  endforeach()
endfunction()
