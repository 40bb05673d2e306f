# Board qemu-virt-rv64: QEMU "virt", RV64GC harts in S-mode under OpenSBI.
set(BRIGADE_BOARD_ARCH riscv64)
set(BRIGADE_BARE_METAL ON)
set(BRIGADE_BOARD_SOURCES
  board/qemu-virt-rv64/board.c
  kernel/arch/riscv64/sbi_board.c
  board/riscv-ns16550-plic/ns16550_plic_board.c
  drivers/irq/plic.c
  drivers/irq/imsic.c
  drivers/irq/aplic.c
  drivers/uart/ns16550.c
  drivers/misc/sifive_test.c
  drivers/rtc/goldfish_rtc.c
  drivers/virtio/virtio_mmio.c
  drivers/virtio/virtqueue.c
  drivers/virtio/virtio_net.c)
set(BRIGADE_LINKER_SCRIPT ${CMAKE_SOURCE_DIR}/linker/riscv64-sbi.ld)
set(BRIGADE_LOAD_ADDR 0x80200000)
# A Goldfish RTC with its alarm interrupt (board_goldfish_rtc): the
# rtc_alarm example and test_rtc_alarm are built here.
set(BRIGADE_HAS_GOLDFISH_RTC ON)
# The -smp counts the runtime tests run at by default.
set(BRIGADE_TEST_SMP 1 2 3 4 8)
set(BRIGADE_QEMU_PACKAGE qemu-system-misc)
find_program(BRIGADE_QEMU qemu-system-riscv64)
# QEMU command without -smp and -kernel (added per run). -semihosting lets
# the board write files on the host (`trace dump FILE`); the exit stays the
# sifive_test device's.
set(BRIGADE_QEMU_ARGS -M virt -m 128M -bios default -display none -serial stdio -monitor none
    -semihosting)
# QEMU arguments for the AIA interrupt controllers instead of the PLIC: an
# S-level IMSIC file per hart and an APLIC in MSI mode (the `.aia` tests run
# a subset of the suite with them; the board chooses from the device tree).
set(BRIGADE_QEMU_AIA -machine aia=aplic-imsic)
# QEMU arguments for harts without Sstc (tests of the SBI set_timer path).
set(BRIGADE_QEMU_WITHOUT_SSTC -cpu rv64,sstc=off)
# What test_boot checks the device tree against (QEMU's CLINT timebase).
set(BRIGADE_TEST_TIMER_HZ 10000000)
# QEMU's gdbstub shows every core as one process: the GDB task-awareness
# test runs here.
set(BRIGADE_TEST_GDB ON)
# The board the bare-metal benchmarks run on (bench/): sched_bench under
# -icount as the target bench-rv64, and the RISC-V-only programs whose
# instructions the QEMU plugin counts per hart (scale_bench, irq_bench).
set(BRIGADE_BENCH_TARGET bench-rv64)
set(BRIGADE_BENCH_PLUGIN_MARKS ON)
# The soak test (tests/soak) runs in ctest at -smp 8 here.
set(BRIGADE_TEST_SOAK ON)
# A virtio-net device when QEMU has one (board_netdev, found in the device
# tree): the network tests run here, with these QEMU arguments (user
# networking; the modern virtio-mmio transport, which the driver needs).
set(BRIGADE_HAS_NETDEV ON)
set(BRIGADE_QEMU_NET_ARGS -netdev user,id=n0 -device virtio-net-device,netdev=n0
    -global virtio-mmio.force-legacy=false)
