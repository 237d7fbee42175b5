// SPDX-License-Identifier: GPL-2.0
/*
 * Same-job peer "kva": the whole job of the flatvm core (full.h) done the
 * way mm/vmalloc.c keeps its address space, with the kernel's own red-black
 * trees (lib/rbtree.c, built on the host from tools/lib/rbtree.c of
 * Debian's linux-source 6.1, with tools/include/linux/rbtree_augmented.h).
 * Written fresh for the benchmark from vmalloc's ideas: no vmalloc code and
 * no code of the flatvm core.  Pages are the unit.
 *
 * - Busy tree (vmalloc's vmap_area_root): every extent, a 64-byte record
 *   (struct kva_ext: range id, holder set) in an rbtree by address.  The
 *   address -> extent look-up is one descent.
 * - Free tree (free_vmap_area_root): free extents, always coalesced, in an
 *   rbtree by address augmented with the largest free extent of each
 *   subtree (RB_DECLARE_CALLBACKS_MAX, as vmalloc's subtree_max_size).
 *   Allocation descends to the lowest extent that fits; a release finds both
 *   free neighbours in one descent and merges with them (vmalloc's
 *   merge_or_add_vmap_area()).  Aligned requests descend for
 *   size + align - 1 pages; when that fails they fall back to an in-order
 *   walk pruned by the subtree maxima, so they never fail while an aligned
 *   fit exists.  That fallback is linear in the free extents that hold the
 *   size but no aligned run of it (it runs only when no free extent of
 *   size + align - 1 is left).  vmalloc's own descent also accepts an
 *   aligned fit met on the way in a smaller extent; this peer keeps the
 *   plain lowest fit so that it places every range where the other
 *   lowest-fit allocators do (the smoke run checks it).
 * - Per process, an rbtree of hold records (struct kva_hold: a run of pages
 *   and its rights, 48 bytes), as mm kept its VMAs in mm_rb before the
 *   maple tree: exit walks only the process's own holdings.  Releasing part
 *   of a hold trims or splits it; the rights look-up does not need it (the
 *   extent's holder set answers in the busy tree's descent).
 * - Extents are canonical, as the core's: neighbouring extents of one range
 *   always differ in their holder sets.
 * - Failure atomicity as the core's: every record an operation needs is
 *   reserved before anything changes (peer.h's span of pieces, shared with
 *   the maple peer, as are the holder-set edits); rbtrees allocate nothing.
 *
 * Compiled with the kernel's tools headers.
 */
#include <errno.h>
#include <string.h>
#include <linux/align.h>
#include <linux/kernel.h>
#include <linux/rbtree_augmented.h>

#include "full.h"
#include "peer.h"

/* @pe after the tree node: rb_entry() costs nothing. */
struct kva_ext {
	struct rb_node rb;
	uint64_t start;
	uint64_t npages;
	struct peer_ext pe;
};

struct kva_free {
	struct rb_node rb;
	uint64_t start;
	uint64_t npages;
	uint64_t subtree_max;
};

struct kva_hold {
	struct rb_node rb;
	uint64_t start;
	uint64_t npages;
	uint32_t rights;
};

/*
 * The span's caches are those of the busy tree's records (ext_cache) and of
 * the free tree's (free_cache, the release's spares).
 */
struct kva {
	struct peer_lock lock;
	uint32_t ndoms;
	struct rb_root busy;
	struct rb_root free;
	uint64_t lo;
	uint64_t end;		/* first page after the window */
	uint64_t free_pages;
	uint64_t nfree;
	uint64_t nextents;
	uint64_t next_range;
	struct fv_slab *hold_cache;
	struct peer_span span;	/* scratch of one operation */
	struct rb_root *doms;
};

#define ext_of(n)	rb_entry(n, struct kva_ext, rb)
#define kva_of(x)	container_of(x, struct kva_ext, pe)
#define free_of(n)	rb_entry(n, struct kva_free, rb)
#define hold_of(n)	rb_entry(n, struct kva_hold, rb)

static inline uint64_t free_size(const struct kva_free *f)
{
	return f->npages;
}

