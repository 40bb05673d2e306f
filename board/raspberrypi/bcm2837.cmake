# What every board on the BCM2837 shares (raspi3b, raspi0-2w): the Pi
# family's settings and the SoC's glue and drivers. Their board.cmake
# includes this first, then sets what is its own (board_name's file, QEMU,
# test expectations, OpenOCD).
include(${CMAKE_CURRENT_LIST_DIR}/raspberrypi.cmake)
list(APPEND BRIGADE_BOARD_SOURCES
  board/raspberrypi/bcm2837.c
  drivers/irq/bcm2835_armctrl.c
  drivers/irq/bcm2836_local.c)
