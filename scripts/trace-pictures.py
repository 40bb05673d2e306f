#!/usr/bin/env python3
"""Make the execution-trace pictures of docs/TRACING.md from real runs.

    scripts/trace-pictures.py [--build build/qemu-virt-rv64] [--smp 8]

Boots examples/shell under QEMU virt RV64 (build it first: cmake --preset
qemu-virt-rv64 && cmake --build --preset qemu-virt-rv64 --target shell),
and captures two traces through the shell's console:

  docs/trace-fib-8harts.svg   `fib 22`, a fork-join, on --smp harts: which
                              core ran which fib task, the steals (blue, from
                              victim to thief) and the idle spells
  docs/trace-uart-reader.svg  the shell typing: the shell task parks on
                              'uart read' between keystrokes and the UART's
                              receive interrupt (red) readies it

Each dump is kept beside its picture (.dump) so the picture can be redrawn
or opened in Perfetto (scripts/trace2json.py FILE --json OUT.json). The
runs are real, so the pictures differ a little from run to run.
"""
import argparse
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "harness"))
from shell_session import PROMPT, Session  # noqa: E402


def dump(s, path):
    start = len(s.text())
    s.passthrough = False
    s.send("trace dump\n")
    s.expect(r"--- brigade trace end: \d+ bytes, crc32 [0-9a-f]{8} ---", 120)
    s.expect(PROMPT)
    s.passthrough = True
    with open(path, "w", encoding="latin-1") as f:
        f.write(s.text(start))


def convert(path, svg, title, crop):
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "trace2json.py"), path,
                    "--svg", svg, "--title", title] + (["--crop", crop] if crop else []),
                   check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "qemu-virt-rv64"))
    ap.add_argument("--smp", type=int, default=8)
    args = ap.parse_args()
    elf = os.path.join(args.build, "examples", "shell.elf")
    if not os.path.exists(elf):
        sys.exit("trace-pictures: no %s: build the shell first (see --help)" % elf)
    docs = os.path.join(ROOT, "docs")
    s = Session(["qemu-system-riscv64", "-M", "virt", "-m", "128M", "-bios", "default",
                 "-display", "none", "-serial", "stdio", "-monitor", "none",
                 "-smp", str(args.smp), "-kernel", elf], 120)
    s.expect(PROMPT, 120)

    s.command("trace start", r"trace: on")
    s.command("fib 22", r"fib\(22\) = 17711[^\n]*\ntasks run per core:[^\n]*\n")
    s.command("trace stop", r"trace: off")
    base = os.path.join(docs, "trace-fib-8harts")
    dump(s, base + ".dump")
    convert(base + ".dump", base + ".svg",
            "fib 22 on %d harts (QEMU virt RV64): one row per core, a box per task run" % args.smp,
            "fib")

    s.command("trace start", r"trace: on")
    for ch in "ps":  # typed slowly: one receive interrupt and one wake-up a key
        s.send(ch)
        time.sleep(0.3)
    s.command("", r"tasks: ")
    s.command("trace stop", r"trace: off")
    base = os.path.join(docs, "trace-uart-reader")
    dump(s, base + ".dump")
    convert(base + ".dump", base + ".svg",
            "the shell reading keys: parked on 'uart read', readied by the UART interrupt (red)",
            "main")
    s.send("exit\n")
    s.proc.wait(timeout=30)


if __name__ == "__main__":
    main()
