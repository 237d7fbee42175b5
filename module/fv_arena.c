// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm arena: the operations of fv_core.h on the segment tree
 * (fv_tree.c) and the holder books (fv_holds.c).
 *
 * DOC: segments, extents and holders
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
 * Every change first reserves all the records it may need (tree nodes,
 * holder sets, slots), so it either completes or fails with -ENOMEM before
 * touching anything; dropping holds needs no record at all.  A change runs
 * in one sequence write section, except that runs going back to the free
 * pool are reported between sections (the callback may sleep); the tree is
 * whole at each of those points.
 *
 * Locking: public functions take arena->lock and call helpers that expect
 * it; fv_lookup() and fv_rights() take no lock (see fv_tree.c).
 */
#include "fv_tree.h"

/* --- walking segments --------------------------------------------------- */

/*
 * A position: entry @i of @p.leaf, spanning [start, end); or, @top set, the
 * top free run [a->top, end of the window), which the tree does not hold.
 */
struct fv_pos {
	struct fv_path p;
	const struct fv_arena *a;
	unsigned int i;
	bool top;
	u64 start;
	u64 end;
};

/* What a position on the top free run shows: free space. */
static struct fv_ent fv_top_ent;

static struct fv_ent *pos_ent(const struct fv_pos *x)
{
	return x->top ? &fv_top_ent : &x->p.leaf->ent[x->i];
}

static u64 window_end(const struct fv_arena *a)
{
	return a->base + a->npages;
}

static void pos_fill(struct fv_pos *x)
{
	x->top = false;
	x->start = x->p.leaf->start[x->i];
	x->end = fv_ent_end(&x->p, x->i);
}

static void pos_top(struct fv_pos *x)
{
	x->top = true;
	x->start = x->a->top;
	x->end = window_end(x->a);
}

static void pos_at(const struct fv_arena *a, u64 page, struct fv_pos *x)
{
	x->a = a;
	if (page >= a->top) {
		pos_top(x);
		return;
	}
	x->i = fv_tree_walk(a, page, &x->p);
	pos_fill(x);
}

static bool pos_next(struct fv_pos *x)
{
	if (x->top)
		return false;
	if (x->i + 1u < x->p.leaf->hdr.nr) {
		x->i++;
	} else if (fv_tree_next_leaf(&x->p)) {
		x->i = 0;
	} else {
		if (x->a->top == window_end(x->a))
			return false;
		pos_top(x);
		return true;
	}
	pos_fill(x);
	return true;
}

static bool pos_prev(struct fv_pos *x)
{
	if (x->top) {
		if (x->a->top == x->a->base)
			return false;
		pos_at(x->a, x->a->top - 1, x);
		return true;
	}
	if (x->i) {
		x->i--;
	} else {
		if (!fv_tree_prev_leaf(&x->p))
			return false;
		x->i = x->p.leaf->hdr.nr - 1u;
	}
	pos_fill(x);
	return true;
}

/* The segment after @x (NULL at the end of the window), @x left alone. */
static struct fv_ent *peek_next(const struct fv_pos *x)
{
	struct fv_leaf *l;

	if (x->top)
		return NULL;
	if (x->i + 1u < x->p.leaf->hdr.nr)
		return &x->p.leaf->ent[x->i + 1];
	l = fv_tree_peek_leaf(&x->p, true);
	if (l)
		return &l->ent[0];
	return x->a->top < window_end(x->a) ? &fv_top_ent : NULL;
}

static struct fv_ent *peek_prev(const struct fv_pos *x)
{
	struct fv_leaf *l;
	struct fv_pos y;

	if (x->top) {
		y = *x;
		return pos_prev(&y) ? pos_ent(&y) : NULL;
	}
	if (x->i)
		return &x->p.leaf->ent[x->i - 1];
	l = fv_tree_peek_leaf(&x->p, false);
	return l ? &l->ent[l->hdr.nr - 1] : NULL;
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

static bool rights_valid(u32 rights)
{
	return rights && !(rights & ~FV_RIGHTS_MASK);
}

/* --- reserving ------------------------------------------------------- */

/*
 * Records a change reserved before touching anything.  Holder sets are
 * used in the order they were reserved; the change walks the extents in
 * the order its reservation did.
 */
struct fv_prep {
	struct fv_hset *first;
	struct fv_hset **tail;
	bool nofail;
};

static struct fv_hset **hset_next(struct fv_hset *hs)
{
	return (struct fv_hset **)&hs->rcu;
}

static void prep_init(struct fv_prep *r, bool nofail)
{
	r->first = NULL;
	r->tail = &r->first;
	r->nofail = nofail;
}

static int prep_hset(struct fv_arena *a, struct fv_prep *r, u32 cap)
{
	struct fv_hset *hs = fv_hset_new(a, cap, r->nofail);

	if (!hs)
		return -ENOMEM;
	*r->tail = hs;
	r->tail = hset_next(hs);
	return 0;
}

static struct fv_hset *prep_take(struct fv_prep *r)
{
	struct fv_hset *hs = r->first;

