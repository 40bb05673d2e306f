#!/usr/bin/env bash
# Build the scheduler benchmark for QEMU virt RV64, run it under
# -icount shift=0 (instret counts instructions only then) and write its tables
# into docs/BENCHMARKS.md, in the section "Bare metal: qemu-virt-rv64
# (instructions retired)", between the markers below. Text outside the
# markers (the analysis) is kept as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/bench-doc.sh
scripts/setup.sh

section='## Bare metal: qemu-virt-rv64 (instructions retired)'
begin='<!-- bench-rv64: written by scripts/bench-rv64.sh; edits up to the end marker are lost -->'
end='<!-- /bench-rv64 -->'
doc=docs/BENCHMARKS.md

cmake --preset qemu-virt-rv64 >/dev/null
cmake --build --preset qemu-virt-rv64 --target sched_bench scale_bench irq_bench >/dev/null
# The instruction_marks QEMU plugin runs in QEMU, on the host: the host's compiler.
mkdir -p build/bench
plugin=build/bench/instruction_marks.so
gcc -O2 -Wall -Wextra -Werror -shared -fPIC -fvisibility=hidden -o "$plugin" \
  bench/qemu-plugin/instruction_marks.c
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

# ---- scale and interrupts: without -icount (they need every hart) ----------------
#
# Instruction counts here come from the instruction_marks plugin: the images
# bracket what they measure with marks, and the plugin writes down every
# hart's count at each (bench/instruction_mark.h).

depth=${BENCH_FORKJOIN_DEPTH:-20}
handoff_rounds=${BENCH_HANDOFF_ROUNDS:-10000}
uart_bytes=${BENCH_UART_BYTES:-200}
images=build/qemu-virt-rv64/bench
rv_qemu=(qemu-system-riscv64 -M virt -m 128M -bios default -display none -serial stdio
  -monitor none)
marks=$(mktemp)
trap 'rm -f "$marks"' EXIT

# run_image IMAGE SMP APPEND [QEMU ARGS...]: the image's output; stops the
# script if the image does not end with "1 passed, 0 failed".
run_image() {
  local image=$1 smp=$2 append=$3 out
  shift 3
  out=$(timeout 1200 "${rv_qemu[@]}" -smp "$smp" -append "$append" "$@" \
    -kernel "$images/$image.elf" </dev/null 2>&1 | tr -d '\r\000') || true
  if ! grep -qx '1 passed, 0 failed' <<<"$out"; then
    local log=build/bench/failed-$image-smp$smp.log
    echo "$out" >"$log"
    grep -a -m 3 'PANIC\|deadlock\|irq_bench:\|scale:' "$log" >&2 || echo "$out" | tail -n 20 >&2
    echo "bench-rv64.sh: $image -smp $smp -append '$append' failed; its output: $log" >&2
    exit 1
  fi
  echo "$out"
}

# "median min max" of the numbers on stdin, one per line.
median_min_max() {
  sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)], v[1], v[NR] }'
}

# Per repetition between marks START and END in the marks file: the
# instructions of all harts together, divided by DIVISOR. One line each.
instructions_per_op() { # START END DIVISOR
  awk -v s="$1" -v e="$2" -v d="$3" '
    $1 == "mark" && $2 == s { for (i = 4; i <= NF; i++) a[i] = $i }
    $1 == "mark" && $2 == e { t = 0; for (i = 4; i <= NF; i++) t += $i - a[i]; printf "%.1f\n", t / d }
  ' "$marks"
}

# Milliseconds of the measured fork-join runs, one per line.
forkjoin_ms() { awk -F'|' '/^\| measured / { printf "%.1f\n", $3 / 1000 }'; }

echo "bench-rv64.sh: scale probes" >&2
pending=$(run_image scale_bench 1 "probe=pending" | grep '^| pending')
parked=$(run_image scale_bench 1 "probe=parked" | grep '^| parked')
guarded=$(run_image scale_bench 1 "probe=guarded" | grep '^| parked')

