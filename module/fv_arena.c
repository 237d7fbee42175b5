// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm arena: the books of one flat window.
 *
 * DOC: segments, extents and holders
 *
 * The window is tiled by segments kept in one red-black tree ordered by
 * address (arena->segs).  A free segment also sits in the free-space index
 * (fv_freespace.c); a used one is an extent and lists its holders.  Each
 * domain has its own tree of holder records, so "what may this process do
 * at this address" is one descent of the process's own tree:
 *
 *   window   |free |  extent A  |extent B|   free   | extent C |  free ...
 *   domain 1       |  rw        |  rw    |
 *   domain 2                    |  r     |          |  rwx     |
 *
 * A and B belong to one range: domain 2 was given its second half.  When
 * domain 1 releases the range, A loses its last holder and goes back to the
 * free pool at once (coalesced with the free segment to its left); B stays,
 * held by domain 2 alone.
 *
 * Every change first reserves all the records it may need (fv_reserve), so
 * it either completes or fails with -ENOMEM before touching anything.  Most
 * records are placed next to one already in hand (fv_rb_insert_after), so
 * alloc and release descend a tree only to find the caller's address.
 *
 * Locking: public functions take arena->lock and call *_locked() workers or
 * helpers that assert it.  Changes to the segment tree happen inside
 * arena->seq write sections, which fv_lookup() uses to run lockless.
 */
#include "fv_internal.h"

/* Records reserved up front by an operation, so that it cannot fail midway. */
struct fv_reserve {
	struct fv_seg *segs[2];
	unsigned int nsegs;
	struct fv_holder *holders;	/* chained through ->next */
};

static void reserve_put(struct fv_reserve *r)
{
	struct fv_holder *h;

	while (r->nsegs)
		fv_seg_free(r->segs[--r->nsegs]);
	while ((h = r->holders)) {
		r->holders = h->next;
		fv_holder_free(h);
	}
}

static int reserve_get(struct fv_reserve *r, unsigned int nsegs, u64 nholders,
		       bool nofail)
{
	struct fv_holder *h;

	r->nsegs = 0;
	r->holders = NULL;
	while (r->nsegs < nsegs) {
		r->segs[r->nsegs] = fv_seg_alloc(nofail);
		if (!r->segs[r->nsegs])
			goto fail;
		r->nsegs++;
	}
	while (nholders--) {
		h = fv_holder_alloc(nofail);
		if (!h)
			goto fail;
		h->next = r->holders;
		r->holders = h;
	}
	return 0;
fail:
	reserve_put(r);
	return -ENOMEM;
}

static struct fv_seg *reserve_seg(struct fv_reserve *r)
{
	FV_ASSERT(r->nsegs);
	return r->segs[--r->nsegs];
}

static struct fv_holder *reserve_holder(struct fv_reserve *r)
{
	struct fv_holder *h = r->holders;

	FV_ASSERT(h);
	r->holders = h->next;
	return h;
}

/* Page span of [addr, addr + len) if it is a valid span of the window. */
static int span_pages(const struct fv_arena *a, u64 addr, u64 len,
		      u64 *first, u64 *end)
{
	if (!len || ((addr | len) & (FV_PAGE_SIZE - 1)) || addr + len < addr)
		return -EINVAL;
	*first = addr >> FV_PAGE_SHIFT;
	*end = (addr + len) >> FV_PAGE_SHIFT;
	if (*first < a->base || *end > a->base + a->npages)
		return -EINVAL;
	return 0;
}

static int rights_valid(u32 rights)
{
	return rights && !(rights & ~FV_RIGHTS_MASK);
}

/* The segment holding @page, or NULL outside the window. */
static struct fv_seg *seg_find(const struct fv_arena *a, u64 page)
{
	const struct fv_rb_node *n = a->segs.node;
	struct fv_seg *seg;

	while (n) {
		seg = fv_seg_of(n);
		if (page < seg->start)
			n = n->left;
		else if (page >= fv_seg_end(seg))
			n = n->right;
		else
			return seg;
	}
	return NULL;
}

/*
 * @d's holder containing @page, else its first holder above @page.  The
 * descent compares starts only (no extent is touched on the way down): it
 * finds the last holder starting at or below @page, then looks at its end.
 */
static struct fv_holder *hold_find_from(const struct fv_domain *d, u64 page)
{
	const struct fv_rb_node *n = d->holds.node;
	struct fv_holder *h, *below = NULL, *above = NULL;

