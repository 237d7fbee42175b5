// SPDX-License-Identifier: GPL-2.0
/*
 * Baselines: binary buddy and 4-ary buddy (the seed thread's proposal), one
 * code with 2^lg children per block.  Blocks of order k are 2^(lg*k) pages,
 * aligned to their size relative to the window base.  Free blocks sit in one
 * list per order (a bit per non-empty order finds the smallest fitting order
 * at once) and in a hash table by start page, which answers "is this buddy
 * free, and of which order" when a block is freed: the window may be 2^35
 * pages, too large for a per-page array.
 *
 * An allocation takes the smallest block that holds the request and its
 * alignment, splits it down and gives the unused tail back at once, as
 * Linux's alloc_pages_exact() does, so the buddies are measured at their
 * best fragmentation.  A release splits the run into aligned blocks and
 * frees each, merging siblings upwards while all of them are free.
 */
#include <errno.h>
#include <stdlib.h>

#include "baseline.h"

#define MAX_ORDERS	40

struct bnode {
	struct bnode *prev;	/* in the list of its order */
	struct bnode *next;
	struct bnode *hnext;	/* in its hash chain */
	u64 start;		/* page offset from the window base */
	u32 order;
};

struct buddy {
	unsigned int lg;	/* log2 of the number of children */
	unsigned int top;	/* order of the largest blocks */
	u64 base;
	u64 npages;
	struct bnode *lists[MAX_ORDERS];
	u64 nonempty;		/* bit k: lists[k] not empty */
	struct bnode **buckets;
	unsigned int hbits;
	u64 nnodes;
	u64 free_pages;
	struct fv_slab *cache;
};

static struct bnode **bucket(struct buddy *b, u64 start)
{
	return &b->buckets[(start * 0x9e3779b97f4a7c15ull) >> (64 - b->hbits)];
}

static struct bnode *hfind(struct buddy *b, u64 start)
{
	struct bnode *n;

	for (n = *bucket(b, start); n; n = n->hnext)
		if (n->start == start)
			return n;
	return NULL;
}

static void hgrow(struct buddy *b)
{
	struct bnode **old = b->buckets, *n, *next, **slot;
	u64 i, oldn = (u64)1 << b->hbits;

	b->buckets = fv_kmalloc(oldn * 2 * sizeof(*b->buckets),
				FV_SLAB_NOFAIL | FV_SLAB_ZERO);
	b->hbits++;
	for (i = 0; i < oldn; i++) {
		for (n = old[i]; n; n = next) {
			next = n->hnext;
			slot = bucket(b, n->start);
			n->hnext = *slot;
			*slot = n;
		}
	}
	fv_kfree(old);
}

/* Makes [start, start + 2^(lg*order)) a free block; no merging. */
static void push_block(struct buddy *b, u64 start, u32 order)
{
	struct bnode *n, **slot;

	if (b->nnodes >= ((u64)1 << b->hbits))
		hgrow(b);
	n = bl_record(b->cache);
	n->start = start;
	n->order = order;
	n->prev = NULL;
	n->next = b->lists[order];
	if (n->next)
		n->next->prev = n;
	b->lists[order] = n;
	b->nonempty |= (u64)1 << order;
	slot = bucket(b, start);
	n->hnext = *slot;
	*slot = n;
	b->nnodes++;
}

static void drop_block(struct buddy *b, struct bnode *n)
{
	struct bnode **slot = bucket(b, n->start);

	while (*slot != n)
		slot = &(*slot)->hnext;
	*slot = n->hnext;
	if (n->prev)
		n->prev->next = n->next;
	else
		b->lists[n->order] = n->next;
	if (n->next)
		n->next->prev = n->prev;
	if (!b->lists[n->order])
		b->nonempty &= ~((u64)1 << n->order);
	b->nnodes--;
	fv_slab_free(b->cache, n);
}

/* Frees the block at @start of @order, merging while all siblings are free. */
static void free_block(struct buddy *b, u64 start, u32 order)
{
	struct bnode *sib[4];
	unsigned int nchild = 1u << b->lg, c, k;
	u64 size, parent;

	while (order < b->top) {
		size = (u64)1 << (b->lg * order);
		parent = start & ~((size << b->lg) - 1);
		k = 0;
		for (c = 0; c < nchild; c++) {
			if (parent + c * size == start)
				continue;
			sib[k] = hfind(b, parent + c * size);
			if (!sib[k] || sib[k]->order != order) {
				push_block(b, start, order);
				return;
			}
			k++;
		}
		for (c = 0; c < k; c++)
			drop_block(b, sib[c]);
		start = parent;
		order++;
	}
	push_block(b, start, order);
}

static unsigned int ceil_log2(u64 x)
{
	return x <= 1 ? 0 : 64 - __builtin_clzll(x - 1);
}

static unsigned int floor_log2(u64 x)
{
	return 63 - __builtin_clzll(x);
}

