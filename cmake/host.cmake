# Build rules for the host board: the portable runtime as a Linux program.
# BRIGADE_SANITIZE: "" (none), "thread", or "address" (ASan + UBSan).
set(BRIGADE_SANITIZE "" CACHE STRING "host sanitizer: '', thread or address")

set(BRIGADE_WARNINGS -Wall -Wextra -Werror -Wno-unused-parameter)
set(BRIGADE_C_FLAGS -O2 -g -std=gnu11 -fno-omit-frame-pointer)
set(BRIGADE_SAN_FLAGS)
if(BRIGADE_SANITIZE STREQUAL "thread")
  set(BRIGADE_SAN_FLAGS -fsanitize=thread)
elseif(BRIGADE_SANITIZE STREQUAL "address")
  set(BRIGADE_SAN_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all)
elseif(NOT BRIGADE_SANITIZE STREQUAL "")
  message(FATAL_ERROR "BRIGADE_SANITIZE must be '', thread or address, not '${BRIGADE_SANITIZE}'")
endif()

add_library(brigade_runtime OBJECT
  kernel/arch/x86_64/switch.S
  kernel/arch/x86_64/host_arch.c
  kernel/console.c
  kernel/cpu.c
  kernel/irq.c
  kernel/kprintf.c
  kernel/panic.c
  sched/global_queue.c
  sched/schedule.c
  sched/task.c
  sched/timer.c
  sched/waitgroup.c
  board/host/host.c)
target_include_directories(brigade_runtime PUBLIC
  ${CMAKE_SOURCE_DIR}
  ${CMAKE_SOURCE_DIR}/kernel/include
  ${CMAKE_SOURCE_DIR}/sched/include
  ${CMAKE_SOURCE_DIR}/kernel/arch/x86_64/include)
target_compile_options(brigade_runtime PUBLIC
  $<$<COMPILE_LANGUAGE:C>:${BRIGADE_C_FLAGS} ${BRIGADE_WARNINGS} ${BRIGADE_SAN_FLAGS}>)
target_link_options(brigade_runtime PUBLIC ${BRIGADE_SAN_FLAGS})
find_package(Threads REQUIRED)
target_link_libraries(brigade_runtime PUBLIC Threads::Threads)

# brigade_image(<name> <sources...>): a program whose main() runs as the first task.
function(brigade_image name)
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE brigade_runtime)
  target_compile_definitions(${name} PRIVATE ${BRIGADE_APP_DEFINES})
endfunction()

# The board's own main() (board/host/host.c) starts the cores; a program's
# main() becomes the first task, as on bare metal.
set(BRIGADE_APP_DEFINES main=brigade_app_main)

set(BRIGADE_RUN_IMAGE ${CMAKE_SOURCE_DIR}/tests/harness/run-image.sh)

# brigade_image_test(<image> [SMP n...] [EXPECT ...] [TIMEOUT s] [NAME n] [OUTPUT re])
function(brigade_image_test image)
  cmake_parse_arguments(ARG "" "EXPECT;TIMEOUT;NAME;OUTPUT" "SMP" ${ARGN})
  if(NOT ARG_SMP)
    set(ARG_SMP ${BRIGADE_TEST_SMP})
  endif()
  if(NOT ARG_EXPECT)
    set(ARG_EXPECT pass)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  if(NOT ARG_NAME)
    set(ARG_NAME ${image})
  endif()
  set(label host)
  if(BRIGADE_SANITIZE)
    set(label host-${BRIGADE_SANITIZE})
  endif()
  foreach(n IN LISTS ARG_SMP)
    set(test ${label}.${ARG_NAME}.cores${n})
    set(output_check)
    if(ARG_OUTPUT)
      set(output_check --expect-output ${ARG_OUTPUT})
    endif()
    add_test(NAME ${test}
      COMMAND ${BRIGADE_RUN_IMAGE} --expect ${ARG_EXPECT} --timeout ${ARG_TIMEOUT} ${output_check}
              -- env BRIGADE_CORES=${n} $<TARGET_FILE:${image}>)
    math(EXPR backstop "${ARG_TIMEOUT} + 30")
    set_tests_properties(${test} PROPERTIES TIMEOUT ${backstop} LABELS "${label}")
  endforeach()
endfunction()
