# Build rules shared by every bare-metal board: the runtime object library,
# images, and tests that run images under QEMU.
include(cmake/newlib.cmake)
include(cmake/portable.cmake)

set(BRIGADE_WARNINGS -Wall -Wextra -Werror -Wno-unused-parameter)
set(BRIGADE_C_FLAGS ${BRIGADE_ARCH_FLAGS} -O2 -g -std=gnu11 -ffunction-sections -fdata-sections
    -fno-common -D__DYNAMIC_REENT__)

# What each architecture adds to the five files every one has.
set(BRIGADE_ARCH_SOURCES_riscv64 kernel/arch/riscv64/sbi.c)
set(BRIGADE_ARCH_SOURCES_aarch64
  kernel/arch/aarch64/exit.c
  kernel/arch/aarch64/mmu.c
  kernel/arch/aarch64/psci.c
  kernel/arch/aarch64/semihosting.c
  kernel/arch/aarch64/spin_table.c)

set(BRIGADE_RUNTIME_SOURCES
  boot/${BRIGADE_ARCH}/start.S
  kernel/arch/${BRIGADE_ARCH}/trap_entry.S
  kernel/arch/${BRIGADE_ARCH}/switch.S
  kernel/arch/${BRIGADE_ARCH}/trap.c
  kernel/arch/${BRIGADE_ARCH}/arch.c
  ${BRIGADE_ARCH_SOURCES_${BRIGADE_ARCH}}
  kernel/boot.c
  kernel/devicetree.c
  kernel/fdt.c
  kernel/heap.c
  kernel/newlib_locks.c
  kernel/newlib_reent.c
  kernel/newlib_syscalls.c
  ${BRIGADE_PORTABLE_SOURCES}
  ${BRIGADE_BOARD_SOURCES})

add_library(brigade_runtime OBJECT ${BRIGADE_RUNTIME_SOURCES})
target_include_directories(brigade_runtime PUBLIC
  ${BRIGADE_PORTABLE_INCLUDES}
  ${CMAKE_SOURCE_DIR}/kernel/arch/${BRIGADE_ARCH}/include)
target_include_directories(brigade_runtime SYSTEM PUBLIC ${BRIGADE_NEWLIB_PREFIX}/include)
# Board facts that boot code needs at assembly time (e.g. a spin table).
target_compile_definitions(brigade_runtime PRIVATE ${BRIGADE_BOARD_DEFINES})
target_compile_options(brigade_runtime PUBLIC
  $<$<COMPILE_LANGUAGE:C>:${BRIGADE_C_FLAGS} ${BRIGADE_WARNINGS}>
  $<$<COMPILE_LANGUAGE:ASM>:${BRIGADE_ARCH_FLAGS}>)
target_link_options(brigade_runtime PUBLIC
  ${BRIGADE_ARCH_FLAGS} -nostdlib -nostartfiles -static
  -T ${BRIGADE_LINKER_SCRIPT} -Wl,--defsym=BRIGADE_LOAD_ADDR=${BRIGADE_LOAD_ADDR}
  $<$<BOOL:${BRIGADE_RAM_BASE}>:-Wl,--defsym=BRIGADE_RAM_BASE=${BRIGADE_RAM_BASE}>
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
  if(BRIGADE_BOOT_IMAGE)
    # The raw image firmware loads (e.g. a Raspberry Pi's kernel8.img): the
    # ELF's loadable bytes from the load address on, header first.
    add_custom_command(TARGET ${name} POST_BUILD
      COMMAND ${CMAKE_OBJCOPY} -O binary $<TARGET_FILE:${name}> $<TARGET_FILE_DIR:${name}>/${name}.img
      VERBATIM)
  endif()
endfunction()

if(BRIGADE_NO_QEMU_MACHINE)
  message(STATUS "${BRIGADE_BOARD}: images are built, not run: ${BRIGADE_NO_QEMU_MACHINE}")
elseif(NOT BRIGADE_QEMU)
  message(WARNING "QEMU for ${BRIGADE_BOARD} not found: install the Debian package "
                  "${BRIGADE_QEMU_PACKAGE}; tests cannot run until then")
  set(BRIGADE_QEMU qemu-not-found)
endif()

# How ctest runs an image on this board with n cores (see cmake/image_test.cmake).
# Boards whose firmware loads a raw image (BRIGADE_QEMU_BOOTS_IMAGE) boot that
# under QEMU too, so tests take the real boot path.
function(brigade_run_command out n image extra)
  set(kernel $<TARGET_FILE:${image}>)
  if(BRIGADE_QEMU_BOOTS_IMAGE)
    set(kernel $<TARGET_FILE_DIR:${image}>/${image}.img)
  endif()
  set(${out} ${BRIGADE_QEMU} ${BRIGADE_QEMU_ARGS} ${extra} -smp ${n} -kernel ${kernel}
      PARENT_SCOPE)
endfunction()
set(BRIGADE_TEST_LABEL ${BRIGADE_BOARD})
set(BRIGADE_TEST_CORES_WORD smp)
include(cmake/image_test.cmake)
