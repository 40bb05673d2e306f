#!/usr/bin/env python3
"""Convert a brigade execution-trace dump to Chrome/Perfetto JSON and an SVG timeline.

    scripts/trace2json.py DUMP [--json OUT.json] [--svg OUT.svg] [--title TEXT]

DUMP is any text holding one framed dump (`trace dump` in the shell, or
`brigade trace dump FILE` in GDB): a console log is fine, everything outside
the markers is ignored. The framing is checked before anything is drawn --
both markers, base64 lines, the byte count and the CRC-32 of the end marker,
then every length inside -- and a dump that fails is refused with the reason
and exit status 2. docs/TRACING.md describes the format and what is drawn.

Open the JSON in https://ui.perfetto.dev or chrome://tracing: one track per
core, a slice per task run named after the task (its stop reason and wait
reason in the arguments), idle slices, interrupt slices (device lines, the
timer, IPIs), flow arrows from spawn/ready to run and from steal to run,
instant events for timers and IPIs. The SVG is a self-contained picture of
the same timeline.

Python standard library only. Prints a one-line summary per core.
"""
import argparse
import base64
import binascii
import html
import json
import re
import struct
import sys
import zlib

BEGIN = "--- brigade trace begin ---"
END_RE = re.compile(r"--- brigade trace end: (\d+) bytes, crc32 ([0-9a-f]{8}) ---")
MAGIC = b"BRTRACE1"
MAX_CORES = 1024

# enum trace_kind (kernel/include/brigade/trace.h)
SPAWN, TASK_NAME, RUN, STOP, PARK_REASON, READY, STEAL, IRQ_ENTER, IRQ_EXIT, TIMER, \
    IDLE_SLEEP, IDLE_WAKE, IPI_SEND, IPI_RECV, TASK_LIVE = range(1, 16)
KIND_NAMES = {SPAWN: "spawn", TASK_NAME: "task-name", RUN: "run", STOP: "stop",
              PARK_REASON: "park-reason", READY: "ready", STEAL: "steal",
              IRQ_ENTER: "irq-enter", IRQ_EXIT: "irq-exit", TIMER: "timer",
              IDLE_SLEEP: "idle-sleep", IDLE_WAKE: "idle-wake", IPI_SEND: "ipi-send",
              IPI_RECV: "ipi-recv", TASK_LIVE: "task-live"}
STOP_REASONS = {1: "yield", 2: "preempted", 3: "parked", 4: "exited"}
# IRQ_ENTER/EXIT's argument: a device line, or TRACE_IRQ_CLASS (bit 32) |
# enum irq_class for the interrupts with no line (kernel/include/brigade/irq.h).
IRQ_CLASS_BIT = 1 << 32
IRQ_CLASSES = {0: "timer", 1: "ipi"}
IRQ_COLOURS = {"device": "#c00", "timer": "#e80", "ipi": "#808"}  # the SVG's


def irq_kind(arg):
    """(class, slice name) of an interrupt enter/exit argument."""
    if arg & IRQ_CLASS_BIT:
        cls = IRQ_CLASSES.get(arg & 0xffffffff, "class %d" % (arg & 0xffffffff))
        return cls, {"timer": "timer interrupt", "ipi": "IPI"}.get(cls, cls)
    return "device", "irq %d" % arg


class DumpError(Exception):
    """The dump is cut, garbled or not a brigade trace."""


def unframe(text):
    """The binary image between the markers, checked against the end marker."""
    lines = text.replace("\r", "").split("\n")
    starts = [i for i, l in enumerate(lines) if l.strip() == BEGIN]
    if not starts:
        raise DumpError("no '%s' line: not a brigade trace dump" % BEGIN)
    start = starts[-1]  # the last dump in a log
    chunks = []
    for i in range(start + 1, len(lines)):
        line = lines[i].strip()
        m = END_RE.fullmatch(line)
        if m:
            want_len, want_crc = int(m.group(1)), int(m.group(2), 16)
            break
        if line.startswith("---"):
            raise DumpError("line %d: malformed end marker %r" % (i + 1, line[:80]))
        try:
            chunks.append(base64.b64decode(line, validate=True))
        except (binascii.Error, ValueError):
            raise DumpError("line %d: not base64 (a garbled console line?): %r"
                            % (i + 1, line[:80]))
    else:
        raise DumpError("the dump is cut: no end marker after line %d" % (start + 1))
    data = b"".join(chunks)
    if len(data) != want_len:
        raise DumpError("the dump holds %d bytes, its end marker says %d: lines lost"
                        % (len(data), want_len))
    crc = zlib.crc32(data) & 0xffffffff
    if crc != want_crc:
        raise DumpError("CRC-32 %08x does not match the end marker's %08x: the dump is corrupt"
                        % (crc, want_crc))
    return data


