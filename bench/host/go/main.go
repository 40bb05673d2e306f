// The host workloads in Go's idiom: goroutines, unbuffered channels,
// sync.WaitGroup, with GOMAXPROCS set by the caller. The same workloads are
// in ../brigade_tasks.c and ../pthread_threads.c; scripts/bench.sh runs all
// three side by side. Usage: see ../measure.h. Each run prints one line
// "result KEY=VALUE ...".
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"
)

func countArg(s, what string) uint64 {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v == 0 {
		fmt.Fprintf(os.Stderr, "%s: expected a positive integer, got '%s'\n", what, s)
		os.Exit(2)
	}
	return v
}

// rssBytes is the resident set size from /proc/self/statm, as in measure.h.
func rssBytes() uint64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot read /proc/self/statm:", err)
		os.Exit(2)
	}
	var size, resident uint64
	if _, err := fmt.Sscan(string(data), &size, &resident); err != nil {
		fmt.Fprintln(os.Stderr, "cannot parse /proc/self/statm:", err)
		os.Exit(2)
	}
	return resident * uint64(os.Getpagesize())
}

func spawnJoin(n uint64) {
	var wg sync.WaitGroup
	t0 := time.Now()
	wg.Add(int(n))
	for i := uint64(0); i < n; i++ {
		go func() { wg.Done() }()
	}
	wg.Wait()
	ns := time.Since(t0).Nanoseconds()
	fmt.Printf("result ns_per_task=%.2f tasks=%d\n", float64(ns)/float64(n), n)
}

func pingPong(rounds uint64) {
	ping, pong := make(chan uint64), make(chan uint64)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
	}()
	var v uint64
	t0 := time.Now()
	for i := uint64(0); i < rounds; i++ {
		ping <- v
		v = <-pong
	}
	ns := time.Since(t0).Nanoseconds()
	close(ping)
	if v != rounds {
		fmt.Fprintf(os.Stderr, "ping-pong: %d replies for %d rounds\n", v, rounds)
		os.Exit(1)
	}
	fmt.Printf("result round_trips_per_s=%.0f rounds=%d\n", float64(rounds)*1e9/float64(ns), rounds)
}

// parkingLot holds goroutines blocked on a gate until it opens.
type parkingLot struct {
	gate chan struct{}
	left sync.WaitGroup
}

func (lot *parkingLot) parkMore(n uint64) {
	var arrived sync.WaitGroup
	arrived.Add(int(n))
	lot.left.Add(int(n))
	for i := uint64(0); i < n; i++ {
		go func() {
			arrived.Done()
			<-lot.gate
			lot.left.Done()
		}()
	}
	arrived.Wait()
}

func (lot *parkingLot) open() {
	close(lot.gate)
	lot.left.Wait()
}

func blocked(n uint64) {
	lot := &parkingLot{gate: make(chan struct{})}
	before := rssBytes()
	lot.parkMore(n)
	after := rssBytes()
	lot.open()
	fmt.Printf("result bytes_per_task=%.1f tasks=%d\n", float64(after-before)/float64(n), n)
}

func maxBlocked(budgetMiB uint64) {
	budget, limit := budgetMiB<<20, uint64(100000000)
	lot := &parkingLot{gate: make(chan struct{})}
	before := rssBytes()
	n, fitted := uint64(0), uint64(0)
	for n < limit {
		batch := n / 32
		if batch < 1000 {
			batch = 1000
		}
		lot.parkMore(batch)
		n += batch
		if rssBytes()-before > budget {
			break
		}
		fitted = n
	}
	lot.open()
	stoppedBy := "budget"
	if n >= limit {
		stoppedBy = "count-limit"
	}
	fmt.Printf("result max_tasks=%d stopped_by=%s\n", fitted, stoppedBy)
}

func fibSequential(n uint64) uint64 {
	if n < 2 {
		return n
	}
	return fibSequential(n-1) + fibSequential(n-2)
}

var fibCutoff uint64

// fib: a goroutine computes fib(n-1) while this one does fib(n-2).
func fib(n uint64) uint64 {
	if n < fibCutoff || n < 2 {
		return fibSequential(n)
	}
	var wg sync.WaitGroup
	var x uint64
	wg.Add(1)
	go func() {
		x = fib(n - 1)
		wg.Done()
	}()
	y := fib(n - 2)
	wg.Wait()
	return x + y
}

func forkJoin(n, cutoff uint64) {
	fibCutoff = cutoff
	t0 := time.Now()
	r := fib(n)
	ns := time.Since(t0).Nanoseconds()
	if r != fibSequential(n) {
		fmt.Fprintf(os.Stderr, "fib(%d) came out as %d\n", n, r)
		os.Exit(1)
	}
	fmt.Printf("result ms=%.3f fib=%d cores=%d\n", float64(ns)/1e6, r, runtime.GOMAXPROCS(0))
}

const usage = `usage: %s spawn N | pingpong N | blocked N | maxn BUDGET_MIB | fib N CUTOFF
`

func main() {
	a := os.Args
	switch {
	case len(a) >= 3 && a[1] == "spawn":
		spawnJoin(countArg(a[2], "N"))
	case len(a) >= 3 && a[1] == "pingpong":
		pingPong(countArg(a[2], "N"))
	case len(a) >= 3 && a[1] == "blocked":
		blocked(countArg(a[2], "N"))
	case len(a) >= 3 && a[1] == "maxn":
		maxBlocked(countArg(a[2], "budget"))
	case len(a) >= 4 && a[1] == "fib":
		forkJoin(countArg(a[2], "N"), countArg(a[3], "CUTOFF"))
	default:
		fmt.Fprintf(os.Stderr, usage, a[0])
		os.Exit(2)
	}
}
