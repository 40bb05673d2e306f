#!/usr/bin/env bash
# The network reaches an application out of tree: install the SDK from the
# board's build directory, check that it ships brigade_net (its library,
# <brigade/net.h>, lwIP's library and headers with brigade's port headers,
# and brigade-config.cmake saying the board has a device), then build
# APP_DIR (tests/sdk/net_app) with MAIN_C (examples/echo's main.c) against
# it. With a QEMU command line after "--" (the board's, with its network
# device), boot the program and wait for it to take its address and
# listen: lwIP and the driver run from the SDK's libraries. Nothing is
# forwarded to it, so nothing else is tried; the network tests do that
# in the tree.
#
#   check-net-app.sh BUILD_DIR WORK_DIR APP_DIR MAIN_C [-- QEMU ARGS...]
set -uo pipefail
fail() { echo "check-net-app.sh: FAIL: $*"; exit 1; }
. "$(dirname "$0")/sdk-steps.sh"
[ $# -ge 4 ] || { echo "usage: check-net-app.sh BUILD_DIR WORK_DIR APP_DIR MAIN_C [-- QEMU ARGS...]" >&2; exit 2; }
build=$1 work=$2 app_dir=$3 main_c=$4
shift 4
[ $# -eq 0 ] || { [ "$1" = -- ] && shift; }

install_sdk "$build" "$work"
sdk=$work/sdk
for f in lib/libbrigade_net.a include/brigade/net.h lib/brigade/lwip/lib/liblwip.a \
  lib/brigade/lwip/include/lwipopts.h lib/brigade/lwip/include/arch/sys_arch.h \
  lib/brigade/lwip/include/lwip/tcp.h; do
  [ -s "$sdk/$f" ] || fail "the SDK has no $f"
  echo "   $f"
done
grep -qx 'set(BRIGADE_HAS_NETDEV "ON")' \
  "$sdk/lib/cmake/brigade/brigade-config.cmake" ||
  fail "brigade-config.cmake does not say the board has a network device"
echo "   brigade-config.cmake: BRIGADE_HAS_NETDEV"

app=$work/app
cp -r "$app_dir" "$app"
cp "$main_c" "$app/main.c"
echo "== echo_app: examples/echo's main.c, linked with brigade_net"
build_app "$app" "$sdk"
expect_made "$app/build" echo_app.elf echo_app.bin
if [ $# -eq 0 ]; then
  echo "1 passed, 0 failed"
  exit 0
fi

echo "== boot it: $* -kernel echo_app.elf"
log=$app/run.log
"$@" -kernel "$app/build/echo_app.elf" </dev/null >"$log" 2>&1 &
qemu=$!
for _ in $(seq 1200); do # 120 s: a loaded machine boots slowly
  tr -d '\r' <"$log" | grep -q '^echo: listening on 7' && break
  kill -0 "$qemu" 2>/dev/null || break
  sleep 0.1
done
kill "$qemu" 2>/dev/null
wait "$qemu" 2>/dev/null
tr -d '\r' <"$log" | grep '^net: \|^echo: '
tr -d '\r' <"$log" | grep -q '^echo: listening on 7' || { tail -n 20 "$log"; fail "echo_app did not come up"; }
echo "2 passed, 0 failed"
