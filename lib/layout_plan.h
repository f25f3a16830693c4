/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The layout planner: from a model of the input and the size of the note,
 * decide where every new or moved byte goes.  Pure: no I/O, so unit tests
 * feed it hand-made models.
 */
#ifndef PKGNOTE_LAYOUT_PLAN_H
#define PKGNOTE_LAYOUT_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "pkgnote.h"

#define PN_MAX_MOVES 16
#define PN_MAX_UNITS 8
#define PN_MAX_ZERO (PN_MAX_MOVES + PN_MAX_UNITS + 4)

struct pn_plan_request {
	uint64_t note_size;          /* bytes of the note record */
	uint64_t page_size;          /* the region that must hold the note */
	bool allow_outside_page;
};

/*
 * A range of bytes that moves: a section that leaves page 1 (with the one
 * dynamic entry that points at it, or PN_MOVE_NO_DYN), or a block of notes
 * or .interp shifted within page 1 (PN_MOVE_SHIFT).  Sections and segments wholly inside the
 * range, and symbols defined in those sections, move with it.
 */
/* dyn_index of a block shifted within page 1, and of a block that leaves
 * its place with no dynamic entry to rewrite (MIPS's .MIPS.options). */
#define PN_MOVE_SHIFT (-1L)
#define PN_MOVE_NO_DYN (-2L)

/* A moved section of PN_SHARE_MIN bytes or more keeps its offset within a
 * block of PN_SHARE_BLOCK bytes (the usual block of file systems that share
 * extents), so that its whole blocks can be shared with the input rather
 * than written again.  A constant: the output may not depend on where it is
 * written. */
#define PN_SHARE_BLOCK 4096
#define PN_SHARE_MIN (4 * PN_SHARE_BLOCK)

struct pn_move {
	long dyn_index;
	uint64_t old_offset, old_addr, size;
	uint64_t new_offset, new_addr;
};

struct pn_zero {
	uint64_t offset, size;
};

struct pn_plan {
	/* The note record. */
	uint64_t note_offset, note_vaddr, note_size;
	bool in_place;               /* same slot and size as the old note */
	bool outside_page;           /* placed past page 1 (allowed by request) */

	/* The complete new program header table. */
	uint64_t phoff;
	size_t phnum;
	struct pn_segment *phdrs;

	/* Page-1 bytes that fall free and are cleared. */
	struct pn_zero zero[PN_MAX_ZERO];
	size_t nzero;

	struct pn_move moves[PN_MAX_MOVES + PN_MAX_UNITS];
	size_t nmoves;

	/* Section headers (all zero when the file has none). */
	size_t note_section;         /* index of .note.package */
	bool add_section;            /* that index is new: the table grows */
	uint32_t note_name_off;
	bool shstr_append;           /* .shstrtab written anew at shstr_offset,
					with the name when shstr_size says so */
	uint64_t shstr_offset, shstr_size;
	bool sht_rewrite;            /* the whole table written at shoff */
	uint64_t shoff;              /* where the table is (re)written */
	size_t shnum;
	/* With trailing data the table may not grow, so the note gets no
	 * header of its own: a 4-aligned note section that ends where the
	 * note starts is widened over it (readelf -n lists notes by section),
	 * and one widened over an old note that moves away is narrowed back.
	 * New sizes of existing section headers. */
	struct pn_resize {
		size_t section;
		uint64_t size;
	} resize[2];
	size_t nresize;

	/* Moved sections past the end of the file: in a new loadable segment,
	 * or in the last one when an earlier stamp made it (grow_load >= 0,
	 * its index in the input's program headers). */
	bool new_load;
	long grow_load;
	uint64_t load_offset, load_vaddr, load_size;

	/* The input's bytes start at this offset of the output: nonzero when
	 * a new first page is put in front of them (plan_prepend.c).  All
	 * offsets of the plan are offsets in the output. */
	uint64_t shift;

	/* The output is the input cut at truncate_at, plus what is appended,
	 * file_size bytes in all. */
	uint64_t truncate_at;
	uint64_t file_size;
};

enum pkgnote_status pn_plan_layout(const struct pn_model *m, const struct pn_plan_request *req,
				   struct pn_plan *plan, struct pkgnote_error *err);
void pn_plan_free(struct pn_plan *plan);

/* The move that carries section s along, or NULL. */
const struct pn_move *pn_plan_move_of(const struct pn_plan *plan, const struct pn_section *s);

#endif
