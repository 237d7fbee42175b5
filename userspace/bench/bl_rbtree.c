// SPDX-License-Identifier: GPL-2.0
/*
 * Baseline: the Linux vmalloc design.  Free extents (always coalesced) in a
 * red-black tree ordered by address, each node augmented with the largest
 * free extent in its subtree; allocation descends to the lowest-address
 * extent that fits, release finds both neighbours in one descent and
 * coalesces.  The tree is this file's own (parent pointers, colour flag), not
 * the core's fv_rbtree, so the comparison is of designs.
 *
 * Aligned requests first descend for size + align - 1 pages, which always
 * fits but may miss an aligned fit in a smaller extent; then, like a careful
 * vmalloc, they fall back to an in-order search pruned by the subtree
 * maximum, so they never fail while an aligned fit exists.
 */
#include <errno.h>
#include <stdlib.h>

#include "baseline.h"

/* Mirror-image cases take a side: child[0] is left, child[1] right. */
struct rnode {
	union {
		struct {
			struct rnode *left;
			struct rnode *right;
		};
		struct rnode *child[2];
	};
	struct rnode *parent;
	u64 start;
	u64 npages;
	u64 max;	/* largest npages in this subtree */
	int red;
};

struct brb {
	struct rnode *root;
	u64 free_pages;
	struct fv_slab *cache;
};

static u64 sub_max(const struct rnode *n)
{
	return n ? n->max : 0;
}

static u64 calc_max(const struct rnode *n)
{
	u64 m = n->npages, l = sub_max(n->left), r = sub_max(n->right);

	if (l > m)
		m = l;
	return r > m ? r : m;
}

/* Recomputes @n and its ancestors after a change below or at @n. */
static void propagate_all(struct rnode *n)
{
	for (; n; n = n->parent)
		n->max = calc_max(n);
}

/* Same, after only @n's size changed: stops where nothing changes. */
static void propagate_size(struct rnode *n)
{
	u64 m;

	for (; n; n = n->parent) {
		m = calc_max(n);
		if (m == n->max)
			return;
		n->max = m;
	}
}

static void replace_child(struct brb *t, struct rnode *parent,
			  struct rnode *old, struct rnode *new)
{
	if (!parent)
		t->root = new;
	else if (parent->left == old)
		parent->left = new;
	else
		parent->right = new;
	if (new)
		new->parent = parent;
}

/*
 * Moves @x down to side @dir; its child on the other side takes its place.
 * @dir 0, a left rotation:
 *
 *     x              y
 *    / \            / \
 *   a   y   ==>    x   c
 *      / \        / \
 *     b   c      a   b
 *
 * Inlined with a constant @dir into rotate_left() and rotate_right(): read
 * at run time, the side costs two more instructions per rotation.
 */
static inline __attribute__((always_inline)) void
rotate(struct brb *t, struct rnode *x, int dir)
{
	struct rnode *y = x->child[!dir];

	x->child[!dir] = y->child[dir];
	if (y->child[dir])
		y->child[dir]->parent = x;
	replace_child(t, x->parent, x, y);
	y->child[dir] = x;
	x->parent = y;
	x->max = calc_max(x);
	y->max = calc_max(y);
}

static void rotate_left(struct brb *t, struct rnode *x)
{
	rotate(t, x, 0);
}

static void rotate_right(struct brb *t, struct rnode *x)
{
	rotate(t, x, 1);
}

/* rotate_left() or rotate_right(), by a constant @dir. */
static inline void rotate_down(struct brb *t, struct rnode *x, int dir)
{
	if (dir)
		rotate_right(t, x);
	else
		rotate_left(t, x);
}

static int is_red(const struct rnode *n)
{
	return n && n->red;
}

/*
 * One step of rb_link()'s rebalancing: red @n under red @parent, which is
 * on side @dir of @g.  Returns where to go on from: @g when recolouring
 * moved the red pair up, else a node whose parent is now black.  Called
 * with constant sides: inlined, each side compiles to its own code, as the
 * two mirror-image branches did.
 */
static inline __attribute__((always_inline)) struct rnode *
link_fix(struct brb *t, struct rnode *n, struct rnode *parent,
	 struct rnode *g, int dir)
{
	struct rnode *u = g->child[!dir];

