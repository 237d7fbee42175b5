// SPDX-License-Identifier: GPL-2.0
/*
 * Baseline: one bit per page of the window (set = allocated), with a
 * summary bit per 64-page word (set = word full) so that searches skip full
 * words 64 at a time, and a hint below which every page is allocated.
 * Allocation takes the lowest aligned run of clear bits; release clears.
 * The bitmap is as large as the window, so windows above 2^27 pages are
 * refused.
 */
#include <errno.h>
#include <stdlib.h>

#include "baseline.h"

struct bbm {
	u64 *map;	/* one bit per page */
	u64 *full;	/* one bit per word of @map: all its pages allocated */
	u64 base;
	u64 npages;
	u64 nwords;
	u64 hint;	/* every page below is allocated */
	u64 free_pages;
};

#define ONES	(~(u64)0)

static void *bitmap_create(u64 base, u64 npages)
{
	struct bbm *b;

	if (npages < 4096 || npages > bl_bitmap_ops.max_pages)
		return NULL;
	b = fv_kmalloc(sizeof(*b), FV_SLAB_ZERO);
	if (!b)
		return NULL;
	b->nwords = npages / 64;
	b->map = fv_kmalloc(b->nwords * sizeof(u64), FV_SLAB_ZERO);
	b->full = fv_kmalloc(b->nwords / 64 * sizeof(u64), FV_SLAB_ZERO);
	if (!b->map || !b->full) {
		fv_kfree(b->map);
		fv_kfree(b->full);
		fv_kfree(b);
		return NULL;
	}
	b->base = base;
	b->npages = npages;
	b->free_pages = npages;
	return b;
}

static void bitmap_destroy(void *bl)
{
	struct bbm *b = bl;

	fv_kfree(b->map);
	fv_kfree(b->full);
	fv_kfree(b);
}

/* First free page at or after @pos, or npages. */
static u64 next_free(const struct bbm *b, u64 pos)
{
	u64 w = pos / 64, s, bits;

	if (w >= b->nwords)
		return b->npages;
	bits = ~b->map[w] & (ONES << (pos % 64));
	if (bits)
		return w * 64 + __builtin_ctzll(bits);
	for (w++; w < b->nwords; w = (s + 1) * 64) {
		s = w / 64;
		bits = ~b->full[s] & (ONES << (w % 64));
		if (bits) {
			w = s * 64 + __builtin_ctzll(bits);
			return w * 64 + __builtin_ctzll(~b->map[w]);
		}
	}
	return b->npages;
}

/* First allocated page in [pos, limit), or limit. */
static u64 next_used(const struct bbm *b, u64 pos, u64 limit)
{
	u64 w = pos / 64, bits = b->map[w] & (ONES << (pos % 64)), r;

	while (!bits) {
		w++;
		if (w * 64 >= limit)
			return limit;
		bits = b->map[w];
	}
	r = w * 64 + __builtin_ctzll(bits);
	return r < limit ? r : limit;
}

static void set_word(struct bbm *b, u64 w, u64 mask, int used)
{
	if (used)
		b->map[w] |= mask;
	else
		b->map[w] &= ~mask;
	if (b->map[w] == ONES)
		b->full[w / 64] |= (u64)1 << (w % 64);
	else
		b->full[w / 64] &= ~((u64)1 << (w % 64));
}

static void set_run(struct bbm *b, u64 pos, u64 n, int used)
{
	u64 end = pos + n, w = pos / 64, last = (end - 1) / 64;
	u64 head = ONES << (pos % 64);
	u64 tail = ONES >> (63 - (end - 1) % 64);

	if (w == last) {
		set_word(b, w, head & tail, used);
		return;
	}
	set_word(b, w, head, used);
	for (w++; w < last; w++)
		set_word(b, w, ONES, used);
	set_word(b, last, tail, used);
}

static int bitmap_alloc(void *bl, u64 npages, u64 align, u64 *start)
{
	struct bbm *b = bl;
	u64 pos = b->hint, first = b->npages, p, a, q;

	for (;;) {
		p = next_free(b, pos);
		if (first == b->npages)
			first = p;
		if (p >= b->npages)
			return -ENOSPC;
		a = bl_align_up(p, align);
		if (a >= b->npages || b->npages - a < npages)
			return -ENOSPC;
		q = next_used(b, a, a + npages);
		if (q == a + npages)
			break;
		pos = q;
	}
	set_run(b, a, npages, 1);
	/* Pages below @first were allocated; so is [first, a + npages) now
	 * when the run starts there. */
	b->hint = a == first ? a + npages : first;
	b->free_pages -= npages;
	*start = b->base + a;
	return 0;
}

static void bitmap_release(void *bl, u64 start, u64 npages)
{
	struct bbm *b = bl;
	u64 pos = start - b->base;

	set_run(b, pos, npages, 0);
	if (pos < b->hint)
		b->hint = pos;
	b->free_pages += npages;
}

static void bitmap_stats(void *bl, struct bl_stats *st)
{
	struct bbm *b = bl;
	u64 w, run = 0, best = 0, word;
	int i;

	for (w = 0; w < b->nwords; w++) {
		word = b->map[w];
		if (!word) {
			run += 64;
			continue;
		}
		for (i = 0; i < 64; i++) {
			if (word & ((u64)1 << i)) {
				if (run > best)
					best = run;
				run = 0;
			} else {
				run++;
			}
		}
	}
	if (run > best)
		best = run;
	st->free_pages = b->free_pages;
	st->largest = best;
}

const struct bl_ops bl_bitmap_ops = {
	.name = "bitmap",
	.max_pages = (u64)1 << 27,
	.create = bitmap_create,
	.destroy = bitmap_destroy,
	.alloc = bitmap_alloc,
	.release = bitmap_release,
	.stats = bitmap_stats,
};
