#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# shstrtab-last.py IN OUT: copy the ELF64 little-endian file IN to OUT with
# its section name table moved past the section header table, so that the
# table no longer ends the file.  Such a file is stamped with its new
# section header table appended past the old end (nothing is cut): the
# layout an in-place stamp can carry out with a tail.
import struct
import sys

data = bytearray(open(sys.argv[1], "rb").read())
assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1, "ELF64 LSB only"
shoff, = struct.unpack_from("<Q", data, 0x28)
shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3a)
hdr = shoff + shstrndx * shentsize
off, size = struct.unpack_from("<QQ", data, hdr + 0x18)
assert shoff + shnum * shentsize == len(data), "the table must end the file"
new = len(data)
data += data[off:off + size]
struct.pack_into("<Q", data, hdr + 0x18, new)
open(sys.argv[2], "wb").write(data)
