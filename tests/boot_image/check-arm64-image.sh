#!/usr/bin/env bash
# Check that a raw image carries a valid arm64 Image header, the one the
# Raspberry Pi firmware and QEMU's loader look for before placing a
# kernel8.img (Linux Documentation/arch/arm64/booting.rst):
#
#   check-arm64-image.sh <image> <expected text_offset>
#
# code0 must be a branch, text_offset must be what the board links for,
# image_size must cover the file, and the magic "ARM\x64" must be at 0x38.
set -u
img="$1"
want_offset="$2"
fail() { echo "check-arm64-image.sh: $img: $*"; exit 1; }
[ -f "$img" ] || fail "no such file"
size=$(stat -c %s "$img")
[ "$size" -ge 64 ] || fail "only $size bytes, shorter than the 64-byte header"
u32() { od -An -t u4 -j "$1" -N 4 "$img" | tr -d ' '; }
u64() { od -An -t u8 -j "$1" -N 8 "$img" | tr -d ' '; }
code0=$(u32 0)
[ $((code0 >> 26)) -eq 5 ] || fail "code0 $(printf %#x "$code0") is not a branch (b)"
offset=$(u64 8)
[ "$offset" -eq $((want_offset)) ] || fail "text_offset $(printf %#x "$offset"), want $want_offset"
image_size=$(u64 16)
[ "$image_size" -ge "$size" ] || fail "image_size $image_size is smaller than the file ($size)"
magic=$(od -An -c -j 56 -N 4 "$img" | tr -d ' ')
[ "$magic" = 'ARMd' ] || fail "magic at 0x38 is '$magic', want ARM\\x64"
echo "check-arm64-image.sh: $img: arm64 Image header, text_offset $(printf %#x "$offset"), image_size $image_size (file $size bytes)"
