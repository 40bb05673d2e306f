# Board qemu-virt-aarch64: QEMU "virt", Cortex-A53 cores at EL1, GICv2
# (the GIC-400 programming model of the Raspberry Pi 4), PSCI, PL011.
set(BRIGADE_BOARD_ARCH aarch64)
set(BRIGADE_BARE_METAL ON)
set(BRIGADE_BOARD_SOURCES
  board/qemu-virt-aarch64/board.c
  board/arm-gicv2/gicv2_board.c
  drivers/irq/gicv2.c
  drivers/irq/gicv2_cpu_irqs.c
  drivers/uart/pl011.c
  drivers/virtio/virtio_mmio.c
  drivers/virtio/virtqueue.c
  drivers/virtio/virtio_net.c)
set(BRIGADE_LINKER_SCRIPT ${CMAKE_SOURCE_DIR}/linker/aarch64.ld)
set(BRIGADE_RAM_BASE 0x40000000)
# 2 MiB in: QEMU puts the device tree of an ELF -kernel at the RAM base.
set(BRIGADE_LOAD_ADDR 0x40200000)
# The -smp counts the runtime tests run at by default.
set(BRIGADE_TEST_SMP 1 2 4 8)
set(BRIGADE_QEMU_PACKAGE qemu-system-arm)
find_program(BRIGADE_QEMU qemu-system-aarch64)
# QEMU command without -smp and -kernel (added per run). -semihosting carries
# the exit status (kernel/arch/aarch64/semihosting.c).
set(BRIGADE_QEMU_ARGS -M virt,gic-version=2 -cpu cortex-a53 -m 128M -nic none -display none -serial stdio
    -monitor none -semihosting)
# What test_boot expects of the machine QEMU describes (-m 128M; QEMU's
# generic timer runs at 62.5 MHz).
set(BRIGADE_TEST_RAM_BASE 0x40000000)
set(BRIGADE_TEST_RAM_SIZE 0x8000000)
set(BRIGADE_TEST_TIMER_HZ 62500000)
# QEMU arguments that enter brigade at EL2, where PSCI goes by SMC (without
# them: EL1, PSCI by HVC); the tests boot both ways.
set(BRIGADE_QEMU_ENTER_AT_EL2 -M virtualization=on)
# QEMU's gdbstub shows every core as one process: the GDB task-awareness
# test runs here.
set(BRIGADE_TEST_GDB ON)
# The board the AArch64 benchmarks run on (bench/): sched_bench under
# -icount, counted by the PMU, as the target bench-aarch64.
set(BRIGADE_BENCH_TARGET bench-aarch64)
# The soak test (tests/soak) runs in ctest at -smp 8 here.
set(BRIGADE_TEST_SOAK ON)
# A virtio-net device when QEMU has one (board_netdev, found in the device
# tree): the network tests run here, with these QEMU arguments (user
# networking; the modern virtio-mmio transport, which the driver needs).
set(BRIGADE_HAS_NETDEV ON)
set(BRIGADE_QEMU_NET_ARGS -netdev user,id=n0 -device virtio-net-device,netdev=n0
    -global virtio-mmio.force-legacy=false)
