#!/usr/bin/env bash
# The SDK round trip a firmware engineer makes (README.md, "Your own
# firmware"): install the SDK from a board's build directory, build
# templates/app out of tree against it with no toolchain flag, and, on a
# board QEMU models, boot it with run-myapp: the output must show every core
# and the end of main(), and run-myapp must succeed. A copy whose main()
# returns 3 must make run-myapp fail with that status.
# With "checkout" instead, the template is built against brigade's source
# checkout (-DCMAKE_PREFIX_PATH=CHECKOUT -DBRIGADE_BOARD=BOARD,
# cmake/brigade-config.cmake) and only built.
#
#   check-template-app.sh BUILD_DIR TEMPLATE_DIR WORK_DIR CORES run|build-only
#   check-template-app.sh checkout CHECKOUT BOARD TEMPLATE_DIR WORK_DIR
set -uo pipefail
fail() { echo "check-template-app.sh: FAIL: $*"; exit 1; }
. "$(dirname "$0")/sdk-steps.sh"
if [ "${1:-}" = checkout ] && [ $# -eq 5 ]; then
  checkout=$2 board=$3 template=$4 work=$5
  rm -rf "$work"
  mkdir -p "$work"
  cp -r "$template" "$work/myapp"
  echo "== against the checkout $checkout for $board"
  build_app "$work/myapp" "$checkout" -DBRIGADE_BOARD="$board"
  expect_made "$work/myapp/build" myapp.elf myapp.bin
  echo "1 passed, 0 failed"
  exit 0
fi
[ $# -eq 5 ] || { echo "usage: check-template-app.sh BUILD_DIR TEMPLATE_DIR WORK_DIR CORES run|build-only" >&2; exit 2; }
build=$1 template=$2 work=$3 cores=$4 mode=$5

install_sdk "$build" "$work"
[ -f "$work/sdk/lib/cmake/brigade/brigade-config.cmake" ] || fail "no brigade-config.cmake in the SDK"

# configure_and_build NAME: the template copied to $work/NAME, built there.
configure_and_build() {
  build_app "$work/$1" "$work/sdk" -DBRIGADE_SMP="$cores"
  expect_made "$work/$1/build" myapp.elf myapp.bin
}

cp -r "$template" "$work/myapp"
configure_and_build myapp
if [ "$mode" = build-only ]; then
  echo "1 passed, 0 failed"
  exit 0
fi

echo "== run-myapp"
timeout --kill-after=5 300 cmake --build "$work/myapp/build" --target run-myapp >"$work/run.log" 2>&1
rc=$?
cat "$work/run.log"
[ $rc -eq 0 ] || fail "run-myapp exited $rc"
for ((c = 0; c < cores; c++)); do
  grep -q "^myapp: core $c of $cores is up" "$work/run.log" || fail "no line from core $c"
done
grep -q '^myapp: done' "$work/run.log" || fail "main() did not finish"
echo "   every core and the end of main() are in the output, exit status 0"

echo "== a copy whose main() returns 3"
cp -r "$template" "$work/myapp_exit3"
sed -i 's/return 0;/return 3;/' "$work/myapp_exit3/main.c"
grep -q 'return 3;' "$work/myapp_exit3/main.c" || fail "could not edit the copy's main()"
configure_and_build myapp_exit3
timeout --kill-after=5 300 cmake --build "$work/myapp_exit3/build" --target run-myapp >"$work/run3.log" 2>&1
rc=$?
tail -n 5 "$work/run3.log"
[ $rc -ne 0 ] || fail "run-myapp succeeded although main() returned 3"
grep -q '^myapp: done' "$work/run3.log" || fail "main() did not finish in the copy"
grep -Eq 'Error 3$' "$work/run3.log" || fail "the build tool did not report exit status 3"
echo "   run-myapp failed with the program's status 3"
echo "2 passed, 0 failed"