	FV_ASSERT(hs);
	r->first = *hset_next(hs);
	if (!r->first)
		r->tail = &r->first;
	*hset_next(hs) = NULL;
	return hs;
}

/* Give back what a change reserved but did not use (only on failure). */
static void prep_put(struct fv_arena *a, struct fv_prep *r)
{
	struct fv_hset *hs;

	while ((hs = r->first)) {
		r->first = *hset_next(hs);
		fv_hset_free(a, hs);
	}
	r->tail = &r->first;
}

/*
 * What cutting extent @e in two needs: a slot in every holder's domain
 * (one more in the domains holding @also, an extent cut too) and a copy of
 * its holder set if it has one.
 */
static int prep_split(struct fv_arena *a, struct fv_prep *r,
		      const struct fv_ent *e, const struct fv_ent *also)
{
	const struct fv_hset *hs = fv_more_hset(e->more);
	u32 n = fv_ent_nholders(e), i;
	struct fv_hold h;
	int ret;

	for (i = 0; i < n; i++) {
		h = fv_ent_holder(e, i);
		ret = fv_slots_reserve(a, fv_dom_of(a, h.dom),
				       1 + (also && fv_ent_rights_of(also, h.dom)),
				       r->nofail);
		if (ret)
			return ret;
	}
	return hs ? prep_hset(a, r, hs->cap) : 0;
}

/*
 * What cutting the span's end extents takes: @x holds the span's first
 * page and starts before it (@cut_first), @y its last and ends after it
 * (@cut_last); they may be one extent, cut twice.  The cuts are made in
 * this order, before anything else of the change.
 */
static int prep_cuts(struct fv_arena *a, struct fv_prep *r,
		     const struct fv_ent *x, bool cut_first,
		     const struct fv_ent *y, bool cut_last)
{
	int ret;

	ret = fv_tree_reserve(a, cut_first + cut_last, r->nofail);
	if (!ret && cut_first)
		ret = prep_split(a, r, x, cut_last ? y : NULL);
	if (!ret && cut_last)
		ret = prep_split(a, r, y, cut_first ? x : NULL);
	return ret;
}

/* --- changing extents ---------------------------------------------------- */

/*
 * The segment at @x takes the next one in: both free, or both extents of
 * one range with equal holders (whose holds on the next one go).
 */
static void absorb_next(struct fv_arena *a, struct fv_pos *x)
{
	const struct fv_ent *e = peek_next(x);
	u32 n = fv_ent_nholders(e), k;
	struct fv_domain *d;
	struct fv_hold h;

	if (!n) {
		a->nfree--;
	} else {
		for (k = 0; k < n; k++) {
			h = fv_ent_holder(e, k);
			d = fv_dom_of(a, h.dom);
			fv_slot_put(d, fv_sr_slot(h.sr));
			d->nholds--;
		}
		if (fv_more_hset(e->more))
			fv_hset_retire(a, fv_more_hset(e->more));
		a->nused--;
		a->nholders -= n;
	}
	x->i = fv_tree_absorb_next(a, &x->p, x->i);
	pos_fill(x);
}

static bool mergeable(const struct fv_ent *x, const struct fv_ent *y)
{
	return x->range && x->range == y->range && fv_ent_same_holders(x, y);
}

/*
 * Keep extents canonical around the extent at @x: fold an equal right
 * neighbour into it, and it into an equal left neighbour.  @x ends at the
 * merged extent.
 */
static void merge_around(struct fv_arena *a, struct fv_pos *x)
{
	struct fv_ent *n = peek_next(x);

	if (n && mergeable(pos_ent(x), n))
		absorb_next(a, x);
	n = peek_prev(x);
	if (n && mergeable(n, pos_ent(x))) {
		pos_prev(x);
		absorb_next(a, x);
	}
}

/*
 * Cut the extent at @x at @page (inside it).  The left part keeps the
 * holds; the right part gets a slot in each holder's domain and a copy of
 * the holder set, all reserved.  @x ends at the part named by @keep_right.
 *
 *   before   [e ................)
 *   after    [e ......)[new .....)      same range, same holders
 */
static void ext_split(struct fv_arena *a, struct fv_prep *r,
		      struct fv_pos *x, u64 page, bool keep_right)
{
	const struct fv_ent *e = pos_ent(x);
	u64 starts[2] = { x->start, page };
	u32 n = fv_ent_nholders(e), k;
	struct fv_ent ents[2];
	struct fv_domain *d;
	struct fv_hold h;

