#!/usr/bin/env bash
# The host side-by-side: brigade tasks (host board, one pthread per core) vs
# Go goroutines (GOMAXPROCS) vs raw pthreads (one OS thread per task), the
# same workloads in each one's idiom (bench/host/), in one run. Writes the
# tables into docs/BENCHMARKS.md between the bench-host markers, the raw
# figures into build/bench/host.tsv and the chart into
# docs/benchmarks-host.svg. scripts/bench.sh runs this and the bare-metal
# half; run this alone for the host half only.
#
# Every figure is the median of BENCH_RUNS (default 5) measured runs, each a
# fresh process, after one warm-up run that is thrown away; min and max are
# shown. The two targets that compare brigade with Go (spawn + join,
# ping-pong) are judged by rounds run side by side, one run of each a
# round (measure_pair), so a slow spell of the machine falls on both.
# Environment knobs, all optional:
#   BENCH_RUNS=5             measured runs per figure (odd, >= 5 for the docs)
#   BENCH_QUICK=1            small counts and 3 runs: a check that it all
#                            works, not figures to publish (docs untouched)
#   BENCH_MAX_RSS_MIB=4096   skip a blocked-task row whose resident size,
#                            projected from the row before, exceeds this
#   BENCH_BUDGET_MIB=1024    the resident budget of the max-N probe
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/bench-doc.sh

load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
runs=${BENCH_RUNS:-5}
quick=${BENCH_QUICK:-0}
max_rss_mib=${BENCH_MAX_RSS_MIB:-4096}
budget_mib=${BENCH_BUDGET_MIB:-1024}
if [ "$quick" = 1 ]; then
  runs=3
  budget_mib=64
fi
if [ $((runs % 2)) -eq 0 ] || [ "$runs" -lt 1 ]; then
  echo "bench-host.sh: BENCH_RUNS must be odd (a median of an odd count), not $runs" >&2
  exit 2
fi

scripts/setup.sh golang-go gnuplot-nox

out=build/bench
mkdir -p "$out"
cmake --preset host >/dev/null
cmake --build --preset host --target brigade_tasks pthread_threads >/dev/null
# Go's default build is its optimised one; the C programs are -O2 (cmake/host.cmake).
(cd bench/host/go && GOCACHE="$PWD/../../../$out/go-cache" GOFLAGS=-mod=mod \
  go build -o "../../../$out/goroutines" .)

brigade_bin=build/host/bench/brigade_tasks
pthreads_bin=build/host/bench/pthread_threads
go_bin=$out/goroutines

# Sets cmd to the command for system $1 on $2 cores with workload
# arguments $3... Every system gets its cores the same way: taskset to the
# first $2 CPUs, plus its own knob (BRIGADE_CORES, GOMAXPROCS).
command_for() {
  local sys=$1 cores=$2
  shift 2
  local cpus
  cpus=$(seq -s, 0 $((cores - 1)))
  case $sys in
  brigade | brigade-2k)
    local stack=""
    [ "$sys" = brigade-2k ] && stack=" stack=2048"
    cmd=(env BRIGADE_CORES="$cores" "BRIGADE_ARGS=$*$stack" taskset -c "$cpus" "$brigade_bin")
    ;;
  go) cmd=(env GOMAXPROCS="$cores" taskset -c "$cpus" "$go_bin" "$@") ;;
  pthreads) cmd=(taskset -c "$cpus" "$pthreads_bin" "$@") ;;
  esac
}

tsv=$out/host.tsv
: >"$tsv"
declare -A median lo hi failure

# run_once ID SYSTEM KEY: one run of cmd; sets value to KEY's figure, or
# records the run's failure under ID and returns 1.
run_once() {
  local id=$1 sys=$2 key=$3 line err
  err=$(mktemp)
  if ! line=$("${cmd[@]}" 2>"$err" | grep '^result '); then
    failure[$id]=$(grep -v "^brigade on host" "$err" | tail -n 1 || true)
    [ -n "${failure[$id]}" ] || failure[$id]="exited without a result"
    echo "  $id: failed: ${failure[$id]}" >&2
    printf '%s\t%s\tfail\t\t\t%s\n' "$id" "$sys" "${failure[$id]}" >>"$tsv"
    rm -f "$err"
    return 1
  fi
  rm -f "$err"
  value=$(sed -n "s/.* $key=\([0-9.]*\).*/\1/p" <<<" ${line#result }")
}

