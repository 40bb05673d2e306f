#!/usr/bin/env bash
# The README's demo: build brigade for QEMU virt RV64 and boot an example on
# 4 harts (BRIGADE_SMP=N for another count).
#   scripts/demo.sh          hello: every core says hello, then QEMU exits
#   scripts/demo.sh shell    the UART shell (type help; `exit` or Ctrl-A X leaves)
# BRIGADE_BOARD=<board> boots it on another QEMU board instead, through the
# board's run-<example> target (e.g. BRIGADE_BOARD=raspi3b scripts/demo.sh shell).
set -euo pipefail
cd "$(dirname "$0")/.."
example=${1:-hello}
case "$example" in
  hello|shell) ;;
  *) echo "demo.sh: unknown example '$example' (hello or shell)" >&2; exit 2 ;;
esac
scripts/setup.sh
board=${BRIGADE_BOARD:-qemu-virt-rv64}
if [ "$board" != qemu-virt-rv64 ]; then
  cmake --preset "$board" -DBRIGADE_SMP="${BRIGADE_SMP:-4}" >/dev/null
  exec cmake --build --preset "$board" --target "run-$example"
fi
cmake --preset qemu-virt-rv64 >/dev/null
cmake --build --preset qemu-virt-rv64 --target "$example" >/dev/null
exec "$(command -v qemu-system-riscv64)" -M virt -m 128M -bios default -nographic \
  -smp "${BRIGADE_SMP:-4}" -kernel "build/qemu-virt-rv64/examples/$example.elf"