	FV_ASSERT(x->start < page && page < x->end && n);
	ents[0] = *e;
	fv_ent_copy_holders(&ents[1], e,
			    fv_more_hset(e->more) ? prep_take(r) : NULL);
	for (k = 0; k < n; k++) {
		h = fv_ent_holder(&ents[1], k);
		d = fv_dom_of(a, h.dom);
		h.sr = fv_sr(fv_slot_get(d, page), fv_sr_rights(h.sr));
		fv_ent_set_holder(&ents[1], k, h);
		d->nholds++;
	}
	a->nused++;
	a->nholders += n;
	x->i = fv_tree_splice(a, &x->p, x->i, 1, starts, ents, 2);
	if (keep_right)
		x->i = fv_tree_walk(a, page, &x->p);
	pos_fill(x);
}

/* Make the cuts prep_cuts() reserved for: extents end at @first and @end. */
static void make_cuts(struct fv_arena *a, struct fv_prep *r, u64 first,
		      u64 end, bool cut_first, bool cut_last)
{
	struct fv_pos x;

	if (cut_first) {
		pos_at(a, first, &x);
		ext_split(a, r, &x, first, true);
	}
	if (cut_last) {
		pos_at(a, end - 1, &x);
		ext_split(a, r, &x, end, false);
	}
}

/*
 * The extent at @x, the tree's last, lost its last holder: it joins the top
 * free run, and so does a free segment before it.  @x ends on the top run.
 */
static void ext_join_top(struct fv_arena *a, struct fv_pos *x)
{
	bool was_empty = a->top == window_end(a);

	a->nused--;
	a->free_pages += x->end - x->start;
	fv_tree_drop_last(a, &x->p);
	if (a->top > a->base) {
		x->i = fv_tree_walk(a, a->top - 1, &x->p);
		if (fv_ent_free(x->p.leaf, x->i)) {
			/* One free segment less: it is part of the top run. */
			fv_tree_drop_last(a, &x->p);
			a->nfree--;
		}
	}
	/* The top run counts as one free segment once it is not empty. */
	if (was_empty)
		a->nfree++;
	pos_top(x);
}

/*
 * The extent at @x lost its last holder (already unlinked from its slot):
 * make it free space, coalesced with free neighbours, in one change of its
 * leaf when they are in it.  Return: its range id, for the report.
 *
 *   before   |free A| extent |free B|
 *   after    |free A + extent + free B|
 */
static u64 ext_make_free(struct fv_arena *a, struct fv_pos *x)
{
	struct fv_ent free_ent = { 0 }, *n;
	struct fv_leaf *l = x->p.leaf;
	u64 range = pos_ent(x)->range, start;
	unsigned int i = x->i, ndel = 1;

	if (x->end == a->top) {
		ext_join_top(a, x);
		return range;
	}
	a->nused--;
	a->nfree++;
	a->free_pages += x->end - x->start;
	if (i + 1u < l->hdr.nr && fv_ent_free(l, i + 1)) {
		ndel++;
		a->nfree--;
	}
	if (i && fv_ent_free(l, i - 1)) {
		i--;
		ndel++;
		a->nfree--;
	}
	start = l->start[i];
	x->i = fv_tree_splice(a, &x->p, i, ndel, &start, &free_ent, 1);
	pos_fill(x);
	/*
	 * Free neighbours in the leaves either side (the one after is in the
	 * tree: a free segment never touches the top run).
	 */
	n = peek_next(x);
	if (n && !n->range)
		absorb_next(a, x);
	n = peek_prev(x);
	if (n && !n->range) {
		pos_prev(x);
		absorb_next(a, x);
	}
	return range;
}

/* A run of pages that went back to the free pool, for the report. */
struct fv_run {
	u64 start;
	u64 end;
	u64 range;
};

/*
 * Drop @d's hold on the extent at @x (whole).  Return: true when the extent
 * went back to the free pool, with its span and range id in @run.  @x ends
 * at the segment that now covers it.
 */
static bool drop_hold(struct fv_arena *a, struct fv_domain *d,
		      struct fv_pos *x, struct fv_run *run)
{
	struct fv_ent *e = pos_ent(x);
	u32 n = fv_ent_nholders(e), k;
	struct fv_hold h;

