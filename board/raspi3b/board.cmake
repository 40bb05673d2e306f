# Board raspi3b: Raspberry Pi 3 Model B (BCM2837, 4x Cortex-A53). The image
# is kernel8.img (<image>.bin beside each ELF): an arm64 Image the Pi
# firmware and QEMU's raspi3b loader both place at 0x80000.
set(BRIGADE_BOARD_ARCH aarch64)
set(BRIGADE_BARE_METAL ON)
set(BRIGADE_BOARD_SOURCES
  board/raspi3b/board.c
  board/raspberrypi/firmware.c
  drivers/gpio/bcm2835_gpio.c
  drivers/irq/bcm2835_armctrl.c
  drivers/irq/bcm2836_local.c
  drivers/misc/bcm2835_mailbox.c
  drivers/uart/pl011.c)
set(BRIGADE_LINKER_SCRIPT ${CMAKE_SOURCE_DIR}/linker/aarch64.ld)
set(BRIGADE_RAM_BASE 0x0)
set(BRIGADE_LOAD_ADDR 0x80000)
# Loaded as an ELF, every core enters _start; start.S holds cores 1-3 on the
# same spin table the firmware uses.
set(BRIGADE_BOARD_DEFINES BRIGADE_SPIN_TABLE_BASE=0xd8)
set(BRIGADE_QEMU_BOOTS_IMAGE ON)
# QEMU's raspi3b always has four cores (-smp 4, nothing else) and 1 GiB.
set(BRIGADE_TEST_SMP 4)
set(BRIGADE_FIXED_CORES 4)
set(BRIGADE_QEMU_PACKAGE qemu-system-arm)
find_program(BRIGADE_QEMU qemu-system-aarch64)
set(BRIGADE_QEMU_ARGS -M raspi3b -display none -serial stdio -monitor none -semihosting)
# What test_boot expects: the ARM's part of the 1 GiB (QEMU gives the
# VideoCore the top 64 MiB), QEMU's 62.5 MHz generic timer.
set(BRIGADE_TEST_RAM_BASE 0x0)
set(BRIGADE_TEST_RAM_SIZE 0x3c000000)
set(BRIGADE_TEST_TIMER_HZ 62500000)
set(BRIGADE_OPENOCD_CFG ${CMAKE_SOURCE_DIR}/board/raspi3b/openocd.cfg)
# The boot firmware on its SD card (sdcard-<image>, cmake/sdcard.cmake).
set(BRIGADE_SDCARD_FIRMWARE bootcode.bin start.elf fixup.dat)