# keep ID SYSTEM VALUE...: the median, min and max of the values, under ID.
keep() {
  local id=$1 sys=$2
  shift 2
  local sorted
  mapfile -t sorted < <(printf '%s\n' "$@" | sort -g)
  median[$id]=${sorted[$(($# / 2))]}
  lo[$id]=${sorted[0]}
  hi[$id]=${sorted[$(($# - 1))]}
  printf '%s\t%s\t%s\t%s\t%s\n' "$id" "$sys" "${median[$id]}" "${lo[$id]}" "${hi[$id]}" >>"$tsv"
  echo "  $id: ${median[$id]} (${lo[$id]} .. ${hi[$id]})  [${cmd[*]}]" >&2
}

# measure ID SYSTEM CORES KEY ARGS...: one warm-up run and $runs measured
# runs; the median, min and max of KEY go into the tables under ID.
measure() {
  local id=$1 sys=$2 cores=$3 key=$4
  shift 4
  local values=() i
  command_for "$sys" "$cores" "$@"
  for ((i = 0; i <= runs; i++)); do
    run_once "$id" "$sys" "$key" || return 0
    [ "$i" -eq 0 ] && continue # the warm-up run
    values+=("$value")
  done
  keep "$id" "$sys" "${values[@]}"
}

# measure_pair ID_A SYSTEM_A ID_B SYSTEM_B CORES KEY ARGS...: the two
# systems side by side, for a target that compares them: a warm-up run of
# each, then $runs rounds of one run of each, the order alternating (A B,
# then B A) so that the machine's spells of slowness fall on both alike.
# Each system's figures go under its ID as measure's do; each round's A / B
# goes into pair_median, pair_lo and pair_hi under "ID_A/ID_B". A system
# that fails is recorded as failed and the other measured alone.
declare -A pair_median pair_lo pair_hi
measure_pair() {
  local ida=$1 sysa=$2 idb=$3 sysb=$4 cores=$5 key=$6
  shift 6
  local cmd_a cmd_b value_a value_b i order side id sys other other_sys
  local values_a=() values_b=() ratios=() sorted
  command_for "$sysa" "$cores" "$@"
  cmd_a=("${cmd[@]}")
  command_for "$sysb" "$cores" "$@"
  cmd_b=("${cmd[@]}")
  for ((i = 0; i <= runs; i++)); do
    order="a b"
    [ $((i % 2)) -eq 1 ] && order="b a"
    for side in $order; do
      if [ "$side" = a ]; then
        cmd=("${cmd_a[@]}") id=$ida sys=$sysa other=$idb other_sys=$sysb
      else
        cmd=("${cmd_b[@]}") id=$idb sys=$sysb other=$ida other_sys=$sysa
      fi
      if ! run_once "$id" "$sys" "$key"; then
        measure "$other" "$other_sys" "$cores" "$key" "$@"
        return 0
      fi
      printf -v "value_$side" '%s' "$value"
    done
    [ "$i" -eq 0 ] && continue # the warm-up round
    values_a+=("$value_a")
    values_b+=("$value_b")
    ratios+=("$(awk -v a="$value_a" -v b="$value_b" 'BEGIN { printf "%.4f", a / b }')")
  done
  cmd=("${cmd_a[@]}")
  keep "$ida" "$sysa" "${values_a[@]}"
  cmd=("${cmd_b[@]}")
  keep "$idb" "$sysb" "${values_b[@]}"
  mapfile -t sorted < <(printf '%s\n' "${ratios[@]}" | sort -g)
  pair_median[$ida/$idb]=${sorted[$((runs / 2))]}
  pair_lo[$ida/$idb]=${sorted[0]}
  pair_hi[$ida/$idb]=${sorted[$((runs - 1))]}
  echo "  $ida / $idb, round by round: ${pair_median[$ida/$idb]} (${pair_lo[$ida/$idb]} .. ${pair_hi[$ida/$idb]})" >&2
}

skip() { # skip ID REASON
  failure[$1]="not run: $2"
  printf '%s\t\tskip\t\t\t%s\n' "$1" "$2" >>"$tsv"
  echo "  $1: ${failure[$1]}" >&2
}

# A table cell: "median (min .. max)", or why there is no figure.
cell() {
  local id=$1 digits=${2:-0}
  if [ -n "${median[$id]:-}" ]; then
    printf "%.${digits}f (%.${digits}f .. %.${digits}f)" "${median[$id]}" "${lo[$id]}" "${hi[$id]}"
  else
    echo "${failure[$id]:-}"
  fi
}

# ratio A B: median of A over median of B, "x.yz", or blank.
ratio() {
  if [ -n "${median[$1]:-}" ] && [ -n "${median[$2]:-}" ]; then
    awk -v a="${median[$1]}" -v b="${median[$2]}" 'BEGIN { printf "%.2f", a / b }'
  fi
}

# paired A B: the median of the rounds' A / B from measure_pair, "x.yz
# (min .. max)", or blank.
paired() {
  if [ -n "${pair_median[$1/$2]:-}" ]; then
    printf "%.2f (%.2f .. %.2f)" "${pair_median[$1/$2]}" "${pair_lo[$1/$2]}" "${pair_hi[$1/$2]}"
  fi
}

# two_places VALUE: "x.yz", or "?" when there is no value.
two_places() { if [ -n "$1" ]; then printf '%.2f' "$1"; else echo '?'; fi; }

# verdict VALUE OP TARGET: "met" or "missed" against a target.
verdict() {
  [ -n "$1" ] || return 0
  awk -v v="$1" -v t="$3" -v op="$2" \
    'BEGIN { ok = (op == ">=") ? v >= t : v <= t; printf "%s", ok ? "met" : "missed" }'
}

if [ "$quick" = 1 ]; then
  spawn_counts=(1000 10000)
  pingpong_rounds=20000
  pthreads_pingpong_rounds=2000
  blocked_counts=(1000 10000)
  fib_fine=(22 2)
  fib_coarse=(30 16)
else
  spawn_counts=(10000 100000 1000000)
  pingpong_rounds=1000000
  pthreads_pingpong_rounds=100000 # ~30 k round trips a second: a few seconds
  blocked_counts=(1000 10000 100000 1000000)
  fib_fine=(30 2)
  fib_coarse=(36 20)
fi
systems=(brigade go pthreads)

echo "bench-host.sh: (a) spawn + join" >&2
for n in "${spawn_counts[@]}"; do
  measure_pair "spawn.go.$n" go "spawn.brigade.$n" brigade 2 ns_per_task spawn "$n"
  measure "spawn.pthreads.$n" pthreads 2 ns_per_task spawn "$n"
done

echo "bench-host.sh: (b) ping-pong" >&2
measure_pair pingpong.brigade brigade pingpong.go go 2 round_trips_per_s pingpong "$pingpong_rounds"
measure pingpong.pthreads pthreads 2 round_trips_per_s pingpong "$pthreads_pingpong_rounds"

echo "bench-host.sh: (c) blocked tasks" >&2
blocked_systems=(brigade brigade-2k go pthreads)
for s in "${blocked_systems[@]}"; do
  prev=""
  for n in "${blocked_counts[@]}"; do
    id="blocked.$s.$n"
    if [ -n "$prev" ] && [ -n "${median[$prev]:-}" ]; then
      projected=$(awk -v b="${median[$prev]}" -v n="$n" 'BEGIN { printf "%d", b * n / 1048576 }')
      if [ "$projected" -gt "$max_rss_mib" ]; then
        skip "$id" "projected ${projected} MiB resident > BENCH_MAX_RSS_MIB=${max_rss_mib}"
        prev=$id
        continue
      fi
    elif [ -n "$prev" ] && [ -n "${failure[$prev]:-}" ]; then
      skip "$id" "fewer failed"
      prev=$id
      continue
    fi
    measure "$id" "$s" 2 bytes_per_task blocked "$n"
    prev=$id
  done
done

echo "bench-host.sh: (d) largest N in ${budget_mib} MiB" >&2
for s in "${blocked_systems[@]}"; do
  measure "maxn.$s" "$s" 2 max_tasks maxn "$budget_mib"
done

echo "bench-host.sh: (e) fork-join fib" >&2
for cores in 1 2; do
  measure "fibfine.brigade.$cores" brigade "$cores" ms fib "${fib_fine[@]}"
  measure "fibfine.go.$cores" go "$cores" ms fib "${fib_fine[@]}"
  for s in "${systems[@]}"; do
    measure "fibcoarse.$s.$cores" "$s" "$cores" ms fib "${fib_coarse[@]}"
  done
done
fine_threads=$(awk -v n="${fib_fine[0]}" 'BEGIN { a = 0; b = 1; for (i = 0; i < n; i++) { t = a + b; a = b; b = t } print a }')
skip fibfine.pthreads.1 "would create $((fine_threads - 1)) threads"
skip fibfine.pthreads.2 "would create $((fine_threads - 1)) threads"

# ---- the tables -------------------------------------------------------------

declare -A names=([brigade]="brigade, guarded stacks" [brigade-2k]="brigade, 2 KiB heap stacks" [go]="Go" [pthreads]="pthreads")
tables=$(
  echo "### (a) Spawn + join N empty tasks: nanoseconds per task (2 cores)"
  echo
  echo "| N | brigade | Go | pthreads | Go / brigade | pthreads / brigade |"
  echo "|---|---|---|---|---|---|"
  for n in "${spawn_counts[@]}"; do
    echo "| $n | $(cell spawn.brigade.$n 1) | $(cell spawn.go.$n 1) | $(cell spawn.pthreads.$n 1) |" \
      "$(ratio spawn.go.$n spawn.brigade.$n) | $(ratio spawn.pthreads.$n spawn.brigade.$n) |"
  done
  n=${spawn_counts[0]}
  g=${pair_median[spawn.go.$n/spawn.brigade.$n]:-}
  p=$(ratio spawn.pthreads.$n spawn.brigade.$n)
  echo
  echo "brigade and Go ran side by side, one run of each a round, the order alternating; Go / brigade"
  echo "round by round, median (min .. max):"
  for m in "${spawn_counts[@]}"; do
    echo "N = $m: $(paired spawn.go.$m spawn.brigade.$m)."
  done
  echo
  echo "Targets at N = $n: >= 5x cheaper than Go (the median round): $(two_places "$g")x," \
    "$(verdict "$g" '>=' 5); >= 100x cheaper than pthread_create: ${p:-?}x, $(verdict "$p" '>=' 100)."
  echo
  echo "### (b) Ping-pong over unbuffered channels (pthreads: mutex + condition variables): round trips per second (2 cores)"
  echo
  echo "| rounds | brigade | Go | pthreads | brigade / Go | brigade / pthreads |"
  echo "|---|---|---|---|---|---|"
  echo "| $pingpong_rounds ($pthreads_pingpong_rounds for pthreads) | $(cell pingpong.brigade) |" \
    "$(cell pingpong.go) | $(cell pingpong.pthreads) | $(ratio pingpong.brigade pingpong.go) |" \
    "$(ratio pingpong.brigade pingpong.pthreads) |"
  g=${pair_median[pingpong.brigade/pingpong.go]:-}
  echo
  echo "brigade and Go ran side by side as in (a); brigade / Go round by round: $(paired pingpong.brigade pingpong.go)."
  echo
  echo "Target: >= 3x Go's round trips (the median round): $(two_places "$g")x, $(verdict "$g" '>=' 3)."
  echo
  echo "### (c) N tasks blocked at once: resident bytes per blocked task (2 cores)"
  echo
  echo "Resident set growth (/proc/self/statm) from before the first spawn to all N blocked, over N."
  echo "brigade's default task stack is guarded and growable (a 256 KiB reservation of which Linux"
  echo "maps the touched pages, above a PROT_NONE guard: two memory mappings per task, so at most"
  echo "about (vm.max_map_count = $(cat /proc/sys/vm/max_map_count)) / 2 at once); \"2 KiB heap stacks\" asks for"
  echo "TASK_STACK_MIN-byte fixed heap stacks (task_attr.heap_stack). pthreads have their default"
  echo "8 MiB stacks; the kernel's own memory per thread (a 16 KiB kernel stack and its task_struct)"
  echo "and per mapping is not resident in the process and not counted."
  echo
  echo "| N | brigade, guarded stacks | brigade, 2 KiB heap stacks | Go | pthreads | Go / brigade 2 KiB | pthreads / brigade 2 KiB |"
  echo "|---|---|---|---|---|---|---|"
  for n in "${blocked_counts[@]}"; do
    echo "| $n | $(cell blocked.brigade.$n) | $(cell blocked.brigade-2k.$n) | $(cell blocked.go.$n) |" \
      "$(cell blocked.pthreads.$n) | $(ratio blocked.go.$n blocked.brigade-2k.$n) |" \
      "$(ratio blocked.pthreads.$n blocked.brigade-2k.$n) |"
  done
  n=${blocked_counts[2]:-${blocked_counts[-1]}}
  g=$(ratio blocked.brigade-2k.$n blocked.go.$n)
  gd=$(ratio blocked.brigade.$n blocked.go.$n)
  echo
  echo "Target at N = $n: <= half a goroutine's bytes: 2 KiB heap stacks ${g:-?} of Go's," \
    "$(verdict "$g" '<=' 0.5); default stacks ${gd:-?} of Go's, $(verdict "$gd" '<=' 0.5)."
  echo
  echo "### (d) The largest N blocked at once within ${budget_mib} MiB of resident growth (2 cores)"
  echo
  echo "Tasks are added in batches (1000, or 1/32 of those so far) until the resident growth"
  echo "passes the budget; the figure is the count before the batch that passed it. pthreads"
  echo "stop earlier, when pthread_create fails (this machine's pid_max is $(cat /proc/sys/kernel/pid_max)),"
  echo "and brigade's guarded stacks before the batch that would take more memory mappings than"
  echo "vm.max_map_count allows (\`stopped_by=max_map_count\` in the program's result line)."
  echo
  echo "| system | largest N | N / brigade's (2 KiB heap stacks) |"
  echo "|---|---|---|"
  for s in "${blocked_systems[@]}"; do
    echo "| ${names[$s]} | $(cell maxn.$s) | $(ratio maxn.$s maxn.brigade-2k) |"
  done
  echo
  echo "### (e) Fork-join fib: milliseconds, and the speedup from 1 core to 2"
  echo
  echo "fib(n) spawns a task for fib(n-1), computes fib(n-2) itself and joins; below the"
  echo "cutoff it recurses without tasks. Fine-grained: fib(${fib_fine[0]}), a task per call"
  echo "(n >= ${fib_fine[1]}): $((fine_threads - 1)) tasks. Coarse: fib(${fib_coarse[0]})," \
    "tasks only for n >= ${fib_coarse[1]}."
  echo
  echo "| workload | system | 1 core | 2 cores | speedup | time / brigade's (2 cores) |"
  echo "|---|---|---|---|---|---|"
  for w in fibfine fibcoarse; do
    label="fine, fib(${fib_fine[0]})"
    [ $w = fibcoarse ] && label="coarse, fib(${fib_coarse[0]})"
    for s in "${systems[@]}"; do
      echo "| $label | ${names[$s]} | $(cell $w.$s.1 1) | $(cell $w.$s.2 1) |" \
        "$(ratio $w.$s.1 $w.$s.2) | $(ratio $w.$s.2 $w.brigade.2) |"
    done
  done
)

echo "$tables"

# ---- the chart ------------------------------------------------------------------

chart=docs/benchmarks-host.svg
if [ "$quick" = 1 ]; then
  chart=$out/benchmarks-host.svg
fi
{
  # One block per panel; gnuplot reads them by index. Missing figures are "?".
  fig() { echo "${median[$1]:-?}"; }
  echo "# spawn: N brigade go pthreads (ns per task)"
  for n in "${spawn_counts[@]}"; do
    echo "$n $(fig spawn.brigade.$n) $(fig spawn.go.$n) $(fig spawn.pthreads.$n)"
  done
  printf '\n\n# pingpong: system, round trips per second\n'
  echo "brigade $(fig pingpong.brigade)"
  echo "Go $(fig pingpong.go)"
  echo "pthreads $(fig pingpong.pthreads)"
  printf '\n\n# blocked: N brigade brigade-2k go pthreads (bytes per task)\n'
  for n in "${blocked_counts[@]}"; do
    echo "$n $(fig blocked.brigade.$n) $(fig blocked.brigade-2k.$n) $(fig blocked.go.$n) $(fig blocked.pthreads.$n)"
  done
  printf '\n\n# largest N within the budget: system, N\n'
  for s in "${blocked_systems[@]}"; do
    echo "${s/brigade-2k/brigade-2KiB} $(fig maxn.$s)"
  done
  printf '\n\n# fib speedup: system fine coarse\n'
  for s in "${systems[@]}"; do
    f=$(ratio fibfine.$s.1 fibfine.$s.2)
    c=$(ratio fibcoarse.$s.1 fibcoarse.$s.2)
    echo "${names[$s]} ${f:-?} ${c:-?}"
  done
} >"$out/chart.dat"
gnuplot -e "datafile='$out/chart.dat'; outfile='$chart'; budget='$budget_mib'" bench/host/chart.gp
echo "bench-host.sh: chart in $chart" >&2

if [ "$quick" = 1 ]; then
  echo "bench-host.sh: quick run; docs/BENCHMARKS.md left as it was" >&2
  exit 0
fi

# ---- into docs/BENCHMARKS.md ------------------------------------------------------

begin='<!-- bench-host: written by scripts/bench-host.sh; edits up to the end marker are lost -->'
end='<!-- /bench-host -->'
section='## Host: brigade tasks vs Go goroutines vs pthreads'
doc=docs/BENCHMARKS.md
generated=$(
  echo "$begin"
  echo
  echo "Measured $(date -u +%Y-%m-%d) by \`${BENCH_ENTRY:-scripts/bench-host.sh}\` on $(nproc) x" \
    "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), Linux $(uname -r)," \
    "$(gcc --version | head -n 1) (-O2), $(go version | cut -d' ' -f3)."
  echo "Load average when the run began: $load_at_start; when it ended: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "(blocked threads count in it). The machine's 2 cores are"
  echo "shared with other engineers' builds, so wall-clock figures carry their noise; min and max show it."
  echo "Each figure: median of $runs runs (each a fresh process) after 1 warm-up run, (min .. max)."
  echo "brigade and Go ran side by side for (a) and (b): a round is one run of each, the order"
  echo "alternating, and the targets are judged by the median round's ratio."
  echo "Cores: every system runs under \`taskset\` on the first 1 or 2 CPUs, with BRIGADE_CORES or"
  echo "GOMAXPROCS set to match. Raw figures: build/bench/host.tsv."
  echo
  echo "![brigade vs Go vs pthreads](benchmarks-host.svg)"
  echo
  echo "$tables"
  echo
  echo "$end"
)
bench_doc_write "$doc" "$section" "$begin" "$end" "$generated" top
echo "bench-host.sh: wrote the figures into $doc" >&2
