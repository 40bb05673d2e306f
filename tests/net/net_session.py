#!/usr/bin/env python3
"""Boot a network image under QEMU user networking with a host port
forwarded to it, and check it from the host (Python's standard library only).

    net_session.py --case udp_echo|tcp_echo|tcp_cycles|httpd [--timeout S]
                   [--append ARGS] [--connections N] [--cycles N]
                   --net "<BRIGADE_QEMU_NET_ARGS>" -- <QEMU command...>

The forwarded port is picked free at run time (bound to port 0 on
127.0.0.1, then handed to QEMU), so parallel runs never clash; QEMU is
started again with a new port if another process took it in between.
Everything the image prints is passed through. Ends with "N passed, M
failed"; exits non-zero on any failure or a wrong exit status of QEMU.
"""
import argparse
import json
import os
import random
import re
import resource
import socket
import subprocess
import sys
import threading
import time
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "harness"))
from checks import Checks  # noqa: E402


def free_port(kind):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Machine:
    """QEMU running the image, its console collected and passed through."""

    def __init__(self, cmd, timeout):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, bufsize=0)
        self.timeout = timeout
        self.out = ""
        self.eof = False  # the reader has passed on everything QEMU wrote
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                break
            sys.stdout.write(chunk.decode("latin-1"))
            sys.stdout.flush()
            with self.cond:
                self.out += chunk.decode("latin-1").replace("\r\n", "\n")
                self.cond.notify_all()
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def expect(self, pattern, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        rx = re.compile(pattern)
        with self.cond:
            while True:
                m = rx.search(self.out)
                if m:
                    return m
                left = deadline - time.monotonic()
                # QEMU's exit is not the end of its output: the last lines
                # may still sit in the pipe, unread. Only the reader's end
                # of stream says nothing more can come.
                if left <= 0 or self.eof:
                    raise AssertionError("no %r in the output (%s)" % (
                        pattern, "QEMU exited" if self.eof else "timed out"))
                self.cond.wait(min(left, 0.5))

    def wait(self, timeout=None):
        try:
            return self.proc.wait(timeout or self.timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("QEMU did not exit")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def boot(args, forwards):
    """Start QEMU with a free host port forwarded to each (proto, guest port)
    of forwards; return (machine, [host ports])."""
    for attempt in range(5):
        ports = [free_port(socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM)
                 for proto, _ in forwards]
        net = args.net.split()
        i = net.index("-netdev") + 1
        for (proto, guest), port in zip(forwards, ports):
            net[i] += ",hostfwd=%s:127.0.0.1:%d-:%d" % (proto, port, guest)
            print("net_session: %s port %d on 127.0.0.1 -> guest port %d" % (proto, port, guest),
                  flush=True)
        cmd = list(args.cmd)
        cmd[1:1] = net
        if args.append:
            cmd += ["-append", args.append]
        m = Machine(cmd, args.timeout)
        # QEMU sets up its forwards before the guest runs, so the first line
        # that is not QEMU's own (the firmware's or the image's) says they
        # are in place. (A fixed wait for the error was a race: on a busy
        # machine QEMU could report it after the wait, and the run failed.)
        try:
            got = m.expect(r"(?m)Could not set up host forwarding rule|^(?!qemu-system)\S")
        except AssertionError:
            return m, ports  # no output at all: the checks will say so
        if got.group(0).startswith("Could not"):
            m.kill()
            print("net_session: a port was taken meanwhile; again", flush=True)
            continue
        return m, ports
    raise SystemExit("net_session: no free ports after 5 attempts")


def udp_echo(args, checks):
    m, (port,) = boot(args, [("udp", 7)])
    try:
        def comes_up():
            # To the end of the line: "from d" may be all that has arrived yet.
            got = m.expect(r"address (\d+\.\d+\.\d+\.\d+) from (\w+)\r?\n")
            assert got.group(1) == "10.0.2.15", "address %s, not 10.0.2.15" % got.group(1)
            assert got.group(2) == args.expect_from, \
                "address from %s, not %s" % (got.group(2), args.expect_from)
            m.expect(r"udp echo listening on 7")
        if not checks.check("comes up with 10.0.2.15 from " + args.expect_from, comes_up):
            return

        rng = random.Random(7)
        count = 50

        def echoes():
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.settimeout(1.0)
            deadline = time.monotonic() + args.timeout
            for n in range(count):
                body = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 1400)))
                msg = b"%08x%08x" % (n, zlib.crc32(body)) + body
                while True:  # UDP may be lost on the way in: send again until answered
                    assert time.monotonic() < deadline, "datagram %d never answered" % n
                    s.sendto(msg, ("127.0.0.1", port))
                    try:
                        reply, _ = s.recvfrom(4096)
                    except socket.timeout:
                        continue
                    if reply[:8] != b"%08x" % n:
                        continue  # an answer to an earlier resend
                    assert reply == msg, "datagram %d came back changed" % n
                    break
            print("net_session: %d datagrams (1..1400 bytes) echoed intact" % count, flush=True)
            s.sendto(b"quit", ("127.0.0.1", port))
            s.close()
        checks.check("echoes %d checksummed UDP datagrams" % count, echoes)

        def exits():
            m.expect(r"echoed \d+ datagrams")
            assert m.wait() == 0, "QEMU exited with status %d" % m.proc.returncode
        checks.check("exits 0 after quit", exits)
    finally:
        m.kill()


