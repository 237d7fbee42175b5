// SPDX-License-Identifier: GPL-2.0
/*
 * The reference model (see fvt_model.h): unit-by-unit loops only, no
 * cleverness, so that a disagreement with the core points at the core.
 */
#ifdef __KERNEL__
#include <linux/stdarg.h>
#else
#include <stdarg.h>
#endif

#include "fvt_model.h"

#ifdef __KERNEL__
__printf(3, 4)
#endif
static int say(char *msg, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, size, fmt, ap);
	va_end(ap);
	return 1;
}

void fvt_model_init(struct fvt_model *m, u64 base_page, u64 nunits,
		    unsigned int shift)
{
	memset(m, 0, sizeof(*m));
	m->base = base_page;
	m->n = nunits;
	m->shift = shift;
}

u64 fvt_model_addr(const struct fvt_model *m, u64 p)
{
	return (m->base + (p << m->shift)) << FV_PAGE_SHIFT;
}

u64 fvt_model_bytes(const struct fvt_model *m, u64 n)
{
	return n << (m->shift + FV_PAGE_SHIFT);
}

int fvt_model_span(const struct fvt_model *m, u64 addr, u64 len, u64 *first,
		   u64 *n)
{
	u64 page, npg, wpages = m->n << m->shift, unit = (u64)1 << m->shift;

	if (!len || (addr | len) & (FV_PAGE_SIZE - 1) || addr + len < addr)
		return -EINVAL;
	page = addr >> FV_PAGE_SHIFT;
	npg = len >> FV_PAGE_SHIFT;
	if (page < m->base || page - m->base >= wpages ||
	    npg > wpages - (page - m->base))
		return -EINVAL;
	if (((page - m->base) | npg) & (unit - 1))
		return -EDOM;
	*first = (page - m->base) >> m->shift;
	*n = npg >> m->shift;
	return 0;
}

int fvt_model_alloc_args(u64 len, u64 align, u32 rights)
{
	if (!len || (len & (FV_PAGE_SIZE - 1)))
		return -EINVAL;
	if (align && ((align & (align - 1)) || align < FV_PAGE_SIZE ||
		      align > ((u64)1 << FV_MAX_ALIGN_SHIFT)))
		return -EINVAL;
	if (!rights || (rights & ~FV_RIGHTS_MASK))
		return -EINVAL;
	return 0;
}

/* The lowest aligned fit of @n units, exactly: 0 when none, else unit + 1. */
static u64 exact_fit(const struct fvt_model *m, u64 n, u64 apg)
{
	u64 p, run = 0;

	for (p = 0; p < m->n; p++) {
		if (m->rid[p]) {
			run = 0;
			continue;
		}
		run++;
		if (run >= n &&
		    !((m->base + ((p + 1 - n) << m->shift)) & (apg - 1)))
			return p + 2 - n;
	}
	return 0;
}

/*
 * Where fv_alloc() puts @n units aligned to @align bytes (vmalloc's policy):
 * the lowest free run of n units plus align - 1 pages, at its first aligned
 * unit; else the lowest exact aligned fit.  0 when none, else unit + 1.
 */
u64 fvt_model_lowest_fit(const struct fvt_model *m, u64 n, u64 align)
{
	u64 apg = align ? align >> FV_PAGE_SHIFT : 1, p, run = 0, start, need;

	if (!n || n > m->n)
		return 0;
	/* The slack of align - 1 pages, in whole units. */
	need = n + (((apg - 1) + ((u64)1 << m->shift) - 1) >> m->shift);
	if (apg > 1 && need <= m->n) {
		for (p = 0; p < m->n; p++) {
			if (m->rid[p]) {
				run = 0;
				continue;
			}
			if (++run < need)
				continue;
			start = m->base + ((p + 1 - run) << m->shift);
			start = (start + apg - 1) & ~(apg - 1);
			return ((start - m->base) >> m->shift) + 1;
		}
	}
	return exact_fit(m, n, apg);
}

