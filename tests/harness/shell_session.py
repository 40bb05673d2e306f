#!/usr/bin/env python3
"""Drive the UART shell (examples/shell) through its console and check replies.

    shell_session.py [--timeout SECONDS] -- <command that boots the shell...>

The command's stdin and stdout are the shell's serial line (QEMU with
-serial stdio, or the host board's own stdio). Each check types input the
way a user would -- after the prompt -- and waits for the expected reply.
Everything the shell prints is passed through, so a failing ctest log shows
the whole session. Ends with "N passed, M failed"; exits non-zero on any
failure, on a machine that never reaches the prompt, or on a wrong exit code.
"""
import argparse
import os
import random
import re
import subprocess
import sys
import threading
import time
import zlib

from checks import Checks

PROMPT = "brigade> "


class Session:
    def __init__(self, cmd, timeout):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, bufsize=0)
        self.timeout = timeout
        self.out = bytearray()
        self.seen = 0  # offset in text() up to which output was matched
        self.passthrough = True  # copy the shell's output to our stdout
        self._text = ""  # text() of out[:_decoded], grown as output arrives
        self._decoded = 0
        self.cond = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while True:
            chunk = self.proc.stdout.read1(65536) if hasattr(self.proc.stdout, "read1") \
                else os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                break
            if self.passthrough:
                sys.stdout.buffer.write(chunk)
                sys.stdout.flush()
            with self.cond:
                self.out += chunk
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def text(self, start=0):
        """The output from offset start, with the UART's CR LF as LF."""
        # Decoded once per byte: a flood's output runs to megabytes. A CR at
        # the very end waits for the byte that may make it a CR LF.
        end = len(self.out)
        if end and self.out[end - 1] == 0x0d:
            end -= 1
        if end > self._decoded:
            self._text += self.out[self._decoded:end].decode("latin-1").replace("\r\n", "\n")
            self._decoded = end
        return self._text[start:]

    def expect(self, pattern, timeout=None):
        """Wait for pattern (regex) in the output after the last match."""
        deadline = time.monotonic() + (timeout or self.timeout)
        rx = re.compile(pattern, re.S)
        with self.cond:
            while True:
                m = rx.search(self.text(), self.seen)
                if m:
                    self.seen = m.end()
                    return m
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self.reader.is_alive()):
                    raise AssertionError("expected output matching %r, got: %r"
                                         % (pattern, self.text(self.seen)[-400:]))
                self.cond.wait(min(left, 0.5))

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("latin-1")
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def command(self, line, reply, timeout=None):
        self.send(line + "\n")
        m = self.expect(reply, timeout)
        self.expect(PROMPT, timeout)
        return m