RB_DECLARE_CALLBACKS_MAX(static, free_cb, struct kva_free, rb, uint64_t,
			 subtree_max, free_size)

static inline uint64_t sub_max(const struct rb_node *n)
{
	return n ? free_of(n)->subtree_max : 0;
}

/* ---- generic rbtree helpers ---- */

/* Where a node right after @prev in address order goes: link, *@parent. */
static struct rb_node **slot_after(struct rb_node *prev,
				   struct rb_node **parent)
{
	struct rb_node **link = &prev->rb_right;

	*parent = prev;
	if (*link) {
		*parent = *link;
		while ((*parent)->rb_left)
			*parent = (*parent)->rb_left;
		link = &(*parent)->rb_left;
	}
	return link;
}

/* Links @n right after @prev in address order (plain, not augmented). */
static void link_after(struct rb_root *root, struct rb_node *prev,
		       struct rb_node *n)
{
	struct rb_node *parent, **link = slot_after(prev, &parent);

	rb_link_node(n, parent, link);
	rb_insert_color(n, root);
}

/* Links @n right before @next in address order. */
static void link_before(struct rb_root *root, struct rb_node *next,
			struct rb_node *n)
{
	struct rb_node *parent = next, **link = &next->rb_left;

	if (*link) {
		parent = *link;
		while (parent->rb_right)
			parent = parent->rb_right;
		link = &parent->rb_right;
	}
	rb_link_node(n, parent, link);
	rb_insert_color(n, root);
}

/* Links @n by its start (@start_of gives a node's first page). */
#define LINK_BY_START(root, n, type)					\
	do {								\
		struct rb_node **link_ = &(root)->rb_node, *parent_ = NULL; \
									\
		while (*link_) {					\
			parent_ = *link_;				\
			link_ = (n)->start < rb_entry(parent_, type, rb)->start ? \
				&parent_->rb_left : &parent_->rb_right;	\
		}							\
		rb_link_node(&(n)->rb, parent_, link_);			\
		rb_insert_color(&(n)->rb, root);			\
	} while (0)

/*
 * The first record of @root (holding runs [start, start + npages)) that
 * ends after @page: the one holding @page, or the next one.  NULL if none.
 */
#define FIRST_ENDING_AFTER(root, page, type, out)			\
	do {								\
		struct rb_node *n_ = (root)->rb_node;			\
		type *r_;						\
									\
		(out) = NULL;						\
		while (n_) {						\
			r_ = rb_entry(n_, type, rb);			\
			if ((page) < r_->start) {			\
				(out) = r_;				\
				n_ = n_->rb_left;			\
			} else if ((page) < r_->start + r_->npages) {	\
				(out) = r_;				\
				break;					\
			} else {					\
				n_ = n_->rb_right;			\
			}						\
		}							\
	} while (0)

static struct kva_ext *ext_next(struct kva_ext *e)
{
	struct rb_node *n = rb_next(&e->rb);

	return n ? ext_of(n) : NULL;
}

/* ---- free tree ---- */

static void free_link(struct kva *v, struct kva_free *f, struct rb_node *parent,
		      struct rb_node **link)
{
	/* As vmalloc's link_va(): the maxima are fixed from the node up. */
	rb_link_node(&f->rb, parent, link);
	rb_insert_augmented(&f->rb, &v->free, &free_cb);
	f->subtree_max = 0;
	free_cb_propagate(&f->rb, NULL);
	v->nfree++;
}

static void free_erase(struct kva *v, struct kva_free *f)
{
	rb_erase_augmented(&f->rb, &v->free, &free_cb);
	fv_slab_free(v->span.free_cache, f);
	v->nfree--;
}

/* Lowest free extent of at least @len pages, or NULL. */
static struct kva_free *lowest_fit(struct kva *v, uint64_t len)
{
	struct rb_node *n = v->free.rb_node;

	if (sub_max(n) < len)
		return NULL;
	for (;;) {
		if (sub_max(n->rb_left) >= len)
			n = n->rb_left;
		else if (free_of(n)->npages >= len)
			return free_of(n);
		else
			n = n->rb_right;
	}
}

