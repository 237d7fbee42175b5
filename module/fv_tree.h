/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flatvm core internals: the segment tree (fv_tree.c) and the holder books
 * (fv_holds.c), shared by fv_arena.c and fv_check.c.  Nothing outside the
 * core includes this file.
 */
#ifndef _FLATVM_FV_TREE_H
#define _FLATVM_FV_TREE_H

#include "fv_core.h"

#define FV_ABUCKETS		(FV_MAX_ALIGN_SHIFT - FV_PAGE_SHIFT)

/**
 * struct fv_sum - free-space summary of a subtree.
 * @gap:	pages in its longest free segment.
 * @agap:	@agap[j - 1]: pages in its longest free run that starts at a
 *		multiple of 2^j pages (j = 1..FV_ABUCKETS; alignments up to
 *		1 GiB), saturated at U32_MAX.  @gap >= @agap[0] >= @agap[1]...
 *		among the fields kept.
 *
 * Field 0 is @gap, field j is @agap[j - 1].  An arena keeps @gap always and
 * the field of an alignment once an exact aligned search has needed it
 * (struct fv_arena's sum_fields, bit j for field j); a field not kept is 0
 * in every summary and every branch's copies.
 */
struct fv_sum {
	u64 gap;
	u32 agap[FV_ABUCKETS];
};

/*
 * Node geometry.  A leaf is 1 KiB: 28 entries, their first pages in one
 * array (the search reads 4 cache lines at most) and their contents in
 * another.  A branch has 16 children with their first pages, and each
 * child's free-space summary.  Every node also keeps its own summary.
 */
#define FV_LEAF_SLOTS		28
#define FV_LEAF_MIN		13
#define FV_BRANCH_SLOTS		16
#define FV_BRANCH_MIN		6
#define FV_MAX_HEIGHT		12

/*
 * A hold's slot in its domain and its rights, in one word: the slot (see
 * fv_holds.c) in the high bits, FV_READ | FV_WRITE | FV_EXEC | FV_OWNER in
 * the low FV_SR_RIGHTS_BITS.  A domain has at most FV_SLOTS_MAX slots.
 */
#define FV_SR_RIGHTS_BITS	5
#define FV_SLOTS_MAX		((u32)1 << (31 - FV_SR_RIGHTS_BITS))

static inline u32 fv_sr(u32 slot, u32 rights)
{
	return slot << FV_SR_RIGHTS_BITS | rights;
}

static inline u32 fv_sr_slot(u32 sr)
{
	return sr >> FV_SR_RIGHTS_BITS;
}

static inline u32 fv_sr_rights(u32 sr)
{
	return sr & ((1u << FV_SR_RIGHTS_BITS) - 1);
}

/**
 * struct fv_hold - one holder of an extent.
 * @dom:	domain index.
 * @sr:		the hold's slot and rights (fv_sr()).
 * @word:	both, for the one-word stores lock-free readers rely on.
 */
struct fv_hold {
	union {
		struct {
			u32 dom;
			u32 sr;
		};
		u64 word;
	};
};

/**
 * struct fv_ent - the contents of one segment.
 * @range:	range id of an extent, 0 for free space.
 * @h:		extents: the first holder (the one with the lowest domain
 *		index).
 * @more:	extents: the other holders.  0 when there is none; the second
 *		holder itself, shifted left by one with bit 0 set, when there
 *		is exactly one more (the common shared extent costs no
 *		record); else a struct fv_hset (8-byte aligned, bit 0 clear).
 *		A domain index stays below 2^27 and a slot below 2^26, so a
 *		holder fits in 63 bits.
 */
struct fv_ent {
	u64 range;
	struct fv_hold h;
	unsigned long more;
};

static inline bool fv_more_inline(unsigned long more)
{
	return more & 1;
}

static inline struct fv_hold fv_more_hold(unsigned long more)
{
	struct fv_hold h = { .word = more >> 1 };

	return h;
}

static inline unsigned long fv_hold_more(struct fv_hold h)
{
	return (unsigned long)(h.word << 1) | 1;
}

static inline struct fv_hset *fv_more_hset(unsigned long more)
{
	return fv_more_inline(more) ? NULL : (struct fv_hset *)more;
}

