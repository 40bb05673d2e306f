# Build rules for the host board: the portable runtime as a Linux program.
# BRIGADE_SANITIZE: "" (none), "thread", or "address" (ASan + UBSan).
set(BRIGADE_SANITIZE "" CACHE STRING "host sanitizer: '', thread or address")

set(BRIGADE_WARNINGS -Wall -Wextra -Werror -Wno-unused-parameter)
# -fstack-clash-protection: every frame and alloca is probed at most a page
# apart, so none steps over a task stack's guard (STACK_SLOT_GUARD) without
# touching it (cmake/brigade.cmake says the same for the bare-metal arches).
set(BRIGADE_C_FLAGS -O2 -g -std=gnu11 -fno-omit-frame-pointer -fstack-clash-protection)
set(BRIGADE_SAN_FLAGS)
if(BRIGADE_SANITIZE STREQUAL "thread")
  set(BRIGADE_SAN_FLAGS -fsanitize=thread)
elseif(BRIGADE_SANITIZE STREQUAL "address")
  set(BRIGADE_SAN_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all)
elseif(NOT BRIGADE_SANITIZE STREQUAL "")
  message(FATAL_ERROR "BRIGADE_SANITIZE must be '', thread or address, not '${BRIGADE_SANITIZE}'")
endif()

include(cmake/portable.cmake)
add_library(brigade_runtime OBJECT
  kernel/arch/x86_64/switch.S
  kernel/arch/x86_64/host_arch.c
  kernel/arch/x86_64/host_files.c
  kernel/arch/x86_64/host_stack_slot.c
  ${BRIGADE_PORTABLE_SOURCES}
  libc/glibc.c
  boot/boot.c
  board/host/host.c)
# boot.c makes the program's main() the first task; here that main is
# renamed (BRIGADE_APP_DEFINES below), since the process's own main() is the
# board's, which enters kernel_boot.
set_source_files_properties(boot/boot.c PROPERTIES COMPILE_DEFINITIONS main=brigade_app_main)
target_include_directories(brigade_runtime PUBLIC
  ${BRIGADE_PORTABLE_INCLUDES}
  ${CMAKE_SOURCE_DIR}/kernel/arch/x86_64/include)
target_compile_definitions(brigade_runtime PUBLIC ${BRIGADE_PORTABLE_DEFINES})
target_compile_options(brigade_runtime PUBLIC
  $<$<COMPILE_LANGUAGE:C>:${BRIGADE_C_FLAGS} ${BRIGADE_WARNINGS} ${BRIGADE_SAN_FLAGS}>)
# Bind every library call at load time (BIND_NOW). Lazily bound, the first
# call through each PLT slot runs the dynamic linker's resolver on whatever
# stack is current, and on x86-64 that resolver saves the whole vector
# register file (about 3 KiB with AVX-512) there: from a task's 2 KiB stack
# it overran into the neighbouring task's saved context.
target_link_options(brigade_runtime PUBLIC ${BRIGADE_SAN_FLAGS} -Wl,-z,now)
find_package(Threads REQUIRED)
target_link_libraries(brigade_runtime PUBLIC Threads::Threads)
brigade_sched_libraries()

# brigade_image(<name> <sources...>): a program whose main() runs as the first task.
function(brigade_image name)
  add_executable(${name} ${ARGN})
  if(NOT BRIGADE_SCHED_LIBRARY)
    set(BRIGADE_SCHED_LIBRARY brigade_sched)
  endif()
  target_link_libraries(${name} PRIVATE brigade_runtime ${BRIGADE_SCHED_LIBRARY})
  target_compile_definitions(${name} PRIVATE ${BRIGADE_APP_DEFINES})
endfunction()

# The board's own main() (board/host/host.c) starts the cores; a program's
# main() becomes the first task, as on bare metal.
set(BRIGADE_APP_DEFINES main=brigade_app_main)

# How ctest runs a program on the host with n cores (see cmake/image_test.cmake).
function(brigade_run_command out n image extra)
  set(${out} env BRIGADE_CORES=${n} $<TARGET_FILE:${image}> PARENT_SCOPE)
endfunction()
set(BRIGADE_TEST_LABEL host)
if(BRIGADE_SANITIZE)
  set(BRIGADE_TEST_LABEL host-${BRIGADE_SANITIZE})
endif()
set(BRIGADE_TEST_CORES_WORD cores)
include(cmake/image_test.cmake)

# Only bare-metal boards have an SDK (cmake/sdk.cmake): say so rather than
# install nothing.
install(CODE "message(FATAL_ERROR \"the host board has no SDK: install one from a bare-metal board's build (README.md, 'Your own firmware')\")")
