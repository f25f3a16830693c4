#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Build a corpus of malformed ELF files from valid fixtures.

    gen-malformed.py [--no-truncations=LABEL,...] OUTDIR LABEL=FILE [LABEL=FILE...]

Each fixture FILE (a linked ELF executable or shared library, built at test
time) is copied and corrupted in many ways.  Every malformed file goes into a
directory of its own, OUTDIR/CASE/BASENAME (BASENAME is the fixture's file
name, so that a corrupted libgreet.so can still be found by its runner), and
OUTDIR/MANIFEST.tsv gets one line per case:

    CASE <TAB> LABEL <TAB> EXPECT <TAB> CODES <TAB> WHAT <TAB> JSON

EXPECT says what pkgnote stamp must do with it, decided per case here:
  refuse  exit with one of CODES (comma-separated), one stderr line naming
          the file, the file unchanged, nothing left in its directory;
  accept  the corruption is harmless (it touches nothing a loader or pkgnote
          reads, or it is a legal but unusual encoding): the file must be
          stamped, pass check_page1, carry the JSON and run as it did;
  either  refusing (as for refuse) and stamping are both defensible: when
          stamped, the result must pass check_page1, carry the JSON, and run
          exactly as the malformed input runs (same output and status).

JSON is the metadata to stamp with: "short" (a few bytes: fits in page 1 in
place), or "huge" (about 2000 bytes: no room in page 1, so the planner tries
everything, moving sections and the new first page, before giving up).  Every
case that may be stamped is listed twice, once with each; the huge variant
(CASE+huge) is "either" with 4 or 5 allowed.

Fixture labels the generator knows: any label works for the generic cases;
a fixture whose PT_NOTE holds an FDO package note (linked with
--package-metadata) also gets the package-note cases.