	for (k = 0; k < n; k++) {
		h = fv_ent_holder(e, k);
		if (h.dom == d->idx)
			break;
	}
	FV_ASSERT(k < n);
	fv_slot_put(d, fv_sr_slot(h.sr));
	d->nholds--;
	d->npages -= x->end - x->start;
	a->nholders--;
	if (n == 1) {
		run->start = x->start;
		run->end = x->end;
		run->range = ext_make_free(a, x);
		return true;
	}
	fv_ent_del_holder(a, e, d->idx);
	merge_around(a, x);
	return false;
}

static void report(struct fv_arena *a, const struct fv_run *run,
		   fv_released_fn fn, void *ctx)
{
	if (!fn)
		return;
	fv_seq_write_end(&a->seq);
	fn(ctx, run->start << FV_PAGE_SHIFT,
	   (run->end - run->start) << FV_PAGE_SHIFT, run->range);
	fv_seq_write_begin(&a->seq);
}

/* --- arena and domains --------------------------------------------------- */

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
	if (!size || ((base | size) & (FV_PAGE_SIZE - 1)) ||
	    size > ((u64)1 << FV_MAX_WINDOW_SHIFT) || base + size < base)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	a->base = base >> FV_PAGE_SHIFT;
	a->npages = size >> FV_PAGE_SHIFT;
	a->next_range = 1;
	a->free_pages = a->npages;
	a->nfree = 1;		/* the top free run: the whole window */
	if (fv_tree_init(a))
		return -ENOMEM;
	fv_lock_init(&a->lock);
	fv_seq_init(&a->seq, &a->lock);
	return 0;
}

/**
 * fv_arena_destroy() - free every record of an arena.
 * @a:		the arena; its domains must have been released.
 */
void fv_arena_destroy(struct fv_arena *a)
{
	FV_ASSERT(!a->nused && !a->ndomains);
	fv_tree_destroy(a);
	fv_dom_table_free(a);
	fv_lock_destroy(&a->lock);
}

/**
 * fv_domain_init() - register an empty domain with an arena.
 * @a:		the arena.
 * @d:		the domain, embedded in the caller's object.
 * @id:		an identifier unique among @a's domains.
 *
 * Return: 0 or -ENOMEM.
 */
int fv_domain_init(struct fv_arena *a, struct fv_domain *d, u64 id)
{
	int ret;

	memset(d, 0, sizeof(*d));
	d->id = id;
	fv_lock(&a->lock);
	ret = fv_dom_table_add(a, d);
	if (!ret)
		a->ndomains++;
	fv_unlock(&a->lock);
	return ret;
}

/*
 * Release up to @budget of @d's holds, visiting its slots from where the
 * last call stopped (so draining a domain in batches stays linear).
 * Return: whether holds remain.
 */
static bool release_some_locked(struct fv_arena *a, struct fv_domain *d,
				u64 budget, fv_released_fn fn, void *ctx)
{
	u32 total = fv_slots_total(d), seen;
	struct fv_run run;
	struct fv_pos x;
	u64 page;

	fv_lock_assert_held(&a->lock);
	fv_seq_write_begin(&a->seq);
	for (seen = 0; seen < total && d->nholds && budget; seen++) {
		if (d->cursor >= total)
			d->cursor = 0;
		if (!fv_slot_live(d, d->cursor++, &page))
			continue;
		pos_at(a, page, &x);
		FV_ASSERT(x.start == page &&
			  fv_ent_rights_of(pos_ent(&x), d->idx));
		if (drop_hold(a, d, &x, &run))
			report(a, &run, fn, ctx);
		budget--;
	}
	fv_seq_write_end(&a->seq);
	return d->nholds;
}

/**
 * fv_domain_release_some() - release at most @budget holds of a domain.
 * @a:		the arena.
 * @d:		the domain.
 * @budget:	holds to release at most.
 * @fn:		told of each run of pages that went back to the free pool.
 * @ctx:	passed to @fn.
 *
 * For callers that must not keep the arena locked long: call again (after
 * letting others in) until it returns 0, then fv_domain_release_all().
 *
 * Return: 1 when @d still holds something, else 0.
 */
int fv_domain_release_some(struct fv_arena *a, struct fv_domain *d,
			   u64 budget, fv_released_fn fn, void *ctx)
{
	bool more;

	fv_lock(&a->lock);
	more = release_some_locked(a, d, budget, fn, ctx);
	fv_unlock(&a->lock);
	return more;
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
	fv_lock(&a->lock);
	release_some_locked(a, d, ~(u64)0, fn, ctx);
	FV_ASSERT(!d->nholds && !d->npages);
	fv_slots_free(a, d);
	fv_dom_table_del(a, d);
	a->ndomains--;
	fv_unlock(&a->lock);
}

/* --- alloc ----------------------------------------------------------------- */

/*
 * Where @npages pages aligned to 2^@shift pages go: vmalloc's policy, the
 * lowest free segment long enough whatever its alignment (@npages + 2^@shift
 * - 1 pages), else the lowest aligned run that fits exactly; the tree's
 * free segments before the top free run, which is the highest.  Return:
 * false when there is no room; else @at, the first page, and @in_tree with
 * @p, @slot the free segment of the tree, or not when @at is in the top run.
 */
