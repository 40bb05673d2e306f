#!/usr/bin/env bash
# The seed's table, for servers: one load generator (bench/net/go/loadgen)
# against three servers that give every connection its own task or thread,
#
#   brigade   bench/net/server.c on qemu-virt-rv64 under QEMU (TCG
#             emulation, -smp 2, 128 MiB), reached through QEMU user
#             networking's forwarded ports; a task per connection
#   Go        bench/net/go/server: net/http, a goroutine per connection
#   pthreads  bench/net/pthread_server.c: a POSIX thread per connection
#
# and for each: how many idle connections it holds (each opened, one
# request answered, left open) until one fails or the cap, the memory per
# idle connection (brigade: its heap, read inside the image; the host
# servers: resident set growth), then requests per second from keep-alive
# clients, the median of a few rounds. Writes the tables into
# docs/BENCHMARKS.md between the bench-net markers. About 12 minutes on 2
# cores, most of it brigade's hold: QEMU's user networking polls every
# connection's host socket on each turn of its main loop, so each new
# connection takes longer than the one before. Knobs:
#   BENCH_NET_CAP=19000     connections to try at most (each program needs a
#                           descriptor per connection: at most ulimit -Hn - 1000)
#   BENCH_NET_STACK=5120    brigade's connection task stack (bytes)
#   BENCH_NET_SECONDS=5     measured seconds of each requests/s round
#   BENCH_NET_CLIENTS=16    keep-alive clients of the requests/s run
#   BENCH_NET_ROUNDS=5      requests/s rounds per server; the median is reported
#   BENCH_NET_NO_DOC=1      print the tables, leave the docs alone
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/bench-doc.sh
scripts/setup.sh golang-go

hard_nofile=$(ulimit -Hn)
cap=${BENCH_NET_CAP:-19000}
if [ "$hard_nofile" != unlimited ] && [ "$cap" -gt $((hard_nofile - 1000)) ]; then
  cap=$((hard_nofile - 1000))
fi
stack=${BENCH_NET_STACK:-5120}
seconds=${BENCH_NET_SECONDS:-5}
clients=${BENCH_NET_CLIENTS:-16}
rounds=${BENCH_NET_ROUNDS:-5}
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
# Descriptors for this script and what it starts only: the shell that ran
# it keeps its own limit.
ulimit -n "$hard_nofile"

out=build/bench
mkdir -p "$out"
# The socket table holds the cap and the server's own sockets
# (BRIGADE_NET_MAX_SOCKETS; the default build's 1024 would be the limit).
bench_build=build/bench-net-rv64
cmake --preset qemu-virt-rv64 -B "$bench_build" -DBRIGADE_NET_MAX_SOCKETS=$((cap + 64)) >/dev/null
cmake --build "$bench_build" --target net_server_bench -j2 >/dev/null
cmake --preset host >/dev/null
cmake --build --preset host --target net_pthread_server -j2 >/dev/null
(cd bench/net/go && GOCACHE="$PWD/../../../$out/go-cache" GOFLAGS=-mod=mod \
  go build -o "../../../$out/net-loadgen" ./loadgen &&
  GOCACHE="$PWD/../../../$out/go-cache" GOFLAGS=-mod=mod go build -o "../../../$out/net-go-server" ./server)
loadgen=$out/net-loadgen
image=$bench_build/bench/net_server_bench.elf

# Every server this script starts, stopped on any exit.
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap stop_server EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# wait_for LOG: until the server's log says it listens (60 s at most).
wait_for() {
  for _ in $(seq 600); do
    grep -q '^server: listening' "$1" 2>/dev/null && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  tr -d '\r' <"$1" | tail -n 20 >&2
  echo "bench-net.sh: the server did not come up" >&2
  exit 1
}

# run_loadgen NAME ARGS...: the load generator's output into $out/net-NAME.out.
run_loadgen() {
  local name=$1
  shift
  echo "  $ $loadgen $*" >&2
  if ! "$loadgen" "$@" >"$out/net-$name.out" 2>"$out/net-$name.err"; then
    tail -n 5 "$out/net-$name.err" >&2
    echo "bench-net.sh: the load generator failed against $name" >&2
    exit 1
  fi
  cat "$out/net-$name.out" >&2
}
common=(-max "$cap" -parallel 1 -clients "$clients" -seconds "$seconds" -rounds "$rounds")

echo "bench-net.sh: brigade (qemu-virt-rv64 under QEMU)" >&2
port=$(free_port)
stats_port=$(free_port)
qemu=(qemu-system-riscv64 -M virt -m 128M -bios default -display none -serial stdio -monitor none
  -smp 2 -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:80,hostfwd=tcp:127.0.0.1:$stats_port-:81"
  -device virtio-net-device,netdev=n0 -global virtio-mmio.force-legacy=false
  -append "stack=$stack" -kernel "$image")
