#!/usr/bin/env bash
# Parse a board's OpenOCD configuration without a probe, so a typo in it
# fails the tests instead of a session at the bench.
#
#   check-cfg.sh [--adapter ADAPTER.cfg] BOARD.cfg
#
# Without --adapter: OpenOCD's dummy adapter, then the board file, then
# "shutdown" before "init", so every command of the file (TAPs, targets,
# work areas) runs, but nothing touches hardware. With --adapter: the real
# adapter file first (its driver's own commands are checked too), still
# stopping before init. Bounded: OpenOCD gets 20 s.
set -u
adapter=
if [ "${1:-}" = --adapter ]; then adapter="$2"; shift 2; fi
cfg="${1:-}"
[ -f "$cfg" ] || { echo "check-cfg.sh: no such OpenOCD config: '$cfg'" >&2; exit 2; }
command -v openocd >/dev/null || { echo "check-cfg.sh: openocd not found (Debian package openocd; scripts/setup.sh installs it)" >&2; exit 2; }
if [ -n "$adapter" ]; then
  [ -f "$adapter" ] || { echo "check-cfg.sh: no such adapter config: '$adapter'" >&2; exit 2; }
  set -- -f "$adapter" -f "$cfg" -c shutdown
else
  set -- -c 'adapter driver dummy' -c 'transport select jtag' -f "$cfg" -c shutdown
fi
echo "check-cfg.sh: openocd $*"
timeout --kill-after=5 20 openocd "$@" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
  echo "check-cfg.sh: OpenOCD rejected $cfg${adapter:+ (with $adapter)}: exit status $rc"
  exit 1
fi
echo "check-cfg.sh: $cfg parses"