static bool alloc_find(struct fv_arena *a, u64 npages,
		       unsigned int shift, struct fv_path *p,
		       unsigned int *slot, u64 *at, bool *in_tree)
{
	u64 mask = ((u64)1 << shift) - 1, top = a->top, end = window_end(a);

	*in_tree = true;
	if (shift && npages + mask <= a->npages) {
		if (fv_tree_find_fit(a, npages + mask, 0, p, slot, at)) {
			*at = (*at + mask) & ~mask;
			return true;
		}
		if (end - top >= npages + mask) {
			*in_tree = false;
			*at = (top + mask) & ~mask;
			return true;
		}
	}
	fv_tree_keep_align(a, shift);
	if (fv_tree_find_fit(a, npages, shift, p, slot, at))
		return true;
	*in_tree = false;
	*at = (top + mask) & ~mask;
	return *at < end && end - *at >= npages;
}

/**
 * fv_alloc() - allocate a range and give it to a domain.
 * @a:		the arena.
 * @d:		the domain that will hold the whole range.
 * @len:	bytes, a non-zero page multiple.
 * @align:	0, or a power of two from FV_PAGE_SIZE to 1 GiB.
 * @rights:	@d's rights on the range (FV_OWNER is added).
 * @addr:	set to the first byte of the range.
 *
 * Lowest fit; an aligned request takes the lowest segment sure to hold it,
 * else the lowest exact aligned fit: never fails while one exists, and
 * costs one descent or two.  A range carved from the top free run is
 * appended to the tree without touching any free-space summary.
 *
 * Return: 0, -EINVAL, -ENOSPC (no free run fits), or -ENOMEM.
 */
int fv_alloc(struct fv_arena *a, struct fv_domain *d, u64 len, u64 align,
	     u32 rights, u64 *addr)
{
	struct fv_ent ents[3] = { { 0 }, { 0 }, { 0 } };
	unsigned int shift = 0, k = 0, slot;
	u64 npages, at, starts[3], s, e;
	struct fv_path p;
	bool in_tree;
	int ret;

	if (!len || (len & (FV_PAGE_SIZE - 1)) || !rights_valid(rights))
		return -EINVAL;
	if (align && ((align & (align - 1)) || align < FV_PAGE_SIZE ||
		      align > ((u64)1 << FV_MAX_ALIGN_SHIFT)))
		return -EINVAL;
	npages = len >> FV_PAGE_SHIFT;
	if (align)
		shift = fv_fls64(align) - FV_PAGE_SHIFT;
	if (npages > a->npages)
		return -ENOSPC;

	fv_lock(&a->lock);
	if (!alloc_find(a, npages, shift, &p, &slot, &at, &in_tree)) {
		ret = -ENOSPC;
		goto unlock;
	}
	ret = fv_tree_reserve(a, 1, false);
	if (!ret)
		ret = fv_slots_reserve(a, d, 1, false);
	if (ret)
		goto unlock;

	/*
	 *   [ head free | the new extent | tail free ]
	 *   ^s          ^at              ^at + npages ^e
	 * In the top free run, the tail stays the top run.
	 */
	if (in_tree) {
		s = p.leaf->start[slot];
		e = fv_ent_end(&p, slot);
	} else {
		s = a->top;
		e = window_end(a);
	}
	fv_seq_write_begin(&a->seq);
	if (at > s) {
		starts[k] = s;
		k++;
		a->nfree++;
	}
	starts[k] = at;
	ents[k].range = a->next_range++;
	ents[k].h.dom = d->idx;
	ents[k].h.sr = fv_sr(fv_slot_get(d, at), rights | FV_OWNER);
	k++;
	if (in_tree && at + npages < e) {
		starts[k] = at + npages;
		k++;
		a->nfree++;
	}
	if (in_tree || at + npages == e)
		a->nfree--;
	a->free_pages -= npages;
	a->nused++;
	a->nholders++;
	d->nholds++;
	d->npages += npages;
	if (in_tree)
		fv_tree_splice(a, &p, slot, 1, starts, ents, k);
	else
		fv_tree_append(a, &p, starts, ents, k, at + npages);
	fv_seq_write_end(&a->seq);
	*addr = at << FV_PAGE_SHIFT;
unlock:
	fv_unlock(&a->lock);
	return ret;
}

/* --- share ------------------------------------------------------------------- */

#define FV_WALK_CROSS	0x1	/* the holds span two ranges */
#define FV_WALK_RIGHTS	0x2	/* some hold lacks part of the rights asked */
#define FV_WALK_EXIST	0x4	/* @other already holds some extent */

/*
 * Walk @d's holds over pages [first, end) from @x (at @first): -ENOENT if a
 * page is not held, else FV_WALK_* bits.  @count: extents met.  @x is left
 * where it was.
 */