def host_tcp_counters():
    """The host's listen-queue and SYN-cookie counters (Linux's
    /proc/net/netstat, TcpExt), by name; empty where unreadable."""
    wanted = ("ListenOverflows", "ListenDrops", "SyncookiesSent", "SyncookiesFailed")
    try:
        with open("/proc/net/netstat") as f:
            lines = f.read().splitlines()
    except OSError:
        return {}
    for names, values in zip(lines[::2], lines[1::2]):
        if names.startswith("TcpExt:") and values.startswith("TcpExt:"):
            row = dict(zip(names.split()[1:], values.split()[1:]))
            return {k: int(row[k]) for k in wanted if k in row}
    return {}


def connect(port, timeout):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def control(port, line, timeout):
    """One command on the echo image's control port; its reply line."""
    with connect(port, timeout) as s:
        s.sendall(line.encode() + b"\n")
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = s.recv(256)
            if not chunk:
                break
            reply += chunk
        return reply.decode().strip()


def stats(port, timeout):
    """The echo image's stats: a dict of heap (malloc's bytes in use),
    stack_pool (the part of them that is task stacks the cores keep for
    reuse), sockets, tcp and time_wait."""
    line = control(port, "stats", timeout)
    got = re.match(r"heap (\d+) stack_pool (\d+) sockets (\d+) tcp (\d+) time_wait (\d+)$", line)
    assert got, "no stats from the control port (%r)" % line
    return dict(zip(("heap", "stack_pool", "sockets", "tcp", "time_wait"),
                    (int(g) for g in got.groups())))


def echo_round_trip(port, seed, total, timeout, after_first=None):
    """Send total random bytes in random chunks, each read back in full
    before the next goes; compare CRC-32s of all sent and all received.
    after_first, if given, is called once the first chunk has come back
    (the connection is open at both ends and echoing)."""
    rng = random.Random(seed)
    sent_crc = got_crc = 0
    got_bytes = 0
    with connect(port, timeout) as s:
        left = total
        while left:
            chunk = rng.randbytes(min(left, rng.randint(1, 4096)))
            left -= len(chunk)
            s.sendall(chunk)
            sent_crc = zlib.crc32(chunk, sent_crc)
            want = len(chunk)
            back = b""
            while len(back) < want:
                part = s.recv(want - len(back))
                assert part, "connection %d closed after %d of %d bytes" % (
                    seed, got_bytes + len(back), total)
                back += part
            assert back == chunk, "connection %d: bytes %d.. came back changed or reordered" % (
                seed, got_bytes)
            got_crc = zlib.crc32(back, got_crc)
            got_bytes += len(back)
            if after_first and got_bytes == len(back):
                after_first()
        s.shutdown(socket.SHUT_WR)
        assert s.recv(1) == b"", "connection %d: no end of stream after the echo" % seed
    assert sent_crc == got_crc and got_bytes == total
    return got_bytes


def settle(ctl, timeout, sockets_wanted):
    """Stats once the image is back to sockets_wanted open sockets (or the
    last stats after timeout): the server closes its side only after the
    peer's FIN or RST reaches it."""
    deadline = time.monotonic() + timeout
    while True:
        st = stats(ctl, timeout)
        if st["sockets"] == sockets_wanted or time.monotonic() > deadline:
            return st
        time.sleep(0.5)


