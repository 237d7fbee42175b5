// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm free-space index: where free segments are found.
 *
 * DOC: segregated fit
 *
 * Free segments sit in one of FV_FL_COUNT x FV_SL_COUNT class lists, by
 * length in pages (the TLSF scheme of Masmano et al.):
 *
 *   npages < 32:     first level 0, second level npages    (exact classes)
 *   npages >= 32:    f = floor(log2(npages)),
 *                    first level f - 4, second level the next 5 bits
 *
 * so a class spans at most 1/32 of its lower bound.  Two bitmaps say which
 * classes are not empty.  A request for n pages aligned to A pages first
 * tries the head segment of the classes holding n and n + A - 1 (a tighter
 * fit, one segment each); then it is rounded up to the next class boundary
 * of n + A - 1: every segment of that class or above fits, and the first
 * non-empty one is two find-first-set instructions away (O(1), whatever the
 * number of free segments).  Taking the smallest class that is sure to fit
 * is a good fit: small requests use small holes and leave the large ones
 * whole, which keeps fragmentation low.
 *
 * When no such class has a segment, the classes the rounding skipped (those
 * from n up to n + A - 1) may still hold a fitting segment: fv_fs_scan()
 * tries them segment by segment (the caller may rather probe the aligned
 * addresses, see fv_alloc()), so a request fails only when no aligned run
 * of n free pages exists.  That slow path runs only when the window has no
 * free segment of n + A - 1 rounded up pages, i.e. near exhaustion.
 *
 * Lists are LIFO.  Called with the arena lock held.
 */
#include "fv_freespace.h"

void fv_fs_class(u64 npages, u32 *fl, u32 *sl)
{
	unsigned int f;

	if (npages < FV_SL_COUNT) {
		*fl = 0;
		*sl = (u32)npages;
		return;
	}
	f = fv_fls64(npages);
	*fl = f - FV_SL_SHIFT + 1;
	*sl = (u32)(npages >> (f - FV_SL_SHIFT)) - FV_SL_COUNT;
}

void fv_fs_insert(struct fv_arena *a, struct fv_seg *seg)
{
	struct fv_seg **head;
	u32 fl, sl;

	fv_fs_class(seg->npages, &fl, &sl);
	head = &a->classes[fl][sl];
	seg->u.free.prev = NULL;
	seg->u.free.next = *head;
	if (*head)
		(*head)->u.free.prev = seg;
	*head = seg;
	a->sl_map[fl] |= 1u << sl;
	a->fl_map |= 1u << fl;
	a->nfree++;
	a->free_pages += seg->npages;
}

void fv_fs_remove(struct fv_arena *a, struct fv_seg *seg)
{
	u32 fl, sl;

	fv_fs_class(seg->npages, &fl, &sl);
	if (seg->u.free.prev)
		seg->u.free.prev->u.free.next = seg->u.free.next;
	else
		a->classes[fl][sl] = seg->u.free.next;
	if (seg->u.free.next)
		seg->u.free.next->u.free.prev = seg->u.free.prev;
	if (!a->classes[fl][sl]) {
		a->sl_map[fl] &= ~(1u << sl);
		if (!a->sl_map[fl])
			a->fl_map &= ~(1u << fl);
	}
	a->nfree--;
	a->free_pages -= seg->npages;
}

/* First non-empty class at or above (*fl, *sl); false when there is none. */
static int fs_next_class(const struct fv_arena *a, u32 *fl, u32 *sl)
{
	u32 map = *sl < FV_SL_COUNT ? a->sl_map[*fl] & (~0u << *sl) : 0;

	if (!map) {
		map = *fl + 1 < FV_FL_COUNT ? a->fl_map & (~0u << (*fl + 1)) : 0;
		if (!map)
			return 0;
		*fl = fv_ffs32(map);
		map = a->sl_map[*fl];
	}
	*sl = fv_ffs32(map);
	return 1;
}

/* Whether @npages aligned to @align fit in @seg; if so, from page *@at. */
static int fs_fit(const struct fv_seg *seg, u64 npages, u64 align, u64 *at)
{
	*at = (seg->start + align - 1) & ~(align - 1);
	return *at + npages <= seg->start + seg->npages;
}

