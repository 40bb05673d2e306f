# Board raspi3b: Raspberry Pi 3 Model B (BCM2837, 4x Cortex-A53, 1 GiB), run
# by the tests under QEMU's raspi3b machine.
include(${CMAKE_CURRENT_LIST_DIR}/../raspberrypi/bcm2837.cmake)
list(APPEND BRIGADE_BOARD_SOURCES board/raspi3b/board.c)
# QEMU boots kernel8.img the firmware's way (core 0 at EL2, cores 1-3 on the
# spin table); the tests also boot the ELF (every core at EL3).
set(BRIGADE_QEMU_BOOTS_IMAGE ON)
find_program(BRIGADE_QEMU qemu-system-aarch64)
# QEMU's raspi3b always has four cores (-smp 4, nothing else) and 1 GiB.
set(BRIGADE_QEMU_ARGS -M raspi3b -display none -serial stdio -monitor none -semihosting)
# What test_boot expects: the ARM's part of the 1 GiB (QEMU gives the
# VideoCore the top 64 MiB), QEMU's 62.5 MHz generic timer.
set(BRIGADE_TEST_RAM_BASE 0x0)
set(BRIGADE_TEST_RAM_SIZE 0x3c000000)
set(BRIGADE_TEST_TIMER_HZ 62500000)
# A device tree as the real firmware passes it in x0 (QEMU passes none).
set(BRIGADE_TEST_FIRMWARE_DTS ${CMAKE_SOURCE_DIR}/tests/runtime/rpi3_firmware.dts)
set(BRIGADE_OPENOCD_CFG ${CMAKE_SOURCE_DIR}/board/raspi3b/openocd.cfg)
# The boot firmware on its SD card (sdcard-<image>, cmake/sdcard.cmake).
set(BRIGADE_SDCARD_FIRMWARE bootcode.bin start.elf fixup.dat)
