#!/usr/bin/env bash
# The long soak: build the soak image (tests/soak/soak.c) and run it with
# many messages and spawns, judged as ctest judges the short run
# (tests/soak/run-soak.sh: the image's own checks, then its UART lines).
#
#   scripts/soak.sh                        10,000,000 messages and 1,000,000
#                                          spawns on 8 harts of QEMU virt RV64
#   SOAK_MESSAGES=N SOAK_SPAWNS=S          other counts
#   SOAK_CORES=n                           other core count (1 to 8)
#   BRIGADE_BOARD=qemu-virt-aarch64        another board (any with QEMU, or host)
#   SOAK_TIMEOUT=seconds                   hang limit (default 6 hours)
#   SOAK_RUNS=n                            boot it n times (default 1), stop at
#                                          the first failure
#   SOAK_LOG=file                          where the console log goes (run k of
#                                          several: file.k; default
#                                          build/soak/<board>-<time>.log)
#
# Prints the image's progress line every second, and at the end the figures
# and the wall time. Exits non-zero on any lost, duplicated, reordered or
# corrupt message, a wrong count, a panic, a deadlock or a hang.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
board=${BRIGADE_BOARD:-qemu-virt-rv64}
cores=${SOAK_CORES:-8}
messages=${SOAK_MESSAGES:-10000000}
spawns=${SOAK_SPAWNS:-1000000}
timeout=${SOAK_TIMEOUT:-21600}
runs=${SOAK_RUNS:-1}
case "$cores" in
  [1-8]) ;;
  *) echo "soak.sh: SOAK_CORES=$cores: expected 1 to 8" >&2; exit 2 ;;
esac
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "soak.sh: SOAK_RUNS=$runs: expected a count from 1" >&2; exit 2; }

cmake --preset "$board" >/dev/null
cmake --build --preset "$board" --target soak >/dev/null
cmdfile=build/$board/tests/soak/soak-cores$cores.cmd
[ -f "$cmdfile" ] || { echo "soak.sh: $board has no run command ($cmdfile): no QEMU model?" >&2; exit 2; }
mapfile -t run <"$cmdfile"
args="messages=$messages spawns=$spawns"
case "$(basename "${run[0]}")" in
  qemu-system-*) run+=(-append "$args") ;;
  *) run=(env "BRIGADE_ARGS=$args" "${run[@]}") ;;
esac

mkdir -p build/soak
log=${SOAK_LOG:-build/soak/$board-$(date +%Y%m%d-%H%M%S).log}
echo "soak.sh: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) host cpus, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "soak.sh: $(printf '%q ' "${run[@]}")"
start=$(date +%s)
passed=0
for ((k = 1; k <= runs; k++)); do
  runlog=$log
  [ "$runs" = 1 ] || runlog=$log.$k
  echo "soak.sh: run $k of $runs, log $runlog"
  status=0
  # The UART lines are checked, not shown: the progress and figures are.
  tests/soak/run-soak.sh --timeout "$timeout" --log "$runlog" -- "${run[@]}" |
    grep -Ev '^uart [0-9]+ ' || status=${PIPESTATUS[0]}
  [ "$status" = 0 ] || break
  passed=$((passed + 1))
done
wall=$(($(date +%s) - start))
printf 'soak.sh: %s: %d of %d runs passed, wall time %d min %02d s\n' \
  "$([ "$status" = 0 ] && echo passed || echo FAILED)" "$passed" "$runs" $((wall / 60)) $((wall % 60))
exit "$status"
