/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flatvm allocator core: the public API.
 *
 * The core keeps the books of one flat window of 4 KiB pages shared by many
 * holders ("domains", one per process in the module).  It is plain C with no
 * kernel headers: fv_compat.h maps its few needs (record allocation, a
 * mutex, a sequence counter, RCU, assertions) onto the kernel or onto libc,
 * so the same files build into flatvm.ko and into the host tests, fuzzer and
 * benchmark.
 *
 * Vocabulary:
 *   arena   a window [base, base + size) of pages.  Arenas are independent.
 *   segment a run of pages of the window, either free or used.  Segments
 *           tile the window; free segments are always coalesced.
 *   range   what one fv_alloc() returned, named by an id that is never
 *           reused; it lives as long as one of its pages is held.
 *   extent  a used segment: a maximal run of pages of one range with one
 *           holder set.  Extents are canonical: two neighbouring extents of
 *           the same range never have equal holder sets.
 *   domain  a holder (a process, in the module).
 *   hold    a domain's rights on one extent.
 *
 * Design (module/fv_tree.c, fv_holds.c, fv_arena.c): every segment is an
 * entry of one B+tree keyed by address whose branches carry free-space
 * summaries, so the look-up of an address, the search for free space
 * (lowest fit, exact for aligned requests) and the neighbours of a segment
 * are one descent.  An extent's first holder is stored in its entry; more
 * holders live in one small record per shared extent.  Each domain keeps
 * the start of every extent it holds in an array of slots, for exit.
 *
 * Locking: every public function except fv_lookup() and fv_rights() takes
 * arena->lock (a sleeping lock).  fv_lookup() and fv_rights() run without
 * it: writers bump arena->seq around every change of the tree and free the
 * records readers may reach only after an RCU grace period, so a reader
 * that sees an unchanged sequence saw a consistent tree.
 */
#ifndef _FLATVM_FV_CORE_H
#define _FLATVM_FV_CORE_H

#include "fv_compat.h"

#define FV_PAGE_SHIFT		12
#define FV_PAGE_SIZE		((u64)1 << FV_PAGE_SHIFT)
/* Largest window: the whole 47-bit user half of x86-64. */
#define FV_MAX_WINDOW_SHIFT	47
/* Largest alignment a caller may ask for: 1 GiB. */
#define FV_MAX_ALIGN_SHIFT	30

/* Rights a domain may hold on a page, and may give to another. */
#define FV_READ			0x1u
#define FV_WRITE		0x2u
#define FV_EXEC			0x4u
#define FV_RIGHTS_MASK		(FV_READ | FV_WRITE | FV_EXEC)
/*
 * Set by fv_alloc() on the allocating domain's hold and never given by
 * fv_share(): who allocated the pages.  fv_rights() reports it; it is the
 * authority a driver may require to take pages from other holders.
 */
#define FV_OWNER		0x8u

struct fv_node;

/**
 * struct fv_domain - a holder of pages (a process, in the module).
 * @id:		caller-chosen identifier, unique within the arena.
 * @idx:	index in the arena's domain table (1-based; 0 means none).
 * @nholds:	holds (extents held).
 * @npages:	pages held.
 * @slots:	directory of slot chunks: the first page of each extent held,
 *		or a free slot (see fv_holds.c).
 * @nchunks:	chunks in @slots.
 * @dir_cap:	room in @slots.
 * @free_slot:	first free slot on the chain + 1, 0 when none.
 * @nfree_slots: free slots (on the chain or never used).
 * @fresh:	slots below it have been used; those from it on are free and
 *		not chained (a new chunk costs no pass over its slots).
 * @cursor:	where fv_domain_release_some() goes on looking.
 *
 * Embedded by the caller; fv_domain_init() and fv_domain_release_all()
 * bracket its life.  Protected by the arena lock.
 */
struct fv_domain {
	u64 id;
	u32 idx;
	u32 nchunks;
	u64 nholds;
	u64 npages;
	u64 **slots;
	u32 dir_cap;
	u32 free_slot;
	u32 nfree_slots;
	u32 cursor;
	u32 fresh;
};

