#!/usr/bin/env bash
# Build the scheduler benchmark for QEMU virt AArch64, run it under
# -icount shift=0 (the PMU counts INST_RETIRED only then) and write its tables
# into docs/BENCHMARKS.md, in the section "Bare metal: qemu-virt-aarch64
# (instructions retired)", between the markers below. Text outside the
# markers (the analysis) is kept as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

section='## Bare metal: qemu-virt-aarch64 (instructions retired)'
begin='<!-- bench-aarch64: written by scripts/bench-aarch64.sh; edits up to the end marker are lost -->'
end='<!-- /bench-aarch64 -->'
doc=docs/BENCHMARKS.md

cmake --preset qemu-virt-aarch64 >/dev/null
cmake --build --preset qemu-virt-aarch64 --target sched_bench >/dev/null
# The bench-aarch64 target holds the QEMU command line; it echoes it first.
output=$(timeout 600 cmake --build --preset qemu-virt-aarch64 --target bench-aarch64 2>&1 |
  tr -d '\r') || {
  echo "$output"
  echo "bench-aarch64.sh: the benchmark failed" >&2
  exit 1
}
if ! grep -qx '1 passed, 0 failed' <<<"$output"; then
  echo "$output"
  echo "bench-aarch64.sh: the benchmark did not produce every figure" >&2
  exit 1
fi
qemu_line=$(sed -n 's/^bench: //p' <<<"$output" | head -n 1 | sed "s|$PWD/||g")
tables=$(sed -n '/^### /,/^[0-9]* passed, [0-9]* failed$/p' <<<"$output" | sed '$d')
echo "$tables"

# The UART row: the bench-uart-wake target types one byte at a time.
uart=$(timeout 300 cmake --build --preset qemu-virt-aarch64 --target bench-uart-wake 2>&1 |
  tr -d '\r') || {
  echo "$uart"
  echo "bench-aarch64.sh: the UART benchmark failed" >&2
  exit 1
}
uart_row=$(grep '^| UART RX interrupt' <<<"$uart" || true)
if [ -z "$uart_row" ] || ! grep -qx '1 passed, 0 failed' <<<"$uart"; then
  echo "$uart"
  echo "bench-aarch64.sh: the UART benchmark did not produce its figure" >&2
  exit 1
fi
tables="$tables

Instructions from the trap handler's C entry (\`aarch64_trap\`) to the task
parked reading the UART running again, median, min and max of 9 one-byte
reads: \`cmake --build --preset qemu-virt-aarch64 --target bench-uart-wake\`.

| operation | median | min | max |
|---|---|---|---|
$uart_row"
echo "$uart_row"

generated=$(
  echo "$begin"
  echo
  qemu_version=$(qemu-system-aarch64 --version | head -n 1)
  echo "Measured $(date -u +%Y-%m-%d) on an $(uname -m) host with $qemu_version."
  echo "Command: \`scripts/bench-aarch64.sh\`, which runs"
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
echo "bench-aarch64.sh: wrote the figures into $doc"
