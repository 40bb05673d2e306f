/* Raspberry Pi 3 Model B: a BCM2837 (board/raspberrypi/bcm2837.c is all of
 * its glue), 1 GiB of RAM, the model QEMU's raspi3b machine emulates. */
#include <brigade/board.h>

const char board_name[] = "raspi3b";