def command_line(add_options=None):
    """The arguments of every script that drives an image through its
    console: --timeout S, the script's own options (add_options(parser)),
    then -- and the command that boots the image. Returns (args, command)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=60,
                    help="seconds to wait for each thing the image should print")
    if add_options:
        add_options(ap)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        ap.error("no command to run after --")
    return args, cmd


def main():
    args, cmd = command_line()

    s = Session(cmd, args.timeout)
    checks = Checks("shell-session")
    check = checks.check

    def boots():
        s.expect(r"brigade shell on \S+, \d+ cores", timeout=args.timeout)
        s.expect(PROMPT)

    check("boots to the prompt", boots)
    if checks.failed:
        s.proc.kill()
        return checks.summary()

    check("help lists the commands",
          lambda: s.command("help", r"fib +N.*sleep +MS.*spawn +N.*ps.*stats.*exit"))
    check("fib runs in parallel and is right",
          lambda: s.command("fib 24", r"fib\(24\) = 46368 in \d+\.\d{3} ms\ntasks run per core: 0:\d+"))

    def sleep():
        m = s.command("sleep 120", r"slept (\d+)\.(\d{3}) ms \(asked for 120\)")
        assert int(m.group(1)) >= 120, "woke early: %s ms" % m.group(1)
    check("sleep waits at least as asked", sleep)

    def spawn():
        s.send("spawn 6\n")
        m = s.expect(r"((?:task \d+ \(id \d+\): slept \d+ ms.*\n){6})spawn: 6 tasks done")
        indices = sorted(int(x) for x in re.findall(r"task (\d+) \(id", m.group(1)))
        assert indices == list(range(6)), "reports from tasks %s" % indices
        s.expect(PROMPT)
    check("spawn runs N tasks that each report", spawn)

    check("ps lists the shell's own task",
          lambda: s.command("ps", r"task +\d+ +main +running.*\d+ tasks: "))
    check("stats shows per-core counters and UART drops",
          lambda: s.command("stats", r"core +tasks-run.*\n +0 +\d+.*(uart \S+: rx \d+ bytes, tx \d+ bytes, drops \d+|uart: none)"))

    def reader_parks():
        # Every command so far was read by the shell task waiting at the
        # prompt. On a UART console that wait is a park ("uart read") ended
        # by the receive interrupt, never a polling loop.
        m = s.command("stats", r"(uart \S+: .*interrupts (\d+), parked readers woken (\d+)|uart: none)")
        if m.group(2) is not None:
            assert int(m.group(2)) > 0, "no UART interrupt taken: the console is polled"
            assert int(m.group(3)) > 0, "no parked reader was woken by the UART interrupt"
    check("the shell parks reading the UART and its interrupt wakes it", reader_parks)
    check("an unknown command is named and the shell goes on",
          lambda: s.command("frobnicate now", r"unknown command 'frobnicate'"))
    check("a bad argument gets a clear error",
          lambda: s.command("fib forty", r"fib: 'forty' is not a number"))

    def long_line():
        s.send("x" * 10000 + "\n")
        s.expect(r"error: line too long \(10000 characters; at most 255\); ignored")
        s.expect(PROMPT)
        s.command("fib 10", r"fib\(10\) = 55")
    check("a 10,000-character line is refused and the shell keeps running", long_line)

    check("backspace edits the line",
          lambda: s.command("fib 2\x7f15", r"fib\(15\) = 610"))
    check("^U erases the line", lambda: s.command("bogus\x15fib 12", r"fib\(12\) = 144"))

    def cat_64k():
        rng = random.Random(1234)
        data = bytes(rng.randrange(0x20, 0x7f) for _ in range(65536))
        s.send("cat %d\n" % len(data))
        s.expect(r"cat 65536\n")
        # Feed it in pieces, as a terminal paste arrives; the reader thread
        # keeps draining the echo so neither pipe fills up.
        for i in range(0, len(data), 4096):
            s.send(data[i:i + 4096])
        m = s.expect(r"(.*)\ncat: (\d+) bytes, crc32 ([0-9a-f]{8})\n", timeout=args.timeout * 3)
        echoed = m.group(1).encode("latin-1")
        assert int(m.group(2)) == len(data), "shell counted %s bytes" % m.group(2)
        assert m.group(3) == "%08x" % zlib.crc32(data), \
            "crc32 %s, expected %08x" % (m.group(3), zlib.crc32(data))
        assert echoed == data, "echo differs (%d bytes back, first difference at %d)" % (
            len(echoed), next((i for i, (a, b) in enumerate(zip(echoed, data)) if a != b),
                              min(len(echoed), len(data))))
        s.expect(PROMPT)
    check("64 KiB of input is echoed with the right checksum", cat_64k)

    check("stats after 64 KiB: no bytes dropped",
          lambda: s.command("stats", r"(uart \S+: rx \d+ bytes, tx \d+ bytes, drops 0,|uart: none)"))

    def exits():
        s.send("exit 7\n")
        s.expect(r"bye")
        try:
            rc = s.proc.wait(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("still running after exit")
        assert rc == 7, "exit status %d, expected 7" % rc
    check("exit stops the machine with the code", exits)

    if s.proc.poll() is None:
        s.proc.kill()
    return checks.summary()


if __name__ == "__main__":
    sys.exit(main())
