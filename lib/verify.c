/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Re-read the written file from disk, as a new model, and check it against
 * the input and the plan before it may replace anything: the note is there
 * with the exact JSON, the page-1 rule holds, nothing that code or data
 * can refer to has moved, and trailing data kept its bytes and its place.
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "elf_model.h"
#include "error.h"
#include "io_util.h"
#include "note_read.h"
#include "verify.h"

#define BAD(...) pn_fail(err, PKGNOTE_VERIFY, path, "verification of the result failed: " __VA_ARGS__)

/* b is a as it must be after the input's bytes moved by `shift`. */
static bool same_segment(const struct pn_segment *a, const struct pn_segment *b, uint64_t shift)
{
	return a->type == b->type && a->flags == b->flags && a->offset + shift == b->offset &&
	       a->vaddr == b->vaddr && a->filesz == b->filesz && a->memsz == b->memsz;
}

/* Every PT_LOAD of the input reappears unchanged, but L0 and a tail
 * segment of an earlier stamp, which only grow. */
static enum pkgnote_status check_loads(const struct pn_model *in, const struct pn_model *out,
				       const struct pn_plan *p, uint64_t shift, const char *path,
				       struct pkgnote_error *err)
{
	for (size_t i = 0; i < in->phnum; i++) {
		const struct pn_segment *s = &in->phdrs[i];
		if (s->type != PT_LOAD && s->type != PT_DYNAMIC && s->type != PT_TLS &&
		    s->type != PT_GNU_RELRO && s->type != PT_GNU_EH_FRAME)
			continue;
		bool found = false;
		for (size_t j = 0; j < out->phnum && !found; j++) {
			const struct pn_segment *t = &out->phdrs[j];
			if (same_segment(s, t, shift))
				found = true;
			else if (shift == 0 && s->type == PT_LOAD && t->type == PT_LOAD &&
				 (s->offset == 0 || (p->grow_load >= 0 && s->offset == p->load_offset)) &&
				 t->offset == s->offset && t->vaddr == s->vaddr && t->flags == s->flags &&
				 t->filesz >= s->filesz && t->memsz >= s->memsz)
				found = true;
		}
		if (!found)
			return BAD("segment %zu (type 0x%x at 0x%" PRIx64 ") changed", i, s->type, s->vaddr);
	}
	return PKGNOTE_OK;
}

/* Sections keep their place unless the plan moved them. */
static enum pkgnote_status check_sections(const struct pn_model *in, const struct pn_model *out,
					  const struct pn_plan *p, const char *path,
					  struct pkgnote_error *err)
{
	if (out->shnum != p->shnum)
		return BAD("%zu section headers instead of %zu", out->shnum, p->shnum);
	for (size_t i = 1; i < in->shnum; i++) {
		const struct pn_section *a = &in->shdrs[i], *b = &out->shdrs[i];
		if (i == p->note_section || i == in->shstrndx || pn_plan_move_of(p, a) != NULL)
			continue;
		uint64_t size = a->size;
		for (size_t k = 0; k < p->nresize; k++)
			if (p->resize[k].section == i)
				size = p->resize[k].size;
		if (a->addr != b->addr || a->offset + p->shift != b->offset || size != b->size ||
		    a->type != b->type || strcmp(a->name, b->name) != 0)
			return BAD("section %zu (%s) changed", i, a->name);
	}
	if (p->note_section != 0 && out->old_note.section != p->note_section)
		return BAD("no section header %s describes the note", PKGNOTE_SECTION_NAME);
	return PKGNOTE_OK;
}

static enum pkgnote_status check_dynamic(const struct pn_model *in, const struct pn_model *out,
					 const struct pn_plan *p, const char *path,
					 struct pkgnote_error *err)
{
	if (in->ndyn != out->ndyn)
		return BAD("the dynamic table changed length");
	for (size_t i = 0; i < in->ndyn; i++) {
		uint64_t want = in->dyn[i].val;
		for (size_t k = 0; k < p->nmoves; k++)
			if (p->moves[k].dyn_index == (long)i)
				want = p->moves[k].new_addr;
		if (out->dyn[i].tag != in->dyn[i].tag || out->dyn[i].val != want)
			return BAD("dynamic entry %zu is wrong", i);
	}
	return PKGNOTE_OK;
}

/* Trailing data of the input is still trailing data of the output, with the
 * same bytes at the same offset, the same distance from the end, and the
 * section header table still ends where it did. */
