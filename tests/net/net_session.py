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


def boot(args, proto, guest_port):
    """Start QEMU with a free host port forwarded to guest_port; return (machine, port)."""
    for attempt in range(5):
        port = free_port(socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM)
        net = args.net.split()
        i = net.index("-netdev") + 1
        net[i] += ",hostfwd=%s:127.0.0.1:%d-:%d" % (proto, port, guest_port)
        cmd = list(args.cmd)
        cmd[1:1] = net
        if args.append:
            cmd += ["-append", args.append]
        print("net_session: %s port %d on 127.0.0.1 -> guest port %d" % (proto, port, guest_port),
              flush=True)
        m = Machine(cmd, args.timeout)
        try:
            m.expect(r"Could not set up host forwarding rule", timeout=2)
            m.kill()
            print("net_session: port %d was taken meanwhile; again" % port, flush=True)
            continue
        except AssertionError:
            return m, port
    raise SystemExit("net_session: no free port after 5 attempts")


def udp_echo(args, checks):
    m, port = boot(args, "udp", 7)
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", required=True, choices=["udp_echo"])
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--net", required=True, help="the board's QEMU network arguments")
    ap.add_argument("--append", help="the image's command line")
    ap.add_argument("--expect-from", default="dhcp", choices=["dhcp", "static"])
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    if args.cmd and args.cmd[0] == "--":
        args.cmd = args.cmd[1:]
    checks = Checks()
    {"udp_echo": udp_echo}[args.case](args, checks)
    return checks.summary()


if __name__ == "__main__":
    sys.exit(main())