# How many connections open_all_then_go lets be opening at once (connected,
# first exchange not yet done); the rest wait their turn, and every one
# stays open until all are. Not all in one burst, because of QEMU's user networking,
# not the image: slirp (libslirp 4.7) listens on the forwarded host port
# with a backlog of 1 (tcpx_listen: listen(s, 1)) and accepts one
# connection per pass of QEMU's main loop. A burst of 1000 connects
# overflows that queue at once; the host kernel answers with SYN cookies, so
# connect() returns, but the connection exists only when one of the
# client's retransmissions finds the queue with room. Those back off to a
# minute and more, and by then the cookie is stale: the host resets the
# connection (its SyncookiesFailed counter rose by 187 in a run where 185
# connections were reset without slirp ever sending their SYN on to the
# guest). Those slirp did accept meet the guest's listen backlog of
# NET_LISTEN_BACKLOG_MAX (64), which counts half-open connections as lwIP's
# does: with it full lwIP drops a SYN, slirp sends it again after 6, 12,
# 24... s and drops the connection 75 s after accepting it (TCPTV_KEEP_INIT;
# its 500 ms timer is late on a loaded host), resetting the host side. In a
# capture (QEMU's filter-dump) of a failing run the guest was idle for the
# last 70 s, with those connections waiting for a SYN from slirp.
#
# So at most 2 at a time: Linux queues backlog + 1 = 2 connections for a
# listen(s, 1) socket. 16 at a time was inside the guest's backlog but not
# slirp's: on a loaded host QEMU's main loop accepts slowly, and beside two
# busy loops (two net_tcp_echo runs at once on qemu-virt-rv64) the host
# counted 111 to 127 ListenOverflows a round (nstat), and in one round of
# three 14 SyncookiesFailed, with connections reset before their first echo
# and both runs failing.
OPENING_AT_ONCE = 2


def open_all_then_go(n, t, run, when_all_open):
    """Run run(i, opened) for i in range(n), each in a thread of its own,
    with every connection open at once for the part that follows opened().

    A connection counts as opening until it calls opened() (after its first
    exchange); at most OPENING_AT_ONCE are opening at a time (why: above).
    opened() returns once all n have called it (or failed before) and
    when_all_open(seconds it took) has returned; so what run does after it,
    all n do together. Prints progress every 5 s and fails after t seconds
    without any. Returns (the values run returned, by i; seconds to open
    them all); raises AssertionError naming the first failure."""
    results, errors = [None] * n, []
    lock = threading.Lock()
    opening = threading.Semaphore(OPENING_AT_ONCE)
    go_on = threading.Event()
    count = {"open": 0, "failed_opening": 0, "finished": 0}

    def one(i):
        opening.acquire()
        now_open = [False]

        def opened():
            now_open[0] = True
            with lock:
                count["open"] += 1
            opening.release()
            assert go_on.wait(4 * t), "never told to go on"
        try:
            results[i] = run(i, opened)
        except (AssertionError, OSError) as e:
            with lock:
                errors.append("connection %d: %s (%s)" % (
                    i, e, "after it opened" if now_open[0] else "before it opened"))
                if not now_open[0]:
                    count["failed_opening"] += 1
            if not now_open[0]:
                opening.release()
        finally:
            with lock:
                count["finished"] += 1

    def until(what, reached):
        """Wait until reached() (under lock) says n, printing progress
        every 5 s; fail after t seconds with no progress."""
        last, changed, printed = None, time.monotonic(), time.monotonic()
        while True:
            with lock:
                got, failed = reached(), len(errors)
            now = time.monotonic()
            if (got, failed) != last:
                last, changed = (got, failed), now
            if got >= n:
                return
            assert now - changed < t, "%s: no progress for %.0f s at %d of %d (%d failed%s)" % (
                what, t, got, n, failed, ", first: " + errors[0] if errors else "")
            if now - printed >= 5:
                print("net_session: %s %d of %d (%d failed) after %.0f s" % (
                    what, got, n, failed, now - start), flush=True)
                printed = now
            time.sleep(0.2)

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(n)]
    start = time.monotonic()
    try:
        for th in threads:
            th.start()
        until("opened", lambda: count["open"] + count["failed_opening"])
        assert not errors, "%d of %d failed, first: %s" % (len(errors), n, errors[0])
        took = time.monotonic() - start
        when_all_open(took)
        go_on.set()
        until("finished", lambda: count["finished"])
    finally:
        go_on.set()
    assert not errors, "%d of %d failed, first: %s" % (len(errors), n, errors[0])
    return results, took


def echo_up(m, ctl, t, checks):
    """The echo image has come up listening, with only its own sockets
    open: the two listeners and the control connection asking. Returns
    {"sockets": that count}, or None when a check failed."""
    if not checks.check("comes up and listens", lambda: m.expect(r"echo: listening on 7")):
        return None
    base = {}

    def first_stats():
        base["sockets"] = stats(ctl, t)["sockets"]
        assert base["sockets"] == 3, "%d sockets open at the start" % base["sockets"]
    if not checks.check("control port answers (3 sockets open)", first_stats):
        return None
    return base