void fvt_model_alloc(struct fvt_model *m, unsigned int d, u64 first, u64 n,
		     u32 rights, u64 range)
{
	u64 p;

	for (p = first; p < first + n; p++) {
		m->rid[p] = range;
		memset(m->rights[p], 0, sizeof(m->rights[p]));
		m->rights[p][d] = rights | FV_OWNER;
	}
}

int fvt_model_share(struct fvt_model *m, unsigned int from, unsigned int to,
		    u64 addr, u64 len, u32 rights)
{
	u64 first, n, p;
	int ret;

	ret = fvt_model_span(m, addr, len, &first, &n);
	if (ret)
		return ret;
	if (!rights || (rights & ~FV_RIGHTS_MASK) || from == to)
		return -EINVAL;
	for (p = first; p < first + n; p++)
		if (!m->rights[p][from])
			return -ENOENT;
	for (p = first; p < first + n; p++)
		if (m->rid[p] != m->rid[first])
			return -EINVAL;
	for (p = first; p < first + n; p++)
		if (rights & ~m->rights[p][from])
			return -EACCES;
	for (p = first; p < first + n; p++)
		if (m->rights[p][to])
			return -EEXIST;
	for (p = first; p < first + n; p++)
		m->rights[p][to] = rights;
	return 0;
}

static void drop(struct fvt_model *m, unsigned int d, u64 p, u8 *freed)
{
	unsigned int k;

	if (!m->rights[p][d])
		return;
	m->rights[p][d] = 0;
	for (k = 0; k < FVT_MODEL_NDOM; k++)
		if (m->rights[p][k])
			return;
	m->rid[p] = 0;
	freed[p] = 1;
}

int fvt_model_release(struct fvt_model *m, unsigned int d, u64 addr, u64 len,
		      u8 *freed)
{
	bool held = false;
	u64 first, n, p;
	int ret;

	ret = fvt_model_span(m, addr, len, &first, &n);
	if (ret)
		return ret;
	for (p = first; p < first + n; p++)
		held |= !!m->rights[p][d];
	if (!held)
		return -ENOENT;
	for (p = first; p < first + n; p++)
		drop(m, d, p, freed);
	return 0;
}

void fvt_model_release_all(struct fvt_model *m, unsigned int d, u8 *freed)
{
	u64 p;

	for (p = 0; p < m->n; p++)
		drop(m, d, p, freed);
}

void fvt_model_drop_extent(struct fvt_model *m, unsigned int d, u64 p,
			   u8 *freed)
{
	struct fvt_model_page info;
	u64 q;

	fvt_model_page(m, p, &info);
	for (q = info.ext_first; q < info.ext_first + info.ext_n; q++)
		drop(m, d, q, freed);
}

int fvt_model_holds_all(const struct fvt_model *m, unsigned int d, u64 addr,
			u64 len, u32 rights)
{
	u64 first, n, p;
	int ret;

	ret = fvt_model_span(m, addr, len, &first, &n);
	if (ret)
		return ret;
	for (p = first; p < first + n; p++)
		if (!m->rights[p][d])
			return -ENOENT;
	for (p = first; p < first + n; p++)
		if (rights & ~m->rights[p][d])
			return -EACCES;
	return 0;
}

int fvt_model_rights_cover(const struct fvt_model *m, unsigned int from,
			   unsigned int to, u64 addr, u64 len)
{
	u64 first, n, p;
	int ret;

	ret = fvt_model_span(m, addr, len, &first, &n);
	if (ret)
		return ret;
	for (p = first; p < first + n; p++)
		if (m->rights[p][to] & ~m->rights[p][from])
			return 0;
	return 1;
}

/* Units @p and @q belong to one extent: same range, same holders. */
static bool same_extent(const struct fvt_model *m, u64 p, u64 q)
{
	return m->rid[p] && m->rid[p] == m->rid[q] &&
	       !memcmp(m->rights[p], m->rights[q], sizeof(m->rights[p]));
}

