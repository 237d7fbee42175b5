// SPDX-License-Identifier: GPL-2.0
/*
 * Same-job peer "maple": the whole job of the flatvm core (full.h) done with
 * the kernel's own maple tree (lib/maple_tree.c of Debian's linux-source
 * 6.1, built on the host by maple_lib.c), as a kernel developer would write
 * it on 6.1.  The trees' units are pages from the window's start: indexed
 * by absolute page numbers, the unused space below the window would be a
 * gap larger than any in it, which the gap summaries of the leftmost nodes
 * report and every lowest-fit search has to look past.
 *
 * - The arena tree (MT_FLAGS_ALLOC_RANGE) maps every extent [first, last]
 *   to its record (struct mp_ext: range id, holder set; 24 bytes).  Free
 *   space is the tree's gaps: nothing to coalesce, and mas_empty_area()
 *   finds the lowest gap that fits in O(log n).
 * - Aligned requests search for size + align - 1 pages and align inside the
 *   gap found (what unmapped_area() does with its length + align mask).
 *   That may miss an aligned fit in a smaller gap, and the peer must not
 *   fail while one exists (fv_alloc()'s promise), so it then falls back to
 *   an exact search: the lowest fit at or above the next aligned candidate,
 *   again and again.  Each step is one O(log n) search and passes at least
 *   one gap, so the fallback is linear in the number of gaps that hold the
 *   size but no aligned run of it; it runs only when no gap of
 *   size + align - 1 pages is left.
 * - Per process, a maple tree of the pages it holds, each run stored as
 *   xa_mk_value(rights): a process's holdings are runs of pages with rights,
 *   as its VMAs are in its mm's maple tree, and a value entry needs no
 *   record of its own.  It is what lets a process's exit walk only its own
 *   holdings; it costs one store per alloc, share and release.  The rights
 *   look-up does not read it: it must return the extent anyway, and the
 *   extent's holder set (usually one or two holders) gives the rights in
 *   the same descent.
 * - Extents are canonical, as the core's: neighbouring extents of one range
 *   always differ in their holder sets (merged after every change, as
 *   vma_merge() does for VMAs).
 * - Failure atomicity as the core's: every record an operation needs is
 *   reserved before anything changes; tree stores allocate their nodes with
 *   __GFP_NOFAIL (small slab objects, as the core's fv_release_nofail()).
 *   6.1's mas_preallocate() would reserve 1 + 3 x height nodes per store
 *   and free most of them again: a known cost of 6.1 (later kernels trimmed
 *   it) that this peer does not pay.
 * - The trees use MT_FLAGS_LOCK_EXTERN: the peer's own arena lock (the same
 *   as the host core's, peer.h) covers every call, as mmap_lock covers the
 *   VMA tree.  Not RCU mode (6.1's mm tree is not either): freed nodes are
 *   reused at once, and no call_rcu() cost is paid.
 *
 * Written for the benchmark, no code of the flatvm core; compiled with the
 * kernel's tools headers.
 */
#include <errno.h>
#include <string.h>
#include <linux/align.h>
#include <linux/gfp.h>
#include <linux/maple_tree.h>
#include <linux/xarray.h>

#include "full.h"
#include "peer.h"

/* Tree stores: records are reserved first, nodes cannot fail. */
#define MP_GFP		(GFP_KERNEL | __GFP_NOFAIL)

struct mp_ext {
	uint64_t range;
	struct ph_set hs;
};

/*
 * One extent met by an operation, with what the operation reserved for it:
 * @mid for the pages of the span when the extent is cut, @right for its
 * part after the span when it is cut on both sides; @mid_arr, @right_arr
 * their holder arrays, @add_arr the array of an extent changed in place.
 */
struct mp_piece {
	unsigned long first;
	unsigned long last;
	struct mp_ext *ext;
	struct mp_ext *mid;
	struct mp_ext *right;
	struct ph_holder *mid_arr;
	struct ph_holder *right_arr;
	struct ph_holder *add_arr;
};

