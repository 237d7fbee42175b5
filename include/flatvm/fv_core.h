/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flatvm allocator core: the public API.
 *
 * The core keeps the books of one flat window of 4 KiB pages shared by many
 * holders ("domains", one per process in the module).  It is plain C with no
 * kernel headers: fv_compat.h maps its few needs (allocation, a mutex, a
 * sequence counter, assertions) onto the kernel or onto libc, so the same
 * files build into flatvm.ko and into the host tests and benchmarks.
 *
 * Vocabulary:
 *   arena   a window [base, base + size) of pages, its free-space index and
 *           its segment tree.  Arenas are independent of each other.
 *   segment a run of pages of the window, either free or used.  Segments tile
 *           the window; free segments are always coalesced.
 *   range   what one fv_alloc() returned, named by an id that is never
 *           reused; it lives as long as one of its pages is held.
 *   extent  a used segment: a maximal run of pages of one range with one
 *           holder set.  Extents are canonical: two neighbouring extents of
 *           the same range never have equal holder sets.
 *   domain  a holder.  Each domain indexes the pages it holds by address.
 *   holder  one record per (extent, domain): the domain's rights there.
 *
 * Locking: every public function except fv_lookup() takes arena->lock (a
 * sleeping lock).  fv_lookup() runs without it: writers bump arena->seq
 * around every change of the segment tree and segments are freed in a way
 * that keeps their memory type-stable (SLAB_TYPESAFE_BY_RCU in the kernel),
 * so a reader that sees an unchanged sequence saw a consistent tree.
 */
#ifndef _FLATVM_FV_CORE_H
#define _FLATVM_FV_CORE_H

#include "fv_compat.h"
#include "fv_rbtree.h"

#define FV_PAGE_SHIFT		12
#define FV_PAGE_SIZE		((u64)1 << FV_PAGE_SHIFT)
/* Largest window: the whole 47-bit user half of x86-64. */
#define FV_MAX_WINDOW_SHIFT	47
/* Largest alignment a caller may ask for: 1 GiB. */
#define FV_MAX_ALIGN_SHIFT	30

/* Rights a domain may hold on a page. */
#define FV_READ			0x1u
#define FV_WRITE		0x2u
#define FV_EXEC			0x4u
#define FV_RIGHTS_MASK		(FV_READ | FV_WRITE | FV_EXEC)

/* Free-space index geometry: two-level segregated classes of page counts. */
#define FV_SL_SHIFT		5
#define FV_SL_COUNT		BIT(FV_SL_SHIFT)
#define FV_FL_COUNT		(FV_MAX_WINDOW_SHIFT - FV_PAGE_SHIFT - FV_SL_SHIFT + 2)

struct fv_holder;
struct fv_domain;

/**
 * struct fv_seg - a segment of the window (free run or extent).
 * @rb:		node in the arena's segment tree, ordered by @start.
 * @start:	first page number (address >> FV_PAGE_SHIFT).
 * @npages:	length in pages, at least 1.
 * @used:	0 for a free segment, 1 for an extent.
 * @nholders:	extents: number of holders (length of @u.ext.holders).
 * @u.free:	free segments: links in their free-space class list.
 * @u.ext.range: extents: id of the range it belongs to (unique in the arena,
 *		never reused, so pieces of two ranges never look alike).
 * @u.ext.holders: extents: holders, sorted by domain id, never empty.
 *
 * Protected by the arena lock; @start, @npages, @used and @u.ext are read
 * locklessly by fv_lookup() under the arena sequence counter.
 */
struct fv_seg {
	struct fv_rb_node rb;
	u64 start;
	u64 npages;
	u32 used;
	u32 nholders;
	union {
		struct {
			struct fv_seg *prev;
			struct fv_seg *next;
		} free;
		struct {
			u64 range;
			struct fv_holder *holders;
		} ext;
	} u;
};

/**
 * struct fv_holder - one domain's hold on one extent.
 * @rb:		node in the domain's tree, ordered by @start.
 * @start:	copy of @seg->start (keeps the domain tree walk local).
 * @seg:	the extent held.
 * @dom:	the holding domain.
 * @next:	next holder of the same extent (sorted by domain id).
 * @rights:	FV_READ | FV_WRITE | FV_EXEC.
 *
 * Protected by the arena lock.
 */
struct fv_holder {
	struct fv_rb_node rb;
	u64 start;
	struct fv_seg *seg;
	struct fv_domain *dom;
	struct fv_holder *next;
	u32 rights;
};

