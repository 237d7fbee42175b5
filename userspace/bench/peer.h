/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the benchmark's two same-job peers (peer_maple.c, peer_kva.c) share,
 * so that they differ only in their indexes:
 *
 * - holder sets: the processes holding an extent and their rights, sorted by
 *   process; one holder sits inline in the extent's record (most extents
 *   have exactly one), more live in an fv_kmalloc() array;
 * - extents' range ids and holder sets (struct peer_ext), and what a share
 *   or a release does to them: the extents its span meets, what it reserves
 *   for them before changing anything, fv_share()'s checks, the holder-set
 *   edits; each peer only finds the extents and places the records in its
 *   own tree;
 * - the look-up's answer and the checks' per-process page counts;
 * - the arena lock: what the host build of the flatvm core takes around each
 *   operation (userspace/harness/fv_host_compat.h: a flag, the host build
 *   being single-threaded), so no engine pays more for locking than another.
 *
 * Written for the benchmark: no code of the flatvm core.  Plain C99 types:
 * the peers are compiled with the kernel's tools headers.
 */
#ifndef FVBENCH_PEER_H
#define FVBENCH_PEER_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "full.h"
#include "fv_slab.h"

struct ph_holder {
	uint32_t dom;
	uint32_t rights;
};

/*
 * @n holders: @u.one when @n is 1, else @u.many (fv_kmalloc(), room for
 * ph_room(@n) holders).  @n is 0 only in a set being built.
 */
struct ph_set {
	uint32_t n;
	union {
		struct ph_holder one;
		struct ph_holder *many;
	} u;
};

static inline const struct ph_holder *ph_holders(const struct ph_set *s)
{
	return s->n > 1 ? s->u.many : &s->u.one;
}

/* Index of @dom in @s, or -1. */
static inline int ph_find(const struct ph_set *s, uint32_t dom)
{
	const struct ph_holder *h = ph_holders(s);
	uint32_t i;

	for (i = 0; i < s->n && h[i].dom <= dom; i++)
		if (h[i].dom == dom)
			return (int)i;
	return -1;
}

static inline int ph_equal(const struct ph_set *a, const struct ph_set *b)
{
	const struct ph_holder *x = ph_holders(a), *y = ph_holders(b);
	uint32_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (x[i].dom != y[i].dom || x[i].rights != y[i].rights)
			return 0;
	return 1;
}

/* A set of one holder. */
static inline void ph_init_one(struct ph_set *s, uint32_t dom, uint32_t rights)
{
	s->n = 1;
	s->u.one.dom = dom;
	s->u.one.rights = rights;
}

/*
 * Changes that may allocate take a preallocated array (ph_prealloc_*()), so
 * that an operation reserves everything before it changes anything.
 */
/* Array @s needs to gain a holder (NULL: none needed), or -ENOMEM. */
int ph_prealloc_add(const struct ph_set *s, struct ph_holder **arr);
/* Array a copy of @s needs (NULL: none), or -ENOMEM. */
int ph_prealloc_copy(const struct ph_set *s, struct ph_holder **arr);
/* Array a copy of @s with one more holder needs, or -ENOMEM. */
int ph_prealloc_copy_add(const struct ph_set *s, struct ph_holder **arr);
/* Array a copy of @s without one holder needs (NULL: none), or -ENOMEM. */
int ph_prealloc_del(const struct ph_set *s, struct ph_holder **arr);

/* Adds @dom (not in @s) with @rights; @arr from ph_prealloc_add(). */
void ph_add(struct ph_set *s, uint32_t dom, uint32_t rights,
	    struct ph_holder *arr);
/* @dst = @src; @arr from ph_prealloc_copy(). */
void ph_copy(struct ph_set *dst, const struct ph_set *src,
	     struct ph_holder *arr);
/* @dst = @src and @dom (not in @src); @arr from ph_prealloc_copy_add(). */
void ph_copy_add(struct ph_set *dst, const struct ph_set *src, uint32_t dom,
		 uint32_t rights, struct ph_holder *arr);
