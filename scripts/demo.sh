#!/usr/bin/env bash
# The README's demo: build brigade for QEMU virt RV64 and boot the hello
# example on 4 harts (BRIGADE_SMP=N for another count).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset qemu-virt-rv64 >/dev/null
cmake --build --preset qemu-virt-rv64 --target hello >/dev/null
exec "$(command -v qemu-system-riscv64)" -M virt -m 128M -bios default -nographic \
  -smp "${BRIGADE_SMP:-4}" -kernel build/qemu-virt-rv64/examples/hello.elf
