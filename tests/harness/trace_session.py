#!/usr/bin/env python3
"""Capture an execution trace from the UART shell and convert it.

    trace_session.py [--timeout SECONDS] -- <command that boots the shell...>

Types `trace start`, a parallel `fib 24`, `trace stop` and `trace dump` at
the shell (examples/shell), feeds the console text to scripts/trace2json.py
and checks what a reader of the picture relies on: the dump's framing holds,
fib runs as slices on more than one core, at least one steal leads to a
run, every task slice is closed by a known stop reason, and the shell task
itself parked reading the UART. On a loaded machine the other harts may
start late, so a round without a steal is repeated (up to 20 rounds) before
the check fails, and a trace without the shell's park is taken again (up to
3 more, with a pause at the prompt). Ends with "N passed, M failed".
"""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import Checks  # noqa: E402
from fib_trace import check_fib_tasks  # noqa: E402
from shell_session import PROMPT, Session, command_line  # noqa: E402

CONVERTER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                         "trace2json.py")
ROUNDS = 20
PARK_ROUNDS = 3  # more traces when one shows no park (shell_parks)
PARK_PAUSE = 0.5
# Long enough (about 35 ms on an idle host, 609 tasks) that the idle harts'
# vCPU threads get to run on a busy host before it is over, and short
# enough that one core's ring (8192 events) holds all of it: about 8 events
# a task.
FIB_N = 24
FIB_VALUE = 46368
FIB_SEQUENTIAL_BELOW = 12  # examples/shell/commands.c


def fib_tasks(n):
    """Tasks the shell's fib spawns: one per call with n >= 12."""
    return 0 if n < FIB_SEQUENTIAL_BELOW else 1 + fib_tasks(n - 1) + fib_tasks(n - 2)


def capture(s, tmp, pause=0):
    """One traced fib; returns the trace-event JSON. pause: seconds to wait
    at the prompt after "trace start" before typing the next command."""
    s.command("trace start", r"trace: on, \d+ events per core")
    time.sleep(pause)
    s.command("fib %d" % FIB_N, r"fib\(%d\) = %d" % (FIB_N, FIB_VALUE))
    s.command("trace stop", r"trace: off")
    start = len(s.text())
    s.passthrough = False  # the dump is long; the converter's summary says what it held
    s.send("trace dump\n")
    s.expect(r"--- brigade trace end: \d+ bytes, crc32 [0-9a-f]{8} ---")
    s.expect(PROMPT)
    s.passthrough = True
    dump = os.path.join(tmp, "trace.dump")
    with open(dump, "w", encoding="latin-1") as f:
        f.write(s.text(start))
    out = os.path.join(tmp, "trace.json")
    r = subprocess.run([sys.executable, CONVERTER, dump, "--json", out,
                        "--svg", os.path.join(tmp, "trace.svg")],
                       capture_output=True, text=True)
    print(r.stdout + r.stderr, end="", flush=True)
    assert r.returncode == 0, "the converter refused the dump (exit %d)" % r.returncode
    with open(out) as f:
        return json.load(f)


def main():
    args, cmd = command_line()
    s = Session(cmd, args.timeout)
    checks = Checks("trace_session")
    check = checks.check

    check("boots to the prompt", lambda: s.expect(PROMPT, max(args.timeout, 120)))
    doc = {}
    with tempfile.TemporaryDirectory(prefix="trace-session-") as tmp:
        def steals_and_slices():
            for round_ in range(1, ROUNDS + 1):
                print("\n[trace_session] round %d" % round_, flush=True)
                doc.update(capture(s, tmp))
                ev = doc["traceEvents"]
                fib_cores = {e["tid"] for e in ev if e["ph"] == "X" and e["name"] == "fib"}
                steals = [e for e in ev if e["ph"] == "s" and e["cat"] == "steal"]
                print("[trace_session] fib slices on cores %s, %d steals"
                      % (sorted(fib_cores), len(steals)), flush=True)
                if len(fib_cores) >= 2 and steals:
                    return
            raise AssertionError("no round showed fib on two cores with a steal")
        check("a traced fork-join shows fib slices on several cores and steals",
              steals_and_slices)

    def stop_reasons():
        tasks = [e for e in doc.get("traceEvents", []) if e["ph"] == "X" and e["cat"] == "task"]
        assert tasks, "no task slices"
        reasons = {e["args"]["stop"] for e in tasks}
        assert reasons <= {"yield", "preempted", "parked", "exited", "running"}, reasons
        check_fib_tasks(tasks, fib_tasks(FIB_N), "trace_session")
    check("every fib task's run ends in a known stop reason, each exits once", stop_reasons)

    # The shell parks on the UART whenever it waits for a command, but only
    # if the command is not already there when it reads: the harness types
    # the next one as soon as the prompt arrives, and the prompt can reach
    # it (sent by another core's transmit interrupt) while the shell's own
    # core, descheduled by a busy host, has not yet read. So a trace without
    # the park is taken again, up to PARK_ROUNDS times, with a pause at the
    # prompt for the shell to read and park.
    def uart_parks(d):
        return [e for e in d.get("traceEvents", [])
                if e["ph"] == "X" and e.get("args", {}).get("wait reason") == "uart read"]

    def shell_parks():
        traced = doc
        with tempfile.TemporaryDirectory(prefix="trace-session-") as tmp:
            for round_ in range(1, PARK_ROUNDS + 1):
                if uart_parks(traced):
                    return
                print("[trace_session] no 'uart read' park in trace %d; tracing again with a "
                      "%.1f s pause at the prompt" % (round_, PARK_PAUSE), flush=True)
                traced = capture(s, tmp, PARK_PAUSE)
        assert uart_parks(traced), \
            "the shell task never parked on 'uart read' in %d traces" % (PARK_ROUNDS + 1)
    check("the shell task parks reading the UART", shell_parks)

    s.send("exit\n")
    try:
        s.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        s.proc.kill()
    return checks.summary()


if __name__ == "__main__":
    sys.exit(main())