struct mp {
	struct peer_lock lock;
	struct maple_tree mt;
	unsigned long base;	/* first page of the window */
	unsigned long lo;	/* 0 */
	unsigned long hi;	/* pages in the window - 1 */
	uint64_t free_pages;
	uint64_t next_range;
	struct fv_slab *ext_cache;
	struct mp_piece *pieces;	/* scratch of one operation */
	uint32_t npieces;
	uint32_t cap;
	uint32_t ndoms;
	struct maple_tree *doms;
};

static void mp_store(struct maple_tree *mt, unsigned long first,
		     unsigned long last, void *entry)
{
	MA_STATE(mas, mt, first, last);

	mas_store_gfp(&mas, entry, MP_GFP);
}

static void *mp_create(uint64_t base, uint64_t npages, uint32_t ndoms)
{
	static int maple_ready;
	struct mp *m;
	uint32_t i;

	if (!maple_ready) {
		maple_tree_init();
		maple_ready = 1;
	}
	m = fv_kmalloc(sizeof(*m), FV_SLAB_ZERO);
	if (!m)
		return NULL;
	m->ext_cache = fv_slab_create("maple_peer_ext", sizeof(struct mp_ext),
				      0);
	m->doms = fv_kmalloc((ndoms ? ndoms : 1) * sizeof(*m->doms),
			     FV_SLAB_ZERO);
	if (!m->ext_cache || !m->doms) {
		fv_slab_destroy(m->ext_cache);
		fv_kfree(m->doms);
		fv_kfree(m);
		return NULL;
	}
	mt_init_flags(&m->mt, MT_FLAGS_ALLOC_RANGE | MT_FLAGS_LOCK_EXTERN);
	for (i = 0; i < ndoms; i++)
		mt_init_flags(&m->doms[i], MT_FLAGS_LOCK_EXTERN);
	m->base = base;
	m->lo = 0;
	m->hi = npages - 1;
	m->free_pages = npages;
	m->ndoms = ndoms;
	return m;
}

/* ---- free-space search ---- */

/* Lowest start of @n free pages at or above @min: 0, or -ENOSPC. */
static int mp_lowest(struct mp *m, unsigned long min, unsigned long n,
		     unsigned long *start)
{
	MA_STATE(mas, &m->mt, 0, 0);

	if (min > m->hi || m->hi - min + 1 < n)
		return -ENOSPC;
	if (min == m->hi) {
		/* mas_empty_area() wants min < max: one page to look at. */
		mas_set(&mas, min);
		if (mas_walk(&mas))
			return -ENOSPC;
		*start = min;
		return 0;
	}
	if (mas_empty_area(&mas, min, m->hi, n))
		return -ENOSPC;
	*start = mas.index;
	return 0;
}

static int mp_find(struct mp *m, unsigned long n, unsigned long align,
		   unsigned long *start)
{
	unsigned long min = m->lo, s;

	if (align <= 1)
		return mp_lowest(m, min, n, start);
	/* Alignment is of absolute page numbers. */
	if (!mp_lowest(m, min, n + align - 1, &s)) {
		*start = ALIGN(m->base + s, align) - m->base;
		return 0;
	}
	/* Exact fallback (see the top of the file). */
	for (;;) {
		if (mp_lowest(m, min, n, &s))
			return -ENOSPC;
		if (!((m->base + s) & (align - 1))) {
			*start = s;
			return 0;
		}
		min = ALIGN(m->base + s, align) - m->base;
	}
}

static int mp_alloc(void *fe, uint32_t dom, uint64_t npages, uint64_t align,
		    uint32_t rights, uint64_t *start)
{
	struct mp *m = fe;
	struct mp_ext *ext;
	unsigned long s;
	int rc;

	peer_lock(&m->lock);
	rc = mp_find(m, npages, align, &s);
	if (rc)
		goto out;
	ext = fv_slab_alloc(m->ext_cache, 0);
	if (!ext) {
		rc = -ENOMEM;
		goto out;
	}
	ext->range = m->next_range++;
	ph_init_one(&ext->hs, dom, rights);
	mp_store(&m->mt, s, s + npages - 1, ext);
	mp_store(&m->doms[dom], s, s + npages - 1, xa_mk_value(rights));
	m->free_pages -= npages;
	*start = m->base + s;
out:
	peer_unlock(&m->lock);
	return rc;
}

