# Cross toolchain for bare-metal RV64GC (Debian: gcc-riscv64-unknown-elf).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv64)
set(BRIGADE_ARCH riscv64)

find_program(BRIGADE_RISCV_GCC riscv64-unknown-elf-gcc)
if(NOT BRIGADE_RISCV_GCC)
  message(FATAL_ERROR "riscv64-unknown-elf-gcc not found: install the Debian package "
                      "gcc-riscv64-unknown-elf (scripts/setup.sh does this)")
endif()
set(CMAKE_C_COMPILER ${BRIGADE_RISCV_GCC})
set(CMAKE_ASM_COMPILER ${BRIGADE_RISCV_GCC})
set(CMAKE_OBJCOPY riscv64-unknown-elf-objcopy CACHE FILEPATH "objcopy")
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(BRIGADE_ARCH_FLAGS -march=rv64gc -mabi=lp64d -mcmodel=medany)
