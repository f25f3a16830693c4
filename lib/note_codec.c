/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "note_codec.h"

#define NOTE_HEADER 12
#define OWNER_SIZE 4 /* "FDO" and its NUL */

static size_t align_up4(size_t v)
{
	return (v + 3) & ~(size_t)3;
}

size_t pn_note_record_size(size_t json_len)
{
	return NOTE_HEADER + OWNER_SIZE + align_up4(json_len + 1);
}

static void put32(unsigned char *p, uint32_t v, int elf_data)
{
	for (int i = 0; i < 4; i++) {
		int shift = elf_data == ELFDATA2MSB ? 24 - 8 * i : 8 * i;
		p[i] = (unsigned char)(v >> shift);
	}
}

static uint32_t get32(const unsigned char *p, int elf_data)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		int shift = elf_data == ELFDATA2MSB ? 24 - 8 * i : 8 * i;
		v |= (uint32_t)p[i] << shift;
	}
	return v;
}

enum pkgnote_status pn_note_encode(const char *json, int elf_data, unsigned char **out,
				   size_t *out_len, struct pkgnote_error *err)
{
	if (elf_data != ELFDATA2LSB && elf_data != ELFDATA2MSB)
		return pn_fail(err, PKGNOTE_BAD_ELF, NULL, "unknown ELF byte order %d", elf_data);
	size_t json_len = strlen(json);
	if (json_len > PKGNOTE_JSON_MAX)
		return pn_fail(err, PKGNOTE_BAD_JSON, NULL,
			       "metadata is %zu bytes, more than the %d allowed",
			       json_len, PKGNOTE_JSON_MAX);
	size_t size = pn_note_record_size(json_len);
	unsigned char *buf = calloc(1, size);
	if (buf == NULL)
		return pn_fail_errno(err, PKGNOTE_IO, ENOMEM, NULL, "cannot allocate the note");
	/* n_descsz is the gABI size: the text and its NUL, not the padding,
	 * which is what lld 16 and gold write. */
	put32(buf, OWNER_SIZE, elf_data);
	put32(buf + 4, (uint32_t)(json_len + 1), elf_data);
	put32(buf + 8, PKGNOTE_NOTE_TYPE, elf_data);
	memcpy(buf + NOTE_HEADER, PKGNOTE_NOTE_OWNER, OWNER_SIZE);
	memcpy(buf + NOTE_HEADER + OWNER_SIZE, json, json_len);
	*out = buf;
	*out_len = size;
	return PKGNOTE_OK;
}

int pn_note_parse(const unsigned char *buf, size_t len, int elf_data,
		  size_t align, struct pn_note_view *out)
{
	if (len < NOTE_HEADER)
		return -1;
	uint32_t namesz = get32(buf, elf_data);
	uint32_t descsz = get32(buf + 4, elf_data);
	size_t a = align == 8 ? 8 : 4;
	/* 64-bit arithmetic: 32-bit sizes cannot overflow it. */
	uint64_t name_end = NOTE_HEADER + (((uint64_t)namesz + a - 1) & ~(uint64_t)(a - 1));
	uint64_t desc_end = name_end + (((uint64_t)descsz + a - 1) & ~(uint64_t)(a - 1));
	if (NOTE_HEADER + (uint64_t)namesz > len || name_end + descsz > len)
		return -1;
	out->type = get32(buf + 8, elf_data);
	out->name = (const char *)buf + NOTE_HEADER;
	out->namesz = namesz;
	out->desc = buf + name_end;
	out->descsz = descsz;
	out->record_size = desc_end > len ? len : (size_t)desc_end;
	return 0;
}

uint32_t pn_note_type_at(const unsigned char *buf, int elf_data)
{
	return get32(buf + 8, elf_data);
}

int pn_note_is_package(const struct pn_note_view *n)
{
	return n->type == PKGNOTE_NOTE_TYPE && n->namesz == OWNER_SIZE &&
	       memcmp(n->name, PKGNOTE_NOTE_OWNER, OWNER_SIZE) == 0;
}

long pn_note_json_len(const struct pn_note_view *n)
{
	const void *nul = memchr(n->desc, '\0', n->descsz);
	if (nul == NULL)
		return -1;
	return (const unsigned char *)nul - n->desc;
}