/**
 * struct fv_hset - the holders of an extent after its first, when there are
 *	two or more of them.
 * @rcu:	lock-free readers may be reading it when it is freed.
 * @n:		holders in @h, at least 2, sorted by domain index.
 * @cap:	room in @h.
 *
 * Changed in place under the arena lock, inside sequence write sections,
 * one word at a time: a reader reads @n once and never goes past @cap, and
 * retries when the sequence moved.
 */
struct fv_hset {
	struct fv_rcu rcu;
	u32 n;
	u32 cap;
	struct fv_hold h[];
};

/**
 * struct fv_node - what leaves and branches start with.
 * @level:	0 for a leaf, the branch's height above the leaves otherwise.
 *		Fixed for the node's life: lock-free readers trust it.
 * @nr:		entries or children in use.
 * @freemap:	leaves: bit i set when entry i is free space.
 *
 * Leaves and branches end with a struct fv_rcu, for freeing them after
 * lock-free readers (and, while a node is a spare, for chaining spares).
 */
struct fv_node {
	u8 level;
	u8 pad;
	u16 nr;
	u32 freemap;
};

/*
 * struct fv_leaf - a run of consecutive segments.  Entry i spans
 * [start[i], start[i + 1]), the last one up to the first page of the next
 * leaf (or the end of the window).  A segment never spans two leaves.
 * @sum is the leaf's free-space summary.
 */
struct fv_leaf {
	struct fv_node hdr;
	u64 start[FV_LEAF_SLOTS];
	struct fv_ent ent[FV_LEAF_SLOTS];
	struct fv_sum sum;
	struct fv_rcu rcu;
};

/*
 * struct fv_branch - children covering consecutive spans of the window.
 * @pivot:	first page of each child (pivot[0] is the branch's own).
 * @child:	the children, all of level hdr.level - 1.
 * @gap, @agap:	a copy of each child's summary, field by field: a search
 *		reads one or two cache lines per level, and redoing a
 *		maximum over the children reads one.
 * @sum:	the branch's own summary: the maximum over its children.
 */
struct fv_branch {
	struct fv_node hdr;
	u64 pivot[FV_BRANCH_SLOTS];
	struct fv_node *child[FV_BRANCH_SLOTS];
	u64 gap[FV_BRANCH_SLOTS];
	u32 agap[FV_ABUCKETS][FV_BRANCH_SLOTS];
	struct fv_sum sum;
	struct fv_rcu rcu;
};

/**
 * struct fv_path - a descent from the root to one leaf.
 * @height:	the tree's height when taken.
 * @br:		br[l]: the branch at level l (1..height).
 * @idx:	idx[l]: the child taken in br[l].
 * @hi:		hi[l]: the page after those the node at level l covers
 *		(level 0: the leaf).
 * @leaf:	the leaf reached.
 *
 * Valid until the tree's shape changes (a split, a merge, a leaf's bounds).
 */
struct fv_path {
	u32 height;
	struct fv_branch *br[FV_MAX_HEIGHT + 1];
	u8 idx[FV_MAX_HEIGHT + 1];
	u64 hi[FV_MAX_HEIGHT + 1];
	struct fv_leaf *leaf;
};

/* A segment's place: entry @i of the leaf @p->leaf. */
static inline u64 fv_ent_end(const struct fv_path *p, unsigned int i)
{
	return i + 1u < p->leaf->hdr.nr ? p->leaf->start[i + 1] : p->hi[0];
}

static inline bool fv_ent_free(const struct fv_leaf *l, unsigned int i)
{
	return l->hdr.freemap & (1u << i);
}

/* fv_tree.c: the tree of segments and its free-space summaries. */
int fv_tree_init(struct fv_arena *a);
void fv_tree_destroy(struct fv_arena *a);
int fv_tree_add_spares(struct fv_arena *a, u32 leaves, u32 branches,
		       bool nofail);
unsigned int fv_tree_walk(const struct fv_arena *a, u64 page,
			  struct fv_path *p);
bool fv_tree_next_leaf(struct fv_path *p);
bool fv_tree_prev_leaf(struct fv_path *p);
struct fv_leaf *fv_tree_peek_leaf(const struct fv_path *p, bool next);
bool fv_tree_find_fit(const struct fv_arena *a, u64 npages,
		      unsigned int align_shift, struct fv_path *p,
		      unsigned int *slot, u64 *at);