	while (n) {
		h = fv_holder_of(n);
		if (page < h->start) {
			above = h;
			n = n->left;
		} else {
			below = h;
			n = n->right;
		}
	}
	if (below && page < below->start + below->seg->npages)
		return below;
	return above;
}

static struct fv_holder *hold_find(const struct fv_domain *d, u64 page)
{
	struct fv_holder *h = hold_find_from(d, page);

	return h && h->start <= page ? h : NULL;
}

/* @d's holder containing page @end - 1, given @h, its first one in the span. */
static struct fv_holder *hold_last(const struct fv_domain *d,
				   struct fv_holder *h, u64 end)
{
	if (fv_seg_end(h->seg) >= end)
		return h->start < end ? h : NULL;
	return hold_find(d, end - 1);
}

static void hold_insert(struct fv_domain *d, struct fv_holder *h)
{
	struct fv_rb_node **link = &d->holds.node, *parent = NULL;

	while (*link) {
		parent = *link;
		if (h->start < fv_holder_of(parent)->start)
			link = &parent->left;
		else
			link = &parent->right;
	}
	fv_rb_link(&h->rb, parent, link);
	fv_rb_insert_fixup(&d->holds, &h->rb);
}

static struct fv_holder *ext_find_holder(const struct fv_seg *e,
					 const struct fv_domain *d)
{
	struct fv_holder *h;

	for (h = e->u.ext.holders; h && h->dom->id <= d->id; h = h->next)
		if (h->dom == d)
			return h;
	return NULL;
}

/* Put @h in @e's holder list, which is sorted by domain id. */
static void ext_link_holder(struct fv_seg *e, struct fv_holder *h)
{
	struct fv_holder **pp = &e->u.ext.holders;

	while (*pp && (*pp)->dom->id < h->dom->id)
		pp = &(*pp)->next;
	h->next = *pp;
	*pp = h;
	e->nholders++;
}

static void ext_unlink_holder(struct fv_seg *e, struct fv_holder *h)
{
	struct fv_holder **pp = &e->u.ext.holders;

	while (*pp != h)
		pp = &(*pp)->next;
	*pp = h->next;
	e->nholders--;
}

int fv_ext_same_holders(const struct fv_seg *x, const struct fv_seg *y)
{
	const struct fv_holder *hx, *hy;

	if (x->nholders != y->nholders)
		return 0;
	for (hx = x->u.ext.holders, hy = y->u.ext.holders; hx;
	     hx = hx->next, hy = hy->next)
		if (hx->dom != hy->dom || hx->rights != hy->rights)
			return 0;
	return 1;
}

/*
 * Cut extent @e at @page; @e keeps the left part.  Needs one segment and
 * e->nholders holders from @r.  Return: the right part.
 *
 *   before   [e ................)
 *   after    [e ......)[new .....)      same range, same holders
 */
static struct fv_seg *ext_split(struct fv_arena *a, struct fv_reserve *r,
				struct fv_seg *e, u64 page)
{
	struct fv_seg *right = reserve_seg(r);
	struct fv_holder *h, *nh, **tail = &right->u.ext.holders;

	FV_ASSERT(e->used && e->start < page && page < fv_seg_end(e));
	right->start = page;
	right->npages = fv_seg_end(e) - page;
	right->used = 1;
	right->nholders = e->nholders;
	right->u.ext.range = e->u.ext.range;
	for (h = e->u.ext.holders; h; h = h->next) {
		nh = reserve_holder(r);
		nh->start = page;
		nh->seg = right;
		nh->dom = h->dom;
		nh->rights = h->rights;
		*tail = nh;
		tail = &nh->next;
		/* The domain holds nothing between h and its right half. */
		fv_rb_insert_after(&h->dom->holds, &h->rb, &nh->rb);
		h->dom->nholds++;
	}
	*tail = NULL;
	e->npages = page - e->start;
	fv_rb_insert_after(&a->segs, &e->rb, &right->rb);
	a->nused++;
	a->nholders += right->nholders;
	return right;
}

/*
 * Fold the extent after @e into @e when both are pieces of one range with
 * the same holders (keeps extents canonical).  Return: whether it did.
 */
static int ext_merge_next(struct fv_arena *a, struct fv_seg *e)
{
	struct fv_seg *next = fv_seg_of(fv_rb_next(&e->rb));
	struct fv_holder *nh;

	if (!e->used || !next || !next->used ||
	    next->u.ext.range != e->u.ext.range ||
	    !fv_ext_same_holders(e, next))
		return 0;
	while ((nh = next->u.ext.holders)) {
		next->u.ext.holders = nh->next;
		fv_rb_erase(&nh->dom->holds, &nh->rb);
		nh->dom->nholds--;
		fv_holder_free(nh);
	}
	e->npages += next->npages;
	a->nholders -= next->nholders;
	a->nused--;
	fv_rb_erase(&a->segs, &next->rb);
	fv_seg_free(next);
	return 1;
}

