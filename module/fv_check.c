// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm invariant checker: walks every index of an arena and proves they
 * agree.  O(n); for tests, the fuzzer and the module's debugfs.
 *
 * Checked: the tree's shape (levels, fill, pivots naming their children's
 * first pages, one root covering the window); segments tile the window
 * exactly, no two free ones touch, the leaves' free bitmaps match; every
 * stored free-space summary equals the one recomputed from the leaves;
 * every extent has holders sorted by domain index with valid rights and at
 * most one owner, each pointing at a live slot of its domain that names the
 * extent's first page; neighbouring extents of one range differ in holders;
 * every slot in use is such a hold; every counter equals what the walk
 * counted, the metadata byte count included.
 */
#include "fv_tree.h"

/* True, after a report, when @cond does not hold. */
#define broken(cond, ...)						\
	(!(cond) && (fv_report("check: " __VA_ARGS__), 1))

struct fv_census {
	const struct fv_arena *a;
	u64 cur;		/* next page the tiling expects */
	struct fv_ent prev;	/* the previous segment */
	bool have_prev;
	u64 nfree, nused, nholders, free_pages, nleaves, nbranches;
	u64 hset_bytes;
	u64 *dom_holds;		/* per domain index, counted */
	u64 *dom_pages;
};

static int check_hold(struct fv_census *c, struct fv_hold h, u64 start,
		      u64 npages, u32 *owners)
{
	const struct fv_domain *d = fv_dom_of(c->a, h.dom);
	u32 rights = fv_sr_rights(h.sr);
	u64 page;

	if (broken(d, "extent %#llx held by unknown domain index %u\n",
		   (unsigned long long)start, h.dom))
		return -EUCLEAN;
	if (broken((rights & FV_RIGHTS_MASK) &&
		   !(rights & ~(FV_RIGHTS_MASK | FV_OWNER)),
		   "holder rights %#x\n", rights))
		return -EUCLEAN;
	if (rights & FV_OWNER)
		(*owners)++;
	if (broken(fv_sr_slot(h.sr) < fv_slots_total(d) &&
		   fv_slot_live(d, fv_sr_slot(h.sr), &page) && page == start,
		   "hold of domain %llu at %#llx: slot %u does not name it\n",
		   (unsigned long long)d->id, (unsigned long long)start,
		   fv_sr_slot(h.sr)))
		return -EUCLEAN;
	c->dom_holds[h.dom]++;
	c->dom_pages[h.dom] += npages;
	return 0;
}

static int check_extent(struct fv_census *c, const struct fv_ent *e,
			u64 start, u64 npages)
{
	const struct fv_hset *hs = fv_more_hset(e->more);
	u32 i, owners = 0, last = e->h.dom;
	struct fv_hold h2;
	int ret;

	if (broken(e->range < c->a->next_range, "range id %llu not issued\n",
		   (unsigned long long)e->range))
		return -EUCLEAN;
	ret = check_hold(c, e->h, start, npages, &owners);
	if (ret)
		return ret;
	if (e->more && !hs) {
		h2 = fv_more_hold(e->more);
		if (broken(h2.dom > last, "holders not sorted by domain\n"))
			return -EUCLEAN;
		ret = check_hold(c, h2, start, npages, &owners);
		if (ret)
			return ret;
	}
	if (hs) {
		if (broken(hs->n >= 2 && hs->n <= hs->cap,
			   "holder set of %u in room for %u\n", hs->n, hs->cap))
			return -EUCLEAN;
		c->hset_bytes += fv_hset_size(hs->cap);
		for (i = 0; i < hs->n; i++) {
			if (broken(hs->h[i].dom > last,
				   "holders not sorted by domain\n"))
				return -EUCLEAN;
			last = hs->h[i].dom;
			ret = check_hold(c, hs->h[i], start, npages, &owners);
			if (ret)
				return ret;
		}
	}
	if (broken(owners <= 1, "extent %#llx has %u owners\n",
		   (unsigned long long)start, owners))
		return -EUCLEAN;
	c->nused++;
	c->nholders += fv_ent_nholders(e);
	return 0;
}

