/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Without section headers (sstrip), the dynamic table is the only map of
 * page 1: each DT_* pointer names a block, and its size follows from a
 * size entry (DT_STRSZ, DT_RELASZ, ...) or from the block's own contents
 * (the symbol count from the hash tables, the version chains).  A block
 * whose size cannot be read with certainty is left out.  On MIPS n64 the
 * .MIPS.options records after the ABI flags are one more such block.
 */
#include <elf.h>
#include <string.h>

#include "dyn_regions.h"

struct reader {
	const struct pn_model *m;
	const struct pn_segment *l0;
};

/* File offset of address `addr` in L0 when `size` bytes there were read. */
static bool locate(const struct reader *r, uint64_t addr, uint64_t size, uint64_t *off)
{
	const struct pn_segment *l0 = r->l0;
	if (addr < l0->vaddr || addr - l0->vaddr > l0->filesz)
		return false;
	uint64_t o = addr - l0->vaddr + l0->offset;
	if (size > l0->filesz - (addr - l0->vaddr) || o + size > r->m->head_size || o + size < o)
		return false;
	*off = o;
	return true;
}

static uint64_t get(const struct reader *r, uint64_t off, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes; i++) {
		unsigned k = r->m->elf_data == ELFDATA2MSB ? i : bytes - 1 - i;
		v = v << 8 | r->m->head[off + k];
	}
	return v;
}

static bool dyn(const struct pn_model *m, int64_t tag, uint64_t *val, long *index)
{
	for (size_t i = 0; i < m->ndyn; i++)
		if (m->dyn[i].tag == tag) {
			*val = m->dyn[i].val;
			if (index != NULL)
				*index = (long)i;
			return true;
		}
	return false;
}

/* The lowest address above `addr` that some dynamic entry or segment
 * names, or the end of L0. */
static uint64_t next_named(const struct reader *r, uint64_t addr)
{
	const struct pn_model *m = r->m;
	static const int64_t tags[] = { DT_STRTAB, DT_SYMTAB, DT_HASH, DT_GNU_HASH, DT_VERSYM,
					DT_VERNEED, DT_VERDEF, DT_RELA, DT_REL, DT_JMPREL, DT_RELR,
					DT_INIT, DT_FINI, DT_PLTGOT, DT_INIT_ARRAY, DT_FINI_ARRAY };
	uint64_t next = r->l0->vaddr + r->l0->filesz;
	for (size_t i = 0; i < m->ndyn; i++)
		for (size_t k = 0; k < sizeof tags / sizeof tags[0]; k++)
			if (m->dyn[i].tag == tags[k] && m->dyn[i].val > addr && m->dyn[i].val < next)
				next = m->dyn[i].val;
	for (size_t i = 0; i < m->phnum; i++) {
		const struct pn_segment *s = &m->phdrs[i];
		if (s->type != PT_LOAD && s->filesz > 0 && s->vaddr > addr && s->vaddr < next)
			next = s->vaddr;
	}
	return next;
}

/* The highest symbol index the relocations at `tag` (size at `size_tag`)
 * use, plus one; 0 when there are none. */
static uint64_t symbols_used(const struct reader *r, int64_t tag, int64_t size_tag, bool rela)
{
	const struct pn_model *m = r->m;
	uint64_t addr, size, off, used = 0;
	bool wide = m->elf_class == ELFCLASS64;
	uint64_t ent = (wide ? 8 : 4) * (rela ? 3 : 2);
	if (!dyn(m, tag, &addr, NULL) || !dyn(m, size_tag, &size, NULL) ||
	    !locate(r, addr, size, &off))
		return 0;
	for (uint64_t pos = 0; pos + ent <= size; pos += ent) {
		uint64_t info = get(r, off + pos + (wide ? 8 : 4), wide ? 8 : 4);
		uint64_t sym = wide ? info >> 32 : info >> 8;
		if (sym + 1 > used)
			used = sym + 1;
	}
	return used;
}

/*
 * With an empty GNU hash table, nothing in the symbol table says how long
 * it is.  Linkers lay the dynamic blocks back to back, so it ends where the
 * next named block begins; that count is taken only when the gap left is
 * padding, the version table has room for as many entries, and every
 * symbol a relocation uses is inside.
 */
static uint64_t symbols_by_layout(const struct reader *r)
{
	const struct pn_model *m = r->m;
	uint64_t symtab, versym;
	uint64_t syment = m->elf_class == ELFCLASS64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
	if (!dyn(m, DT_SYMTAB, &symtab, NULL))
		return 0;
	uint64_t dist = next_named(r, symtab) - symtab, n = dist / syment;
	if (n == 0 || dist - n * syment >= 16)
		return 0;
	if (dyn(m, DT_VERSYM, &versym, NULL) && versym + 2 * n > next_named(r, versym))
		return 0;
	bool rel = dyn(m, DT_REL, &symtab, NULL);
	uint64_t used = symbols_used(r, rel ? DT_REL : DT_RELA, rel ? DT_RELSZ : DT_RELASZ, !rel);
	uint64_t plt = symbols_used(r, DT_JMPREL, DT_PLTRELSZ, !rel);
	if (used > n || plt > n)
		return 0;
	return n;
}

