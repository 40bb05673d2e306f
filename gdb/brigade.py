"""brigade task awareness for GDB.

Load it with `source gdb/brigade.py` (gdb/brigade.gdb does, for the debug
targets). It adds:

  brigade tasks            every task: id, name, state, core, wait reason,
                           saved pc with its symbol, and where it is in
                           the program's own code (the first frame outside
                           the runtime)
  brigade cores            every core: hart id, GDB thread, what it runs
  brigade task ID|NAME     show that task's registers: a parked or runnable
                           task's saved context is loaded into the current
                           thread, so bt, frame, info locals show the task;
                           a running task selects the thread of its core
  brigade bt ID|NAME       backtrace of one task, then put everything back
  brigade restore          put the registers back (also done before any
                           command that resumes the target)
  brigade trace dump FILE  write the execution-trace rings (kernel/trace.c)
                           to FILE as the framed dump `trace dump` prints,
                           for scripts/trace2json.py; works on a hung board

Like OpenOCD's RTOS awareness for FreeRTOS or Zephyr, it reads the
runtime's own data structures, so it works the same under QEMU's gdbstub
and through OpenOCD on a board: the task slabs (sched/task.c `all_slabs`),
the per-core structures (kernel/cpu.c `cpus`), and the frame arch_switch
leaves on a task's stack (kernel/arch/<arch>/switch.S). Field offsets and
enum values come from the image's debug information; only the switch
frame's layout is written down here, once per architecture, and the ctest
gdb.* tests fail if it drifts from switch.S.

Loading registers into a halted thread is how GDB can unwind a stack that
is not running; the real registers are saved first and written back by
`brigade restore`, which runs automatically before continue, step, next,
finish and the like (hook-* definitions below), so the target never
resumes with a parked task's registers.
"""

import base64
import os
import struct
import zlib

import gdb


class SwitchFrame:
    """Where arch_switch leaves a switched-out task's registers.

    words: register name -> word index from the saved stack pointer;
    pc_word: the word that holds the address the task resumes at;
    size: bytes popped on resume (the stack pointer after the switch
    returns is saved_sp + size).
    """

    def __init__(self, size, pc_word, words, sp_reg, core_reg):
        self.size = size
        self.pc_word = pc_word
        self.words = words
        self.sp_reg = sp_reg
        self.core_reg = core_reg  # holds the running core's struct cpu *


# kernel/arch/riscv64/switch.S: ra, s0-s11, fs0-fs11 and fcsr (saved only
# for a task with FP state), a flag word and a pad, 28 words in all. The
# floating-point saves are not loaded: GDB writes them as floats, and
# unwinding needs only the integer registers.
RISCV64 = SwitchFrame(
    size=28 * 8,
    pc_word=0,
    words=dict([("ra", 0)] + [("s%d" % i, 1 + i) for i in range(12)]),
    sp_reg="sp",
    core_reg="tp",
)

# kernel/arch/aarch64/switch.S: x19-x28, x29 (fp), x30 (lr), d8-d15, FPCR
# and FPSR (saved only for a task with FP state), CPACR_EL1 and a pad, 24
# words; the task resumes at x30. QEMU's gdbstub shows TPIDR_EL1, the core
# pointer, among its system registers.
AARCH64 = SwitchFrame(
    size=24 * 8,
    pc_word=11,
    words=dict([("x%d" % (19 + i), i) for i in range(10)] + [("x29", 10), ("x30", 11)]),
    sp_reg="sp",
    core_reg="TPIDR_EL1",
)

SWITCH_FRAMES = {"riscv:rv64": RISCV64, "aarch64": AARCH64}

# Source directories of the runtime itself; the WHERE column shows the
# first frame outside them.
RUNTIME_DIRS = ("sched", "kernel", "io", "libc", "boot", "drivers", "board")

NEW_TASK_SP = 1  # sched/task_internal.h SP_NEW


class BrigadeError(gdb.GdbError):
    pass


def _arch_frame():
    name = gdb.selected_inferior().architecture().name()
    frame = SWITCH_FRAMES.get(name)
    if frame is None:
        raise BrigadeError(
            "brigade: no switch-frame layout for architecture %s (known: %s)"
            % (name, ", ".join(sorted(SWITCH_FRAMES))))
    return frame


