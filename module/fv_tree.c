// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm tree: every segment of the window, free or used, in one B+tree
 * keyed by first page, with free-space summaries in the branches.
 *
 * DOC: shape
 *
 *   root branch   [p0        |p1            |p2 ...]   each child: its first
 *                  |gap,agap  |gap,agap      |           page, its summary
 *   leaves        [s0 s1 s2 ..][s0 s1 ...    ][...]
 *                  e0 e1 e2     e0 e1            segment contents
 *
 * A leaf holds up to FV_LEAF_SLOTS consecutive segments: their first pages
 * in one array, their contents (struct fv_ent) in another, a bitmap of the
 * free ones.  A segment ends where the next begins; the last one of a leaf
 * ends where the next leaf begins, so no segment spans two leaves, and two
 * free segments are never neighbours, not even across leaves.
 *
 * A branch keeps, for each child, the struct fv_sum of its subtree: the
 * longest free segment (for unaligned requests) and, for each alignment
 * 2^j pages up to 1 GiB, the longest free run that starts at a multiple of
 * 2^j (for aligned requests).  Both searches are exact lowest fit: descend
 * into the first child whose summary admits the request, so an allocation
 * costs one descent whatever the number of segments or holes (200,000
 * misaligned holes included), and never fails while a fit exists.  The
 * summaries are maxima, kept like vmalloc's subtree_max_size: a change
 * climbs only as long as it changes a maximum, and a parent looks at all
 * its children only when the child holding a maximum lost it.
 *
 * Changes go through two primitives, each leaving a valid tree with
 * correct summaries: fv_tree_splice() replaces entries of one leaf
 * (splitting it when full) and fv_tree_absorb_next() lets an entry swallow
 * the next one (across leaves if need be).  Underfull nodes are merged with or refilled
 * from a sibling; the root grows and shrinks at the top.  Every node a
 * change may need is reserved first (fv_tree_reserve()), so changes cannot
 * fail halfway.
 *
 * Lock-free readers (fv_tree_lookup_lockless()) run under RCU and the
 * arena's sequence counter: writers store the branch words readers follow
 * (children) and bound their steps by (pivots) with FV_WRITE_ONCE, publish
 * new nodes with a release store, and free nodes only after a grace
 * period, so a reader never follows a pointer into memory that is not a
 * node of the level it expects; it retries when the sequence moved.  A
 * leaf holds no word a reader follows before its sequence check (the one
 * pointer, an entry's holder set, is followed only after it), so leaves
 * change with plain bulk copies: a torn copy is discarded by the retry.
 */
#include "fv_tree.h"

static struct fv_leaf *as_leaf(struct fv_node *n)
{
	return (struct fv_leaf *)n;
}

static struct fv_branch *as_branch(struct fv_node *n)
{
	return (struct fv_branch *)n;
}

static unsigned int node_max(unsigned int level)
{
	return level ? FV_BRANCH_SLOTS : FV_LEAF_SLOTS;
}

static unsigned int node_min(unsigned int level)
{
	return level ? FV_BRANCH_MIN : FV_LEAF_MIN;
}

/* The node at @level of a path. */
static struct fv_node *path_node(const struct fv_path *p, unsigned int level)
{
	return level ? &p->br[level]->hdr : &p->leaf->hdr;
}

/* First page a node covers: what its parent's pivot says. */
static u64 node_first(struct fv_node *n)
{
	return n->level ? as_branch(n)->pivot[0] : as_leaf(n)->start[0];
}

/*
 * Copy @nwords 8-byte words of a branch, overlapping or not, one word at a
 * time: a lock-free reader may be reading them and must never see a torn
 * pointer.  (Leaves are copied in bulk: see the top of this file.)
 */
static void move_words(void *dst, const void *src, size_t nwords)
{
	u64 *d = dst;
	const u64 *s = src;
	size_t i;

	if (d < s) {
		for (i = 0; i < nwords; i++)
			FV_WRITE_ONCE(d[i], s[i]);
	} else if (d > s) {
		for (i = nwords; i-- > 0;)
			FV_WRITE_ONCE(d[i], s[i]);
	}
}

/* --- spare nodes ------------------------------------------------------ */

static size_t kind_size(unsigned int kind)
{
	return kind == FV_KIND_LEAF ? sizeof(struct fv_leaf) :
				      sizeof(struct fv_branch);
}

static struct fv_node **spare_link(struct fv_node *n)
{
	if (n->level)
		return (struct fv_node **)&as_branch(n)->rcu;
	return (struct fv_node **)&as_leaf(n)->rcu;
}

static int spare_add(struct fv_arena *a, unsigned int kind, bool nofail)
{
	struct fv_node *n;

	n = fv_rec_alloc(kind == FV_KIND_LEAF ? FV_REC_LEAF : FV_REC_BRANCH,
			 kind_size(kind), nofail);
	if (!n)
		return -ENOMEM;
	/* Spares are chained through their rcu field; the level says where. */
	n->level = kind;
	*spare_link(n) = a->spare[kind];
	a->spare[kind] = n;
	a->nspare[kind]++;
	a->meta_bytes += kind_size(kind);
	return 0;
}

static struct fv_node *spare_take(struct fv_arena *a, unsigned int kind,
				  unsigned int level)
{
	struct fv_node *n = a->spare[kind];

	FV_ASSERT(n && a->nspare[kind]);
	a->spare[kind] = *spare_link(n);
	a->nspare[kind]--;
	*spare_link(n) = NULL;
	n->level = level;
	n->nr = 0;
	n->freemap = 0;
	return n;
}

/* A node leaves the tree: freed once lock-free readers are done with it. */
static void node_retire(struct fv_arena *a, struct fv_node *n)
{
	a->meta_bytes -= kind_size(n->level ? FV_KIND_BRANCH : FV_KIND_LEAF);
	if (n->level)
		fv_rec_free_rcu(FV_REC_BRANCH, n, &as_branch(n)->rcu);
	else
		fv_rec_free_rcu(FV_REC_LEAF, n, &as_leaf(n)->rcu);
}

/*
 * fv_tree_reserve()'s slow path: allocate spares up to @leaves leaves and
 * @branches branches.  Return: 0 or -ENOMEM (the spares gathered so far are
 * kept).
 */
int fv_tree_add_spares(struct fv_arena *a, u32 leaves, u32 branches,
		       bool nofail)
{
	while (a->nspare[FV_KIND_LEAF] < leaves)
		if (spare_add(a, FV_KIND_LEAF, nofail))
			return -ENOMEM;
	while (a->nspare[FV_KIND_BRANCH] < branches)
		if (spare_add(a, FV_KIND_BRANCH, nofail))
			return -ENOMEM;
	return 0;
}

/* --- summaries -------------------------------------------------------- */

static u32 sat32(u64 v)
{
	return v > FV_U32_MAX ? FV_U32_MAX : (u32)v;
}

/* Field @f of a summary: 0 the longest gap, j the longest 2^j-aligned run. */
static u64 sum_field(const struct fv_sum *s, unsigned int f)
{
	return f ? s->agap[f - 1] : s->gap;
}

static void sum_set_field(struct fv_sum *s, unsigned int f, u64 v)
{
	if (f)
		s->agap[f - 1] = (u32)v;
	else
		s->gap = v;
}

/* One more child or segment has @v in field @f. */
static void sum_add(struct fv_sum *s, unsigned int f, u64 v)
{
	if (v > sum_field(s, f))
		sum_set_field(s, f, v);
}

/**
 * fv_sum_note_gap() - add the free segment [start, end) to a summary.
 * @s:		the summary.
 * @start:	its first page.
 * @end:	the page after it.
 * @fields:	the fields kept (struct fv_arena's sum_fields).
 *
 * The longest run of the segment aligned to 2^j pages starts at the first
 * multiple of 2^j at or above @start.  Those first multiples are the pages
 * b = start, b + lowbit(b), b + lowbit(b) + lowbit(...) ...: each serves
 * every alignment from just above the previous one's up to its own.
 */
void fv_sum_note_gap(struct fv_sum *s, u64 start, u64 end, u32 fields)
{
	unsigned int j = 1, t;
	u64 b = start;
	u32 v;

	sum_add(s, 0, end - start);
	while (b < end && fields >> j) {
		t = b ? fv_ffs64(b) : FV_ABUCKETS;
		if (t > FV_ABUCKETS)
			t = FV_ABUCKETS;
		v = sat32(end - b);
		for (; j <= t; j++)
			if (fields & (1u << j))
				sum_add(s, j, v);
		if (t == FV_ABUCKETS)
			return;
		b += (u64)1 << t;
	}
}

/*
 * The summary of the free segment [start, end) alone, in the fields of
 * @fields (others are left undefined).
 */
static void gap_envelope(u64 start, u64 end, struct fv_sum *h, u32 fields)
{
	unsigned int j = 1, t;
	u64 b = start;
	u32 v;

	h->gap = end - start;
	while (b < end && fields >> j) {
		t = b ? fv_ffs64(b) : FV_ABUCKETS;
		if (t > FV_ABUCKETS)
			t = FV_ABUCKETS;
		v = sat32(end - b);
		for (; j <= t; j++)
			h->agap[j - 1] = v;
		if (t == FV_ABUCKETS)
			break;
		b += (u64)1 << t;
	}
	for (; j <= FV_ABUCKETS && fields >> j; j++)
		h->agap[j - 1] = 0;
}

/**
 * fv_leaf_summary() - the free-space summary of a leaf.
 * @l:		the leaf.
 * @hi:		the page after its last segment.
 * @s:		set to the summary (0 in the fields not kept).
 * @fields:	the fields kept.
 */
void fv_leaf_summary(const struct fv_leaf *l, u64 hi, struct fv_sum *s,
		     u32 fields)
{
	u32 m = l->hdr.freemap;
	unsigned int i;

	memset(s, 0, sizeof(*s));
	while (m) {
		i = fv_ffs32(m);
		m &= m - 1;
		fv_sum_note_gap(s, l->start[i],
				i + 1u < l->hdr.nr ? l->start[i + 1] : hi,
				fields);
	}
}

/*
 * May a subtree whose longest run of the wanted alignment is @v hold @n
 * pages?  A saturated @v (runs of 2^32 pages or more) only says "maybe".
 */
static bool agap_admits(u32 v, u64 n)
{
	return v >= n || v == FV_U32_MAX;
}

/* May a subtree with summary @s hold @npages aligned to 2^@align_shift? */
static bool sum_fits(const struct fv_sum *s, u64 npages,
		     unsigned int align_shift)
{
	if (!align_shift)
		return s->gap >= npages;
	return agap_admits(s->agap[align_shift - 1], npages);
}

static bool child_fits(const struct fv_branch *b, unsigned int c, u64 npages,
		       unsigned int align_shift)
{
	if (!align_shift)
		return b->gap[c] >= npages;
	return agap_admits(b->agap[align_shift - 1][c], npages);
}

static struct fv_sum *node_sum(struct fv_node *n)
{
	return n->level ? &as_branch(n)->sum : &as_leaf(n)->sum;
}

/** fv_tree_largest_free() - pages in the longest free segment. */
u64 fv_tree_largest_free(const struct fv_arena *a)
{
	return node_sum(a->root)->gap;
}

/* Store @s as child @c's copy in branch @b, in the fields kept. */
static void slot_sum_set(struct fv_branch *b, unsigned int c,
			 const struct fv_sum *s, u32 fields)
{
	unsigned int f;
	u32 m;

	b->gap[c] = s->gap;
	for (m = fields & ~1u; m; m &= m - 1) {
		f = fv_ffs32(m);
		b->agap[f - 1][c] = s->agap[f - 1];
	}
}

static_assert(FV_BRANCH_SLOTS % 4 == 0, "max_u32() reads four slots at a time");

/* The largest of @n values (unused slots hold 0), four at a time. */
static u32 max_u32(const u32 *v, unsigned int n)
{
	u32 m0 = 0, m1 = 0, m2 = 0, m3 = 0;
	unsigned int c;

	for (c = 0; c < n; c += 4) {
		m0 = v[c] > m0 ? v[c] : m0;
		m1 = v[c + 1] > m1 ? v[c + 1] : m1;
		m2 = v[c + 2] > m2 ? v[c + 2] : m2;
		m3 = v[c + 3] > m3 ? v[c + 3] : m3;
	}
	m0 = m1 > m0 ? m1 : m0;
	m2 = m3 > m2 ? m3 : m2;
	return m2 > m0 ? m2 : m0;
}

/**
 * fv_branch_summary() - a branch's summary from its children's copies.
 * @b:		the branch.
 * @s:		set to the maximum over the children, field by field (0 in
 *		the fields not kept).
 * @fields:	the fields kept.
 */
void fv_branch_summary(const struct fv_branch *b, struct fv_sum *s,
		       u32 fields)
{
	unsigned int c, f;
	u32 m;

	memset(s, 0, sizeof(*s));
	for (c = 0; c < b->hdr.nr; c++)
		sum_add(s, 0, b->gap[c]);
	/* Slots past nr are kept at 0: no bound to check. */
	for (m = fields & ~1u; m; m &= m - 1) {
		f = fv_ffs32(m);
		s->agap[f - 1] = max_u32(b->agap[f - 1], FV_BRANCH_SLOTS);
	}
}

/* Redo a node's own summary from scratch (@hi: where a leaf ends). */
static void node_resum(struct fv_node *n, u64 hi, u32 fields)
{
	if (n->level)
		fv_branch_summary(as_branch(n), node_sum(n), fields);
	else
		fv_leaf_summary(as_leaf(n), hi, node_sum(n), fields);
}

/* Redo field @f of @b's own summary from its children. */
static void slots_max(struct fv_branch *b, unsigned int f)
{
	unsigned int c;
	u64 max = 0;

	if (!f) {
		for (c = 0; c < b->hdr.nr; c++)
			if (b->gap[c] > max)
				max = b->gap[c];
	} else {
		/* Slots past nr are kept at 0: no bound to check. */
		max = max_u32(b->agap[f - 1], FV_BRANCH_SLOTS);
	}
	sum_set_field(&b->sum, f, max);
}

/*
 * The fields in which two summaries differ (compared two at a time; the
 * fields not kept are 0 in both).
 */
static u32 sum_diff(const struct fv_sum *x, const struct fv_sum *y,
		    u32 fields)
{
	u32 mask = x->gap != y->gap;
	unsigned int j;
	u64 wx, wy;

	for (j = 0; j < FV_ABUCKETS && fields >> (j + 1); j += 2) {
		memcpy(&wx, &x->agap[j], sizeof(wx));
		memcpy(&wy, &y->agap[j], sizeof(wy));
		if (wx == wy)
			continue;
		if (x->agap[j] != y->agap[j])
			mask |= 2u << j;
		if (x->agap[j + 1] != y->agap[j + 1])
			mask |= 4u << j;
	}
	return mask;
}

/* propagate() when only the longest gap (field 0) changed. */
static void propagate_gap(struct fv_path *p, unsigned int level)
{
	struct fv_branch *b;
	unsigned int l, c;
	u64 old, new, cur;

	for (l = level; l < p->height; l++) {
		new = node_sum(path_node(p, l))->gap;
		b = p->br[l + 1];
		c = p->idx[l + 1];
		old = b->gap[c];
		b->gap[c] = new;
		cur = b->sum.gap;
		if (new > cur) {
			b->sum.gap = new;
		} else if (old == cur && new < old) {
			slots_max(b, 0);
			if (b->sum.gap == cur)
				return;
		} else {
			return;
		}
	}
}

/*
 * The node at @level of @p has a new summary, changed in the fields of
 * @mask only: copy them into its parent and carry the change up as long as
 * it changes a maximum.  A parent's field is redone from all its children
 * (one cache line) only when it went down in a child that held it.
 */
static void propagate(struct fv_path *p, unsigned int level, u32 mask)
{
	const struct fv_sum *s;
	struct fv_branch *b;
	unsigned int l, c, f;
	u64 old, new, cur;
	u32 up;

	if (mask == 1) {
		/* The longest gap alone: the common case, made short. */
		propagate_gap(p, level);
		return;
	}
	for (l = level; mask && l < p->height; l++) {
		s = node_sum(path_node(p, l));
		b = p->br[l + 1];
		c = p->idx[l + 1];
		up = 0;
		for (; mask; mask &= mask - 1) {
			f = fv_ffs32(mask);
			new = sum_field(s, f);
			if (f) {
				old = b->agap[f - 1][c];
				b->agap[f - 1][c] = (u32)new;
			} else {
				old = b->gap[c];
				b->gap[c] = new;
			}
			cur = sum_field(&b->sum, f);
			if (new > cur) {
				sum_set_field(&b->sum, f, new);
				up |= 1u << f;
			} else if (old == cur && new < old) {
				slots_max(b, f);
				if (sum_field(&b->sum, f) != cur)
					up |= 1u << f;
			}
		}
		mask = up;
	}
}

/* Field @f of the summary of the free segment [start, end) alone. */
static u64 gap_field(u64 start, u64 end, unsigned int f)
{
	u64 mask = ((u64)1 << f) - 1, b = (start + mask) & ~mask;

	if (!f)
		return end - start;
	return b < end ? sat32(end - b) : 0;
}

/* Redo the fields @mask of a leaf's summary from its free segments. */
static void leaf_fields(const struct fv_leaf *l, u64 hi, u32 mask,
			struct fv_sum *s)
{
	unsigned int f, i;
	u32 m;

	for (; mask; mask &= mask - 1) {
		f = fv_ffs32(mask);
		sum_set_field(s, f, 0);
		for (m = l->hdr.freemap; m; m &= m - 1) {
			i = fv_ffs32(m);
			sum_add(s, f, gap_field(l->start[i],
						i + 1u < l->hdr.nr ?
						l->start[i + 1] : hi, f));
		}
	}
}

/*
 * Free space in @p's leaf changed: the @nrem free segments [rs[k], re[k])
 * went, the free entries among [@i, @i + @nnew) are new.  Bring the
 * summaries up to date, redoing a field from the leaf's free segments only
 * where a segment that went reached its maximum and is not inside a new
 * one.  (A free segment grown by a merge keeps every run the old one had,
 * so a release only ever raises maxima, and climbs as far as it does.)
 */
static bool inside_new_free(const struct fv_path *p, u64 rs, u64 re,
			    unsigned int i, unsigned int nnew)
{
	const struct fv_leaf *l = p->leaf;
	unsigned int j;

	for (j = i; j < i + nnew; j++)
		if (fv_ent_free(l, j) && l->start[j] <= rs &&
		    re <= fv_ent_end(p, j))
			return true;
	return false;
}

/*
 * leaf_update() when the arena keeps the longest gap only (no exact aligned
 * search has run): the summary is one number.
 */
static void leaf_update_gap(struct fv_path *p, const u64 *rs, const u64 *re,
			    unsigned int nrem, unsigned int i,
			    unsigned int nnew)
{
	struct fv_leaf *l = p->leaf;
	u64 old = l->sum.gap, gap = old, v;
	unsigned int k, j;

	for (k = 0; k < nrem; k++) {
		if (re[k] - rs[k] == old &&
		    !inside_new_free(p, rs[k], re[k], i, nnew)) {
			leaf_fields(l, p->hi[0], 1, &l->sum);
			goto done;
		}
	}
	for (j = i; j < i + nnew; j++) {
		if (!fv_ent_free(l, j))
			continue;
		v = fv_ent_end(p, j) - l->start[j];
		if (v > gap)
			gap = v;
	}
	l->sum.gap = gap;
done:
	if (l->sum.gap != old)
		propagate(p, 0, 1);
}

static void leaf_update(const struct fv_arena *a, struct fv_path *p,
			const u64 *rs, const u64 *re, unsigned int nrem,
			unsigned int i, unsigned int nnew)
{
	struct fv_leaf *l = p->leaf;
	struct fv_sum *s = &l->sum, old, h;
	u32 lost = 0, m, fields = a->sum_fields;
	unsigned int k, j, f;

	if (fields == 1) {
		leaf_update_gap(p, rs, re, nrem, i, nnew);
		return;
	}
	old = *s;
	for (k = 0; k < nrem; k++) {
		if (inside_new_free(p, rs[k], re[k], i, nnew))
			continue;
		gap_envelope(rs[k], re[k], &h, fields);
		for (m = fields; m; m &= m - 1) {
			u64 v;

			f = fv_ffs32(m);
			v = sum_field(&h, f);

			if (!v)
				break;
			if (v == sum_field(s, f))
				lost |= 1u << f;
		}
	}
	/* Field by field when few are lost, else all in one pass. */
	if (lost & (lost - 1) & (lost - 2)) {
		fv_leaf_summary(l, p->hi[0], s, fields);
		lost = fields;
	} else if (lost) {
		leaf_fields(l, p->hi[0], lost, s);
	}
	/* New segments, in the fields not redone from the leaf already. */
	for (j = i; j < i + nnew && lost != fields; j++) {
		if (!fv_ent_free(l, j))
			continue;
		gap_envelope(l->start[j], fv_ent_end(p, j), &h, fields);
		for (m = ~lost & fields; m; m &= m - 1) {
			f = fv_ffs32(m);
			if (!sum_field(&h, f))
				break;
			sum_add(s, f, sum_field(&h, f));
		}
	}
	propagate(p, 0, sum_diff(s, &old, fields));
}

/* --- descent ------------------------------------------------------------ */

/* The last of @n sorted @keys at or below @page (keys[0] always is). */
static unsigned int key_index(const u64 *keys, unsigned int n, u64 page)
{
	unsigned int lo = 0, half;

	while (n > 1) {
		half = n / 2;
		if (keys[lo + half] <= page)
			lo += half;
		n -= half;
	}
	return lo;
}

/* The last child whose pivot is at or below @page. */
static unsigned int branch_index(const struct fv_branch *b, u64 page)
{
	return key_index(b->pivot, b->hdr.nr, page);
}

/* The last entry whose first page is at or below @page. */
static unsigned int leaf_index(const struct fv_leaf *l, u64 page)
{
	return key_index(l->start, l->hdr.nr, page);
}

/* Take child @i of the branch at @level of @p: fill in level - 1. */
static void step_down(struct fv_path *p, unsigned int level, unsigned int i)
{
	struct fv_branch *b = p->br[level];
	struct fv_node *n = b->child[i];

	p->idx[level] = i;
	p->hi[level - 1] = i + 1u < b->hdr.nr ? b->pivot[i + 1] : p->hi[level];
	if (level > 1)
		p->br[level - 1] = as_branch(n);
	else
		p->leaf = as_leaf(n);
}

/*
 * Fill @p from @level down to the leaf, taking child @i at @level, then the
 * child holding @page (or, @edge < 0, the first; @edge > 0, the last).
 */
static void descend_from(struct fv_path *p, unsigned int level,
			 unsigned int i, u64 page, int edge)
{
	struct fv_branch *b;
	unsigned int l;

	for (l = level; l > 0; l--) {
		step_down(p, l, i);
		if (l == 1)
			break;
		b = p->br[l - 1];
		if (edge < 0)
			i = 0;
		else if (edge > 0)
			i = b->hdr.nr - 1u;
		else
			i = branch_index(b, page);
	}
}

/**
 * fv_tree_walk() - descend to the segment holding @page.
 * @a:		the arena, locked.
 * @page:	a page of the window below a->top.
 * @p:		set to the path.
 *
 * Return: the index of the segment in @p->leaf.
 */
unsigned int fv_tree_walk(const struct fv_arena *a, u64 page,
			  struct fv_path *p)
{
	p->height = a->height;
	p->hi[a->height] = a->top;
	if (!a->height) {
		p->leaf = as_leaf(a->root);
	} else {
		p->br[a->height] = as_branch(a->root);
		descend_from(p, a->height,
			     branch_index(as_branch(a->root), page), page, 0);
	}
	return leaf_index(p->leaf, page);
}

/**
 * fv_tree_next_leaf() - move @p to the next leaf.
 * @p:		a valid path.
 *
 * Return: false, leaving @p alone, when its leaf is the last.
 */
bool fv_tree_next_leaf(struct fv_path *p)
{
	unsigned int l;

	for (l = 1; l <= p->height; l++) {
		if (p->idx[l] + 1u < p->br[l]->hdr.nr) {
			descend_from(p, l, p->idx[l] + 1, 0, -1);
			return true;
		}
	}
	return false;
}

/**
 * fv_tree_prev_leaf() - move @p to the previous leaf.
 * @p:		a valid path.
 *
 * Return: false, leaving @p alone, when its leaf is the first.
 */
bool fv_tree_prev_leaf(struct fv_path *p)
{
	unsigned int l;

	for (l = 1; l <= p->height; l++) {
		if (p->idx[l]) {
			descend_from(p, l, p->idx[l] - 1, 0, 1);
			return true;
		}
	}
	return false;
}

/**
 * fv_tree_peek_leaf() - the leaf after (@next) or before @p's.
 * @p:		a valid path, left alone.
 * @next:	true for the next leaf, false for the previous one.
 *
 * Return: the leaf, or NULL when @p's is the last (first) one.
 */
struct fv_leaf *fv_tree_peek_leaf(const struct fv_path *p, bool next)
{
	struct fv_branch *b;
	struct fv_node *n;
	unsigned int l;

	for (l = 1; l <= p->height; l++)
		if (next ? p->idx[l] + 1u < p->br[l]->hdr.nr : p->idx[l])
			break;
	if (l > p->height)
		return NULL;
	n = p->br[l]->child[next ? p->idx[l] + 1u : p->idx[l] - 1u];
	while (n->level) {
		b = as_branch(n);
		n = b->child[next ? 0 : b->hdr.nr - 1u];
	}
	return as_leaf(n);
}

/* Lowest fit below the node at @level of @p (already set up to it). */
static bool fit_below(struct fv_path *p, unsigned int level, u64 npages,
		      unsigned int align_shift, unsigned int *slot, u64 *at)
{
	u64 mask = ((u64)1 << align_shift) - 1, b, e;
	struct fv_branch *br;
	struct fv_leaf *l;
	unsigned int c, i;
	u32 m;

	if (!level) {
		l = p->leaf;
		for (m = l->hdr.freemap; m; m &= m - 1) {
			i = fv_ffs32(m);
			e = fv_ent_end(p, i);
			b = (l->start[i] + mask) & ~mask;
			if (b < e && e - b >= npages) {
				*slot = i;
				*at = b;
				return true;
			}
		}
		return false;
	}
	br = p->br[level];
	for (c = 0; c < br->hdr.nr; c++) {
		if (!child_fits(br, c, npages, align_shift))
			continue;
		step_down(p, level, c);
		if (fit_below(p, level - 1, npages, align_shift, slot, at))
			return true;
	}
	return false;
}

/**
 * fv_tree_find_fit() - the lowest free run of @npages pages aligned to
 *	2^@align_shift pages, below the top free run.
 * @a:		the arena, locked.
 * @npages:	pages wanted.
 * @align_shift: log2 of the alignment in pages, at most FV_ABUCKETS; its
 *		field must be kept (fv_tree_keep_align()).
 * @p:		set to the path of the free segment found.
 * @slot:	set to its index.
 * @at:		set to the first page of the run.
 *
 * One descent: every child skipped has a summary that excludes a fit.
 * (Only a saturated bucket, for runs of 2^32 pages or more, can send the
 * search into a child without one; there are at most 8 such runs.)
 *
 * Return: whether a run was found.
 */
bool fv_tree_find_fit(const struct fv_arena *a, u64 npages,
		      unsigned int align_shift, struct fv_path *p,
		      unsigned int *slot, u64 *at)
{
	FV_ASSERT(a->sum_fields & (1u << align_shift));
	if (!sum_fits(node_sum(a->root), npages, align_shift))
		return false;
	p->height = a->height;
	p->hi[a->height] = a->top;
	if (a->height)
		p->br[a->height] = as_branch(a->root);
	else
		p->leaf = as_leaf(a->root);
	return fit_below(p, a->height, npages, align_shift, slot, at);
}

/* Field @f of every summary below @n, which ends at @hi; returns @n's. */
static u32 keep_below(struct fv_node *n, u64 hi, unsigned int f)
{
	struct fv_branch *b;
	unsigned int c;
	u32 v, max = 0;

	if (!n->level) {
		leaf_fields(as_leaf(n), hi, 1u << f, &as_leaf(n)->sum);
		return as_leaf(n)->sum.agap[f - 1];
	}
	b = as_branch(n);
	for (c = 0; c < b->hdr.nr; c++) {
		v = keep_below(b->child[c],
			       c + 1u < b->hdr.nr ? b->pivot[c + 1] : hi, f);
		b->agap[f - 1][c] = v;
		if (v > max)
			max = v;
	}
	b->sum.agap[f - 1] = max;
	return max;
}

/**
 * fv_tree_keep_align() - keep the summaries' field for an alignment from
 *	now on.
 * @a:		the arena, locked.
 * @align_shift: log2 of the alignment in pages, 1 to FV_ABUCKETS.
 *
 * The field of each alignment is kept only once an exact aligned search
 * needs it: until then no change pays for it.  Keeping it costs one pass
 * over the tree, once in the arena's life (at most FV_ABUCKETS passes in
 * all); the recursion is as deep as the tree is high.
 */
void fv_tree_keep_align(struct fv_arena *a, unsigned int align_shift)
{
	if (a->sum_fields & (1u << align_shift))
		return;
	keep_below(a->root, a->top, align_shift);
	a->sum_fields |= 1u << align_shift;
}

/* --- changing leaves -------------------------------------------------- */

/* Open @k slots at @i in leaf @l (entries [i, nr) move up). */
static void leaf_open(struct fv_leaf *l, unsigned int i, unsigned int k)
{
	unsigned int nr = l->hdr.nr;
	u32 m = l->hdr.freemap, low = m & ((1u << i) - 1);

	memmove(&l->start[i + k], &l->start[i], (nr - i) * sizeof(l->start[0]));
	memmove(&l->ent[i + k], &l->ent[i], (nr - i) * sizeof(l->ent[0]));
	l->hdr.freemap = low | ((m >> i) << (i + k));
	l->hdr.nr = nr + k;
}

/* Close @k slots at @i in leaf @l (entries [i + k, nr) move down). */
static void leaf_close(struct fv_leaf *l, unsigned int i, unsigned int k)
{
	unsigned int nr = l->hdr.nr;
	u32 m = l->hdr.freemap, low = m & ((1u << i) - 1);

	memmove(&l->start[i], &l->start[i + k],
		(nr - i - k) * sizeof(l->start[0]));
	memmove(&l->ent[i], &l->ent[i + k], (nr - i - k) * sizeof(l->ent[0]));
	l->hdr.freemap = low | ((u32)((u64)m >> (i + k)) << i);
	l->hdr.nr = nr - k;
}

static void leaf_set(struct fv_leaf *l, unsigned int i, u64 start,
		     const struct fv_ent *e)
{
	l->start[i] = start;
	l->ent[i] = *e;
	if (e->range)
		l->hdr.freemap &= ~(1u << i);
	else
		l->hdr.freemap |= 1u << i;
}

/*
 * Branches keep the rows of the alignment fields not kept at 0: the moves
 * below skip them.
 */

/* Open @k child slots at @i in branch @b. */
static void branch_open(struct fv_branch *b, unsigned int i, unsigned int k,
			u32 fields)
{
	unsigned int nr = b->hdr.nr, f;
	u32 m;

	move_words(&b->pivot[i + k], &b->pivot[i], nr - i);
	move_words(&b->child[i + k], &b->child[i], nr - i);
	memmove(&b->gap[i + k], &b->gap[i], (nr - i) * sizeof(b->gap[0]));
	for (m = fields & ~1u; m; m &= m - 1) {
		f = fv_ffs32(m);
		memmove(&b->agap[f - 1][i + k], &b->agap[f - 1][i],
			(nr - i) * sizeof(b->agap[0][0]));
	}
	b->hdr.nr = nr + k;
}

static void branch_close(struct fv_branch *b, unsigned int i, unsigned int k,
			 u32 fields)
{
	unsigned int nr = b->hdr.nr, j, f;
	u32 m;

	move_words(&b->pivot[i], &b->pivot[i + k], nr - i - k);
	move_words(&b->child[i], &b->child[i + k], nr - i - k);
	memmove(&b->gap[i], &b->gap[i + k], (nr - i - k) * sizeof(b->gap[0]));
	b->hdr.nr = nr - k;
	/* Unused slots: no child, and 0 in the summaries (max_u32()). */
	for (j = b->hdr.nr; j < nr; j++) {
		FV_WRITE_ONCE(b->child[j], NULL);
		b->gap[j] = 0;
	}
	for (m = fields & ~1u; m; m &= m - 1) {
		f = fv_ffs32(m);
		memmove(&b->agap[f - 1][i], &b->agap[f - 1][i + k],
			(nr - i - k) * sizeof(b->agap[0][0]));
		memset(&b->agap[f - 1][b->hdr.nr], 0,
		       k * sizeof(b->agap[0][0]));
	}
}

/* Move entries [from, from + k) of @src to the end of @dst. */
static void leaf_append(struct fv_leaf *dst, const struct fv_leaf *src,
			unsigned int from, unsigned int k)
{
	unsigned int nr = dst->hdr.nr;
	u32 bits = (u32)((u64)src->hdr.freemap >> from) &
		   (u32)(((u64)1 << k) - 1);

	memcpy(&dst->start[nr], &src->start[from], k * sizeof(src->start[0]));
	memcpy(&dst->ent[nr], &src->ent[from], k * sizeof(src->ent[0]));
	dst->hdr.freemap |= bits << nr;
	dst->hdr.nr = nr + k;
}

static void branch_append(struct fv_branch *dst, const struct fv_branch *src,
			  unsigned int from, unsigned int k, u32 fields)
{
	unsigned int nr = dst->hdr.nr, j, f;
	u32 m;

	move_words(&dst->pivot[nr], &src->pivot[from], k);
	memcpy(&dst->gap[nr], &src->gap[from], k * sizeof(dst->gap[0]));
	for (m = fields & ~1u; m; m &= m - 1) {
		f = fv_ffs32(m);
		memcpy(&dst->agap[f - 1][nr], &src->agap[f - 1][from],
		       k * sizeof(dst->agap[0][0]));
	}
	/* Children last: a reader following them sees initialised slots. */
	for (j = 0; j < k; j++)
		fv_publish(dst->child[nr + j], src->child[from + j]);
	dst->hdr.nr = nr + k;
}

/* Move the last @k entries of @src to the front of @dst. */
static void leaf_prepend(struct fv_leaf *dst, struct fv_leaf *src,
			 unsigned int k)
{
	unsigned int from = src->hdr.nr - k, j;

	leaf_open(dst, 0, k);
	for (j = 0; j < k; j++)
		leaf_set(dst, j, src->start[from + j], &src->ent[from + j]);
	src->hdr.nr = from;
	src->hdr.freemap &= (1u << from) - 1;
}

static void branch_prepend(struct fv_branch *dst, struct fv_branch *src,
			   unsigned int k, u32 fields)
{
	unsigned int from = src->hdr.nr - k, j, f;
	u32 m;

	branch_open(dst, 0, k, fields);
	for (j = 0; j < k; j++) {
		FV_WRITE_ONCE(dst->pivot[j], src->pivot[from + j]);
		dst->gap[j] = src->gap[from + j];
		for (m = fields & ~1u; m; m &= m - 1) {
			f = fv_ffs32(m);
			dst->agap[f - 1][j] = src->agap[f - 1][from + j];
		}
		FV_WRITE_ONCE(dst->child[j], src->child[from + j]);
	}
	branch_close(src, from, k, fields);
}

/* --- splitting -------------------------------------------------------- */

/*
 * Split the node at @level of @p in two; its parent has room (or it is the
 * root, and a new root is made).  The union of the two halves summarises
 * as the old node did, so nothing changes above the parent.  @p is stale
 * afterwards.
 */
static void split_node(struct fv_arena *a, struct fv_path *p,
		       unsigned int level)
{
	struct fv_node *x = path_node(p, level), *y, *r;
	unsigned int nr = x->nr, mid = nr / 2, c;
	struct fv_branch *parent, *root;
	u64 hi = p->hi[level], ylo;
	u32 fields = a->sum_fields;

	y = spare_take(a, level ? FV_KIND_BRANCH : FV_KIND_LEAF, level);
	if (level) {
		branch_append(as_branch(y), as_branch(x), mid, nr - mid, fields);
		branch_close(as_branch(x), mid, nr - mid, fields);
	} else {
		leaf_append(as_leaf(y), as_leaf(x), mid, nr - mid);
		as_leaf(x)->hdr.nr = mid;
		as_leaf(x)->hdr.freemap &= (1u << mid) - 1;
	}
	ylo = node_first(y);
	node_resum(x, ylo, fields);
	node_resum(y, hi, fields);

	if (level == p->height) {
		/* The root splits: a new root above the two halves. */
		r = spare_take(a, FV_KIND_BRANCH, level + 1);
		root = as_branch(r);
		root->pivot[0] = a->base;
		root->pivot[1] = ylo;
		root->child[0] = x;
		root->child[1] = y;
		root->hdr.nr = 2;
		slot_sum_set(root, 0, node_sum(x), fields);
		slot_sum_set(root, 1, node_sum(y), fields);
		fv_branch_summary(root, &root->sum, fields);
		fv_publish(a->root, r);
		a->height++;
		return;
	}
	parent = p->br[level + 1];
	c = p->idx[level + 1];
	FV_ASSERT(parent->hdr.nr < FV_BRANCH_SLOTS);
	branch_open(parent, c + 1, 1, fields);
	FV_WRITE_ONCE(parent->pivot[c + 1], ylo);
	slot_sum_set(parent, c, node_sum(x), fields);
	slot_sum_set(parent, c + 1, node_sum(y), fields);
	/* The same maxima, but maybe reached by one more child. */
	fv_branch_summary(parent, &parent->sum, fields);
	fv_publish(parent->child[c + 1], y);
}

/*
 * Make room for @need more entries (children) in the node at @level of the
 * path to @page, splitting it, and its ancestors first if they are full.
 * @p is re-walked to @page afterwards.
 */
static void make_room(struct fv_arena *a, struct fv_path *p,
		      unsigned int level, unsigned int need, u64 page)
{
	if (path_node(p, level)->nr + need <= node_max(level))
		return;
	if (level < p->height &&
	    p->br[level + 1]->hdr.nr + 1 > FV_BRANCH_SLOTS)
		make_room(a, p, level + 1, 1, page);
	split_node(a, p, level);
	fv_tree_walk(a, page, p);
}

/* --- merging ---------------------------------------------------------- */

/*
 * The first page of the node at @level of @p moved to @first: fix the
 * pivots that name it, up to the first ancestor where it is not the first
 * child.
 */
static void set_first(struct fv_arena *a, struct fv_path *p,
		      unsigned int level, u64 first)
{
	unsigned int l;

	for (l = level + 1; l <= p->height; l++) {
		FV_WRITE_ONCE(p->br[l]->pivot[p->idx[l]], first);
		if (p->idx[l])
			return;
	}
}

/* Recompute the summaries of children @c and @c + 1 of @b after a move. */
static void resum_pair(struct fv_branch *b, unsigned int c, u64 hi_last,
		       u32 fields)
{
	unsigned int i;

	for (i = c; i < c + 2 && i < b->hdr.nr; i++) {
		node_resum(b->child[i],
			   i + 1u < b->hdr.nr ? b->pivot[i + 1] : hi_last,
			   fields);
		slot_sum_set(b, i, node_sum(b->child[i]), fields);
	}
}

/*
 * The node at @level of @p may be underfull: merge it with a sibling, or
 * even the two out; collapse a root with one child.  @page: a page whose
 * path the caller wants back in @p afterwards (re-walked).
 */
static void rebalance(struct fv_arena *a, struct fv_path *p,
		      unsigned int level, u64 page)
{
	struct fv_node *x, *left, *right, *old;
	u32 fields = a->sum_fields;
	struct fv_branch *b;
	unsigned int c, nl, nr, move;
	u64 hi;

	for (;;) {
		x = path_node(p, level);
		if (level == p->height) {
			if (level && x->nr == 1) {
				old = x;
				fv_publish(a->root, as_branch(x)->child[0]);
				a->height--;
				node_retire(a, old);
			}
			break;
		}
		if (x->nr >= node_min(level))
			break;
		b = p->br[level + 1];
		c = p->idx[level + 1];
		if (c)
			c--;
		if (c + 1 >= b->hdr.nr)
			break;		/* an only child: nothing to pair with */
		left = b->child[c];
		right = b->child[c + 1];
		nl = left->nr;
		nr = right->nr;
		hi = c + 2u < b->hdr.nr ? b->pivot[c + 2] : p->hi[level + 1];
		if (nl + nr <= node_max(level)) {
			if (level)
				branch_append(as_branch(left), as_branch(right),
					      0, nr, fields);
			else
				leaf_append(as_leaf(left), as_leaf(right), 0,
					    nr);
			branch_close(b, c + 1, 1, fields);
			node_resum(left, hi, fields);
			slot_sum_set(b, c, node_sum(left), fields);
			fv_branch_summary(b, &b->sum, fields);
			node_retire(a, right);
			/* The parent lost a child: it may be underfull now. */
			fv_tree_walk(a, page, p);
			level++;
			continue;
		}
		/* Even them out: move from the fuller to the emptier. */
		if (nl < nr) {
			move = (nr - nl) / 2;
			if (level) {
				branch_append(as_branch(left),
					      as_branch(right), 0, move, fields);
				branch_close(as_branch(right), 0, move, fields);
			} else {
				leaf_append(as_leaf(left), as_leaf(right), 0,
					    move);
				leaf_close(as_leaf(right), 0, move);
			}
		} else {
			move = (nl - nr) / 2;
			if (level)
				branch_prepend(as_branch(right), as_branch(left),
					       move, fields);
			else
				leaf_prepend(as_leaf(right), as_leaf(left),
					     move);
		}
		FV_WRITE_ONCE(b->pivot[c + 1], node_first(right));
		resum_pair(b, c, hi, fields);
		fv_branch_summary(b, &b->sum, fields);
		break;
	}
	fv_tree_walk(a, page, p);
}

/* --- the change primitives ------------------------------------------- */

/**
 * fv_tree_splice() - replace entries of a leaf.
 * @a:		the arena, locked, in a write section, spares reserved.
 * @p:		a valid path to the leaf.
 * @i:		first entry replaced.
 * @ndel:	entries replaced (at least 1).
 * @starts:	first pages of the new entries; @starts[0] must be entry
 *		@i's (a leaf's first page never changes here).
 * @ents:	their contents (range 0: free space).
 * @nnew:	new entries (1 to 3).
 *
 * The new entries must tile the replaced span and keep free segments
 * apart from each other.  Summaries are brought up to date when free
 * space is among the entries replaced or the new ones.
 *
 * Return: the index of the first new entry in @p->leaf (@p re-walked when
 * the leaf had to be split).
 */
unsigned int fv_tree_splice(struct fv_arena *a, struct fv_path *p,
			    unsigned int i, unsigned int ndel,
			    const u64 *starts, const struct fv_ent *ents,
			    unsigned int nnew)
{
	unsigned int j, nrem = 0, nfree = 0;
	u64 page = starts[0], rs[4], re[4];
	struct fv_leaf *l = p->leaf;

	FV_ASSERT(ndel >= 1 && ndel <= 4 && nnew >= 1 &&
		  l->start[i] == page);
	for (j = i; j < i + ndel; j++) {
		if (fv_ent_free(l, j)) {
			rs[nrem] = l->start[j];
			re[nrem++] = fv_ent_end(p, j);
		}
	}
	for (j = 0; j < nnew; j++)
		nfree += !ents[j].range;
	if (nnew > ndel && p->leaf->hdr.nr + nnew - ndel > FV_LEAF_SLOTS) {
		make_room(a, p, 0, nnew - ndel, page);
		i = leaf_index(p->leaf, page);
	}
	l = p->leaf;
	if (nnew > ndel)
		leaf_open(l, i + ndel, nnew - ndel);
	else if (nnew < ndel)
		leaf_close(l, i + nnew, ndel - nnew);
	for (j = 0; j < nnew; j++)
		leaf_set(l, i + j, starts[j], &ents[j]);
	if (nrem || nfree)
		leaf_update(a, p, rs, re, nrem, i, nnew);
	if (nnew < ndel && l->hdr.nr < FV_LEAF_MIN) {
		rebalance(a, p, 0, page);
		i = leaf_index(p->leaf, page);
	}
	return i;
}

/**
 * fv_tree_absorb_next() - entry @i of @p's leaf swallows the next segment.
 * @a:		the arena, locked, in a write section.
 * @p:		a valid path, kept valid.
 * @i:		the entry that grows; it keeps its contents.  Both are free
 *		space, or both extents (then no free space changes).
 *
 * The next segment may be the first of the next leaf: then that leaf's
 * first page moves.
 *
 * Return: the index of the grown entry in @p->leaf.
 */
unsigned int fv_tree_absorb_next(struct fv_arena *a, struct fv_path *p,
				 unsigned int i)
{
	struct fv_leaf *l = p->leaf, *nl;
	bool free = fv_ent_free(l, i);
	u64 page = l->start[i], rs[2], re[2];
	struct fv_path q;

	if (i + 1u < l->hdr.nr) {
		rs[0] = page;
		re[0] = l->start[i + 1];
		rs[1] = re[0];
		re[1] = fv_ent_end(p, i + 1);
		leaf_close(l, i + 1, 1);
		if (free)
			leaf_update(a, p, rs, re, 2, i, 1);
		if (l->hdr.nr < FV_LEAF_MIN) {
			rebalance(a, p, 0, page);
			i = leaf_index(p->leaf, page);
		}
		return i;
	}
	q = *p;
	if (!fv_tree_next_leaf(&q)) {
		FV_ASSERT(0);
		return i;
	}
	/* A leaf that is not the root holds FV_LEAF_MIN entries or more. */
	nl = q.leaf;
	FV_ASSERT(nl->hdr.nr > 1);
	rs[0] = page;
	rs[1] = nl->start[0];
	re[0] = nl->start[1];
	re[1] = re[0];
	leaf_close(nl, 0, 1);
	set_first(a, &q, 0, nl->start[0]);
	if (free) {
		/* The next leaf lost its first segment ... */
		leaf_update(a, &q, &rs[1], &re[1], 1, 0, 0);
		/* ... and ours now ends where the next one begins. */
		p->hi[0] = nl->start[0];
		leaf_update(a, p, rs, re, 1, i, 1);
	}
	if (nl->hdr.nr < FV_LEAF_MIN)
		rebalance(a, &q, 0, nl->start[0]);
	return fv_tree_walk(a, page, p);
}

/**
 * fv_tree_append() - give the tree new last segments, from the top free run.
 * @a:		the arena, locked, in a write section, spares reserved.
 * @p:		set to the path of the last leaf.
 * @starts:	first pages of the new segments; @starts[0] is a->top.
 * @ents:	their contents; the last one is an extent.
 * @nnew:	new segments (1 or 2).
 * @top:	where the top free run begins afterwards.
 *
 *   before   ... last ][ top free run ..............)
 *   after    ... last ][ new ... ][ top free run ...)
 *
 * Appending an extent changes no free-space summary (the top free run is
 * not in the tree): growing at the top costs one descent and one store.
 *
 * Return: the index of the first new segment in @p->leaf.
 */
unsigned int fv_tree_append(struct fv_arena *a, struct fv_path *p,
			    const u64 *starts, const struct fv_ent *ents,
			    unsigned int nnew, u64 top)
{
	unsigned int i, j, nfree = 0;
	struct fv_leaf *l;

	FV_ASSERT(starts[0] == a->top && top > a->top && ents[nnew - 1].range);
	FV_WRITE_ONCE(a->top, top);
	/* The last leaf: the last child at each level, no search. */
	p->height = a->height;
	p->hi[a->height] = a->top;
	if (!a->height) {
		p->leaf = as_leaf(a->root);
	} else {
		p->br[a->height] = as_branch(a->root);
		descend_from(p, a->height, a->root->nr - 1u, 0, 1);
	}
	if (p->leaf->hdr.nr + nnew > FV_LEAF_SLOTS)
		make_room(a, p, 0, nnew, starts[0]);
	l = p->leaf;
	i = l->hdr.nr;
	l->hdr.nr += nnew;
	for (j = 0; j < nnew; j++) {
		leaf_set(l, i + j, starts[j], &ents[j]);
		nfree += !ents[j].range;
	}
	if (nfree)
		leaf_update(a, p, NULL, NULL, 0, i, nnew);
	return i;
}

/**
 * fv_tree_drop_last() - the tree's last segment joins the top free run.
 * @a:		the arena, locked, in a write section.
 * @p:		a valid path to the last leaf; stale afterwards.
 *
 * An extent that lost its last holder goes this way, and then the free
 * segment before it, if there is one (free segments never touch).
 */
void fv_tree_drop_last(struct fv_arena *a, struct fv_path *p)
{
	struct fv_leaf *l = p->leaf;
	unsigned int i = l->hdr.nr - 1u, lv;
	u64 rs = l->start[i], re = a->top;
	bool free = fv_ent_free(l, i);

	FV_ASSERT(p->hi[0] == a->top);
	leaf_close(l, i, 1);
	FV_WRITE_ONCE(a->top, rs);
	/* Every node on the rightmost path now ends at the new top. */
	for (lv = 0; lv <= p->height; lv++)
		if (p->hi[lv] == re)
			p->hi[lv] = rs;
	if (free)
		leaf_update(a, p, &rs, &re, 1, 0, 0);
	if (l->hdr.nr < FV_LEAF_MIN && l->hdr.nr)
		rebalance(a, p, 0, l->start[0]);
}

/* --- whole tree --------------------------------------------------------- */

/**
 * fv_tree_init() - an empty tree: the whole window is the top free run.
 * @a:		the arena (base and npages set).
 *
 * Return: 0 or -ENOMEM.
 */
int fv_tree_init(struct fv_arena *a)
{
	struct fv_leaf *l;

	a->height = 0;
	a->spare[0] = NULL;
	a->spare[1] = NULL;
	a->nspare[0] = 0;
	a->nspare[1] = 0;
	if (spare_add(a, FV_KIND_LEAF, false))
		return -ENOMEM;
	l = as_leaf(spare_take(a, FV_KIND_LEAF, 0));
	a->root = &l->hdr;
	a->top = a->base;
	a->sum_fields = 1;
	return 0;
}

static void free_subtree(struct fv_arena *a, struct fv_node *n)
{
	unsigned int i;

	if (n->level)
		for (i = 0; i < n->nr; i++)
			free_subtree(a, as_branch(n)->child[i]);
	a->meta_bytes -= kind_size(n->level ? FV_KIND_BRANCH : FV_KIND_LEAF);
	fv_rec_free(n->level ? FV_REC_BRANCH : FV_REC_LEAF, n,
		    kind_size(n->level ? FV_KIND_BRANCH : FV_KIND_LEAF));
}

/**
 * fv_tree_destroy() - free every node and spare.
 * @a:		the arena; no reader may run any more.
 */
void fv_tree_destroy(struct fv_arena *a)
{
	unsigned int kind;
	struct fv_node *n;

	free_subtree(a, a->root);
	a->root = NULL;
	for (kind = 0; kind < 2; kind++) {
		while ((n = a->spare[kind])) {
			a->spare[kind] = *spare_link(n);
			a->meta_bytes -= kind_size(kind);
			fv_rec_free(kind == FV_KIND_LEAF ? FV_REC_LEAF :
				    FV_REC_BRANCH, n, kind_size(kind));
		}
		a->nspare[kind] = 0;
	}
}

/* --- lock-free look-up ------------------------------------------------ */

/**
 * fv_tree_lookup_lockless() - the segment holding @page, without the lock.
 * @a:		the arena.
 * @page:	a page of the window.
 * @ent:	set to a copy of the segment's contents.
 * @start:	set to its first page.
 * @end:	set to the page after it.
 *
 * Context: under fv_read_lock() and a sequence read section; the result
 * means something only if the sequence did not move.
 *
 * Return: 0, or -EAGAIN when the walk saw a tree in the middle of a change.
 */
int fv_tree_lookup_lockless(const struct fv_arena *a, u64 page,
			    struct fv_ent *ent, u64 *start, u64 *end)
{
	const struct fv_node *n = FV_READ_ONCE(a->root);
	u64 hi = FV_READ_ONCE(a->top);
	unsigned int level, prev = FV_MAX_HEIGHT + 1, nr, lo, half, i, cnt;
	const struct fv_branch *b;
	const struct fv_leaf *l;

	if (page >= hi) {
		/* The top free run. */
		ent->range = 0;
		*start = hi;
		*end = a->base + a->npages;
		return 0;
	}
	for (;;) {
		if (!n)
			return -EAGAIN;
		level = FV_READ_ONCE(n->level);
		if (level >= prev)
			return -EAGAIN;
		prev = level;
		nr = FV_READ_ONCE(n->nr);
		if (!level)
			break;
		b = (const struct fv_branch *)n;
		if (!nr || nr > FV_BRANCH_SLOTS)
			return -EAGAIN;
		lo = 0;
		cnt = nr;
		while (cnt > 1) {
			half = cnt / 2;
			if (FV_READ_ONCE(b->pivot[lo + half]) <= page)
				lo += half;
			cnt -= half;
		}
		if (lo + 1u < nr)
			hi = FV_READ_ONCE(b->pivot[lo + 1]);
		n = FV_READ_ONCE(b->child[lo]);
	}
	l = (const struct fv_leaf *)n;
	if (!nr || nr > FV_LEAF_SLOTS)
		return -EAGAIN;
	lo = 0;
	i = nr;
	while (i > 1) {
		half = i / 2;
		if (FV_READ_ONCE(l->start[lo + half]) <= page)
			lo += half;
		i -= half;
	}
	*start = FV_READ_ONCE(l->start[lo]);
	*end = lo + 1u < nr ? FV_READ_ONCE(l->start[lo + 1]) : hi;
	if (*start > page || page >= *end)
		return -EAGAIN;
	ent->range = FV_READ_ONCE(l->ent[lo].range);
	ent->h.word = FV_READ_ONCE(l->ent[lo].h.word);
	ent->more = FV_READ_ONCE(l->ent[lo].more);
	return 0;
}