/* ---- the extents of a span ---- */

/* The extents meeting [first, last], in order, into m->pieces. */
static int mp_collect(struct mp *m, unsigned long first, unsigned long last)
{
	MA_STATE(mas, &m->mt, first, first);
	struct mp_piece *p;
	struct mp_ext *ext;
	uint32_t cap;

	m->npieces = 0;
	mas_for_each(&mas, ext, last) {
		if (m->npieces == m->cap) {
			cap = m->cap ? m->cap * 2 : 8;
			p = fv_kmalloc(cap * sizeof(*p), 0);
			if (!p)
				return -ENOMEM;
			if (m->npieces)
				memcpy(p, m->pieces, m->npieces * sizeof(*p));
			fv_kfree(m->pieces);
			m->pieces = p;
			m->cap = cap;
		}
		p = &m->pieces[m->npieces++];
		memset(p, 0, sizeof(*p));
		p->first = mas.index;
		p->last = mas.last;
		p->ext = ext;
	}
	return 0;
}

/* Gives back what the pieces reserved and no change took. */
static void mp_unreserve(struct mp *m)
{
	struct mp_piece *p;
	uint32_t i;

	for (i = 0; i < m->npieces; i++) {
		p = &m->pieces[i];
		fv_slab_free(m->ext_cache, p->mid);
		fv_slab_free(m->ext_cache, p->right);
		ph_free_arr(p->mid_arr);
		ph_free_arr(p->right_arr);
		ph_free_arr(p->add_arr);
	}
}

static int mp_reserve_rec(struct mp *m, struct mp_ext **rec)
{
	*rec = fv_slab_alloc(m->ext_cache, 0);
	return *rec ? 0 : -ENOMEM;
}

/*
 * Merges neighbouring extents of one range with equal holder sets in
 * [first, last]: an extent that just changed may now equal a neighbour.
 */
static void mp_merge(struct mp *m, unsigned long first, unsigned long last)
{
	MA_STATE(mas, &m->mt, first, first);
	struct mp_ext *prev = NULL, *ext;
	unsigned long pfirst = 0, plast = 0;

	mas_for_each(&mas, ext, last) {
		if (prev && plast + 1 == mas.index &&
		    prev->range == ext->range &&
		    ph_equal(&prev->hs, &ext->hs)) {
			plast = mas.last;
			mp_store(&m->mt, pfirst, plast, prev);
			ph_free(&ext->hs);
			fv_slab_free(m->ext_cache, ext);
			/* The store changed the tree: walk again from there. */
			if (plast >= last)
				return;
			mas_set(&mas, plast + 1);
			continue;
		}
		prev = ext;
		pfirst = mas.index;
		plast = mas.last;
	}
}

/* ---- release ---- */

