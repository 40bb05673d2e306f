#!/usr/bin/env bash
# Run one test image under QEMU and decide what happened.
#
#   run-image.sh [--expect pass|fail|panic|hang|deadlock] [--timeout SECONDS]
#                [--expect-output REGEX] -- <qemu command...>
#
# Verdicts:
#   pass   QEMU exited 0 and the last line was "N passed, 0 failed" with N > 0
#   fail   QEMU exited non-zero after a summary with failures, or exited 0 without
#          a trustworthy summary (QEMU exits 0 on some failure paths)
#   panic  the output holds a "PANIC" report
#   deadlock  the output holds "all tasks are asleep - deadlock!"
#   hang   QEMU was still running after the timeout and was killed
# The script exits 0 when the verdict equals --expect (default pass), so the
# harness's own self-test can require that failing, panicking and hanging
# images are recognised as such. --expect-output also requires a line of the
# output to match REGEX (grep -E), e.g. the cause named in a panic report.
set -u
expect=pass
timeout=120
want_output=
while [ $# -gt 0 ]; do
  case "$1" in
    --expect) expect="$2"; shift 2 ;;
    --timeout) timeout="$2"; shift 2 ;;
    --expect-output) want_output="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "run-image.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
case "$expect" in pass|fail|panic|hang|deadlock) ;; *) echo "run-image.sh: bad --expect $expect" >&2; exit 2 ;; esac
[ $# -gt 0 ] || { echo "run-image.sh: no command after --" >&2; exit 2; }
command -v "$1" >/dev/null || { echo "run-image.sh: $1 not found (install the Debian package that provides it; scripts/setup.sh does)" >&2; exit 2; }

log=$(mktemp "${TMPDIR:-/tmp}/brigade-run.XXXXXX")
trap 'rm -f "$log"' EXIT
echo "run-image.sh: $*"
timeout --kill-after=5 "$timeout" "$@" </dev/null 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

last=$(tr -d '\r' <"$log" | grep -v '^[[:space:]]*$' | tail -n 1)
summary_ok=no
if [[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ [0-9]+\ skipped)?$ ]]; then
  if [ "${BASH_REMATCH[2]}" = 0 ] && [ "${BASH_REMATCH[1]}" -gt 0 ]; then summary_ok=yes; fi
fi

if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
  verdict=hang; why="still running after ${timeout}s"
elif grep -q 'all tasks are asleep - deadlock!' "$log" && [ "$rc" != 0 ]; then
  verdict=deadlock; why="deadlock report, exit status $rc"
elif grep -q 'PANIC' "$log"; then
  verdict=panic; why="panic report, exit status $rc"
elif [ "$rc" = 0 ] && [ $summary_ok = yes ]; then
  verdict=pass; why="exit status 0, summary: $last"
else
  verdict=fail; why="exit status $rc, last line: ${last:-<no output>}"
fi

echo "run-image.sh: verdict $verdict ($why); expected $expect"
[ "$verdict" = "$expect" ] || exit 1
if [ -n "$want_output" ] && ! tr -d '\r' <"$log" | grep -Eq -- "$want_output"; then
  echo "run-image.sh: no output line matches: $want_output"
  exit 1
fi
exit 0