/**
 * struct fv_domain - a holder of pages (a process, in the module).
 * @holds:	its holders, ordered by address.
 * @link:	entry in the arena's list of domains.
 * @id:		caller-chosen identifier, unique within the arena.
 * @nholds:	number of holder records.
 * @npages:	number of pages held.
 *
 * Embedded by the caller; fv_domain_init() and fv_domain_release_all()
 * bracket its life.  Protected by the arena lock.
 */
struct fv_domain {
	struct fv_rb_root holds;
	struct fv_domain *link_prev;
	struct fv_domain *link_next;
	u64 id;
	u64 nholds;
	u64 npages;
};

/**
 * struct fv_arena - one flat window.
 * @lock:	serialises every change (see fv_compat.h for its type).
 * @seq:	sequence counter bumped around changes of the segment tree.
 * @base:	first page number of the window.
 * @npages:	pages in the window.
 * @segs:	all segments, ordered by start.
 * @fl_map:	bit f set when some @sl_map[f] bit is set.
 * @sl_map:	bit s of word f set when class (f, s) is not empty.
 * @classes:	heads of the free-segment class lists.
 * @domains:	sentinel of the list of domains (for the checker and stats).
 * @next_range:	id of the next range allocated.
 * @free_pages, @nfree, @nused, @nholders, @ndomains: counters.
 */
struct fv_arena {
	struct fv_lock lock;
	struct fv_seq seq;
	u64 base;
	u64 npages;
	struct fv_rb_root segs;
	u32 fl_map;
	u32 sl_map[FV_FL_COUNT];
	struct fv_seg *classes[FV_FL_COUNT][FV_SL_COUNT];
	struct fv_domain domains;
	u64 next_range;
	u64 free_pages;
	u64 nfree;
	u64 nused;
	u64 nholders;
	u64 ndomains;
};

/**
 * fv_released_fn - told of each run of pages that went back to the free pool.
 * @ctx:	the caller's context.
 * @addr:	first byte address of the run.
 * @len:	length in bytes.
 *
 * Called under the arena lock, after the operation can no longer fail.
 */
typedef void (*fv_released_fn)(void *ctx, u64 addr, u64 len);

/**
 * struct fv_lookup_result - what fv_lookup() and fv_rights() found.
 * @range:	id of the range holding the address.
 * @ext_start:	first byte of the extent holding the address.
 * @ext_len:	its length in bytes.
 * @nholders:	how many domains hold the page.
 * @rights:	(fv_rights() only) the domain's rights there.
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
	u64 nholders;		/* holder records */
	u64 ndomains;
	u64 metadata_bytes;	/* segment + holder records */
};

/*
 * Semantics (byte addresses and lengths; every error leaves the arena as it
 * was; argument errors are reported before state errors):
 *
 * fv_arena_init()   base and size page-aligned, 0 < size <= 2^47, no
 *                   wrap-around: else -EINVAL.  -ENOMEM.
 * fv_arena_destroy() frees everything; domains must be released first.
 * fv_domain_init()  registers @d (empty) with @a.
 * fv_domain_release_all() releases every page @d holds and unregisters it.
 * fv_alloc()        @len a non-zero page multiple, @align 0 or a power of two
 *                   from FV_PAGE_SIZE to 1 GiB, @rights a non-zero subset of
 *                   FV_RIGHTS_MASK: else -EINVAL.  No free run fits: -ENOSPC.
 *                   Never fails while a fitting aligned free run exists.
 *                   @d holds the new range whole with @rights.
 * fv_share()        @from gives @to a hold on [addr, addr + len) with @rights.
 *                   -EINVAL: bad span, bad rights, @from == @to.
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
 *                   @rights; -EINVAL bad span, -ENOENT a page not held,
 *                   -EACCES a page held with fewer rights.
 * fv_rights_cover() 1 when on every page @to holds in the span @from holds
 *                   at least @to's rights (so may take it away), else 0;
 *                   -EINVAL bad span.
 * fv_walk()         calls @fn on every segment in address order under the
 *                   arena lock (for debugfs); stops at @fn's first non-zero
 *                   return and returns it.
 * A bad span is: unaligned address or length, zero length, wrap-around, or
 * not inside the window.  -ENOMEM (metadata) may come from any function that
 * changes the arena, and then nothing changed.
 */
int fv_arena_init(struct fv_arena *a, u64 base, u64 size);
void fv_arena_destroy(struct fv_arena *a);

void fv_domain_init(struct fv_arena *a, struct fv_domain *d, u64 id);
void fv_domain_release_all(struct fv_arena *a, struct fv_domain *d,
			   fv_released_fn fn, void *ctx);

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

/* Invariant checker: returns 0 or -EUCLEAN, reporting through fv_report(). */
int fv_check(struct fv_arena *a);

#endif /* _FLATVM_FV_CORE_H */