/* Number of dynamic symbols, from DT_HASH's nchain or by walking the last
 * bucket's chain of DT_GNU_HASH to its end; 0 when unknown. */
static uint64_t symbol_count(const struct reader *r)
{
	const struct pn_model *m = r->m;
	uint64_t addr, off;
	bool wide_hash = m->elf_class == ELFCLASS64 &&
			 (m->e_machine == EM_S390 || m->e_machine == EM_ALPHA);
	if (dyn(m, DT_HASH, &addr, NULL) && !wide_hash && locate(r, addr, 8, &off))
		return get(r, off + 4, 4);
	if (!dyn(m, DT_GNU_HASH, &addr, NULL) || !locate(r, addr, 16, &off))
		return 0;
	uint64_t word = m->elf_class == ELFCLASS64 ? 8 : 4;
	uint64_t nbuckets = get(r, off, 4), symoffset = get(r, off + 4, 4);
	uint64_t bloom = get(r, off + 8, 4);
	uint64_t buckets = off + 16 + bloom * word;
	if (nbuckets > (1u << 24) || bloom > (1u << 24) || buckets + nbuckets * 4 > m->head_size)
		return 0;
	uint64_t last = 0;
	for (uint64_t i = 0; i < nbuckets; i++) {
		uint64_t b = get(r, buckets + 4 * i, 4);
		if (b > last)
			last = b;
	}
	/* An empty table (every symbol undefined) says nothing of how many
	 * symbols precede symoffset: linkers set it to 1 whatever the count. */
	if (last < symoffset)
		return symbols_by_layout(r);
	uint64_t chains = buckets + nbuckets * 4;
	for (;;) {
		uint64_t at = chains + (last - symoffset) * 4;
		if (at + 4 > m->head_size)
			return 0;
		if (get(r, at, 4) & 1)
			return last + 1;
		last++;
	}
}

/* Extent of a chain of version records (Verneed or Verdef): each has a
 * count of auxiliary records, an offset to them and an offset to the next
 * record, at the given positions. */
static uint64_t version_extent(const struct reader *r, uint64_t addr, uint64_t count,
			       unsigned cnt_at, unsigned aux_at, unsigned next_at,
			       unsigned rec, unsigned aux_rec, unsigned aux_next_at)
{
	uint64_t base, end = 0, pos = 0;
	if (!locate(r, addr, rec, &base))
		return 0;
	for (uint64_t i = 0; i < count && i < 4096; i++) {
		uint64_t o;
		if (!locate(r, addr + pos, rec, &o))
			return 0;
		end = pos + rec > end ? pos + rec : end;
		uint64_t naux = get(r, o + cnt_at, 2), apos = pos + get(r, o + aux_at, 4);
		for (uint64_t k = 0; k < naux && k < 4096; k++) {
			uint64_t ao;
			if (!locate(r, addr + apos, aux_rec, &ao))
				return 0;
			end = apos + aux_rec > end ? apos + aux_rec : end;
			uint64_t next = get(r, ao + aux_next_at, 4);
			if (next == 0)
				break;
			apos += next;
		}
		uint64_t next = get(r, o + next_at, 4);
		if (next == 0)
			break;
		pos += next;
	}
	(void)base;
	return end;
}

/*
 * MIPS n64's .MIPS.options has no segment and no dynamic entry; GNU ld puts
 * it right after .MIPS.abiflags.  Its records ({kind, size, section, info}
 * and a payload, `size` bytes, a multiple of 8) are walked from there; the
 * block counts only when they tile the gap up to the next named block, but
 * for less than 16 zero bytes.  Returns its size, or 0.
 */
static uint64_t mips_options_size(const struct reader *r, uint64_t addr)
{
	uint64_t stop = next_named(r, addr), off;
	if (stop <= addr || !locate(r, addr, stop - addr, &off))
		return 0;
	uint64_t pos = 0, gap = stop - addr;
	while (pos + 8 <= gap) {
		unsigned kind = r->m->head[off + pos], size = r->m->head[off + pos + 1];
		if (kind == 0 || kind > 11 || size < 8 || size % 8 || pos + size > gap)
			break;
		pos += size;
	}
	if (pos == 0 || gap - pos >= 16)
		return 0;
	for (uint64_t k = pos; k < gap; k++)
		if (r->m->head[off + k] != 0)
			return 0;
	return pos;
}