/* Releases [first, last] for @dom; the lock is held. */
static int mp_release_locked(struct mp *m, uint32_t dom, unsigned long first,
			     unsigned long last, full_released_fn fn,
			     void *ctx)
{
	struct mp_piece *p;
	struct mp_ext *ext;
	unsigned long a, b;
	int held = 0, changed = 0, left, right, rc;
	uint32_t i;

	rc = mp_collect(m, first, last);
	if (rc)
		return rc;
	/* Reserve: only the extents cut by the span need new records. */
	for (i = 0; i < m->npieces; i++) {
		p = &m->pieces[i];
		if (ph_find(&p->ext->hs, dom) < 0)
			continue;
		held = 1;
		left = p->first < first;
		right = p->last > last;
		if (!left && !right)
			continue;
		if (p->ext->hs.n > 1 &&
		    (mp_reserve_rec(m, &p->mid) ||
		     ph_prealloc_del(&p->ext->hs, &p->mid_arr)))
			goto nomem;
		if (left && right &&
		    (mp_reserve_rec(m, &p->right) ||
		     ph_prealloc_copy(&p->ext->hs, &p->right_arr)))
			goto nomem;
	}
	if (!held)
		return -ENOENT;
	/* Commit: nothing fails from here on. */
	for (i = 0; i < m->npieces; i++) {
		p = &m->pieces[i];
		ext = p->ext;
		if (ph_find(&ext->hs, dom) < 0)
			continue;
		a = p->first > first ? p->first : first;
		b = p->last < last ? p->last : last;
		left = p->first < a;
		right = p->last > b;
		if (ext->hs.n == 1) {
			/* Nobody else holds [a, b]: it becomes a gap. */
			mp_store(&m->mt, a, b, NULL);
			m->free_pages += b - a + 1;
			if (fn)
				fn(ctx, m->base + a, b - a + 1);
			if (!left && !right) {
				ph_free(&ext->hs);
				fv_slab_free(m->ext_cache, ext);
			}
		} else if (!left && !right) {
			ph_del(&ext->hs, dom);
			changed = 1;
		} else {
			p->mid->range = ext->range;
			ph_copy_del(&p->mid->hs, &ext->hs, dom, p->mid_arr);
			p->mid_arr = NULL;
			mp_store(&m->mt, a, b, p->mid);
			p->mid = NULL;
			changed = 1;
		}
		if (left && right) {
			/* The part after the span gets its own record. */
			p->right->range = ext->range;
			ph_copy(&p->right->hs, &ext->hs, p->right_arr);
			p->right_arr = NULL;
			mp_store(&m->mt, b + 1, p->last, p->right);
			p->right = NULL;
		}
	}
	if (changed)
		mp_merge(m, first > m->lo ? first - 1 : first,
			 last < m->hi ? last + 1 : last);
	mp_store(&m->doms[dom], first, last, NULL);
	return 0;
nomem:
	mp_unreserve(m);
	return -ENOMEM;
}

static int mp_release(void *fe, uint32_t dom, uint64_t start, uint64_t npages,
		      full_released_fn fn, void *ctx)
{
	struct mp *m = fe;
	int rc;

	peer_lock(&m->lock);
	rc = mp_release_locked(m, dom, start - m->base,
			       start - m->base + npages - 1, fn, ctx);
	peer_unlock(&m->lock);
	return rc;
}

/* ---- share ---- */

/* fv_share()'s checks over the pieces of [first, last], in its order. */
static int mp_share_check(struct mp *m, uint32_t from, uint32_t to,
			  unsigned long first, unsigned long last,
			  uint32_t rights)
{
	int notheld = 0, tworanges = 0, acc = 0, exist = 0, k;
	unsigned long next = first;
	struct mp_piece *p;
	uint32_t i;

	for (i = 0; i < m->npieces; i++) {
		p = &m->pieces[i];
		k = ph_find(&p->ext->hs, from);
		if (p->first > next || k < 0)
			notheld = 1;
		else if (rights & ~ph_holders(&p->ext->hs)[k].rights)
			acc = 1;
		if (p->ext->range != m->pieces[0].ext->range)
			tworanges = 1;
		if (ph_find(&p->ext->hs, to) >= 0)
			exist = 1;
		next = p->last + 1;
	}
	if (!m->npieces || next <= last || notheld)
		return -ENOENT;
	if (tworanges)
		return -EINVAL;
	if (acc)
		return -EACCES;
	return exist ? -EEXIST : 0;
}