def _static(name, where):
    sym = gdb.lookup_static_symbol(name) or gdb.lookup_global_symbol(name)
    if sym is None:
        raise BrigadeError(
            "brigade: symbol %s (%s) not found: is this a brigade image with debug info?"
            % (name, where))
    return sym.value()


def _state_names():
    names = {}
    for field in gdb.lookup_type("enum task_state").fields():
        names[field.enumval] = field.name[len("TASK_"):].lower()
    return names


def _string(value, limit=64):
    """A C string of the target, at most limit bytes."""
    addr = int(value)
    if addr == 0:
        return ""
    try:
        raw = gdb.selected_inferior().read_memory(addr, limit).tobytes()
    except gdb.MemoryError:
        return "<bad string at 0x%x>" % addr
    return raw.split(b"\0", 1)[0].decode("utf-8", errors="replace")


def _symbolize(pc):
    """pc as "0x... <symbol+offset>", by the ELF symbol (not an inlined
    function's name: that is what a disassembly of the image shows)."""
    text = gdb.execute("info symbol 0x%x" % pc, to_string=True).strip()
    if text.startswith("No symbol"):
        return "0x%x" % pc
    name = text.split(" in section ")[0].replace(" + ", "+")
    return "0x%x <%s>" % (pc, name)


def _source_root():
    """The directory holding sched/, from where task_park was compiled."""
    sym = gdb.lookup_global_symbol("task_park")
    if sym is None or sym.symtab is None:
        return None
    return os.path.dirname(os.path.dirname(sym.symtab.fullname()))


class Task:
    def __init__(self, value, state_names):
        self.value = value
        self.addr = int(value.address)
        self.id = int(value["id"])
        self.name = _string(value["name"])
        self.state_num = int(value["state"])
        self.state = state_names.get(self.state_num, "?%d" % self.state_num)
        self.core = int(value["last_core"])
        self.sp = int(value["sp"])
        self.wait = _string(value["wait_reason"]) if self.state == "parked" else ""
        self.fn = int(value["fn"])

    def label(self):
        return "task %d (%s)" % (self.id, self.name or "unnamed")


def all_tasks():
    names = _state_names()
    free = [k for k, v in names.items() if v == "free"][0]
    slab = _static("all_slabs", "sched/task.c")
    tasks = []
    while int(slab) != 0:
        array = slab["tasks"]
        array.fetch_lazy()  # one read per slab, not one per field
        lo, hi = array.type.range()
        for i in range(lo, hi + 1):
            t = array[i]
            if int(t["state"]) != free:
                tasks.append(Task(t, names))
        slab = slab["next"]
    tasks.sort(key=lambda t: t.id)
    return tasks


class Core:
    def __init__(self, value, index):
        self.index = index
        self.addr = int(value.address)
        self.hw_id = int(value["hw_id"])
        # struct cpu points at the scheduler's per-core state (sched_cpu.h),
        # NULL until sched_cpus_create has run at boot.
        sched = value["sched"]
        current = sched.dereference()["current"] if int(sched) else sched.cast(
            gdb.lookup_type("struct task").pointer())
        self.current = int(current)
        self.idle = int(current) == 0 or bool(int(current["flags"]) & 1)
        self.thread = None


def all_cores():
    cpus = _static("cpus", "kernel/cpu.c")
    n = int(_static("ncpus", "kernel/cpu.c"))
    cores = [Core(cpus[i], i) for i in range(n)] if int(cpus) else []
    by_addr = {c.addr: c for c in cores}
    frame = _arch_frame()
    # Each core keeps its struct cpu * in a register no switch touches
    # (tp on RISC-V): that maps GDB's threads to cores on any probe.
    selected = gdb.selected_thread()
    selected_frame = gdb.selected_frame() if selected else None
    try:
        for thread in gdb.selected_inferior().threads():
            thread.switch()
            try:
                reg = int(gdb.parse_and_eval("$" + frame.core_reg)) & (2 ** 64 - 1)
            except gdb.error:
                continue
            if reg in by_addr:
                by_addr[reg].thread = thread
    finally:
        if selected is not None:
            selected.switch()
            selected_frame.select()
    return cores