class Reader:
    def __init__(self, data):
        self.data, self.off = data, 0

    def take(self, fmt, what):
        size = struct.calcsize(fmt)
        if self.off + size > len(self.data):
            raise DumpError("the image ends inside %s (offset %d)" % (what, self.off))
        v = struct.unpack_from(fmt, self.data, self.off)
        self.off += size
        return v


def parse(data):
    """{'tick_hz', 'cores': [{'core', 'lost', 'first', 'events': [(ticks, kind, arg)]}],
    'strings': {address: text}}"""
    r = Reader(data)
    (magic,) = r.take("<8s", "the header")
    if magic != MAGIC:
        raise DumpError("magic %r is not %r: not a brigade trace or another version"
                        % (magic, MAGIC))
    ncores, _, tick_hz = r.take("<IIQ", "the header")
    if not 0 < ncores <= MAX_CORES or tick_hz == 0:
        raise DumpError("header says %d cores at %d Hz: corrupt" % (ncores, tick_hz))
    cores = []
    for i in range(ncores):
        core, count, lost, first = r.take("<IIQQ", "core %d's header" % i)
        if core != i:
            raise DumpError("core header %d names core %d: corrupt" % (i, core))
        if count * 16 > len(data) - r.off:
            raise DumpError("core %d claims %d events, more than the image holds" % (i, count))
        events = []
        for _ in range(count):
            stamp, arg = r.take("<QQ", "core %d's events" % i)
            kind = stamp & 0xff
            if kind not in KIND_NAMES:
                raise DumpError("core %d: event of unknown kind %d" % (i, kind))
            events.append((stamp >> 8, kind, arg))
        cores.append({"core": core, "lost": lost, "first": first, "events": events})
    (nstrings,) = r.take("<I", "the string table")
    strings = {}
    for _ in range(nstrings):
        addr, length = r.take("<QI", "the string table")
        (raw,) = r.take("<%ds" % length, "a string")
        strings[addr] = raw.decode("utf-8", "replace")
    if r.off != len(data):
        raise DumpError("%d bytes after the string table: corrupt" % (len(data) - r.off))
    return {"tick_hz": tick_hz, "cores": cores, "strings": strings}