void fvt_model_page(const struct fvt_model *m, u64 p,
		    struct fvt_model_page *info)
{
	u64 s = p, e = p;
	unsigned int k;

	while (s > 0 && same_extent(m, s - 1, p))
		s--;
	while (e + 1 < m->n && same_extent(m, e + 1, p))
		e++;
	info->rid = m->rid[p];
	info->ext_first = s;
	info->ext_n = e - s + 1;
	info->nholders = 0;
	for (k = 0; k < FVT_MODEL_NDOM; k++)
		info->nholders += !!m->rights[p][k];
}

void fvt_model_piece(const struct fvt_model *m, u64 p, u64 *first, u64 *n)
{
	u64 s = p, e = p;

	while (s > 0 && m->rid[s - 1] == m->rid[p])
		s--;
	while (e + 1 < m->n && m->rid[e + 1] == m->rid[p])
		e++;
	*first = s;
	*n = e - s + 1;
}

void fvt_model_stats(const struct fvt_model *m, struct fvt_model_stats *st)
{
	unsigned int k, ushift = m->shift + FV_PAGE_SHIFT;
	u64 p, run = 0;

	memset(st, 0, sizeof(*st));
	for (p = 0; p < m->n; p++) {
		if (!m->rid[p]) {
			st->free_bytes += (u64)1 << ushift;
			run++;
			if (!p || m->rid[p - 1])
				st->nfree++;
			if (run << ushift > st->largest_free)
				st->largest_free = run << ushift;
			continue;
		}
		run = 0;
		for (k = 0; k < FVT_MODEL_NDOM; k++)
			if (m->rights[p][k])
				st->dom_npages[k] += (u64)1 << m->shift;
		if (p && same_extent(m, p - 1, p))
			continue;
		st->nextents++;
		for (k = 0; k < FVT_MODEL_NDOM; k++) {
			if (m->rights[p][k]) {
				st->nholders++;
				st->dom_nholds[k]++;
			}
		}
	}
}

/* The window-relative unit holding @addr, or ~0 when outside. */
static u64 unit_of(const struct fvt_model *m, u64 addr)
{
	u64 page = addr >> FV_PAGE_SHIFT;

	if (page < m->base || page - m->base >= m->n << m->shift)
		return ~0ULL;
	return (page - m->base) >> m->shift;
}

int fvt_model_check_released(const struct fvt_model *m, u64 addr, u64 len,
			     u64 range, u8 *seen, char *msg, size_t size)
{
	u64 p, first, n;

	if (fvt_model_span(m, addr, len, &first, &n))
		return say(msg, size,
			   "released run %#llx+%#llx is not whole units of the window",
			   addr, len);
	for (p = first; p < first + n; p++) {
		if (seen[p])
			return say(msg, size, "page %#llx released twice",
				   fvt_model_addr(m, p));
		if (!m->rid[p] || m->rid[p] != range)
			return say(msg, size,
				   "page %#llx released as range %llu, model says %llu",
				   fvt_model_addr(m, p), range, m->rid[p]);
		seen[p] = 1;
	}
	return 0;
}

int fvt_model_compare_freed(const struct fvt_model *m, const u8 *seen,
			    const u8 *freed, char *msg, size_t size)
{
	u64 p;

	for (p = 0; p < m->n; p++)
		if (seen[p] != freed[p])
			return say(msg, size, "page %#llx: %s, model says %s",
				   fvt_model_addr(m, p),
				   seen[p] ? "reported released" :
					     "not reported released",
				   freed[p] ? "released" : "not released");
	return 0;
}