/* @npages rounded up to the next class boundary (the class's lower bound). */
static u64 fs_round_up(u64 npages)
{
	if (npages < FV_SL_COUNT)
		return npages;
	return npages + ((u64)1 << (fv_fls64(npages) - FV_SL_SHIFT)) - 1;
}

static int fs_class_before(u32 fl, u32 sl, u32 end_fl, u32 end_sl)
{
	return fl < end_fl || (fl == end_fl && sl < end_sl);
}

/**
 * fv_fs_find() - find a free segment for @npages aligned to @align pages.
 * @a:		the arena.
 * @npages:	pages wanted, at least 1.
 * @align:	alignment in pages, a power of two.
 * @at:		set to the first page to use inside the segment.
 *
 * The O(1) path.  First a tighter fit, if the head segment of the class
 * holding @npages (or @npages + @align - 1) fits: those classes are skipped
 * by the rounding, and trying one segment of each is a best-fit touch that
 * keeps large free runs whole.  Then the first segment of the first
 * non-empty class whose every segment fits.
 *
 * Return: the segment (still in the index), or NULL when no class is sure
 * to fit; fv_fs_scan() may still find one.
 */
struct fv_seg *fv_fs_find(struct fv_arena *a, u64 npages, u64 align, u64 *at)
{
	u64 want = fs_round_up(npages + align - 1);
	struct fv_seg *seg;
	u32 fl, sl;
	int fit;

	fv_fs_class(npages, &fl, &sl);
	seg = a->classes[fl][sl];
	if (seg && fs_fit(seg, npages, align, at))
		return seg;
	if (align > 1) {
		fv_fs_class(npages + align - 1, &fl, &sl);
		seg = a->classes[fl][sl];
		if (seg && fs_fit(seg, npages, align, at))
			return seg;
	}
	fv_fs_class(want, &fl, &sl);
	if (fl >= FV_FL_COUNT || !fs_next_class(a, &fl, &sl))
		return NULL;
	seg = a->classes[fl][sl];
	fit = fs_fit(seg, npages, align, at);
	FV_ASSERT(fit);
	return seg;
}

/**
 * fv_fs_scan() - the slow path: the classes fv_fs_find() skipped.
 * @a:		the arena.
 * @npages:	pages wanted, at least 1.
 * @align:	alignment in pages, a power of two.
 * @at:		set to the first page to use inside the segment.
 *
 * Segments of the classes from @npages up to the rounded @npages + @align - 1
 * may or may not fit: each is tried.  O(segments in those classes).
 *
 * Return: a fitting segment, or NULL when none of them fits.
 */
struct fv_seg *fv_fs_scan(struct fv_arena *a, u64 npages, u64 align, u64 *at)
{
	u32 fl, sl, end_fl, end_sl;
	struct fv_seg *seg;

	fv_fs_class(fs_round_up(npages + align - 1), &end_fl, &end_sl);
	fv_fs_class(npages, &fl, &sl);
	while (fs_next_class(a, &fl, &sl) &&
	       fs_class_before(fl, sl, end_fl, end_sl)) {
		for (seg = a->classes[fl][sl]; seg; seg = seg->u.free.next)
			if (fs_fit(seg, npages, align, at))
				return seg;
		if (++sl == FV_SL_COUNT) {
			sl = 0;
			if (++fl == FV_FL_COUNT)
				break;
		}
	}
	return NULL;
}

/* Length in pages of the largest free segment (0 when none). */
u64 fv_fs_largest(struct fv_arena *a)
{
	struct fv_seg *seg;
	u64 best = 0;
	u32 fl, sl;

	if (!a->fl_map)
		return 0;
	fl = fv_fls64(a->fl_map);
	sl = fv_fls64(a->sl_map[fl]);
	for (seg = a->classes[fl][sl]; seg; seg = seg->u.free.next)
		if (seg->npages > best)
			best = seg->npages;
	return best;
}