def echo_quits(m, ctl, t, checks):
    """"quit" on the control port ends the echo image with status 0."""
    def quits():
        assert control(ctl, "quit", t) == "bye"
        m.expect(r"echo: quit")
        assert m.wait() == 0, "QEMU exited with status %d" % m.proc.returncode
    checks.check("quit ends the image with status 0", quits)


def tcp_echo(args, checks):
    m, (port, ctl) = boot(args, [("tcp", 7), ("tcp", 8)])
    t = args.timeout
    try:
        base = echo_up(m, ctl, t, checks)
        if base is None:
            return

        n, total = args.connections, 16 * 1024

        def many_at_once():
            # Opened a few at a time (open_all_then_go), a connection being
            # open once its first chunk has come back; then, with every one
            # open and the image seen holding them all, all n send the rest
            # of their data at once.
            def run(i, opened):
                return echo_round_trip(port, i, total, t, after_first=opened)

            def all_open(took):
                st = stats(ctl, t)
                # the listeners, this control connection, and every echo one
                assert st["sockets"] == base["sockets"] + n, \
                    "%d sockets open in the image with all %d connections open, not %d" % (
                        st["sockets"], n, base["sockets"] + n)
                print("net_session: all %d connections open at once in the image (%d sockets, "
                      "%d TCP connections, heap in use %d bytes), opened %d at a time in %.1f s"
                      % (n, st["sockets"], st["tcp"], st["heap"], OPENING_AT_ONCE, took),
                      flush=True)
            start = time.monotonic()
            results, opened = open_all_then_go(n, t, run, all_open)
            assert sum(results) == n * total
            print("net_session: %d concurrent connections echoed %d bytes each intact and in order "
                  "in %.1f s (%.1f s of it with all open)" % (
                      n, total, time.monotonic() - start, time.monotonic() - start - opened),
                  flush=True)
        checks.check("%d concurrent connections echo checksummed data in order" % n, many_at_once)

        def resets():
            for i in range(20):
                s = connect(port, t)
                s.sendall(bytes(random.Random(i).getrandbits(8) for _ in range(32 * 1024)))
                s.recv(100)  # the echo has started
                # SO_LINGER 0: close sends RST with data still in flight both ways
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
                s.close()
            st = settle(ctl, t, base["sockets"])
            assert st["sockets"] == base["sockets"], \
                "%d sockets still open after 20 resets (%d TCP connections in lwIP)" % (
                    st["sockets"], st["tcp"])
            assert echo_round_trip(port, 1000, 4096, t) == 4096
            print("net_session: 20 connections reset mid-transfer; all closed, echo still works",
                  flush=True)
        checks.check("connections reset mid-transfer are closed and leak no socket", resets)

        def half_close():
            with connect(port, t) as s:
                data = bytes(random.Random(7).getrandbits(8) for _ in range(48 * 1024))
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
                back = b""
                while True:
                    part = s.recv(65536)
                    if not part:
                        break
                    back += part
            assert back == data, "got %d of %d bytes back after our FIN" % (len(back), len(data))
            print("net_session: 48 KiB sent then FIN: all echoed, then end of stream", flush=True)
        checks.check("half-close: data sent before FIN all comes back, then end of stream",
                     half_close)

        echo_quits(m, ctl, t, checks)
    finally:
        m.kill()


def qemu_cores(cmd):
    """The -smp count of a QEMU command line (1 without one)."""
    for i, word in enumerate(cmd[:-1]):
        if word == "-smp":
            got = re.match(r"(?:cpus=)?(\d+)", cmd[i + 1])
            if not got:
                raise SystemExit("net_session: cannot read the core count from -smp %s" % cmd[i + 1])
            return int(got.group(1))
    return 1


# Heap growth tcp_cycles allows: the task-struct slabs' most growth (128
# structs of 96 bytes a core, in slabs of 64 at 6,168 bytes) and 8 KiB.
def cycles_bound(args):
    return qemu_cores(args.cmd) * 2 * 6168 + 8 * 1024