echo "bench-rv64.sh: fork-join of 2^$depth tasks at -smp 1, 2 and 8" >&2
# Each run_image on its own line: its exit inside a pipeline's command
# substitution would not stop the script.
fj1=$(run_image scale_bench 1 "forkjoin depth=$depth")
fj2=$(run_image scale_bench 2 "forkjoin depth=$depth")
read -r m1 lo1 hi1 <<<"$(forkjoin_ms <<<"$fj1" | median_min_max)"
read -r m2 lo2 hi2 <<<"$(forkjoin_ms <<<"$fj2" | median_min_max)"
fj8=$(run_image scale_bench 8 "forkjoin depth=$depth" -plugin "$plugin,out=$marks")
# Per hart, per measured run: instructions between the marks; the busiest
# hart over the mean, and the last run's counts for the table.
hart_ratios=$(awk '
  $1 == "mark" && $2 == 1 { for (i = 4; i <= NF; i++) a[i] = $i }
  $1 == "mark" && $2 == 2 { max = 0; sum = 0; n = 0
    for (i = 4; i <= NF; i++) { d = $i - a[i]; sum += d; n++; if (d > max) max = d }
    printf "%.3f\n", max / (sum / n) }' "$marks")
read -r ratio ratio_lo ratio_hi <<<"$(median_min_max <<<"$hart_ratios")"
last_instructions=$(awk '
  $1 == "mark" && $2 == 1 { for (i = 4; i <= NF; i++) a[i] = $i }
  $1 == "mark" && $2 == 2 { line = ""; for (i = 4; i <= NF; i++) line = line " " ($i - a[i]) }
  END { print line }' "$marks")
read -r -a hart_instr <<<"$last_instructions"
per_core=$(sed -n '/^| core |/,/^$/p' <<<"$fj8" | awk -F'|' -v list="$last_instructions" '
  BEGIN { n = split(list, ins, " ") }
  NR == 1 { print $0 " instructions |"; next }
  NR == 2 { print $0 "---|"; next }
  NF > 2 { print $0 " " ins[$2 + 1] " |" }')
steal_pct=$(awk -F'|' '/^\| [0-9]+ \|/ { sw += $4; st += $5 } END { printf "%.3f", 100 * st / sw }' <<<"$per_core")
speedup=$(awk -v a="$m1" -v b="$m2" 'BEGIN { printf "%.2f", a / b }')

# Microseconds per round trip of the measured repetitions, one per line.
round_trip_us() { awk '/^handoff: repetition [1-9]/ { printf "%.1f\n", $4 / 1000 }'; }

# handoff_row SPIN: the instructions and wall time of the hand-off with an idle
# hart's spin bound SPIN (empty: the default), as "median min max median-us".
handoff_row() {
  local out
  : >"$marks"
  out=$(run_image irq_bench 2 "handoff=$handoff_rounds${1:+ idle_spin=$1}" \
    -plugin "$plugin,out=$marks")
  echo "$(instructions_per_op 3 4 $((2 * handoff_rounds)) | median_min_max)" \
    "$(round_trip_us <<<"$out" | median_min_max | cut -d' ' -f1)"
}

echo "bench-rv64.sh: cross-core hand-off, $handoff_rounds round trips, idle harts spinning and not" >&2
read -r ho ho_lo ho_hi ho_us <<<"$(handoff_row '')"
read -r hs ho_lo0 ho_hi0 hs_us <<<"$(handoff_row 0)"

# The UART row needs someone to type: one byte every few milliseconds once
# the image says it is reading, slower on a retry if bytes came bunched
# (two in one interrupt, which the image reports as a failure).
echo "bench-rv64.sh: UART receive -> task, $uart_bytes bytes x 6" >&2
uart_row=""
for gap in 0.004 0.01 0.03; do
  : >"$marks"
  fifo=$(mktemp -u)
  mkfifo "$fifo"
  log=$(mktemp)
  timeout 600 "${rv_qemu[@]}" -smp 1 -append "uart=$uart_bytes" -plugin "$plugin,out=$marks" \
    -kernel "$images/irq_bench.elf" <"$fifo" >"$log" 2>&1 &
  qemu_pid=$!
  exec 3>"$fifo"
  for ((i = 0; i < 600; i++)); do
    grep -q '^uart: reading' "$log" && break
    sleep 0.1
  done
  for ((i = 0; i < 6 * uart_bytes; i++)); do
    printf x >&3
    sleep "$gap"
  done
  wait "$qemu_pid" || true
  exec 3>&-
  rm -f "$fifo"
  if grep -q '^1 passed, 0 failed' <(tr -d '\r' <"$log"); then
    read -r ua ua_lo ua_hi <<<"$(instructions_per_op 5 6 "$uart_bytes" | median_min_max)"
    uart_row="| UART receive interrupt -> the parked reader runs, reads its byte and parks again; one byte per interrupt, a byte every ${gap} s (per byte) | $ua | $ua_lo | $ua_hi |"
    rm -f "$log"
    break
  fi
  tr -d '\r' <"$log" | grep '^uart\|^irq_bench' >&2 || true
  rm -f "$log"
done
[ -n "$uart_row" ] || uart_row="| UART receive interrupt -> task | not measured: bytes kept arriving more than one per interrupt | | |"

verdict() { awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN { print ((op == ">=") ? v >= t : v <= t) ? "met" : "missed" }'; }
count_of() { awk -F'|' '{ print $3 + 0 }' <<<"$1"; }

tables+=$(
  echo
  echo
  echo "### Interrupts: instructions on every hart, counted by the instruction_marks plugin"
  echo
  echo "Without -icount, with \`-plugin build/bench/instruction_marks.so\` (bench/qemu-plugin/): the"
  echo "plugin counts the instructions each hart retires, in every privilege mode (OpenSBI's M-mode"
  echo "IPI and timer handling included), and writes the counts at marks the image executes. A hart"
  echo "asleep in wfi retires nothing; a hart spinning for work before it sleeps (100 polls by"
  echo "default, \`sched_set_idle_spin_polls\`) retires its polls, and they are counted. Median"
  echo "(min, max) of 5 repetitions after 1 warm-up, in \`irq_bench.elf\`; the hand-off rows also give"
  echo "the median wall time of a round trip (the guest clock, which follows the host's: it moves"
  echo "with the host's load)."
  echo
  echo "| operation | median | min | max |"
  echo "|---|---|---|---|"
  echo "| cross-core channel hand-off: tasks pinned to harts 0 and 1, each send readies the other hart's task; a hart that runs out of work spins before it sleeps, so a partner answering within the spin needs no IPI; both harts (per hand-off, -smp 2, $handoff_rounds round trips; $ho_us us a round trip) | $ho | $ho_lo | $ho_hi |"
  echo "| the same with \`idle_spin=0\` (each hart sleeps at once, as before the spin: the send sends an IPI, the other hart wakes, runs the task and sleeps again; $hs_us us a round trip) | $hs | $ho_lo0 | $ho_hi0 |"
  echo "$uart_row"
  echo
  echo "### Scale: tasks in QEMU's default 128 MiB"
  echo
  echo "\`scale_bench.elf -append probe=pending\`, \`probe=parked\` and \`probe=guarded\`, -smp 1: tasks"
  echo "are added in batches of 1000 while the heap has room for another batch and a 256 KiB reserve"
  echo "(for guarded stacks also a page-pool chunk and every core's page cache); then all of them run"
  echo "to the end."
  echo
  echo "| what | tasks | KiB of heap | bytes per task |"
  echo "|---|---|---|---|"
  echo "$pending"
  echo "$parked"
  echo "$guarded"
  echo
  echo "Targets: 1,000,000 pending: $(count_of "$pending"), $(verdict "$(count_of "$pending")" '>=' 1000000);" \
    "100,000 parked: $(count_of "$parked"), $(verdict "$(count_of "$parked")" '>=' 100000)."
  echo
  echo "### Scale: fork-join of $((1 << depth)) tasks"
  echo
  echo "\`scale_bench.elf -append \"forkjoin depth=$depth\"\`: a binary tree, each node spawns a task for"
  echo "one subtree, does the other itself and joins; each leaf does 64 rounds of xorshift."
  echo "Wall-clock milliseconds (the guest's timer, QEMU's multi-threaded TCG, no plugin), median"
  echo "(min .. max) of 5 runs after 1 warm-up, in one boot."
  echo
  echo "| harts | median ms | min | max |"
  echo "|---|---|---|---|"
  echo "| 1 | $m1 | $lo1 | $hi1 |"
  echo "| 2 | $m2 | $lo2 | $hi2 |"
  echo
  echo "MTTCG speedup, -smp 2 over -smp 1: ${speedup}x (target >= 1.8: $(verdict "$speedup" '>=' 1.8))."
  echo
  echo "At -smp 8 with the plugin: instructions per hart between the marks around each measured run."
  echo "The busiest hart over the mean: median $ratio (min $ratio_lo, max $ratio_hi) of the 5 runs"
  echo "(target <= 1.10: $(verdict "$ratio" '<=' 1.10)). The last run, per hart:"
  echo
  echo "$per_core"
  echo
  echo "Steals: ${steal_pct}% of switches in that run (target <= 1%: $(verdict "$steal_pct" '<=' 1))."
)
echo "$tables"

bench_doc_write_qemu "$doc" "$section" "$begin" "$end" qemu-system-riscv64 "${BENCH_ENTRY:-scripts/bench-rv64.sh}" "$qemu_line" "$tables"
echo "bench-rv64.sh: wrote the figures into $doc"
