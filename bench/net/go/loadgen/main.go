// The load generator of the server benchmark (scripts/bench-net.sh), the
// same for every server it drives (brigade under QEMU, Go net/http, a
// thread-per-connection C server):
//
//  1. hold: open connections, -parallel at a time, each sending one
//     request and reading its answer (so the server has taken it and given
//     it a task or thread), then left open and idle; until -max are held
//     or one fails (refused, reset, closed, or no answer within -timeout).
//     The server's memory is read before the first and after the last:
//     -mem stats:ADDR asks the server's counters port (bench/net/server.c,
//     heap_in_use less stack_free) over a connection of its own opened
//     first; -mem pid:PID
//     reads the resident set of process PID (/proc/PID/statm).
//  2. the idle connections are closed, -close-batch at a time; with -mem
//     stats, after each batch the load generator waits until the server's
//     open sockets are down to what is still held (so a counters request
//     never queues behind thousands of FINs at once: under emulation, with
//     QEMU's user networking polling every socket on each turn of its main
//     loop, closing 5,000 at once delayed the next answer by 9.5 s and
//     11,000 at once by more than 30 s), and at the end until they are back
//     to where they were. A counters request may take -stats-timeout.
//  3. requests/s: -clients keep-alive connections, each sending a request
//     and reading the answer in a loop, for -seconds after a 1 s warm-up;
//     -rounds times, on fresh connections each round, and the median kept.
//
// Lines for the script: "hold: ...", "release: ...", "rps: ...", and with
// -mem stats "stats: ..." (the server's counters at the end).
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const request = "GET / HTTP/1.1\r\nHost: bench\r\n\r\n"

var (
	addr         = flag.String("addr", "127.0.0.1:8080", "the server")
	maxConns     = flag.Int("max", 10000, "connections to hold at most")
	parallel     = flag.Int("parallel", 32, "connections being opened at once")
	timeout      = flag.Duration("timeout", 30*time.Second, "for a connection to open and answer")
	memFrom      = flag.String("mem", "", "stats:ADDR (the server's counters, heap_in_use) or pid:PID (its resident set)")
	clients      = flag.Int("clients", 16, "connections of the requests/s run")
	seconds      = flag.Float64("seconds", 10, "measured seconds of the requests/s run")
	rounds       = flag.Int("rounds", 3, "requests/s runs; the median is reported")
	batch        = flag.Int("close-batch", 1000, "idle connections closed at a time")
	statsTimeout = flag.Duration("stats-timeout", 5*time.Minute,
		"for a counters request (-mem stats:) to be answered")
	settleTimeout = flag.Duration("settle-timeout", 10*time.Minute,
		"for the server's sockets to come down after a close")
)

// conn is one keep-alive connection with its reader.
type conn struct {
	c net.Conn
	r *bufio.Reader
}

func dial() (*conn, error) { return dialAt(*addr) }

func dialAt(a string) (*conn, error) {
	c, err := net.DialTimeout("tcp", a, *timeout)
	if err != nil {
		return nil, err
	}
	return &conn{c, bufio.NewReaderSize(c, 512)}, nil
}

// get sends one request for path and returns the answer's body.
func (k *conn) get(path string, deadline time.Duration) (string, error) {
	if deadline > 0 {
		k.c.SetDeadline(time.Now().Add(deadline))
		defer k.c.SetDeadline(time.Time{})
	}
	if _, err := io.WriteString(k.c, strings.Replace(request, "/", path, 1)); err != nil {
		return "", err
	}
	resp, err := http.ReadResponse(k.r, nil)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return "", errors.New("closed by the server without an answer")
		}
		return "", err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil && resp.StatusCode != 200 {
		err = fmt.Errorf("answered %s", resp.Status)
	}
	return string(body), err
}

// memory reads the server's memory: heap in use (stats) or resident bytes.
type memory struct {
	stats *conn
	pid   int
}

func (m *memory) statsLine() (map[string]int64, string, error) {
	body, err := m.stats.get("/", *statsTimeout)
	if err != nil {
		return nil, "", err
	}
	fields := strings.Fields(body)
	values := map[string]int64{}
	for i := 0; i+1 < len(fields); i += 2 {
		v, _ := strconv.ParseInt(fields[i+1], 10, 64)
		values[fields[i]] = v
	}
	return values, strings.TrimSpace(body), nil
}

func (m *memory) bytes() int64 {
	if m.stats != nil {
		v, _, err := m.statsLine()
		if err != nil {
			fail("stats: %v", err)
		}
		// Less the stack slots of ended tasks kept for reuse (stack_free):
		// heap in use, but by no connection, and a new connection's task
		// takes one of them without the heap growing.
		return v["heap_in_use"] - v["stack_free"]
	}
	if m.pid != 0 {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/statm", m.pid))
		if err != nil {
			fail("%v", err)
		}
		f := strings.Fields(string(data))
		pages, _ := strconv.ParseInt(f[1], 10, 64)
		return pages * int64(os.Getpagesize())
	}
	return 0
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "loadgen: "+format+"\n", args...)
	os.Exit(1)
}

