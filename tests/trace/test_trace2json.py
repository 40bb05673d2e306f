#!/usr/bin/env python3
"""scripts/trace2json.py against a real dump and against damaged copies of it.

    test_trace2json.py [DUMP]   (default: fib20-smp4.dump beside this file)

The default dump is `fib 20` traced in the shell on QEMU virt RV64 with 4
harts. The converter must turn it into trace-event JSON that passes a
schema check (every event's phase and fields, flow starts matched by
finishes, a named track per core) with fib slices on more than one core,
steal arrows and the waitgroup wait reason, and into an SVG that parses;
and it must refuse, with exit status 2 and a message naming the fault, a
dump with a flipped byte, a lost line, no end marker, a non-base64 line,
no begin marker, and a well-framed image whose contents lie.
Prints one line per check; ends with "N passed, M failed".
"""
import base64
import json
import os
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CONVERTER = os.path.join(HERE, "..", "..", "scripts", "trace2json.py")
PHASES = {"M", "X", "i", "s", "f"}

sys.path.insert(0, os.path.join(HERE, "..", "harness"))
from checks import Checks  # noqa: E402

CHECKS = Checks()
check = CHECKS.check


def convert(text, tmp, *extra):
    path = os.path.join(tmp, "in.dump")
    with open(path, "w") as f:
        f.write(text)
    return subprocess.run([sys.executable, CONVERTER, path] + list(extra),
                          capture_output=True, text=True)


def schema_check(doc, ncores):
    assert isinstance(doc.get("traceEvents"), list), "no traceEvents list"
    starts, finishes, tracks = {}, {}, set()
    for e in doc["traceEvents"]:
        assert e.get("ph") in PHASES, "unknown phase in %r" % e
        assert isinstance(e.get("pid"), int) and isinstance(e.get("name"), str), repr(e)
        if e["ph"] == "M":
            if e["name"] == "thread_name":
                tracks.add(e["tid"])
            continue
        assert isinstance(e.get("tid"), int) and 0 <= e["tid"] < ncores, "bad tid in %r" % e
        assert isinstance(e.get("ts"), (int, float)) and e["ts"] >= 0, "bad ts in %r" % e
        if e["ph"] == "X":
            assert isinstance(e.get("dur"), (int, float)) and e["dur"] >= 0, "bad dur %r" % e
        if e["ph"] == "s":
            starts[e["id"]] = e
        if e["ph"] == "f":
            assert e.get("bp") == "e", "flow finish not bound to its slice: %r" % e
            finishes[e["id"]] = e
    assert tracks == set(range(ncores)), "named tracks %s, want cores 0..%d" % (tracks, ncores - 1)
    assert set(starts) == set(finishes), "flow starts and finishes do not pair"
    for k, s in starts.items():
        assert s["ts"] <= finishes[k]["ts"], "flow %d ends before it starts" % k


def main():
    dump_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "fib20-smp4.dump")
    with open(dump_path) as f:
        good = f.read()
    lines = good.split("\n")
    data_lines = [i for i, l in enumerate(lines) if l and not l.startswith("---")]
    with tempfile.TemporaryDirectory(prefix="trace2json-test-") as tmp:
        return run_checks(good, lines, data_lines, tmp)


def run_checks(good, lines, data_lines, tmp):

    def converts():
        r = convert(good, tmp, "--json", os.path.join(tmp, "t.json"),
                    "--svg", os.path.join(tmp, "t.svg"))
        assert r.returncode == 0, "exit %d: %s" % (r.returncode, r.stderr)
        print(r.stdout, end="")
        with open(os.path.join(tmp, "t.json")) as f:
            doc = json.load(f)
        schema_check(doc, 4)
        tasks = [e for e in doc["traceEvents"] if e["ph"] == "X" and e.get("cat") == "task"]
        fib_cores = {e["tid"] for e in tasks if e["name"] == "fib"}
        assert len(fib_cores) >= 2, "fib slices on cores %s only" % fib_cores
        assert any(e["ph"] == "s" and e["cat"] == "steal" for e in doc["traceEvents"]), \
            "no steal arrow"
        assert any(e["ph"] == "s" and e["cat"] == "ready" for e in doc["traceEvents"]), \
            "no ready arrow"
        assert any(e["args"].get("wait reason") == "waitgroup" for e in tasks), \
            "no task parked on its waitgroup"
        assert {e["args"]["stop"] for e in tasks} >= {"parked", "exited"}, "stop reasons missing"
        root = ET.parse(os.path.join(tmp, "t.svg")).getroot()
        rects = root.findall(".//{http://www.w3.org/2000/svg}rect")
        assert len(rects) > len(tasks), "SVG has %d rects for %d runs" % (len(rects), len(tasks))
    check("a real dump converts to schema-valid JSON and an SVG", converts)

    def refused(text, why):
        r = convert(text, tmp, "--json", os.path.join(tmp, "bad.json"))
        assert r.returncode == 2, "exit %d, want 2 (stderr %r)" % (r.returncode, r.stderr)
        assert "refused" in r.stderr and why in r.stderr, "message %r lacks %r" % (r.stderr, why)
        print("     %s" % r.stderr.strip())

    def flipped():
        bad = list(lines)
        i = data_lines[len(data_lines) // 2]
        c = bad[i][10]
        bad[i] = bad[i][:10] + ("B" if c != "B" else "C") + bad[i][11:]
        refused("\n".join(bad), "CRC-32")
    check("a flipped character is refused by the CRC", flipped)

    def lost_line():
        bad = [l for k, l in enumerate(lines) if k != data_lines[3]]
        refused("\n".join(bad), "lines lost")
    check("a lost line is refused by the byte count", lost_line)

    def cut():
        refused("\n".join(lines[:data_lines[-1]]), "no end marker")
    check("a dump cut before its end marker is refused", cut)

    def garbled():
        bad = list(lines)
        bad[data_lines[1]] = bad[data_lines[1]][:20] + "#!" + bad[data_lines[1]][22:]
        refused("\n".join(bad), "not base64")
    check("a garbled line is refused naming the line", garbled)

    def no_begin():
        refused("brigade> trace dump\nfib(20) = 6765\n", "not a brigade trace dump")
    check("text without a dump is refused", no_begin)

    def lying_contents():
        blob = base64.b64decode("".join(lines[k] for k in data_lines))
        blob = blob[:8] + struct.pack("<I", 5000) + blob[12:]  # 5000 cores
        body = base64.b64encode(blob).decode()
        text = "--- brigade trace begin ---\n%s\n--- brigade trace end: %d bytes, crc32 %08x ---\n" \
            % ("\n".join(body[k:k + 76] for k in range(0, len(body), 76)), len(blob),
               zlib.crc32(blob) & 0xffffffff)
        refused(text, "corrupt")
    check("a well-framed image with an impossible header is refused", lying_contents)

    return CHECKS.summary()


if __name__ == "__main__":
    sys.exit(main())
