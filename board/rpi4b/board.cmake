# Board rpi4b: Raspberry Pi 4 Model B (BCM2711, 4x Cortex-A72, GIC-400). The
# image is kernel8.img, as on every Pi. QEMU 7.2 cannot run it (no raspi4b
# machine before QEMU 9.0), so its tests check the images and the OpenOCD
# configuration only.
include(${CMAKE_CURRENT_LIST_DIR}/../raspberrypi/raspberrypi.cmake)
list(APPEND BRIGADE_BOARD_SOURCES
  board/rpi4b/board.c
  board/arm-gicv2/gicv2_board.c
  drivers/irq/gicv2.c
  drivers/irq/gicv2_cpu_irqs.c)
# No QEMU model of the BCM2711 in QEMU 7.2: images are built, not run, by ctest.
set(BRIGADE_HARDWARE_ONLY ON)
set(BRIGADE_TEST_RAM_BASE 0x0)
set(BRIGADE_TEST_RAM_SIZE 0)
set(BRIGADE_TEST_TIMER_HZ 54000000)
set(BRIGADE_OPENOCD_CFG ${CMAKE_SOURCE_DIR}/board/rpi4b/openocd.cfg)
# The boot firmware on its SD card (sdcard-<image>, cmake/sdcard.cmake).
set(BRIGADE_SDCARD_FIRMWARE start4.elf fixup4.dat)
set(BRIGADE_SDCARD_CONFIG enable_gic=1)
