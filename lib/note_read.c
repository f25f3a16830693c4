/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elf_model.h"
#include "error.h"
#include "io_util.h"
#include "note_codec.h"
#include "note_read.h"
#include "struct_size.h"

/* The info as the first release defined it (later members are appended). */
#define INFO_MIN PN_SIZE_TO(struct pkgnote_note_info, in_pt_note)

enum pkgnote_status pn_note_json(const struct pn_model *m, uint64_t page_size, char **json,
				 struct pkgnote_note_info *info, struct pkgnote_error *err)
{
	const struct pn_old_note *o = &m->old_note;
	if (!o->present)
		return pn_fail(err, PKGNOTE_NO_NOTE, m->path, "no package metadata note");
	unsigned char *buf = malloc(o->record_size);
	if (buf == NULL)
		return pn_fail_errno(err, PKGNOTE_IO, ENOMEM, m->path, "reading the note");
	enum pkgnote_status r = PKGNOTE_OK;
	struct pn_note_view n;
	long len;
	if (pn_pread_full(m->fd, buf, o->record_size, o->offset) != 0) {
		r = pn_fail_errno(err, PKGNOTE_IO, errno, m->path, "cannot read the note");
	} else if (pn_note_parse(buf, o->record_size, m->elf_data, 4, &n) != 0 ||
		   (len = pn_note_json_len(&n)) < 0) {
		r = pn_fail(err, PKGNOTE_BAD_ELF, m->path, "package note is malformed (no NUL-terminated text)");
	} else {
		*json = strndup((const char *)n.desc, (size_t)len);
		if (*json == NULL)
			r = pn_fail_errno(err, PKGNOTE_IO, ENOMEM, m->path, "reading the note");
	}
	free(buf);
	if (r != PKGNOTE_OK || info == NULL)
		return r;

	uint64_t page = page_size ? page_size : PKGNOTE_DEFAULT_PAGE_SIZE;
	*info = (struct pkgnote_note_info){ .size = sizeof *info, .offset = o->offset,
					    .record_size = o->record_size,
					    .in_pt_note = o->segment >= 0 };
	info->in_first_page = pn_old_note_in_page1(m, page);
	return PKGNOTE_OK;
}

enum pkgnote_status pkgnote_read_file(const char *path, uint64_t page_size, char **json,
				      struct pkgnote_note_info *info, struct pkgnote_error *err)
{
	enum pkgnote_status r;
	uint64_t size;
	struct pkgnote_note_info found;

	*json = NULL;
	if (info != NULL &&
	    (r = pn_struct_out_check(info, INFO_MIN, "pkgnote_note_info", err)) != PKGNOTE_OK)
		return r;
	int fd = pn_open_regular(path, true, &size, err, &r);
	if (fd < 0)
		return r;
	struct pn_model m;
	r = pn_model_read(fd, path, size, &m, err);
	if (r == PKGNOTE_OK) {
		r = pn_note_json(&m, page_size, json, &found, err);
		pn_model_free(&m);
	}
	close(fd);
	if (r == PKGNOTE_OK && info != NULL)
		pn_struct_out(info, &found, sizeof found);
	return r;
}
