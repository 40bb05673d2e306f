#!/usr/bin/env python3
"""Check the soak image's UART lines in its console log.

The soak's UART writer (tests/soak/soak.c, uart_writer) writes lines
"uart <seq> <payload> <crc>": seq counts from 0, the payload is UART_PAYLOAD
letters computed from seq, crc is the CRC-32 of everything before it. Each
line is one console_write, so no other output may land inside it. This
script recomputes payload and CRC and requires every line from 0 to the
count the image announced ("... N uart lines" in its first line), in order,
each once and intact. Prints what it found; exits 1 on any fault.
"""
import re
import sys
import zlib

PAYLOAD = 40
MASK = (1 << 64) - 1


def mix(x):
    """splitmix64's finaliser, as soak.c's mix()."""
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & MASK
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def expected_line(seq):
    head = "uart %d " % seq
    r = mix(seq)
    letters = []
    for _ in range(PAYLOAD):
        letters.append(chr(ord("a") + r % 26))
        r = mix(r)
    body = head + "".join(letters)
    return "%s %08x" % (body, zlib.crc32(body.encode()))


def main():
    if len(sys.argv) != 2:
        print("usage: check-uart-lines.py <console log>", file=sys.stderr)
        return 2
    with open(sys.argv[1], "rb") as f:
        text = f.read().decode("latin-1").replace("\r", "")
    announced = re.search(r"^soak: .*, (\d+) uart lines$", text, re.M)
    if not announced:
        print("check-uart-lines: FAIL: no soak banner announcing the uart line count")
        return 1
    want = int(announced.group(1))
    # A uart line, or anything that looks like a piece of one.
    candidate = re.compile(r"uart \d+ [a-z]")
    next_seq, good, damaged, out_of_sequence = 0, 0, 0, 0
    for line in text.split("\n"):
        if not candidate.search(line):
            continue
        m = re.fullmatch(r"uart (\d+) [a-z]+ [0-9a-f]{8}", line)
        if not m or line != expected_line(int(m.group(1))):
            damaged += 1
            if damaged <= 5:
                print("check-uart-lines: damaged line: %r" % line[:200])
            continue
        seq = int(m.group(1))
        if seq == next_seq:
            good += 1
        else:
            out_of_sequence += 1
            if out_of_sequence <= 5:
                print("check-uart-lines: line %d where %d was next" % (seq, next_seq))
        next_seq = max(next_seq, seq + 1)
    verdict = "ok" if good == want and not (damaged or out_of_sequence) else "FAIL"
    print("check-uart-lines: %s: %d of %d uart lines intact and in order, %d damaged, "
          "%d out of sequence (after a gap, or repeated)"
          % (verdict, good, want, damaged, out_of_sequence))
    return 0 if verdict == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