log=$out/net-brigade.log
"${qemu[@]}" </dev/null >"$log" 2>&1 &
server_pid=$!
wait_for "$log"
brigade_cmd="$loadgen -addr 127.0.0.1:$port -mem stats:127.0.0.1:$stats_port ${common[*]}"
run_loadgen brigade -addr "127.0.0.1:$port" -mem "stats:127.0.0.1:$stats_port" "${common[@]}"
stop_server
brigade_full=$(tr -d '\r' <"$log" | grep -m 1 '^server: full' || true)
brigade_listening=$(tr -d '\r' <"$log" | grep -m 1 '^server: listening')

echo "bench-net.sh: Go net/http" >&2
port=$(free_port)
log=$out/net-go.log
"$out/net-go-server" "127.0.0.1:$port" >"$log" 2>&1 &
server_pid=$!
wait_for "$log"
go_cmd="$loadgen -addr 127.0.0.1:$port -mem pid:PID ${common[*]}"
run_loadgen go -addr "127.0.0.1:$port" -mem "pid:$server_pid" "${common[@]}"
stop_server

echo "bench-net.sh: C, a pthread per connection" >&2
port=$(free_port)
log=$out/net-pthreads.log
build/host/bench/net_pthread_server "$port" >"$log" 2>&1 &
server_pid=$!
wait_for "$log"
pthreads_cmd="$loadgen -addr 127.0.0.1:$port -mem pid:PID ${common[*]}"
run_loadgen pthreads -addr "127.0.0.1:$port" -mem "pid:$server_pid" "${common[@]}"
stop_server
pthreads_failure=$(grep -m 1 '^pthread_server:' "$log" || true)

# ---- the tables -----------------------------------------------------------------

# field NAME LINE KEY: KEY's value in the "LINE:" line of NAME's output.
field() { sed -n "s/^$2: .*\\b$3=\\(\"[^\"]*\"\\|[^ ]*\\).*/\\1/p" "$out/net-$1.out" | tr -d '"'; }
stat() { sed -n "s/^stats: .*\\b$1 \\([0-9-]*\\).*/\\1/p" "$out/net-brigade.out"; }
kib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1024 }'; }
row() { # NAME LABEL
  echo "| $2 | $(field "$1" hold held) | $(field "$1" hold stopped_by) | $(field "$1" hold bytes_per_conn) |" \
    "$(field "$1" rps rps) ($(field "$1" rps each | sed 's/,/, /g')) |"
}