unsigned int fv_tree_splice(struct fv_arena *a, struct fv_path *p,
			    unsigned int i, unsigned int ndel,
			    const u64 *starts, const struct fv_ent *ents,
			    unsigned int nnew);
unsigned int fv_tree_absorb_next(struct fv_arena *a, struct fv_path *p,
				 unsigned int i);
unsigned int fv_tree_append(struct fv_arena *a, struct fv_path *p,
			    const u64 *starts, const struct fv_ent *ents,
			    unsigned int nnew, u64 top);
void fv_tree_drop_last(struct fv_arena *a, struct fv_path *p);
void fv_tree_keep_align(struct fv_arena *a, unsigned int align_shift);
void fv_leaf_summary(const struct fv_leaf *l, u64 hi, struct fv_sum *s,
		     u32 fields);
void fv_branch_summary(const struct fv_branch *b, struct fv_sum *s,
		       u32 fields);
void fv_sum_note_gap(struct fv_sum *s, u64 start, u64 end, u32 fields);
u64 fv_tree_largest_free(const struct fv_arena *a);
int fv_tree_lookup_lockless(const struct fv_arena *a, u64 page,
			    struct fv_ent *ent, u64 *start, u64 *end);

/* The kinds of tree nodes: struct fv_arena's spare[] and nspare[] index. */
#define FV_KIND_LEAF		0
#define FV_KIND_BRANCH		1

/**
 * fv_tree_reserve() - have the nodes ready that the next change may need.
 * @a:		the arena, locked.
 * @nsplits:	how many leaf splits the change may cause (at most 2).
 * @nofail:	allocate without failing.
 *
 * A leaf split takes one leaf and, cascading up, one branch per level plus
 * a new root; the first split may raise the height for the second.  Inline:
 * the spares are almost always there already.
 *
 * Return: 0 or -ENOMEM (the spares gathered so far are kept).
 */
static inline int fv_tree_reserve(struct fv_arena *a, unsigned int nsplits,
				  bool nofail)
{
	u32 branches = nsplits * (a->height + 2);

	if (a->nspare[FV_KIND_LEAF] >= nsplits &&
	    a->nspare[FV_KIND_BRANCH] >= branches)
		return 0;
	return fv_tree_add_spares(a, nsplits, branches, nofail);
}

/* fv_holds.c: holder sets, domain slots, the domain table. */
u32 fv_ent_nholders(const struct fv_ent *e);
u32 fv_ent_rights_of(const struct fv_ent *e, u32 dom);
struct fv_hold fv_ent_holder(const struct fv_ent *e, u32 i);
bool fv_ent_same_holders(const struct fv_ent *x, const struct fv_ent *y);
u32 fv_hset_cap(u32 n);
size_t fv_hset_size(u32 cap);
struct fv_hset *fv_hset_new(struct fv_arena *a, u32 cap, bool nofail);
void fv_hset_retire(struct fv_arena *a, struct fv_hset *hs);
void fv_hset_free(struct fv_arena *a, struct fv_hset *hs);
bool fv_ent_add_needs_set(const struct fv_ent *e);
u32 fv_ent_set_cap(const struct fv_ent *e);
void fv_ent_add_holder(struct fv_arena *a, struct fv_ent *e, struct fv_hold h,
		       struct fv_hset *spare);
void fv_ent_del_holder(struct fv_arena *a, struct fv_ent *e, u32 dom);
void fv_ent_set_holder(struct fv_ent *e, u32 i, struct fv_hold h);
void fv_ent_copy_holders(struct fv_ent *dst, const struct fv_ent *src,
			 struct fv_hset *hs);
struct fv_domain *fv_dom_of(const struct fv_arena *a, u32 idx);
int fv_slots_reserve(struct fv_arena *a, struct fv_domain *d, u32 n,
		     bool nofail);
u32 fv_slot_get(struct fv_domain *d, u64 page);
void fv_slot_put(struct fv_domain *d, u32 slot);
bool fv_slot_live(const struct fv_domain *d, u32 slot, u64 *page);
u32 fv_slots_total(const struct fv_domain *d);
void fv_slots_free(struct fv_arena *a, struct fv_domain *d);
int fv_dom_table_add(struct fv_arena *a, struct fv_domain *d);
void fv_dom_table_del(struct fv_arena *a, struct fv_domain *d);
void fv_dom_table_free(struct fv_arena *a);

#endif /* _FLATVM_FV_TREE_H */
