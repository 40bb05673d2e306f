#!/usr/bin/env bash
# Write a Raspberry Pi SD card for one brigade program (the sdcard-<image>
# targets of cmake/sdcard.cmake), without root or loop devices:
#   DIR/         the boot partition's files (copy them onto an existing card's
#                FAT boot partition)
#   IMAGE        a whole-card image: an MBR with one bootable FAT32 (LBA)
#                partition at 1 MiB holding the same files, for dd or
#                Raspberry Pi Imager ("Use custom")
#
#   make-sdcard.sh IMAGE DIR KERNEL CONFIG.txt FIRMWARE-FILE...
#
# KERNEL is the flat image (<image>.bin); it goes on the card as kernel8.img.
# The partition is formatted by mkfs.fat (dosfstools) at an offset inside
# the file and filled by mcopy (mtools).
set -euo pipefail
[ $# -ge 5 ] || { echo "usage: make-sdcard.sh IMAGE DIR KERNEL CONFIG.txt FIRMWARE-FILE..." >&2; exit 2; }
image=$1 dir=$2 kernel=$3 config=$4
shift 4
for tool in mkfs.fat:dosfstools mcopy:mtools; do
  command -v "${tool%%:*}" >/dev/null || PATH=$PATH:/usr/sbin:/sbin
  command -v "${tool%%:*}" >/dev/null ||
    { echo "make-sdcard.sh: ${tool%%:*} not found (Debian package ${tool#*:}; scripts/setup.sh installs it)" >&2; exit 2; }
done
for f in "$kernel" "$config" "$@"; do
  [ -s "$f" ] || { echo "make-sdcard.sh: missing or empty: $f" >&2; exit 2; }
done

rm -rf "$dir"
mkdir -p "$dir"
cp "$@" "$dir/"
cp "$config" "$dir/config.txt"
cp "$kernel" "$dir/kernel8.img"

# FAT32 needs at least 65525 clusters, which mkfs.fat reaches on 64 MiB
# (512-byte clusters); the partition is twice the files' size when that is
# larger.
sector=512
start=2048                                     # 1 MiB, the usual alignment
payload_kib=$(du -k -c "$dir"/* | tail -n1 | cut -f1)
part_mib=$(( (payload_kib / 1024 + 1) * 2 ))
[ $part_mib -ge 64 ] || part_mib=64
part_sectors=$(( part_mib * 1024 * 1024 / sector ))

tmp="$image.tmp"
rm -f "$tmp"
truncate -s $(( (start + part_sectors) * sector )) "$tmp"

# Little-endian bytes of $1, $2 bytes wide, as printf escapes.
le() {
  local v=$1 n=$2 out=""
  for ((i = 0; i < n; i++)); do out+=$(printf '\\x%02x' $(( (v >> (8 * i)) & 0xff ))); done
  printf '%s' "$out"
}
# MBR partition entry 1 at offset 446: bootable, CHS fields unused (the Pi
# and every current tool read the LBA fields), type 0x0c (FAT32, LBA).
entry="\\x80\\xfe\\xff\\xff\\x0c\\xfe\\xff\\xff$(le $start 4)$(le $part_sectors 4)"
printf "$entry" | dd of="$tmp" bs=1 seek=446 conv=notrunc status=none
printf '\x55\xaa' | dd of="$tmp" bs=1 seek=510 conv=notrunc status=none
# A volume id derived from the contents keeps the image reproducible.
volid=$(cat "$dir"/* | cksum | cut -d' ' -f1)
mkfs.fat -F 32 -n BRIGADE -i "$(printf '%08x' $(( volid & 0xffffffff )))" \
  --offset $start "$tmp" $(( part_sectors * sector / 1024 )) >/dev/null
for f in "$dir"/*; do
  mcopy -i "$tmp@@$(( start * sector ))" -o "$f" "::$(basename "$f")"
done
mv "$tmp" "$image"
echo "make-sdcard.sh: $image (${part_mib} MiB FAT32 boot partition) and $dir/:" $(cd "$dir" && ls)