static void *buddy_create(u64 base, u64 npages, unsigned int lg)
{
	struct buddy *b = fv_kmalloc(sizeof(*b), FV_SLAB_ZERO);
	u64 size, s;

	if (!b)
		return NULL;
	b->cache = fv_slab_create("buddy_node", sizeof(struct bnode), 0);
	b->lg = lg;
	b->base = base;
	b->npages = npages;
	b->top = floor_log2(npages) / lg;
	b->hbits = 10;
	b->buckets = fv_kmalloc(sizeof(*b->buckets) << b->hbits,
				FV_SLAB_ZERO);
	if (!b->cache || !b->buckets) {
		fv_slab_destroy(b->cache);
		fv_kfree(b->buckets);
		fv_kfree(b);
		return NULL;
	}
	size = (u64)1 << (lg * b->top);
	for (s = 0; s < npages; s += size)
		push_block(b, s, b->top);
	b->free_pages = npages;
	return b;
}

static void *buddy2_create(u64 base, u64 npages)
{
	return buddy_create(base, npages, 1);
}

static void *buddy4_create(u64 base, u64 npages)
{
	return buddy_create(base, npages, 2);
}

static void buddy_destroy(void *bl)
{
	struct buddy *b = bl;

	/* The cache holds every block. */
	fv_slab_destroy(b->cache);
	fv_kfree(b->buckets);
	fv_kfree(b);
}

/* Frees the run [start, start + npages) (offsets) as aligned blocks. */
static void free_run(struct buddy *b, u64 start, u64 npages)
{
	unsigned int order, by_len;
	u64 size;

	while (npages) {
		order = start ? __builtin_ctzll(start) / b->lg : b->top;
		by_len = floor_log2(npages) / b->lg;
		if (by_len < order)
			order = by_len;
		if (order > b->top)
			order = b->top;
		size = (u64)1 << (b->lg * order);
		free_block(b, start, order);
		start += size;
		npages -= size;
	}
}

static int buddy_alloc(void *bl, u64 npages, u64 align, u64 *start)
{
	struct buddy *b = bl;
	unsigned int want, order, c, nchild = 1u << b->lg;
	u64 need = npages > align ? npages : align, mask, size, s, tail;
	struct bnode *n;

	want = (ceil_log2(need) + b->lg - 1) / b->lg;
	if (want > b->top)
		return -ENOSPC;
	mask = b->nonempty >> want;
	if (!mask)
		return -ENOSPC;
	order = want + __builtin_ctzll(mask);
	n = b->lists[order];
	s = n->start;
	drop_block(b, n);
	/* Split down: keep the lowest child, free the others. */
	while (order > want) {
		order--;
		size = (u64)1 << (b->lg * order);
		for (c = nchild - 1; c >= 1; c--)
			push_block(b, s + c * size, order);
	}
	/* Give back the tail: its blocks never merge (the head is in use). */
	size = (u64)1 << (b->lg * want);
	for (tail = s + npages; tail < s + size;) {
		order = __builtin_ctzll(tail) / b->lg;
		if (floor_log2(s + size - tail) / b->lg < order)
			order = floor_log2(s + size - tail) / b->lg;
		push_block(b, tail, order);
		tail += (u64)1 << (b->lg * order);
	}
	b->free_pages -= npages;
	*start = b->base + s;
	return 0;
}

static void buddy_release(void *bl, u64 start, u64 npages)
{
	struct buddy *b = bl;

	free_run(b, start - b->base, npages);
	b->free_pages += npages;
}

/* Sorts @v (n keys) with the help of @tmp: LSD radix, 16 bits a pass. */
static void radix_sort(u64 *v, u64 *tmp, u64 n)
{
	static u64 count[1 << 16];
	unsigned int shift, d;
	u64 i, sum, c, *x;

	for (shift = 0; shift < 64; shift += 16) {
		for (d = 0; d < (1u << 16); d++)
			count[d] = 0;
		for (i = 0; i < n; i++)
			count[(v[i] >> shift) & 0xffff]++;
		for (d = 0, sum = 0; d < (1u << 16); d++) {
			c = count[d];
			count[d] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			tmp[count[(v[i] >> shift) & 0xffff]++] = v[i];
		x = v;
		v = tmp;
		tmp = x;
	}
}

static void buddy_stats(void *bl, struct bl_stats *st)
{
	struct buddy *b = bl;
	u64 *v, i, nv = 0, run = 0, end = 0, best = 0, size, start;
	struct bnode *n;
	unsigned int k;

	/* Keys: start page above, order in the low 6 bits. */
	v = bl_xmalloc((2 * b->nnodes + 1) * sizeof(*v));
	for (k = 0; k < MAX_ORDERS; k++)
		for (n = b->lists[k]; n; n = n->next)
			v[nv++] = n->start << 6 | k;
	radix_sort(v, v + b->nnodes, nv);
	for (i = 0; i < nv; i++) {
		start = v[i] >> 6;
		size = (u64)1 << (b->lg * (v[i] & 63));
		run = run && start == end ? run + size : size;
		end = start + size;
		if (run > best)
			best = run;
	}
	free(v);
	st->free_pages = b->free_pages;
	st->largest = best;
}

const struct bl_ops bl_buddy2_ops = {
	.name = "buddy2",
	.create = buddy2_create,
	.destroy = buddy_destroy,
	.alloc = buddy_alloc,
	.release = buddy_release,
	.stats = buddy_stats,
};

const struct bl_ops bl_buddy4_ops = {
	.name = "buddy4",
	.create = buddy4_create,
	.destroy = buddy_destroy,
	.alloc = buddy_alloc,
	.release = buddy_release,
	.stats = buddy_stats,
};
