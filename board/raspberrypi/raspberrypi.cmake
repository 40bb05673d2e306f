# What every Raspberry Pi board shares (raspi3b, raspi0-2w, rpi4b): the
# firmware's hand-over and the console on UART0 (board/raspberrypi/), and
# the image the firmware loads: kernel8.img (<image>.bin beside each ELF),
# an arm64 Image it places at 0x80000, core 0 at EL2, cores 1-3 on its spin
# table. A board's board.cmake includes this (or its SoC's file, which
# does), then adds its SoC's sources.
set(BRIGADE_BOARD_ARCH aarch64)
set(BRIGADE_BARE_METAL ON)
set(BRIGADE_BOARD_SOURCES
  board/raspberrypi/firmware.c
  board/raspberrypi/uart0.c
  drivers/gpio/bcm2835_gpio.c
  drivers/misc/bcm2835_mailbox.c
  drivers/uart/pl011.c)
set(BRIGADE_LINKER_SCRIPT ${CMAKE_SOURCE_DIR}/linker/aarch64.ld)
set(BRIGADE_RAM_BASE 0x0)
set(BRIGADE_LOAD_ADDR 0x80000)
# Loaded as an ELF (QEMU), every core enters _start; start.S holds cores 1-3
# on the same spin table the firmware uses.
set(BRIGADE_BOARD_DEFINES BRIGADE_SPIN_TABLE_BASE=0xd8)
# Four cores, always.
set(BRIGADE_TEST_SMP 4)
set(BRIGADE_FIXED_CORES 4)
set(BRIGADE_QEMU_PACKAGE qemu-system-arm)
