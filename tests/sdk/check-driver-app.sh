#!/usr/bin/env bash
# The drivers a board builds reach an application out of tree: install the
# SDK from the board's build directory, check that it holds the header of
# every driver the board builds (DRIVERS, "<kind>/<driver>" as in
# BRIGADE_DRIVERS) and of no other, and that brigade-config.cmake lists the
# same drivers. Then build APP_DIR (tests/sdk/driver_app) against the SDK,
# which compiles every shipped driver header on its own. With MAIN_C (the
# rtc_alarm example's), the app also builds that program as rtc_alarm_app,
# and on a board QEMU models runs it with run-rtc_alarm_app and looks for
# the example's last line.
#
#   check-driver-app.sh BUILD_DIR WORK_DIR "DRIVERS" APP_DIR
#   check-driver-app.sh BUILD_DIR WORK_DIR "DRIVERS" APP_DIR MAIN_C CORES run|build-only
set -uo pipefail
fail() { echo "check-driver-app.sh: FAIL: $*"; exit 1; }
. "$(dirname "$0")/sdk-steps.sh"
[ $# -eq 4 ] || [ $# -eq 7 ] ||
  { echo "usage: check-driver-app.sh BUILD_DIR WORK_DIR DRIVERS APP_DIR [MAIN_C CORES run|build-only]" >&2; exit 2; }
build=$1 work=$2 drivers=$3 app_dir=$4

install_sdk "$build" "$work"
sdk=$work/sdk

echo "== driver headers in the SDK (the board builds: ${drivers:-none})"
want=$(printf '%s\n' ${drivers//;/ } | sed '/^$/d' | sort)
have=$( (cd "$sdk/include" 2>/dev/null && find drivers -name '*.h' 2>/dev/null) | sed 's|^drivers/||; s|\.h$||' | sort)
for d in $want; do
  grep -qx "$d" <<<"$have" || fail "the SDK has no include/drivers/$d.h, but the board builds drivers/$d.c"
  echo "   include/drivers/$d.h"
done
for d in $have; do
  grep -qx "$d" <<<"$want" || fail "the SDK ships include/drivers/$d.h, a driver the board does not build"
done
listed=$(sed -n 's/^set(BRIGADE_DRIVERS "\(.*\)")$/\1/p' "$sdk/lib/cmake/brigade/brigade-config.cmake" | tr ';' '\n' | sed '/^$/d' | sort)
[ "$listed" = "$want" ] || fail "brigade-config.cmake lists BRIGADE_DRIVERS '$listed', the board builds '$want'"
echo "   brigade-config.cmake lists the same drivers"

app=$work/app
name=rtc_alarm_app
cp -r "$app_dir" "$app"
[ $# -eq 7 ] && cp "$5" "$app/main.c"
echo "== each driver header alone${5:+, then $name}"
build_app "$app" "$sdk" -DBRIGADE_SMP="${6:-4}"
n=$(find "$app/build" -regex '.*/header_alone_[^/]*\.c\.obj?' | wc -l)
[ "$n" -eq "$(wc -w <<<"$want")" ] || fail "compiled $n driver headers alone, the board has $(wc -w <<<"$want")"
echo "   each of the $n driver headers compiles on its own against the SDK"
if [ $# -eq 4 ]; then
  echo "2 passed, 0 failed"
  exit 0
fi
mode=$7
expect_made "$app/build" $name.elf $name.bin
if [ "$mode" = build-only ]; then
  echo "3 passed, 0 failed"
  exit 0
fi
echo "== run-$name"
timeout --kill-after=5 300 cmake --build "$app/build" --target run-$name >"$work/run.log" 2>&1
rc=$?
cat "$work/run.log"
[ $rc -eq 0 ] || fail "run-$name exited $rc"
grep -Eq '^3 sleepers woke, [1-9][0-9]* alarm interrupts' "$work/run.log" ||
  fail "the sleepers did not all wake on the RTC's alarm interrupt"
echo "   every sleeper woke on the alarm interrupt, exit status 0"
echo "4 passed, 0 failed"