static int fits(const struct kva_free *f, uint64_t len, uint64_t align)
{
	uint64_t a = ALIGN(f->start, align), end = f->start + f->npages;

	return a < end && end - a >= len;
}

/* Lowest free extent holding an aligned run of @len: pruned in-order walk. */
static struct kva_free *lowest_aligned_fit(struct rb_node *n, uint64_t len,
					   uint64_t align)
{
	struct kva_free *hit;

	while (n && sub_max(n) >= len) {
		hit = lowest_aligned_fit(n->rb_left, len, align);
		if (hit)
			return hit;
		if (fits(free_of(n), len, align))
			return free_of(n);
		n = n->rb_right;
	}
	return NULL;
}

/*
 * Gives [start, start + n) back to the free tree, merged with its free
 * neighbours; @spare (reserved) is used when it stands alone, else freed.
 */
static void free_run(struct kva *v, uint64_t start, uint64_t n,
		     struct kva_free *spare)
{
	struct rb_node **link = &v->free.rb_node, *parent = NULL;
	struct kva_free *prev = NULL, *next = NULL, *f;
	uint64_t end = start + n;

	while (*link) {
		parent = *link;
		f = free_of(parent);
		if (start < f->start) {
			next = f;
			link = &parent->rb_left;
		} else {
			prev = f;
			link = &parent->rb_right;
		}
	}
	v->free_pages += n;
	if (prev && prev->start + prev->npages == start) {
		if (next && next->start == end) {
			n += next->npages;
			free_erase(v, next);
		}
		prev->npages += n;
		free_cb_propagate(&prev->rb, NULL);
	} else if (next && next->start == end) {
		next->start = start;
		next->npages += n;
		free_cb_propagate(&next->rb, NULL);
	} else {
		spare->start = start;
		spare->npages = n;
		free_link(v, spare, parent, link);
		return;
	}
	fv_slab_free(v->span.free_cache, spare);
}

/* ---- create, alloc ---- */

static void *kva_create(uint64_t base, uint64_t npages, uint32_t ndoms)
{
	struct kva *v = fv_kmalloc(sizeof(*v), FV_SLAB_ZERO);
	struct fv_slab *ext_cache, *free_cache;
	struct kva_free *f;

	if (!v)
		return NULL;
	ext_cache = fv_slab_create("kva_ext", sizeof(struct kva_ext), 0);
	free_cache = fv_slab_create("kva_free", sizeof(struct kva_free), 0);
	v->hold_cache = fv_slab_create("kva_hold", sizeof(struct kva_hold), 0);
	v->doms = fv_kmalloc((ndoms ? ndoms : 1) * sizeof(*v->doms),
			     FV_SLAB_ZERO);
	f = free_cache ? fv_slab_alloc(free_cache, 0) : NULL;
	if (!ext_cache || !v->hold_cache || !v->doms || !f) {
		fv_slab_destroy(ext_cache);
		fv_slab_destroy(free_cache);
		fv_slab_destroy(v->hold_cache);
		fv_kfree(v->doms);
		fv_kfree(v);
		return NULL;
	}
	peer_span_init(&v->span, ext_cache, offsetof(struct kva_ext, pe),
		       free_cache);
	v->busy = RB_ROOT;
	v->free = RB_ROOT;
	v->lo = base;
	v->end = base + npages;
	v->ndoms = ndoms;
	f->start = base;
	f->npages = npages;
	free_link(v, f, NULL, &v->free.rb_node);
	v->free_pages = npages;
	return v;
}