/* @dst = @src without @dom (in @src); @arr from ph_prealloc_del(). */
void ph_copy_del(struct ph_set *dst, const struct ph_set *src, uint32_t dom,
		 struct ph_holder *arr);
/* Removes @dom (in @s, not the last holder) in place. */
void ph_del(struct ph_set *s, uint32_t dom);
/* Frees what @s holds (the array). */
void ph_free(struct ph_set *s);
/* Frees an array a ph_prealloc_*() returned and no change took. */
void ph_free_arr(struct ph_holder *arr);
/* Sorted, no duplicate, rights valid and non-empty: 0, else -1. */
int ph_check(const struct ph_set *s);

/* What a peer keeps of each extent besides where it is: its range, holders. */
struct peer_ext {
	uint64_t range;
	struct ph_set hs;
};

/* Are neighbouring extents @a and @b one extent (one range, one holder set)? */
static inline int peer_ext_same(const struct peer_ext *a,
				const struct peer_ext *b)
{
	return a->range == b->range && ph_equal(&a->hs, &b->hs);
}

/*
 * rights() of @dom at extent @x, pages [@start, @start + @npages): 0 with
 * @res filled, or -ENOENT when @dom does not hold it.
 */
static inline int peer_lookup(const struct peer_ext *x, uint32_t dom,
			      uint64_t start, uint64_t npages,
			      struct full_lookup *res)
{
	int k = ph_find(&x->hs, dom);

	if (k < 0)
		return -ENOENT;
	res->range = x->range;
	res->ext_start = start;
	res->ext_pages = npages;
	res->nholders = x->hs.n;
	res->rights = ph_holders(&x->hs)[k].rights;
	return 0;
}

/*
 * One extent a share or release meets, pages [@first, @last], and what the
 * operation reserved for it before changing anything: @mid, a record for
 * the span's part when the span cuts the extent; @right, one for the part
 * after the span when it cuts it on both sides; @arr, the array of the
 * changed holder set (@mid's, or the extent's own when changed in place);
 * @right_arr, @right's; @spare, the peer's record for pages a release gives
 * back (kva: a free-tree record; maple: none, its gaps are its free space).
 * @ext, @mid and @right point at the struct peer_ext in the peer's records.
 * Reservations that a change took are set back to NULL.
 */
struct peer_piece {
	uint64_t first;
	uint64_t last;
	struct peer_ext *ext;
	struct peer_ext *mid;
	struct peer_ext *right;
	struct ph_holder *arr;
	struct ph_holder *right_arr;
	void *spare;
};

/*
 * The scratch of one share or release: the extents its span meets, in
 * address order, in @p (room for @cap, kept from one operation to the
 * next); where the peer's records come from: @ext_cache, whose records hold
 * their struct peer_ext @ext_off bytes in, and @free_cache, that of the
 * records pages given back need (@spare; NULL: none).
 */
struct peer_span {
	struct peer_piece *p;
	uint32_t n;
	uint32_t cap;
	struct fv_slab *ext_cache;
	struct fv_slab *free_cache;
	size_t ext_off;
};

void peer_span_init(struct peer_span *s, struct fv_slab *ext_cache,
		    size_t ext_off, struct fv_slab *free_cache);
/* Frees @s's pieces (at the peer's tear-down). */
void peer_span_free(struct peer_span *s);
/* Room for one more piece: 0, or -ENOMEM. */
int peer_span_grow(struct peer_span *s);

/* The span starts empty: the peer adds the extents it meets, in order. */
static inline void peer_span_clear(struct peer_span *s)
{
	s->n = 0;
}

