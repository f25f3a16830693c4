/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * struct pkgnote_metadata: metadata that passed validation.  The only way
 * to make one is pkgnote_metadata_parse, and the stamping functions take
 * nothing else, so a caller cannot write a note that breaks the rules by
 * forgetting to check it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "note_codec.h"

struct pkgnote_metadata {
	char *json;		/* the compact form */
};

enum pkgnote_status pkgnote_metadata_parse(const char *text, size_t len, const char *what,
					   struct pkgnote_metadata **md, struct pkgnote_error *err)
{
	char *json = NULL;
	enum pkgnote_status st = pkgnote_json_compact(text, len, what, &json, err);

	*md = NULL;
	if (st != PKGNOTE_OK)
		return st;
	*md = malloc(sizeof **md);
	if (*md == NULL) {
		free(json);
		return pn_fail_errno(err, PKGNOTE_IO, ENOMEM, what, "cannot keep the metadata");
	}
	(*md)->json = json;
	return PKGNOTE_OK;
}

const char *pkgnote_metadata_json(const struct pkgnote_metadata *md)
{
	return md->json;
}

void pkgnote_metadata_free(struct pkgnote_metadata *md)
{
	if (md == NULL)
		return;
	free(md->json);
	free(md);
}

enum pkgnote_status pkgnote_note_encode(const struct pkgnote_metadata *md, int elf_data,
					unsigned char **out, size_t *out_len,
					struct pkgnote_error *err)
{
	if (md == NULL)
		return pn_fail(err, PKGNOTE_USAGE, NULL, "no metadata given");
	return pn_note_encode(md->json, elf_data, out, out_len, err);
}