/* Extent @e lost its last holder: make it free, coalesced, and indexed. */
static void ext_make_free(struct fv_arena *a, struct fv_seg *e)
{
	struct fv_seg *prev = fv_seg_of(fv_rb_prev(&e->rb));
	struct fv_seg *next = fv_seg_of(fv_rb_next(&e->rb));

	FV_ASSERT(!e->nholders);
	a->nused--;
	e->used = 0;
	if (prev && !prev->used) {
		fv_fs_remove(a, prev);
		prev->npages += e->npages;
		fv_rb_erase(&a->segs, &e->rb);
		fv_seg_free(e);
		e = prev;
	}
	if (next && !next->used) {
		fv_fs_remove(a, next);
		e->npages += next->npages;
		fv_rb_erase(&a->segs, &next->rb);
		fv_seg_free(next);
	}
	fv_fs_insert(a, e);
}

/**
 * fv_arena_init() - set up an arena over [base, base + size).
 * @a:		the arena to set up.
 * @base:	first byte of the window, page-aligned.
 * @size:	bytes in the window, a page multiple up to 2^47.
 *
 * Return: 0, -EINVAL, or -ENOMEM.
 */
int fv_arena_init(struct fv_arena *a, u64 base, u64 size)
{
	struct fv_seg *seg;
	u32 i;

	if (!size || ((base | size) & (FV_PAGE_SIZE - 1)) ||
	    size > ((u64)1 << FV_MAX_WINDOW_SHIFT) || base + size < base)
		return -EINVAL;
	seg = fv_seg_alloc(false);
	if (!seg)
		return -ENOMEM;
	fv_lock_init(&a->lock);
	fv_seq_init(&a->seq, &a->lock);
	a->base = base >> FV_PAGE_SHIFT;
	a->npages = size >> FV_PAGE_SHIFT;
	a->segs.node = NULL;
	a->fl_map = 0;
	for (i = 0; i < FV_FL_COUNT; i++) {
		a->sl_map[i] = 0;
		memset(a->classes[i], 0, sizeof(a->classes[i]));
	}
	a->domains.link_next = &a->domains;
	a->domains.link_prev = &a->domains;
	a->next_range = 1;
	a->free_pages = 0;
	a->nfree = 0;
	a->nused = 0;
	a->nholders = 0;
	a->ndomains = 0;
	seg->start = a->base;
	seg->npages = a->npages;
	seg->used = 0;
	seg->nholders = 0;
	fv_rb_insert_after(&a->segs, NULL, &seg->rb);
	fv_fs_insert(a, seg);
	return 0;
}

/**
 * fv_arena_destroy() - free every record of an arena.
 * @a:		the arena; its domains must have been released.
 */
void fv_arena_destroy(struct fv_arena *a)
{
	struct fv_rb_node *n;
	struct fv_holder *h;
	struct fv_seg *seg;

	FV_ASSERT(!a->nused && !a->ndomains);
	while ((n = a->segs.node)) {
		seg = fv_seg_of(n);
		while (seg->used && (h = seg->u.ext.holders)) {
			seg->u.ext.holders = h->next;
			fv_holder_free(h);
		}
		fv_rb_erase(&a->segs, n);
		fv_seg_free(seg);
	}
	fv_lock_destroy(&a->lock);
}

/**
 * fv_domain_init() - register an empty domain with an arena.
 * @a:		the arena.
 * @d:		the domain, embedded in the caller's object.
 * @id:		an identifier unique among @a's domains.
 */
void fv_domain_init(struct fv_arena *a, struct fv_domain *d, u64 id)
{
	d->holds.node = NULL;
	d->id = id;
	d->nholds = 0;
	d->npages = 0;
	fv_lock(&a->lock);
	d->link_next = &a->domains;
	d->link_prev = a->domains.link_prev;
	a->domains.link_prev->link_next = d;
	a->domains.link_prev = d;
	a->ndomains++;
	fv_unlock(&a->lock);
}

/*
 * Drop what @d holds in pages [first, end).  Splits at the two ends must
 * already be done: this cannot fail.  Each run of pages that nobody holds any
 * more is freed and passed to @fn outside the sequence write section.
 */