/**
 * struct fv_arena - one flat window.
 * @lock:	serialises every change (see fv_compat.h for its type).
 * @seq:	sequence counter bumped around changes of the tree.
 * @base:	first page number of the window.
 * @npages:	pages in the window.
 * @root:	the tree's root, a leaf when @height is 0.
 * @height:	levels of branches above the leaves.
 * @sum_fields:	the free-space summary fields the tree keeps: bit 0, the
 *		longest gap, always; bit j, the longest run aligned to 2^j
 *		pages, once an aligned search needed it (fv_tree.h).
 * @top:	first page of the top free run [top, base + npages), which
 *		the tree does not hold: the tree tiles [base, top) and its
 *		last segment is an extent.
 * @doms:	domain table (index -> domain); free entries are chained.
 * @ndoms_cap:	entries in @doms.
 * @dom_free:	first free index in @doms, 0 when none.
 * @spare:	nodes reserved for the next change (see fv_tree.c).
 * @nspare:	how many of each kind.
 * @next_range:	id of the next range allocated.
 * @free_pages, @nfree, @nused, @nholders, @ndomains: counters.
 * @meta_bytes:	bytes of records the arena holds (tree, holder sets, slots,
 *		domain table, spares).
 */
struct fv_arena {
	struct fv_lock lock;
	struct fv_seq seq;
	u64 base;
	u64 npages;
	struct fv_node *root;
	u32 height;
	u32 sum_fields;
	u64 top;
	struct fv_domain **doms;
	u32 ndoms_cap;
	u32 dom_free;
	struct fv_node *spare[2];
	u32 nspare[2];
	u64 next_range;
	u64 free_pages;
	u64 nfree;
	u64 nused;
	u64 nholders;
	u64 ndomains;
	u64 meta_bytes;
};

/**
 * fv_released_fn - told of each run of pages that went back to the free pool.
 * @ctx:	the caller's context.
 * @addr:	first byte address of the run.
 * @len:	length in bytes.
 * @range:	id of the range the pages belonged to.
 *
 * Called under the arena lock, outside the sequence write section (it may
 * sleep), after the operation can no longer fail; it must not call back
 * into the arena.
 */
typedef void (*fv_released_fn)(void *ctx, u64 addr, u64 len, u64 range);

/**
 * struct fv_lookup_result - what fv_lookup() and fv_rights() found.
 * @range:	id of the range holding the address.
 * @ext_start:	first byte of the extent holding the address.
 * @ext_len:	its length in bytes.
 * @nholders:	how many domains hold the page.
 * @rights:	(fv_rights() only) the domain's rights there, FV_OWNER
 *		included.
 */
struct fv_lookup_result {
	u64 range;
	u64 ext_start;
	u64 ext_len;
	u32 nholders;
	u32 rights;
};

/**
 * struct fv_stats - a snapshot of an arena's counters.
 */
struct fv_stats {
	u64 window_bytes;
	u64 free_bytes;
	u64 largest_free;
	u64 nfree;		/* free segments */
	u64 nextents;		/* used segments */
	u64 nholders;		/* holds */
	u64 ndomains;
	u64 metadata_bytes;	/* records of the arena */
};

/**
 * struct fv_seg - what fv_walk() shows of one segment.
 * @start:	first page number.
 * @npages:	pages.
 * @used:	1 for an extent, 0 for free space.
 * @nholders:	extents: holders (read them with fv_seg_holder()).
 * @range:	extents: id of the range.
 * @priv:	for fv_seg_holder().
 */
struct fv_seg {
	u64 start;
	u64 npages;
	u32 used;
	u32 nholders;
	u64 range;
	const void *priv;
};