/* fv_lookup() at @addr; @known: the model's answer for its unit, or NULL. */
static int cmp_lookup(const struct fvt_model *m, struct fv_arena *a, u64 addr,
		      const struct fvt_model_page *known, char *msg,
		      size_t size)
{
	struct fv_lookup_result r;
	struct fvt_model_page info;
	u64 p = unit_of(m, addr);
	int rc, want = -ENOENT;

	if (p != ~0ULL && m->rid[p])
		want = 0;
	memset(&r, 0, sizeof(r));
	rc = fv_lookup(a, addr, &r);
	if (rc != want)
		return say(msg, size, "fv_lookup(%#llx) returned %d, model says %d",
			   addr, rc, want);
	if (rc)
		return 0;
	if (known)
		info = *known;
	else
		fvt_model_page(m, p, &info);
	if (r.range != info.rid || r.ext_start != fvt_model_addr(m, info.ext_first) ||
	    r.ext_len != fvt_model_bytes(m, info.ext_n) ||
	    r.nholders != info.nholders)
		return say(msg, size,
			   "fv_lookup(%#llx): range %llu ext %#llx+%#llx holders %u; model: range %llu ext %#llx+%#llx holders %u",
			   addr, r.range, r.ext_start, r.ext_len, r.nholders,
			   info.rid, fvt_model_addr(m, info.ext_first),
			   fvt_model_bytes(m, info.ext_n), info.nholders);
	return 0;
}

/* fv_rights() of model domain @d at @addr (@known as above). */
static int cmp_rights(const struct fvt_model *m, struct fv_arena *a,
		      struct fv_domain *dom, unsigned int d, u64 addr,
		      const struct fvt_model_page *known, char *msg,
		      size_t size)
{
	struct fv_lookup_result r;
	struct fvt_model_page info;
	u64 p = unit_of(m, addr);
	int rc, want = -ENOENT;

	if (p != ~0ULL && m->rights[p][d])
		want = 0;
	memset(&r, 0, sizeof(r));
	rc = fv_rights(a, dom, addr, &r);
	if (rc != want)
		return say(msg, size, "fv_rights(d%u, %#llx) returned %d, model says %d",
			   d, addr, rc, want);
	if (rc)
		return 0;
	if (known)
		info = *known;
	else
		fvt_model_page(m, p, &info);
	if (r.rights != m->rights[p][d] || r.range != info.rid ||
	    r.ext_start != fvt_model_addr(m, info.ext_first) ||
	    r.ext_len != fvt_model_bytes(m, info.ext_n) ||
	    r.nholders != info.nholders)
		return say(msg, size,
			   "fv_rights(d%u, %#llx): rights %#x range %llu ext %#llx+%#llx holders %u; model: rights %#x range %llu ext %#llx+%#llx holders %u",
			   d, addr, r.rights, r.range, r.ext_start, r.ext_len,
			   r.nholders, m->rights[p][d], info.rid,
			   fvt_model_addr(m, info.ext_first),
			   fvt_model_bytes(m, info.ext_n), info.nholders);
	return 0;
}

/* fv_range_piece() at @addr against the model's piece [first, first + n). */
static int cmp_piece(const struct fvt_model *m, struct fv_arena *a, u64 addr,
		     u64 first, u64 n, char *msg, size_t size)
{
	u64 p = unit_of(m, addr), start = 0, len = 0;
	int rc, want = -ENOENT;

	if (p != ~0ULL && m->rid[p])
		want = 0;
	rc = fv_range_piece(a, addr, &start, &len);
	if (rc != want)
		return say(msg, size, "fv_range_piece(%#llx) returned %d, model says %d",
			   addr, rc, want);
	if (rc)
		return 0;
	if (start != fvt_model_addr(m, first) || len != fvt_model_bytes(m, n))
		return say(msg, size,
			   "fv_range_piece(%#llx): %#llx+%#llx, model %#llx+%#llx",
			   addr, start, len, fvt_model_addr(m, first),
			   fvt_model_bytes(m, n));
	return 0;
}

/* fv_walk() visitor: each segment must be the model's next run. */
struct walk_cmp {
	const struct fvt_model *m;
	struct fv_arena *a;
	struct fv_domain *const *doms;
	u64 next;		/* the unit the next segment must start at */
	u64 nseg;
	char *msg;
	size_t size;
};

int fvt_model_check_lookup(const struct fvt_model *m, struct fv_arena *a,
			   u64 addr, char *msg, size_t size)
{
	return cmp_lookup(m, a, addr, NULL, msg, size);
}