static int kva_alloc(void *fe, uint32_t dom, uint64_t npages, uint64_t align,
		     uint32_t rights, uint64_t *start)
{
	struct kva *v = fe;
	struct kva_free *f = NULL, *tail = NULL;
	struct kva_ext *e;
	struct kva_hold *h;
	uint64_t s, end;
	int rc = -ENOMEM;

	peer_lock(&v->lock);
	if (align > 1)
		f = lowest_fit(v, npages + align - 1);
	if (!f)
		f = align > 1 ? lowest_aligned_fit(v->free.rb_node, npages, align)
			      : lowest_fit(v, npages);
	if (!f) {
		rc = -ENOSPC;
		goto out;
	}
	s = ALIGN(f->start, align);
	end = f->start + f->npages;
	e = fv_slab_alloc(v->span.ext_cache, 0);
	h = fv_slab_alloc(v->hold_cache, 0);
	if (s > f->start && s + npages < end)
		tail = fv_slab_alloc(v->span.free_cache, 0);
	if (!e || !h || (s > f->start && s + npages < end && !tail)) {
		fv_slab_free(v->span.ext_cache, e);
		fv_slab_free(v->hold_cache, h);
		fv_slab_free(v->span.free_cache, tail);
		goto out;
	}
	/* Carve [s, s + npages) out of @f, as adjust_va_to_fit_type(). */
	if (s == f->start && s + npages == end) {
		free_erase(v, f);
	} else if (s == f->start) {
		f->start += npages;
		f->npages -= npages;
		free_cb_propagate(&f->rb, NULL);
	} else {
		f->npages = s - f->start;
		free_cb_propagate(&f->rb, NULL);
		if (tail) {
			struct rb_node *parent, **link;

			link = slot_after(&f->rb, &parent);
			tail->start = s + npages;
			tail->npages = end - s - npages;
			free_link(v, tail, parent, link);
		}
	}
	v->free_pages -= npages;
	e->start = s;
	e->npages = npages;
	e->pe.range = v->next_range++;
	ph_init_one(&e->pe.hs, dom, rights);
	LINK_BY_START(&v->busy, e, struct kva_ext);
	v->nextents++;
	h->start = s;
	h->npages = npages;
	h->rights = rights;
	LINK_BY_START(&v->doms[dom], h, struct kva_hold);
	*start = s;
	rc = 0;
out:
	peer_unlock(&v->lock);
	return rc;
}

/* ---- the extents of a span ---- */

/* The extents meeting [first, last], in order, into v->span. */
static int kva_collect(struct kva *v, uint64_t first, uint64_t last)
{
	struct kva_ext *e;

	peer_span_clear(&v->span);
	FIRST_ENDING_AFTER(&v->busy, first, struct kva_ext, e);
	for (; e && e->start <= last; e = ext_next(e)) {
		if (peer_span_add(&v->span, &e->pe, e->start,
				  e->start + e->npages - 1))
			return -ENOMEM;
	}
	return 0;
}

static void ext_erase(struct kva *v, struct kva_ext *e)
{
	rb_erase(&e->rb, &v->busy);
	ph_free(&e->pe.hs);
	fv_slab_free(v->span.ext_cache, e);
	v->nextents--;
}

/* Makes @n = [start, start + npages), linked after @e. */
static void ext_add_after(struct kva *v, struct kva_ext *e, struct kva_ext *n,
			  uint64_t start, uint64_t npages)
{
	n->start = start;
	n->npages = npages;
	link_after(&v->busy, &e->rb, &n->rb);
	v->nextents++;
}

/*
 * Merges neighbouring extents of one range with equal holder sets among
 * those meeting [first, last].
 */
static void kva_merge(struct kva *v, uint64_t first, uint64_t last)
{
	struct kva_ext *prev = NULL, *e, *next;

	FIRST_ENDING_AFTER(&v->busy, first, struct kva_ext, e);
	for (; e && e->start <= last; e = next) {
		next = ext_next(e);
		if (prev && prev->start + prev->npages == e->start &&
		    peer_ext_same(&prev->pe, &e->pe)) {
			prev->npages += e->npages;
			ext_erase(v, e);
		} else {
			prev = e;
		}
	}
}

/*
 * Cuts extent @p->ext = [ps, pe] at the span [a, b] it overlaps on one side
 * or both, placing what peer_*_edit() made: the extent keeps the part
 * before the span if any, else the part after; @p->mid (if reserved) takes
 * [a, b], @p->right the part after when both remain.  No @p->mid: [a, b]
 * leaves the busy tree.
 */
