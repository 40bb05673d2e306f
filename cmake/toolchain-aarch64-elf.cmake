# Cross toolchain for bare-metal AArch64. Debian has no aarch64-none-elf gcc;
# its Linux-targeting cross compiler works freestanding (gcc-aarch64-linux-gnu).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(BRIGADE_ARCH aarch64)

find_program(BRIGADE_AARCH64_GCC aarch64-linux-gnu-gcc)
if(NOT BRIGADE_AARCH64_GCC)
  message(FATAL_ERROR "aarch64-linux-gnu-gcc not found: install the Debian package "
                      "gcc-aarch64-linux-gnu (scripts/setup.sh does this)")
endif()
set(CMAKE_C_COMPILER ${BRIGADE_AARCH64_GCC})
set(CMAKE_ASM_COMPILER ${BRIGADE_AARCH64_GCC})
set(CMAKE_OBJCOPY aarch64-linux-gnu-objcopy CACHE FILEPATH "objcopy")
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# -mno-outline-atomics: the Linux compiler otherwise calls libgcc's
# __aarch64_swp4_acq and friends, which test for LSE through the Linux
# auxiliary vector. -mstrict-align: the MMU is off for the first C code
# (kernel/arch/aarch64/mmu.c), when every access is Device memory and an
# unaligned one faults. -ffreestanding: no hosted glibc assumptions.
set(BRIGADE_ARCH_FLAGS -mcpu=cortex-a53 -mno-outline-atomics -mstrict-align -ffreestanding
    -fno-pie -no-pie)