static void release_locked(struct fv_arena *a, struct fv_domain *d,
			   struct fv_holder *h, u64 end,
			   fv_released_fn fn, void *ctx)
{
	struct fv_seg *e, *prev, *right;
	struct fv_holder *next;
	u64 start, npages;

	fv_lock_assert_held(&a->lock);
	while (h && h->start < end) {
		e = h->seg;
		next = NULL;
		if (fv_seg_end(e) < end) {
			next = fv_holder_of(fv_rb_next(&h->rb));
			if (next && next->start >= end)
				next = NULL;
		}
		FV_ASSERT(fv_seg_end(e) <= end);
		fv_rb_erase(&d->holds, &h->rb);
		ext_unlink_holder(e, h);
		fv_holder_free(h);
		d->nholds--;
		d->npages -= e->npages;
		a->nholders--;
		if (e->nholders) {
			/* Its holder set changed: it may now equal a neighbour's. */
			prev = fv_seg_of(fv_rb_prev(&e->rb));
			if (prev && ext_merge_next(a, prev))
				e = prev;
			/* The right one is left alone if it comes next here. */
			right = fv_seg_of(fv_rb_next(&e->rb));
			if (right && (!next || next->seg != right))
				ext_merge_next(a, e);
		} else {
			start = e->start;
			npages = e->npages;
			ext_make_free(a, e);
			if (fn) {
				fv_seq_write_end(&a->seq);
				fn(ctx, start << FV_PAGE_SHIFT,
				   npages << FV_PAGE_SHIFT);
				fv_seq_write_begin(&a->seq);
			}
		}
		h = next;
	}
}

/**
 * fv_domain_release_all() - release everything a domain holds; unregister it.
 * @a:		the arena.
 * @d:		the domain.
 * @fn:		told of each run of pages that went back to the free pool.
 * @ctx:	passed to @fn.
 */
void fv_domain_release_all(struct fv_arena *a, struct fv_domain *d,
			   fv_released_fn fn, void *ctx)
{
	struct fv_holder *first;

	fv_lock(&a->lock);
	first = fv_holder_of(fv_rb_first(&d->holds));
	if (first) {
		fv_seq_write_begin(&a->seq);
		release_locked(a, d, first, ~(u64)0, fn, ctx);
		fv_seq_write_end(&a->seq);
	}
	FV_ASSERT(!d->nholds && !d->npages);
	d->link_prev->link_next = d->link_next;
	d->link_next->link_prev = d->link_prev;
	a->ndomains--;
	fv_unlock(&a->lock);
}

/*
 * Where to put @npages aligned to @align pages.  O(1) unless no free
 * segment is sure to fit; then the cheaper of two exhaustive searches:
 * every free segment that might fit, or every aligned address of the window
 * (one descent each; a 1 GiB alignment has 2^17 of them at most).
 */
static struct fv_seg *alloc_find(struct fv_arena *a, u64 npages, u64 align,
				 u64 *at)
{
	struct fv_seg *seg = fv_fs_find(a, npages, align, at);
	u64 page, end = a->base + a->npages;

	if (seg)
		return seg;
	if (align == 1 || a->npages / align >= a->nfree)
		return fv_fs_scan(a, npages, align, at);
	for (page = (a->base + align - 1) & ~(align - 1);
	     page < end && end - page >= npages; page += align) {
		seg = seg_find(a, page);
		if (!seg->used && fv_seg_end(seg) - page >= npages) {
			*at = page;
			return seg;
		}
	}
	return NULL;
}

/**
 * fv_alloc() - allocate a range and give it to a domain.
 * @a:		the arena.
 * @d:		the domain that will hold the whole range.
 * @len:	bytes, a non-zero page multiple.
 * @align:	0, or a power of two from FV_PAGE_SIZE to 1 GiB.
 * @rights:	@d's rights on the range.
 * @addr:	set to the first byte of the range.
 *
 * Return: 0, -EINVAL, -ENOSPC (no free run fits), or -ENOMEM.
 */