int fvt_model_check_rights(const struct fvt_model *m, struct fv_arena *a,
			   struct fv_domain *dom, unsigned int d, u64 addr,
			   char *msg, size_t size)
{
	return cmp_rights(m, a, dom, d, addr, NULL, msg, size);
}

int fvt_model_check_piece(const struct fvt_model *m, struct fv_arena *a,
			  u64 addr, char *msg, size_t size)
{
	u64 p = unit_of(m, addr), first = 0, n = 0;

	if (p != ~0ULL && m->rid[p])
		fvt_model_piece(m, p, &first, &n);
	return cmp_piece(m, a, addr, first, n, msg, size);
}

static int walk_holders(struct walk_cmp *w, const struct fv_seg *seg, u64 p)
{
	u32 i, rights, seen = 0, last_idx = 0;
	unsigned int k;
	u64 id;

	for (i = 0; i < seg->nholders; i++) {
		fv_seg_holder(w->a, seg, i, &id, &rights);
		for (k = 0; k < FVT_MODEL_NDOM && w->doms[k]->id != id; k++)
			;
		if (k == FVT_MODEL_NDOM || (seen & (1u << k)))
			return say(w->msg, w->size,
				   "fv_walk() segment %llu: holder %u is domain id %llu",
				   w->nseg, i, id);
		if (i && w->doms[k]->idx <= last_idx)
			return say(w->msg, w->size,
				   "fv_walk() segment %llu: holders not in domain index order",
				   w->nseg);
		last_idx = w->doms[k]->idx;
		seen |= 1u << k;
		if (rights != w->m->rights[p][k])
			return say(w->msg, w->size,
				   "fv_walk() segment %llu: domain %u has rights %#x, model %#x",
				   w->nseg, k, rights, w->m->rights[p][k]);
	}
	return 0;
}

static int walk_cb(void *ctx, const struct fv_seg *seg)
{
	struct walk_cmp *w = ctx;
	const struct fvt_model *m = w->m;
	struct fvt_model_page info = { 0 };
	u64 p = w->next, e = p;

	if (p >= m->n)
		return say(w->msg, w->size,
			   "fv_walk() shows more than the model's %llu units",
			   m->n);
	if (m->rid[p]) {
		fvt_model_page(m, p, &info);
		e = p + info.ext_n - 1;
	} else {
		while (e + 1 < m->n && !m->rid[e + 1])
			e++;
	}
	if (seg->start != m->base + (p << m->shift) ||
	    seg->npages != (e - p + 1) << m->shift ||
	    seg->used != !!m->rid[p] || seg->range != info.rid ||
	    seg->nholders != info.nholders)
		return say(w->msg, w->size,
			   "fv_walk() segment %llu: page %#llx+%llu used %u range %llu holders %u; model: page %#llx+%llu used %u range %llu holders %u",
			   w->nseg, seg->start, seg->npages, seg->used,
			   seg->range, seg->nholders, m->base + (p << m->shift),
			   (e - p + 1) << m->shift, !!m->rid[p], info.rid,
			   info.nholders);
	if (seg->used && walk_holders(w, seg, p))
		return 1;
	w->next = e + 1;
	w->nseg++;
	return 0;
}

static int cmp_walk(const struct fvt_model *m, struct fv_arena *a,
		    struct fv_domain *const *doms, char *msg, size_t size)
{
	struct walk_cmp w = {
		.m = m, .a = a, .doms = doms, .msg = msg, .size = size,
	};

	if (fv_walk(a, walk_cb, &w))
		return 1;
	if (w.next != m->n)
		return say(msg, size, "fv_walk() stopped at unit %llu of %llu",
			   w.next, m->n);
	return 0;
}

static int cmp_counters(const struct fvt_model *m, struct fv_arena *a,
			struct fv_domain *const *doms, char *msg, size_t size)
{
	struct fvt_model_stats ms;
	struct fv_stats st;
	unsigned int d;