static enum pkgnote_status check_trailing(const struct pn_model *in, const struct pn_model *out,
					  int fd, const char *path, struct pkgnote_error *err)
{
	struct pn_trailing t;
	if (!pn_model_trailing(in, &t))
		return PKGNOTE_OK;
	if (out->file_size != in->file_size)
		return BAD("the file's size changed, and with it the distance of its trailing data from the end");
	if (pn_model_sht_end(out) != t.sht_end)
		return BAD("the section header table no longer ends at 0x%" PRIx64
			   ", where trailing data may be looked for", t.sht_end);
	if (pn_model_described_end(out) > t.offset)
		return BAD("headers or sections now describe trailing data at 0x%" PRIx64, t.offset);
	enum { CHUNK = 64 * 1024 };
	unsigned char *a = malloc(CHUNK), *b = malloc(CHUNK);
	enum pkgnote_status r = PKGNOTE_OK;
	if (a == NULL || b == NULL)
		r = pn_fail_errno(err, PKGNOTE_IO, ENOMEM, path, "comparing trailing data");
	for (uint64_t off = t.offset; r == PKGNOTE_OK && off < in->file_size; off += CHUNK) {
		size_t n = in->file_size - off < CHUNK ? (size_t)(in->file_size - off) : CHUNK;
		if (pn_pread_full(in->fd, a, n, off) != 0 || pn_pread_full(fd, b, n, off) != 0)
			r = pn_fail_errno(err, PKGNOTE_IO, errno, path, "cannot read trailing data");
		else if (memcmp(a, b, n) != 0)
			r = BAD("trailing data at 0x%" PRIx64 " changed", t.offset);
	}
	free(a);
	free(b);
	return r;
}

static enum pkgnote_status check_page(const struct pn_model *out, const struct pn_plan *p,
				      uint64_t page, const char *path, struct pkgnote_error *err)
{
	ptrdiff_t i0 = pn_first_load(out->phdrs, out->phnum);
	const struct pn_segment *l0 = i0 >= 0 ? &out->phdrs[i0] : NULL;
	uint64_t table_end = out->phoff + out->phnum * out->phentsize;
	if (l0 == NULL || table_end > l0->filesz || table_end > page)
		return BAD("the program header table is not in the first page");
	for (size_t i = 0; i < out->phnum; i++) {
		const struct pn_segment *s = &out->phdrs[i];
		if (s->type == PT_PHDR && (s->offset != out->phoff || s->filesz != table_end - out->phoff))
			return BAD("PT_PHDR does not describe the program header table");
	}
	const struct pn_old_note *o = &out->old_note;
	if (o->segment < 0)
		return BAD("no PT_NOTE covers the note");
	if (p->outside_page)
		return PKGNOTE_OK;
	if (o->offset + o->record_size > page || o->offset + o->record_size > l0->filesz)
		return BAD("the note is not in the first page");
	return PKGNOTE_OK;
}

enum pkgnote_status pn_verify_output(const struct pn_model *in, const struct pn_plan *p,
				     int fd, const char *path, const char *json,
				     uint64_t page, struct pkgnote_error *err)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return pn_fail_errno(err, PKGNOTE_IO, errno, path, "cannot stat the output");
	uint64_t size = (uint64_t)st.st_size;
	if (size != p->file_size)
		return BAD("size %" PRIu64 " instead of %" PRIu64, size, p->file_size);
	return pn_verify_output_sized(in, p, fd, path, json, page, err);
}

enum pkgnote_status pn_verify_output_sized(const struct pn_model *in, const struct pn_plan *p,
					   int fd, const char *path, const char *json,
					   uint64_t page, struct pkgnote_error *err)
{
	uint64_t size = p->file_size;
	struct pn_model out;
	struct pkgnote_error inner;
	if (pn_model_read(fd, path, size, &out, &inner) != PKGNOTE_OK)
		return BAD("%s", inner.message);
	enum pkgnote_status r = PKGNOTE_OK;
	char *found = NULL;
	if (!out.old_note.present || out.old_note.offset != p->note_offset)
		r = BAD("the note is not where it was written");
	else if (pn_note_json(&out, page, &found, NULL, &inner) != PKGNOTE_OK)
		r = BAD("%s", inner.message);
	else if (strcmp(found, json) != 0)
		r = BAD("the note does not hold the metadata written");
	if (r == PKGNOTE_OK && (out.e_type != in->e_type || out.e_machine != in->e_machine))
		r = BAD("the ELF header changed");
	if (r == PKGNOTE_OK)
		r = check_page(&out, p, page, path, err);
	if (r == PKGNOTE_OK)
		r = check_loads(in, &out, p, p->shift, path, err);
	if (r == PKGNOTE_OK)
		r = check_sections(in, &out, p, path, err);
	if (r == PKGNOTE_OK)
		r = check_dynamic(in, &out, p, path, err);
	if (r == PKGNOTE_OK)
		r = check_trailing(in, &out, fd, path, err);
	free(found);
	pn_model_free(&out);
	return r;
}