int fv_alloc(struct fv_arena *a, struct fv_domain *d, u64 len, u64 align,
	     u32 rights, u64 *addr)
{
	struct fv_seg *seg, *e, *tail;
	struct fv_reserve r;
	struct fv_holder *h;
	u64 npages, at, end;
	int ret;

	if (!len || (len & (FV_PAGE_SIZE - 1)) || !rights_valid(rights))
		return -EINVAL;
	if (align && ((align & (align - 1)) || align < FV_PAGE_SIZE ||
		      align > ((u64)1 << FV_MAX_ALIGN_SHIFT)))
		return -EINVAL;
	npages = len >> FV_PAGE_SHIFT;
	align = align ? align >> FV_PAGE_SHIFT : 1;
	if (npages > a->npages)
		return -ENOSPC;

	fv_lock(&a->lock);
	seg = alloc_find(a, npages, align, &at);
	if (!seg) {
		ret = -ENOSPC;
		goto unlock;
	}
	end = fv_seg_end(seg);
	ret = reserve_get(&r, (at > seg->start) + (at + npages < end), 1,
			  false);
	if (ret)
		goto unlock;

	/*
	 *   seg  [ head free | e: the new extent | tail free ]
	 *        ^seg->start ^at                  ^at + npages ^end
	 * seg's node becomes the head if there is one, else the extent.
	 */
	fv_seq_write_begin(&a->seq);
	fv_fs_remove(a, seg);
	if (at > seg->start) {
		seg->npages = at - seg->start;
		fv_fs_insert(a, seg);
		e = reserve_seg(&r);
		e->start = at;
		fv_rb_insert_after(&a->segs, &seg->rb, &e->rb);
	} else {
		e = seg;
	}
	e->npages = npages;
	e->used = 1;
	e->nholders = 0;
	e->u.ext.holders = NULL;
	e->u.ext.range = a->next_range++;
	if (at + npages < end) {
		tail = reserve_seg(&r);
		tail->start = at + npages;
		tail->npages = end - tail->start;
		tail->used = 0;
		tail->nholders = 0;
		fv_rb_insert_after(&a->segs, &e->rb, &tail->rb);
		fv_fs_insert(a, tail);
	}
	h = reserve_holder(&r);
	h->start = at;
	h->seg = e;
	h->dom = d;
	h->rights = rights;
	ext_link_holder(e, h);
	hold_insert(d, h);
	d->nholds++;
	d->npages += npages;
	a->nused++;
	a->nholders++;
	fv_seq_write_end(&a->seq);
	*addr = at << FV_PAGE_SHIFT;
unlock:
	fv_unlock(&a->lock);
	return ret;
}

/*
 * Walk @d's holders over pages [first, end): how many there are, and the
 * last one.  Return: -ENOENT if a page is not held, else the bits FV_WALK_*.
 */
#define FV_WALK_CROSS	0x1	/* the holders span two ranges */
#define FV_WALK_RIGHTS	0x2	/* some holder lacks part of @rights */
#define FV_WALK_EXIST	0x4	/* @other already holds some extent */

static int hold_walk(const struct fv_domain *d, u64 first, u64 end,
		     u32 rights, const struct fv_domain *other,
		     struct fv_holder **firstp, struct fv_holder **lastp,
		     u64 *count)
{
	struct fv_holder *h = hold_find(d, first);
	u64 cur = first, range;
	int flags = 0;

	if (!h)
		return -ENOENT;
	*firstp = h;
	range = h->seg->u.ext.range;
	*count = 0;
	for (;;) {
		/* Only the first holder may start below @first. */
		if (!h || h->start > cur)
			return -ENOENT;
		if (h->seg->u.ext.range != range)
			flags |= FV_WALK_CROSS;
		if (rights & ~h->rights)
			flags |= FV_WALK_RIGHTS;
		if (other && ext_find_holder(h->seg, other))
			flags |= FV_WALK_EXIST;
		(*count)++;
		*lastp = h;
		cur = fv_seg_end(h->seg);
		if (cur >= end)
			return flags;
		h = fv_holder_of(fv_rb_next(&h->rb));
	}
}

/**
 * fv_share() - give another domain a hold on part of a range.
 * @a:		the arena.
 * @from:	a domain holding every page of the span.
 * @to:		the domain to give the pages to; it holds none of them.
 * @addr:	first byte of the span.
 * @len:	bytes in the span.
 * @rights:	@to's rights, a subset of @from's on every page.
 *
 * Return: 0, -EINVAL, -ENOENT, -EACCES, -EEXIST or -ENOMEM (fv_core.h).
 */
