#!/usr/bin/env bash
# Run GDB in batch mode against an image halted at its first instruction in
# QEMU's gdbstub, and check what GDB printed.
#
#   run-gdb-test.sh --gdb GDB --elf IMAGE --commands FILE --expect FILE
#                   [--console-expect REGEX] [--timeout SECONDS] -- <qemu command...>
#
# QEMU is started by GDB itself through a pipe (target remote | qemu ...
# -gdb stdio -S), so parallel tests never fight over a TCP port; the
# console goes to a file. --expect names a file of extended regular
# expressions, one per line (blank lines and lines starting with # are
# ignored): every one must match some line of GDB's output. --console-expect
# must match a line of the console (e.g. the image's final summary, which
# proves the target ran on correctly after the debugger was done with it).
set -u
gdb=gdb-multiarch
elf=
commands=
expect=
console_expect=
timeout=120
while [ $# -gt 0 ]; do
  case "$1" in
    --gdb) gdb="$2"; shift 2 ;;
    --elf) elf="$2"; shift 2 ;;
    --commands) commands="$2"; shift 2 ;;
    --expect) expect="$2"; shift 2 ;;
    --console-expect) console_expect="$2"; shift 2 ;;
    --timeout) timeout="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "run-gdb-test.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
for f in "$elf" "$commands" "$expect"; do
  [ -f "$f" ] || { echo "run-gdb-test.sh: no such file: '$f' (need --elf, --commands, --expect)" >&2; exit 2; }
done
[ $# -gt 0 ] || { echo "run-gdb-test.sh: no QEMU command after --" >&2; exit 2; }
command -v "$gdb" >/dev/null || { echo "run-gdb-test.sh: $gdb not found (Debian package gdb-multiarch; scripts/setup.sh installs it)" >&2; exit 2; }
command -v "$1" >/dev/null || { echo "run-gdb-test.sh: $1 not found" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
script="$here/../../gdb/brigade.py"
work=$(mktemp -d "${TMPDIR:-/tmp}/brigade-gdb.XXXXXX")
trap 'rm -rf "$work"' EXIT
console="$work/console.log"
: >"$console"

# The QEMU command, quoted for GDB's "target remote |" (run by /bin/sh).
qemu=$(printf '%q ' "$@")
echo "run-gdb-test.sh: $gdb $(basename "$elf") with QEMU: $qemu"
timeout --kill-after=5 "$timeout" "$gdb" -batch -nx -q \
  -ex "source $script" \
  -ex "target remote | exec $qemu -S -gdb stdio -serial file:$console" \
  -x "$commands" "$elf" </dev/null >"$work/gdb.log" 2>&1
rc=$?
cat "$work/gdb.log"
echo "--- console ---"
cat "$console"
echo "---"

status=0
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
  echo "run-gdb-test.sh: GDB still running after ${timeout}s: killed"
  status=1
elif [ "$rc" != 0 ]; then
  echo "run-gdb-test.sh: GDB exited with status $rc"
  status=1
fi
if grep -q '^Python Exception' "$work/gdb.log"; then
  echo "run-gdb-test.sh: the GDB script raised a Python exception"
  status=1
fi
while IFS= read -r re; do
  case "$re" in ''|'#'*) continue ;; esac
  if ! grep -Eq -- "$re" "$work/gdb.log"; then
    echo "run-gdb-test.sh: no GDB output line matches: $re"
    status=1
  fi
done <"$expect"
if [ -n "$console_expect" ] && ! tr -d '\r' <"$console" | grep -Eq -- "$console_expect"; then
  echo "run-gdb-test.sh: no console line matches: $console_expect"
  status=1
fi
[ $status = 0 ] && echo "run-gdb-test.sh: pass"
exit $status
