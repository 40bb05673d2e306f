#!/usr/bin/env bash
# Build the scheduler benchmark for QEMU virt RV64, run it under
# -icount shift=0 (instret counts instructions only then) and write its tables
# into docs/BENCHMARKS.md, in the section "Bare metal: qemu-virt-rv64
# (instructions retired)", between the markers below. Text outside the
# markers (the analysis) is kept as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

section='## Bare metal: qemu-virt-rv64 (instructions retired)'
begin='<!-- bench-rv64: written by scripts/bench-rv64.sh; edits up to the end marker are lost -->'
end='<!-- /bench-rv64 -->'
doc=docs/BENCHMARKS.md

cmake --preset qemu-virt-rv64 >/dev/null
cmake --build --preset qemu-virt-rv64 --target sched_bench scale_bench >/dev/null
# The bench-rv64 target holds the QEMU command line; it echoes it first.
output=$(timeout 600 cmake --build --preset qemu-virt-rv64 --target bench-rv64 2>&1 |
  tr -d '\r') || {
  echo "$output"
  echo "bench-rv64.sh: the benchmark failed" >&2
  exit 1
}
if ! grep -qx '1 passed, 0 failed' <<<"$output"; then
  echo "$output"
  echo "bench-rv64.sh: the benchmark did not produce every figure" >&2
  exit 1
fi
qemu_line=$(sed -n 's/^bench: //p' <<<"$output" | head -n 1 | sed "s|$PWD/||g")
tables=$(sed -n '/^### /,/^[0-9]* passed, [0-9]* failed$/p' <<<"$output" | sed '$d')
echo "$tables"

# ---- scale: bench/scale_bench.c, without -icount (it needs every hart) ----------

depth=${BENCH_FORKJOIN_DEPTH:-20}
scale_elf=build/qemu-virt-rv64/bench/scale_bench.elf
scale_qemu=(qemu-system-riscv64 -M virt -m 128M -bios default -display none -serial stdio
  -monitor none)

# run_scale SMP APPEND: the image's output, or the reason it failed.
run_scale() {
  local out
  out=$(timeout 1200 "${scale_qemu[@]}" -smp "$1" -append "$2" -kernel "$scale_elf" 2>&1 |
    tr -d '\r') || true
  if ! grep -qx '1 passed, 0 failed' <<<"$out"; then
    echo "$out" | tail -n 20 >&2
    echo "bench-rv64.sh: scale_bench -smp $1 -append '$2' failed" >&2
    exit 1
  fi
  echo "$out"
}

# Median, min and max of the measured fork-join runs, in milliseconds.
forkjoin_times() {
  awk -F'|' '/^\| measured / { print $3 + 0 }' | sort -n |
    awk '{ v[NR] = $1 } END { printf "%.1f %.1f %.1f", v[int((NR + 1) / 2)] / 1000, v[1] / 1000, v[NR] / 1000 }'
}

echo "bench-rv64.sh: scale probes and fork-join (depth $depth)" >&2
pending=$(run_scale 1 "probe=pending" | grep '^| pending')
parked=$(run_scale 1 "probe=parked" | grep '^| parked')
fj8=$(run_scale 8 "forkjoin depth=$depth")
fj1=$(run_scale 1 "forkjoin depth=$depth")
fj2=$(run_scale 2 "forkjoin depth=$depth")
read -r m1 lo1 hi1 <<<"$(forkjoin_times <<<"$fj1")"
read -r m2 lo2 hi2 <<<"$(forkjoin_times <<<"$fj2")"
read -r m8 lo8 hi8 <<<"$(forkjoin_times <<<"$fj8")"
per_core=$(sed -n '/^| core |/,/^$/p' <<<"$fj8")
balance=$(awk -F'|' '/^\| [0-9]+ \|/ {
    n++; t = $3 + 0; b = $7 + 0; tasks += t; busy += b; sw += $4; st += $5
    if (t > tmax) tmax = t; if (b > bmax) bmax = b }
  END { printf "%.2f %.2f %.3f", tmax / (tasks / n), bmax / (busy / n), 100 * st / sw }' <<<"$per_core")
