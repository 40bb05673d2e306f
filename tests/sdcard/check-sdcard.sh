#!/usr/bin/env bash
# Check an SD card written by sdcard-<image> (scripts/make-sdcard.sh) the way
# the Pi reads it, from the card image alone: an MBR whose first partition
# is bootable FAT32 (LBA) at 1 MiB; exactly the firmware files, config.txt
# and kernel8.img on it, each equal to its source; config.txt for 64-bit
# with UART0 and JTAG as asked; the folder beside it holding the same files.
# With a QEMU command after --, the kernel8.img taken back out of the card
# image must boot and pass (tests/harness/run-image.sh).
#
#   check-sdcard.sh CARD.img DIR KERNEL.bin jtag|no-jtag FIRMWARE-FILE... [-- QEMU...]
set -uo pipefail
[ $# -ge 5 ] || { echo "usage: check-sdcard.sh CARD.img DIR KERNEL.bin jtag|no-jtag FIRMWARE... [-- QEMU...]" >&2; exit 2; }
card=$1 dir=$2 kernel=$3 jtag=$4
shift 4
firmware=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do firmware+=("$1"); shift; done
[ $# -gt 0 ] && shift
here=$(cd "$(dirname "$0")" && pwd)
passed=0
failed=0
check() { # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then echo "  ok   $what"; passed=$((passed + 1)); else echo "  FAIL $what"; failed=$((failed + 1)); fi
}
work=$(mktemp -d "${TMPDIR:-/tmp}/brigade-sdcard.XXXXXX")
trap 'rm -rf "$work"' EXIT
part="$card@@1M"

echo "== partition table of $card"
byte() { od -An -tx1 -j "$1" -N 1 "$card" | tr -d ' '; }
check "MBR signature 55aa" test "$(byte 510)$(byte 511)" = 55aa
check "partition 1 bootable" test "$(byte 446)" = 80
check "partition 1 type 0x0c (FAT32 LBA)" test "$(byte 450)" = 0c
check "partition 1 starts at sector 2048" \
  test "$(od -An -tu4 -j 454 -N 4 "$card" | tr -d ' ')" = 2048
check "the partition holds a FAT32 file system" \
  test "$(dd if="$card" bs=1 skip=$((1048576 + 82)) count=8 status=none)" = "FAT32   "

echo "== files on the card"
mdir -b -i "$part" :: | sed 's|^::/||' | sort >"$work/listed"
sed 's/^/  /' "$work/listed"
{ for f in "${firmware[@]}"; do basename "$f"; done; echo config.txt; echo kernel8.img; } | sort >"$work/wanted"
check "exactly the firmware, config.txt and kernel8.img" cmp -s "$work/listed" "$work/wanted"
# same_file NAME SOURCE: the card's NAME, taken out with mcopy, equals SOURCE.
same_file() {
  mcopy -n -i "$part" "::$1" "$work/$1" 2>/dev/null && cmp -s "$work/$1" "$2" && cmp -s "$dir/$1" "$2"
}
for f in "${firmware[@]}"; do
  check "$(basename "$f") equals the firmware file (card and folder)" same_file "$(basename "$f")" "$f"
done
check "kernel8.img equals $(basename "$kernel") (card and folder)" same_file kernel8.img "$kernel"
check "config.txt on the card equals the folder's" same_file config.txt "$dir/config.txt"

echo "== config.txt"
sed 's/^/  /' "$work/config.txt"
has() { grep -qx "$1" "$work/config.txt"; }
check "64-bit" has arm_64bit=1
check "boots kernel8.img" has kernel=kernel8.img
check "UART enabled with the PL011's 48 MHz clock" eval 'has enable_uart=1 && has init_uart_clock=48000000'
if [ "$jtag" = jtag ]; then
  check "JTAG pins on" has enable_jtag_gpio=1
else
  check "JTAG pins left alone" eval '! has enable_jtag_gpio=1'
fi

if [ $# -gt 0 ]; then
  echo "== boot the card's kernel8.img"
  if "$here/../harness/run-image.sh" --timeout 120 -- "$@" -kernel "$work/kernel8.img"; then
    passed=$((passed + 1))
  else
    echo "  FAIL the card's kernel8.img did not boot and pass"
    failed=$((failed + 1))
  fi
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
