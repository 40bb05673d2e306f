# Board qemu-sifive-u: QEMU "sifive_u" (SiFive HiFive Unleashed, FU540-C000):
# hart 0 is an E51 (no S-mode, skipped), harts 1-4 are U54s, all under
# OpenSBI. QEMU-only: it leaves QEMU through semihosting.
set(BRIGADE_BOARD_ARCH riscv64)
set(BRIGADE_BARE_METAL ON)
set(BRIGADE_BOARD_SOURCES
  board/qemu-sifive-u/board.c
  kernel/arch/riscv64/sbi_board.c
  drivers/uart/sifive_uart.c
  drivers/irq/plic.c
  drivers/misc/riscv_semihosting.c)
set(BRIGADE_LINKER_SCRIPT ${CMAKE_SOURCE_DIR}/linker/riscv64-sbi.ld)
set(BRIGADE_LOAD_ADDR 0x80200000)
# Core counts the runtime tests run at: brigade's cores, the U54s. QEMU gets
# one hart more (-smp n+1), the E51, which brigade skips.
set(BRIGADE_TEST_SMP 1 2 4)
set(BRIGADE_QEMU_EXTRA_HARTS 1)
set(BRIGADE_QEMU_PACKAGE qemu-system-misc)
find_program(BRIGADE_QEMU qemu-system-riscv64)
# What test_boot checks the device tree against.
set(BRIGADE_TEST_TIMER_HZ 1000000)
# The boot log must name the E51 and why it is not used.
set(BRIGADE_TEST_SKIPPED_HART "^brigade: skipped hw id 0: no MMU in the device tree \\(no S-mode\\)")
set(BRIGADE_TEST_SKIPPED_HART_SMP 4)
# QEMU command without -smp and -kernel (added per run). -semihosting is the
# exit path (board_exit).
set(BRIGADE_QEMU_ARGS -M sifive_u -m 128M -bios default -display none -serial stdio -monitor none
    -semihosting)
# OpenOCD for the real HiFive Unleashed (board/qemu-sifive-u/openocd.cfg).
set(BRIGADE_OPENOCD_CFG ${CMAKE_SOURCE_DIR}/board/qemu-sifive-u/openocd.cfg)
set(BRIGADE_OPENOCD_ADAPTER ${CMAKE_SOURCE_DIR}/board/qemu-sifive-u/openocd-adapter.cfg)
# The console transmits by polling, paced (board.c: QEMU's model of this
# UART has no usable transmit interrupt): tests that echo megabytes skip it.
set(BRIGADE_CONSOLE_TX_POLLED ON)
