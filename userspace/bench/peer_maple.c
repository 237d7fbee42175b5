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
 *   to its record (peer.h's struct peer_ext: range id, holder set; 24
 *   bytes).  Free
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
 *   reserved before anything changes (peer.h's span of pieces, shared with
 *   the kva peer, as are the holder-set edits); tree stores allocate their
 *   nodes with
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

/* Extent records are struct peer_ext, from span.ext_cache. */
struct mp {
	struct peer_lock lock;
	struct maple_tree mt;
	unsigned long base;	/* first page of the window */
	unsigned long lo;	/* 0 */
	unsigned long hi;	/* pages in the window - 1 */
	uint64_t free_pages;
	uint64_t next_range;
	struct peer_span span;	/* scratch of one operation */
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
	struct fv_slab *ext_cache;
	struct mp *m;
	uint32_t i;

	if (!maple_ready) {
		maple_tree_init();
		maple_ready = 1;
	}
	m = fv_kmalloc(sizeof(*m), FV_SLAB_ZERO);
	if (!m)
		return NULL;
	ext_cache = fv_slab_create("maple_peer_ext", sizeof(struct peer_ext),
				   0);
	m->doms = fv_kmalloc((ndoms ? ndoms : 1) * sizeof(*m->doms),
			     FV_SLAB_ZERO);
	if (!ext_cache || !m->doms) {
		fv_slab_destroy(ext_cache);
		fv_kfree(m->doms);
		fv_kfree(m);
		return NULL;
	}
	peer_span_init(&m->span, ext_cache, 0, NULL);
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
	struct peer_ext *ext;
	unsigned long s;
	int rc;

