# GDB set-up for brigade images, used by the debug and gdbserver targets
# (cmake/board_targets.cmake), which load gdb/brigade.py first and connect
# to QEMU's gdbstub or OpenOCD afterwards. Usable by hand too:
#   gdb-multiarch -ex 'source gdb/brigade.py' -x gdb/brigade.gdb \
#                 -ex 'target remote :1234' build/<board>/examples/hello.elf
set pagination off
set confirm off
set print pretty on
# Stop where a panic report ends, before the image exits: the report is on
# the console, the panicking core's stack is here, the other tasks are in
# `brigade tasks`.
break panic_end
echo brigade: commands: brigade tasks | brigade cores | brigade task ID|NAME | brigade bt ID|NAME | brigade restore\n
