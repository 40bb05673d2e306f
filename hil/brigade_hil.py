"""Run a brigade test image on a labgrid target and read its verdict.

One runner for QEMU and hardware: the labgrid environment decides how the
image gets onto the target.

  QEMU      the target has a QEMUDriver: QEMU starts with the image as its
            kernel; the console is QEMU's serial port.
  hardware  the target has an OpenOCDDriver and a console (SerialDriver):
            the board is powered on if it has a power driver, U-Boot is
            caught at its prompt if the target has a UBootDriver, OpenOCD
            writes the image into RAM over JTAG (the driver's load_commands),
            and the environment's "brigade_boot" option, typed at the
            U-Boot prompt, starts it (envs/visionfive2-example.yaml).

Either way the console is read until the test framework's summary line
("N passed, M failed[, K skipped]", tests/framework/test_main.c), a panic
report has ended, or the time is up; every failure to get there names what
was expected. Runs under Debian's /usr/bin/python3 (python3-labgrid).
"""

import os
import re
import select
import struct
import subprocess
import time

SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$")
# Markers may follow output a test left without a newline on the same
# line, so they are searched for, not anchored at the line start.
RUN = re.compile(r"\[ RUN      \] (\S+)$")
OK = re.compile(r"\[       OK \] (\S+)$")
FAILED = re.compile(r"\[  FAILED  \] (\S+) \((.*)\)$")
SKIPPED = re.compile(r"\[  SKIPPED \] (\S+): (.*)$")
PANIC = "PANIC"
DEADLOCK = "all tasks are asleep - deadlock!"


class HilError(Exception):
    """A run that could not produce a verdict, with the reason in words."""