int fv_share(struct fv_arena *a, struct fv_domain *from, struct fv_domain *to,
	     u64 addr, u64 len, u32 rights)
{
	struct fv_holder *hf, *hl, *nh, *prev_nh = NULL;
	struct fv_seg *e, *last, *before;
	u64 first, end, count, nhold;
	struct fv_reserve r;
	int ret;

	ret = span_pages(a, addr, len, &first, &end);
	if (ret)
		return ret;
	if (!rights_valid(rights) || from == to)
		return -EINVAL;

	fv_lock(&a->lock);
	ret = hold_walk(from, first, end, rights, to, &hf, &hl, &count);
	if (ret < 0)
		goto unlock;
	if (ret & FV_WALK_CROSS)
		ret = -EINVAL;
	else if (ret & FV_WALK_RIGHTS)
		ret = -EACCES;
	else if (ret & FV_WALK_EXIST)
		ret = -EEXIST;
	if (ret)
		goto unlock;

	e = hf->seg;
	last = hl->seg;
	nhold = count;
	if (e->start < first)
		nhold += e->nholders;
	if (fv_seg_end(last) > end)
		nhold += last->nholders;
	ret = reserve_get(&r, (e->start < first) + (fv_seg_end(last) > end),
			  nhold, false);
	if (ret)
		goto unlock;

	fv_seq_write_begin(&a->seq);
	if (e->start < first) {
		e = ext_split(a, &r, e, first);
		if (last == hf->seg)
			last = e;
	}
	if (fv_seg_end(last) > end)
		ext_split(a, &r, last, end);
	before = fv_seg_of(fv_rb_prev(&e->rb));
	for (; e && e->start < end; e = fv_seg_of(fv_rb_next(&e->rb))) {
		nh = reserve_holder(&r);
		nh->start = e->start;
		nh->seg = e;
		nh->dom = to;
		nh->rights = rights;
		ext_link_holder(e, nh);
		/* @to holds nothing in the span: its holders stay in order. */
		if (prev_nh)
			fv_rb_insert_after(&to->holds, &prev_nh->rb, &nh->rb);
		else
			hold_insert(to, nh);
		prev_nh = nh;
		to->nholds++;
		to->npages += e->npages;
		a->nholders++;
		last = e;
	}
	ext_merge_next(a, last);
	if (before)
		ext_merge_next(a, before);
	fv_seq_write_end(&a->seq);
	reserve_put(&r);
unlock:
	fv_unlock(&a->lock);
	return ret;
}

/*
 * Drop what @d holds in a span; pages other domains still hold stay, the
 * others return to the free pool and are passed to @fn.  @nofail: allocate
 * the records of the splits without failing.
 * Return: 0, -EINVAL (bad span), -ENOENT (@d holds none of it), -ENOMEM.
 */
static int release_span(struct fv_arena *a, struct fv_domain *d, u64 addr,
			u64 len, fv_released_fn fn, void *ctx, bool nofail)
{
	struct fv_holder *h, *hl;
	u64 first, end, nhold = 0;
	unsigned int nsegs = 0;
	struct fv_reserve r;
	int ret;

	ret = span_pages(a, addr, len, &first, &end);
	if (ret)
		return ret;

	fv_lock(&a->lock);
	h = hold_find_from(d, first);
	if (!h || h->start >= end) {
		ret = -ENOENT;
		goto unlock;
	}
	if (h->start < first) {
		nsegs++;
		nhold += h->seg->nholders;
	}
	hl = hold_last(d, h, end);
	if (hl && fv_seg_end(hl->seg) > end) {
		nsegs++;
		nhold += hl->seg->nholders;
	}
	ret = reserve_get(&r, nsegs, nhold, nofail);
	if (ret)
		goto unlock;

	fv_seq_write_begin(&a->seq);
	if (h->start < first) {
		ext_split(a, &r, h->seg, first);
		h = fv_holder_of(fv_rb_next(&h->rb));
	}
	hl = hold_last(d, h, end);
	if (hl && fv_seg_end(hl->seg) > end)
		ext_split(a, &r, hl->seg, end);
	release_locked(a, d, h, end, fn, ctx);
	fv_seq_write_end(&a->seq);
	FV_ASSERT(!r.nsegs && !r.holders);
unlock:
	fv_unlock(&a->lock);
	return ret;
}

/**
 * fv_release() - drop what a domain holds in a span.
 * @a:		the arena.
 * @d:		the domain.
 * @addr:	first byte of the span.
 * @len:	bytes in the span.
 * @fn:		told of each run of pages that went back to the free pool.
 * @ctx:	passed to @fn.
 *
 * Pages other domains still hold stay; the others return to the free pool.
 *
 * Return: 0, -EINVAL (bad span), -ENOENT (@d holds none of it), -ENOMEM
 * (nothing changed).
 */
int fv_release(struct fv_arena *a, struct fv_domain *d, u64 addr, u64 len,
	       fv_released_fn fn, void *ctx)
{
	return release_span(a, d, addr, len, fn, ctx, false);
}

