// SPDX-License-Identifier: GPL-2.0
/*
 * Baseline: free extents in a doubly linked list sorted by address,
 * allocation by first fit (the lowest free run that holds the aligned
 * request), release by walking to the insertion point and coalescing with
 * both neighbours.  Both walks are linear in the number of free extents.
 */
#include <errno.h>
#include <stdlib.h>

#include "baseline.h"

struct lnode {
	struct lnode *prev;
	struct lnode *next;
	u64 start;
	u64 npages;
};

struct blist {
	struct lnode *head;
	u64 free_pages;
	struct fv_slab *cache;
};

static struct lnode *lnode_new(struct blist *l, u64 start, u64 npages)
{
	struct lnode *n = bl_record(l->cache);

	n->start = start;
	n->npages = npages;
	return n;
}

static void lnode_unlink(struct blist *l, struct lnode *n)
{
	if (n->prev)
		n->prev->next = n->next;
	else
		l->head = n->next;
	if (n->next)
		n->next->prev = n->prev;
	fv_slab_free(l->cache, n);
}

static void *list_create(u64 base, u64 npages)
{
	struct blist *l = fv_kmalloc(sizeof(*l), FV_SLAB_ZERO);

	if (!l)
		return NULL;
	l->cache = fv_slab_create("list_node", sizeof(struct lnode), 0);
	if (!l->cache) {
		fv_kfree(l);
		return NULL;
	}
	l->head = lnode_new(l, base, npages);
	l->head->prev = NULL;
	l->head->next = NULL;
	l->free_pages = npages;
	return l;
}

static void list_destroy(void *bl)
{
	struct blist *l = bl;

	/* The cache holds every node. */
	fv_slab_destroy(l->cache);
	fv_kfree(l);
}

static int list_alloc(void *bl, u64 npages, u64 align, u64 *start)
{
	struct blist *l = bl;
	struct lnode *n, *tail;
	u64 a, end;

	for (n = l->head; n; n = n->next) {
		if (n->npages < npages)
			continue;
		a = bl_align_up(n->start, align);
		end = n->start + n->npages;
		if (a < end && end - a >= npages)
			break;
	}
	if (!n)
		return -ENOSPC;
	if (a + npages < end && a > n->start) {
		/* Cut from the middle: the tail becomes a node of its own. */
		tail = lnode_new(l, a + npages, end - a - npages);
		tail->prev = n;
		tail->next = n->next;
		if (n->next)
			n->next->prev = tail;
		n->next = tail;
		n->npages = a - n->start;
	} else if (a > n->start) {
		n->npages = a - n->start;
	} else if (a + npages < end) {
		n->start += npages;
		n->npages -= npages;
	} else {
		lnode_unlink(l, n);
	}
	l->free_pages -= npages;
	*start = a;
	return 0;
}

static void list_release(void *bl, u64 start, u64 npages)
{
	struct blist *l = bl;
	struct lnode *prev = NULL, *next = l->head, *n;

	while (next && next->start < start) {
		prev = next;
		next = next->next;
	}
	if (prev && prev->start + prev->npages == start) {
		prev->npages += npages;
		if (next && start + npages == next->start) {
			prev->npages += next->npages;
			lnode_unlink(l, next);
		}
	} else if (next && start + npages == next->start) {
		next->start = start;
		next->npages += npages;
	} else {
		n = lnode_new(l, start, npages);
		n->prev = prev;
		n->next = next;
		if (prev)
			prev->next = n;
		else
			l->head = n;
		if (next)
			next->prev = n;
	}
	l->free_pages += npages;
}

static void list_stats(void *bl, struct bl_stats *st)
{
	struct blist *l = bl;
	struct lnode *n;

	st->free_pages = l->free_pages;
	st->largest = 0;
	for (n = l->head; n; n = n->next)
		if (n->npages > st->largest)
			st->largest = n->npages;
}

const struct bl_ops bl_list_ops = {
	.name = "list",
	.create = list_create,
	.destroy = list_destroy,
	.alloc = list_alloc,
	.release = list_release,
	.stats = list_stats,
};