/* Adds extent @ext, pages [@first, @last], to @s: 0, or -ENOMEM. */
static inline int peer_span_add(struct peer_span *s, struct peer_ext *ext,
				uint64_t first, uint64_t last)
{
	struct peer_piece *p;

	if (s->n == s->cap && peer_span_grow(s))
		return -ENOMEM;
	p = &s->p[s->n++];
	memset(p, 0, sizeof(*p));
	p->first = first;
	p->last = last;
	p->ext = ext;
	return 0;
}

/* Gives back what the pieces reserved and no change took. */
void peer_unreserve(struct peer_span *s);

/*
 * What runs in every share and release is inline below: compiled into each
 * peer, as it was before it was shared.  Out of line, the calls cost kva
 * some 60 instructions (7%) per share or release (callgrind).
 */

/*
 * fv_share()'s checks of @from giving @to [@first, @last] with @rights over
 * the pieces, in its order: 0, -ENOENT, -EINVAL, -EACCES or -EEXIST.
 */
static inline int peer_share_check(const struct peer_span *s, uint32_t from,
				   uint32_t to, uint64_t first, uint64_t last,
				   uint32_t rights)
{
	int notheld = 0, tworanges = 0, acc = 0, exist = 0, k;
	const struct peer_piece *p;
	const struct peer_ext *x;
	uint64_t next = first;
	uint32_t i;

	for (i = 0; i < s->n; i++) {
		p = &s->p[i];
		x = p->ext;
		k = ph_find(&x->hs, from);
		if (p->first > next || k < 0)
			notheld = 1;
		else if (rights & ~ph_holders(&x->hs)[k].rights)
			acc = 1;
		if (x->range != s->p[0].ext->range)
			tworanges = 1;
		if (ph_find(&x->hs, to) >= 0)
			exist = 1;
		next = p->last + 1;
	}
	if (!s->n || next <= last || notheld)
		return -ENOENT;
	if (tworanges)
		return -EINVAL;
	if (acc)
		return -EACCES;
	return exist ? -EEXIST : 0;
}

/* A record of the peer's extent cache, for @p->mid or @p->right. */
static inline int peer_reserve_rec(const struct peer_span *s,
				   struct peer_ext **x)
{
	char *rec = fv_slab_alloc(s->ext_cache, 0);

	*x = rec ? (struct peer_ext *)(rec + s->ext_off) : NULL;
	return rec ? 0 : -ENOMEM;
}

/* Reserves what sharing [@first, @last] needs: 0, or -ENOMEM. */
static inline int peer_share_reserve(struct peer_span *s, uint64_t first,
				     uint64_t last)
{
	struct peer_piece *p;
	struct peer_ext *x;
	int left, right;
	uint32_t i;

	for (i = 0; i < s->n; i++) {
		p = &s->p[i];
		x = p->ext;
		left = p->first < first;
		right = p->last > last;
		if (!left && !right) {
			if (ph_prealloc_add(&x->hs, &p->arr))
				return -ENOMEM;
			continue;
		}
		if (peer_reserve_rec(s, &p->mid) ||
		    ph_prealloc_copy_add(&x->hs, &p->arr))
			return -ENOMEM;
		if (left && right &&
		    (peer_reserve_rec(s, &p->right) ||
		     ph_prealloc_copy(&x->hs, &p->right_arr)))
			return -ENOMEM;
	}
	return 0;
}

/*
 * Reserves what @dom releasing [@first, @last] needs: 0, -ENOENT (@dom
 * holds none of it) or -ENOMEM.  Only the extents the span cuts need new
 * records, and those @dom held alone a spare (when the peer has them).
 */