/**
 * fv_release_nofail() - fv_release() for callers that cannot fail.
 * @a:		the arena.
 * @d:		the domain.
 * @addr:	first byte of the span.
 * @len:	bytes in the span.
 * @fn:		told of each run of pages that went back to the free pool.
 * @ctx:	passed to @fn.
 *
 * The records splitting the extents at the span's ends need are allocated
 * with __GFP_NOFAIL (one segment per end and one holder per holder of the
 * extent split): for vm_ops->close(), which cannot report a failure.
 *
 * Return: 0, -EINVAL (bad span), -ENOENT (@d holds none of it).
 */
int fv_release_nofail(struct fv_arena *a, struct fv_domain *d, u64 addr,
		      u64 len, fv_released_fn fn, void *ctx)
{
	return release_span(a, d, addr, len, fn, ctx, true);
}

static void fill_result(const struct fv_seg *e, struct fv_lookup_result *res)
{
	res->range = e->u.ext.range;
	res->ext_start = e->start << FV_PAGE_SHIFT;
	res->ext_len = e->npages << FV_PAGE_SHIFT;
	res->nholders = e->nholders;
	res->rights = 0;
}

/*
 * One lockless descent of the segment tree.  Return: 0 with @res filled,
 * -ENOENT, or -EAGAIN when the walk saw a tree in the middle of a change.
 */
static int lookup_lockless(const struct fv_arena *a, u64 page,
			   struct fv_lookup_result *res)
{
	const struct fv_rb_node *n = FV_READ_ONCE(a->segs.node);
	unsigned int depth = 0;
	const struct fv_seg *seg;
	u64 start, npages;

	while (n) {
		if (++depth > FV_RB_MAX_DEPTH)
			return -EAGAIN;
		seg = fv_seg_of(n);
		start = FV_READ_ONCE(seg->start);
		npages = FV_READ_ONCE(seg->npages);
		if (page < start) {
			n = FV_READ_ONCE(n->left);
		} else if (page - start >= npages) {
			n = FV_READ_ONCE(n->right);
		} else {
			if (!FV_READ_ONCE(seg->used))
				return -ENOENT;
			res->range = FV_READ_ONCE(seg->u.ext.range);
			res->ext_start = start << FV_PAGE_SHIFT;
			res->ext_len = npages << FV_PAGE_SHIFT;
			res->nholders = FV_READ_ONCE(seg->nholders);
			res->rights = 0;
			return 0;
		}
	}
	return -ENOENT;
}

/**
 * fv_lookup() - which extent holds an address; runs without the arena lock.
 * @a:		the arena.
 * @addr:	any byte address.
 * @res:	filled on success (@res->rights is 0).
 *
 * Return: 0, or -ENOENT when the page is free or outside the window.
 */
int fv_lookup(struct fv_arena *a, u64 addr, struct fv_lookup_result *res)
{
	u64 page = addr >> FV_PAGE_SHIFT;
	unsigned int seq;
	int ret;

	if (page < a->base || page - a->base >= a->npages)
		return -ENOENT;
	fv_read_lock();
	do {
		seq = fv_seq_read_begin(&a->seq);
		ret = lookup_lockless(a, page, res);
	} while (fv_seq_read_retry(&a->seq, seq) || ret == -EAGAIN);
	fv_read_unlock();
	return ret;
}

/**
 * fv_rights() - a domain's rights at an address.
 * @a:		the arena.
 * @d:		the domain.
 * @addr:	any byte address.
 * @res:	filled on success, with @res->rights.
 *
 * Return: 0, or -ENOENT when @d does not hold the page.
 */
int fv_rights(struct fv_arena *a, struct fv_domain *d, u64 addr,
	      struct fv_lookup_result *res)
{
	struct fv_holder *h;

	fv_lock(&a->lock);
	h = hold_find(d, addr >> FV_PAGE_SHIFT);
	if (h) {
		fill_result(h->seg, res);
		res->rights = h->rights;
	}
	fv_unlock(&a->lock);
	return h ? 0 : -ENOENT;
}

/**
 * fv_range_piece() - the run of extents of one range around an address.
 * @a:		the arena.
 * @addr:	any byte address.
 * @start:	set to the run's first byte.
 * @len:	set to the run's length in bytes.
 *
 * Return: 0, or -ENOENT when the page is free or outside the window.
 */
