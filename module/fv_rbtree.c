// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm intrusive red-black tree: balancing, neighbours, self-check.
 *
 * Classic red-black rules (a red node has black children; every path from a
 * node to its leaves crosses the same number of black nodes), NULL leaves,
 * colour kept in bit 0 of the parent link (1 = black).  Callers hold their
 * own lock; child links are published with FV_WRITE_ONCE for lockless
 * readers (see fv_rbtree.h).
 */
#include "fv_rbtree.h"

#define FV_RB_RED	0UL
#define FV_RB_BLACK	1UL

static inline int rb_is_black(const struct fv_rb_node *n)
{
	return !n || (n->parent_color & FV_RB_BLACK);
}

static inline int rb_is_red(const struct fv_rb_node *n)
{
	return !rb_is_black(n);
}

static inline unsigned long rb_color(const struct fv_rb_node *n)
{
	return n->parent_color & FV_RB_BLACK;
}

static inline void rb_set_parent(struct fv_rb_node *n, struct fv_rb_node *p)
{
	n->parent_color = (unsigned long)p | rb_color(n);
}

static inline void rb_set_color(struct fv_rb_node *n, unsigned long color)
{
	n->parent_color = (n->parent_color & ~FV_RB_BLACK) | color;
}

static void rb_replace_child(struct fv_rb_root *root, struct fv_rb_node *parent,
			     struct fv_rb_node *old, struct fv_rb_node *new)
{
	if (!parent)
		FV_WRITE_ONCE(root->node, new);
	else if (parent->left == old)
		FV_WRITE_ONCE(parent->left, new);
	else
		FV_WRITE_ONCE(parent->right, new);
}

/*
 *     x              y
 *    / \            / \
 *   a   y    =>    x   c
 *      / \        / \
 *     b   c      a   b
 */
static void rb_rotate_left(struct fv_rb_root *root, struct fv_rb_node *x)
{
	struct fv_rb_node *y = x->right;
	struct fv_rb_node *p = fv_rb_parent(x);

	FV_WRITE_ONCE(x->right, y->left);
	if (y->left)
		rb_set_parent(y->left, x);
	rb_set_parent(y, p);
	rb_replace_child(root, p, x, y);
	FV_WRITE_ONCE(y->left, x);
	rb_set_parent(x, y);
}

/* Mirror of rb_rotate_left(). */
static void rb_rotate_right(struct fv_rb_root *root, struct fv_rb_node *x)
{
	struct fv_rb_node *y = x->left;
	struct fv_rb_node *p = fv_rb_parent(x);

	FV_WRITE_ONCE(x->left, y->right);
	if (y->right)
		rb_set_parent(y->right, x);
	rb_set_parent(y, p);
	rb_replace_child(root, p, x, y);
	FV_WRITE_ONCE(y->right, x);
	rb_set_parent(x, y);
}

void fv_rb_link(struct fv_rb_node *n, struct fv_rb_node *parent,
		struct fv_rb_node **link)
{
	n->parent_color = (unsigned long)parent | FV_RB_RED;
	n->left = NULL;
	n->right = NULL;
	FV_WRITE_ONCE(*link, n);
}

void fv_rb_insert_fixup(struct fv_rb_root *root, struct fv_rb_node *n)
{
	struct fv_rb_node *p, *g, *u;

	while ((p = fv_rb_parent(n)) && rb_is_red(p)) {
		/* A red parent is never the root: the grandparent exists. */
		g = fv_rb_parent(p);
		if (p == g->left) {
			u = g->right;
			if (rb_is_red(u)) {
				rb_set_color(p, FV_RB_BLACK);
				rb_set_color(u, FV_RB_BLACK);
				rb_set_color(g, FV_RB_RED);
				n = g;
				continue;
			}
			if (n == p->right) {
				rb_rotate_left(root, p);
				n = p;
				p = fv_rb_parent(n);
			}
			rb_set_color(p, FV_RB_BLACK);
			rb_set_color(g, FV_RB_RED);
			rb_rotate_right(root, g);
		} else {
			u = g->left;
			if (rb_is_red(u)) {
				rb_set_color(p, FV_RB_BLACK);
				rb_set_color(u, FV_RB_BLACK);
				rb_set_color(g, FV_RB_RED);
				n = g;
				continue;
			}
			if (n == p->left) {
				rb_rotate_right(root, p);
				n = p;
				p = fv_rb_parent(n);
			}
			rb_set_color(p, FV_RB_BLACK);
			rb_set_color(g, FV_RB_RED);
			rb_rotate_left(root, g);
		}
	}
	rb_set_color(root->node, FV_RB_BLACK);
}

void fv_rb_insert_after(struct fv_rb_root *root, struct fv_rb_node *pos,
			struct fv_rb_node *n)
{
	struct fv_rb_node *parent;

	if (!pos) {
		parent = root->node;
		if (!parent) {
			fv_rb_link(n, NULL, &root->node);
		} else {
			while (parent->left)
				parent = parent->left;
			fv_rb_link(n, parent, &parent->left);
		}
	} else if (!pos->right) {
		fv_rb_link(n, pos, &pos->right);
	} else {
		parent = pos->right;
		while (parent->left)
			parent = parent->left;
		fv_rb_link(n, parent, &parent->left);
	}
	fv_rb_insert_fixup(root, n);
}

/* Put @v (may be NULL) where @u is in the tree. */
static void rb_transplant(struct fv_rb_root *root, struct fv_rb_node *u,
			  struct fv_rb_node *v)
{
	struct fv_rb_node *p = fv_rb_parent(u);

