# Build rules shared by every bare-metal board: the runtime object library,
# images, and tests that run images under QEMU.
include(cmake/newlib.cmake)
include(cmake/portable.cmake)

# No frame may step over the unmapped guard below a task's stack
# (STACK_SLOT_GUARD, 64 KiB, kernel/include/brigade/stack_slot.h) without
# touching it. AArch64: GCC's -fstack-clash-protection probes every frame
# and alloca at most 64 KiB apart, assuming a 64 KiB guard (its default).
# RISC-V: GCC 12 probes only alloca and variable-length arrays there, not
# fixed frames, so fixed frames are held to 16 KiB at compile time: a
# function can then leave at most its own frame untouched below the bottom
# of its caller's last store, and a leaf below an untouched caller frame
# reaches at most 2 x 16 KiB and a trap frame below the last touched
# address, inside the guard. A bigger buffer goes in the heap, or in a
# variable-length array, which is probed.
set(BRIGADE_STACK_PROBE_FLAGS_aarch64 -fstack-clash-protection)
set(BRIGADE_STACK_PROBE_FLAGS_riscv64 -fstack-clash-protection -Werror=frame-larger-than=16384)
set(BRIGADE_WARNINGS -Wall -Wextra -Werror -Wno-unused-parameter)
# The runtime's own code (not the programs built on it) uses no FP or SIMD
# register on AArch64, so running the scheduler, a trap handler or the idle
# loop never turns a context into one with FP state, whose every switch then
# saves d8-d15 (kernel/arch/aarch64/switch.S). GCC would otherwise copy
# small structs through q registers, and a variadic function saves q0-q7.
set(BRIGADE_RUNTIME_ONLY_C_FLAGS_aarch64 -mgeneral-regs-only)
set(BRIGADE_C_FLAGS ${BRIGADE_ARCH_FLAGS} -O2 -g -std=gnu11 -ffunction-sections -fdata-sections
    -fno-common -D__DYNAMIC_REENT__ ${BRIGADE_STACK_PROBE_FLAGS_${BRIGADE_ARCH}})

# What each architecture adds to the five files every one has.
set(BRIGADE_ARCH_SOURCES_riscv64
  kernel/arch/riscv64/devicetree_harts.c
  kernel/arch/riscv64/mmu.c
  kernel/arch/riscv64/sbi.c
  kernel/arch/riscv64/semihosting.c)
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
  boot/boot.c
  kernel/devicetree.c
  kernel/fdt.c
  kernel/heap.c
  kernel/semihosting_files.c
  kernel/stack_slot_paging.c
  libc/newlib_heap.c
  libc/newlib_locks.c
  libc/newlib_reent.c
  libc/newlib_syscalls.c
  ${BRIGADE_PORTABLE_SOURCES}
  ${BRIGADE_BOARD_SOURCES})

# RAM base of the board: the boot image header's text_offset is the load
# address relative to it (U-Boot's booti places the image there).
if(NOT DEFINED BRIGADE_RAM_BASE)
  set(BRIGADE_RAM_BASE 0x80000000)
endif()
math(EXPR BRIGADE_TEXT_OFFSET "${BRIGADE_LOAD_ADDR} - ${BRIGADE_RAM_BASE}" OUTPUT_FORMAT HEXADECIMAL)

add_library(brigade_runtime OBJECT ${BRIGADE_RUNTIME_SOURCES})
# mmu.c leaves the firmware's stretch of RAM below the image unmapped.
set_source_files_properties(boot/${BRIGADE_ARCH}/start.S kernel/arch/riscv64/mmu.c PROPERTIES
  COMPILE_DEFINITIONS BRIGADE_TEXT_OFFSET=${BRIGADE_TEXT_OFFSET})
target_include_directories(brigade_runtime PUBLIC
  ${BRIGADE_PORTABLE_INCLUDES}
  ${CMAKE_SOURCE_DIR}/kernel/arch/${BRIGADE_ARCH}/include)