static int mp_share(void *fe, uint32_t from, uint32_t to, uint64_t start,
		    uint64_t npages, uint32_t rights)
{
	struct mp *m = fe;
	unsigned long first = start - m->base, last = first + npages - 1, a, b;
	struct mp_piece *p;
	struct mp_ext *ext;
	int left, right, rc;
	uint32_t i;

	peer_lock(&m->lock);
	rc = mp_collect(m, first, last);
	if (rc)
		goto out;
	rc = mp_share_check(m, from, to, first, last, rights);
	if (rc)
		goto out;
	for (i = 0; i < m->npieces; i++) {
		p = &m->pieces[i];
		left = p->first < first;
		right = p->last > last;
		if (!left && !right) {
			if (ph_prealloc_add(&p->ext->hs, &p->add_arr))
				goto nomem;
			continue;
		}
		if (mp_reserve_rec(m, &p->mid) ||
		    ph_prealloc_copy_add(&p->ext->hs, &p->mid_arr))
			goto nomem;
		if (left && right &&
		    (mp_reserve_rec(m, &p->right) ||
		     ph_prealloc_copy(&p->ext->hs, &p->right_arr)))
			goto nomem;
	}
	for (i = 0; i < m->npieces; i++) {
		p = &m->pieces[i];
		ext = p->ext;
		a = p->first > first ? p->first : first;
		b = p->last < last ? p->last : last;
		left = p->first < a;
		right = p->last > b;
		if (left && right) {
			p->right->range = ext->range;
			ph_copy(&p->right->hs, &ext->hs, p->right_arr);
			p->right_arr = NULL;
			mp_store(&m->mt, b + 1, p->last, p->right);
			p->right = NULL;
		}
		if (!left && !right) {
			ph_add(&ext->hs, to, rights, p->add_arr);
		} else {
			p->mid->range = ext->range;
			ph_copy_add(&p->mid->hs, &ext->hs, to, rights,
				    p->mid_arr);
			p->mid_arr = NULL;
			mp_store(&m->mt, a, b, p->mid);
			p->mid = NULL;
		}
		p->add_arr = NULL;
	}
	mp_merge(m, first > m->lo ? first - 1 : first,
		 last < m->hi ? last + 1 : last);
	mp_store(&m->doms[to], first, last, xa_mk_value(rights));
	goto out;
nomem:
	mp_unreserve(m);
	rc = -ENOMEM;
out:
	peer_unlock(&m->lock);
	return rc;
}

/* ---- look-up ---- */

static int mp_rights(void *fe, uint32_t dom, uint64_t page,
		     struct full_lookup *res)
{
	struct mp *m = fe;
	MA_STATE(mas, &m->mt, page - m->base, page - m->base);
	struct mp_ext *ext;
	int k, rc = -ENOENT;

	peer_lock(&m->lock);
	ext = mas_walk(&mas);
	if (ext) {
		k = ph_find(&ext->hs, dom);
		if (k >= 0) {
			res->range = ext->range;
			res->ext_start = m->base + mas.index;
			res->ext_pages = mas.last - mas.index + 1;
			res->nholders = ext->hs.n;
			res->rights = ph_holders(&ext->hs)[k].rights;
			rc = 0;
		}
	}
	peer_unlock(&m->lock);
	return rc;
}

/* ---- statistics, checks, tear-down (not timed) ---- */

static void mp_stats(void *fe, struct full_stats *st)
{
	struct mp *m = fe;
	MA_STATE(mas, &m->mt, m->lo, m->lo);
	unsigned long next = m->lo;
	struct mp_ext *ext;

	memset(st, 0, sizeof(*st));
	st->free_pages = m->free_pages;
	mas_for_each(&mas, ext, m->hi) {
		if (mas.index > next) {
			st->nfree++;
			if (mas.index - next > st->largest)
				st->largest = mas.index - next;
		}
		st->nextents++;
		next = mas.last + 1;
	}
	if (next <= m->hi) {
		st->nfree++;
		if (m->hi - next + 1 > st->largest)
			st->largest = m->hi - next + 1;
	}
}

