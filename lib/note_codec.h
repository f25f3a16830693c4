/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef PKGNOTE_NOTE_CODEC_H
#define PKGNOTE_NOTE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "pkgnote.h"

/*
 * Encode the note record (header, owner, descriptor, padding) for `json`
 * in the given byte order (ELFDATA2LSB or ELFDATA2MSB).  *out is malloc'd.
 * The text is written as given: callers pass validated metadata
 * (pkgnote_metadata_json), tests any text.
 */
enum pkgnote_status pn_note_encode(const char *json, int elf_data, unsigned char **out,
				   size_t *out_len, struct pkgnote_error *err);

/* Bytes of a note record holding `json_len` bytes of JSON (NUL added). */
size_t pn_note_record_size(size_t json_len);

/* One note record as found in a PT_NOTE or SHT_NOTE area. */
struct pn_note_view {
	uint32_t type;
	const char *name;            /* not necessarily NUL-terminated */
	uint32_t namesz;
	const unsigned char *desc;
	uint32_t descsz;
	size_t record_size;          /* header + padded name + padded desc */
};

/*
 * Decode the note record at the start of buf[0..len) in byte order
 * `elf_data`, with name and descriptor padded to `align` (4 or 8).
 * Returns 0 on success, -1 when the record does not fit in len.
 */
int pn_note_parse(const unsigned char *buf, size_t len, int elf_data,
		  size_t align, struct pn_note_view *out);

/* The n_type word of the note header at buf (len >= 12), whatever its sizes
 * say: a record that does not fit may still tell what it claims to be. */
uint32_t pn_note_type_at(const unsigned char *buf, int elf_data);

/* True when the record is a package metadata note. */
int pn_note_is_package(const struct pn_note_view *n);

/*
 * Extract the JSON text of a package note: the descriptor up to its first
 * NUL (linkers disagree on whether n_descsz counts the padding).  Returns
 * the length, or -1 when the descriptor holds no NUL-terminated text.
 */
long pn_note_json_len(const struct pn_note_view *n);

#endif