static int check_leaf(struct fv_census *c, const struct fv_leaf *l, u64 lo,
		      u64 hi, bool root)
{
	unsigned int i, nr = l->hdr.nr;
	const struct fv_ent *e;
	u64 start, end;
	int ret;

	if (broken(nr <= FV_LEAF_SLOTS && (root || nr >= FV_LEAF_MIN),
		   "leaf of %u entries\n", nr))
		return -EUCLEAN;
	if (!nr) {
		/* Only an empty tree: the top free run is the window. */
		if (broken(root && lo == hi, "empty leaf\n"))
			return -EUCLEAN;
		c->nleaves++;
		return 0;
	}
	if (broken(!(l->hdr.freemap >> nr), "free bitmap beyond the entries\n"))
		return -EUCLEAN;
	if (broken(l->start[0] == lo, "leaf starts at %#llx, not %#llx\n",
		   (unsigned long long)l->start[0], (unsigned long long)lo))
		return -EUCLEAN;
	c->nleaves++;
	for (i = 0; i < nr; i++) {
		e = &l->ent[i];
		start = l->start[i];
		end = i + 1 < nr ? l->start[i + 1] : hi;
		if (broken(start == c->cur && end > start,
			   "gap or overlap at page %#llx\n",
			   (unsigned long long)c->cur))
			return -EUCLEAN;
		c->cur = end;
		if (broken(!e->range == fv_ent_free(l, i),
			   "free bit of %#llx\n", (unsigned long long)start))
			return -EUCLEAN;
		if (!e->range) {
			if (broken(!c->have_prev || c->prev.range,
				   "free segments touch at %#llx\n",
				   (unsigned long long)start))
				return -EUCLEAN;
			c->nfree++;
			c->free_pages += end - start;
		} else {
			ret = check_extent(c, e, start, end - start);
			if (ret)
				return ret;
			if (c->have_prev && c->prev.range == e->range &&
			    broken(!fv_ent_same_holders(&c->prev, e),
				   "extents at page %#llx not merged\n",
				   (unsigned long long)start))
				return -EUCLEAN;
		}
		c->prev = *e;
		c->have_prev = true;
	}
	return 0;
}

static int check_sum(const struct fv_sum *want, const struct fv_sum *got,
		     u64 lo)
{
	if (broken(want->gap == got->gap &&
		   !memcmp(want->agap, got->agap, sizeof(want->agap)),
		   "free-space summary of the node at %#llx: gap %llu, stored %llu\n",
		   (unsigned long long)lo, (unsigned long long)want->gap,
		   (unsigned long long)got->gap))
		return -EUCLEAN;
	return 0;
}

/* Check the subtree at @n covering [lo, hi); return its summary in @s. */
static int check_node(struct fv_census *c, const struct fv_node *n,
		      unsigned int level, u64 lo, u64 hi, bool root,
		      struct fv_sum *s)
{
	const struct fv_branch *b = (const struct fv_branch *)n;
	struct fv_sum cs, stored = { 0 };
	unsigned int i, k, nr = n->nr;
	u64 clo, chi;
	int ret;

	if (broken(n->level == level, "node of level %u where %u belongs\n",
		   n->level, level))
		return -EUCLEAN;
	if (!level) {
		const struct fv_leaf *l = (const struct fv_leaf *)n;

		ret = check_leaf(c, l, lo, hi, root);
		if (!ret)
			fv_leaf_summary(l, hi, s, c->a->sum_fields);
		if (!ret)
			ret = check_sum(s, &l->sum, lo);
		return ret;
	}
	if (broken(nr >= (root ? 2 : FV_BRANCH_MIN) && nr <= FV_BRANCH_SLOTS,
		   "branch of %u children\n", nr))
		return -EUCLEAN;
	if (broken(b->pivot[0] == lo, "branch pivot\n"))
		return -EUCLEAN;
	for (i = nr; i < FV_BRANCH_SLOTS; i++) {
		if (broken(!b->child[i] && !b->gap[i], "stale child slot\n"))
			return -EUCLEAN;
		for (k = 0; k < FV_ABUCKETS; k++)
			if (broken(!b->agap[k][i], "stale child summary\n"))
				return -EUCLEAN;
	}
	c->nbranches++;
	for (i = 0; i < nr; i++) {
		clo = b->pivot[i];
		chi = i + 1 < nr ? b->pivot[i + 1] : hi;
		if (broken(clo < chi, "pivots out of order\n"))
			return -EUCLEAN;
		ret = check_node(c, b->child[i], level - 1, clo, chi, false,
				 &cs);
		if (ret)
			return ret;
		stored.gap = b->gap[i];
		for (k = 0; k < FV_ABUCKETS; k++)
			stored.agap[k] = b->agap[k][i];
		ret = check_sum(&cs, &stored, clo);
		if (ret)
			return ret;
	}
	fv_branch_summary(b, s, c->a->sum_fields);
	return check_sum(s, &b->sum, lo);
}