static int hold_walk(const struct fv_pos *x, const struct fv_domain *d,
		     u64 end, u32 rights, const struct fv_domain *other,
		     u64 *count)
{
	const struct fv_ent *e = pos_ent(x);
	u64 range = e->range;
	struct fv_pos y;
	int flags = 0;
	u32 r;

	if (x->end >= end || x->top) {
		/* One extent covers the span: the common case. */
		*count = 1;
		r = fv_ent_rights_of(e, d->idx);
		if (!r)
			return -ENOENT;
		if (rights & ~r)
			flags |= FV_WALK_RIGHTS;
		if (other && fv_ent_rights_of(e, other->idx))
			flags |= FV_WALK_EXIST;
		return flags;
	}
	y = *x;
	*count = 0;
	for (;;) {
		r = fv_ent_rights_of(pos_ent(&y), d->idx);
		if (!r)
			return -ENOENT;
		if (pos_ent(&y)->range != range)
			flags |= FV_WALK_CROSS;
		if (rights & ~r)
			flags |= FV_WALK_RIGHTS;
		if (other && fv_ent_rights_of(pos_ent(&y), other->idx))
			flags |= FV_WALK_EXIST;
		(*count)++;
		if (y.end >= end || !pos_next(&y))
			return flags;
	}
}

/*
 * Reserve what giving @to a hold on every extent of [first, end) takes,
 * from @x (at @first): the cuts at the ends, a slot per extent, and a set
 * for each extent that needs a new one.
 */
static int share_prep(struct fv_arena *a, struct fv_prep *r,
		      const struct fv_pos *x, struct fv_domain *to, u64 first,
		      u64 end, u64 count, bool *cut_first, bool *cut_last)
{
	const struct fv_ent *fe = pos_ent(x);
	struct fv_pos y;
	int ret;

	*cut_first = x->start < first;
	if (x->end >= end) {
		/* One extent covers the span: the common case. */
		*cut_last = x->end > end;
		ret = prep_cuts(a, r, fe, *cut_first, fe, *cut_last);
		if (!ret)
			ret = fv_slots_reserve(a, to, 1, false);
		if (!ret && fv_ent_add_needs_set(fe))
			ret = prep_hset(a, r, fv_ent_set_cap(fe));
		return ret;
	}
	y = *x;
	while (y.end < end)
		pos_next(&y);
	*cut_last = y.end > end;
	ret = prep_cuts(a, r, fe, *cut_first, pos_ent(&y), *cut_last);
	if (!ret)
		ret = fv_slots_reserve(a, to, count, false);
	for (y = *x; !ret; pos_next(&y)) {
		if (fv_ent_add_needs_set(pos_ent(&y)))
			ret = prep_hset(a, r, fv_ent_set_cap(pos_ent(&y)));
		if (y.end >= end)
			break;
	}
	return ret;
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
	bool cut_first, cut_last;
	struct fv_hset *spare;
	struct fv_prep r;
	struct fv_hold h;
	struct fv_pos x;
	u64 first, end, count;
	int ret;

	ret = span_pages(a, addr, len, &first, &end);
	if (ret)
		return ret;
	if (!rights_valid(rights) || from == to)
		return -EINVAL;

	fv_lock(&a->lock);
	pos_at(a, first, &x);
	ret = hold_walk(&x, from, end, rights, to, &count);
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
	prep_init(&r, false);
	ret = share_prep(a, &r, &x, to, first, end, count, &cut_first,
			 &cut_last);
	if (ret) {
		prep_put(a, &r);
		goto unlock;
	}

	fv_seq_write_begin(&a->seq);
	if (cut_first || cut_last) {
		make_cuts(a, &r, first, end, cut_first, cut_last);
		pos_at(a, first, &x);
	}
	for (;;) {
		h.dom = to->idx;
		h.sr = fv_sr(fv_slot_get(to, x.start), rights);
		spare = fv_ent_add_needs_set(pos_ent(&x)) ? prep_take(&r) : NULL;
		fv_ent_add_holder(a, pos_ent(&x), h, spare);
		to->nholds++;
		to->npages += x.end - x.start;
		a->nholders++;
		if (x.end >= end)
			break;
		pos_next(&x);
	}
	/* Only the ends can now equal a neighbour outside the span. */
	merge_around(a, &x);
	if (count > 1) {
		pos_at(a, first, &x);
		merge_around(a, &x);
	}
	fv_seq_write_end(&a->seq);
	FV_ASSERT(!r.first);
unlock:
	fv_unlock(&a->lock);
	return ret;
}

/* --- release ----------------------------------------------------------------- */

/*
 * Drop what @d holds in a span; pages other domains still hold stay, the
 * others return to the free pool and are passed to @fn.  @nofail: allocate
 * the records of the splits without failing.
 * Return: 0, -EINVAL (bad span), -ENOENT (@d holds none of it), -ENOMEM.
 */