	rb_replace_child(root, p, u, v);
	if (v)
		rb_set_parent(v, p);
}

/*
 * Restore the black height after a black node left the path through @x
 * (possibly NULL), a child of @parent.
 */
static void rb_erase_fixup(struct fv_rb_root *root, struct fv_rb_node *x,
			   struct fv_rb_node *parent)
{
	struct fv_rb_node *w;

	while (x != root->node && rb_is_black(x)) {
		/* A NULL @x is a left child exactly when parent->left is NULL. */
		if (x == parent->left) {
			w = parent->right;
			if (rb_is_red(w)) {
				rb_set_color(w, FV_RB_BLACK);
				rb_set_color(parent, FV_RB_RED);
				rb_rotate_left(root, parent);
				w = parent->right;
			}
			if (rb_is_black(w->left) && rb_is_black(w->right)) {
				rb_set_color(w, FV_RB_RED);
				x = parent;
				parent = fv_rb_parent(x);
				continue;
			}
			if (rb_is_black(w->right)) {
				rb_set_color(w->left, FV_RB_BLACK);
				rb_set_color(w, FV_RB_RED);
				rb_rotate_right(root, w);
				w = parent->right;
			}
			rb_set_color(w, rb_color(parent));
			rb_set_color(parent, FV_RB_BLACK);
			rb_set_color(w->right, FV_RB_BLACK);
			rb_rotate_left(root, parent);
		} else {
			w = parent->left;
			if (rb_is_red(w)) {
				rb_set_color(w, FV_RB_BLACK);
				rb_set_color(parent, FV_RB_RED);
				rb_rotate_right(root, parent);
				w = parent->left;
			}
			if (rb_is_black(w->left) && rb_is_black(w->right)) {
				rb_set_color(w, FV_RB_RED);
				x = parent;
				parent = fv_rb_parent(x);
				continue;
			}
			if (rb_is_black(w->left)) {
				rb_set_color(w->right, FV_RB_BLACK);
				rb_set_color(w, FV_RB_RED);
				rb_rotate_left(root, w);
				w = parent->left;
			}
			rb_set_color(w, rb_color(parent));
			rb_set_color(parent, FV_RB_BLACK);
			rb_set_color(w->left, FV_RB_BLACK);
			rb_rotate_right(root, parent);
		}
		x = root->node;
		break;
	}
	if (x)
		rb_set_color(x, FV_RB_BLACK);
}

void fv_rb_erase(struct fv_rb_root *root, struct fv_rb_node *z)
{
	struct fv_rb_node *x, *parent, *y;
	unsigned long removed_color = rb_color(z);

	if (!z->left) {
		x = z->right;
		parent = fv_rb_parent(z);
		rb_transplant(root, z, x);
	} else if (!z->right) {
		x = z->left;
		parent = fv_rb_parent(z);
		rb_transplant(root, z, x);
	} else {
		/* Two children: the successor @y takes @z's place and colour. */
		y = z->right;
		while (y->left)
			y = y->left;
		removed_color = rb_color(y);
		x = y->right;
		if (fv_rb_parent(y) == z) {
			parent = y;
		} else {
			parent = fv_rb_parent(y);
			rb_transplant(root, y, x);
			FV_WRITE_ONCE(y->right, z->right);
			rb_set_parent(y->right, y);
		}
		rb_transplant(root, z, y);
		FV_WRITE_ONCE(y->left, z->left);
		rb_set_parent(y->left, y);
		rb_set_color(y, rb_color(z));
	}
	if (removed_color == FV_RB_BLACK)
		rb_erase_fixup(root, x, parent);
}

struct fv_rb_node *fv_rb_first(const struct fv_rb_root *root)
{
	struct fv_rb_node *n = root->node;

	if (!n)
		return NULL;
	while (n->left)
		n = n->left;
	return n;
}

struct fv_rb_node *fv_rb_last(const struct fv_rb_root *root)
{
	struct fv_rb_node *n = root->node;

	if (!n)
		return NULL;
	while (n->right)
		n = n->right;
	return n;
}

struct fv_rb_node *fv_rb_next(const struct fv_rb_node *n)
{
	struct fv_rb_node *p;

	if (n->right) {
		n = n->right;
		while (n->left)
			n = n->left;
		return (struct fv_rb_node *)n;
	}
	while ((p = fv_rb_parent(n)) && n == p->right)
		n = p;
	return p;
}

struct fv_rb_node *fv_rb_prev(const struct fv_rb_node *n)
{
	struct fv_rb_node *p;

	if (n->left) {
		n = n->left;
		while (n->right)
			n = n->right;
		return (struct fv_rb_node *)n;
	}
	while ((p = fv_rb_parent(n)) && n == p->left)
		n = p;
	return p;
}

static int rb_check_node(const struct fv_rb_node *n,
			 const struct fv_rb_node *parent, u64 *count,
			 unsigned int depth)
{
	int lh, rh;

	if (!n)
		return 1;
	if (depth > FV_RB_MAX_DEPTH || fv_rb_parent(n) != parent)
		return -1;
	if (rb_is_red(n) && (rb_is_red(n->left) || rb_is_red(n->right)))
		return -1;
	(*count)++;
	lh = rb_check_node(n->left, n, count, depth + 1);
	rh = rb_check_node(n->right, n, count, depth + 1);
	if (lh < 0 || lh != rh)
		return -1;
	return lh + (int)rb_color(n);
}

int fv_rb_check(const struct fv_rb_root *root, u64 *count)
{
	*count = 0;
	if (root->node && rb_is_red(root->node))
		return -1;
	return rb_check_node(root->node, NULL, count, 0);
}
