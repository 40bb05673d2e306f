# Build rules shared by every bare-metal board: the runtime object library,
# images, and tests that run images under QEMU.
include(cmake/newlib.cmake)

set(BRIGADE_WARNINGS -Wall -Wextra -Werror -Wno-unused-parameter)
set(BRIGADE_C_FLAGS ${BRIGADE_ARCH_FLAGS} -O2 -g -std=gnu11 -ffunction-sections -fdata-sections
    -fno-common -D__DYNAMIC_REENT__)

set(BRIGADE_RUNTIME_SOURCES
  boot/${BRIGADE_ARCH}/start.S
  kernel/arch/${BRIGADE_ARCH}/trap_entry.S
  kernel/arch/${BRIGADE_ARCH}/switch.S
  kernel/arch/${BRIGADE_ARCH}/trap.c
  kernel/arch/${BRIGADE_ARCH}/arch.c
  kernel/arch/${BRIGADE_ARCH}/sbi.c
  kernel/boot.c
  kernel/console.c
  kernel/cpu.c
  kernel/devicetree.c
  kernel/fdt.c
  kernel/heap.c
  kernel/irq.c
  kernel/kprintf.c
  kernel/newlib_locks.c
  kernel/newlib_reent.c
  kernel/newlib_syscalls.c
  kernel/panic.c
  sched/global_queue.c
  sched/schedule.c
  sched/task.c
  sched/timer.c
  sched/waitgroup.c
  ${BRIGADE_BOARD_SOURCES})

add_library(brigade_runtime OBJECT ${BRIGADE_RUNTIME_SOURCES})
target_include_directories(brigade_runtime PUBLIC
  ${CMAKE_SOURCE_DIR}
  ${CMAKE_SOURCE_DIR}/kernel/include
  ${CMAKE_SOURCE_DIR}/sched/include
  ${CMAKE_SOURCE_DIR}/kernel/arch/${BRIGADE_ARCH}/include)
target_include_directories(brigade_runtime SYSTEM PUBLIC ${BRIGADE_NEWLIB_PREFIX}/include)
target_compile_options(brigade_runtime PUBLIC
  $<$<COMPILE_LANGUAGE:C>:${BRIGADE_C_FLAGS} ${BRIGADE_WARNINGS}>
  $<$<COMPILE_LANGUAGE:ASM>:${BRIGADE_ARCH_FLAGS}>)
target_link_options(brigade_runtime PUBLIC
  ${BRIGADE_ARCH_FLAGS} -nostdlib -nostartfiles -static
  -T ${BRIGADE_LINKER_SCRIPT} -Wl,--defsym=BRIGADE_LOAD_ADDR=${BRIGADE_LOAD_ADDR}
  -Wl,--gc-sections -Wl,--build-id=none)
target_link_libraries(brigade_runtime PUBLIC
  -Wl,--start-group ${BRIGADE_NEWLIB_PREFIX}/lib/libc.a ${BRIGADE_NEWLIB_PREFIX}/lib/libm.a
  -lgcc -Wl,--end-group)

# brigade_image(<name> <sources...>): an ELF that boots on the board.
function(brigade_image name)
  add_executable(${name} ${ARGN})
  set_target_properties(${name} PROPERTIES SUFFIX ".elf" LINK_DEPENDS ${BRIGADE_LINKER_SCRIPT})
  target_link_libraries(${name} PRIVATE brigade_runtime)
  target_link_options(${name} PRIVATE -Wl,-Map=$<TARGET_FILE_DIR:${name}>/${name}.map)
endfunction()

if(NOT BRIGADE_QEMU)
  message(WARNING "QEMU for ${BRIGADE_BOARD} not found: install the Debian package "
                  "${BRIGADE_QEMU_PACKAGE}; tests cannot run until then")
  set(BRIGADE_QEMU qemu-not-found)
endif()

set(BRIGADE_RUN_IMAGE ${CMAKE_SOURCE_DIR}/tests/harness/run-image.sh)

# brigade_image_test(<image> [SMP n...] [EXPECT pass|fail|panic|hang]
#                   [TIMEOUT seconds] [NAME prefix] [OUTPUT regex]
#                   [QEMU_ARGS extra QEMU arguments...])
# Runs <image> under QEMU once per -smp count. The harness passes a test only
# on QEMU exit status 0 *and* a final "N passed, 0 failed" line (N > 0);
# EXPECT other than pass inverts that for the harness's own self-test.
function(brigade_image_test image)
  cmake_parse_arguments(ARG "" "EXPECT;TIMEOUT;NAME;OUTPUT" "SMP;QEMU_ARGS" ${ARGN})
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
  foreach(n IN LISTS ARG_SMP)
    set(test ${BRIGADE_BOARD}.${ARG_NAME}.smp${n})
    set(output_check)
    if(ARG_OUTPUT)
      set(output_check --expect-output ${ARG_OUTPUT})
    endif()
    add_test(NAME ${test}
      COMMAND ${BRIGADE_RUN_IMAGE} --expect ${ARG_EXPECT} --timeout ${ARG_TIMEOUT} ${output_check}
              -- ${BRIGADE_QEMU} ${BRIGADE_QEMU_ARGS} ${ARG_QEMU_ARGS} -smp ${n}
                 -kernel $<TARGET_FILE:${image}>)
    # ctest's own timeout is a backstop above the harness's.
    math(EXPR backstop "${ARG_TIMEOUT} + 30")
    set_tests_properties(${test} PROPERTIES TIMEOUT ${backstop} LABELS "${BRIGADE_BOARD}")
  endforeach()
endfunction()
