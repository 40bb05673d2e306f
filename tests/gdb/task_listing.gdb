# Drives the GDB task-awareness test (tests/gdb/CMakeLists.txt): stop where
# parked_tasks.c has tasks in every state, list them, show parked tasks'
# stacks, then let the image finish. GDB's batch mode stops at the first
# failing command, so a broken command fails the test by its missing output.
set pagination off
set confirm off
set width 0
break gdb_checkpoint
continue
brigade cores
brigade tasks
brigade bt chan-receiver
brigade bt mutex-waiter
brigade task sleeper
backtrace
brigade restore
echo === after restore ===\n
backtrace 1
# The trace rings, read from memory and converted: every parked task's
# last run ends with its wait reason.
python
import json, os, shutil, subprocess, tempfile
with tempfile.TemporaryDirectory() as d:
    gdb.execute("brigade trace dump %s/trace.dump" % d)
    r = subprocess.run([shutil.which("python3"), os.path.join(_source_root(), "scripts",
                        "trace2json.py"), d + "/trace.dump", "--json", d + "/t.json"],
                       capture_output=True, text=True)
    gdb.write(r.stdout + r.stderr)
    last = {}
    for e in json.load(open(d + "/t.json"))["traceEvents"]:
        if e.get("cat") == "task":
            last[e["name"]] = e["args"]
    for name in ("chan-receiver", "mutex-waiter", "sleeper"):
        a = last.get(name, {})
        gdb.write("trace: %s last stopped %s on %s\n" % (name, a.get("stop"), a.get("wait reason")))
end
brigade task yielder
# Left loaded on purpose: the hook before continue must put the real
# registers back, or the image crashes instead of printing its summary.
delete
break board_exit
continue
echo === at exit ===\n
print code
# QEMU may drop the connection while it acknowledges the kill; that is
# not a failure of anything under test.
python
try:
    gdb.execute("kill")
except gdb.error:
    pass
end
