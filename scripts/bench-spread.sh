#!/usr/bin/env bash
# How fast a burst of spawns spreads onto idle cores (bench/spread_bench.c),
# on qemu-virt-rv64 and qemu-virt-aarch64 at -smp 4, written into
# docs/BENCHMARKS.md in the section "Spreading: a burst of spawns onto idle
# cores", between the markers below. Text outside the markers (the
# analysis) is kept as it is.
#
# The image's own tables are the guest's wall clock under QEMU's
# multi-threaded TCG (they include the host waking a vCPU thread, so they
# move with the host's load). On RISC-V the instruction_marks plugin also
# counts, per hart, the instructions between the first spawn of a burst and
# the first task starting on another core: the thief's count is its whole
# path from the wake-up to the task, and does not depend on the host.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/bench-doc.sh
scripts/setup.sh

section='## Spreading: a burst of spawns onto idle cores'
begin='<!-- bench-spread: written by scripts/bench-spread.sh; edits up to the end marker are lost -->'
end='<!-- /bench-spread -->'
doc=docs/BENCHMARKS.md
smp=${BENCH_SPREAD_SMP:-4}

mkdir -p build/bench
plugin=build/bench/instruction_marks.so
gcc -O2 -Wall -Wextra -Werror -shared -fPIC -fvisibility=hidden -o "$plugin" \
  bench/qemu-plugin/instruction_marks.c
marks=$(mktemp)
trap 'rm -f "$marks"' EXIT

# run PRESET QEMU-ARGS...: the image's tables; stops the script unless it
# ended with "1 passed, 0 failed".
run() {
  local preset=$1 out
  shift
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" --target spread_bench >/dev/null
  out=$(timeout 600 "$@" -smp "$smp" -kernel "build/$preset/bench/spread_bench.elf" </dev/null \
    2>&1 | tr -d '\r\000') || true
  if ! grep -qx '1 passed, 0 failed' <<<"$out"; then
    echo "$out" | tail -n 20 >&2
    echo "bench-spread.sh: spread_bench on $preset failed" >&2
    exit 1
  fi
  sed -n '/^### /,/^[0-9]* passed, [0-9]* failed$/p' <<<"$out" | sed '$d' | sed 's/^### /#### /'
}

rv_qemu=(qemu-system-riscv64 -M virt -m 128M -bios default -display none -serial stdio -monitor none)
a64_qemu=(qemu-system-aarch64 -M virt,gic-version=2 -cpu cortex-a53 -m 128M -nic none -display none
  -serial stdio -monitor none)

echo "bench-spread.sh: qemu-virt-rv64, -smp $smp, with the instruction_marks plugin" >&2
rv_tables=$(run qemu-virt-rv64 "${rv_qemu[@]}" -plugin "$plugin,out=$marks")
# Per measured burst: a mark 7 (the spawner, before its first spawn), then a
# mark 8 (the first task to start on another core, on that core). Warm-up
# bursts have no mark 7 and are skipped.
per_burst=$(awk '
  $1 == "mark" && $2 == 7 { spawner = $3; for (i = 4; i <= NF; i++) a[i] = $i; open = 1; next }
  $1 == "mark" && $2 == 8 && open { t = $3
    print $(t + 4) - a[t + 4], $(spawner + 4) - a[spawner + 4]; open = 0 }' "$marks")
read -r thief thief_lo thief_hi <<<"$(awk '{ print $1 }' <<<"$per_burst" | sort -g |
  awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)], v[1], v[NR] }')"
read -r spawner spawner_lo spawner_hi <<<"$(awk '{ print $2 }' <<<"$per_burst" | sort -g |
  awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)], v[1], v[NR] }')"
bursts=$(wc -l <<<"$per_burst")

echo "bench-spread.sh: qemu-virt-aarch64, -smp $smp" >&2
a64_tables=$(run qemu-virt-aarch64 "${a64_qemu[@]}")

tables=$(
  echo "### qemu-virt-rv64, -smp $smp"
  echo
  echo "$rv_tables"
  echo
  echo "#### Instructions from the first spawn to the first task on another core (plugin, per hart)"
  echo
  echo "Median (min, max) of $bursts bursts: the thief, asleep in wfi at the first spawn, counts its"
  echo "whole path to the task (M-mode IPI, trap, idle loop, search, steal, first-run stack,"
  echo "switch); the spawner counts what it ran meanwhile (its spin), which is the host's"
  echo "latency in waking the thief's vCPU thread, in the spawner's instructions."
  echo
  echo "| hart | median | min | max |"
  echo "|---|---|---|---|"
  echo "| the thief (wake-up to task) | $thief | $thief_lo | $thief_hi |"
  echo "| the spawner (meanwhile) | $spawner | $spawner_lo | $spawner_hi |"
  echo
  echo "### qemu-virt-aarch64, -smp $smp"
  echo
  echo "$a64_tables"
)
echo "$tables"
qemu_line="${rv_qemu[*]} -smp $smp -plugin $plugin,out=FILE -kernel build/qemu-virt-rv64/bench/spread_bench.elf"
bench_doc_write_qemu "$doc" "$section" "$begin" "$end" qemu-system-riscv64 \
  "${BENCH_ENTRY:-scripts/bench-spread.sh}" "$qemu_line" "$tables"
echo "bench-spread.sh: wrote the figures into $doc"
