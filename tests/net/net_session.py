#!/usr/bin/env python3
"""Boot a network image under QEMU user networking with a host port
forwarded to it, and check it from the host (Python's standard library only).

    net_session.py --case udp_echo [--timeout S] [--append ARGS]
                   --net "<BRIGADE_QEMU_NET_ARGS>" -- <QEMU command...>

The forwarded port is picked free at run time (bound to port 0 on
127.0.0.1, then handed to QEMU), so parallel runs never clash; QEMU is
started again with a new port if another process took it in between.
Everything the image prints is passed through. Ends with "N passed, M
failed"; exits non-zero on any failure or a wrong exit status of QEMU.
"""
import argparse
import os
import random
import re
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
                exited = self.proc.poll() is not None
                if left <= 0 or exited:
                    raise AssertionError("no %r in the output (%s)" % (
                        pattern, "QEMU exited" if exited else "timed out"))
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
        try:
            m.expect(r"Could not set up host forwarding rule", timeout=2)
            m.kill()
            print("net_session: a port was taken meanwhile; again", flush=True)
            continue
        except AssertionError:
            return m, ports
    raise SystemExit("net_session: no free ports after 5 attempts")


def udp_echo(args, checks):
    m, (port,) = boot(args, [("udp", 7)])
    try:
        def comes_up():
            got = m.expect(r"address (\d+\.\d+\.\d+\.\d+) from (\w+)")
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
    line = control(port, "stats", timeout)
    got = re.match(r"heap (\d+) sockets (\d+) tcp (\d+) time_wait (\d+)$", line)
    assert got, "no stats from the control port"
    return int(got.group(1)), int(got.group(2))


def echo_round_trip(port, seed, total, timeout):
    """Send total random bytes in random chunks, each read back in full
    before the next goes; compare CRC-32s of all sent and all received."""
    rng = random.Random(seed)
    sent_crc = got_crc = 0
    got_bytes = 0
    with connect(port, timeout) as s:
        left = total
        while left:
            chunk = bytes(rng.getrandbits(8) for _ in range(min(left, rng.randint(1, 4096))))
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
        s.shutdown(socket.SHUT_WR)
        assert s.recv(1) == b"", "connection %d: no end of stream after the echo" % seed
    assert sent_crc == got_crc and got_bytes == total
    return got_bytes


def settle(ctl, timeout, sockets_wanted, heap_wanted=None):
    """Stats once the image is back to sockets_wanted open sockets (and
    heap_wanted bytes, if given): the server closes its side only after
    the peer's FIN or RST reaches it."""
    deadline = time.monotonic() + timeout
    while True:
        heap, sockets = stats(ctl, timeout)
        if sockets == sockets_wanted and (heap_wanted is None or heap == heap_wanted):
            return heap, sockets
        if time.monotonic() > deadline:
            return heap, sockets
        time.sleep(0.5)