static int release_span(struct fv_arena *a, struct fv_domain *d, u64 addr,
			u64 len, fv_released_fn fn, void *ctx, bool nofail)
{
	struct fv_ent *fe = NULL, *le = NULL;
	bool cut_first, cut_last;
	u64 first, end, fstart = 0, lend = 0;
	struct fv_run run;
	struct fv_prep r;
	struct fv_pos x;
	int ret;

	ret = span_pages(a, addr, len, &first, &end);
	if (ret)
		return ret;

	fv_lock(&a->lock);
	/* The first and the last extents @d holds in the span. */
	pos_at(a, first, &x);
	if (x.end >= end) {
		if (fv_ent_rights_of(pos_ent(&x), d->idx)) {
			fe = pos_ent(&x);
			le = fe;
			fstart = x.start;
			lend = x.end;
		}
	} else {
		struct fv_pos y = x;

		for (;; pos_next(&y)) {
			if (fv_ent_rights_of(pos_ent(&y), d->idx)) {
				if (!fe) {
					fe = pos_ent(&y);
					fstart = y.start;
				}
				le = pos_ent(&y);
				lend = y.end;
			}
			if (y.end >= end)
				break;
		}
	}
	if (!fe) {
		ret = -ENOENT;
		goto unlock;
	}
	cut_first = fstart < first;
	cut_last = lend > end;
	prep_init(&r, nofail);
	/* Without cuts, dropping holds needs nothing reserved. */
	ret = cut_first || cut_last ?
	      prep_cuts(a, &r, fe, cut_first, le, cut_last) : 0;
	if (ret) {
		prep_put(a, &r);
		goto unlock;
	}

	fv_seq_write_begin(&a->seq);
	if (cut_first || cut_last) {
		make_cuts(a, &r, first, end, cut_first, cut_last);
		pos_at(a, first, &x);
	}
	for (;;) {
		if (fv_ent_rights_of(pos_ent(&x), d->idx) &&
		    drop_hold(a, d, &x, &run))
			report(a, &run, fn, ctx);
		/* @x covers what it covered, and maybe neighbours not ours. */
		if (x.end >= end || !pos_next(&x))
			break;
	}
	fv_seq_write_end(&a->seq);
	FV_ASSERT(!r.first);
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
 * The records cutting the extents at the span's ends are allocated with
 * __GFP_NOFAIL (two leaves and a few branches at most, a slot per holder
 * and a copy of the holder set): for vm_ops->close(), which cannot report
 * a failure.
 *
 * Return: 0, -EINVAL (bad span), -ENOENT (@d holds none of it).
 */
int fv_release_nofail(struct fv_arena *a, struct fv_domain *d, u64 addr,
		      u64 len, fv_released_fn fn, void *ctx)
{
	return release_span(a, d, addr, len, fn, ctx, true);
}

/* --- look-ups -------------------------------------------------------------- */

/*
 * The segment holding @page, without the lock; fills @res and, for @d,
 * its rights.  Return: 0, or -ENOENT (free, outside, or not held by @d).
 */
static int lookup_lockless(struct fv_arena *a, u64 page,
			   const struct fv_domain *d,
			   struct fv_lookup_result *res)
{
	struct fv_ent e;
	unsigned int seq;
	u64 start, end;
	int ret;

	if (page < a->base || page - a->base >= a->npages)
		return -ENOENT;
	fv_read_lock();
	do {
		seq = fv_seq_read_begin(&a->seq);
		ret = fv_tree_lookup_lockless(a, page, &e, &start, &end);
		if (ret)
			continue;
		if (!e.range) {
			ret = -ENOENT;
			continue;
		}
		/*
		 * Leaves change by plain bulk copies: follow a holder set
		 * only once the sequence says its pointer is not torn.
		 */
		if (fv_more_hset(e.more) && fv_seq_read_retry(&a->seq, seq)) {
			ret = -EAGAIN;
			continue;
		}
		res->range = e.range;
		res->ext_start = start << FV_PAGE_SHIFT;
		res->ext_len = (end - start) << FV_PAGE_SHIFT;
		res->nholders = fv_ent_nholders(&e);
		res->rights = d ? fv_ent_rights_of(&e, d->idx) : 0;
		if (d && !res->rights)
			ret = -ENOENT;
	} while (fv_seq_read_retry(&a->seq, seq) || ret == -EAGAIN);
	fv_read_unlock();
	return ret;
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
	return lookup_lockless(a, addr >> FV_PAGE_SHIFT, NULL, res);
}

/**
 * fv_rights() - a domain's rights at an address; runs without the lock.
 * @a:		the arena.
 * @d:		the domain (registered for the whole call).
 * @addr:	any byte address.
 * @res:	filled on success, with @res->rights.
 *
 * Return: 0, or -ENOENT when @d does not hold the page.
 */
int fv_rights(struct fv_arena *a, struct fv_domain *d, u64 addr,
	      struct fv_lookup_result *res)
{
	return lookup_lockless(a, addr >> FV_PAGE_SHIFT, d, res);
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
	u64 page = addr >> FV_PAGE_SHIFT, range, lo, hi;
	struct fv_pos x, y;
	int ret = -ENOENT;

	if (page < a->base || page - a->base >= a->npages)
		return -ENOENT;
	fv_lock(&a->lock);
	pos_at(a, page, &x);
	range = pos_ent(&x)->range;
	if (range) {
		lo = x.start;
		hi = x.end;
		for (y = x; pos_prev(&y) && pos_ent(&y)->range == range;)
			lo = y.start;
		for (y = x; pos_next(&y) && pos_ent(&y)->range == range;)
			hi = y.end;
		*start = lo << FV_PAGE_SHIFT;
		*len = (hi - lo) << FV_PAGE_SHIFT;
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
 * @rights:	rights wanted on every page (0: any; FV_OWNER may be asked).
 *
 * Return: 0, -EINVAL (bad span), -ENOENT (a page not held) or -EACCES.
 */
int fv_holds_all(struct fv_arena *a, struct fv_domain *d, u64 addr, u64 len,
		 u32 rights)
{
	u64 first, end, count;
	struct fv_pos x;
	int ret;

	ret = span_pages(a, addr, len, &first, &end);
	if (ret)
		return ret;
	fv_lock(&a->lock);
	pos_at(a, first, &x);
	ret = hold_walk(&x, d, end, rights, NULL, &count);
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
 * A read-only holder must not evict a writer, and nobody evicts the owner:
 * @from covers @to when it holds every page @to holds in the span, with at
 * least @to's rights there (FV_OWNER included).
 *
 * Return: 1, 0, or -EINVAL (bad span).
 */
int fv_rights_cover(struct fv_arena *a, struct fv_domain *from,
		    struct fv_domain *to, u64 addr, u64 len)
{
	u64 first, end;
	struct fv_pos x;
	u32 theirs;
	int ret;

	ret = span_pages(a, addr, len, &first, &end);
	if (ret)
		return ret;
	fv_lock(&a->lock);
	ret = 1;
	for (pos_at(a, first, &x);; pos_next(&x)) {
		theirs = fv_ent_rights_of(pos_ent(&x), to->idx);
		if (theirs & ~fv_ent_rights_of(pos_ent(&x), from->idx)) {
			ret = 0;
			break;
		}
		if (x.end >= end)
			break;
	}
	fv_unlock(&a->lock);
	return ret;
}

/* --- walking and counting -------------------------------------------------- */

/**
 * fv_walk() - visit every segment of an arena in address order.
 * @a:		the arena.
 * @fn:		called with each segment under the arena lock; it must not
 *		call back into the arena (fv_seg_holder() excepted).  A
 *		non-zero return stops the walk.
 * @ctx:	passed to @fn.
 *
 * Return: 0, or the first non-zero value @fn returned.
 */
int fv_walk(struct fv_arena *a, int (*fn)(void *ctx, const struct fv_seg *seg),
	    void *ctx)
{
	struct fv_seg seg;
	struct fv_pos x;
	int ret = 0;

	fv_lock(&a->lock);
	pos_at(a, a->base, &x);
	do {
		seg.start = x.start;
		seg.npages = x.end - x.start;
		seg.range = pos_ent(&x)->range;
		seg.used = !!seg.range;
		seg.nholders = fv_ent_nholders(pos_ent(&x));
		seg.priv = pos_ent(&x);
		ret = fn(ctx, &seg);
	} while (!ret && pos_next(&x));
	fv_unlock(&a->lock);
	return ret;
}

/**
 * fv_seg_holder() - a holder of a segment fv_walk() shows.
 * @a:		the arena (locked by fv_walk()).
 * @seg:	the segment.
 * @i:		0 <= @i < @seg->nholders, in the order of domain indexes.
 * @dom_id:	set to the holding domain's id.
 * @rights:	set to its rights (FV_OWNER included).
 */
void fv_seg_holder(const struct fv_arena *a, const struct fv_seg *seg, u32 i,
		   u64 *dom_id, u32 *rights)
{
	struct fv_hold h = fv_ent_holder(seg->priv, i);

	*dom_id = fv_dom_of(a, h.dom)->id;
	*rights = fv_sr_rights(h.sr);
}

/**
 * fv_stats() - a snapshot of an arena's counters, in O(1).
 * @a:		the arena.
 * @st:		filled with the snapshot.
 */
void fv_stats(struct fv_arena *a, struct fv_stats *st)
{
	fv_lock(&a->lock);
	st->window_bytes = a->npages << FV_PAGE_SHIFT;
	st->free_bytes = a->free_pages << FV_PAGE_SHIFT;
	st->largest_free = fv_tree_largest_free(a);
	if (window_end(a) - a->top > st->largest_free)
		st->largest_free = window_end(a) - a->top;
	st->largest_free <<= FV_PAGE_SHIFT;
	st->nfree = a->nfree;
	st->nextents = a->nused;
	st->nholders = a->nholders;
	st->ndomains = a->ndomains;
	st->metadata_bytes = a->meta_bytes;
	fv_unlock(&a->lock);
}