static void ext_cut(struct kva *v, struct peer_piece *p, uint64_t a,
		    uint64_t b)
{
	struct kva_ext *e = kva_of(p->ext), *mid = NULL;
	uint64_t ps = p->first, pe = p->last;

	if (p->mid)
		mid = kva_of(p->mid);
	if (ps < a) {
		e->npages = a - ps;
		if (mid)
			ext_add_after(v, e, mid, a, b - a + 1);
		if (p->right)
			ext_add_after(v, mid ? mid : e, kva_of(p->right),
				      b + 1, pe - b);
	} else {
		e->start = b + 1;
		e->npages = pe - b;
		if (mid) {
			mid->start = a;
			mid->npages = b - a + 1;
			link_before(&v->busy, &e->rb, &mid->rb);
			v->nextents++;
		}
	}
	p->mid = NULL;
	p->right = NULL;
}

/* ---- per-process holds ---- */

/* @dom's first hold ending after @first (see holds_drop()). */
static struct kva_hold *holds_first(struct kva *v, uint32_t dom,
				    uint64_t first)
{
	struct kva_hold *h;

	FIRST_ENDING_AFTER(&v->doms[dom], first, struct kva_hold, h);
	return h;
}

/* Does dropping [first, last] split hold @h (from holds_first())? */
static int holds_split(struct kva_hold *h, uint64_t first, uint64_t last)
{
	return h && h->start < first && h->start + h->npages - 1 > last;
}

/* Drops [first, last] from @dom's holds, from @h (holds_first()) on. */
static void holds_drop(struct kva *v, uint32_t dom, struct kva_hold *h,
		       uint64_t first, uint64_t last, struct kva_hold *spare)
{
	struct rb_root *root = &v->doms[dom];
	struct kva_hold *next;
	struct rb_node *n;
	uint64_t hs, he;

	for (; h && h->start <= last; h = next) {
		n = rb_next(&h->rb);
		next = n ? hold_of(n) : NULL;
		hs = h->start;
		he = h->start + h->npages - 1;
		if (hs >= first && he <= last) {
			rb_erase(&h->rb, root);
			fv_slab_free(v->hold_cache, h);
		} else if (hs < first && he > last) {
			h->npages = first - hs;
			spare->start = last + 1;
			spare->npages = he - last;
			spare->rights = h->rights;
			link_after(root, &h->rb, &spare->rb);
			spare = NULL;
		} else if (hs < first) {
			h->npages = first - hs;
		} else {
			h->start = last + 1;
			h->npages = he - last;
		}
	}
	fv_slab_free(v->hold_cache, spare);
}

/* ---- release ---- */

static int kva_release_locked(struct kva *v, uint32_t dom, uint64_t first,
			      uint64_t last, full_released_fn fn, void *ctx)
{
	struct kva_hold *hspare = NULL, *hfirst;
	struct peer_piece *p;
	struct kva_ext *e;
	uint64_t a, b;
	int changed = 0, rc;
	uint32_t i;

	rc = kva_collect(v, first, last);
	if (rc)
		return rc;
	rc = peer_release_reserve(&v->span, dom, first, last);
	if (rc == -ENOENT)
		return rc;
	if (rc)
		goto nomem;
	hfirst = holds_first(v, dom, first);
	if (holds_split(hfirst, first, last)) {
		hspare = fv_slab_alloc(v->hold_cache, 0);
		if (!hspare)
			goto nomem;
	}
	/* Commit: nothing fails from here on. */
	for (i = 0; i < v->span.n; i++) {
		p = &v->span.p[i];
		e = kva_of(p->ext);
		if (ph_find(&e->pe.hs, dom) < 0)
			continue;
		a = p->first > first ? p->first : first;
		b = p->last < last ? p->last : last;
		if (peer_release_edit(p, dom)) {
			if (a == p->first && b == p->last)
				ext_erase(v, e);
			else
				ext_cut(v, p, a, b);
			free_run(v, a, b - a + 1, p->spare);
			p->spare = NULL;
			if (fn)
				fn(ctx, a, b - a + 1);
		} else {
			if (p->mid)
				ext_cut(v, p, a, b);
			changed = 1;
		}
	}
	if (changed)
		kva_merge(v, first > v->lo ? first - 1 : first, last + 1);
	holds_drop(v, dom, hfirst, first, last, hspare);
	return 0;
nomem:
	peer_unreserve(&v->span);
	return -ENOMEM;
}

