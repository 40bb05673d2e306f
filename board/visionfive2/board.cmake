# Board visionfive2: StarFive VisionFive 2 (JH7110: 4x U74 + 1x S7), booted
# by U-Boot's booti under OpenSBI. Builds here; runs only on the board
# (README.md, "visionfive2"): ctest checks what can be checked without it.
set(BRIGADE_BOARD_ARCH riscv64)
set(BRIGADE_BARE_METAL ON)
set(BRIGADE_BOARD_SOURCES
  board/visionfive2/board.c
  kernel/arch/riscv64/sbi_board.c
  board/riscv-ns16550-plic/ns16550_plic_board.c
  drivers/irq/plic.c
  drivers/irq/imsic.c
  drivers/irq/aplic.c
  drivers/uart/ns16550.c)
set(BRIGADE_LINKER_SCRIPT ${CMAKE_SOURCE_DIR}/linker/riscv64-sbi.ld)
# DDR starts at 0x40000000; OpenSBI occupies its first 2 MiB and U-Boot's
# kernel_addr_r is 0x40200000: the image is linked to run there.
set(BRIGADE_RAM_BASE 0x40000000)
set(BRIGADE_LOAD_ADDR 0x40200000)
set(BRIGADE_TEST_SMP 4)
set(BRIGADE_TEST_TIMER_HZ 4000000)
# No QEMU model of the JH7110: images are built, not run, by ctest.
set(BRIGADE_HARDWARE_ONLY ON)
set(BRIGADE_OPENOCD_CFG ${CMAKE_SOURCE_DIR}/board/visionfive2/openocd.cfg)
set(BRIGADE_OPENOCD_ADAPTER ${CMAKE_SOURCE_DIR}/board/visionfive2/openocd-adapter.cfg)
