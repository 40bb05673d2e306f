#!/usr/bin/env bash
# Rewrites bench/icount-table.txt: builds sched_bench for each QEMU virt
# board and records its instruction count per operation under -icount
# shift=0 (bench/icount-guard.sh update, through the board's
# `update-icount-table` target). Commit the table in the same commit as the
# change that moved the figures, saying why in the message; ctest's
# bench.icount_guard holds every later build to it.
#
#   scripts/update-icount-table.sh [PRESET...]   (default: both boards)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(qemu-virt-rv64 qemu-virt-aarch64)
for p in "${presets[@]}"; do
  echo "update-icount-table.sh: $p"
  cmake --preset "$p" >/dev/null
  cmake --build --preset "$p" --target update-icount-table
done
git --no-pager diff --stat -- bench/icount-table.txt || true
echo "update-icount-table.sh: bench/icount-table.txt holds the figures of this tree"
