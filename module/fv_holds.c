// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm holder books: who holds an extent, and what each domain holds.
 *
 * DOC: holders
 *
 * An extent's holders are kept sorted by domain index.  The first one lives
 * in the extent's tree entry (struct fv_ent), and so does the second (in
 * the word that otherwise points to a set): an extent held by one process,
 * or shared with one other (an IPC message), costs no record beyond its
 * entry.  Three holders or more go into one struct fv_hset of some spare
 * capacity, edited in place (a lock-free reader sees every word whole and
 * retries if the arena's sequence moved) and replaced only when it is full.
 *
 * DOC: slots
 *
 * A domain keeps, in an array of slots cut into 4 KiB chunks, the first page
 * of every extent it holds; each hold records its slot, so adding and
 * dropping a hold is O(1) and exit visits only the domain's own holds.
 * Free slots that were used are chained from @free_slot; the slots from
 * @fresh on were never used (a chunk is not touched when it is added).
 * Slots only ever grow in number (up to FV_SLOTS_MAX) until the domain is
 * released.
 *
 * DOC: domain table
 *
 * Tree entries name domains by a small index, looked up in the arena's
 * table (for the checker, fv_walk() and the holders' slots).  Free table
 * entries are chained through odd values.
 *
 * All of it is protected by the arena lock; fv_ent_rights_of() and
 * fv_ent_nholders() are also used by lock-free readers on copies of entries.
 */
#include "fv_tree.h"

/* --- holder sets ------------------------------------------------------ */

/**
 * fv_ent_nholders() - how many domains hold an extent (0: free space).
 * @e:		the entry (a copy, for lock-free readers).
 */
u32 fv_ent_nholders(const struct fv_ent *e)
{
	unsigned long more = FV_READ_ONCE(e->more);
	const struct fv_hset *hs = fv_more_hset(more);

	if (!e->range)
		return 0;
	if (!more)
		return 1;
	if (!hs)
		return 2;
	return 1 + FV_READ_ONCE(hs->n);
}

/**
 * fv_ent_rights_of() - a domain's rights on an extent, 0 if it holds none.
 * @e:		the entry (a copy, for lock-free readers).
 * @dom:	the domain index.
 */
u32 fv_ent_rights_of(const struct fv_ent *e, u32 dom)
{
	unsigned long more = FV_READ_ONCE(e->more);
	const struct fv_hset *hs;
	struct fv_hold h;
	u32 i, n;

	if (!e->range)
		return 0;
	if (e->h.dom == dom)
		return fv_sr_rights(e->h.sr);
	if (!more || dom < e->h.dom)
		return 0;
	if (fv_more_inline(more)) {
		h = fv_more_hold(more);
		return h.dom == dom ? fv_sr_rights(h.sr) : 0;
	}
	hs = fv_more_hset(more);
	n = FV_READ_ONCE(hs->n);
	if (n > hs->cap)
		n = hs->cap;
	for (i = 0; i < n; i++) {
		h.word = FV_READ_ONCE(hs->h[i].word);
		if (h.dom == dom)
			return fv_sr_rights(h.sr);
		if (h.dom > dom)
			break;
	}
	return 0;
}

/**
 * fv_ent_holder() - the @i-th holder of an extent, in domain order.
 * @e:		the entry.
 * @i:		0 <= i < fv_ent_nholders(e).
 */
struct fv_hold fv_ent_holder(const struct fv_ent *e, u32 i)
{
	if (!i)
		return e->h;
	if (fv_more_inline(e->more))
		return fv_more_hold(e->more);
	return fv_more_hset(e->more)->h[i - 1];
}

/**
 * fv_ent_set_holder() - replace the @i-th holder of an entry not in the tree.
 * @e:		the entry (a copy being built).
 * @i:		0 <= i < fv_ent_nholders(e).
 * @h:		the holder (same domain, another slot).
 */
void fv_ent_set_holder(struct fv_ent *e, u32 i, struct fv_hold h)
{
	if (!i)
		e->h = h;
	else if (fv_more_inline(e->more))
		e->more = fv_hold_more(h);
	else
		fv_more_hset(e->more)->h[i - 1] = h;
}

static bool same_hold(struct fv_hold x, struct fv_hold y)
{
	return x.dom == y.dom && fv_sr_rights(x.sr) == fv_sr_rights(y.sr);
}

/**
 * fv_ent_same_holders() - do two extents have the same holders and rights?
 * @x:		an entry.
 * @y:		another.
 */
bool fv_ent_same_holders(const struct fv_ent *x, const struct fv_ent *y)
{
	u32 n = fv_ent_nholders(x), i;

	if (n != fv_ent_nholders(y))
		return false;
	for (i = 0; i < n; i++)
		if (!same_hold(fv_ent_holder(x, i), fv_ent_holder(y, i)))
			return false;
	return true;
}

/** fv_hset_cap() - the capacity given to a set that must hold @n. */
u32 fv_hset_cap(u32 n)
{
	u32 cap = 3;

	while (cap < n)
		cap = cap * 2 + 1;
	return cap;
}

/** fv_hset_size() - bytes of a set of capacity @cap. */
size_t fv_hset_size(u32 cap)
{
	return sizeof(struct fv_hset) + (size_t)cap * sizeof(struct fv_hold);
}

/**
 * fv_hset_new() - an empty set of capacity @cap, counted in the arena.
 * @a:		the arena, locked.
 * @cap:	its capacity.
 * @nofail:	allocate without failing.
 *
 * Return: the set, or NULL.
 */
struct fv_hset *fv_hset_new(struct fv_arena *a, u32 cap, bool nofail)
{
	struct fv_hset *hs = fv_rec_alloc(FV_REC_HSET, fv_hset_size(cap),
					  nofail);

	if (hs) {
		hs->cap = cap;
		a->meta_bytes += fv_hset_size(cap);
	}
	return hs;
}

/** fv_hset_free() - free a set no reader ever saw. */
void fv_hset_free(struct fv_arena *a, struct fv_hset *hs)
{
	a->meta_bytes -= fv_hset_size(hs->cap);
	fv_rec_free(FV_REC_HSET, hs, fv_hset_size(hs->cap));
}

/** fv_hset_retire() - free a set after the readers that may see it. */
void fv_hset_retire(struct fv_arena *a, struct fv_hset *hs)
{
	a->meta_bytes -= fv_hset_size(hs->cap);
	fv_rec_free_rcu(FV_REC_HSET, hs, &hs->rcu);
}

/**
 * fv_ent_add_needs_set() - does adding a holder to @e take a new set?
 * @e:		an extent.
 *
 * A third holder makes the first set; a full set is replaced by a larger
 * one.  fv_ent_set_cap() says how large.
 */
bool fv_ent_add_needs_set(const struct fv_ent *e)
{
	const struct fv_hset *hs = fv_more_hset(e->more);

	if (!e->more)
		return false;
	return !hs || hs->n == hs->cap;
}

/** fv_ent_set_cap() - the capacity of the set fv_ent_add_needs_set() means. */
u32 fv_ent_set_cap(const struct fv_ent *e)
{
	return fv_hset_cap(fv_ent_nholders(e));
}

/*
 * Fill @hs with the holders of @e after its first, plus @h, sorted; @hs is
 * not visible yet.  Domain index 0 is never a holder: it marks @h placed.
 */
static void hset_fill(struct fv_hset *hs, const struct fv_ent *e,
		      struct fv_hold h)
{
	u32 n = fv_ent_nholders(e), i;
	struct fv_hold x;

	hs->n = 0;
	for (i = 1; i < n; i++) {
		x = fv_ent_holder(e, i);
		if (h.dom && h.dom < x.dom) {
			hs->h[hs->n++] = h;
			h.dom = 0;
		}
		hs->h[hs->n++] = x;
	}
	if (h.dom)
		hs->h[hs->n++] = h;
}

/**
 * fv_ent_add_holder() - add a holder to an extent (it holds none of it yet).
 * @a:		the arena, locked, in a write section.
 * @e:		the entry, in the tree.
 * @h:		the new holder.
 * @spare:	a set of capacity fv_ent_set_cap(@e) when
 *		fv_ent_add_needs_set(@e), else NULL.
 *
 * Each store is one word; a reader racing the change retries.
 */
void fv_ent_add_holder(struct fv_arena *a, struct fv_ent *e, struct fv_hold h,
		       struct fv_hset *spare)
{
	struct fv_hset *hs = fv_more_hset(e->more);
	struct fv_hold first = e->h;
	u32 i, j;

	if (h.dom < first.dom) {
		/* The newcomer becomes the first; the old first moves on. */
		FV_WRITE_ONCE(e->h.word, h.word);
		h = first;
	}
	if (!e->more) {
		FV_WRITE_ONCE(e->more, fv_hold_more(h));
		return;
	}
	if (spare) {
		/* The others so far (still in e->more), and @h among them. */
		hset_fill(spare, e, h);
		fv_publish(e->more, (unsigned long)spare);
		if (hs)
			fv_hset_retire(a, hs);
		return;
	}
	for (i = 0; i < hs->n && hs->h[i].dom < h.dom; i++)
		;
	for (j = hs->n; j > i; j--)
		FV_WRITE_ONCE(hs->h[j].word, hs->h[j - 1].word);
	FV_WRITE_ONCE(hs->h[i].word, h.word);
	FV_WRITE_ONCE(hs->n, hs->n + 1);
}

/**
 * fv_ent_del_holder() - remove a holder from an extent held by others too.
 * @a:		the arena, locked, in a write section.
 * @e:		the entry.
 * @dom:	the domain index leaving; it holds @e, and is not alone.
 *
 * Needs no allocation: a set shrinks in place, or goes when one holder
 * would be left in it.
 */
void fv_ent_del_holder(struct fv_arena *a, struct fv_ent *e, u32 dom)
{
	struct fv_hset *hs = fv_more_hset(e->more);
	u32 i, j;

	if (!hs) {
		/* Two holders: the other one stays alone. */
		if (e->h.dom == dom)
			FV_WRITE_ONCE(e->h.word, fv_more_hold(e->more).word);
		FV_WRITE_ONCE(e->more, 0);
		return;
	}
	if (e->h.dom == dom) {
		FV_WRITE_ONCE(e->h.word, hs->h[0].word);
		i = 0;
	} else {
		for (i = 0; hs->h[i].dom != dom; i++)
			;
	}
	if (hs->n == 2) {
		FV_WRITE_ONCE(e->more, fv_hold_more(hs->h[1 - i]));
		fv_hset_retire(a, hs);
		return;
	}
	FV_WRITE_ONCE(hs->n, hs->n - 1);
	for (j = i; j < hs->n; j++)
		FV_WRITE_ONCE(hs->h[j].word, hs->h[j + 1].word);
}

/**
 * fv_ent_copy_holders() - give @dst the holders of @src (slots included).
 * @dst:	an entry not yet in the tree.
 * @src:	the extent copied.
 * @hs:		a set of @src's set's capacity when it has a set, else NULL.
 */
void fv_ent_copy_holders(struct fv_ent *dst, const struct fv_ent *src,
			 struct fv_hset *hs)
{
	const struct fv_hset *shs = fv_more_hset(src->more);
	u32 i;

	dst->range = src->range;
	dst->h = src->h;
	dst->more = src->more;
	if (!shs)
		return;
	FV_ASSERT(hs && hs->cap == shs->cap);
	for (i = 0; i < shs->n; i++)
		hs->h[i] = shs->h[i];
	hs->n = shs->n;
	dst->more = (unsigned long)hs;
}

/* --- slots -------------------------------------------------------------- */

#define FV_SLOT_CHUNK_SHIFT	9
#define FV_SLOT_CHUNK		BIT(FV_SLOT_CHUNK_SHIFT)
#define FV_SLOT_FREE		((u64)1 << 63)

static u64 *slot_ptr(const struct fv_domain *d, u32 slot)
{
	return &d->slots[slot >> FV_SLOT_CHUNK_SHIFT]
			[slot & (FV_SLOT_CHUNK - 1)];
}

/* One more chunk of free slots, never used: from @fresh on. */
static int slots_grow(struct fv_arena *a, struct fv_domain *d, bool nofail)
{
	u32 base = d->nchunks * FV_SLOT_CHUNK, cap;
	u64 *chunk, **dir;

	if (base + FV_SLOT_CHUNK > FV_SLOTS_MAX)
		return -ENOMEM;
	if (d->nchunks == d->dir_cap) {
		cap = d->dir_cap ? d->dir_cap * 2 : 4;
		dir = fv_rec_alloc(FV_REC_ARRAY, cap * sizeof(*dir), nofail);
		if (!dir)
			return -ENOMEM;
		if (d->nchunks)
			memcpy(dir, d->slots, d->nchunks * sizeof(*dir));
		if (d->slots) {
			fv_rec_free(FV_REC_ARRAY, d->slots,
				    d->dir_cap * sizeof(*dir));
			a->meta_bytes -= d->dir_cap * sizeof(*dir);
		}
		a->meta_bytes += cap * sizeof(*dir);
		d->slots = dir;
		d->dir_cap = cap;
	}
	chunk = fv_rec_alloc(FV_REC_ARRAY, FV_SLOT_CHUNK * sizeof(u64),
			     nofail);
	if (!chunk)
		return -ENOMEM;
	a->meta_bytes += FV_SLOT_CHUNK * sizeof(u64);
	d->slots[d->nchunks++] = chunk;
	d->nfree_slots += FV_SLOT_CHUNK;
	return 0;
}

/**
 * fv_slots_reserve() - make sure @d has @n free slots.
 * @a:		the arena, locked.
 * @d:		the domain.
 * @n:		slots the next change will take.
 * @nofail:	allocate without failing.
 *
 * Return: 0 or -ENOMEM.
 */
int fv_slots_reserve(struct fv_arena *a, struct fv_domain *d, u32 n,
		     bool nofail)
{
	while (d->nfree_slots < n)
		if (slots_grow(a, d, nofail))
			return -ENOMEM;
	return 0;
}

/**
 * fv_slot_get() - take a free slot (reserved) for a hold starting at @page.
 * @d:		the domain.
 * @page:	the first page of the extent held.
 *
 * Return: the slot.
 */
u32 fv_slot_get(struct fv_domain *d, u64 page)
{
	u32 slot;
	u64 *p;

	FV_ASSERT(d->nfree_slots);
	if (d->free_slot) {
		slot = d->free_slot - 1;
		p = slot_ptr(d, slot);
		d->free_slot = (u32)(*p & ~FV_SLOT_FREE);
	} else {
		slot = d->fresh++;
		p = slot_ptr(d, slot);
	}
	*p = page;
	d->nfree_slots--;
	return slot;
}

/** fv_slot_put() - give a slot back. */
void fv_slot_put(struct fv_domain *d, u32 slot)
{
	*slot_ptr(d, slot) = FV_SLOT_FREE | d->free_slot;
	d->free_slot = slot + 1;
	d->nfree_slots++;
}

/**
 * fv_slot_live() - is @slot in use, and for which page?
 * @d:		the domain.
 * @slot:	below fv_slots_total().
 * @page:	set to the first page of the extent held, when in use.
 */
bool fv_slot_live(const struct fv_domain *d, u32 slot, u64 *page)
{
	u64 v;

	if (slot >= d->fresh)
		return false;
	v = *slot_ptr(d, slot);
	*page = v;
	return !(v & FV_SLOT_FREE);
}

/** fv_slots_total() - slots @d has, free or not. */
u32 fv_slots_total(const struct fv_domain *d)
{
	return d->nchunks * FV_SLOT_CHUNK;
}

/** fv_slots_free() - free all of @d's slots (it holds nothing). */
void fv_slots_free(struct fv_arena *a, struct fv_domain *d)
{
	u32 i;

	for (i = 0; i < d->nchunks; i++) {
		fv_rec_free(FV_REC_ARRAY, d->slots[i],
			    FV_SLOT_CHUNK * sizeof(u64));
		a->meta_bytes -= FV_SLOT_CHUNK * sizeof(u64);
	}
	if (d->slots) {
		fv_rec_free(FV_REC_ARRAY, d->slots,
			    d->dir_cap * sizeof(*d->slots));
		a->meta_bytes -= d->dir_cap * sizeof(*d->slots);
	}
	d->slots = NULL;
	d->nchunks = 0;
	d->dir_cap = 0;
	d->free_slot = 0;
	d->nfree_slots = 0;
	d->fresh = 0;
}

/* --- domain table ------------------------------------------------------- */

static bool table_free_entry(const struct fv_domain *p)
{
	return (unsigned long)p & 1;
}

static struct fv_domain *table_link(u32 next)
{
	return (struct fv_domain *)(((unsigned long)next << 1) | 1);
}

/**
 * fv_dom_of() - the domain with index @idx, NULL if none.
 * @a:		the arena, locked.
 * @idx:	a domain index.
 */
struct fv_domain *fv_dom_of(const struct fv_arena *a, u32 idx)
{
	struct fv_domain *d;

	if (!idx || idx >= a->ndoms_cap)
		return NULL;
	d = a->doms[idx];
	return table_free_entry(d) ? NULL : d;
}

/**
 * fv_dom_table_add() - give @d an index.
 * @a:		the arena, locked.
 * @d:		the domain.
 *
 * Return: 0 or -ENOMEM.
 */
int fv_dom_table_add(struct fv_arena *a, struct fv_domain *d)
{
	struct fv_domain **t;
	u32 cap, i;

	if (!a->dom_free) {
		cap = a->ndoms_cap ? a->ndoms_cap * 2 : 16;
		if (cap > FV_SLOTS_MAX)
			return -ENOMEM;
		t = fv_rec_alloc(FV_REC_ARRAY, cap * sizeof(*t), false);
		if (!t)
			return -ENOMEM;
		if (a->ndoms_cap)
			memcpy(t, a->doms, a->ndoms_cap * sizeof(*t));
		/* Index 0 means "no domain": never handed out. */
		for (i = cap; i-- > (a->ndoms_cap ? a->ndoms_cap : 1);) {
			t[i] = table_link(a->dom_free);
			a->dom_free = i;
		}
		if (a->doms) {
			fv_rec_free(FV_REC_ARRAY, a->doms,
				    a->ndoms_cap * sizeof(*t));
			a->meta_bytes -= a->ndoms_cap * sizeof(*t);
		}
		a->meta_bytes += cap * sizeof(*t);
		a->doms = t;
		a->ndoms_cap = cap;
	}
	d->idx = a->dom_free;
	a->dom_free = (u32)((unsigned long)a->doms[d->idx] >> 1);
	a->doms[d->idx] = d;
	return 0;
}

/** fv_dom_table_del() - take @d's index back. */
void fv_dom_table_del(struct fv_arena *a, struct fv_domain *d)
{
	a->doms[d->idx] = table_link(a->dom_free);
	a->dom_free = d->idx;
	d->idx = 0;
}

/** fv_dom_table_free() - free the table (no domain left). */
void fv_dom_table_free(struct fv_arena *a)
{
	if (a->doms) {
		fv_rec_free(FV_REC_ARRAY, a->doms,
			    a->ndoms_cap * sizeof(*a->doms));
		a->meta_bytes -= a->ndoms_cap * sizeof(*a->doms);
	}
	a->doms = NULL;
	a->ndoms_cap = 0;
	a->dom_free = 0;
}