held=$(field brigade hold held)
per_conn=$(field brigade hold bytes_per_conn)
task=$(stat task)
reent=$(stat reent)
pcb=$(stat tcp_pcb)
netconn=$(stat netconn)
mbox=$(stat recvmbox)
other=$((per_conn - task - reent - pcb - netconn - mbox))
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
heap_kib=$(sed -n 's/.*heap \([0-9]*\) KiB in all.*/\1/p' <<<"$brigade_listening")
verdict=$(awk -v h="$held" 'BEGIN { print (h >= 10000) ? "met" : "missed" }')
qemu_line="${qemu[*]}"
qemu_line=${qemu_line//$PWD\//}

tables=$(
  echo "### Idle connections and requests per second: brigade (emulated) vs Go net/http vs pthreads"
  echo
  echo "One load generator, \`bench/net/go/loadgen\`, for all three. Hold: connections are opened one"
  echo "at a time, each sends \`GET /\` and reads the answer (so the server has accepted it and"
  echo "given it its own task, goroutine or thread), then stays open and idle, until one fails or"
  echo "$cap are held (the cap: this machine's hard \`ulimit -n\` is $hard_nofile, and the load generator"
  echo "and every server need a descriptor per connection). Bytes per idle connection: brigade's"
  echo "heap in use (newlib's own mallinfo, read inside the image over a connection of its own"
  echo "opened first; less the stack slots of ended tasks kept for reuse, which new connections'"
  echo "tasks take first) after minus before, over the connections held; the host servers' resident"
  echo "set (/proc/PID/statm) after minus before, over the connections held. Then the idle"
  echo "connections are closed (a thousand at a time, each batch once the server has closed the"
  echo "one before) and $clients keep-alive clients send \`GET /\` and read the answer in a loop for"
  echo "$seconds s after a 1 s warm-up, $rounds rounds on fresh connections: the median, then each round."
  echo "The host servers and the load generator share the machine's $(nproc) cores, and other people's"
  echo "builds and QEMU runs were using them too (load average $load_start at the start, $load_end at"
  echo "the end), so requests/s move by tens of percent from one run to the next. brigade's"
  echo "requests/s are those of an emulated RISC-V machine (QEMU TCG, every guest instruction"
  echo "translated) behind QEMU's user-mode network stack, not of brigade on hardware."
  echo
  echo "| server | connections held | stopped by | bytes per idle connection | requests/s, $clients clients: median (each round) |"
  echo "|---|---|---|---|---|"
  row brigade "brigade, a task per connection ($stack-byte stacks): qemu-virt-rv64 **under QEMU's TCG emulation**, -smp 2, 128 MiB, through QEMU user networking"
  row go "Go net/http, a goroutine per connection (host, $(go version | cut -d' ' -f3), GOMAXPROCS $(nproc))"
  row pthreads "C, a POSIX thread per connection (host, default 8 MiB stacks)"
  echo
  echo "Commands (PORT and PID chosen at run time), each run's numbers in the row above:"
  echo
  echo "- brigade: \`$qemu_line\`, then \`${brigade_cmd//$PWD\//}\`"
  echo "- Go: \`$out/net-go-server 127.0.0.1:PORT\`, then \`$go_cmd\`"
  echo "- pthreads: \`build/host/bench/net_pthread_server PORT\`, then \`$pthreads_cmd\`"
  [ -z "$brigade_full" ] || echo "- brigade said: \`$brigade_full\`"
  [ -z "$pthreads_failure" ] || echo "- the pthread server said: \`$pthreads_failure\`"
  echo
  echo "Target: >= 10,000 idle connections, each with its own parked task, in QEMU's 128 MiB"
  echo "(a heap of $heap_kib KiB): $held, $verdict."
  echo
  echo "### Where brigade's bytes per idle connection go"
  echo
  echo "Each part measured at boot inside the image as heap growth over 256 of it (malloc's"
  echo "headers included), reported on its counters port; \"the rest\" is the measured total less"
  echo "the parts."
  echo
  echo "| part | bytes |"
  echo "|---|---|"
  echo "| a parked task: its struct and its $stack-byte stack (a guarded slot: whole pages, and the page tables that map them) | $task |"
  echo "| the task's newlib state (\`struct _reent\`), made at its first malloc or free: lwIP's buffers are malloc'd and freed on the connection's task | $reent |"
  echo "| lwIP's tcp_pcb | $pcb |"
  echo "| lwIP's netconn | $netconn |"
  echo "| the netconn's receive mailbox (a channel of DEFAULT_TCP_RECVMBOX_SIZE pointers) | $mbox |"
  echo "| the rest, not broken down here (the socket's own state in net/socket.c, the netconn's semaphore, malloc's rounding) | $other |"
  echo "| **measured per idle connection** | **$per_conn** ($(kib "$per_conn") KiB) |"
  echo
  echo "The deepest stack any connection task used over the whole run (its stack painted when it"
  echo "started, read when it ended): $(stat stack_deepest) bytes of $stack. After every connection"
  echo "closed: heap in use $(stat heap_in_use) bytes, of which $(stat stack_free) are ended tasks' stack"
  echo "slots kept mapped for the next tasks of their size (given back to the heap when it runs"
  echo "short: kernel/stack_slot_paging.c); less those, $(($(stat heap_in_use) - $(stat stack_free))) bytes against" \
    "$(field brigade hold mem_before) before the idle connections (task structs"
  echo "come from slabs that are kept, 96 bytes for every task that was ever alive at once); $(stat sockets) sockets open (the two listeners and the counters' own),"
  echo "$(stat time_wait) in TIME_WAIT. Closing the idle connections took $(field brigade release seconds) s."
)
echo "$tables"

if [ "${BENCH_NET_NO_DOC:-0}" = 1 ]; then
  exit 0
fi
section='## Servers: idle connections and requests per second'
begin='<!-- bench-net: written by scripts/bench-net.sh; edits up to the end marker are lost -->'
end='<!-- /bench-net -->'
generated=$(
  echo "$begin"
  echo
  echo "Measured $(date -u +%Y-%m-%d) by \`${BENCH_ENTRY:-scripts/bench-net.sh}\` on $(nproc) x" \
    "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), Linux $(uname -r)," \
    "$(qemu-system-riscv64 --version | head -n 1). The machine's cores are shared with other builds."
  echo
  echo "$tables"
  echo
  echo "$end"
)
bench_doc_write docs/BENCHMARKS.md "$section" "$begin" "$end" "$generated"
echo "bench-net.sh: wrote the figures into docs/BENCHMARKS.md" >&2