	peer_lock(&m->lock);
	rc = mp_find(m, npages, align, &s);
	if (rc)
		goto out;
	ext = fv_slab_alloc(m->span.ext_cache, 0);
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

/* The extents meeting [first, last], in order, into m->span. */
static int mp_collect(struct mp *m, unsigned long first, unsigned long last)
{
	MA_STATE(mas, &m->mt, first, first);
	struct peer_ext *ext;

	peer_span_clear(&m->span);
	mas_for_each(&mas, ext, last) {
		if (peer_span_add(&m->span, ext, mas.index, mas.last))
			return -ENOMEM;
	}
	return 0;
}

/*
 * Merges neighbouring extents of one range with equal holder sets in
 * [first, last]: an extent that just changed may now equal a neighbour.
 */
static void mp_merge(struct mp *m, unsigned long first, unsigned long last)
{
	MA_STATE(mas, &m->mt, first, first);
	struct peer_ext *prev = NULL, *ext;
	unsigned long pfirst = 0, plast = 0;

	mas_for_each(&mas, ext, last) {
		if (prev && plast + 1 == mas.index &&
		    peer_ext_same(prev, ext)) {
			plast = mas.last;
			mp_store(&m->mt, pfirst, plast, prev);
			ph_free(&ext->hs);
			fv_slab_free(m->span.ext_cache, ext);
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
	struct peer_piece *p;
	struct peer_ext *ext;
	unsigned long a, b;
	int changed = 0, rc;
	uint32_t i;

	rc = mp_collect(m, first, last);
	if (rc)
		return rc;
	rc = peer_release_reserve(&m->span, dom, first, last);
	if (rc == -ENOMEM)
		peer_unreserve(&m->span);
	if (rc)
		return rc;
	/* Commit: nothing fails from here on. */
	for (i = 0; i < m->span.n; i++) {
		p = &m->span.p[i];
		ext = p->ext;
		if (ph_find(&ext->hs, dom) < 0)
			continue;
		a = p->first > first ? p->first : first;
		b = p->last < last ? p->last : last;
		if (peer_release_edit(p, dom)) {
			/* Nobody else holds [a, b]: it becomes a gap. */
			mp_store(&m->mt, a, b, NULL);
			m->free_pages += b - a + 1;
			if (fn)
				fn(ctx, m->base + a, b - a + 1);
			if (a == p->first && b == p->last) {
				ph_free(&ext->hs);
				fv_slab_free(m->span.ext_cache, ext);
			}
		} else {
			changed = 1;
			if (p->mid) {
				mp_store(&m->mt, a, b, p->mid);
				p->mid = NULL;
			}
		}
		if (p->right) {
			/* The part after the span gets its own record. */
			mp_store(&m->mt, b + 1, p->last, p->right);
			p->right = NULL;
		}
	}
	if (changed)
		mp_merge(m, first > m->lo ? first - 1 : first,
			 last < m->hi ? last + 1 : last);
	mp_store(&m->doms[dom], first, last, NULL);
	return 0;
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

static int mp_share(void *fe, uint32_t from, uint32_t to, uint64_t start,
		    uint64_t npages, uint32_t rights)
{
	struct mp *m = fe;
	unsigned long first = start - m->base, last = first + npages - 1, a, b;
	struct peer_piece *p;
	uint32_t i;
	int rc;

	peer_lock(&m->lock);
	rc = mp_collect(m, first, last);
	if (rc)
		goto out;
	rc = peer_share_check(&m->span, from, to, first, last, rights);
	if (rc)
		goto out;
	rc = peer_share_reserve(&m->span, first, last);
	if (rc) {
		peer_unreserve(&m->span);
		goto out;
	}
	for (i = 0; i < m->span.n; i++) {
		p = &m->span.p[i];
		a = p->first > first ? p->first : first;
		b = p->last < last ? p->last : last;
		peer_share_edit(p, to, rights);
		if (p->right) {
			mp_store(&m->mt, b + 1, p->last, p->right);
			p->right = NULL;
		}
		if (p->mid) {
			mp_store(&m->mt, a, b, p->mid);
			p->mid = NULL;
		}
	}
	mp_merge(m, first > m->lo ? first - 1 : first,
		 last < m->hi ? last + 1 : last);
	mp_store(&m->doms[to], first, last, xa_mk_value(rights));
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
	struct peer_ext *ext;
	int rc = -ENOENT;

	peer_lock(&m->lock);
	ext = mas_walk(&mas);
	if (ext)
		rc = peer_lookup(ext, dom, m->base + mas.index,
				 mas.last - mas.index + 1, res);
	peer_unlock(&m->lock);
	return rc;
}

/* ---- statistics, checks, tear-down (not timed) ---- */

static void mp_stats(void *fe, struct full_stats *st)
{
	struct mp *m = fe;
	MA_STATE(mas, &m->mt, m->lo, m->lo);
	unsigned long next = m->lo;
	struct peer_ext *ext;

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
	struct peer_ext *ext, *prev = NULL;
	struct peer_holdings hd;
	unsigned long plast = 0, v;
	uint64_t used = 0;
	void *entry;
	uint32_t i;
	int bad = 0, dbad, k;

#ifdef CONFIG_DEBUG_MAPLE_TREE
	mt_validate(&m->mt);
	for (i = 0; i < m->ndoms; i++)
		mt_validate(&m->doms[i]);
#endif
	if (peer_holdings_init(&hd, m->ndoms))
		return -1;
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
		if (prev && plast + 1 == mas.index && peer_ext_same(prev, ext)) {
			peer_report("maple: extents at %lu not merged\n",
				    mas.index);
			bad = 1;
		}
		peer_holdings_ext(&hd, ext, mas.last - mas.index + 1);
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

		dbad = 0;
		mas_for_each(&dmas, entry, ULONG_MAX) {
			MA_STATE(emas, &m->mt, dmas.index, dmas.index);
			unsigned long next = dmas.index;

			v = xa_is_value(entry) ? xa_to_value(entry) : 0;
			hd.by_dom[i] += dmas.last - dmas.index + 1;
			mas_for_each(&emas, ext, dmas.last) {
				k = ph_find(&ext->hs, i);
				if (emas.index > next || k < 0 ||
				    ph_holders(&ext->hs)[k].rights != v)
					dbad = 1;
				next = emas.last + 1;
			}
			if (next <= dmas.last)
				dbad = 1;
		}
		if (peer_holdings_check(&hd, i, dbad, "maple"))
			bad = 1;
	}
	peer_holdings_free(&hd);
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
	fv_slab_destroy(m->span.ext_cache);
	peer_span_free(&m->span);
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
