#!/usr/bin/env python3
"""Flood the UART shell (examples/shell) with garbage, then check it still works.

    shell_flood.py [--timeout S] [--bytes N] [--seed N] -- <command that boots the shell...>

Types N bytes (default 1 MiB) of seeded random input at the shell's prompt:
every byte value, control characters (backspace, DEL, ^U, ^C, ^D, NUL, ESC,
tab, lone CR, CR LF), ANSI escape sequences and over-long lines. The flood
is made of lines that never start with a real command, so the shell only
ever edits, rejects and reports. Then the shell must:

  - have read the flood exactly: a model of the line editor
    (examples/shell/line_editor.c) says what each byte does, and the shell's
    output during the flood must be the model's to the character: the echo
    of every printable byte, the erasures, the replies (unknown command
    'WORD', line too long, too many words) and the prompts. A byte lost,
    doubled or changed that the shell could see shows up here;
  - account for every byte on a UART console: rx bytes + drops = bytes
    typed (QEMU's UARTs push back instead of dropping, so drops are 0 there
    and the count is exact);
  - answer commands correctly afterwards (fib, cat with a CRC-32, exit code).

Bounded without a wall-clock limit on the whole: the run fails when the
shell makes no progress (no byte taken, none printed) for --timeout seconds,
so a loaded machine only makes it slower. Progress is printed as it goes;
the flood's own output is not copied to the log (it is megabytes of
garbage), only the session before and after it. Ends with
"N passed, M failed"; exits non-zero on any failure.
"""
import random
import re
import subprocess
import sys
import threading
import time
import zlib

from checks import Checks
from shell_session import PROMPT, Session, command_line

LINE_MAX_CHARS = 255  # examples/shell/line_editor.h
MAX_ARGS = 8  # examples/shell/main.c
COMMANDS = {"help", "fib", "sleep", "spawn", "ps", "stats", "cat", "exit"}
BS, DEL, CTRL_C, CTRL_U, CR, LF, ESC = 0x08, 0x7f, 0x03, 0x15, 0x0d, 0x0a, 0x1b

ESCAPES = [b"\x1b[A", b"\x1b[B", b"\x1b[C", b"\x1b[D", b"\x1b[H", b"\x1b[2J", b"\x1b[K",
           b"\x1b[1;31m", b"\x1b[0m", b"\x1b[6n", b"\x1b[?25l", b"\x1b[38;5;196m",
           b"\x1bOP", b"\x1bOA", b"\x1b]0;title\x07", b"\x1bP+q544e\x1b\\", b"\x1bc",
           b"\x1b[200~", b"\x1b[201~", b"\x1b[3~", b"\x1b", b"\x9b1m"]
CONTROLS = [BS, DEL, CTRL_C, CTRL_U, CR, 0x00, 0x04, 0x1a, 0x09, ESC, 0x07, 0x11, 0x13, 0xff]


class LineModel:
    """line_read() of examples/shell/line_editor.c, byte for byte."""

    def __init__(self, last_was_cr=False):
        self.last_was_cr = last_was_cr
        self.line, self.dropped = [], 0

    def feed(self, c):
        """One input byte: (what the shell echoes, the line's outcome when
        this byte ends it, else None)."""
        was_cr, self.last_was_cr = self.last_was_cr, c == CR
        if c == LF and was_cr:
            return "", None
        if c in (CR, LF):
            echo = "\n"
            result = ("too long", LINE_MAX_CHARS + self.dropped) if self.dropped \
                else ("line", bytes(self.line).decode("latin-1"))
        elif c in (BS, DEL):
            if self.dropped:
                self.dropped -= 1
                return "", None
            if self.line:
                self.line.pop()
                return "\b \b", None
            return "", None
        elif c == CTRL_U:
            echo = "\b \b" * len(self.line)
            self.line, self.dropped = [], 0
            return echo, None
        elif c == CTRL_C:
            echo, result = "^C\n", ("cancelled", None)
        elif c < 0x20 or c > 0x7e:
            return "", None
        elif len(self.line) == LINE_MAX_CHARS:
            self.dropped += 1
            return "", None
        else:
            self.line.append(c)
            return chr(c), None
        self.line, self.dropped = [], 0
        return echo, result