/* Some of the nb 32-bit buckets at off is nonzero. */
static bool any_bucket(const struct reader *r, uint64_t off, uint64_t nb)
{
	for (uint64_t i = 0; i < nb; i++)
		if (get(r, off + 4 * i, 4) != 0)
			return true;
	return false;
}

bool pn_dyn_value(const struct pn_model *m, int64_t tag, uint64_t *val)
{
	return dyn(m, tag, val, NULL);
}

uint64_t pn_dyn_symbol_count(const struct pn_model *m, const struct pn_segment *l0)
{
	struct reader r = { m, l0 };
	return symbol_count(&r);
}

size_t pn_dyn_regions(const struct pn_model *m, const struct pn_segment *l0,
		      struct pn_cand *out, size_t max)
{
	struct reader r = { m, l0 };
	uint64_t word = m->elf_class == ELFCLASS64 ? 8 : 4;
	uint64_t nsyms = symbol_count(&r);
	uint64_t syment = m->elf_class == ELFCLASS64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
	uint64_t v, count;
	struct {
		int64_t tag;
		uint64_t size, align;
	} want[12];
	size_t n = 0;
	if (dyn(m, DT_STRSZ, &v, NULL))
		want[n++] = (typeof(want[0])){ DT_STRTAB, v, 1 };
	if (dyn(m, DT_RELASZ, &v, NULL))
		want[n++] = (typeof(want[0])){ DT_RELA, v, word };
	if (dyn(m, DT_RELSZ, &v, NULL))
		want[n++] = (typeof(want[0])){ DT_REL, v, 4 };
	if (dyn(m, DT_PLTRELSZ, &v, NULL))
		want[n++] = (typeof(want[0])){ DT_JMPREL, v, word };
	if (dyn(m, DT_RELRSZ, &v, NULL))
		want[n++] = (typeof(want[0])){ DT_RELR, v, word };
	if (nsyms > 0) {
		want[n++] = (typeof(want[0])){ DT_SYMTAB, nsyms * syment, word };
		want[n++] = (typeof(want[0])){ DT_VERSYM, nsyms * 2, 2 };
		uint64_t off;
		if (dyn(m, DT_GNU_HASH, &v, NULL) && locate(&r, v, 16, &off)) {
			uint64_t nb = get(&r, off, 4), so = get(&r, off + 4, 4), bl = get(&r, off + 8, 4);
			uint64_t head = 16 + bl * word + nb * 4;
			/* An empty table (every bucket 0) has no chain array. */
			bool empty = locate(&r, v, head, &off) && !any_bucket(&r, off + 16 + bl * word, nb);
			if (empty)
				want[n++] = (typeof(want[0])){ DT_GNU_HASH, head, word };
			else if (nsyms >= so)
				want[n++] = (typeof(want[0])){ DT_GNU_HASH, head + (nsyms - so) * 4, word };
		}
		if (dyn(m, DT_HASH, &v, NULL) && locate(&r, v, 8, &off) &&
		    !(m->elf_class == ELFCLASS64 && (m->e_machine == EM_S390 || m->e_machine == EM_ALPHA)))
			want[n++] = (typeof(want[0])){ DT_HASH, (2 + get(&r, off, 4) + nsyms) * 4, 4 };
	}
	if (dyn(m, DT_VERNEED, &v, NULL) && dyn(m, DT_VERNEEDNUM, &count, NULL))
		want[n++] = (typeof(want[0])){ DT_VERNEED,
			version_extent(&r, v, count, 2, 8, 12, 16, 16, 12), 4 };
	if (dyn(m, DT_VERDEF, &v, NULL) && dyn(m, DT_VERDEFNUM, &count, NULL))
		want[n++] = (typeof(want[0])){ DT_VERDEF,
			version_extent(&r, v, count, 6, 12, 16, 20, 8, 4), 4 };

	size_t found = 0;
	for (size_t i = 0; i < n && found < max; i++) {
		uint64_t addr, off;
		long index;
		if (want[i].size == 0 || !dyn(m, want[i].tag, &addr, &index) ||
		    !locate(&r, addr, want[i].size, &off) || addr % want[i].align)
			continue;
		out[found++] = (struct pn_cand){ .offset = off, .addr = addr, .size = want[i].size,
						 .align = want[i].align, .dyn_index = index };
	}
	for (size_t i = 0; i < m->phnum && m->e_machine == EM_MIPS && found < max; i++) {
		const struct pn_segment *s = &m->phdrs[i];
		if (s->type != PT_MIPS_ABIFLAGS || m->elf_class != ELFCLASS64)
			continue;
		uint64_t addr = (s->vaddr + s->filesz + 7) / 8 * 8, off;
		uint64_t size = mips_options_size(&r, addr);
		if (size > 0 && locate(&r, addr, size, &off))
			out[found++] = (struct pn_cand){ .offset = off, .addr = addr, .size = size,
							 .align = 8, .dyn_index = PN_MOVE_NO_DYN };
	}
	return found;
}