def tcp_echo(args, checks):
    m, (port, ctl) = boot(args, [("tcp", 7), ("tcp", 8)])
    t = args.timeout
    try:
        if not checks.check("comes up and listens", lambda: m.expect(r"echo: listening on 7")):
            return
        base = {}

        def first_stats():
            base["heap"], base["sockets"] = stats(ctl, t)
            # the two listeners and the control connection itself
            assert base["sockets"] == 3, "%d sockets open at the start" % base["sockets"]
        if not checks.check("control port answers (3 sockets open)", first_stats):
            return

        n, total = args.connections, 16 * 1024

        def many_at_once():
            results, errors = [0] * n, []

            def one(i):
                try:
                    results[i] = echo_round_trip(port, i, total, t)
                except (AssertionError, OSError) as e:
                    errors.append("connection %d: %s" % (i, e))
            threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
            start = time.monotonic()
            for th in threads:
                th.start()
            for th in threads:
                th.join(4 * t)
            assert not errors, "%d of %d failed, first: %s" % (len(errors), n, errors[0])
            assert sum(results) == n * total
            print("net_session: %d concurrent connections echoed %d bytes each intact in %.1f s"
                  % (n, total, time.monotonic() - start), flush=True)
        checks.check("%d concurrent connections echo checksummed data in order" % n, many_at_once)

        def resets():
            for i in range(20):
                s = connect(port, t)
                s.sendall(bytes(random.Random(i).getrandbits(8) for _ in range(32 * 1024)))
                s.recv(100)  # the echo has started
                # SO_LINGER 0: close sends RST with data still in flight both ways
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
                s.close()
            heap, sockets = settle(ctl, t, base["sockets"])
            assert sockets == base["sockets"], "%d sockets still open after 20 resets" % sockets
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

        def cycles():
            # The heap moves by tens of KiB with no connection at all (a dead
            # task's stack is recycled after it exits, a frame waits in a
            # receive buffer), so each reading is the least of five, and the
            # bound is 32 KiB over 200 cycles: 164 bytes a cycle, less than
            # any one thing a connection allocates (lwIP's pcb and netconn,
            # the socket, the task's stack).
            def low_heap():
                return min(stats(ctl, t)[0] for _ in range(5))
            for i in range(20):  # warm up: task and buffer pools reach their working size
                echo_round_trip(port, 2000 + i, 512, t)
            settle(ctl, t, base["sockets"])
            heap0 = low_heap()
            count, bound = 200, 32 * 1024
            for i in range(count):
                echo_round_trip(port, 3000 + i, 512, t)
            deadline = time.monotonic() + t
            while True:
                _, sockets1 = settle(ctl, t, base["sockets"])
                heap1 = low_heap()
                if heap1 - heap0 <= bound or time.monotonic() > deadline:
                    break
            print("net_session: heap in use %d bytes before %d connect/echo/close cycles, %d after"
                  " (%+d); sockets open after: %d" % (heap0, count, heap1, heap1 - heap0, sockets1),
                  flush=True)
            assert sockets1 == base["sockets"], "sockets open: %d before, %d after" % (
                base["sockets"], sockets1)
            assert heap1 - heap0 <= bound, "heap in use grew by %d bytes over %d cycles" % (
                heap1 - heap0, count)
        checks.check("200 connect/close cycles leave the heap where it started (within 32 KiB)",
                     cycles)

        def quits():
            assert control(ctl, "quit", t) == "bye"
            m.expect(r"echo: quit")
            assert m.wait() == 0, "QEMU exited with status %d" % m.proc.returncode
        checks.check("quit ends the image with status 0", quits)
    finally:
        m.kill()


def httpd(args, checks):
    import urllib.error
    import urllib.request
    m, (port,) = boot(args, [("tcp", 80)])
    t = args.timeout
    base = "http://127.0.0.1:%d" % port

    def get(path):
        with urllib.request.urlopen(base + path, timeout=t) as r:
            return r.status, r.read().decode()
    try:
        if not checks.check("comes up and listens", lambda: m.expect(r"httpd: listening on 80")):
            return

        def page():
            status, body = get("/")
            assert status == 200 and re.search(r"Served by task \d+ on core \d+", body), body
        checks.check("GET / answers the page", page)

        def not_found():
            try:
                get("/nothing-here")
            except urllib.error.HTTPError as e:
                assert e.code == 404, "status %d" % e.code
                return
            raise AssertionError("GET /nothing-here did not answer 404")
        checks.check("GET of an unknown path answers 404", not_found)

        n = 50

        def many():
            results, errors = [None] * n, []

            def one(i):
                try:
                    results[i] = get("/")
                except (OSError, AssertionError) as e:
                    errors.append(str(e))
            threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
            for th in threads:
                th.start()
            for th in threads:
                th.join(4 * t)
            assert not errors, "%d of %d failed, first: %s" % (len(errors), n, errors[0])
            assert all(r and r[0] == 200 for r in results)
            cores = set(re.search(r"on core (\d+)", r[1]).group(1) for r in results)
            print("net_session: %d pages fetched at once, served on cores %s" % (
                n, ", ".join(sorted(cores))), flush=True)
        checks.check("%d clients at once all get the page" % n, many)

        def stats():
            status, body = get("/stats")
            assert status == 200 and re.match(r"heap \d+ sockets \d+ tcp \d+ time_wait \d+", body), body
        checks.check("GET /stats answers the counters", stats)

        def quits():
            assert get("/quit") == (200, "bye\n")
            m.expect(r"httpd: quit")
            assert m.wait() == 0, "QEMU exited with status %d" % m.proc.returncode
        checks.check("GET /quit ends the image with status 0", quits)
    finally:
        m.kill()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", required=True, choices=["udp_echo", "tcp_echo", "httpd"])
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--net", required=True, help="the board's QEMU network arguments")
    ap.add_argument("--append", help="the image's command line")
    ap.add_argument("--connections", type=int, default=200,
                    help="tcp_echo: connections at once")
    ap.add_argument("--expect-from", default="dhcp", choices=["dhcp", "static"])
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    if args.cmd and args.cmd[0] == "--":
        args.cmd = args.cmd[1:]
    checks = Checks()
    {"udp_echo": udp_echo, "tcp_echo": tcp_echo, "httpd": httpd}[args.case](args, checks)
    return checks.summary()


if __name__ == "__main__":
    sys.exit(main())