def tcp_cycles(args, checks):
    """args.cycles connect/echo/close cycles, one after another, after
    which the heap must be where it started (see cycles)."""
    m, (port, ctl) = boot(args, [("tcp", 7), ("tcp", 8)])
    t = args.timeout
    try:
        base = echo_up(m, ctl, t, checks)
        if base is None:
            return

        def cycles():
            # What a connection allocates (lwIP's pcb and netconn, the
            # socket, the task's stack) must all come back when it closes.
            # Two things in the heap are caches, not leaks, and are left out
            # or bounded:
            # - task stacks kept for reuse (sched_stack_cache_bytes: at most
            #   64 a core, plus free guarded stacks any core may take, as
            #   many as were ever live at once): a task often exits on
            #   another core than the one it first ran on, so one core's
            #   pool fills while another's mallocs, and in use plus pooled
            #   grows by a stack at a time until the pools are full
            #   (+2 MB over 200 cycles on virt-aarch64 smp4 before this
            #   was taken out). The reading is heap minus stack_pool.
            #   (Each pooled stack's malloc header, 16 bytes, stays in.)
            # - task structs, in slabs of 64 (6,168 bytes with the slab's
            #   header) the scheduler never frees: each core keeps up to 128
            #   free ones (sched/task.c, TASKS_KEPT_MAX) and hands the rest
            #   to the others, so after the warm-up the slabs may still grow
            #   by up to 128 structs a core, 12,336 bytes, while the cores'
            #   keeps fill, and no further. (qemu-virt-rv64 smp4: +26,720
            #   bytes by cycle 4,000 of 10,000, then flat to the byte.)
            # Besides, the heap moves by a few KiB with no connection at
            # all (a frame waits in a receive buffer), so each reading is
            # the least of five and 8 KiB more are allowed. The bound is
            # cores x 12,336 + 8 KiB (57,536 bytes at 4 cores): a leak of 6
            # bytes a cycle over 10,000 cycles exceeds it, and newlib's
            # smallest allocation is 32. TIME_WAIT pcbs (heap too, freed
            # after lwIP's 2MSL of two minutes) do not come into it: the
            # client closes first on both ports, so the TIME_WAIT is the
            # host's; checked below.
            def low_heap():
                readings = [stats(ctl, t) for _ in range(5)]
                best = min(readings, key=lambda st: st["heap"] - st["stack_pool"])
                return best["heap"] - best["stack_pool"], best
            for i in range(200):  # warm up: task and buffer pools reach their working size
                echo_round_trip(port, 20000 + i, 512, t)
            settle(ctl, t, base["sockets"])
            heap0, st0 = low_heap()
            count, bound = args.cycles, cycles_bound(args)
            start = time.monotonic()
            for i in range(count):
                echo_round_trip(port, 30000 + i, 512, t)
                if (i + 1) % 1000 == 0 or i + 1 == count:
                    print("net_session: %d of %d connect/echo/close cycles in %.1f s" % (
                        i + 1, count, time.monotonic() - start), flush=True)
            deadline = time.monotonic() + t
            while True:
                sockets1 = settle(ctl, t, base["sockets"])["sockets"]
                heap1, st1 = low_heap()
                if heap1 - heap0 <= bound or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            print("net_session: heap in use apart from pooled stacks %d bytes before %d "
                  "connect/echo/close cycles, %d after (%+d, bound %d); pooled stacks %d bytes "
                  "before, %d after; sockets open after: %d" % (
                      heap0, count, heap1, heap1 - heap0, bound, st0["stack_pool"],
                      st1["stack_pool"], sockets1), flush=True)
            assert sockets1 == base["sockets"], "sockets open: %d before, %d after" % (
                base["sockets"], sockets1)
            assert st1["time_wait"] == 0, "%d connections in TIME_WAIT in the image" % (
                st1["time_wait"])
            assert heap1 - heap0 <= bound, "heap in use grew by %d bytes over %d cycles" % (
                heap1 - heap0, count)
        checks.check("%d connect/close cycles leave the heap where it started (within %d "
                     "bytes, pooled stacks apart)" % (args.cycles, cycles_bound(args)), cycles)

        echo_quits(m, ctl, t, checks)
    finally:
        m.kill()


def read_response(s, buf=b""):
    """One HTTP/1.1 response from socket s, after buf (bytes of it already
    read): (status, headers, body, rest), headers a dict with lower-case
    names, rest the bytes after it. The body is Content-Length bytes (every
    answer of examples/httpd has one)."""
    while b"\r\n\r\n" not in buf:
        part = s.recv(4096)
        assert part, "connection closed before a whole response head (got %r)" % buf[:200]
        buf += part
    head, buf = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    got = re.match(r"HTTP/1\.1 (\d{3}) ", lines[0])
    assert got, "status line %r" % lines[0]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "-1"))
    assert length >= 0, "no Content-Length in %r" % head
    while len(buf) < length:
        part = s.recv(4096)
        assert part, "connection closed %d bytes into a %d-byte body" % (len(buf), length)
        buf += part
    return int(got.group(1)), headers, buf[:length], buf[length:]


def closes(s):
    """True once the server has closed s (end of stream, or reset)."""
    try:
        while True:
            part = s.recv(4096)
            if not part:
                return True
    except ConnectionResetError:
        return True


def request(path, host="brigade", extra=""):
    return ("GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n" % (path, host, extra)).encode()


