/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flatvm intrusive red-black tree.
 *
 * The core's own ordered index (the kernel's lib/rbtree.c is not available to
 * the host build of the core).  Nodes are embedded in the caller's records;
 * the caller descends to the insertion point itself (it knows the key) or
 * inserts next to a node it already holds, which costs no descent at all.
 * Child links are written with FV_WRITE_ONCE so that a lockless reader under
 * a sequence counter may walk the tree; it may then see a stale shape and
 * must validate its result and bound its walk (FV_RB_MAX_DEPTH).
 */
#ifndef _FLATVM_FV_RBTREE_H
#define _FLATVM_FV_RBTREE_H

#include "fv_compat.h"

/* A red-black tree of 2^64 nodes is at most 128 deep. */
#define FV_RB_MAX_DEPTH		128

struct fv_rb_node {
	unsigned long parent_color;
	struct fv_rb_node *left;
	struct fv_rb_node *right;
};

struct fv_rb_root {
	struct fv_rb_node *node;
};

#define fv_rb_entry(p, t, m)	fv_container_of(p, t, m)

static inline struct fv_rb_node *fv_rb_parent(const struct fv_rb_node *n)
{
	return (struct fv_rb_node *)(n->parent_color & ~3UL);
}

/* Attach @n as the child of @parent at @link (NULL parent: the root). */
void fv_rb_link(struct fv_rb_node *n, struct fv_rb_node *parent,
		struct fv_rb_node **link);
/* Rebalance after fv_rb_link(). */
void fv_rb_insert_fixup(struct fv_rb_root *root, struct fv_rb_node *n);
/* Insert @n just after @pos in order (@pos NULL: as the first node). */
void fv_rb_insert_after(struct fv_rb_root *root, struct fv_rb_node *pos,
			struct fv_rb_node *n);
void fv_rb_erase(struct fv_rb_root *root, struct fv_rb_node *n);

struct fv_rb_node *fv_rb_first(const struct fv_rb_root *root);
struct fv_rb_node *fv_rb_last(const struct fv_rb_root *root);
struct fv_rb_node *fv_rb_next(const struct fv_rb_node *n);
struct fv_rb_node *fv_rb_prev(const struct fv_rb_node *n);

/*
 * Check colours, parent links and black heights: the black height, or -1
 * when the tree is broken.  For the invariant checker.
 */
int fv_rb_check(const struct fv_rb_root *root, u64 *count);

#endif /* _FLATVM_FV_RBTREE_H */
