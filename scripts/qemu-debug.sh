#!/usr/bin/env bash
# The debug-<image> targets (cmake/board_targets.cmake): QEMU halted at the
# first instruction with its gdbstub on PORT, the console in LOG (GDB owns
# the terminal), and gdb-multiarch attached with brigade's task awareness.
#
#   qemu-debug.sh PORT LOG IMAGE.elf -- <board's QEMU command...>
set -u
[ $# -ge 5 ] && [ "$4" = -- ] || { echo "usage: qemu-debug.sh PORT LOG IMAGE.elf -- QEMU..." >&2; exit 2; }
port=$1 log=$2 elf=$3; shift 4
here=$(cd "$(dirname "$0")/.." && pwd)
command -v gdb-multiarch >/dev/null || { echo "qemu-debug.sh: gdb-multiarch not found (scripts/setup.sh installs it)" >&2; exit 2; }
qemu=()
while [ $# -gt 0 ]; do  # the board's own -serial goes; the console goes to LOG
  if [ "$1" = -serial ]; then shift 2; continue; fi
  qemu+=("$1"); shift
done
"${qemu[@]}" -S -gdb "tcp::$port" -serial "file:$log" </dev/null &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
echo "qemu-debug.sh: QEMU halted at entry (gdbstub :$port), console in $log"
gdb-multiarch -q -ex "source $here/gdb/brigade.py" -x "$here/gdb/brigade.gdb" \
  -ex "target remote localhost:$port" "$elf"