def httpd(args, checks):
    m, (port,) = boot(args, [("tcp", 80)])
    t = args.timeout

    def exchange(data):
        """Send data on a new connection; the one response, after which the
        server must close (every case that uses this expects it to)."""
        with connect(port, t) as s:
            s.sendall(data)
            status, headers, body, rest = read_response(s)
            assert rest == b"", "bytes after the answer: %r" % rest[:80]
            assert headers.get("connection") == "close", headers
            assert closes(s), "the server did not close after %d" % status
            return status, body.decode("latin-1")

    def get(path):
        return exchange(request(path, extra="Connection: close\r\n"))

    def stats_on(s):
        s.sendall(request("/stats"))
        status, headers, body, _ = read_response(s)
        assert status == 200 and headers.get("content-type") == "application/json", headers
        return json.loads(body)

    def stats():
        with connect(port, t) as s:
            return stats_on(s)

    def check(name, fn):
        def guarded():
            # A panicked image still holds its forwarded port open (slirp
            # answers for it), so every later check would wait out its
            # timeout: fail them at once instead.
            with m.cond:
                panicked = "PANIC" in m.out
            assert not panicked, "the image panicked (above)"
            try:
                fn()
            except OSError as e:
                raise AssertionError("%s: %s" % (type(e).__name__, e))
        return checks.check(name, guarded)

    try:
        if not check("comes up and listens", lambda: m.expect(r"httpd: listening on 80")):
            return

        def page():
            status, body = get("/")
            assert status == 200 and re.search(r"Served by task \d+ on core \d+", body), body
        check("GET / answers the page", page)

        def stats_json():
            st = stats()
            sched, net, srv = st["scheduler"], st["network"], st["httpd"]
            assert sched["cores"] == len(sched["per_core"]) >= 1, sched
            assert sched["switches"] == sum(c["switches"] for c in sched["per_core"]) > 0, sched
            assert sched["tasks"] >= 3, "tasks %d" % sched["tasks"]
            # the listener and the connection asking
            assert net["sockets_open"] >= 2 and net["tcp_connections"] >= 1, net
            assert net["device"]["rx_frames"] > 0 and net["device"]["tx_frames"] > 0, net
            assert st["heap_in_use"] > 0
            assert srv["answered"]["200"] >= 1 and srv["connections"] >= 2, srv
            print("net_session: /stats: %d cores, %d switches, %d tasks, %d sockets open, "
                  "%d frames in, heap in use %d" % (
                      sched["cores"], sched["switches"], sched["tasks"], net["sockets_open"],
                      net["device"]["rx_frames"], st["heap_in_use"]), flush=True)
        check("GET /stats answers the scheduler's and the network's counters as JSON",
              stats_json)

        def keep_alive():
            with connect(port, t) as s:
                before = stats_on(s)["httpd"]
                for i in range(5):
                    s.sendall(request("/" if i % 2 == 0 else "/no-such-page"))
                    status, headers, body, rest = read_response(s)
                    assert status == (200 if i % 2 == 0 else 404), "request %d: %d" % (i, status)
                    assert headers.get("connection") == "keep-alive" and rest == b"", headers
                # two at once in one segment (pipelined): both answered in order
                s.sendall(request("/") + request("/nothing"))
                first = read_response(s)
                second = read_response(s, first[3])
                assert first[0] == 200 and second[0] == 404, (first[0], second[0])
                after = stats_on(s)["httpd"]
            assert after["connections"] == before["connections"], \
                "the server counted %d new connections" % (after["connections"] - before["connections"])
            assert after["answered"]["200"] - before["answered"]["200"] == 5, (before, after)
            assert after["answered"]["404"] - before["answered"]["404"] == 3, (before, after)
            print("net_session: 9 requests (2 pipelined) and 2 /stats on one connection",
                  flush=True)
        check("keep-alive: several requests, 404s and pipelined ones on one connection",
              keep_alive)

        def connection_close():
            with connect(port, t) as s:
                s.sendall(request("/"))
                assert read_response(s)[0] == 200
                s.sendall(request("/", extra="Connection: close\r\n"))
                status, headers, _, rest = read_response(s)
                assert status == 200 and headers.get("connection") == "close", headers
                assert rest == b"" and closes(s), "not closed after Connection: close"
            # HTTP/1.0 closes unless asked to keep alive
            status, _ = exchange(b"GET / HTTP/1.0\r\n\r\n")
            assert status == 200
            with connect(port, t) as s:
                s.sendall(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                status, headers, _, _ = read_response(s)
                assert headers.get("connection") == "keep-alive", headers
                s.sendall(b"GET /stats HTTP/1.0\r\n\r\n")
                assert read_response(s)[0] == 200 and closes(s)
        check("Connection: close (and HTTP/1.0) end the connection after the answer",
              connection_close)

        malformed = [
            b"GARBAGE\r\n\r\n",
            b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
            b"GET nothing HTTP/1.1\r\nHost: a\r\n\r\n",
            b"GET / HTTP/1.1 extra\r\nHost: a\r\n\r\n",
            b"GET / HTTP/2.0\r\nHost: a\r\n\r\n",
            b"GET / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a\r\nno colon here\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost : a\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a\r\nX-Ctl: a\x01b\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: ten\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n",  # TLS on a plain port
        ]

        def bad_requests():
            before = stats()["httpd"]["answered"]["400"]
            for data in malformed:
                status, body = exchange(data)
                assert status == 400, "%r answered %d" % (data, status)
                assert get("/")[0] == 200, "no page after %r" % data
            after = stats()["httpd"]["answered"]["400"]
            assert after - before == len(malformed), "400 counted %d times" % (after - before)
            print("net_session: %d malformed requests answered 400, each followed by a page"
                  % len(malformed), flush=True)
        check("malformed requests get 400 and the server goes on serving", bad_requests)

        def too_large():
            cases = [
                request("/", extra="X-Filler: %s\r\n" % ("x" * 3000)),  # head over 2048 bytes
                request("/", extra="".join("X-%d: y\r\n" % i for i in range(40))),  # 40 headers
                request("/" + "a" * 300),  # target over 255 bytes
                request("/", extra="Content-Length: 100000\r\n"),  # body over 8 KiB
            ]
            for data in cases:
                status, body = exchange(data)
                assert status == 413, "%r... answered %d" % (data[:60], status)
                assert get("/")[0] == 200, "no page after a 413"
            # a body under the limit is read and skipped: the next request still works
            with connect(port, t) as s:
                s.sendall(b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n" +
                          b"b" * 5000 + request("/nowhere"))
                # the two answers may come in one segment: the second starts
                # in what the first left over
                first = read_response(s)
                assert first[0] == 200, "the request with a body answered %d" % first[0]
                assert read_response(s, first[3])[0] == 404
            print("net_session: %d oversized requests answered 413, each followed by a page; "
                  "a 5000-byte body skipped" % len(cases), flush=True)
        check("oversized requests (head, headers, target, body) get 413 and the server goes on",
              too_large)

        def slow_client():
            # One client sends its request a byte a second; meanwhile others
            # are served. The slow one sends its last bytes only once they
            # all are (or after 15 bytes, under the server's 20 s head
            # deadline), so the others finishing first shows they did not
            # wait for it, however slow the machine.
            data = request("/", host="slow")
            others_done = threading.Event()
            sent = [0]

            def slow():
                with connect(port, t) as s:
                    while sent[0] < 15 and not others_done.is_set():
                        s.sendall(data[sent[0]:sent[0] + 1])
                        sent[0] += 1
                        others_done.wait(1.0)
                    s.sendall(data[sent[0]:])
                    slow_result.append(read_response(s)[0])
            slow_result = []
            th = threading.Thread(target=slow)
            th.start()
            while sent[0] < 2:  # a partial request is waiting at the server
                time.sleep(0.05)
            errors, n = [], 8

            def other(i):
                try:
                    with connect(port, t) as s:
                        for _ in range(3):
                            s.sendall(request("/"))
                            assert read_response(s)[0] == 200
                except (AssertionError, OSError) as e:
                    errors.append("client %d: %s" % (i, e))
            others = [threading.Thread(target=other, args=(i,)) for i in range(n)]
            for o in others:
                o.start()
            for o in others:
                o.join(4 * t)
            sent_then, slow_answered_then = sent[0], bool(slow_result)
            others_done.set()
            th.join(4 * t)
            assert not errors, errors[0]
            assert sent_then < 15 and not slow_answered_then, \
                "the others were answered only after the slow client had sent %d bytes" % sent_then
            assert slow_result == [200], "the slow client got %r" % slow_result
            print("net_session: %d clients x 3 requests answered while the slow client had sent "
                  "%d of %d bytes; it was answered too" % (n, sent_then, len(data)), flush=True)
        check("a slow client sending a byte a second does not hold up the others", slow_client)

        n = 50

        def many_diagnosed():
            # Which side lost a connection that never got its first answer:
            # if the image accepted it, its task is the suspect; if not, the
            # host (slirp's listen queue, SYN cookies) or slirp is. Printed
            # only on failure.
            host_before = host_tcp_counters()
            accepted_before = stats()["httpd"]["connections"]
            try:
                many()
            except (AssertionError, OSError):
                host_after = host_tcp_counters()
                try:
                    accepted = "%d" % (stats()["httpd"]["connections"] - accepted_before)
                except (AssertionError, OSError) as e:
                    accepted = "unknown (/stats: %s)" % e
                print("net_session: after the failure: the image accepted %s connections in this "
                      "case (%d clients; /stats itself is one more); host TCP counters during "
                      "it: %s" % (accepted, n, ", ".join(
                          "%s +%d" % (k, host_after[k] - host_before[k])
                          for k in sorted(host_after) if k in host_before) or "not readable"),
                      flush=True)
                raise

        def many():
            # Opened a few at a time (open_all_then_go: a burst overflows
            # slirp's host-side listen queue), each with a first request on
            # a kept-alive connection; once all n are open, every client
            # asks again at once, so the server holds n connections and
            # answers them together.
            def run(i, opened):
                with connect(port, t) as s:
                    s.sendall(request("/"))
                    first = read_response(s)
                    assert first[0] == 200, "the first request answered %d" % first[0]
                    opened()
                    s.sendall(request("/", extra="Connection: close\r\n"))
                    status, _, body, _ = read_response(s, first[3])
                    return status, body.decode("latin-1")
            results, _ = open_all_then_go(n, t, run, lambda took: None)
            assert all(r and r[0] == 200 for r in results)
            cores = set(re.search(r"on core (\d+)", r[1]).group(1) for r in results)
            print("net_session: %d connections open at once (opened %d at a time), each then "
                  "fetched the page together, served on cores %s" % (
                      n, OPENING_AT_ONCE, ", ".join(sorted(cores))), flush=True)
        check("%d clients at once all get the page" % n, many_diagnosed)

        def idle_timeout():
            with connect(port, t) as s:
                start = time.monotonic()  # before the server's last read: its idle wait is later
                before = stats_on(s)["httpd"]["idle_timeouts"]
                assert closes(s), "an idle keep-alive connection was never closed"
                waited = time.monotonic() - start
            # The server's deadline is 5 s: it may not close much sooner.
            assert waited >= 4.5, "closed after only %.1f s idle" % waited
            after = stats()["httpd"]["idle_timeouts"]
            assert after > before, "idle timeouts %d before, %d after" % (before, after)
            print("net_session: an idle keep-alive connection closed by the server after %.1f s"
                  % waited, flush=True)
        check("an idle keep-alive connection is closed at its deadline", idle_timeout)

        def quits():
            assert get("/quit") == (200, "bye\n")
            m.expect(r"httpd: quit")
            assert m.wait() == 0, "QEMU exited with status %d" % m.proc.returncode
        check("GET /quit ends the image with status 0", quits)
    finally:
        m.kill()


def enough_descriptors(connections):
    """Raise this process's open-file limit to hold connections sockets and
    some to spare, or stop with the reason when the hard limit is lower."""
    need = connections + 64
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < need:
        if hard != resource.RLIM_INFINITY and hard < need:
            raise SystemExit("net_session: %d connections need %d open files; the hard limit "
                             "is %d (ulimit -Hn)" % (connections, need, hard))
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", required=True,
                    choices=["udp_echo", "tcp_echo", "tcp_cycles", "httpd"])
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--net", required=True, help="the board's QEMU network arguments")
    ap.add_argument("--append", help="the image's command line")
    ap.add_argument("--connections", type=int, default=1000,
                    help="tcp_echo: connections at once")
    ap.add_argument("--cycles", type=int, default=10000,
                    help="tcp_cycles: connect/echo/close cycles")
    ap.add_argument("--expect-from", default="dhcp", choices=["dhcp", "static"])
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    if args.cmd and args.cmd[0] == "--":
        args.cmd = args.cmd[1:]
    if not args.cmd:
        ap.error("no QEMU command after --")
    if args.connections < 1:
        ap.error("--connections must be at least 1, not %d" % args.connections)
    if args.case == "tcp_echo":
        enough_descriptors(args.connections)
    if args.case == "tcp_cycles" and args.cycles * 8 <= cycles_bound(args):
        # The check exists to catch a leak of a few bytes a connection.
        ap.error("--cycles %d: a leak of 8 bytes a cycle would stay within the %d bytes "
                 "allowed at %d cores; run at least %d" % (
                     args.cycles, cycles_bound(args), qemu_cores(args.cmd),
                     cycles_bound(args) // 8 + 1))
    checks = Checks()
    {"udp_echo": udp_echo, "tcp_echo": tcp_echo, "tcp_cycles": tcp_cycles,
     "httpd": httpd}[args.case](args, checks)
    return checks.summary()


if __name__ == "__main__":
    sys.exit(main())