static int check_domains(struct fv_census *c)
{
	const struct fv_arena *a = c->a;
	const struct fv_domain *d;
	u64 ndomains = 0, slots_bytes = 0, page;
	u32 idx, slot, live;

	for (idx = 1; idx < a->ndoms_cap; idx++) {
		d = fv_dom_of(a, idx);
		if (!d)
			continue;
		ndomains++;
		if (broken(d->idx == idx, "domain table entry %u\n", idx))
			return -EUCLEAN;
		if (broken(c->dom_holds[idx] == d->nholds &&
			   c->dom_pages[idx] == d->npages,
			   "domain %llu holds %llu (%llu pages), counted %llu (%llu)\n",
			   (unsigned long long)d->id,
			   (unsigned long long)d->nholds,
			   (unsigned long long)d->npages,
			   (unsigned long long)c->dom_holds[idx],
			   (unsigned long long)c->dom_pages[idx]))
			return -EUCLEAN;
		live = 0;
		for (slot = 0; slot < fv_slots_total(d); slot++)
			live += fv_slot_live(d, slot, &page);
		if (broken(live == d->nholds &&
			   live + d->nfree_slots == fv_slots_total(d),
			   "domain %llu: %u slots in use for %llu holds\n",
			   (unsigned long long)d->id, live,
			   (unsigned long long)d->nholds))
			return -EUCLEAN;
		slots_bytes += (u64)fv_slots_total(d) * sizeof(u64) +
			       d->dir_cap * sizeof(u64 *);
	}
	if (broken(ndomains == a->ndomains, "domain count\n"))
		return -EUCLEAN;
	c->hset_bytes += slots_bytes + a->ndoms_cap * sizeof(a->doms[0]);
	return 0;
}

/**
 * fv_check() - verify every invariant of an arena.
 * @a:		the arena.
 *
 * Return: 0, or -EUCLEAN after reporting the first broken invariant
 * (-ENOMEM if the checker could not allocate its counters).
 */
int fv_check(struct fv_arena *a)
{
	size_t size = (a->ndoms_cap + 1) * sizeof(u64);
	struct fv_census c = { .a = a };
	struct fv_sum s;
	u64 meta;
	int ret;

	fv_lock(&a->lock);
	c.cur = a->base;
	c.dom_holds = fv_rec_alloc(FV_REC_ARRAY, size, false);
	c.dom_pages = fv_rec_alloc(FV_REC_ARRAY, size, false);
	ret = -ENOMEM;
	if (!c.dom_holds || !c.dom_pages)
		goto out;
	ret = -EUCLEAN;
	if (broken((a->sum_fields & 1) && !(a->sum_fields >> (FV_ABUCKETS + 1)),
		   "summary fields %#x\n", a->sum_fields))
		goto out;
	ret = check_node(&c, a->root, a->height, a->base, a->top, true, &s);
	if (!ret && broken(a->top >= a->base &&
			   a->top <= a->base + a->npages && c.cur == a->top,
			   "segments end at %#llx, the top free run begins at %#llx\n",
			   (unsigned long long)c.cur,
			   (unsigned long long)a->top))
		ret = -EUCLEAN;
	if (!ret && broken(!c.have_prev || c.prev.range,
			   "a free segment touches the top free run\n"))
		ret = -EUCLEAN;
	/* The top free run counts as one free segment when not empty. */
	if (a->top < a->base + a->npages) {
		c.nfree++;
		c.free_pages += a->base + a->npages - a->top;
	}
	if (!ret)
		ret = check_domains(&c);
	if (!ret && broken(c.nfree == a->nfree && c.nused == a->nused &&
			   c.free_pages == a->free_pages &&
			   c.nholders == a->nholders,
			   "segment counters: free %llu/%llu, used %llu/%llu, holders %llu/%llu\n",
			   (unsigned long long)c.nfree,
			   (unsigned long long)a->nfree,
			   (unsigned long long)c.nused,
			   (unsigned long long)a->nused,
			   (unsigned long long)c.nholders,
			   (unsigned long long)a->nholders))
		ret = -EUCLEAN;
	meta = c.nleaves * sizeof(struct fv_leaf) +
	       c.nbranches * sizeof(struct fv_branch) + c.hset_bytes +
	       a->nspare[0] * sizeof(struct fv_leaf) +
	       a->nspare[1] * sizeof(struct fv_branch);
	if (!ret && broken(meta == a->meta_bytes,
			   "metadata %llu bytes, counted %llu\n",
			   (unsigned long long)a->meta_bytes,
			   (unsigned long long)meta))
		ret = -EUCLEAN;
out:
	if (c.dom_holds)
		fv_rec_free(FV_REC_ARRAY, c.dom_holds, size);
	if (c.dom_pages)
		fv_rec_free(FV_REC_ARRAY, c.dom_pages, size);
	fv_unlock(&a->lock);
	return ret;
}