	fv_stats(a, &st);
	fvt_model_stats(m, &ms);
	if (st.window_bytes != fvt_model_bytes(m, m->n) ||
	    st.free_bytes != ms.free_bytes ||
	    st.largest_free != ms.largest_free || st.nfree != ms.nfree ||
	    st.nextents != ms.nextents || st.nholders != ms.nholders)
		return say(msg, size,
			   "stats: free %#llx largest %#llx nfree %llu nextents %llu nholders %llu; model %#llx %#llx %llu %llu %llu",
			   st.free_bytes, st.largest_free, st.nfree,
			   st.nextents, st.nholders, ms.free_bytes,
			   ms.largest_free, ms.nfree, ms.nextents,
			   ms.nholders);
	for (d = 0; d < FVT_MODEL_NDOM; d++)
		if (doms[d]->npages != ms.dom_npages[d] ||
		    doms[d]->nholds != ms.dom_nholds[d])
			return say(msg, size,
				   "domain %u: npages %llu nholds %llu; model %llu %llu",
				   d, doms[d]->npages, doms[d]->nholds,
				   ms.dom_npages[d], ms.dom_nholds[d]);
	return 0;
}

/* Every unit of one run [p, e] (an extent or free space), deep. */
static int cmp_units(const struct fvt_model *m, struct fv_arena *a,
		     struct fv_domain *const *doms, u64 p, u64 e,
		     const struct fvt_model_page *known, u64 pf, u64 pn,
		     char *msg, size_t size)
{
	unsigned int d;
	u64 q, off;

	for (q = p; q <= e; q++) {
		off = (q * 0x9e3779b1ULL) & (fvt_model_bytes(m, 1) - 1);
		if (cmp_lookup(m, a, fvt_model_addr(m, q) + off, known, msg,
			       size) ||
		    cmp_piece(m, a, fvt_model_addr(m, q), pf, pn, msg, size))
			return 1;
		for (d = 0; d < FVT_MODEL_NDOM; d++)
			if (cmp_rights(m, a, doms[d], d, fvt_model_addr(m, q),
				       known, msg, size))
				return 1;
	}
	return 0;
}

int fvt_model_compare(const struct fvt_model *m, struct fv_arena *a,
		      struct fv_domain *const *doms, bool deep, char *msg,
		      size_t size)
{
	struct fvt_model_page info, *known;
	u64 p, e, pf = 0, pn = 0;
	unsigned int d;
	int rc;

	rc = fv_check(a);
	if (rc)
		return say(msg, size, "fv_check() returned %d", rc);
	if (cmp_counters(m, a, doms, msg, size))
		return 1;
	for (p = 0; p < m->n; p = e + 1) {
		e = p;
		known = NULL;
		if (m->rid[p]) {
			fvt_model_page(m, p, &info);
			known = &info;
			e = p + info.ext_n - 1;
			if (!pn || p >= pf + pn)
				fvt_model_piece(m, p, &pf, &pn);
		} else {
			while (e + 1 < m->n && !m->rid[e + 1])
				e++;
		}
		if (cmp_lookup(m, a, fvt_model_addr(m, p), known, msg, size) ||
		    cmp_lookup(m, a, fvt_model_addr(m, e) + fvt_model_bytes(m, 1) - 1,
			       known, msg, size))
			return 1;
		for (d = 0; known && d < FVT_MODEL_NDOM; d++)
			if (cmp_rights(m, a, doms[d], d,
				       fvt_model_addr(m, p) + 0x10, known, msg,
				       size))
				return 1;
		if (deep && cmp_units(m, a, doms, p, e, known, known ? pf : 0,
				      known ? pn : 0, msg, size))
			return 1;
	}
	if (!deep)
		return 0;
	if (cmp_lookup(m, a, fvt_model_addr(m, 0) - 1, NULL, msg, size) ||
	    cmp_lookup(m, a, fvt_model_addr(m, m->n), NULL, msg, size))
		return 1;
	return cmp_walk(m, a, doms, msg, size);
}