	if (is_red(u)) {
		parent->red = 0;
		u->red = 0;
		g->red = 1;
		return g;
	}
	if (n == parent->child[!dir]) {
		rotate_down(t, parent, dir);
		n = parent;
		parent = n->parent;
	}
	parent->red = 0;
	g->red = 1;
	rotate_down(t, g, !dir);
	return n;
}

/* Links @n (red) under @parent on the side given by @left, then rebalances. */
static void rb_link(struct brb *t, struct rnode *n, struct rnode *parent,
		    int left)
{
	struct rnode *g;

	n->left = NULL;
	n->right = NULL;
	n->parent = parent;
	n->red = 1;
	n->max = n->npages;
	if (!parent)
		t->root = n;
	else if (left)
		parent->left = n;
	else
		parent->right = n;
	propagate_size(parent);
	/* Rotations keep the subtree maxima above them valid. */
	while (is_red(n->parent)) {
		parent = n->parent;
		g = parent->parent;
		if (parent == g->left)
			n = link_fix(t, n, parent, g, 0);
		else
			n = link_fix(t, n, parent, g, 1);
	}
	t->root->red = 0;
}

/*
 * One step of erase_fixup(): @x, a black height short, is on side @dir of
 * @parent.  Returns 0 when recolouring moved the shortfall up to @parent
 * (the loop goes on from there), 1 when rotations made it up.  Constant
 * sides, inlined: as link_fix().
 */
static inline __attribute__((always_inline)) int
erase_fix(struct brb *t, struct rnode *parent, int dir)
{
	struct rnode *w = parent->child[!dir];

	if (is_red(w)) {
		w->red = 0;
		parent->red = 1;
		rotate_down(t, parent, dir);
		w = parent->child[!dir];
	}
	if (!is_red(w->left) && !is_red(w->right)) {
		w->red = 1;
		return 0;
	}
	if (!is_red(w->child[!dir])) {
		w->child[dir]->red = 0;
		w->red = 1;
		rotate_down(t, w, !dir);
		w = parent->child[!dir];
	}
	w->red = parent->red;
	parent->red = 0;
	w->child[!dir]->red = 0;
	rotate_down(t, parent, dir);
	return 1;
}

/* Restores the black heights after a black node left from under @parent. */
static void erase_fixup(struct brb *t, struct rnode *x, struct rnode *parent)
{
	int done;

	while (x != t->root && !is_red(x)) {
		if (x == parent->left)
			done = erase_fix(t, parent, 0);
		else
			done = erase_fix(t, parent, 1);
		if (done) {
			x = t->root;
			break;
		}
		x = parent;
		parent = x->parent;
	}
	if (x)
		x->red = 0;
}

static void rb_erase(struct brb *t, struct rnode *z)
{
	struct rnode *x, *parent, *y;
	int black;

	if (!z->left || !z->right) {
		x = z->left ? z->left : z->right;
		parent = z->parent;
		black = !z->red;
		replace_child(t, parent, z, x);
		propagate_all(parent);
	} else {
		y = z->right;
		while (y->left)
			y = y->left;
		black = !y->red;
		x = y->right;
		if (y->parent == z) {
			parent = y;
		} else {
			parent = y->parent;
			replace_child(t, parent, y, x);
			y->right = z->right;
			y->right->parent = y;
		}
		replace_child(t, z->parent, z, y);
		y->left = z->left;
		y->left->parent = y;
		y->red = z->red;
		/* @parent is @y or below it: the walk passes through @y. */
		propagate_all(parent);
	}
	if (black)
		erase_fixup(t, x, parent);
	fv_slab_free(t->cache, z);
}

static struct rnode *rnode_new(struct brb *t, u64 start, u64 npages)
{
	struct rnode *n = bl_record(t->cache);

	n->start = start;
	n->npages = npages;
	return n;
}

static void *rbtree_create(u64 base, u64 npages)
{
	struct brb *t = fv_kmalloc(sizeof(*t), FV_SLAB_ZERO);

	if (!t)
		return NULL;
	t->cache = fv_slab_create("rbtree_node", sizeof(struct rnode), 0);
	if (!t->cache) {
		fv_kfree(t);
		return NULL;
	}
	rb_link(t, rnode_new(t, base, npages), NULL, 0);
	t->free_pages = npages;
	return t;
}

