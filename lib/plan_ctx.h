/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the planner's steps share: the analysed input (ctx), the sections
 * one attempt moves (moveset) and where it put the table and the note
 * (placement).  Internal to layout_plan.c, plan_place.c and plan_build.c.
 */
#ifndef PKGNOTE_PLAN_CTX_H
#define PKGNOTE_PLAN_CTX_H

#include "free_space.h"
#include "layout_plan.h"

/* A block of page 1 that may shift within page 1: .interp or notes, wholly
 * described by PT_INTERP, PT_NOTE and PT_GNU_PROPERTY segments. */
struct unit {
	uint64_t start, end, align;
	int join;                    /* base PT_NOTE ending the unit, 4-aligned, or -1 */
};

/* A block of page 1 that only one dynamic entry points at, so it may move
 * anywhere: a section, or (without section headers) what the dynamic
 * table says lies there. */
struct pn_cand {
	uint64_t offset, addr, size, align;
	long dyn_index;
};

/* The ways to fit table and note (plan_place.c) an attempt may take.
 * Choosing what moves with a larger note than asked (so that a longer
 * JSON later finds room where the note is) only works when the note is
 * then placed the same way. */
enum pn_ways {
	PN_WAYS_ALL,                 /* join, new note, repack, relocate */
	PN_WAYS_KEEP,                /* all but relocate */
	PN_WAYS_RELOCATE,            /* relocate only */
};

struct ctx {
	const struct pn_model *m;
	const struct pn_plan_request *req;
	uint64_t page;               /* the page-1 limit */
	size_t l0;                   /* index of L0 (the PT_LOAD at offset 0) in base */
	uint64_t ext_end;            /* L0 may cover the file up to here */
	uint64_t load_align;         /* largest p_align of the PT_LOADs */
	uint64_t es, talign;         /* program header entry size and alignment */
	struct pn_segment *base;     /* program headers without the old note
					and without PT_NULL entries */
	size_t nbase;
	size_t nspare;               /* PT_NULL entries: slots new headers may take */
	struct pn_space free0;       /* free bytes of L0 before any move */
	struct pn_cand regions[PN_MAX_MOVES]; /* dynamic blocks, without section headers */
	size_t nregions;
	struct pn_cand cand[PN_MAX_MOVES]; /* what may leave page 1, by offset */
	size_t ncand;
	struct unit units[PN_MAX_UNITS]; /* shiftable blocks: first the run right
					    after the table, then blocks of notes
					    elsewhere in page 1 */
	size_t nunits;
	size_t ncontig;              /* how many units form that run */
	long tail_load;              /* base index of a last PT_LOAD that may grow, or -1 */
	bool move_sht;               /* the section header table leaves L0 */
	struct pn_trailing trail;    /* the end of the ELF contents, and the
					trailing data past it (size 0: none) */
	enum pn_ways ways;           /* which ways of plan_place.c to try */
};

#define PN_ALL_MOVES (PN_MAX_MOVES + PN_MAX_UNITS)

struct moveset {
	struct pn_move mv[PN_ALL_MOVES];
	uint64_t align[PN_ALL_MOVES];  /* alignment of what moves */
	bool to_load[PN_ALL_MOVES];    /* goes to the new PT_LOAD at the end */
	size_t n;
};

struct placement {
	uint64_t phoff;
	size_t phnum;
	uint64_t note_offset;
	int join;                    /* base index of the PT_NOTE joined, or -1 */
	bool note_in_new_load;
};

static inline uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static inline uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Entries of the new table when nt headers are in use: spare PT_NULL
 * slots that new headers did not take stay in it, so the table only grows
 * when they run out. */
static inline size_t pn_table_len(const struct ctx *c, size_t nt)
{
	return max_u64(nt, c->nbase + c->nspare);
}

/* plan_analyse.c: fill c from c->m and c->req (steps 1 and 2). */
enum pkgnote_status pn_analyse(struct ctx *c, struct pkgnote_error *err);
void pn_ctx_free(struct ctx *c);
/* Index of the one dynamic entry pointing at section s, or -1 when s may
 * not move. */
long pn_movable_dyn_index(const struct ctx *c, const struct pn_section *s);

/* plan_place.c: fit table and note in free space f; k_load is 1 when a new
 * PT_LOAD needs a program header.  Each returns 1 when it fits, 0 when it
 * cannot, -1 when memory runs out. */
int pn_try_join(const struct ctx *c, const struct pn_space *f, size_t k_load,
		struct placement *p);
int pn_try_new_note(const struct ctx *c, const struct pn_space *f, size_t k_load,
		    bool note_outside, struct placement *p);
/* Shift the units after the table to let it grow in place; adds their
 * moves to ms. */
int pn_try_repack(const struct ctx *c, const struct pn_space *f, size_t k_load,
		  bool note_outside, struct placement *p, struct moveset *ms);
/* Move the units the grown table covers, and a block of notes the note
 * joins, to free space anywhere in page 1; adds their moves to ms. */
int pn_try_relocate(const struct ctx *c, const struct pn_space *f, size_t k_load,
		    bool note_outside, struct placement *p, struct moveset *ms);

/* plan_prepend.c: a new first page below the lowest PT_LOAD (ET_EXEC). */
enum pkgnote_status pn_can_prepend(const struct ctx *c, bool *can, struct pkgnote_error *err);
/* How far the input's bytes move behind the new page. */
uint64_t pn_prepend_shift(const struct ctx *c);
enum pkgnote_status pn_plan_prepend(const struct ctx *c, struct pn_plan *plan,
				    struct pkgnote_error *err);

/* plan_build.c */
/* The section header side: reuse the old note's header or add one (the
 * table is then rewritten), and find or add its name in .shstrtab. */
void pn_plan_sections(const struct ctx *c, struct pn_plan *plan);
/* The grown .shstrtab and the rewritten section header table, laid out
 * from file offset `cur` as the plan asks for them; returns their end. */
uint64_t pn_plan_section_tail(const struct ctx *c, struct pn_plan *plan, uint64_t cur);
enum pkgnote_status pn_build_plan(const struct ctx *c, const struct placement *pl,
				  struct moveset *ms, struct pn_plan *plan,
				  struct pkgnote_error *err);
enum pkgnote_status pn_plan_in_place(const struct ctx *c, struct pn_plan *plan,
				     struct pkgnote_error *err);

#endif