def reply(outcome):
    """What the shell prints for a line's outcome (None: nothing)."""
    kind, value = outcome
    if kind == "too long":
        return "error: line too long (%d characters; at most %d); ignored" % (value, LINE_MAX_CHARS)
    if kind == "cancelled":
        return None
    words = [w for w in value.split(" ") if w]
    if not words:
        return None
    if len(words) > MAX_ARGS:
        return "error: more than %d words" % MAX_ARGS
    return "unknown command '%s' (type help for the list)" % words[0]


REPLY_RX = re.compile(r"unknown command '[^\n]*?' \(type help for the list\)"
                      r"|error: line too long \(\d+ characters; at most \d+\); ignored"
                      r"|error: more than \d+ words")


def one_line(rng):
    """One line of garbage and how it ends."""
    body = bytearray()
    kind = rng.random()
    length = rng.randrange(300, 1200) if kind < 0.08 else rng.randrange(0, 120)
    while len(body) < length:
        r = rng.random()
        if r < 0.35:
            body += bytes(rng.randrange(256) for _ in range(rng.randrange(1, 12)))
        elif r < 0.65:
            body += bytes(rng.randrange(0x21, 0x7f) for _ in range(rng.randrange(1, 10)))
        elif r < 0.75:
            body += b" " * rng.randrange(1, 4)
        elif r < 0.88:
            body += rng.choice(ESCAPES)
        else:
            body.append(rng.choice(CONTROLS))
    body = body.replace(b"\n", b"")  # the ending alone ends the line (CR may stay)
    body += rng.choice([b"\n", b"\r", b"\r\n", b"\n", b"\x03"])
    return bytes(body)


def make_flood(seed, size):
    """size bytes of lines; returns (bytes, the shell's replies in order,
    everything the shell prints for them: echo, replies and prompts).
    A line that would run a real command (a random 'exit' or 'sleep 600000')
    is replaced by the generator's next one, so the flood stays garbage."""
    rng = random.Random(seed)
    model = LineModel()
    out, replies, printed = bytearray(), [], []
    while len(out) < size:
        line = one_line(rng)
        trial = LineModel(model.last_was_cr)
        text, outcomes = [], []
        for c in line:
            echo, outcome = trial.feed(c)
            text.append(echo)
            if outcome:
                outcomes.append(outcome)
                r = reply(outcome)
                if r:
                    text.append(r + "\n")
                text.append(PROMPT)
        if any(o[0] == "line" and o[1].split() and o[1].split()[0] in COMMANDS for o in outcomes):
            continue
        model = trial
        out += line
        replies += [r for r in map(reply, outcomes) if r]
        printed += text
    assert model.line == [] and model.dropped == 0
    return bytes(out), replies, "".join(printed)