static void rbtree_destroy(void *bl)
{
	struct brb *t = bl;

	/* The cache holds every node. */
	fv_slab_destroy(t->cache);
	fv_kfree(t);
}

/* Lowest extent of at least @len pages (no alignment), or NULL. */
static struct rnode *lowest_fit(struct brb *t, u64 len)
{
	struct rnode *n = t->root;

	if (sub_max(n) < len)
		return NULL;
	for (;;) {
		if (sub_max(n->left) >= len)
			n = n->left;
		else if (n->npages >= len)
			return n;
		else
			n = n->right;
	}
}

static int fits(const struct rnode *n, u64 len, u64 align)
{
	u64 a = bl_align_up(n->start, align), end = n->start + n->npages;

	return a < end && end - a >= len;
}

/* Lowest extent holding an aligned run of @len pages: pruned in-order walk. */
static struct rnode *lowest_aligned_fit(struct rnode *n, u64 len, u64 align)
{
	struct rnode *hit;

	while (n && n->max >= len) {
		hit = lowest_aligned_fit(n->left, len, align);
		if (hit)
			return hit;
		if (fits(n, len, align))
			return n;
		n = n->right;
	}
	return NULL;
}

static int rbtree_alloc(void *bl, u64 npages, u64 align, u64 *start)
{
	struct brb *t = bl;
	struct rnode *n = NULL, *tail;
	u64 a, end;

	if (align > 1 && npages + align - 1 > npages)
		n = lowest_fit(t, npages + align - 1);
	if (!n && align > 1)
		n = lowest_aligned_fit(t->root, npages, align);
	else if (!n)
		n = lowest_fit(t, npages);
	if (!n)
		return -ENOSPC;
	a = bl_align_up(n->start, align);
	end = n->start + n->npages;
	if (a == n->start && a + npages == end) {
		rb_erase(t, n);
	} else if (a == n->start) {
		/* The extent keeps its place in the order: only shrink it. */
		n->start += npages;
		n->npages -= npages;
		propagate_size(n);
	} else {
		n->npages = a - n->start;
		propagate_size(n);
		if (a + npages < end) {
			tail = rnode_new(t, a + npages, end - a - npages);
			/* Right after @n in address order. */
			if (!n->right) {
				rb_link(t, tail, n, 0);
			} else {
				n = n->right;
				while (n->left)
					n = n->left;
				rb_link(t, tail, n, 1);
			}
		}
	}
	t->free_pages -= npages;
	*start = a;
	return 0;
}

static void rbtree_release(void *bl, u64 start, u64 npages)
{
	struct brb *t = bl;
	struct rnode *n = t->root, *parent = NULL, *prev = NULL, *next = NULL;
	u64 end = start + npages;
	int left = 0;

	while (n) {
		parent = n;
		if (start < n->start) {
			next = n;
			n = n->left;
			left = 1;
		} else {
			prev = n;
			n = n->right;
			left = 0;
		}
	}
	t->free_pages += npages;
	if (prev && prev->start + prev->npages == start) {
		if (next && next->start == end) {
			prev->npages += npages + next->npages;
			/* The erase's rotations may already have seen the new
			 * size below some ancestors: recompute the whole path. */
			rb_erase(t, next);
			propagate_all(prev);
			return;
		}
		prev->npages += npages;
		propagate_size(prev);
	} else if (next && next->start == end) {
		next->start = start;
		next->npages += npages;
		propagate_size(next);
	} else {
		rb_link(t, rnode_new(t, start, npages), parent, left);
	}
}

static void rbtree_stats(void *bl, struct bl_stats *st)
{
	struct brb *t = bl;

	st->free_pages = t->free_pages;
	st->largest = sub_max(t->root);
}

const struct bl_ops bl_rbtree_ops = {
	.name = "rbtree",
	.create = rbtree_create,
	.destroy = rbtree_destroy,
	.alloc = rbtree_alloc,
	.release = rbtree_release,
	.stats = rbtree_stats,
};
