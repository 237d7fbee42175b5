/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The reference model of an arena, shared by the core's test cases (KUnit
 * and host) and the differential fuzzer (userspace/fuzz): a plain per-unit
 * array over a small window holding, for each unit, the id of the range it
 * belongs to (the core's own id, adopted when the core allocates it) and
 * each domain's rights there.  Every operation is a direct loop over
 * units, so it is obviously right.
 *
 * To reach large windows a model unit may stand for 2^shift real pages:
 * the callers then only ask for spans, lengths and windows that are whole
 * units (or invalid anyway), and every boundary the core creates falls on
 * a unit.
 *
 * fvt_model_compare() holds a core arena to the model through the public
 * API only (fv_check(), fv_stats(), fv_lookup(), fv_rights(),
 * fv_range_piece(), fv_walk() and fv_seg_holder()) and says what differs
 * first.
 */
#ifndef _FLATVM_FVT_MODEL_H
#define _FLATVM_FVT_MODEL_H

#include "fv_core.h"

#define FVT_MODEL_UNITS	4096
#define FVT_MODEL_NDOM	4

/**
 * struct fvt_model - an arena, unit by unit.
 * @base:	first page number of the window, a unit multiple.
 * @n:		units in the window.
 * @shift:	a unit is 2^@shift pages.
 * @rid:	the core's id of the range holding each unit, 0 when free.
 * @rights:	each domain's rights on each unit (FV_OWNER included).
 */
struct fvt_model {
	u64 base;
	u64 n;
	unsigned int shift;
	u64 rid[FVT_MODEL_UNITS];
	u8 rights[FVT_MODEL_UNITS][FVT_MODEL_NDOM];
};

/* What the model says about one used unit (fv_lookup() terms). */
struct fvt_model_page {
	u64 rid;
	u64 ext_first;		/* window-relative unit numbers */
	u64 ext_n;
	u32 nholders;
};

/* Counters as fv_stats() reports them (bytes; domain counters in pages). */
struct fvt_model_stats {
	u64 free_bytes, largest_free, nfree, nextents, nholders;
	u64 dom_npages[FVT_MODEL_NDOM];
	u64 dom_nholds[FVT_MODEL_NDOM];
};

void fvt_model_init(struct fvt_model *m, u64 base_page, u64 nunits,
		    unsigned int shift);

/*
 * A span in bytes as the core sees it: 0 and the window-relative first
 * unit and unit count, or -EINVAL; -EDOM for a valid span that is not
 * whole units (callers never ask for one).
 */
int fvt_model_span(const struct fvt_model *m, u64 addr, u64 len, u64 *first,
		   u64 *n);
/* First byte of unit @p; bytes in @n units. */
u64 fvt_model_addr(const struct fvt_model *m, u64 p);
u64 fvt_model_bytes(const struct fvt_model *m, u64 n);

/* fv_alloc()'s argument check: 0 or -EINVAL. */
int fvt_model_alloc_args(u64 len, u64 align, u32 rights);
/*
 * The lowest free run of @n units whose first page is a multiple of
 * @align bytes (0: any): 1 + its first unit, or 0 when there is none.
 */
u64 fvt_model_lowest_fit(const struct fvt_model *m, u64 n, u64 align);
/* Units [first, first + n) become range @range, held by @d alone. */
void fvt_model_alloc(struct fvt_model *m, unsigned int d, u64 first, u64 n,
		     u32 rights, u64 range);

int fvt_model_share(struct fvt_model *m, unsigned int from, unsigned int to,
		    u64 addr, u64 len, u32 rights);
/* @freed[p] is set for each unit that went back to the free pool. */
int fvt_model_release(struct fvt_model *m, unsigned int d, u64 addr, u64 len,
		      u8 *freed);
void fvt_model_release_all(struct fvt_model *m, unsigned int d, u8 *freed);
/* Drop @d's hold on the extent holding unit @p (the whole extent). */
void fvt_model_drop_extent(struct fvt_model *m, unsigned int d, u64 p,
			   u8 *freed);
int fvt_model_holds_all(const struct fvt_model *m, unsigned int d, u64 addr,
			u64 len, u32 rights);
int fvt_model_rights_cover(const struct fvt_model *m, unsigned int from,
			   unsigned int to, u64 addr, u64 len);

/* Unit @p (window-relative) is used: its range and extent. */
void fvt_model_page(const struct fvt_model *m, u64 p,
		    struct fvt_model_page *info);
/* The run of units of @p's range around used unit @p. */
void fvt_model_piece(const struct fvt_model *m, u64 p, u64 *first, u64 *n);
void fvt_model_stats(const struct fvt_model *m, struct fvt_model_stats *st);

/*
 * The core reported [addr, addr + len) of range @range back in the free
 * pool, before the model applied the operation: whole units of the window,
 * of that range, each reported once (@seen marks them).  0, or 1 with the
 * reason in @msg.
 */
int fvt_model_check_released(const struct fvt_model *m, u64 addr, u64 len,
			     u64 range, u8 *seen, char *msg, size_t size);
/* The units the core reported (@seen) are those the model freed. */
int fvt_model_compare_freed(const struct fvt_model *m, const u8 *seen,
			    const u8 *freed, char *msg, size_t size);
/*
 * One look-up at any address against the model: fv_lookup(), fv_rights()
 * of @dom (model domain @d), fv_range_piece().  0, or 1 with the
 * difference in @msg.
 */
int fvt_model_check_lookup(const struct fvt_model *m, struct fv_arena *a,
			   u64 addr, char *msg, size_t size);
int fvt_model_check_rights(const struct fvt_model *m, struct fv_arena *a,
			   struct fv_domain *dom, unsigned int d, u64 addr,
			   char *msg, size_t size);
int fvt_model_check_piece(const struct fvt_model *m, struct fv_arena *a,
			  u64 addr, char *msg, size_t size);
/*
 * The whole state of @a (whose domains are @doms[0..FVT_MODEL_NDOM - 1])
 * against the model: fv_check(), the stats, the domains' counters, the
 * look-ups at both ends of every extent and free run and, when @deep, at
 * every unit, range pieces, and fv_walk() with every holder.  0, or 1 with
 * the first difference in @msg.
 */
int fvt_model_compare(const struct fvt_model *m, struct fv_arena *a,
		      struct fv_domain *const *doms, bool deep, char *msg,
		      size_t size);

#endif /* _FLATVM_FVT_MODEL_H */