int fv_range_piece(struct fv_arena *a, u64 addr, u64 *start, u64 *len)
{
	struct fv_seg *e, *lo, *hi, *n;
	int ret = -ENOENT;

	fv_lock(&a->lock);
	e = seg_find(a, addr >> FV_PAGE_SHIFT);
	if (e && e->used) {
		lo = e;
		while ((n = fv_seg_of(fv_rb_prev(&lo->rb))) && n->used &&
		       n->u.ext.range == e->u.ext.range)
			lo = n;
		hi = e;
		while ((n = fv_seg_of(fv_rb_next(&hi->rb))) && n->used &&
		       n->u.ext.range == e->u.ext.range)
			hi = n;
		*start = lo->start << FV_PAGE_SHIFT;
		*len = (fv_seg_end(hi) - lo->start) << FV_PAGE_SHIFT;
		ret = 0;
	}
	fv_unlock(&a->lock);
	return ret;
}

/**
 * fv_holds_all() - whether a domain holds a whole span with some rights.
 * @a:		the arena.
 * @d:		the domain.
 * @addr:	first byte of the span.
 * @len:	bytes in the span.
 * @rights:	rights wanted on every page (0: any).
 *
 * Return: 0, -EINVAL (bad span), -ENOENT (a page not held) or -EACCES.
 */
int fv_holds_all(struct fv_arena *a, struct fv_domain *d, u64 addr, u64 len,
		 u32 rights)
{
	struct fv_holder *hf, *hl;
	u64 first, end, count;
	int ret;

	ret = span_pages(a, addr, len, &first, &end);
	if (ret)
		return ret;
	fv_lock(&a->lock);
	ret = hold_walk(d, first, end, rights, NULL, &hf, &hl, &count);
	fv_unlock(&a->lock);
	if (ret < 0)
		return ret;
	return ret & FV_WALK_RIGHTS ? -EACCES : 0;
}

/**
 * fv_rights_cover() - whether one domain's rights cover another's in a span.
 * @a:		the arena.
 * @from:	the domain that would take the pages away.
 * @to:		the domain that would lose them.
 * @addr:	first byte of the span.
 * @len:	bytes in the span.
 *
 * A read-only holder must not evict a writer: @from covers @to when it holds
 * every page @to holds in the span, with at least @to's rights there.
 *
 * Return: 1, 0, or -EINVAL (bad span).
 */
int fv_rights_cover(struct fv_arena *a, struct fv_domain *from,
		    struct fv_domain *to, u64 addr, u64 len)
{
	struct fv_holder *h, *mine;
	u64 first, end;
	int ret;

	ret = span_pages(a, addr, len, &first, &end);
	if (ret)
		return ret;
	fv_lock(&a->lock);
	ret = 1;
	for (h = hold_find_from(to, first); h && h->start < end;
	     h = fv_holder_of(fv_rb_next(&h->rb))) {
		mine = ext_find_holder(h->seg, from);
		if (!mine || (h->rights & ~mine->rights)) {
			ret = 0;
			break;
		}
	}
	fv_unlock(&a->lock);
	return ret;
}

/**
 * fv_walk() - visit every segment of an arena in address order.
 * @a:		the arena.
 * @fn:		called with each segment under the arena lock; it must not
 *		call back into the arena.  A non-zero return stops the walk.
 * @ctx:	passed to @fn.
 *
 * Return: 0, or the first non-zero value @fn returned.
 */
int fv_walk(struct fv_arena *a, int (*fn)(void *ctx, const struct fv_seg *seg),
	    void *ctx)
{
	struct fv_seg *seg;
	int ret = 0;

	fv_lock(&a->lock);
	for (seg = fv_seg_of(fv_rb_first(&a->segs)); seg && !ret;
	     seg = fv_seg_of(fv_rb_next(&seg->rb)))
		ret = fn(ctx, seg);
	fv_unlock(&a->lock);
	return ret;
}

/**
 * fv_stats() - a snapshot of an arena's counters.
 * @a:		the arena.
 * @st:		filled with the snapshot.
 */
void fv_stats(struct fv_arena *a, struct fv_stats *st)
{
	fv_lock(&a->lock);
	st->window_bytes = a->npages << FV_PAGE_SHIFT;
	st->free_bytes = a->free_pages << FV_PAGE_SHIFT;
	st->largest_free = fv_fs_largest(a) << FV_PAGE_SHIFT;
	st->nfree = a->nfree;
	st->nextents = a->nused;
	st->nholders = a->nholders;
	st->ndomains = a->ndomains;
	st->metadata_bytes = (a->nfree + a->nused) * sizeof(struct fv_seg) +
			     a->nholders * sizeof(struct fv_holder);
	fv_unlock(&a->lock);
}
