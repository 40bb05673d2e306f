#!/usr/bin/env bash
# The benchmark suite's one command: builds and runs everything under bench/
# and writes docs/BENCHMARKS.md (a table per section, the machine, this
# command, the date) and the chart docs/benchmarks-host.svg.
#
#   1. host: brigade tasks vs Go goroutines vs pthreads (scripts/bench-host.sh)
#   2. bare metal, qemu-virt-rv64: instructions retired per operation, tasks
#      in 128 MiB, a fork-join of a million tasks (scripts/bench-rv64.sh)
#   3. bare metal, qemu-virt-aarch64: instructions retired per operation and
#      per UART wake-up, beside RISC-V's (scripts/bench-aarch64.sh)
#   4. spreading: a burst of spawns onto idle cores, and the shell's fib per
#      core, on both QEMU virt boards at -smp 4 (scripts/bench-spread.sh)
#   5. servers: idle connections held and requests/s, brigade under QEMU vs
#      Go net/http vs a pthread per connection (scripts/bench-net.sh)
#
# It installs what it needs (Go, gnuplot) if missing. It takes a while
# (about 30 minutes on 2 cores, half of it the servers' part) and is never
# part of the test run; ctest has only smoke tests of the benchmark
# programs. BENCH_QUICK=1 runs the host half
# at small counts without touching the docs, to check that it all works.
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_ENTRY=scripts/bench.sh
start=$(date +%s)
scripts/bench-host.sh
if [ "${BENCH_QUICK:-0}" != 1 ]; then
  scripts/bench-rv64.sh
  scripts/bench-aarch64.sh
  scripts/bench-spread.sh
  scripts/bench-net.sh
fi
echo "bench.sh: done in $(( $(date +%s) - start )) s; figures in docs/BENCHMARKS.md"