def build(trace):
    """Walk the events in time order: task runs, idle spells, interrupts, flows."""
    hz = trace["tick_hz"]
    strings = trace["strings"]
    merged = []
    for c in trace["cores"]:
        for seq, (ticks, kind, arg) in enumerate(c["events"]):
            merged.append((ticks, c["core"], seq, kind, arg))
    merged.sort()
    t0 = merged[0][0] if merged else 0

    def us(ticks):
        return (ticks - t0) * 1e6 / hz

    names = {}
    runs, idles, irqs, instants, flows = [], [], [], [], []
    open_run, open_idle, open_irq, last_stop, pending_steal = {}, {}, {}, {}, {}
    last_spawn = {}
    pending_ready = {}  # task id -> (kind, core, ts)
    for ticks, core, _, kind, arg in merged:
        ts = us(ticks)
        lo, hi = arg & 0xffffffff, arg >> 32
        if kind == SPAWN:
            last_spawn[core] = lo
            pending_ready[lo] = ("spawn", core, ts)
            instants.append({"core": core, "ts": ts, "name": "spawn",
                             "args": {"task": lo, "by task": hi}})
        elif kind == TASK_LIVE:
            last_spawn[core] = lo
        elif kind == TASK_NAME:
            if core in last_spawn:
                names[last_spawn.pop(core)] = strings.get(arg, "0x%x" % arg)
        elif kind == RUN:
            open_run[core] = (lo, ts)
            src = pending_ready.pop(lo, None)
            if src:
                flows.append({"cat": src[0], "from": (src[1], src[2]), "to": (core, ts),
                              "task": lo})
            steal = pending_steal.pop(core, None)
            if steal:
                flows.append({"cat": "steal", "from": (core, steal[0]), "to": (core, ts),
                              "task": lo, "victim": steal[1]})
        elif kind == STOP:
            run = open_run.pop(core, None)
            if run and run[0] == lo:
                rec = {"core": core, "task": lo, "ts": run[1], "end": ts,
                       "reason": STOP_REASONS.get(hi, "?%d" % hi)}
                runs.append(rec)
                last_stop[core] = rec
        elif kind == PARK_REASON:
            if core in last_stop:
                last_stop[core]["wait"] = strings.get(arg, "0x%x" % arg)
        elif kind == READY:
            by = open_irq[core][1] if core in open_irq else "core %d" % core
            pending_ready[lo] = ("ready", core, ts)
            instants.append({"core": core, "ts": ts, "name": "ready",
                             "args": {"task": lo, "by": by}})
        elif kind == STEAL:
            pending_steal[core] = (ts, lo)
            instants.append({"core": core, "ts": ts, "name": "steal",
                             "args": {"victim core": lo, "tasks": hi}})
        elif kind == IRQ_ENTER:
            cls, name = irq_kind(arg)
            open_irq[core] = (arg, name, cls, ts)
            instants.append({"core": core, "ts": ts, "name": name, "args": {}})
        elif kind == IRQ_EXIT:
            e = open_irq.pop(core, None)
            if e and e[0] == arg:
                irqs.append({"core": core, "name": e[1], "class": e[2], "ts": e[3], "end": ts})
        elif kind == TIMER:
            instants.append({"core": core, "ts": ts, "name": "timer",
                             "args": {"task": lo} if lo else {}})
        elif kind == IDLE_SLEEP:
            open_idle[core] = ts
        elif kind == IDLE_WAKE:
            s = open_idle.pop(core, None)
            if s is not None:
                idles.append({"core": core, "ts": s, "end": ts})
        elif kind == IPI_SEND:
            instants.append({"core": core, "ts": ts, "name": "IPI to core %d" % lo, "args": {}})
        elif kind == IPI_RECV:
            instants.append({"core": core, "ts": ts, "name": "IPI received", "args": {}})
    end = us(merged[-1][0]) if merged else 0
    for core, (task, ts) in open_run.items():  # still running at the dump
        runs.append({"core": core, "task": task, "ts": ts, "end": end, "reason": "running"})
    for core, ts in open_idle.items():
        idles.append({"core": core, "ts": ts, "end": end})
    for r in runs:
        r["name"] = names.get(r["task"]) or "task %d" % r["task"]
    return {"runs": runs, "idles": idles, "irqs": irqs, "instants": instants,
            "flows": flows, "end": end, "ncores": len(trace["cores"])}