static int kva_release(void *fe, uint32_t dom, uint64_t start, uint64_t npages,
		       full_released_fn fn, void *ctx)
{
	struct kva *v = fe;
	int rc;

	peer_lock(&v->lock);
	rc = kva_release_locked(v, dom, start, start + npages - 1, fn, ctx);
	peer_unlock(&v->lock);
	return rc;
}

/* ---- share ---- */

static int kva_share(void *fe, uint32_t from, uint32_t to, uint64_t start,
		     uint64_t npages, uint32_t rights)
{
	struct kva *v = fe;
	uint64_t first = start, last = start + npages - 1, a, b;
	struct kva_hold *h = NULL;
	struct peer_piece *p;
	uint32_t i;
	int rc;

	peer_lock(&v->lock);
	rc = kva_collect(v, first, last);
	if (rc)
		goto out;
	rc = peer_share_check(&v->span, from, to, first, last, rights);
	if (rc)
		goto out;
	if (peer_share_reserve(&v->span, first, last))
		goto nomem;
	h = fv_slab_alloc(v->hold_cache, 0);
	if (!h)
		goto nomem;
	for (i = 0; i < v->span.n; i++) {
		p = &v->span.p[i];
		a = p->first > first ? p->first : first;
		b = p->last < last ? p->last : last;
		peer_share_edit(p, to, rights);
		if (p->mid)
			ext_cut(v, p, a, b);
	}
	kva_merge(v, first > v->lo ? first - 1 : first, last + 1);
	h->start = first;
	h->npages = npages;
	h->rights = rights;
	LINK_BY_START(&v->doms[to], h, struct kva_hold);
	goto out;
nomem:
	peer_unreserve(&v->span);
	rc = -ENOMEM;
out:
	peer_unlock(&v->lock);
	return rc;
}

/* ---- look-up ---- */

static int kva_rights(void *fe, uint32_t dom, uint64_t page,
		      struct full_lookup *res)
{
	struct kva *v = fe;
	struct rb_node *n;
	struct kva_ext *e;
	int rc = -ENOENT;

	peer_lock(&v->lock);
	for (n = v->busy.rb_node; n;) {
		e = ext_of(n);
		if (page < e->start) {
			n = n->rb_left;
		} else if (page >= e->start + e->npages) {
			n = n->rb_right;
		} else {
			rc = peer_lookup(&e->pe, dom, e->start, e->npages, res);
			break;
		}
	}
	peer_unlock(&v->lock);
	return rc;
}

/* ---- statistics, checks, tear-down (not timed) ---- */

static void kva_stats(void *fe, struct full_stats *st)
{
	struct kva *v = fe;

	memset(st, 0, sizeof(*st));
	st->free_pages = v->free_pages;
	st->largest = sub_max(v->free.rb_node);
	st->nextents = v->nextents;
	st->nfree = v->nfree;
}

/* Subtree maxima right below @n: the true maximum, or ~0 if one is wrong. */
static uint64_t check_max(const struct rb_node *n)
{
	uint64_t l, r, m;

	if (!n)
		return 0;
	l = check_max(n->rb_left);
	r = check_max(n->rb_right);
	if (l == ~0ull || r == ~0ull)
		return ~0ull;
	m = free_of(n)->npages;
	m = l > m ? l : m;
	m = r > m ? r : m;
	return m == free_of(n)->subtree_max ? m : ~0ull;
}