static int mp_check(void *fe)
{
	struct mp *m = fe;
	MA_STATE(mas, &m->mt, 0, 0);
	struct mp_ext *ext, *prev = NULL;
	unsigned long plast = 0, v;
	uint64_t used = 0, *held_ext, *held_dom;
	void *entry;
	uint32_t i;
	int bad = 0, k;

#ifdef CONFIG_DEBUG_MAPLE_TREE
	mt_validate(&m->mt);
	for (i = 0; i < m->ndoms; i++)
		mt_validate(&m->doms[i]);
#endif
	held_ext = calloc(m->ndoms + 1, sizeof(*held_ext));
	held_dom = calloc(m->ndoms + 1, sizeof(*held_dom));
	if (!held_ext || !held_dom) {
		free(held_ext);
		free(held_dom);
		return -1;
	}
	mas_for_each(&mas, ext, ULONG_MAX) {
		if (mas.index < m->lo || mas.last > m->hi) {
			peer_report("maple: extent [%lu, %lu] outside the window\n",
				    mas.index, mas.last);
			bad = 1;
		}
		if (ph_check(&ext->hs)) {
			peer_report("maple: bad holder set at %lu\n", mas.index);
			bad = 1;
		}
		if (prev && plast + 1 == mas.index &&
		    prev->range == ext->range && ph_equal(&prev->hs, &ext->hs)) {
			peer_report("maple: extents at %lu not merged\n",
				    mas.index);
			bad = 1;
		}
		for (k = 0; k < (int)ext->hs.n; k++)
			held_ext[ph_holders(&ext->hs)[k].dom] +=
				mas.last - mas.index + 1;
		used += mas.last - mas.index + 1;
		prev = ext;
		plast = mas.last;
	}
	if (used + m->free_pages != m->hi - m->lo + 1) {
		peer_report("maple: %llu pages used, %llu free, window %lu\n",
			    (unsigned long long)used,
			    (unsigned long long)m->free_pages,
			    m->hi - m->lo + 1);
		bad = 1;
	}
	/* Each process's tree says what the extents' holder sets say. */
	for (i = 0; i < m->ndoms; i++) {
		MA_STATE(dmas, &m->doms[i], 0, 0);

		mas_for_each(&dmas, entry, ULONG_MAX) {
			MA_STATE(emas, &m->mt, dmas.index, dmas.index);
			unsigned long next = dmas.index;

			v = xa_is_value(entry) ? xa_to_value(entry) : 0;
			held_dom[i] += dmas.last - dmas.index + 1;
			mas_for_each(&emas, ext, dmas.last) {
				k = ph_find(&ext->hs, i);
				if (emas.index > next || k < 0 ||
				    ph_holders(&ext->hs)[k].rights != v)
					bad = 2;
				next = emas.last + 1;
			}
			if (next <= dmas.last)
				bad = 2;
		}
		if (held_dom[i] != held_ext[i])
			bad = 2;
		if (bad == 2) {
			peer_report("maple: process %u's tree disagrees with "
				    "the extents\n", i);
			bad = 1;
		}
	}
	free(held_ext);
	free(held_dom);
	return bad ? -1 : 0;
}

static void mp_destroy(void *fe, full_released_fn fn, void *ctx)
{
	struct mp *m = fe;
	uint32_t i;

	peer_lock(&m->lock);
	for (i = 0; i < m->ndoms; i++) {
		for (;;) {
			MA_STATE(mas, &m->doms[i], 0, 0);

			if (!mas_find(&mas, ULONG_MAX))
				break;
			if (mp_release_locked(m, i, mas.index, mas.last, fn,
					      ctx))
				abort();
		}
		__mt_destroy(&m->doms[i]);
	}
	__mt_destroy(&m->mt);
	peer_unlock(&m->lock);
	fv_slab_destroy(m->ext_cache);
	fv_kfree(m->pieces);
	fv_kfree(m->doms);
	fv_kfree(m);
}

const struct full_ops full_maple_ops = {
	.name = "maple",
	.create = mp_create,
	.destroy = mp_destroy,
	.alloc = mp_alloc,
	.share = mp_share,
	.release = mp_release,
	.rights = mp_rights,
	.stats = mp_stats,
	.check = mp_check,
};
