#!/bin/sh
# check-trap-return-drops-reservation.sh OBJDUMP IMAGE
# Passes when RISC-V trap_entry, on its way back from trap_dispatch (which
# may have switched tasks), executes an sc before its sret: that drops any
# load reservation another task's lr left, so the interrupted task's sc
# fails and retries, as the ISA manual asks of a preemptive switch.
# Checked on the code, not by running it: QEMU clears the reservation on
# every privilege-mode change (riscv_cpu_set_mode, sret included), so under
# QEMU the missing sc changes nothing observable; on silicon it does.
set -eu
objdump=$1
image=$2
listing=$("$objdump" -d --no-show-raw-insn --disassemble=trap_entry "$image") || {
  echo "check-trap-return: cannot disassemble trap_entry in $image"; exit 1; }
echo "$listing" | awk '
  /<trap_dispatch>/ { after_call = 1; next }
  after_call && /[[:space:]]sc\.[wd]/ { sc = 1 }
  after_call && /[[:space:]]sret/ { exit !(sc) }
  END { }
' && { echo "check-trap-return: trap_entry drops the reservation (sc) before sret"; exit 0; }
echo "check-trap-return: no sc between the call to trap_dispatch and sret in trap_entry:"
echo "$listing" | sed -n '/trap_dispatch>/,/sret/p' | tail -8
exit 1
