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
