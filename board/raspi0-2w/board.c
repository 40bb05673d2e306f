/* Raspberry Pi Zero 2 W: a BCM2710A1, which is the BCM2837 of the Pi 3 in
 * another package (board/raspberrypi/bcm2837.c is all of its glue), with
 * 512 MiB of RAM the firmware reports. QEMU 7.2 has no model of it: its
 * images are built and checked here and run on the board. */
#include <brigade/board.h>

const char board_name[] = "raspi0-2w";