/*
 * Semantics (byte addresses and lengths; every error leaves the arena as it
 * was; argument errors are reported before state errors):
 *
 * fv_arena_init()   base and size page-aligned, 0 < size <= 2^47, no
 *                   wrap-around: else -EINVAL.  -ENOMEM.
 * fv_arena_destroy() frees everything; domains must be released first.
 * fv_domain_init()  registers @d (empty) with @a.  -ENOMEM.
 * fv_domain_release_all() releases every page @d holds and unregisters it.
 * fv_domain_release_some() releases at most @budget of @d's holds; returns
 *                   1 when holds remain, 0 when none does (@d stays
 *                   registered): for callers that must not hold the lock
 *                   long.
 * fv_alloc()        @len a non-zero page multiple, @align 0 or a power of two
 *                   from FV_PAGE_SIZE to 1 GiB, @rights a non-zero subset of
 *                   FV_RIGHTS_MASK: else -EINVAL.  No free run fits: -ENOSPC.
 *                   Never fails while a fitting aligned free run exists, and
 *                   costs O(log n): the lowest free segment of @len + @align
 *                   - 1 bytes or more is taken (vmalloc's lowest fit), else
 *                   the lowest run that fits aligned.
 *                   @d holds the new range whole with @rights | FV_OWNER.
 * fv_share()        @from gives @to a hold on [addr, addr + len) with @rights.
 *                   -EINVAL: bad span, bad rights (FV_OWNER included),
 *                   @from == @to.
 *                   -ENOENT: @from does not hold every page of the span.
 *                   -EINVAL: the span crosses two ranges.
 *                   -EACCES: @rights exceed @from's rights on some page.
 *                   -EEXIST: @to already holds a page of the span.
 * fv_release()      drops what @d holds in [addr, addr + len); pages nobody
 *                   holds any more go back to the free pool and are passed
 *                   to @fn.  -EINVAL: bad span.  -ENOENT: @d holds none of it.
 * fv_release_nofail() the same for callers that cannot fail (vm_ops->close):
 *                   the records splitting an extent needs are allocated
 *                   without failing (__GFP_NOFAIL), so never -ENOMEM.
 * fv_lookup()       the extent holding @addr.  -ENOENT: free or outside.
 * fv_rights()       the same, with @d's rights.  -ENOENT: @d does not hold it.
 * fv_range_piece()  the run of extents of the same range around @addr (a
 *                   range whose middle was released is in pieces): its first
 *                   byte and length.  -ENOENT: free or outside.
 * fv_holds_all()    0 when @d holds every page of the span with at least
 *                   @rights (FV_OWNER may be asked for); -EINVAL bad span,
 *                   -ENOENT a page not held, -EACCES a page held with fewer
 *                   rights.
 * fv_rights_cover() 1 when on every page @to holds in the span @from holds
 *                   at least @to's rights (so may take it away), else 0;
 *                   -EINVAL bad span.  Nobody covers the owner.
 * fv_walk()         calls @fn on every segment in address order under the
 *                   arena lock (for debugfs); stops at @fn's first non-zero
 *                   return and returns it.
 * A bad span is: unaligned address or length, zero length, wrap-around, or
 * not inside the window.  -ENOMEM (metadata) may come from any function that
 * changes the arena, and then nothing changed.
 */
int fv_arena_init(struct fv_arena *a, u64 base, u64 size);
void fv_arena_destroy(struct fv_arena *a);

int fv_domain_init(struct fv_arena *a, struct fv_domain *d, u64 id);
void fv_domain_release_all(struct fv_arena *a, struct fv_domain *d,
			   fv_released_fn fn, void *ctx);
int fv_domain_release_some(struct fv_arena *a, struct fv_domain *d,
			   u64 budget, fv_released_fn fn, void *ctx);

int fv_alloc(struct fv_arena *a, struct fv_domain *d, u64 len, u64 align,
	     u32 rights, u64 *addr);
int fv_share(struct fv_arena *a, struct fv_domain *from, struct fv_domain *to,
	     u64 addr, u64 len, u32 rights);
int fv_release(struct fv_arena *a, struct fv_domain *d, u64 addr, u64 len,
	       fv_released_fn fn, void *ctx);
int fv_release_nofail(struct fv_arena *a, struct fv_domain *d, u64 addr,
		      u64 len, fv_released_fn fn, void *ctx);
int fv_lookup(struct fv_arena *a, u64 addr, struct fv_lookup_result *res);
int fv_rights(struct fv_arena *a, struct fv_domain *d, u64 addr,
	      struct fv_lookup_result *res);
int fv_range_piece(struct fv_arena *a, u64 addr, u64 *start, u64 *len);
int fv_holds_all(struct fv_arena *a, struct fv_domain *d, u64 addr, u64 len,
		 u32 rights);
int fv_rights_cover(struct fv_arena *a, struct fv_domain *from,
		    struct fv_domain *to, u64 addr, u64 len);
void fv_stats(struct fv_arena *a, struct fv_stats *st);
int fv_walk(struct fv_arena *a, int (*fn)(void *ctx, const struct fv_seg *seg),
	    void *ctx);
/* The @i-th holder (0 <= i < seg->nholders) of a segment fv_walk() shows. */
void fv_seg_holder(const struct fv_arena *a, const struct fv_seg *seg, u32 i,
		   u64 *dom_id, u32 *rights);

/* Invariant checker: returns 0 or -EUCLEAN, reporting through fv_report(). */
int fv_check(struct fv_arena *a);

#endif /* _FLATVM_FV_CORE_H */