def elf_test_names(path):
    """Names of the TEST()s linked into an ELF image, in the order they run.

    TEST(name) defines a static struct test_case_<name> in the
    "brigade_tests" section, which the framework walks in address order;
    the symbol table gives both, so no debugger or toolchain is needed.
    """
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise HilError("%s is not a 64-bit little-endian ELF image" % path)
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    sections = []
    for i in range(shnum):
        name, typ, _flags, _addr, off, size, link, _info, _align, entsize = struct.unpack_from(
            "<IIQQQQIIQQ", data, shoff + i * shentsize)
        sections.append((name, typ, off, size, link, entsize))
    names_off = sections[shstrndx][2]

    def cstr(offset):
        return data[offset:data.index(b"\0", offset)].decode()

    tests_index = next((i for i, s in enumerate(sections)
                        if cstr(names_off + s[0]) == "brigade_tests"), None)
    found = []
    for _name, typ, off, size, link, entsize in sections:
        if typ != 2:  # SHT_SYMTAB
            continue
        strtab = sections[link][2]
        for k in range(size // entsize):
            st_name, _info, _other, shndx, value, _size = struct.unpack_from(
                "<IBBHQQ", data, off + k * entsize)
            name = cstr(strtab + st_name)
            if name.startswith("test_case_") and shndx == tests_index:
                found.append((value, name[len("test_case_"):]))
    return [name for _value, name in sorted(found)]


class Result:
    """What the console said: per test, and overall."""

    def __init__(self, text, ended_by, exit_status=None):
        self.text = text
        self.ended_by = ended_by          # "summary", "exit", "panic", "timeout"
        self.exit_status = exit_status    # QEMU's, when it exited by itself
        self.tests = {}                   # name -> ("passed"|"failed"|"skipped", detail)
        self.order = []
        self.summary = None               # (passed, failed, skipped)
        self.running = None               # the test that was running at the end
        current, detail = None, []
        for raw in text.splitlines():
            line = raw.rstrip("\r")
            m = RUN.search(line)
            if m:
                current, detail = m.group(1), []
                self.order.append(current)
                continue
            m = OK.search(line)
            if m:
                self.tests[m.group(1)] = ("passed", "")
                current = None
                continue
            m = FAILED.search(line)
            if m:
                self.tests[m.group(1)] = ("failed", "\n".join(detail) or m.group(2))
                current = None
                continue
            m = SKIPPED.search(line)
            if m:
                self.tests[m.group(1)] = ("skipped", m.group(2))
                current = None
                continue
            m = SUMMARY.match(line.strip())
            if m:
                self.summary = (int(m.group(1)), int(m.group(2)), int(m.group(3) or 0))
                continue
            if current is not None:
                detail.append(line)
        self.running = current

    def tail(self, lines=15):
        return "\n".join(self.text.rstrip().splitlines()[-lines:])


def _qemu_exit_status(qemu):
    """QEMU's exit status once it has exited by itself (the image ended), or None.

    labgrid's QEMUDriver only knows QEMU stopped by its off(); an image
    that leaves QEMU (sifive_test, semihosting) must be marked off here, or
    off() writes "quit" into a closed QMP pipe."""
    child = getattr(qemu, "_child", None)
    if child is None:
        return None
    status = child.poll()
    if status is not None:
        qemu._child = None
        qemu.status = 0
    return status


def _read_console(read_chunk, timeout, exited=lambda: None):
    """Console text until the summary line, a finished panic report, the
    process behind the console exiting, or the timeout. read_chunk(t)
    returns bytes (b"" when none came within t seconds)."""
    deadline = time.monotonic() + timeout
    text = b""
    panic_seen_at = None
    while True:
        now = time.monotonic()
        if now >= deadline:
            return text.decode("utf-8", "replace"), "timeout", None
        text += read_chunk(min(0.5, deadline - now))
        decoded = text.decode("utf-8", "replace")
        lines = [l.strip() for l in decoded.replace("\r", "").splitlines() if l.strip()]
        if lines and SUMMARY.match(lines[-1]):
            # The summary is the image's last word; QEMU exits right after.
            status = exited()
            for _ in range(20):
                if status is not None:
                    break
                time.sleep(0.05)
                status = exited()
            return decoded, "summary", status
        status = exited()
        if status is not None:
            text += read_chunk(0.2)
            return text.decode("utf-8", "replace"), "exit", status
        if PANIC in decoded or DEADLOCK in decoded:
            # A report is a few lines; on hardware nothing exits, so give
            # it a moment to finish printing and stop there.
            panic_seen_at = panic_seen_at or now
            if now - panic_seen_at > 2.0:
                return decoded, "panic", None


def _raise_priority():
    """In the child before exec: nice -10 if permitted, else unchanged."""
    try:
        os.nice(-10)
    except OSError:
        pass


class _SocketDrain:
    """Empties QEMU's console socket as fast as bytes arrive.

    QEMU 7.2's SiFive UART model hands each byte to the character device
    without waiting (its TX FIFO never reads full), and a Unix socket
    charges every one-byte write a whole buffer's overhead, so a reader
    that pauses for a few milliseconds (labgrid's own read sleeps 10 ms;
    a Python thread waits for the interpreter lock) lets QEMU drop console
    output. `cat`, a separate process blocked in read(), keeps the socket
    empty and moves the bytes into a pipe, whose buffer counts bytes, not
    writes. The verdict still notices any lost line (a TEST() without a
    result), so loss can fail a run but never pass one.

    On a loaded host even `cat` can stay off the CPU for the few
    milliseconds that fill the socket (docs/HIL.md: 3 lost lines in 36
    runs beside a test run and two busy loops), so it asks for a higher
    scheduling priority where the user may raise one (root, or
    CAP_SYS_NICE) and runs at the default elsewhere."""

    def __init__(self, sock):
        sock.setblocking(True)  # cat must block in read(), not see EAGAIN
        self.proc = subprocess.Popen(["cat"], stdin=sock.fileno(), stdout=subprocess.PIPE,
                                     preexec_fn=_raise_priority)
        os.set_blocking(self.proc.stdout.fileno(), False)

    def start(self):
        pass

    def read(self, timeout):
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            return b""
        try:
            return os.read(self.proc.stdout.fileno(), 1 << 20)
        except BlockingIOError:
            return b""

    def close(self):
        self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()


def _console_reader(console):
    def read_chunk(timeout):
        try:
            return console.read(size=4096, timeout=timeout)
        except Exception:  # labgrid raises its TIMEOUT when nothing arrives
            return b""
    return read_chunk


def run_image(target, image, timeout=120.0):
    """Put @image on the labgrid target, read the console, return a Result."""
    drivers = {type(d).__name__: d for d in target.drivers}
    if "QEMUDriver" in drivers:
        return _run_qemu(target, drivers["QEMUDriver"], image, timeout)
    if "OpenOCDDriver" in drivers:
        return _run_hardware(target, image, timeout)
    raise HilError("labgrid target '%s' has neither a QEMUDriver nor an OpenOCDDriver: "
                   "cannot put an image on it (drivers: %s)"
                   % (target.name, ", ".join(sorted(drivers)) or "none"))


def _run_qemu(target, qemu, image, timeout):
    # QEMUDriver builds its command line when activated: swap the image in
    # between runs.
    target.deactivate(qemu)
    target.env.config.data.setdefault("images", {})[qemu.kernel] = image
    target.activate(qemu)
    # QEMUDriver.on() starts QEMU halted and then sends "cont"; hold the
    # "cont" back until the console is being drained, or the firmware's
    # first lines can be lost (see _SocketDrain).
    real_monitor = qemu.monitor_command
    qemu.monitor_command = lambda cmd: None if cmd == "cont" else real_monitor(cmd)
    try:
        qemu.on()
    except Exception as e:
        raise HilError("QEMU did not start for %s (%s): check the QEMUDriver settings in %s"
                       % (image, e, target.env.config_file)) from e
    finally:
        del qemu.monitor_command
    drain = _SocketDrain(qemu._clientsocket)  # see _SocketDrain for why
    drain.start()
    qemu.monitor_command("cont")
    try:
        text, ended_by, status = _read_console(drain.read, timeout,
                                               exited=lambda: _qemu_exit_status(qemu))
    finally:
        drain.close()
        if _qemu_exit_status(qemu) is None:
            try:
                qemu.off()
            except Exception:
                # QEMU left by itself between the look and the "quit" (off()
                # then fails on the closed QMP pipe and leaves the driver
                # on): mark it off as an image that exited, or labgrid's
                # cleanup at the end of the session quits it again and the
                # run ends in an error ("BrokenPipeError" at teardown).
                child = getattr(qemu, "_child", None)
                if child is not None:
                    try:
                        child.wait(timeout=10)
                    except Exception:
                        child.kill()
                        child.wait()
                _qemu_exit_status(qemu)
    return Result(text, ended_by, status)


def _run_hardware(target, image, timeout):
    env_file = target.env.config_file
    try:
        console = target.get_driver("ConsoleProtocol")
    except Exception as e:
        raise HilError("cannot open the console of '%s': %s; check the serial port "
                       "(RawSerialPort) in %s" % (target.name, e, env_file)) from e
    try:
        openocd = target.get_driver("OpenOCDDriver", activate=False)
        target.activate(openocd)  # waits (boundedly) for the probe to appear
    except Exception as e:
        raise HilError("no JTAG probe for '%s': %s; %s expects the USBDebugger it "
                       "describes to be plugged in" % (target.name, e, env_file)) from e
    try:
        power = target.get_driver("PowerProtocol")
    except Exception:
        power = None  # a board without remote power is powered by hand
    if power is not None:
        power.cycle()
    uboot = None
    try:
        uboot = target.get_driver("UBootDriver", activate=False)
    except Exception:
        pass
    if uboot is not None:
        target.activate(uboot)  # catches U-Boot at its prompt (its own timeout)
    try:
        openocd.load(image)
    except Exception as e:
        raise HilError("OpenOCD could not load %s onto '%s': %s; is the board powered "
                       "and the probe wired to its JTAG pins? configs: %s"
                       % (image, target.name, e, ", ".join(openocd.config))) from e
    boot = target.env.config.get_option("brigade_boot", None)
    if uboot is not None and boot:
        console.write((boot + "\n").encode())
    text, ended_by, _ = _read_console(_console_reader(console), timeout)
    return Result(text, ended_by)


def verdict(result, image, expected_names):
    """Problems with a whole run, as sentences (empty: the run is good)."""
    problems = []
    if result.ended_by == "timeout":
        where = ("while running %s" % result.running) if result.running else (
            "after %d tests" % len(result.tests) if result.tests else "before any test started")
        problems.append("no 'N passed, M failed' summary line from %s within the timeout "
                        "(stopped %s); last console lines:\n%s"
                        % (image, where, result.tail()))
    elif result.ended_by == "panic":
        problems.append("%s panicked%s:\n%s" % (
            image, " in %s" % result.running if result.running else "", result.tail(25)))
    elif result.summary is None:
        problems.append("%s ended (exit status %s) without the summary line; last console "
                        "lines:\n%s" % (image, result.exit_status, result.tail()))
    else:
        passed, failed, skipped = result.summary
        counted = {s: sum(1 for v in result.tests.values() if v[0] == s)
                   for s in ("passed", "failed", "skipped")}
        if (passed, failed, skipped) != (counted["passed"], counted["failed"], counted["skipped"]):
            problems.append("summary says %d passed, %d failed, %d skipped but the console "
                            "shows %d, %d, %d" % (passed, failed, skipped, counted["passed"],
                                                  counted["failed"], counted["skipped"]))
        if failed:
            problems.append("%d test(s) failed" % failed)
        if result.exit_status not in (None, 0):
            problems.append("QEMU exited with status %d" % result.exit_status)
    missing = [n for n in expected_names if n not in result.tests]
    if missing and not problems:
        problems.append("the image's symbol table lists tests the console never reported: %s"
                        % ", ".join(missing))
    return problems