static int kva_check(void *fe)
{
	struct kva *v = fe;
	struct rb_node *bn = rb_first(&v->busy), *fn = rb_first(&v->free);
	struct kva_ext *e, *prev = NULL;
	struct kva_free *f;
	struct peer_holdings hd;
	struct kva_hold *h;
	struct rb_node *n;
	uint64_t pos = v->lo, nfree = 0, next, freep = 0;
	uint32_t i;
	int bad = 0, dbad, k, lastfree = 0;

	if (check_max(v->free.rb_node) == ~0ull) {
		peer_report("kva: wrong subtree maxima in the free tree\n");
		bad = 1;
	}
	if (peer_holdings_init(&hd, v->ndoms))
		return -1;
	/* Busy and free extents tile the window, in address order. */
	while (bn || fn) {
		if (fn && (!bn || free_of(fn)->start < ext_of(bn)->start)) {
			f = free_of(fn);
			if (f->start != pos || !f->npages || lastfree) {
				peer_report("kva: free extent at %llu misplaced "
					    "or not merged\n",
					    (unsigned long long)f->start);
				bad = 1;
			}
			pos = f->start + f->npages;
			freep += f->npages;
			nfree++;
			lastfree = 1;
			prev = NULL;
			fn = rb_next(fn);
			continue;
		}
		e = ext_of(bn);
		if (e->start != pos || !e->npages || ph_check(&e->pe.hs)) {
			peer_report("kva: extent at %llu misplaced or bad "
				    "holders\n", (unsigned long long)e->start);
			bad = 1;
		}
		if (prev && peer_ext_same(&prev->pe, &e->pe)) {
			peer_report("kva: extents at %llu not merged\n",
				    (unsigned long long)e->start);
			bad = 1;
		}
		peer_holdings_ext(&hd, &e->pe, e->npages);
		pos = e->start + e->npages;
		lastfree = 0;
		prev = e;
		bn = rb_next(bn);
	}
	if (pos != v->end || freep != v->free_pages || nfree != v->nfree) {
		peer_report("kva: window ends at %llu of %llu, %llu free pages "
			    "counted %llu\n", (unsigned long long)pos,
			    (unsigned long long)v->end,
			    (unsigned long long)freep,
			    (unsigned long long)v->free_pages);
		bad = 1;
	}
	/* Each process's holds say what the extents' holder sets say. */
	for (i = 0; i < v->ndoms; i++) {
		next = 0;
		dbad = 0;
		for (n = rb_first(&v->doms[i]); n; n = rb_next(n)) {
			h = hold_of(n);
			if (h->start < next || !h->npages)
				dbad = 1;
			next = h->start + h->npages;
			hd.by_dom[i] += h->npages;
			FIRST_ENDING_AFTER(&v->busy, h->start, struct kva_ext, e);
			for (pos = h->start; e && e->start < next;
			     e = ext_next(e)) {
				k = ph_find(&e->pe.hs, i);
				if (e->start > pos || k < 0 ||
				    ph_holders(&e->pe.hs)[k].rights !=
				    h->rights)
					dbad = 1;
				pos = e->start + e->npages;
			}
			if (pos < next)
				dbad = 1;
		}
		if (peer_holdings_check(&hd, i, dbad, "kva"))
			bad = 1;
	}
	peer_holdings_free(&hd);
	return bad ? -1 : 0;
}

static void kva_destroy(void *fe, full_released_fn fn, void *ctx)
{
	struct kva *v = fe;
	struct kva_hold *h;
	struct rb_node *n;
	uint32_t i;

	peer_lock(&v->lock);
	for (i = 0; i < v->ndoms; i++) {
		while ((n = rb_first(&v->doms[i]))) {
			h = hold_of(n);
			if (kva_release_locked(v, i, h->start,
					       h->start + h->npages - 1, fn, ctx))
				abort();
		}
	}
	peer_unlock(&v->lock);
	/* Every extent went with its last holder: only free space is left. */
	fv_slab_destroy(v->span.ext_cache);
	fv_slab_destroy(v->span.free_cache);
	fv_slab_destroy(v->hold_cache);
	peer_span_free(&v->span);
	fv_kfree(v->doms);
	fv_kfree(v);
}

const struct full_ops full_kva_ops = {
	.name = "kva",
	.create = kva_create,
	.destroy = kva_destroy,
	.alloc = kva_alloc,
	.share = kva_share,
	.release = kva_release,
	.rights = kva_rights,
	.stats = kva_stats,
	.check = kva_check,
};