Only the standard library is used.  Both ELF classes and byte orders are
handled; corruptions are made in the fixture's own class and byte order.
--no-truncations=LABEL,... leaves out the truncated copies of those fixtures
(truncation does not depend on class or byte order).
"""

import os
import struct
import sys

PT_NULL, PT_LOAD, PT_DYNAMIC, PT_INTERP, PT_NOTE, PT_PHDR = 0, 1, 2, 3, 4, 6
PT_GNU_EH_FRAME, PT_GNU_STACK, PT_GNU_RELRO = 0x6474E550, 0x6474E551, 0x6474E552
SHT_NULL, SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_NOTE, SHT_NOBITS = 0, 1, 2, 3, 7, 8
SHT_DYNSYM, SHT_DYNAMIC = 11, 6
SHF_ALLOC = 2
PN_XNUM = 0xFFFF
SHN_XINDEX = 0xFFFF
DT_NULL, DT_STRTAB, DT_SYMTAB, DT_STRSZ, DT_SYMENT = 0, 5, 6, 10, 11
DT_GNU_HASH = 0x6FFFFEF5
NOTE_PACKAGE = 0xCAFE1A7E
NT_GNU_BUILD_ID = 3

# name: (offset, size) for ELFCLASS32 and ELFCLASS64
EHDR = {
    32: dict(e_type=(16, 2), e_machine=(18, 2), e_version=(20, 4), e_entry=(24, 4),
             e_phoff=(28, 4), e_shoff=(32, 4), e_flags=(36, 4), e_ehsize=(40, 2),
             e_phentsize=(42, 2), e_phnum=(44, 2), e_shentsize=(46, 2),
             e_shnum=(48, 2), e_shstrndx=(50, 2)),
    64: dict(e_type=(16, 2), e_machine=(18, 2), e_version=(20, 4), e_entry=(24, 8),
             e_phoff=(32, 8), e_shoff=(40, 8), e_flags=(48, 4), e_ehsize=(52, 2),
             e_phentsize=(54, 2), e_phnum=(56, 2), e_shentsize=(58, 2),
             e_shnum=(60, 2), e_shstrndx=(62, 2)),
}
PHDR = {
    32: dict(p_type=(0, 4), p_offset=(4, 4), p_vaddr=(8, 4), p_paddr=(12, 4),
             p_filesz=(16, 4), p_memsz=(20, 4), p_flags=(24, 4), p_align=(28, 4)),
    64: dict(p_type=(0, 4), p_flags=(4, 4), p_offset=(8, 8), p_vaddr=(16, 8),
             p_paddr=(24, 8), p_filesz=(32, 8), p_memsz=(40, 8), p_align=(48, 8)),
}
SHDR = {
    32: dict(sh_name=(0, 4), sh_type=(4, 4), sh_flags=(8, 4), sh_addr=(12, 4),
             sh_offset=(16, 4), sh_size=(20, 4), sh_link=(24, 4), sh_info=(28, 4),
             sh_addralign=(32, 4), sh_entsize=(36, 4)),
    64: dict(sh_name=(0, 4), sh_type=(4, 4), sh_flags=(8, 8), sh_addr=(16, 8),
             sh_offset=(24, 8), sh_size=(32, 8), sh_link=(40, 4), sh_info=(44, 4),
             sh_addralign=(48, 8), sh_entsize=(56, 8)),
}
FMT = {1: 'B', 2: 'H', 4: 'I', 8: 'Q'}


class Elf:
    """A mutable ELF image with field accessors in its own class/order."""

    def __init__(self, data):
        self.b = bytearray(data)
        if self.b[:4] != b'\x7fELF':
            raise ValueError('not an ELF file')
        self.cls = {1: 32, 2: 64}[self.b[4]]
        self.end = {1: '<', 2: '>'}[self.b[5]]
        self.word = self.cls // 8

    def copy(self):
        return Elf(bytes(self.b))

    def rd(self, off, size):
        return struct.unpack_from(self.end + FMT[size], self.b, off)[0]

    def wr(self, off, size, val):
        struct.pack_into(self.end + FMT[size], self.b, off, val & ((1 << (8 * size)) - 1))

    # ELF header
    def eh(self, name):
        return self.rd(*EHDR[self.cls][name])

    def set_eh(self, name, val):
        off, size = EHDR[self.cls][name]
        self.wr(off, size, val)

    def field_size(self, table, name):
        return table[self.cls][name][1]

    # program headers
    def ph_off(self, i):
        return self.eh('e_phoff') + i * self.eh('e_phentsize')

    def ph(self, i, name):
        off, size = PHDR[self.cls][name]
        return self.rd(self.ph_off(i) + off, size)

    def set_ph(self, i, name, val):
        off, size = PHDR[self.cls][name]
        self.wr(self.ph_off(i) + off, size, val)

    def phdrs(self):
        return [{k: self.ph(i, k) for k in PHDR[self.cls]} for i in range(self.eh('e_phnum'))]

    def find_ph(self, ptype, nth=0):
        hits = [i for i, p in enumerate(self.phdrs()) if p['p_type'] == ptype]
        return hits[nth] if len(hits) > nth else None

    # section headers
    def has_shdrs(self):
        return self.eh('e_shoff') != 0 and self.eh('e_shnum') != 0

    def sh_off(self, i):
        return self.eh('e_shoff') + i * self.eh('e_shentsize')

    def sh(self, i, name):
        off, size = SHDR[self.cls][name]
        return self.rd(self.sh_off(i) + off, size)

    def set_sh(self, i, name, val):
        off, size = SHDR[self.cls][name]
        self.wr(self.sh_off(i) + off, size, val)

    def shnum(self):
        return self.eh('e_shnum') if self.has_shdrs() else 0

    def sh_name(self, i):
        strndx = self.eh('e_shstrndx')
        base = self.sh(strndx, 'sh_offset')
        start = base + self.sh(i, 'sh_name')
        return bytes(self.b[start:self.b.index(b'\0', start)]).decode('ascii', 'replace')

    def find_sh(self, name):
        for i in range(1, self.shnum()):
            if self.sh_name(i) == name:
                return i
        return None

    # dynamic table (through PT_DYNAMIC's file view)
    def dyn_entries(self):
        i = self.find_ph(PT_DYNAMIC)
        if i is None:
            return []
        off, size = self.ph(i, 'p_offset'), self.ph(i, 'p_filesz')
        w = self.word
        out = []
        for k in range(size // (2 * w)):
            tag = self.rd(off + k * 2 * w, w)
            out.append((off + k * 2 * w, tag, self.rd(off + k * 2 * w + w, w)))
            if tag == DT_NULL:
                break
        return out

    # notes
    def notes(self, seg):
        """(file offset, namesz, descsz, type, name) of each note of PT_NOTE seg."""
        off, size = self.ph(seg, 'p_offset'), self.ph(seg, 'p_filesz')
        align = 8 if self.ph(seg, 'p_align') == 8 else 4
        pos, out = off, []
        while pos + 12 <= off + size:
            namesz, descsz, ntype = self.rd(pos, 4), self.rd(pos + 4, 4), self.rd(pos + 8, 4)
            name = bytes(self.b[pos + 12:pos + 12 + namesz])
            out.append((pos, namesz, descsz, ntype, name))
            rup = lambda v: (v + align - 1) & ~(align - 1)
            pos += 12 + rup(namesz) + rup(descsz)
        return out


def maxval(size):
    return (1 << (8 * size)) - 1


class Corpus:
    def __init__(self, outdir):
        self.outdir = outdir
        self.rows = []
        self.names = set()

    def add(self, label, basename, case, data, expect, what, codes='4', json='short'):
        name = f'{label}--{case}'
        if name in self.names:
            raise SystemExit(f'duplicate case {name}')
        self.names.add(name)
        d = os.path.join(self.outdir, name)
        os.makedirs(d)
        with open(os.path.join(d, basename), 'wb') as f:
            f.write(bytes(data))
        os.chmod(os.path.join(d, basename), 0o755)
        self.rows.append((name, label, expect, codes, what.replace('\t', ' '), json))
        if expect != 'refuse' and json == 'short':
            self.add(label, basename, case + '+huge', data, 'either', what, '4,5', 'huge')

    def write_manifest(self):
        with open(os.path.join(self.outdir, 'MANIFEST.tsv'), 'w') as f:
            for r in self.rows:
                f.write('\t'.join(r) + '\n')


# -- the corruptions ----------------------------------------------------------

def truncations(c, label, base, e):
    """Truncated at every header boundary and at a few odd offsets: refused."""
    size = len(e.b)
    cuts = {}
    def cut(at, why):
        if 0 <= at < size and at not in cuts:
            cuts[at] = why
    cut(0, 'empty (cut at 0)')
    for at in (1, 3, 4, 5, 6, 7, 8, 15):
        cut(at, f'inside e_ident (cut at {at})')
    cut(16, 'e_ident only (cut at 16)')
    for name, (off, fsize) in sorted(EHDR[e.cls].items(), key=lambda kv: kv[1][0]):
        cut(off, f'ELF header before {name} (cut at {off})')
        if fsize > 1:
            cut(off + 1, f'ELF header inside {name} (cut at {off + 1})')
    ehsize = 52 if e.cls == 32 else 64
    cut(ehsize - 1, f'one byte short of the ELF header (cut at {ehsize - 1})')
    cut(ehsize, f'ELF header only (cut at {ehsize})')
    phoff, phent, phnum = e.eh('e_phoff'), e.eh('e_phentsize'), e.eh('e_phnum')
    for i in range(phnum + 1):
        cut(phoff + i * phent, f'after {i} program headers (cut at {phoff + i * phent})')
    cut(phoff + phent // 2, f'inside program header 0 (cut at {phoff + phent // 2})')
    cut(phoff + phnum * phent - 1, 'one byte short of the program header table')
    for i, p in enumerate(e.phdrs()):
        if p['p_filesz'] > 0:
            cut(p['p_offset'] + p['p_filesz'] - 1, f'one byte short of segment {i} (type {p["p_type"]:#x})')
            if p['p_type'] in (PT_NOTE, PT_DYNAMIC, PT_INTERP):
                cut(p['p_offset'] + p['p_filesz'] // 2, f'inside segment {i} (type {p["p_type"]:#x})')
    if e.has_shdrs():
        shoff, shent, shnum = e.eh('e_shoff'), e.eh('e_shentsize'), e.eh('e_shnum')
        for i in range(shnum):
            cut(shoff + i * shent, f'after {i} section headers (cut at {shoff + i * shent})')
        cut(shoff + shent // 2 + 1, 'inside section header 0')
        cut(size - 1, 'one byte short of the end (last section header)')
        strndx = e.eh('e_shstrndx')
        so, ss = e.sh(strndx, 'sh_offset'), e.sh(strndx, 'sh_size')
        cut(so + ss // 2, 'inside the section name table')
    for at in (100, 1000, 4095, 4096, 4097, size // 2, size - 2):
        cut(at, f'odd offset (cut at {at})')
    for at, why in sorted(cuts.items()):
        c.add(label, base, f'trunc-{at}', e.b[:at], 'refuse', 'truncated: ' + why)


def ehdr_cases(c, label, base, e):
    size = len(e.b)
    W = e.word
    def mut(case, expect, what, codes='4', **fields):
        x = e.copy()
        for k, v in fields.items():
            x.set_eh(k, v)
        c.add(label, base, case, x.b, expect, what, codes)

    # e_phoff
    mut('phoff-eof', 'refuse', 'e_phoff = file size', e_phoff=size)
    mut('phoff-near-eof', 'refuse', 'e_phoff = file size - 8 (table runs past the end)', e_phoff=size - 8)
    mut('phoff-max', 'refuse', 'e_phoff = all ones', e_phoff=maxval(W))
    mut('phoff-wrap', 'refuse', 'e_phoff + table size wraps around', e_phoff=maxval(W) - 8)
    mut('phoff-half', 'refuse', 'e_phoff = 2^(bits-1)', e_phoff=1 << (8 * W - 1))
    mut('phoff-odd', 'either', 'e_phoff = e_phoff + 1 (misaligned, garbage program headers)',
        e_phoff=e.eh('e_phoff') + 1)
    if e.has_shdrs():
        mut('phoff-at-shdrs', 'either', 'e_phoff = e_shoff (section headers read as program headers)',
            e_phoff=e.eh('e_shoff'))
    # e_shoff
    if e.has_shdrs():
        mut('shoff-eof', 'refuse', 'e_shoff = file size', e_shoff=size)
        mut('shoff-near-eof', 'refuse', 'e_shoff = file size - 8', e_shoff=size - 8)
        mut('shoff-max', 'refuse', 'e_shoff = all ones', e_shoff=maxval(W))
        mut('shoff-wrap', 'refuse', 'e_shoff + table size wraps around', e_shoff=maxval(W) - 16)
        mut('shoff-odd', 'refuse', 'e_shoff + 1 (misaligned: every section header garbage)',
            e_shoff=e.eh('e_shoff') + 1)
        mut('shoff-zero', 'accept',
            'e_shoff = 0 with e_shnum unchanged: the gABI reads e_shoff 0 as "no section header table"',
            e_shoff=0)
    # e_phnum
    mut('phnum-0', 'refuse', 'e_phnum = 0 (no program headers)', e_phnum=0)
    mut('phnum-xnum-no-sh', 'refuse', 'e_phnum = PN_XNUM, section 0 sh_info = 0', e_phnum=PN_XNUM)
    mut('phnum-big', 'refuse', 'e_phnum = 0xfffe (table past the end)', e_phnum=0xFFFE)
    mut('phnum-plus1', 'either', 'e_phnum + 1 (one extra program header read from what follows)',
        e_phnum=e.eh('e_phnum') + 1)
    if e.has_shdrs():
        x = e.copy()
        x.set_eh('e_phnum', PN_XNUM)
        x.set_sh(0, 'sh_info', e.eh('e_phnum'))
        c.add(label, base, 'phnum-xnum-valid', x.b, 'either',
              'e_phnum = PN_XNUM, real count in section 0 sh_info (legal extended numbering; '
              'Linux does not exec it)')
        x = e.copy()
        x.set_eh('e_phnum', PN_XNUM)
        x.set_sh(0, 'sh_info', 0xFFFFFFFF)
        c.add(label, base, 'phnum-xnum-huge', x.b, 'refuse', 'e_phnum = PN_XNUM, section 0 sh_info = 0xffffffff')
        x = e.copy()
        x.set_eh('e_phnum', PN_XNUM)
        x.set_sh(0, 'sh_info', 0x10000)
        c.add(label, base, 'phnum-xnum-64k', x.b, 'refuse', 'e_phnum = PN_XNUM, section 0 sh_info = 0x10000')
    # e_shnum / e_shstrndx
    if e.has_shdrs():
        shnum = e.eh('e_shnum')
        mut('shnum-big', 'refuse', 'e_shnum = 0xfeff (table past the end)', e_shnum=0xFEFF)
        mut('shnum-plus1', 'refuse', 'e_shnum + 1 (one section header past the end)', e_shnum=shnum + 1)
        x = e.copy()
        x.set_eh('e_shnum', 0)
        x.set_sh(0, 'sh_size', 0xFFFFFFFF)
        c.add(label, base, 'shnum-ext-huge', x.b, 'refuse', 'e_shnum = 0, section 0 sh_size = 0xffffffff')
        mut('shstrndx-eq-shnum', 'refuse', 'e_shstrndx = e_shnum (out of range)', e_shstrndx=shnum)
        mut('shstrndx-big', 'refuse', 'e_shstrndx = 0xfeff (out of range)', e_shstrndx=0xFEFF)
        mut('shstrndx-zero', 'refuse', 'e_shstrndx = 0 (SHT_NULL section)', e_shstrndx=0)
        mut('shstrndx-xindex-0', 'refuse', 'e_shstrndx = SHN_XINDEX, section 0 sh_link = 0',
            e_shstrndx=SHN_XINDEX)
        x = e.copy()
        x.set_eh('e_shstrndx', SHN_XINDEX)
        x.set_sh(0, 'sh_link', 0xFFFFFF)
        c.add(label, base, 'shstrndx-xindex-big', x.b, 'refuse', 'e_shstrndx = SHN_XINDEX, section 0 sh_link out of range')
        x = e.copy()
        x.set_eh('e_shstrndx', SHN_XINDEX)
        x.set_sh(0, 'sh_link', e.eh('e_shstrndx'))
        c.add(label, base, 'shstrndx-xindex-valid', x.b, 'accept',
              'e_shstrndx = SHN_XINDEX, the real index in section 0 sh_link (legal extended numbering)')
        dynsym = e.find_sh('.dynsym')
        if dynsym is not None:
            mut('shstrndx-dynsym', 'refuse', 'e_shstrndx names .dynsym (not a string table)', e_shstrndx=dynsym)
        mut('shentsize-0', 'refuse', 'e_shentsize = 0', e_shentsize=0)
        mut('shentsize-odd', 'refuse', 'e_shentsize = size - 1', e_shentsize=e.eh('e_shentsize') - 1)
    # sizes, type, class, byte order
    mut('phentsize-0', 'refuse', 'e_phentsize = 0', e_phentsize=0)
    mut('phentsize-small', 'refuse', 'e_phentsize = size - 1', e_phentsize=e.eh('e_phentsize') - 1)
    mut('phentsize-big', 'refuse', 'e_phentsize = size + 8', e_phentsize=e.eh('e_phentsize') + 8)
    mut('ehsize-0', 'refuse', 'e_ehsize = 0', e_ehsize=0)
    mut('ehsize-big', 'refuse', 'e_ehsize = 0xffff', e_ehsize=0xFFFF)
    mut('type-rel', 'refuse', 'e_type = ET_REL', e_type=1)
    mut('type-core', 'refuse', 'e_type = ET_CORE', e_type=4)
    mut('type-none', 'refuse', 'e_type = ET_NONE', e_type=0)
    mut('type-os', 'refuse', 'e_type = 0xfe00 (OS-specific)', e_type=0xFE00)
    mut('machine-386', 'either', 'e_machine = EM_386 in an ELFCLASS64 file (wrong class for the machine)',
        e_machine=3)
    mut('machine-bogus', 'either', 'e_machine = 0xbeef (unknown machine)', e_machine=0xBEEF)
    x = e.copy()
    x.b[4] = 1 if e.cls == 64 else 2
    c.add(label, base, 'class-flipped', x.b, 'refuse',
          f'EI_CLASS says ELFCLASS{64 if e.cls == 32 else 32}, the headers are ELFCLASS{e.cls} (wrong class for the machine)')
    for v in (0, 3, 0xFF):
        x = e.copy()
        x.b[4] = v
        c.add(label, base, f'class-{v}', x.b, 'refuse', f'EI_CLASS = {v} (invalid)')
    x = e.copy()
    x.b[5] = 2 if e.end == '<' else 1
    c.add(label, base, 'data-flipped', x.b, 'refuse',
          'EI_DATA byte order flipped (headers read byte-swapped: wrong byte order for the machine)')
    for v in (0, 3):
        x = e.copy()
        x.b[5] = v
        c.add(label, base, f'data-{v}', x.b, 'refuse', f'EI_DATA = {v} (invalid)')
    x = e.copy()
    x.b[6] = 0
    c.add(label, base, 'ident-version-0', x.b, 'either', 'EI_VERSION = 0 (EV_NONE)')
    x = e.copy()
    x.b[1] = ord('F') ^ 0x20
    c.add(label, base, 'bad-magic', x.b, 'refuse', 'magic 0x7f "EfF" (one bit off)')


def phdr_cases(c, label, base, e):
    size = len(e.b)
    W = e.word
    ph = e.phdrs()
    loads = [i for i, p in enumerate(ph) if p['p_type'] == PT_LOAD]

    def mut(case, expect, what, i, codes='4', **fields):
        x = e.copy()
        for k, v in fields.items():
            x.set_ph(i, k, v)
        c.add(label, base, case, x.b, expect, what, codes)

    names = {PT_LOAD: 'load', PT_DYNAMIC: 'dynamic', PT_INTERP: 'interp', PT_NOTE: 'note',
             PT_PHDR: 'phdr', PT_GNU_EH_FRAME: 'ehframe', PT_GNU_RELRO: 'relro'}
    seen = {}
    for i, p in enumerate(ph):
        if p['p_type'] not in names or p['p_filesz'] == 0:
            continue
        k = seen.get(p['p_type'], 0)
        seen[p['p_type']] = k + 1
        n = f'{names[p["p_type"]]}{k}'
        what = f'segment {i} ({n})'
        mut(f'{n}-offset-eof', 'refuse', f'{what}: p_offset = file size', i, p_offset=size)
        mut(f'{n}-offset-max', 'refuse', f'{what}: p_offset = all ones', i, p_offset=maxval(W))
        mut(f'{n}-offset-wrap', 'refuse', f'{what}: p_offset + p_filesz wraps around', i,
            p_offset=maxval(W) - p['p_filesz'] // 2)
        mut(f'{n}-filesz-eof', 'refuse', f'{what}: p_filesz runs 1 byte past the end', i,
            p_filesz=size - p['p_offset'] + 1)
        mut(f'{n}-filesz-max', 'refuse', f'{what}: p_filesz = all ones', i, p_filesz=maxval(W))
        if p['p_type'] == PT_LOAD:
            mut(f'{n}-memsz-small', 'refuse', f'{what}: p_memsz < p_filesz', i, p_memsz=p['p_filesz'] - 1)
    # PT_GNU_STACK has no file bytes: its offset is never read.
    st = e.find_ph(PT_GNU_STACK)
    if st is not None:
        mut('stack-offset-max', 'accept', 'PT_GNU_STACK (p_filesz 0): p_offset = all ones (never read)', st,
            p_offset=maxval(W))
    # Overlapping and unsorted loadable segments.
    if len(loads) >= 3:
        a, b = loads[1], loads[2]
        x = e.copy()
        for k in PHDR[e.cls]:
            x.set_ph(a, k, ph[b][k])
            x.set_ph(b, k, ph[a][k])
        c.add(label, base, 'loads-unsorted', x.b, 'refuse',
              f'PT_LOAD {a} and {b} swapped: loadable segments not sorted by p_vaddr')
    if len(loads) >= 2:
        a, b = loads[0], loads[1]
        # p_vaddr of b inside a's address range: congruent to its offset
        # modulo p_align where such an address exists, else modulo 4096,
        # else a's start.  (Merely congruent modulo p_align is not enough:
        # on the ppc32 fixture, p_align 64 KiB, that address lies past the
        # end of a, in the same 64 KiB page but in no page a maps with 4 KiB
        # pages, so it was no overlap at all.)
        a_end = ph[a]['p_vaddr'] + ph[a]['p_memsz']
        inside = ph[a]['p_vaddr']
        for al in (max(ph[b]['p_align'], 1), 4096):
            cand = ph[a]['p_vaddr'] - ph[a]['p_vaddr'] % al + ph[b]['p_offset'] % al
            if cand < ph[a]['p_vaddr']:
                cand += al
            if cand < a_end:
                inside = cand
                break
        mut('loads-overlap-vaddr', 'refuse',
            f'PT_LOAD {b} p_vaddr/p_paddr moved to {inside:#x}, inside PT_LOAD {a}: '
            'two loadable segments map the same addresses',
            b, p_vaddr=inside, p_paddr=inside)
        mut('load0-grows-over-load1', 'refuse',
            f'PT_LOAD {a} p_memsz reaches into PT_LOAD {b} (overlapping address ranges)', a,
            p_memsz=ph[b]['p_vaddr'] - ph[a]['p_vaddr'] + 0x100,
            p_filesz=min(ph[b]['p_vaddr'] - ph[a]['p_vaddr'] + 0x100, size - ph[a]['p_offset']))
        mut('load0-not-at-0', 'either', f'PT_LOAD {a} p_offset 0 -> 0x1000 (no segment maps the ELF header)', a,
            p_offset=0x1000, p_vaddr=ph[a]['p_vaddr'] + 0x1000, p_paddr=ph[a]['p_vaddr'] + 0x1000,
            p_filesz=max(ph[a]['p_filesz'] - 0x1000, 0) if ph[a]['p_filesz'] > 0x1000 else ph[a]['p_filesz'])
        mut('load-align-odd', 'either', f'PT_LOAD {b} p_align = 3 (not a power of two)', b, p_align=3)
        mut('load-align-huge', 'either', f'PT_LOAD {b} p_align = 2^(bits-1)', b, p_align=1 << (8 * W - 1))
        mut('load-vaddr-incongruent', 'either',
            f'PT_LOAD {b} p_vaddr + 1 (p_vaddr and p_offset not congruent modulo p_align)', b,
            p_vaddr=ph[b]['p_vaddr'] + 1, p_paddr=ph[b]['p_paddr'] + 1)
        mut('load-memsz-max', 'refuse', f'PT_LOAD {b} p_memsz = all ones (the address range wraps)', b,
            p_memsz=maxval(W))
        mut('load-vaddr-top', 'refuse', f'PT_LOAD {b} p_vaddr near the top of the address space (wraps)', b,
            p_vaddr=maxval(W) - 0xFFF + (ph[b]['p_offset'] & 0xFFF), p_paddr=0)
    # PT_PHDR not describing the table, not first.
    pp = e.find_ph(PT_PHDR)
    if pp is not None:
        mut('phdr-wrong-size', 'either', 'PT_PHDR p_filesz/p_memsz one entry short of the table', pp,
            p_filesz=ph[pp]['p_filesz'] - e.eh('e_phentsize'), p_memsz=ph[pp]['p_memsz'] - e.eh('e_phentsize'))
        it = e.find_ph(PT_INTERP)
        if it is not None:
            x = e.copy()
            for k in PHDR[e.cls]:
                x.set_ph(pp, k, ph[it][k])
                x.set_ph(it, k, ph[pp][k])
            c.add(label, base, 'phdr-not-first', x.b, 'either', 'PT_PHDR and PT_INTERP swapped (PT_PHDR not first)')
    # Two PT_DYNAMIC, PT_DYNAMIC reading code bytes.
    dy = e.find_ph(PT_DYNAMIC)
    if dy is not None and len(loads) >= 2:
        code = next((i for i in loads if ph[i]['p_flags'] & 1), loads[1])
        mut('dynamic-offset-in-code', 'either',
            'PT_DYNAMIC p_offset moved into the code (p_vaddr kept: ld.so still finds the real table)', dy,
            p_offset=ph[code]['p_offset'])
        gs = e.find_ph(PT_GNU_STACK)
        if gs is not None:
            x = e.copy()
            for k in PHDR[e.cls]:
                x.set_ph(gs, k, ph[dy][k])
            x.set_ph(gs, 'p_offset', ph[code]['p_offset'])
            c.add(label, base, 'dynamic-twice', x.b, 'either',
                  'a second PT_DYNAMIC (replacing PT_GNU_STACK) over code bytes')
    # PT_NOTE over something that is not notes.
    nt = e.find_ph(PT_NOTE)
    if nt is not None and e.find_ph(PT_INTERP) is not None:
        it = e.find_ph(PT_INTERP)
        mut('note-over-interp', 'either', 'PT_NOTE p_offset/size = those of PT_INTERP (the path read as notes)', nt,
            p_offset=ph[it]['p_offset'], p_filesz=ph[it]['p_filesz'], p_vaddr=ph[it]['p_vaddr'],
            p_paddr=ph[it]['p_vaddr'], p_memsz=ph[it]['p_filesz'])
    # Note segments at offsets that are not 4-aligned.
    for i, p in enumerate(ph):
        if p['p_type'] == PT_NOTE and p['p_filesz'] > 0:
            mut(f'note{i}-offset-minus2', 'either', f'PT_NOTE {i}: p_offset - 2 (not 4-aligned)', i,
                p_offset=p['p_offset'] - 2)
            mut(f'note{i}-offset-plus1', 'either', f'PT_NOTE {i}: p_offset + 1 (odd)', i,
                p_offset=p['p_offset'] + 1)
    # Every segment zeroed to PT_NULL but the loads.
    x = e.copy()
    for i, p in enumerate(ph):
        if p['p_type'] not in (PT_LOAD, PT_INTERP, PT_DYNAMIC, PT_PHDR):
            x.set_ph(i, 'p_type', PT_NULL)
    c.add(label, base, 'only-loads', x.b, 'either',
          'every program header other than PT_PHDR/PT_INTERP/PT_LOAD/PT_DYNAMIC set to PT_NULL (legal, still runs; '
          'the notes of page 1 are then in no PT_NOTE, so "no room" (5) is a fair answer)')


def shdr_cases(c, label, base, e):
    if not e.has_shdrs():
        return
    size = len(e.b)
    W = e.word

    def mut(case, expect, what, i, codes='4', **fields):
        x = e.copy()
        for k, v in fields.items():
            x.set_sh(i, k, v)
        c.add(label, base, case, x.b, expect, what, codes)

    picks = []
    for name in ('.interp', '.dynsym', '.dynstr', '.text', '.dynamic', '.comment', '.symtab', '.shstrtab'):
        i = e.find_sh(name)
        if i is not None:
            picks.append((name.lstrip('.'), i))
    for n, i in picks:
        sz = e.sh(i, 'sh_size')
        mut(f'sh-{n}-offset-eof', 'refuse', f'section {i} ({n}): sh_offset = file size', i, sh_offset=size)
        mut(f'sh-{n}-offset-max', 'refuse', f'section {i} ({n}): sh_offset = all ones', i, sh_offset=maxval(W))
        mut(f'sh-{n}-offset-wrap', 'refuse', f'section {i} ({n}): sh_offset + sh_size wraps around', i,
            sh_offset=maxval(W) - sz // 2)
        mut(f'sh-{n}-size-eof', 'refuse', f'section {i} ({n}): sh_size runs 1 byte past the end', i,
            sh_size=size - e.sh(i, 'sh_offset') + 1)
    bss = e.find_sh('.bss')
    if bss is not None:
        mut('sh-bss-offset-max', 'accept', 'SHT_NOBITS .bss: sh_offset = all ones (it has no file bytes)', bss,
            sh_offset=maxval(W))
    cm = e.find_sh('.comment')
    if cm is not None:
        x = e.copy()
        off, sz = e.sh(cm, 'sh_offset'), e.sh(cm, 'sh_size')
        x.b[off:off + sz] = bytes((0xA5 ^ (k * 7)) & 0xFF for k in range(sz))
        c.add(label, base, 'comment-garbage', x.b, 'accept', '.comment (non-alloc) contents overwritten with garbage')
        mut('sh-comment-name-big', 'accept', '.comment (non-alloc): sh_name past the name table (no name)', cm,
            sh_name=0xFFFFFFF0)
    sy = e.find_sh('.symtab')
    if sy is not None:
        x = e.copy()
        off, sz = e.sh(sy, 'sh_offset'), e.sh(sy, 'sh_size')
        x.b[off:off + sz] = bytes((k * 131 + 17) & 0xFF for k in range(sz))
        c.add(label, base, 'symtab-garbage', x.b, 'accept', '.symtab (non-alloc) contents overwritten with garbage')
        mut('symtab-link-big', 'either', '.symtab (non-alloc): sh_link out of range', sy, sh_link=0xFFFF)
    ds = e.find_sh('.dynsym')
    if ds is not None:
        mut('dynsym-link-big', 'either', '.dynsym: sh_link out of range', ds, sh_link=0xFFFF)
        mut('dynsym-entsize-0', 'either', '.dynsym: sh_entsize 0', ds, sh_entsize=0)
        mut('dynsym-addr-wrong', 'either', '.dynsym: sh_addr disagrees with its segment (+0x100)', ds,
            sh_addr=e.sh(ds, 'sh_addr') + 0x100)
    strndx = e.eh('e_shstrndx')
    mut('shstrtab-type-progbits', 'either', '.shstrtab: sh_type SHT_PROGBITS', strndx, sh_type=SHT_PROGBITS)
    mut('shstrtab-size-0', 'refuse', '.shstrtab: sh_size 0', strndx, sh_size=0)
    x = e.copy()
    off, sz = e.sh(strndx, 'sh_offset'), e.sh(strndx, 'sh_size')
    x.b[off + sz - 1] = ord('X')
    c.add(label, base, 'shstrtab-no-nul', x.b, 'either', '.shstrtab: last byte not NUL (last name unterminated)')
    # Overlapping sections: .dynstr placed over .dynsym.
    dstr = e.find_sh('.dynstr')
    if ds is not None and dstr is not None:
        mut('sections-overlap', 'either', '.dynstr sh_offset/sh_addr = those of .dynsym (overlapping sections)', dstr,
            sh_offset=e.sh(ds, 'sh_offset'), sh_addr=e.sh(ds, 'sh_addr'))
    # A note section header that lies about its size.
    for i in range(1, e.shnum()):
        if e.sh(i, 'sh_type') == SHT_NOTE:
            mut(f'shnote{i}-size-huge', 'refuse', f'note section {i}: sh_size runs past the end', i,
                sh_size=size - e.sh(i, 'sh_offset') + 4)
            break


def note_cases(c, label, base, e):
    """Notes with huge n_namesz/n_descsz, in each PT_NOTE."""
    for k, seg in enumerate(i for i, p in enumerate(e.phdrs()) if p['p_type'] == PT_NOTE):
        notes = e.notes(seg)
        for j, (pos, namesz, descsz, ntype, name) in enumerate(notes):
            pkg = ntype == NOTE_PACKAGE and name.rstrip(b'\0') == b'FDO'
            tag = 'pkgnote' if pkg else f'note{k}.{j}'
            if pkg:
                expect, why = 'refuse', ('the package note itself is corrupt: pkgnote cannot tell whether '
                                         'a package note is there, so it must not add a second one')
            else:
                expect, why = 'either', ('another note is corrupt: if pkgnote stamps, its note must still be '
                                         'found by a PT_NOTE walk (check_page1)')
            seg_end = e.ph(seg, 'p_offset') + e.ph(seg, 'p_filesz')
            for field, foff in (('namesz', 0), ('descsz', 4)):
                for v, vn in ((0xFFFFFFFF, 'max'), (0x7FFFFFFF, 'big'), (seg_end - pos - 12 + 4, 'past')):
                    x = e.copy()
                    x.wr(pos + foff, 4, v)
                    c.add(label, base, f'{tag}-{field}-{vn}', x.b, expect,
                          f'segment {seg} note {j} (type {ntype:#x}): n_{field} = {v:#x}; {why}')
            if pkg:
                x = e.copy()
                x.wr(pos + 4, 4, 0)
                c.add(label, base, f'{tag}-descsz-0', x.b, 'either',
                      'package note with n_descsz 0 (no JSON): may be replaced or refused')
                x = e.copy()
                dstart = pos + 12 + ((namesz + 3) & ~3)
                x.b[dstart:dstart + descsz] = b'{' * descsz
                c.add(label, base, f'{tag}-desc-no-nul', x.b, 'either',
                      'package note whose text has no NUL: may be replaced or refused')


def dynamic_cases(c, label, base, e):
    """Dynamic table values pointing nowhere (pkgnote moves blocks they name)."""
    ents = e.dyn_entries()
    if not ents:
        return
    W = e.word
    def mut(case, what, tag, val):
        for off, t, v in ents:
            if t == tag:
                x = e.copy()
                x.wr(off + W, W, val)
                c.add(label, base, case, x.b, 'either', what)
                return
    mut('dt-strsz-huge', 'DT_STRSZ = 0x7fffffff', DT_STRSZ, 0x7FFFFFFF)
    mut('dt-strtab-unmapped', 'DT_STRTAB = an unmapped address', DT_STRTAB, 0xDEAD0000)
    mut('dt-symtab-zero', 'DT_SYMTAB = 0', DT_SYMTAB, 0)
    mut('dt-gnuhash-max', 'DT_GNU_HASH = all ones', DT_GNU_HASH, maxval(W))
    mut('dt-syment-0', 'DT_SYMENT = 0', DT_SYMENT, 0)
    # No DT_NULL: every terminator turned into DT_DEBUG (the table runs to
    # the end of PT_DYNAMIC).
    x = e.copy()
    i = e.find_ph(PT_DYNAMIC)
    off, size = e.ph(i, 'p_offset'), e.ph(i, 'p_filesz')
    for k in range(size // (2 * W)):
        if x.rd(off + k * 2 * W, W) == DT_NULL:
            x.wr(off + k * 2 * W, W, 21)  # DT_DEBUG
    c.add(label, base, 'dt-no-null', x.b, 'either', 'dynamic table without DT_NULL')


def main(argv):
    skip_trunc = set()
    while len(argv) > 1 and argv[1].startswith('--no-truncations='):
        skip_trunc |= set(argv.pop(1).split('=', 1)[1].split(','))
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    outdir = argv[1]
    os.makedirs(outdir, exist_ok=True)
    c = Corpus(outdir)
    for arg in argv[2:]:
        label, path = arg.split('=', 1)
        with open(path, 'rb') as f:
            e = Elf(f.read())
        base = os.path.basename(path)
        if label not in skip_trunc:
            truncations(c, label, base, e)
        ehdr_cases(c, label, base, e)
        phdr_cases(c, label, base, e)
        shdr_cases(c, label, base, e)
        note_cases(c, label, base, e)
        dynamic_cases(c, label, base, e)
    c.write_manifest()
    print(f'{len(c.rows)} malformed files in {outdir}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
