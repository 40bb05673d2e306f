#!/usr/bin/env bash
# Holds the scheduler's instruction counts to bench/icount-table.txt.
#
#   icount-guard.sh check  BOARD TABLE ITERS -- <qemu command running sched_bench.elf>
#   icount-guard.sh update BOARD TABLE ITERS -- <qemu command running sched_bench.elf>
#
# Both run the image once with -append "iters=ITERS memory=off report=lines"
# (the QEMU command must hold -icount shift=0: the image's calibration row
# fails the run otherwise; bench/CMakeLists.txt adds sleep=off, which makes
# the figures repeat exactly). Each operation's figure is the median of the
# image's 7 repetitions, in instructions retired per operation.
#
# check compares every operation with BOARD's rows of TABLE and fails when
#   - an operation costs more than 5% more than its row (a regression), or
#   - an operation costs more than 5% less than its row (the table is stale:
#     a message on a passing test is never seen, and a stale row would let a
#     later regression of the same size through unnoticed), or
#   - an operation has no row, or a row no operation (the table and the
#     benchmark disagree on what is measured).
# update rewrites BOARD's rows of TABLE with the figures measured now and
# keeps every other line (other boards, the comments) as it was.
#
# Instruction counts under -icount shift=0,sleep=off do not depend on the
# host's speed or load: the same image gives the same figures on a busy
# machine.
set -uo pipefail

usage() {
  echo "usage: icount-guard.sh check|update BOARD TABLE ITERS -- <qemu command>" >&2
  exit 2
}
[ $# -ge 6 ] && [ "$5" = "--" ] || usage
mode=$1 board=$2 table=$3 iters=$4
shift 5
case "$mode" in check | update) ;; *) usage ;; esac
case "$iters" in '' | *[!0-9]*) usage ;; esac

# Regressions and stale rows: a change of more than this many percent.
tolerance_pct=5

echo "icount-guard: $board, $iters iterations per repetition: $* -append \"iters=$iters memory=off report=lines\""
output=$(timeout --kill-after=5 600 "$@" -append "iters=$iters memory=off report=lines" \
  </dev/null 2>&1 | tr -d '\r')
rc=$?
if [ $rc -ne 0 ] || ! grep -qx '1 passed, 0 failed' <<<"$output"; then
  echo "$output"
  echo "icount-guard: FAIL: sched_bench did not measure every operation (exit status $rc)" >&2
  exit 1
fi
# "KEY MEDIAN" per operation; the calibration row only proves the counter
# counts instructions, which the image has checked already.
measured=$(awk '$1 == "op" && $2 != "calibration" { print $2, $3 }' <<<"$output")
if [ -z "$measured" ]; then
  echo "$output"
  echo "icount-guard: FAIL: sched_bench printed no operation" >&2
  exit 1
fi

if [ "$mode" = update ]; then
  new=$(mktemp)
  trap 'rm -f "$new"' EXIT
  if [ -f "$table" ]; then
    awk -v b="$board" '$1 != b' "$table" >"$new"
  fi
  awk -v b="$board" '{ printf "%-18s %-12s %s\n", b, $1, $2 }' <<<"$measured" >>"$new"
  cat "$new" >"$table"
  awk -v b="$board" '{ printf "icount-guard: %s %s %s\n", b, $1, $2 }' <<<"$measured"
  echo "icount-guard: wrote $board's rows of $table"
  exit 0
fi

[ -f "$table" ] || {
  echo "icount-guard: FAIL: no table $table (scripts/update-icount-table.sh writes it)" >&2
  exit 1
}
# Lines of the table: "BOARD OPERATION INSTRUCTIONS"; # starts a comment.
expected=$(awk -v b="$board" '!/^[ \t]*#/ && $1 == b { print $2, $3 }' "$table")
awk -v tol="$tolerance_pct" -v board="$board" -v table="$table" '
  NF == 0 { next }
  FNR == NR {
    if ($2 !~ /^[0-9]+(\.[0-9]+)?$/ || $2 + 0 == 0) {
      printf "icount-guard: %-12s BAD ROW in %s: \"%s\" is not a positive number of instructions\n", $1, table, $2
      broken = 1; next
    }
    if ($1 in want) {
      printf "icount-guard: %-12s TWO ROWS in %s for this operation on %s\n", $1, table, board
      broken = 1; next
    }
    want[$1] = $2; order[++n] = $1; next
  }
  { got[$1] = $2; seen[++m] = $1 }
  END {
    bad = broken
    for (i = 1; i <= m; i++) {
      op = seen[i]; g = got[op]
      if (!(op in want)) {
        printf "icount-guard: %-12s %10s   NO ROW in %s for this operation (or a bad one)\n", op, g, table
        bad = 1; continue
      }
      w = want[op]; pct = (g - w) * 100 / w
      verdict = "ok"
      if (pct > tol) { verdict = sprintf("MORE EXPENSIVE by more than %d%%: a regression", tol); bad = 1 }
      else if (pct < -tol) { verdict = sprintf("CHEAPER by more than %d%%: the table is stale", tol); bad = 1 }
      printf "icount-guard: %-12s %10s   table %10s   %+7.2f%%   %s\n", op, g, w, pct, verdict
    }
    for (i = 1; i <= n; i++)
      if (!(order[i] in got)) {
        printf "icount-guard: %-12s %10s   table %10s   NOT MEASURED by sched_bench\n", order[i], "-", want[order[i]]
        bad = 1
      }
    exit bad
  }' <(printf '%s\n' "$expected") <(printf '%s\n' "$measured")
status=$?
if [ $status -eq 0 ]; then
  echo "icount-guard: PASS: every operation on $board within ${tolerance_pct}% of $table"
  exit 0
fi
echo "icount-guard: FAIL on $board. If the change in cost is deliberate, run" \
  "scripts/update-icount-table.sh and commit $table with that change, saying why in the message." >&2
exit 1