def chrome_json(trace, tl):
    ev = [{"ph": "M", "pid": 0, "name": "process_name", "args": {"name": "brigade"}}]
    for c in trace["cores"]:
        ev.append({"ph": "M", "pid": 0, "tid": c["core"], "name": "thread_name",
                   "args": {"name": "core %d" % c["core"]}})
        ev.append({"ph": "M", "pid": 0, "tid": c["core"], "name": "thread_sort_index",
                   "args": {"sort_index": c["core"]}})
    for r in tl["runs"]:
        args = {"task": r["task"], "stop": r["reason"]}
        if "wait" in r:
            args["wait reason"] = r["wait"]
        ev.append({"ph": "X", "pid": 0, "tid": r["core"], "cat": "task", "name": r["name"],
                   "ts": r["ts"], "dur": r["end"] - r["ts"], "args": args})
    for i in tl["idles"]:
        ev.append({"ph": "X", "pid": 0, "tid": i["core"], "cat": "idle", "name": "idle",
                   "ts": i["ts"], "dur": i["end"] - i["ts"]})
    for q in tl["irqs"]:
        ev.append({"ph": "X", "pid": 0, "tid": q["core"], "cat": "irq",
                   "name": q["name"], "ts": q["ts"], "dur": q["end"] - q["ts"],
                   "args": {"class": q["class"]}})
    for n in tl["instants"]:
        ev.append({"ph": "i", "s": "t", "pid": 0, "tid": n["core"], "cat": "sched",
                   "name": n["name"], "ts": n["ts"], "args": n["args"]})
    # A flow starts in a zero-length slice of its own, so it has a slice to
    # bind to even on a core that runs no task at that moment.
    for k, f in enumerate(tl["flows"]):
        (fc, fts), (tc, tts) = f["from"], f["to"]
        ev.append({"ph": "X", "pid": 0, "tid": fc, "cat": "flow", "name": f["cat"],
                   "ts": fts, "dur": 0, "args": {"task": f["task"]}})
        ev.append({"ph": "s", "pid": 0, "tid": fc, "cat": f["cat"], "name": f["cat"],
                   "id": k + 1, "ts": fts})
        ev.append({"ph": "f", "bp": "e", "pid": 0, "tid": tc, "cat": f["cat"],
                   "name": f["cat"], "id": k + 1, "ts": tts})
    return {"traceEvents": ev, "displayTimeUnit": "ns",
            "otherData": {"tick_hz": trace["tick_hz"],
                          "lost": {str(c["core"]): c["lost"] for c in trace["cores"]}}}


def crop(tl, name):
    """The timeline cut to the runs of tasks called name (a little margin)."""
    runs = [r for r in tl["runs"] if r["name"] == name]
    if not runs:
        raise DumpError("--crop %s: no task of that name ran in this trace" % name)
    lo, hi = min(r["ts"] for r in runs), max(r["end"] for r in runs)
    lo, hi = max(lo - (hi - lo) * 0.02, 0), hi + (hi - lo) * 0.02

    def keep(items):
        out = []
        for i in items:
            end = i.get("end", i["ts"])
            if end >= lo and i["ts"] <= hi:
                j = dict(i)
                j["ts"] = max(i["ts"], lo) - lo
                if "end" in i:
                    j["end"] = min(end, hi) - lo
                out.append(j)
        return out
    flows = []
    for f in tl["flows"]:
        if lo <= f["from"][1] <= hi and lo <= f["to"][1] <= hi:
            g = dict(f)
            g["from"] = (f["from"][0], f["from"][1] - lo)
            g["to"] = (f["to"][0], f["to"][1] - lo)
            flows.append(g)
    return dict(tl, runs=keep(tl["runs"]), idles=keep(tl["idles"]), irqs=keep(tl["irqs"]),
                instants=keep(tl["instants"]), flows=flows, end=hi - lo)


