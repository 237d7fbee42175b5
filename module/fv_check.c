// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm invariant checker: walks every index of an arena and proves they
 * agree.  O(n); for tests, the fuzzer and the module's debugfs.
 *
 * Checked: both kinds of tree are valid red-black trees; segments tile the
 * window exactly, free ones are coalesced and sit in the right class list,
 * the class bitmaps match the lists; every extent has a sorted, non-empty
 * holder list whose records point back at it and live in their domain's
 * tree; neighbouring extents of one range differ in holders; every counter
 * equals what the walk counted.
 */
#include "fv_internal.h"

/* True, after a report, when @cond does not hold. */
#define broken(cond, ...)						\
	(!(cond) && (fv_report("check: " __VA_ARGS__), 1))

static int check_classes(const struct fv_arena *a)
{
	const struct fv_seg *seg, *prev;
	u64 nfree = 0, pages = 0;
	u32 fl, sl, cfl, csl;

	for (fl = 0; fl < FV_FL_COUNT; fl++) {
		if (broken(!!(a->fl_map & (1u << fl)) == !!a->sl_map[fl],
			   "first-level bit %u\n", fl))
			return -EUCLEAN;
		for (sl = 0; sl < FV_SL_COUNT; sl++) {
			if (broken(!!(a->sl_map[fl] & (1u << sl)) ==
				   !!a->classes[fl][sl], "class bit %u/%u\n", fl, sl))
				return -EUCLEAN;
			prev = NULL;
			for (seg = a->classes[fl][sl]; seg;
			     seg = seg->u.free.next) {
				if (broken(!seg->used, "used segment in class\n"))
					return -EUCLEAN;
				if (broken(seg->u.free.prev == prev, "class links\n"))
					return -EUCLEAN;
				fv_fs_class(seg->npages, &cfl, &csl);
				if (broken(cfl == fl && csl == sl,
					   "segment of %llu pages in class %u/%u\n",
					   (unsigned long long)seg->npages, fl, sl))
					return -EUCLEAN;
				if (broken(++nfree <= a->nfree, "class list loop\n"))
					return -EUCLEAN;
				pages += seg->npages;
				prev = seg;
			}
		}
	}
	if (broken(nfree == a->nfree, "free segments %llu, counted %llu\n",
		   (unsigned long long)a->nfree, (unsigned long long)nfree))
		return -EUCLEAN;
	if (broken(pages == a->free_pages, "free pages\n"))
		return -EUCLEAN;
	return 0;
}

static int check_extent(const struct fv_seg *e, const struct fv_seg *prev)
{
	const struct fv_holder *h, *hp = NULL;
	u32 n = 0;

	if (broken(e->u.ext.range && e->nholders, "extent without range or holder\n"))
		return -EUCLEAN;
	for (h = e->u.ext.holders; h; h = h->next) {
		if (broken(h->seg == e && h->start == e->start,
			   "holder does not point back at its extent\n"))
			return -EUCLEAN;
		if (broken(h->rights && !(h->rights & ~FV_RIGHTS_MASK),
			   "holder rights %#x\n", h->rights))
			return -EUCLEAN;
		if (broken(!hp || hp->dom->id < h->dom->id,
			   "holders not sorted by domain\n"))
			return -EUCLEAN;
		if (broken(++n <= e->nholders, "holder list longer than count\n"))
			return -EUCLEAN;
		hp = h;
	}
	if (broken(n == e->nholders, "holder count\n"))
		return -EUCLEAN;
	if (prev && prev->used && prev->u.ext.range == e->u.ext.range)
		if (broken(!fv_ext_same_holders(prev, e),
			   "extents at page %#llx not merged\n",
			   (unsigned long long)e->start))
			return -EUCLEAN;
	return 0;
}

static int check_segments(const struct fv_arena *a, u64 *nholders)
{
	const struct fv_seg *seg, *prev = NULL;
	u64 count, nfree = 0, nused = 0, cur = a->base;
	int ret;

	if (broken(fv_rb_check(&a->segs, &count) >= 0, "segment tree shape\n"))
		return -EUCLEAN;
	if (broken(count == a->nfree + a->nused, "segment count\n"))
		return -EUCLEAN;
	*nholders = 0;
	for (seg = fv_seg_of(fv_rb_first(&a->segs)); seg;
	     seg = fv_seg_of(fv_rb_next(&seg->rb))) {
		if (broken(seg->start == cur && seg->npages,
			   "gap or overlap at page %#llx\n",
			   (unsigned long long)cur))
			return -EUCLEAN;
		cur = fv_seg_end(seg);
		if (seg->used) {
			ret = check_extent(seg, prev);
			if (ret)
				return ret;
			nused++;
			*nholders += seg->nholders;
		} else {
			if (broken(!prev || prev->used, "free segments not coalesced\n"))
				return -EUCLEAN;
			nfree++;
		}
		prev = seg;
	}
	if (broken(cur == a->base + a->npages, "segments end before the window\n"))
		return -EUCLEAN;
	if (broken(nfree == a->nfree && nused == a->nused, "segment counters\n"))
		return -EUCLEAN;
	return 0;
}

static int check_domain(const struct fv_domain *d)
{
	const struct fv_holder *h, *prev = NULL, *x;
	u64 count, pages = 0;

	if (broken(fv_rb_check(&d->holds, &count) >= 0, "domain tree shape\n"))
		return -EUCLEAN;
	if (broken(count == d->nholds, "domain %llu holds %llu, counted %llu\n",
		   (unsigned long long)d->id, (unsigned long long)d->nholds,
		   (unsigned long long)count))
		return -EUCLEAN;
	for (h = fv_holder_of(fv_rb_first(&d->holds)); h;
	     h = fv_holder_of(fv_rb_next(&h->rb))) {
		if (broken(h->dom == d, "holder in the wrong domain tree\n"))
			return -EUCLEAN;
		if (broken(h->seg->used && h->start == h->seg->start,
			   "holder of a free segment\n"))
			return -EUCLEAN;
		if (broken(!prev || fv_seg_end(prev->seg) <= h->start,
			   "domain holders overlap\n"))
			return -EUCLEAN;
		for (x = h->seg->u.ext.holders; x && x != h; x = x->next)
			;
		if (broken(x == h, "holder missing from its extent\n"))
			return -EUCLEAN;
		pages += h->seg->npages;
		prev = h;
	}
	if (broken(pages == d->npages, "domain page count\n"))
		return -EUCLEAN;
	return 0;
}

/**
 * fv_check() - verify every invariant of an arena.
 * @a:		the arena.
 *
 * Return: 0, or -EUCLEAN after reporting the first broken invariant.
 */
int fv_check(struct fv_arena *a)
{
	const struct fv_domain *d;
	u64 nholders, dom_holds = 0, ndomains = 0;
	int ret;

	fv_lock(&a->lock);
	ret = check_segments(a, &nholders);
	if (!ret)
		ret = check_classes(a);
	for (d = a->domains.link_next; !ret && d != &a->domains;
	     d = d->link_next) {
		ret = check_domain(d);
		dom_holds += d->nholds;
		ndomains++;
	}
	if (!ret && (nholders != a->nholders || dom_holds != a->nholders ||
		     ndomains != a->ndomains)) {
		fv_report("check: holder or domain counters\n");
		ret = -EUCLEAN;
	}
	fv_unlock(&a->lock);
	return ret;
}
