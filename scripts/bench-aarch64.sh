#!/usr/bin/env bash
# Build the scheduler benchmark for QEMU virt AArch64, run it under
# -icount shift=0 (the PMU counts INST_RETIRED only then) and write its tables
# into docs/BENCHMARKS.md, in the section "Bare metal: qemu-virt-aarch64
# (instructions retired)", between the markers below. Text outside the
# markers (the analysis) is kept as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/bench-doc.sh
scripts/setup.sh

section='## Bare metal: qemu-virt-aarch64 (instructions retired)'
begin='<!-- bench-aarch64: written by scripts/bench-aarch64.sh; edits up to the end marker are lost -->'
end='<!-- /bench-aarch64 -->'
doc=docs/BENCHMARKS.md

# run_target PRESET TARGET: the target's output (it runs an image under
# QEMU); fails unless the image ended with "1 passed, 0 failed".
run_target() {
  local out
  cmake --preset "$1" >/dev/null
  out=$(timeout 600 cmake --build --preset "$1" --target "$2" 2>&1 | tr -d '\r') || {
    echo "$out" >&2
    echo "bench-aarch64.sh: $2 on $1 failed" >&2
    return 1
  }
  if ! grep -qx '1 passed, 0 failed' <<<"$out"; then
    echo "$out" >&2
    echo "bench-aarch64.sh: $2 on $1 did not produce every figure" >&2
    return 1
  fi
  printf '%s\n' "$out"
}

# The median column of a table row whose operation starts with $2.
median_of() { grep -F "| $2" <<<"$1" | head -n 1 | awk -F'|' '{gsub(/ /, "", $4); print $4}'; }
# The same for the UART row, whose median is its second column.
uart_median_of() { grep -F '| UART RX interrupt' <<<"$1" | head -n 1 | awk -F'|' '{gsub(/ /, "", $3); print $3}'; }

output=$(run_target qemu-virt-aarch64 bench-aarch64)
uart=$(run_target qemu-virt-aarch64 bench-uart-wake)
# RISC-V at the same commit, for the side-by-side table.
rv_output=$(run_target qemu-virt-rv64 bench-rv64)
rv_uart=$(run_target qemu-virt-rv64 bench-uart-wake)

qemu_line=$(sed -n 's/^bench: //p' <<<"$output" | head -n 1 | sed "s|$PWD/||g")
tables=$(sed -n '/^### /,/^[0-9]* passed, [0-9]* failed$/p' <<<"$output" | sed '$d')
uart_row=$(grep '^| UART RX interrupt' <<<"$uart")

# The trap entry's straight-line assembly before the C entry, from the
# disassembly, as an interrupt takes it on a core whose running context has
# FP access off (the reader's core is idle, and the idle loop does no FP):
# the IRQ vector slot (the one that starts with a pre-indexed push) up to
# its branch, then trap_common_elr_saved up to its bl, less the FP saves
# that its tbz jumps over. (awk reads to the end: an early exit would fail
# the pipe.)
elf=build/qemu-virt-aarch64/bench/uart_wake_bench.elf
entry_asm=$(aarch64-linux-gnu-objdump -d "$elf" | awk '
  /\tstp\tx0, x1, \[sp, #-16\]!/ {slot = 1}
  slot && /^ *[0-9a-f]+:/ {n++}
  slot && /<trap_common_elr_saved>/ {slot = 0}
  /<trap_common_elr_saved>:/ {common = 1; next}
  common && /^ *[0-9a-f]+:/ {
    addr = $1; sub(/:$/, "", addr)
    if (addr == target) skipping = 0
    if (!skipping) n++
    if (/\ttbz\t/ && target == "") {target = $(NF - 1); skipping = 1}
  }
  common && /bl\t.*<aarch64_trap>/ {common = 0}
  END {print n}')

# RISC-V: the path of a trap that finds sstatus.FS not Dirty (the reader's
# core is idle, and the idle task does no FP), which skips the 32 fsd.
rv_elf=build/qemu-virt-rv64/bench/uart_wake_bench.elf
rv_entry_asm=$(riscv64-unknown-elf-objdump -d "$rv_elf" |
  awk '/<trap_entry>:/ {f = 1; next} f && /^ *[0-9a-f]+:/ && !/\tfsd\t/ {n++} f && /<trap_dispatch>/ {print n; f = 0}')

side_by_side=$(
  echo "| operation (instructions) | qemu-virt-rv64 | qemu-virt-aarch64 | aarch64 / rv64 |"
  echo "|---|---|---|---|"
  for op in "task_yield switch" "spawn + first run + exit, empty task, default stack" \
            "spawn + first run + exit, empty task, 2 KiB" "task_sleep_ns(0)" \
            "task_park + task_ready" "semaphore hand-off" "unbuffered channel hand-off"; do
    rv=$(median_of "$rv_output" "$op")
    a64=$(median_of "$output" "$op")
    if [ -z "$rv" ] || [ -z "$a64" ]; then
      echo "bench-aarch64.sh: no row starting \"$op\" in the RISC-V or the AArch64 output" >&2
      exit 1
    fi
    echo "| $op | $rv | $a64 | $(awk -v a="$a64" -v r="$rv" 'BEGIN {printf "%.2f", a / r}') |"
  done
  rv=$(uart_median_of "$rv_uart")
  a64=$(uart_median_of "$uart")
  echo "| UART RX interrupt (trap C entry) to the parked reader running | $rv | $a64 | $(awk -v a="$a64" -v r="$rv" 'BEGIN {printf "%.2f", a / r}') |"
  echo "| trap entry assembly of an interrupt before that C entry (from the disassembly; no FP state in the interrupted context) | $rv_entry_asm | $entry_asm | |"
)

tables="$tables

Instructions from the trap handler's C entry (\`aarch64_trap\`) to the task
parked reading the UART running again, median, min and max of 9 one-byte
reads: \`cmake --build --preset qemu-virt-aarch64 --target bench-uart-wake\`.

| operation | median | min | max |
|---|---|---|---|
$uart_row

### Side by side with RISC-V

Medians, both measured by this script at the same commit (RISC-V:
\`--target bench-rv64\` and \`--target bench-uart-wake\` of the
qemu-virt-rv64 preset):

$side_by_side"
echo "$tables"

bench_doc_write_qemu "$doc" "$section" "$begin" "$end" qemu-system-aarch64 "scripts/bench-aarch64.sh" "$qemu_line" "$tables"
echo "bench-aarch64.sh: wrote the figures into $doc"