def main():
    def flood_options(ap):
        ap.add_argument("--bytes", type=int, default=1 << 20)
        ap.add_argument("--seed", type=int, default=11)
    args, cmd = command_line(flood_options)

    flood, replies, printed = make_flood(args.seed, args.bytes)
    print("[shell-flood] %d bytes, seed %d: %d lines get a reply" % (len(flood), args.seed, len(replies)),
          flush=True)
    s = Session(cmd, args.timeout)
    typed = 0  # bytes sent to the shell, for the UART's accounting
    checks = Checks("shell-flood")
    check = checks.check

    def send(data):
        nonlocal typed
        s.send(data)
        typed += len(data)

    def command(line, pattern, timeout=None):
        send(line + "\n")
        m = s.expect(pattern, timeout)
        s.expect(PROMPT, timeout)
        return m

    def finish():
        if s.proc.poll() is None:
            s.proc.kill()
        return checks.summary()

    def boots():
        s.expect(r"brigade shell on \S+, \d+ cores")
        s.expect(PROMPT)
    check("boots to the prompt", boots)
    if checks.failed:
        return finish()

    def survives_flood():
        nonlocal typed
        s.passthrough = False
        start = s.seen
        sent = [0]
        error = []

        def writer():
            try:
                for i in range(0, len(flood), 4096):
                    s.send(flood[i:i + 4096])
                    sent[0] = i + len(flood[i:i + 4096])
            except OSError as e:  # the shell died: the main thread reports it
                error.append(e)
        t = threading.Thread(target=writer, daemon=True)
        t0 = time.monotonic()
        t.start()
        # Progress is bytes taken or printed; only a stall fails the run.
        last, last_change, last_report = None, time.monotonic(), 0.0
        while t.is_alive():
            t.join(0.5)
            now = time.monotonic()
            progress = (sent[0], len(s.out))
            if progress != last:
                last, last_change = progress, now
            elif now - last_change > args.timeout:
                s.proc.kill()
                raise AssertionError("no progress for %.0f s: %d of %d bytes taken"
                                     % (args.timeout, sent[0], len(flood)))
            if now - last_report >= 5 or not t.is_alive():
                last_report = now
                print("[shell-flood] %4d of %d KiB typed, %d KiB printed, %.0f s"
                      % (sent[0] >> 10, len(flood) >> 10, len(s.out) >> 10, now - t0), flush=True)
        assert not error, "writing to the shell failed: %s" % error[0]
        typed += len(flood)
        # A command after the flood marks where the flood's replies end.
        send("\x15fib 20\n")
        m = None
        while m is None:
            before = len(s.out)
            try:
                m = s.expect(r"fib\(20\) = (\d+) in", timeout=args.timeout)
            except AssertionError:
                if len(s.out) == before or s.proc.poll() is not None:
                    raise
        s.passthrough = True
        assert m.group(1) == "6765", "fib(20) = %s after the flood" % m.group(1)
        s.expect(PROMPT)
        flood_text = s.text()[start:m.start()]
        got = REPLY_RX.findall(flood_text)
        print("[shell-flood] %d bytes in %.1f s; %d replies, %d expected"
              % (len(flood), time.monotonic() - t0, len(got), len(replies)), flush=True)
        for i, (g, want) in enumerate(zip(got, replies)):
            assert g == want, "reply %d of %d is %r, expected %r" % (i + 1, len(replies), g, want)
        assert len(got) == len(replies), "%d replies, expected %d" % (len(got), len(replies))
        # Then the whole output, echo included: every printable byte typed
        # comes back where the model says.
        want = printed + "fib 20\n"
        if flood_text != want:
            at = next((i for i, (a, b) in enumerate(zip(flood_text, want)) if a != b),
                      min(len(flood_text), len(want)))
            raise AssertionError("output differs from the model at character %d of %d: %r, expected %r"
                                 % (at, len(want), flood_text[max(0, at - 40):at + 40],
                                    want[max(0, at - 40):at + 40]))
    check("survives %d KiB of seeded garbage and reads every line of it exactly"
          % (len(flood) >> 10), survives_flood)
    if checks.failed:
        return finish()

    def accounts():
        m = command("stats", r"(uart \S+: rx (\d+) bytes, tx \d+ bytes, drops (\d+),|uart: none)")
        if m.group(2) is None:
            print("[shell-flood] no UART on this board (stdin is a pipe): nothing to count",
                  flush=True)
        else:
            rx, drops = int(m.group(2)), int(m.group(3))
            print("[shell-flood] uart: rx %d, drops %d, typed %d" % (rx, drops, typed), flush=True)
            assert rx + drops == typed, \
                "rx %d + drops %d != %d bytes typed: bytes lost without a count" % (rx, drops, typed)
    check("every byte typed was received or counted as a drop", accounts)

    def cat_after():
        rng = random.Random(args.seed + 1)
        data = bytes(rng.randrange(0x20, 0x7f) for _ in range(4096))
        send("cat %d\n" % len(data))
        s.expect(r"cat 4096\n")
        send(data)
        m = s.expect(r"(.*)\ncat: (\d+) bytes, crc32 ([0-9a-f]{8})\n")
        assert int(m.group(2)) == len(data), "shell counted %s bytes" % m.group(2)
        assert m.group(3) == "%08x" % zlib.crc32(data), "crc32 %s, expected %08x" % (
            m.group(3), zlib.crc32(data))
        assert m.group(1).encode("latin-1") == data, "echo differs"
        s.expect(PROMPT)
    check("cat after the flood: 4 KiB echoed with the right CRC-32", cat_after)

    def exits():
        send("exit 7\n")
        s.expect(r"bye")
        try:
            rc = s.proc.wait(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("still running after exit")
        assert rc == 7, "exit status %d, expected 7" % rc
    check("exit stops the machine with the code", exits)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