def svg(trace, tl, title):
    width, left, row, top = 1200, 70, 34, 40
    height = top + row * tl["ncores"] + 60
    span = tl["end"] or 1.0
    scale = (width - left - 20) / span

    def x(ts):
        return left + ts * scale

    def colour(name):
        h = zlib.crc32(name.encode()) % 360
        return "hsl(%d,65%%,55%%)" % h

    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="11">' % (width, height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="18" font-size="13">%s</text>' % (left, html.escape(title))]
    for c in range(tl["ncores"]):
        y = top + c * row
        out.append('<text x="6" y="%d">core %d</text>' % (y + row // 2 + 4, c))
        out.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#ddd"/>'
                   % (left, width - 20, y + row - 2, y + row - 2))
    for i in tl["idles"]:
        y = top + i["core"] * row
        out.append('<rect x="%.2f" y="%d" width="%.2f" height="%d" fill="#e4e4e4">'
                   '<title>idle %.1f us</title></rect>'
                   % (x(i["ts"]), y + 8, max((i["end"] - i["ts"]) * scale, 0.5), row - 18,
                      i["end"] - i["ts"]))
    for r in tl["runs"]:
        y = top + r["core"] * row
        tip = "%s (task %d) %.1f us, %s%s" % (r["name"], r["task"], r["end"] - r["ts"],
                                              r["reason"], ": " + r["wait"] if "wait" in r else "")
        out.append('<rect x="%.2f" y="%d" width="%.2f" height="%d" fill="%s" stroke="#333" '
                   'stroke-width="0.3"><title>%s</title></rect>'
                   % (x(r["ts"]), y + 4, max((r["end"] - r["ts"]) * scale, 0.7), row - 10,
                      colour(r["name"]), html.escape(tip)))
    for q in tl["irqs"]:
        y = top + q["core"] * row
        out.append('<rect x="%.2f" y="%d" width="%.2f" height="4" fill="%s">'
                   '<title>%s</title></rect>'
                   % (x(q["ts"]), y + row - 8, max((q["end"] - q["ts"]) * scale, 1),
                      IRQ_COLOURS.get(q["class"], "#c00"), html.escape(q["name"])))
    for f in tl["flows"]:
        if f["cat"] != "steal":
            continue
        vy = top + f["victim"] * row + row // 2
        (tc, tts) = f["to"]
        ty = top + tc * row + row // 2
        fx = x(f["from"][1])
        out.append('<line x1="%.2f" y1="%d" x2="%.2f" y2="%d" stroke="#06c" stroke-width="1.2">'
                   '<title>core %d steals from core %d</title></line>'
                   % (fx, vy, fx, ty, tc, f["victim"]))
        out.append('<circle cx="%.2f" cy="%d" r="2.5" fill="#06c"/>' % (fx, ty))
    axis_y = top + tl["ncores"] * row + 14
    step = nice_step(span / 8)
    t = 0.0
    while t <= span:
        out.append('<line x1="%.2f" x2="%.2f" y1="%d" y2="%d" stroke="#999"/>'
                   % (x(t), x(t), axis_y - 6, axis_y))
        out.append('<text x="%.2f" y="%d" text-anchor="middle">%s</text>'
                   % (x(t), axis_y + 12, fmt_us(t)))
        t += step
    legend = sorted({r["name"] for r in tl["runs"]})[:12]
    lx = left
    for name in legend:
        out.append('<rect x="%d" y="%d" width="10" height="10" fill="%s"/>'
                   '<text x="%d" y="%d">%s</text>'
                   % (lx, axis_y + 24, colour(name), lx + 14, axis_y + 33, html.escape(name)))
        lx += 20 + 7 * len(name)
    out.append('<text x="%d" y="%d">grey: idle  red: device interrupt  blue: steal '
               '(victim to thief)</text>' % (lx + 10, axis_y + 33))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def nice_step(raw):
    p = 1.0
    while p * 10 <= raw:
        p *= 10
    while p > raw and p > 1e-3:
        p /= 10
    for m in (1, 2, 5, 10):
        if p * m >= raw:
            return p * m
    return p * 10


def fmt_us(t):
    return "%.0f us" % t if t < 10000 else "%.1f ms" % (t / 1000)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dump")
    ap.add_argument("--json", help="write Chrome/Perfetto trace-event JSON here")
    ap.add_argument("--svg", help="write an SVG timeline here")
    ap.add_argument("--title", default="brigade execution trace")
    ap.add_argument("--crop", metavar="TASK",
                    help="draw the SVG only over the runs of tasks with this name")
    args = ap.parse_args()
    try:
        with open(args.dump, encoding="latin-1") as f:
            trace = parse(unframe(f.read()))
    except DumpError as e:
        print("trace2json: %s: refused: %s" % (args.dump, e), file=sys.stderr)
        return 2
    tl = build(trace)
    for c in trace["cores"]:
        core = c["core"]
        nruns = sum(1 for r in tl["runs"] if r["core"] == core)
        nsteals = sum(1 for f in tl["flows"] if f["cat"] == "steal" and f["to"][0] == core)
        print("core %d: %d events, %d lost, %d task runs, %d steals"
              % (core, len(c["events"]), c["lost"], nruns, nsteals))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(chrome_json(trace, tl), f)
        print("trace2json: wrote %s" % args.json)
    if args.svg:
        try:
            picture = svg(trace, crop(tl, args.crop) if args.crop else tl, args.title)
        except DumpError as e:
            print("trace2json: %s" % e, file=sys.stderr)
            return 2
        with open(args.svg, "w") as f:
            f.write(picture)
        print("trace2json: wrote %s" % args.svg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