class SavedRegisters:
    """The real registers of the thread a task's context was loaded into."""

    def __init__(self):
        self.thread = None
        self.values = None
        self.showing = None

    def active(self):
        return self.values is not None

    def save(self, frame):
        thread = gdb.selected_thread()
        regs = [frame.sp_reg, "pc"] + list(frame.words)
        self.values = {r: int(gdb.parse_and_eval("$" + r)) for r in regs}
        self.thread = thread

    def restore(self):
        if not self.active():
            return False
        current = gdb.selected_thread()
        if self.thread.is_valid():
            self.thread.switch()
            # A register written in an outer frame goes to where that frame
            # saved it, in memory: always write frame 0's.
            gdb.execute("frame 0", to_string=True)
            for reg, val in self.values.items():
                gdb.execute("set $%s = 0x%x" % (reg, val), to_string=True)
        self.values = None
        self.showing = None
        if current is not None and current.is_valid() and current != self.thread:
            current.switch()
        return True


saved = SavedRegisters()


def load_context(task):
    """Load a switched-out task's saved registers into the current thread."""
    frame = _arch_frame()
    if task.sp == NEW_TASK_SP:
        raise BrigadeError("brigade: %s is new: it has never run, so it has no context yet "
                           "(it will start at %s)" % (task.label(), _symbolize(task.fn)))
    if task.sp == 0:
        raise BrigadeError("brigade: %s is %s on core %d; its registers are that core's"
                           % (task.label(), task.state, task.core))
    words = max(frame.words.values()) + 1
    raw = gdb.selected_inferior().read_memory(task.sp, words * 8).tobytes()
    word = [int.from_bytes(raw[i * 8:i * 8 + 8], "little") for i in range(words)]
    if not saved.active():
        gdb.execute("frame 0", to_string=True)
        saved.save(frame)
    else:
        saved.restore()
        gdb.execute("frame 0", to_string=True)
        saved.save(frame)
    for reg, index in frame.words.items():
        gdb.execute("set $%s = 0x%x" % (reg, word[index]), to_string=True)
    gdb.execute("set $%s = 0x%x" % (frame.sp_reg, task.sp + frame.size), to_string=True)
    gdb.execute("set $pc = 0x%x" % word[frame.pc_word], to_string=True)
    saved.showing = task


def where(root, limit=24):
    """First frame of the current stack outside the runtime's directories."""
    runtime = tuple(os.path.join(root, d) + os.sep for d in RUNTIME_DIRS) if root else ()
    frame = gdb.newest_frame()
    last = None
    depth = 0
    while frame is not None and depth < limit:
        sal = frame.find_sal()
        name = frame.name() or "??"
        path = sal.symtab.fullname() if sal.symtab else ""
        last = (name, path, sal.line)
        if path and not path.startswith(runtime):
            break
        try:
            frame = frame.older()
        except gdb.error:
            break
        depth += 1
    if last is None:
        return ""
    name, path, line = last
    if not path:
        return name
    shown = os.path.relpath(path, root) if root and path.startswith(root + os.sep) else path
    return "%s at %s:%d" % (name, shown, line)


def find_task(spec):
    tasks = all_tasks()
    spec = spec.strip()
    if not spec:
        raise BrigadeError("brigade: which task? give an id or a name (see brigade tasks)")
    matches = [t for t in tasks if str(t.id) == spec] or [t for t in tasks if t.name == spec]
    if not matches:
        raise BrigadeError("brigade: no task with id or name '%s' (%d tasks; see brigade tasks)"
                           % (spec, len(tasks)))
    if len(matches) > 1:
        raise BrigadeError("brigade: %d tasks are named '%s'; use an id: %s"
                           % (len(matches), spec, ", ".join(str(t.id) for t in matches)))
    return matches[0]


def _running_thread(task, cores):
    for c in cores:
        if c.current == task.addr and c.thread is not None:
            return c
    return None


class BrigadePrefix(gdb.Command):
    """brigade task awareness: brigade tasks | cores | task ID|NAME | bt ID|NAME | restore."""

    def __init__(self):
        super().__init__("brigade", gdb.COMMAND_USER, prefix=True)