target_include_directories(brigade_runtime SYSTEM PUBLIC ${BRIGADE_NEWLIB_PREFIX}/include)
target_compile_definitions(brigade_runtime PUBLIC ${BRIGADE_PORTABLE_DEFINES})
# Board facts that boot code needs at assembly time (e.g. a spin table).
target_compile_definitions(brigade_runtime PRIVATE ${BRIGADE_BOARD_DEFINES})
target_compile_options(brigade_runtime PUBLIC
  $<$<COMPILE_LANGUAGE:C>:${BRIGADE_C_FLAGS} ${BRIGADE_WARNINGS}>
  $<$<COMPILE_LANGUAGE:ASM>:${BRIGADE_ARCH_FLAGS}>)
target_compile_options(brigade_runtime PRIVATE
  $<$<COMPILE_LANGUAGE:C>:${BRIGADE_RUNTIME_ONLY_C_FLAGS_${BRIGADE_ARCH}}>)
target_link_options(brigade_runtime PUBLIC
  ${BRIGADE_ARCH_FLAGS} -nostdlib -nostartfiles -static
  -T ${BRIGADE_LINKER_SCRIPT} -Wl,--defsym=BRIGADE_LOAD_ADDR=${BRIGADE_LOAD_ADDR}
  -Wl,--defsym=BRIGADE_RAM_BASE=${BRIGADE_RAM_BASE}
  -Wl,--gc-sections -Wl,--build-id=none)
target_link_libraries(brigade_runtime PUBLIC
  -Wl,--start-group ${BRIGADE_NEWLIB_PREFIX}/lib/libc.a ${BRIGADE_NEWLIB_PREFIX}/lib/libm.a
  -lgcc -Wl,--end-group)
brigade_sched_libraries()

if(BRIGADE_HARDWARE_ONLY)
  # No QEMU model of this board: images are built (and checked), not run.
  set(BRIGADE_QEMU qemu-has-no-model-of-${BRIGADE_BOARD})
elseif(NOT BRIGADE_QEMU)
  message(WARNING "QEMU for ${BRIGADE_BOARD} not found: install the Debian package "
                  "${BRIGADE_QEMU_PACKAGE}; tests cannot run until then")
  set(BRIGADE_QEMU qemu-not-found)
endif()


# Harts QEMU must create beyond the n cores brigade runs on (sifive_u's
# E51, which has no S-mode). Tests then name core counts ("cores4"), not
# QEMU's -smp.
if(NOT DEFINED BRIGADE_QEMU_EXTRA_HARTS)
  set(BRIGADE_QEMU_EXTRA_HARTS 0)
endif()

# How ctest runs an image on this board with n cores (see cmake/image_test.cmake).
# Boards whose firmware loads a raw image (BRIGADE_QEMU_BOOTS_IMAGE) boot that
# under QEMU too, so tests take the real boot path.
function(brigade_run_command out n image extra)
  math(EXPR harts "${n} + ${BRIGADE_QEMU_EXTRA_HARTS}")
  set(kernel $<TARGET_FILE:${image}>)
  if(BRIGADE_QEMU_BOOTS_IMAGE)
    set(kernel $<TARGET_FILE_DIR:${image}>/${image}.bin)
  endif()
  set(${out} ${BRIGADE_QEMU} ${BRIGADE_QEMU_ARGS} ${extra} -smp ${harts} -kernel ${kernel}
      PARENT_SCOPE)
endfunction()
set(BRIGADE_TEST_LABEL ${BRIGADE_BOARD})
if(BRIGADE_QEMU_EXTRA_HARTS EQUAL 0)
  set(BRIGADE_TEST_CORES_WORD smp)
else()
  set(BRIGADE_TEST_CORES_WORD cores)
endif()
include(cmake/image_test.cmake)

# brigade_add_executable and the targets it makes (run-, debug-, flash-,
# sdcard-), the same files an installed SDK uses (cmake/sdk.cmake).
set(BRIGADE_RUNTIME_TARGET brigade_runtime)
set(BRIGADE_SCRIPTS_DIR ${CMAKE_SOURCE_DIR}/scripts)
set(BRIGADE_GDB_DIR ${CMAKE_SOURCE_DIR}/gdb)
include(cmake/board_targets.cmake)
if(BRIGADE_SDCARD_FIRMWARE)
  include(cmake/sdcard.cmake)
endif()
# net/ before the SDK: the SDK ships it where the board has a network device.
if(BRIGADE_HAS_NETDEV)
  include(cmake/net.cmake)
endif()
include(cmake/sdk.cmake)
