/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How far the ELF contents of a file reach, from the model alone (pure, so
 * the planner's unit tests use it too).  What lies past that end is
 * trailing data: a payload appended to a runtime (self-extracting archives,
 * AppImages, bundlers' standalone executables), which the program finds by
 * a cookie at the end of the file, at the end of the section header table,
 * or at an offset stored in its data.  Stamping must keep it where it is.
 */
#include <elf.h>

#include "model.h"

static uint64_t max_end(uint64_t end, uint64_t off, uint64_t size)
{
	return size > 0 && off + size > end ? off + size : end;
}

uint64_t pn_model_sht_end(const struct pn_model *m)
{
	return m->shnum > 0 ? m->shoff + m->shnum * m->shentsize : 0;
}

uint64_t pn_model_described_end(const struct pn_model *m)
{
	uint64_t end = max_end(0, 0, m->ehsize);
	end = max_end(end, m->phoff, m->phnum * m->phentsize);
	for (size_t i = 0; i < m->phnum; i++)
		end = max_end(end, m->phdrs[i].offset, m->phdrs[i].filesz);
	for (size_t i = 1; i < m->shnum; i++)
		if (m->shdrs[i].type != SHT_NOBITS)
			end = max_end(end, m->shdrs[i].offset, m->shdrs[i].size);
	return max_end(end, 0, pn_model_sht_end(m));
}

bool pn_model_trailing(const struct pn_model *m, struct pn_trailing *t)
{
	uint64_t end = pn_model_described_end(m);
	*t = (struct pn_trailing){ .offset = end, .size = end < m->file_size ? m->file_size - end : 0,
				   .sht_end = pn_model_sht_end(m) };
	return t->size > 0;
}