// hold opens idle connections until -max or the first failure.
func hold(mem *memory) []*conn {
	before := mem.bytes()
	start := time.Now()
	var held []*conn
	reason := "the cap (-max)"
	for len(held) < *maxConns {
		n := *parallel
		if left := *maxConns - len(held); left < n {
			n = left
		}
		batch := make([]*conn, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				k, err := dial()
				if err == nil {
					_, err = k.get("/", *timeout)
					if err != nil {
						k.c.Close()
					}
				}
				batch[i], errs[i] = k, err
			}(i)
		}
		wg.Wait()
		var first error
		for i := range batch {
			if errs[i] == nil {
				held = append(held, batch[i])
			} else if first == nil {
				first = errs[i]
			}
		}
		if first != nil {
			reason = fmt.Sprintf("failed: %v", first)
			break
		}
		if len(held)%1000 < *parallel {
			fmt.Fprintf(os.Stderr, "loadgen: %d held (%.0f s)\n", len(held), time.Since(start).Seconds())
		}
	}
	after := mem.bytes()
	per := 0.0
	if len(held) > 0 {
		per = float64(after-before) / float64(len(held))
	}
	fmt.Printf("hold: held=%d stopped_by=%q mem_before=%d mem_after=%d bytes_per_conn=%.0f seconds=%.1f\n",
		len(held), reason, before, after, per, time.Since(start).Seconds())
	return held
}

// settle waits until the server (stats) has at most want sockets open.
func settle(mem *memory, want int64) {
	if mem.stats == nil {
		time.Sleep(time.Second)
		return
	}
	deadline := time.Now().Add(*settleTimeout)
	for {
		v, _, err := mem.statsLine()
		if err != nil {
			fail("stats: %v", err)
		}
		if v["sockets"] <= want {
			return
		}
		if time.Now().After(deadline) {
			fail("the server still has %d sockets open, not %d, after %v", v["sockets"], want, *settleTimeout)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// release closes the held connections, -close-batch at a time, each batch
// once the server has closed the one before (see the top).
func release(mem *memory, held []*conn, sockets int64) {
	start := time.Now()
	for len(held) > 0 {
		n := *batch
		if n <= 0 || n > len(held) {
			n = len(held)
		}
		for _, k := range held[len(held)-n:] {
			k.c.Close()
		}
		held = held[:len(held)-n]
		settle(mem, sockets+int64(len(held)))
	}
	fmt.Printf("release: seconds=%.1f\n", time.Since(start).Seconds())
}

// rpsRound runs -clients keep-alive connections flat out and counts answers.
func rpsRound() float64 {
	var done atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, *clients)
	for i := 0; i < *clients; i++ {
		k, err := dial()
		if err != nil {
			fail("requests/s: %v", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer k.c.Close()
			for !stop.Load() {
				if _, err := k.get("/", *timeout); err != nil {
					errs <- err
					return
				}
				done.Add(1)
			}
		}()
	}
	time.Sleep(time.Second) // warm-up
	first, t0 := done.Load(), time.Now()
	time.Sleep(time.Duration(*seconds * float64(time.Second)))
	last, t1 := done.Load(), time.Now()
	stop.Store(true)
	wg.Wait()
	select {
	case err := <-errs:
		fail("requests/s: a client failed: %v", err)
	default:
	}
	return float64(last-first) / t1.Sub(t0).Seconds()
}

// rps runs -rounds requests/s rounds, each after the server has closed the
// last one's connections, and reports the median.
func rps(mem *memory, sockets int64) {
	var all []float64
	for i := 0; i < *rounds; i++ {
		all = append(all, rpsRound())
		settle(mem, sockets)
	}
	each := make([]string, len(all))
	for i, r := range all {
		each[i] = fmt.Sprintf("%.0f", r)
	}
	sort.Float64s(all)
	median := all[len(all)/2]
	if len(all)%2 == 0 {
		median = (all[len(all)/2-1] + all[len(all)/2]) / 2
	}
	fmt.Printf("rps: clients=%d seconds=%.1f rounds=%d rps=%.0f each=%s\n", *clients, *seconds, len(all),
		median, strings.Join(each, ","))
}

func main() {
	flag.Parse()
	mem := &memory{}
	switch {
	case strings.HasPrefix(*memFrom, "stats:"):
		k, err := dialAt(strings.TrimPrefix(*memFrom, "stats:"))
		if err != nil {
			fail("the stats connection: %v", err)
		}
		mem.stats = k
	case strings.HasPrefix(*memFrom, "pid:"):
		mem.pid, _ = strconv.Atoi(strings.TrimPrefix(*memFrom, "pid:"))
	default:
		fail("-mem stats:ADDR or -mem pid:PID")
	}
	var sockets int64
	if mem.stats != nil {
		v, _, err := mem.statsLine()
		if err != nil {
			fail("stats: %v", err)
		}
		sockets = v["sockets"]
	}
	if *rounds < 1 {
		fail("-rounds must be at least 1")
	}
	held := hold(mem)
	release(mem, held, sockets)
	rps(mem, sockets)
	if mem.stats != nil {
		_, line, err := mem.statsLine()
		if err != nil {
			fail("stats: %v", err)
		}
		fmt.Printf("stats: %s\n", line)
	}
}
