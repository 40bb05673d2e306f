#!/usr/bin/env python3
"""Drive bench/uart_read_bench.c: send one byte each time it prints "ready N".

    uart_read_bench.py [--timeout SECONDS] -- <QEMU command booting the image...>

Passes the image's output through and exits with QEMU's status (124 on a
timeout).
"""
import argparse
import subprocess
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, bufsize=0)
    deadline = time.monotonic() + args.timeout
    line = b""
    while True:
        if time.monotonic() > deadline:
            proc.kill()
            print("uart_read_bench.py: timeout", flush=True)
            return 124
        ch = proc.stdout.read(1)
        if not ch:
            break
        sys.stdout.buffer.write(ch)
        sys.stdout.flush()
        line += ch
        if ch == b"\n":
            if line.startswith(b"ready "):
                time.sleep(0.01)  # let the reader park: the byte must find it waiting
                proc.stdin.write(b"x")
                proc.stdin.flush()
            line = b""
    return proc.wait()


if __name__ == "__main__":
    sys.exit(main())