static inline int peer_release_reserve(struct peer_span *s, uint32_t dom,
				       uint64_t first, uint64_t last)
{
	struct peer_piece *p;
	struct peer_ext *x;
	int held = 0, left, right;
	uint32_t i;

	for (i = 0; i < s->n; i++) {
		p = &s->p[i];
		x = p->ext;
		if (ph_find(&x->hs, dom) < 0)
			continue;
		held = 1;
		left = p->first < first;
		right = p->last > last;
		if (x->hs.n == 1) {
			if (s->free_cache) {
				p->spare = fv_slab_alloc(s->free_cache, 0);
				if (!p->spare)
					return -ENOMEM;
			}
		} else if ((left || right) &&
			   (peer_reserve_rec(s, &p->mid) ||
			    ph_prealloc_del(&x->hs, &p->arr))) {
			return -ENOMEM;
		}
		if (left && right &&
		    (peer_reserve_rec(s, &p->right) ||
		     ph_prealloc_copy(&x->hs, &p->right_arr)))
			return -ENOMEM;
	}
	return held ? 0 : -ENOENT;
}

/*
 * The holder-set edits of one piece, as reserved (peer_share_edit(),
 * peer_release_edit()).  Share: @to joins with @rights, in the extent's own
 * set when the span covers it, else in @mid's.  Release (a piece @dom
 * holds): @dom leaves likewise; when it was the only holder, nothing
 * changes and 1 is returned: the span's part of the extent is free now.
 * Both: @mid and @right take the extent's range, @right its holders.  The
 * peer then places @mid and @right in its tree.
 */
static inline void peer_edit_right(struct peer_piece *p,
				   const struct peer_ext *x)
{
	struct peer_ext *r;

	if (!p->right)
		return;
	r = p->right;
	r->range = x->range;
	ph_copy(&r->hs, &x->hs, p->right_arr);
	p->right_arr = NULL;
}

static inline void peer_share_edit(struct peer_piece *p, uint32_t to,
				   uint32_t rights)
{
	struct peer_ext *x = p->ext, *mid;

	if (!p->mid) {
		ph_add(&x->hs, to, rights, p->arr);
	} else {
		mid = p->mid;
		mid->range = x->range;
		ph_copy_add(&mid->hs, &x->hs, to, rights, p->arr);
	}
	p->arr = NULL;
	peer_edit_right(p, x);
}

static inline int peer_release_edit(struct peer_piece *p, uint32_t dom)
{
	struct peer_ext *x = p->ext, *mid;

	peer_edit_right(p, x);
	if (x->hs.n == 1)
		return 1;
	if (!p->mid) {
		ph_del(&x->hs, dom);
	} else {
		mid = p->mid;
		mid->range = x->range;
		ph_copy_del(&mid->hs, &x->hs, dom, p->arr);
		p->arr = NULL;
	}
	return 0;
}

/*
 * check(): pages each process holds, counted over the extents' holder sets
 * (@by_ext) and over the peer's per-process index (@by_dom).
 */
struct peer_holdings {
	uint64_t *by_ext;
	uint64_t *by_dom;
};

/* 0, or -1 when out of memory. */
int peer_holdings_init(struct peer_holdings *h, uint32_t ndoms);
void peer_holdings_free(struct peer_holdings *h);

/* Counts the @npages pages of extent @x for each of its holders. */
static inline void peer_holdings_ext(struct peer_holdings *h,
				     const struct peer_ext *x, uint64_t npages)
{
	const struct ph_holder *hd = ph_holders(&x->hs);
	uint32_t k;

	for (k = 0; k < x->hs.n; k++)
		h->by_ext[hd[k].dom] += npages;
}

/*
 * Process @dom's verdict: -1 (said on stderr, @peer naming the engine) when
 * @index_bad (the peer found its index wrong) or the two counts differ,
 * else 0.
 */
int peer_holdings_check(const struct peer_holdings *h, uint32_t dom,
			int index_bad, const char *peer);

/* The arena lock of the host build (see above). */
struct peer_lock {
	int held;
};

static inline void peer_lock(struct peer_lock *l)
{
	if (l->held)
		abort();
	l->held = 1;
}

static inline void peer_unlock(struct peer_lock *l)
{
	if (!l->held)
		abort();
	l->held = 0;
}

/* Peers' consistency reports (check()). */
#define peer_report(...)	fprintf(stderr, "fvbench peer: " __VA_ARGS__)

#endif /* FVBENCH_PEER_H */
