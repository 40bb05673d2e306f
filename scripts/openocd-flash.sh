#!/usr/bin/env bash
# Write a brigade image into a real board's RAM over JTAG (the flash target
# of cmake/board_targets.cmake). brigade boots from RAM, so "flash" means:
# halt every hart, load the flat image at its link address, resume; U-Boot,
# waiting at its prompt, then starts it with booti (README.md, per board).
#
#   openocd-flash.sh ADAPTER.cfg BOARD.cfg IMAGE.bin LOAD_ADDR
#
# Without a probe OpenOCD fails at "init" and this script says which
# adapter it looked for; it never waits longer than 60 s.
set -u
[ $# -eq 4 ] || { echo "usage: openocd-flash.sh ADAPTER.cfg BOARD.cfg IMAGE.bin LOAD_ADDR" >&2; exit 2; }
adapter=$1 cfg=$2 image=$3 addr=$4
for f in "$adapter" "$cfg" "$image"; do
  [ -f "$f" ] || { echo "openocd-flash.sh: no such file: $f" >&2; exit 2; }
done
command -v openocd >/dev/null || { echo "openocd-flash.sh: openocd not found (Debian package openocd)" >&2; exit 2; }
timeout --kill-after=5 60 openocd -f "$adapter" -f "$cfg" \
  -c init -c halt -c "load_image $image $addr bin" -c "verify_image $image $addr bin" \
  -c resume -c shutdown
rc=$?
if [ $rc -ne 0 ]; then
  echo "openocd-flash.sh: could not load $image: no JTAG probe answered as configured by $adapter" \
       "(is it plugged in, and the board powered?), or the board did not halt (exit status $rc)" >&2
  exit 1
fi
echo "openocd-flash.sh: $image is in RAM at $addr; at the U-Boot prompt: booti $addr - \${fdtcontroladdr}"
