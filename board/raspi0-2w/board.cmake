# Board raspi0-2w: Raspberry Pi Zero 2 W (BCM2710A1 = BCM2837, 4x Cortex-A53,
# 512 MiB). The image is kernel8.img, as on raspi3b. No QEMU model: ctest
# checks the images and the OpenOCD configuration.
include(${CMAKE_CURRENT_LIST_DIR}/../raspberrypi/bcm2837.cmake)
list(APPEND BRIGADE_BOARD_SOURCES board/raspi0-2w/board.c)
set(BRIGADE_HARDWARE_ONLY ON)
# What test_boot would expect on the board: RAM from the firmware (512 MiB
# less the VideoCore's share, which config.txt decides), the firmware's
# 19.2 MHz generic timer.
set(BRIGADE_TEST_RAM_BASE 0x0)
set(BRIGADE_TEST_RAM_SIZE 0)
set(BRIGADE_TEST_TIMER_HZ 19200000)
set(BRIGADE_OPENOCD_CFG ${CMAKE_SOURCE_DIR}/board/raspi0-2w/openocd.cfg)
