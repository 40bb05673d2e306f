#!/usr/bin/env bash
# The README's demo: build brigade for QEMU virt RV64 and boot an example on
# 4 harts (BRIGADE_SMP=N for another count).
#   scripts/demo.sh          hello: every core says hello, then QEMU exits
#   scripts/demo.sh shell    the UART shell (type help; `exit` or Ctrl-A X leaves)
#   scripts/demo.sh httpd    a web server on lwIP: open http://127.0.0.1:8080/
#                            (BRIGADE_HTTP_PORT=N for another port; Ctrl-A X leaves)
# BRIGADE_BOARD=<board> boots it on another QEMU board instead, through the
# board's run-<example> target (e.g. BRIGADE_BOARD=raspi3b scripts/demo.sh shell).
set -euo pipefail
cd "$(dirname "$0")/.."
example=${1:-hello}
case "$example" in
  hello|shell|httpd) ;;
  *) echo "demo.sh: unknown example '$example' (hello, shell or httpd)" >&2; exit 2 ;;
esac
scripts/setup.sh
board=${BRIGADE_BOARD:-qemu-virt-rv64}
http_port=${BRIGADE_HTTP_PORT:-8080}
net_args=()
if [ "$example" = httpd ]; then
  case "$board" in
    qemu-virt-rv64|qemu-virt-aarch64) ;;
    *) echo "demo.sh: httpd needs a board with a network device (qemu-virt-rv64, qemu-virt-aarch64)" >&2; exit 2 ;;
  esac
  echo "demo.sh: httpd at http://127.0.0.1:$http_port/ once it says it is listening (Ctrl-A X leaves)"
  net_args=(-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$http_port-:80" -device virtio-net-device,netdev=n0
    -global virtio-mmio.force-legacy=false)
fi
if [ "$board" != qemu-virt-rv64 ]; then
  cmake --preset "$board" -DBRIGADE_SMP="${BRIGADE_SMP:-4}" \
    -DBRIGADE_RUN_HOSTFWD="tcp:127.0.0.1:$http_port-:80" >/dev/null
  exec cmake --build --preset "$board" --target "run-$example"
fi
cmake --preset qemu-virt-rv64 >/dev/null
cmake --build --preset qemu-virt-rv64 --target "$example" >/dev/null
exec "$(command -v qemu-system-riscv64)" -M virt -m 128M -bios default -nographic \
  "${net_args[@]}" -smp "${BRIGADE_SMP:-4}" -kernel "build/qemu-virt-rv64/examples/$example.elf"