read -r tasks_ratio busy_ratio steal_pct <<<"$balance"
speedup=$(awk -v a="$m1" -v b="$m2" 'BEGIN { printf "%.2f", a / b }')
verdict() { awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN { print ((op == ">=") ? v >= t : v <= t) ? "met" : "missed" }'; }
count_of() { awk -F'|' '{ print $3 + 0 }' <<<"$1"; }

tables+=$(
  echo
  echo
  echo "### Scale: tasks in QEMU's default 128 MiB"
  echo
  echo "\`scale_bench.elf -append probe=pending\` and \`probe=parked\`, -smp 1: tasks are added in"
  echo "batches of 1000 while the heap has room for another batch and a 256 KiB reserve; then all"
  echo "of them run to the end."
  echo
  echo "| what | tasks | KiB of heap | bytes per task |"
  echo "|---|---|---|---|"
  echo "$pending"
  echo "$parked"
  echo
  echo "Targets: 1,000,000 pending: $(count_of "$pending"), $(verdict "$(count_of "$pending")" '>=' 1000000);" \
    "100,000 parked: $(count_of "$parked"), $(verdict "$(count_of "$parked")" '>=' 100000)."
  echo
  echo "### Scale: fork-join of $((1 << depth)) tasks"
  echo
  echo "\`scale_bench.elf -append \"forkjoin depth=$depth\"\`: a binary tree, each node spawns a task for"
  echo "one subtree, does the other itself and joins; each leaf does $((64)) rounds of xorshift."
  echo "Wall-clock milliseconds (the guest's timer, QEMU's multi-threaded TCG), median (min .. max)"
  echo "of 5 runs after 1 warm-up, in one boot."
  echo
  echo "| harts | median ms | min | max |"
  echo "|---|---|---|---|"
  echo "| 1 | $m1 | $lo1 | $hi1 |"
  echo "| 2 | $m2 | $lo2 | $hi2 |"
  echo "| 8 | $m8 | $lo8 | $hi8 |"
  echo
  echo "MTTCG speedup, -smp 2 over -smp 1: ${speedup}x (target >= 1.8: $(verdict "$speedup" '>=' 1.8))."
  echo
  echo "Per hart at -smp 8, the last run:"
  echo
  echo "$per_core"
  echo
  echo "Balance: the busiest hart ran ${tasks_ratio}x the mean count of tasks and was busy ${busy_ratio}x"
  echo "the mean busy time (target max/mean <= 1.10 of instructions: tasks $(verdict "$tasks_ratio" '<=' 1.10)," \
    "busy time $(verdict "$busy_ratio" '<=' 1.10)). Steals: ${steal_pct}% of switches" \
    "(target <= 1%: $(verdict "$steal_pct" '<=' 1))."
  echo "Per-hart instruction counts are not available: QEMU 7.2 counts instructions in"
  echo "instret only under -icount, which never starts a second hart; tasks run and busy time"
  echo "(wall time less the hart's idle time) stand in for them."
)
echo "$tables" | tail -n 40

generated=$(
  echo "$begin"
  echo
  qemu_version=$(qemu-system-riscv64 --version | head -n 1)
  echo "Measured $(date -u +%Y-%m-%d) on an $(uname -m) host with $qemu_version."
  echo "Command: \`${BENCH_ENTRY:-scripts/bench-rv64.sh}\`, which runs"
  echo
  echo "    $qemu_line"
  echo
  echo "$tables"
  echo
  echo "$end"
)

if [ ! -f "$doc" ]; then
  printf '# Benchmarks\n\n%s\n\n%s\n' "$section" "$generated" >"$doc"
elif grep -qxF "$begin" "$doc" && grep -qxF "$end" "$doc"; then
  # Replace only what lies between the markers.
  GENERATED="$generated" awk -v begin="$begin" -v end="$end" '
    $0 == begin { print ENVIRON["GENERATED"]; skipping = 1; next }
    $0 == end { skipping = 0; next }
    !skipping { print }
  ' "$doc" >"$doc.tmp"
  mv "$doc.tmp" "$doc"
elif grep -qxF "$section" "$doc"; then
  # The section without figures yet: they go right under its heading.
  GENERATED="$generated" awk -v section="$section" '
    { print }
    $0 == section { print ""; print ENVIRON["GENERATED"] }
  ' "$doc" >"$doc.tmp"
  mv "$doc.tmp" "$doc"
else
  printf '\n%s\n\n%s\n' "$section" "$generated" >>"$doc"
fi
echo "bench-rv64.sh: wrote the figures into $doc"