class TasksCommand(gdb.Command):
    """List every brigade task: id, name, state, core, wait reason, saved pc, where.

CORE is where the task runs or last ran. PC is where a switched-out task
resumes (inside the scheduler), or the live pc of a running task. WHERE is
the first frame of its stack outside the runtime: the code that waits."""

    def __init__(self):
        super().__init__("brigade tasks", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        tasks = all_tasks()
        cores = all_cores()
        root = _source_root()
        rows = []
        had_saved = saved.active()
        showing = saved.showing
        if had_saved:
            saved.restore()
        try:
            for t in tasks:
                pc, loc = "", ""
                if t.sp == NEW_TASK_SP:
                    pc, loc = _symbolize(t.fn), "(not started)"
                elif t.sp != 0:
                    load_context(t)
                    pc = _symbolize(int(gdb.parse_and_eval("$pc")))
                    loc = where(root)
                else:
                    saved.restore()  # the live registers, not the last task's
                    core = _running_thread(t, cores)
                    if core is not None:
                        selected = gdb.selected_thread()
                        core.thread.switch()
                        pc = _symbolize(int(gdb.parse_and_eval("$pc")))
                        loc = where(root)
                        selected.switch()
                    else:
                        loc = "(switching, or its core is not a GDB thread)"
                rows.append(("%d" % t.id, t.name, t.state, "%d" % t.core, t.wait, pc, loc))
        finally:
            saved.restore()
            if had_saved and showing is not None:
                load_context(showing)
        header = ("ID", "NAME", "STATE", "CORE", "WAIT", "PC", "WHERE")
        widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
        fmt = "  ".join("%%-%ds" % w for w in widths[:-1]) + "  %s"
        gdb.write((fmt % header).rstrip() + "\n")
        for r in rows:
            gdb.write((fmt % r).rstrip() + "\n")
        gdb.write("%d tasks\n" % len(rows))


class CoresCommand(gdb.Command):
    """List brigade's cores: index, hart id, GDB thread, running task."""

    def __init__(self):
        super().__init__("brigade cores", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        tasks = {t.addr: t for t in all_tasks()}
        for c in all_cores():
            thread = "thread %d" % c.thread.num if c.thread else "no GDB thread"
            if c.idle:
                what = "idle (scheduler loop)"
            elif c.current in tasks:
                what = "running " + tasks[c.current].label()
            else:
                what = "running task at 0x%x" % c.current
            gdb.write("core %d  hw id %d  %s  %s\n" % (c.index, c.hw_id, thread, what))


class TaskCommand(gdb.Command):
    """Show one task's registers: brigade task ID|NAME.

A switched-out (parked or runnable) task's saved context is loaded into the
current thread, so bt, frame N and info locals show that task. A running
task selects the GDB thread of its core. brigade restore (or any command
that resumes the target) puts the real registers back."""

    def __init__(self):
        super().__init__("brigade task", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        task = find_task(arg)
        if task.sp == 0:
            core = _running_thread(task, all_cores())
            if core is None:
                raise BrigadeError("brigade: %s is %s on core %d, which is not a GDB thread"
                                   % (task.label(), task.state, task.core))
            saved.restore()
            core.thread.switch()
            gdb.write("%s is running on core %d: switched to GDB thread %d\n"
                      % (task.label(), core.index, core.thread.num))
        else:
            load_context(task)
            gdb.write("showing %s (%s%s); brigade restore puts the registers back\n"
                      % (task.label(), task.state, ", " + task.wait if task.wait else ""))
        gdb.execute("frame 0")


class BacktraceCommand(gdb.Command):
    """Backtrace of one task, then restore the registers: brigade bt ID|NAME."""

    def __init__(self):
        super().__init__("brigade bt", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        task = find_task(arg)
        gdb.write("%s, %s%s:\n" % (task.label(), task.state, ", " + task.wait if task.wait else ""))
        if task.sp == 0:
            core = _running_thread(task, all_cores())
            if core is None:
                raise BrigadeError("brigade: %s is running on core %d, which is not a GDB thread"
                                   % (task.label(), task.core))
            selected = gdb.selected_thread()
            core.thread.switch()
            try:
                gdb.execute("backtrace")
            finally:
                selected.switch()
            return
        had_saved = saved.active()
        showing = saved.showing
        try:
            load_context(task)
            gdb.execute("backtrace")
        finally:
            saved.restore()
            if had_saved and showing is not None:
                load_context(showing)


class RestoreCommand(gdb.Command):
    """Put back the registers that brigade task replaced."""

    def __init__(self):
        super().__init__("brigade restore", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        if saved.restore():
            gdb.write("registers restored\n")
        elif from_tty:
            gdb.write("nothing to restore\n")


TRACE_NAME_KINDS = (2, 5)  # TRACE_TASK_NAME, TRACE_PARK_REASON (trace.h)


def _ring_events(ring):
    """A ring's readable events as (index of the first, [(stamp, arg)], lost),
    by the reader's rule of kernel/trace.c: the target may have stopped in
    the middle of writing one, so the two oldest slots of a full ring are
    dropped as a live reader would."""
    head, first, mask = int(ring["head"]), int(ring["first"]), int(ring["mask"])
    size = mask + 1
    start = max(first, head - size + 2 if head + 2 > size else 0)
    start = min(start, head)
    raw = gdb.selected_inferior().read_memory(int(ring["ev"].address), size * 16).tobytes()
    events = [struct.unpack_from("<QQ", raw, (i & mask) * 16) for i in range(start, head)]
    return start, events, start - min(first, start)


class TracePrefix(gdb.Command):
    """The execution trace: brigade trace dump FILE."""

    def __init__(self):
        super().__init__("brigade trace", gdb.COMMAND_USER, prefix=True)


class TraceDumpCommand(gdb.Command):
    """Write the execution-trace rings to FILE: brigade trace dump FILE.

Reads every core's ring from memory (tracing need not be stopped, the
target need not be able to run: a hung board can still be traced) and
writes the same framed dump the shell's `trace dump` prints. Convert it
with scripts/trace2json.py FILE --json OUT.json --svg OUT.svg."""

    def __init__(self):
        super().__init__("brigade trace dump", gdb.COMMAND_USER, gdb.COMPLETE_FILENAME)

    def invoke(self, arg, from_tty):
        path = arg.strip()
        if not path:
            raise BrigadeError("brigade trace dump: give the file to write")
        hz = int(_static("trace_tick_hz", "kernel/trace.c"))
        if hz == 0:
            raise BrigadeError("brigade trace dump: tracing never started (trace_start)")
        cpus = _static("cpus", "kernel/cpu.c")
        n = int(_static("ncpus", "kernel/cpu.c"))
        image = [b"BRTRACE1", struct.pack("<IIQ", n, 0, hz)]
        strings = []
        total = 0
        for i in range(n):
            ring = cpus[i]["trace"]
            first, events, lost = (0, [], 0) if int(ring) == 0 else _ring_events(
                ring.dereference())
            image.append(struct.pack("<IIQQ", i, len(events), lost, first))
            for stamp, value in events:
                image.append(struct.pack("<QQ", stamp, value))
                if stamp & 0xff in TRACE_NAME_KINDS and value and value not in strings:
                    strings.append(value)
            total += len(events)
        image.append(struct.pack("<I", len(strings)))
        for addr in strings:
            text = _string(addr).encode("utf-8")[:64]
            image.append(struct.pack("<QI", addr, len(text)) + text)
        data = b"".join(image)
        body = base64.b64encode(data).decode()
        with open(path, "w") as f:
            f.write("--- brigade trace begin ---\n")
            for k in range(0, len(body), 76):
                f.write(body[k:k + 76] + "\n")
            f.write("--- brigade trace end: %d bytes, crc32 %08x ---\n"
                    % (len(data), zlib.crc32(data) & 0xffffffff))
        gdb.write("brigade trace dump: %d events from %d cores to %s\n" % (total, n, path))


# Commands that let the target run. A pre-hook on each puts the real
# registers back first.
RESUMING = ("continue", "next", "step", "stepi", "nexti", "finish", "until", "advance",
            "jump", "signal", "kill", "detach", "run", "start", "call")


def _install_hooks():
    confirm = gdb.parameter("confirm")
    gdb.execute("set confirm off")  # sourcing twice must not ask to redefine
    try:
        for cmd in RESUMING:
            gdb.execute("define hook-%s\nbrigade restore\nend" % cmd, to_string=True)
    finally:
        gdb.execute("set confirm %s" % ("on" if confirm else "off"))


BrigadePrefix()
TasksCommand()
CoresCommand()
TaskCommand()
BacktraceCommand()
RestoreCommand()
TracePrefix()
TraceDumpCommand()
_install_hooks()
