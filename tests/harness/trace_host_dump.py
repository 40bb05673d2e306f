#!/usr/bin/env python3
"""The execution trace dumped into a host file through semihosting.

    trace_host_dump.py [--timeout SECONDS] -- <QEMU command that boots the shell,
                                               with -semihosting>

Boots the shell (examples/shell) twice. With semihosting: `trace dump FILE`
before any trace refuses and makes no file; after a traced `fib 18`,
`trace dump FILE` writes the framed dump into FILE (a name relative to the
working directory, which QEMU shares: the build tree under ctest), FILE has
the byte count the shell reported and scripts/trace2json.py accepts it and
finds fib's runs; a file the host cannot create is refused with the host's
reason; the shell answers afterwards. Then the same command without
-semihosting: `trace dump FILE` says there is no semihosting host instead
of hanging or trapping, makes no file, and the shell still answers. Each
step prints as it goes; ends with "N passed, M failed".
"""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import Checks  # noqa: E402
from fib_trace import check_fib_tasks  # noqa: E402
from shell_session import PROMPT, Session, command_line  # noqa: E402

CONVERTER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                         "trace2json.py")


def step(text):
    print("\n[trace_host_dump] %s" % text, flush=True)


def boot(cmd, timeout):
    s = Session(cmd, timeout)
    try:
        s.expect(r"brigade shell on \S+, \d+ cores", timeout=max(timeout, 120))
        s.expect(PROMPT)
    except AssertionError:
        s.proc.kill()
        raise
    return s


def stop(s, semihosting):
    """Ends QEMU: `exit` with semihosting; without it the process is killed,
    since the AArch64 boards and sifive_u leave QEMU only through it."""
    if semihosting:
        s.send("exit\n")
        try:
            s.proc.wait(timeout=30)
            return
        except subprocess.TimeoutExpired:
            pass
    s.proc.kill()
    s.proc.wait()


def main():
    args, cmd = command_line()
    if "-semihosting" not in cmd:
        sys.exit("trace_host_dump: the QEMU command must hold -semihosting")
    checks = Checks("trace_host_dump")
    check = checks.check
    # In the working directory, which QEMU inherits: a relative name on the
    # shell's line is relative to QEMU's directory.
    name = "trace-host-dump-%d.dump" % os.getpid()
    missing = "no-such-directory-%d/trace.dump" % os.getpid()
    # A name of its own for the run without semihosting: a failed check
    # above keeps its dump for a look, which must not read as made here.
    plain_name = "trace-host-dump-%d-no-host.dump" % os.getpid()
    for f in (name, missing, plain_name):
        if os.path.exists(f):
            os.remove(f)

    sessions = []

    def boots(command):
        sessions.append(boot(command, args.timeout))

    step("booting with semihosting: %s" % " ".join(cmd))
    if not check("boots to the prompt with semihosting", lambda: boots(cmd)):
        return checks.summary()
    s = sessions[-1]

    def refuses_before_start():
        s.command("trace dump %s" % name, r"trace dump: tracing never started")
        assert not os.path.exists(name), "a failed dump left %s behind" % name
    step("trace dump FILE before any trace")
    check("a dump before any trace is refused and makes no file", refuses_before_start)

    written = {}

    def dumps_into_file():
        s.command("trace start", r"trace: on, \d+ events per core")
        s.command("fib 18", r"fib\(18\) = 2584")
        s.command("trace stop", r"trace: off")
        step("trace dump %s" % name)
        s.send("trace dump %s\n" % name)
        s.expect(r"trace dump: writing host file %s" % re.escape(name))
        m = s.expect(r"trace dump: wrote (\d+) bytes to host file %s" % re.escape(name),
                     max(args.timeout, 120))
        s.expect(PROMPT)
        written["bytes"] = int(m.group(1))
        assert os.path.exists(name), "no file %s in %s" % (name, os.getcwd())
        size = os.path.getsize(name)
        print("[trace_host_dump] %s: %d bytes on the host, %d reported"
              % (name, size, written["bytes"]), flush=True)
        assert size == written["bytes"], "file has %d bytes, shell said %d" % (size, written["bytes"])
    check("trace dump FILE writes the framed dump into a host file", dumps_into_file)

    def converter_accepts():
        out = name + ".json"
        step("scripts/trace2json.py %s --json %s" % (name, out))
        r = subprocess.run([sys.executable, CONVERTER, name, "--json", out],
                           capture_output=True, text=True)
        print(r.stdout + r.stderr, end="", flush=True)
        assert r.returncode == 0, "the converter refused the file (exit %d)" % r.returncode
        with open(out) as f:
            ev = json.load(f)["traceEvents"]
        os.remove(out)
        fibs = [e for e in ev if e["ph"] == "X" and e["name"] == "fib"]
        assert fibs, "no fib runs in the converted trace"
        # fib 18 spawns one task per call with n >= 12: 33 of them.
        check_fib_tasks(fibs, 33, "trace_host_dump")
    check("scripts/trace2json.py accepts the file and finds every fib task", converter_accepts)

    def host_refusal():
        step("trace dump %s (the host cannot create it)" % missing)
        s.command("trace dump %s" % missing,
                  r"trace dump: cannot write host file %s: No such file or directory"
                  % re.escape(missing))
    check("a file the host cannot create is refused with the host's reason", host_refusal)
    check("the shell answers after the dumps",
          lambda: s.command("fib 10", r"fib\(10\) = 55"))
    stop(s, True)
    if checks.failed == 0 and os.path.exists(name):
        os.remove(name)

    plain = [a for a in cmd if a != "-semihosting"]
    step("booting without semihosting: %s" % " ".join(plain))
    if not check("boots to the prompt without semihosting", lambda: boots(plain)):
        return checks.summary()
    s = sessions[-1]

    def no_host():
        s.command("trace start", r"trace: on, \d+ events per core")
        s.command("trace stop", r"trace: off")
        step("trace dump %s with no semihosting host" % plain_name)
        s.command("trace dump %s" % plain_name,
                  r"trace dump: cannot write host file %s: no semihosting host"
                  % re.escape(plain_name))
        assert not os.path.exists(plain_name), "%s was made without semihosting" % plain_name
    check("without semihosting trace dump FILE says so, never hangs or traps", no_host)
    check("the shell answers after it",
          lambda: s.command("fib 10", r"fib\(10\) = 55"))
    stop(s, False)
    return checks.summary()


if __name__ == "__main__":
    sys.exit(main())
