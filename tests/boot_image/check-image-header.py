#!/usr/bin/env python3
"""Check that a flat brigade image carries the RISC-V boot image header
U-Boot's booti needs (boot/riscv64/start.S), with the board's load offset.

    check-image-header.py IMAGE.bin TEXT_OFFSET
"""
import struct
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: check-image-header.py IMAGE.bin TEXT_OFFSET")
    path, want_offset = sys.argv[1], int(sys.argv[2], 0)
    with open(path, "rb") as f:
        data = f.read()
    problems = []
    if len(data) < 64:
        sys.exit("%s: %d bytes, shorter than the 64-byte header" % (path, len(data)))
    code0, = struct.unpack_from("<I", data, 0)
    text_offset, image_size, flags = struct.unpack_from("<QQQ", data, 8)
    version, = struct.unpack_from("<I", data, 32)
    # code0 must be "jal x0, +64": jump over the header to the entry code.
    if code0 != 0x0400006F:
        problems.append("first instruction is 0x%08x, not a jump over the header (0x0400006f)" % code0)
    if data[48:56] != b"RISCV\0\0\0":
        problems.append("magic at 0x30 is %r, not 'RISCV\\0\\0\\0'" % data[48:56])
    if data[56:60] != b"RSC\x05":
        problems.append("magic2 at 0x38 is %r, not 'RSC\\x05'" % data[56:60])
    if text_offset != want_offset:
        problems.append("text_offset 0x%x, the board loads at RAM base + 0x%x" % (text_offset, want_offset))
    if image_size < len(data):
        problems.append("image_size 0x%x is smaller than the file (0x%x)" % (image_size, len(data)))
    if flags & 1:
        problems.append("flags say big-endian")
    if version < 2:
        problems.append("header version 0x%x, booti needs 0.2 or later" % version)
    for p in problems:
        print("%s: %s" % (path, p))
    if problems:
        sys.exit(1)
    print("%s: booti header ok (text_offset 0x%x, image_size 0x%x)" % (path, text_offset, image_size))


main()
