#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Write hostile variants of a real x86-64 core file into DIR:
  notes-forged.core    every note of the core's PT_NOTE segments claims a
                       descriptor of 0xffffffff bytes
  page-forged.core     every dumped page that starts with an ELF header has
                       e_phnum 0xffff, and its PT_NOTE sizes are huge
  many-segments.core   an ELF core header followed by 20000 PT_LOAD headers
                       (and no memory), plus a note segment
  header-only.core     just the ELF header of a core
Usage: make-hostile-cores.py CORE DIR"""
import struct
import sys

core, out = sys.argv[1], sys.argv[2]
data = bytearray(open(core, "rb").read())
assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1, "a 64-bit LE core is needed"
phoff, = struct.unpack_from("<Q", data, 0x20)
phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
phdrs = [struct.unpack_from("<IIQQQQQQ", data, phoff + i * phentsize) for i in range(phnum)]

forged = bytearray(data)
for p_type, _, off, _, _, filesz, _, _ in phdrs:
    if p_type != 4:  # PT_NOTE
        continue
    pos = off
    while pos + 12 <= off + filesz:
        namesz, descsz = struct.unpack_from("<II", data, pos)
        struct.pack_into("<I", forged, pos + 4, 0xFFFFFFFF)
        pos += 12 + ((namesz + 3) & ~3) + ((descsz + 3) & ~3)
open(out + "/notes-forged.core", "wb").write(forged)

forged = bytearray(data)
for p_type, _, off, _, _, filesz, _, _ in phdrs:
    if p_type != 1 or filesz < 64 or data[off:off + 4] != b"\x7fELF":
        continue
    mphoff, = struct.unpack_from("<Q", data, off + 0x20)
    mphnum, = struct.unpack_from("<H", data, off + 0x38)
    for i in range(mphnum):
        at = off + mphoff + i * 56
        if at + 56 <= off + filesz and struct.unpack_from("<I", data, at)[0] == 4:
            struct.pack_into("<QQ", forged, at + 32, 0xFFFFFFFFFFFF0000, 0xFFFFFFFFFFFF0000)
    struct.pack_into("<H", forged, off + 0x38, 0xFFFF)
open(out + "/page-forged.core", "wb").write(forged)

n = 20000
ehdr = bytearray(data[:64])
struct.pack_into("<Q", ehdr, 0x20, 64)          # e_phoff
struct.pack_into("<Q", ehdr, 0x28, 0)           # e_shoff
struct.pack_into("<HHHH", ehdr, 0x36, 56, 0xFFFF, 64, 0)  # phentsize, PN_XNUM, shentsize, shnum
# PN_XNUM: the real count lives in section header 0's sh_info.
shoff = 64 + n * 56
struct.pack_into("<Q", ehdr, 0x28, shoff)
struct.pack_into("<HH", ehdr, 0x3C, 1, 0)
body = bytearray()
note = struct.pack("<III", 5, 8, 1) + b"CORE\0\0\0\0" + b"\0" * 8
for i in range(n):
    if i == 0:
        body += struct.pack("<IIQQQQQQ", 4, 0, shoff + 64, 0, 0, len(note), 0, 4)
    else:
        body += struct.pack("<IIQQQQQQ", 1, 4, 0, 0x10000 + i * 0x1000, 0, 0, 0x1000, 0x1000)
sh0 = struct.pack("<IIQQQQIIQQ", 0, 0, 0, 0, 0, 0, 0, n, 0, 0)
open(out + "/many-segments.core", "wb").write(bytes(ehdr) + body + sh0 + note)

open(out + "/header-only.core", "wb").write(bytes(data[:64]))
