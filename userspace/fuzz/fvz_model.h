/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fuzzer's reference model of an arena: a plain per-page array over a
 * small window, holding for each page the range it belongs to and each
 * domain's rights there.  Every operation is a direct loop over pages, so it
 * is obviously right; the differential driver (fvz_diff.c) holds the core
 * to it.
 *
 * To reach large windows (up to 2^47 bytes) a model "page" may stand for a
 * unit of 2^shift real pages: the driver then only asks for spans, lengths
 * and windows that are whole units (or invalid anyway), and every boundary
 * the core creates falls on a unit.
 */
#ifndef _FLATVM_FVZ_MODEL_H
#define _FLATVM_FVZ_MODEL_H

#include "fv_core.h"

#define FVZ_MAX_UNITS	4096
#define FVZ_NDOM	4

struct fvz_model {
	u64 base;			/* first page number, a unit multiple */
	u64 n;				/* units in the window */
	unsigned int shift;		/* a unit is 2^shift pages */
	u64 next_rid;			/* model range ids start at 1 */
	u64 rid[FVZ_MAX_UNITS];		/* 0: free */
	u8 rights[FVZ_MAX_UNITS][FVZ_NDOM];
};

/* What the model says about one unit (fv_lookup()/fv_rights() terms). */
struct fvz_page_info {
	u64 rid;
	u64 ext_first, ext_n;		/* window-relative unit numbers */
	u32 nholders;
};

/* Counters as fv_stats() reports them (bytes; domain counters in pages). */
struct fvz_model_stats {
	u64 free_bytes, largest_free, nfree, nextents, nholders;
	u64 dom_npages[FVZ_NDOM], dom_nholds[FVZ_NDOM];
};

void fvz_model_init(struct fvz_model *m, u64 base_page, u64 nunits,
		    unsigned int shift);

/*
 * A span in bytes as the core sees it: 0 and the window-relative first unit
 * and unit count, or -EINVAL; -EDOM for a valid span that is not whole
 * units (the driver never asks for one).
 */
int fvz_model_span(const struct fvz_model *m, u64 addr, u64 len,
		   u64 *first, u64 *n);

/* fv_alloc() argument check: 0 or -EINVAL. */
int fvz_model_alloc_args(u64 len, u64 align, u32 rights);
/* 1 when a free run of @n units aligned to @align bytes (0: none) exists. */
u64 fvz_model_lowest_fit(const struct fvz_model *m, u64 n, u64 align);
/* Give units [first, first + n) to domain @d as a new range; its id. */
u64 fvz_model_alloc(struct fvz_model *m, unsigned int d, u64 first, u64 n,
		    u32 rights);

int fvz_model_share(struct fvz_model *m, unsigned int from, unsigned int to,
		    u64 addr, u64 len, u32 rights);
/* @freed[p] is set for each unit that went back to the free pool. */
int fvz_model_release(struct fvz_model *m, unsigned int d, u64 addr, u64 len,
		      u8 *freed);
void fvz_model_release_all(struct fvz_model *m, unsigned int d, u8 *freed);
int fvz_model_holds_all(const struct fvz_model *m, unsigned int d, u64 addr,
			u64 len, u32 rights);
int fvz_model_rights_cover(const struct fvz_model *m, unsigned int from,
			   unsigned int to, u64 addr, u64 len);

/* Unit @p (window-relative) is used: its range and extent. */
void fvz_model_page(const struct fvz_model *m, u64 p,
		    struct fvz_page_info *info);
/* The run of units of @p's range around used unit @p. */
void fvz_model_piece(const struct fvz_model *m, u64 p, u64 *first, u64 *n);
void fvz_model_stats(const struct fvz_model *m,
		     struct fvz_model_stats *st);

#endif /* _FLATVM_FVZ_MODEL_H */
