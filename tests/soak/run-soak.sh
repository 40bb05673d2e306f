#!/usr/bin/env bash
# Run the soak image and judge it twice: tests/harness/run-image.sh judges
# the image's own verdict (exit status 0 and "N passed, 0 failed"), then
# check-uart-lines.py checks the numbered lines its UART writer put on the
# console: every one there, in order, intact.
#
#   run-soak.sh [--timeout SECONDS] [--log FILE] -- <command that runs the image...>
#
# --log keeps the console output (default: a temporary file, removed).
set -u
here=$(cd "$(dirname "$0")" && pwd)
timeout=600
log=
while [ $# -gt 0 ]; do
  case "$1" in
    --timeout) timeout="$2"; shift 2 ;;
    --log) log="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "run-soak.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ $# -gt 0 ] || { echo "run-soak.sh: no command after --" >&2; exit 2; }
if [ -z "$log" ]; then
  log=$(mktemp "${TMPDIR:-/tmp}/brigade-soak.XXXXXX")
  trap 'rm -f "$log"' EXIT
fi

"$here/../harness/run-image.sh" --expect pass --timeout "$timeout" -- "$@" | tee "$log"
image_rc=${PIPESTATUS[0]}
python3 "$here/check-uart-lines.py" "$log"
uart_rc=$?
[ "$image_rc" = 0 ] && [ "$uart_rc" = 0 ]
