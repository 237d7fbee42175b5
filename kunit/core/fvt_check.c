// SPDX-License-Identifier: GPL-2.0
/*
 * fv_check: each case breaks one invariant of a healthy arena by hand,
 * expects -EUCLEAN (and, on the host, the report that names it), puts it
 * back and expects 0 again.  The corruptions reach into the core's
 * internals (fv_tree.h): the tree's order, tiling and bitmaps, the
 * summaries in leaves and branches, holders and their slots, the holder
 * sets, the domain table and every counter.
 */
#include "fvt.h"
#include "fv_tree.h"

#define W	0x100000ULL

/*
 * The victim (256 pages, two leaves or more):
 *   page  0 1 2 3 4 ... 36 37 38 39 | 40..43 | 44..47 | 48..51 | 52..255
 *         f d d d f ...  f  d  d  d | R: d0, | R: d0, | S: d0, | free
 *                                   | d1 R   | d1 RW  | d1, d2 |
 * (f: free page, d: a one-page range of d3; R's two extents have an
 * inline second holder, S has a holder set.)
 */
enum corruption {
	C_ORDER, C_TOUCH, C_FREE_BIT_SET, C_FREE_BIT_CLEAR, C_FREE_BIT_BEYOND,
	C_LEAF_GAP, C_LEAF_AGAP, C_BRANCH_GAP, C_BRANCH_AGAP, C_BRANCH_SUM,
	C_HOLD_FREE_SLOT, C_HOLD_SLOT_RANGE, C_SLOT_NOTHING, C_SLOT_OTHER_PAGE,
	C_INLINE_UNSORTED, C_SET_UNSORTED, C_TWO_OWNERS, C_NO_RIGHTS,
	C_OWNER_ONLY, C_UNKNOWN_DOMAIN, C_RANGE_NOT_ISSUED, C_NOT_MERGED,
	C_SET_OVERFULL, C_SET_SINGLE, C_NFREE, C_NUSED, C_NHOLDERS,
	C_FREE_PAGES, C_NDOMAINS, C_DOM_NHOLDS, C_DOM_NPAGES, C_DOM_FREE_SLOTS,
	C_META, C_LEAF_EMPTY, C_PIVOT, C_STALE_CHILD, C_LEVEL, C_TABLE_INDEX,
};

struct corrupt_case {
	const char *name;
	enum corruption what;
	const char *report;	/* what fv_check() must say (host) */
};

static const struct corrupt_case corrupt_cases[] = {
	{ "leaf_entries_out_of_order", C_ORDER, "gap or overlap" },
	{ "free_segments_touch", C_TOUCH, "free segments touch" },
	{ "free_bit_on_an_extent", C_FREE_BIT_SET, "free bit of" },
	{ "free_bit_missing", C_FREE_BIT_CLEAR, "free bit of" },
	{ "free_bit_beyond_entries", C_FREE_BIT_BEYOND, "beyond the entries" },
	{ "stale_leaf_gap", C_LEAF_GAP, "free-space summary" },
	{ "stale_leaf_aligned_gap", C_LEAF_AGAP, "free-space summary" },
	{ "stale_branch_copy_gap", C_BRANCH_GAP, "free-space summary" },
	{ "stale_branch_copy_aligned", C_BRANCH_AGAP, "free-space summary" },
	{ "stale_branch_summary", C_BRANCH_SUM, "free-space summary" },
	{ "holder_on_a_free_slot", C_HOLD_FREE_SLOT, "does not name it" },
	{ "holder_slot_out_of_range", C_HOLD_SLOT_RANGE, "does not name it" },
	{ "slot_naming_nothing", C_SLOT_NOTHING, "slots in use" },
	{ "slot_naming_another_page", C_SLOT_OTHER_PAGE, "does not name it" },
	{ "inline_holders_unsorted", C_INLINE_UNSORTED, "not sorted" },
	{ "set_holders_unsorted", C_SET_UNSORTED, "not sorted" },
	{ "two_owners", C_TWO_OWNERS, "2 owners" },
	{ "holder_without_rights", C_NO_RIGHTS, "holder rights" },
	{ "holder_with_owner_only", C_OWNER_ONLY, "holder rights" },
	{ "holder_of_unknown_domain", C_UNKNOWN_DOMAIN, "unknown domain" },
	{ "range_id_not_issued", C_RANGE_NOT_ISSUED, "not issued" },
	{ "equal_neighbours_not_merged", C_NOT_MERGED, "not merged" },
	{ "holder_set_overfull", C_SET_OVERFULL, "holder set of" },
	{ "holder_set_of_one", C_SET_SINGLE, "holder set of" },
	{ "free_segment_count", C_NFREE, "segment counters" },
	{ "extent_count", C_NUSED, "segment counters" },
	{ "holder_count", C_NHOLDERS, "segment counters" },
	{ "free_page_count", C_FREE_PAGES, "segment counters" },
	{ "domain_count", C_NDOMAINS, "domain count" },
	{ "domain_hold_count", C_DOM_NHOLDS, "counted" },
	{ "domain_page_count", C_DOM_NPAGES, "counted" },
	{ "domain_free_slot_count", C_DOM_FREE_SLOTS, "slots in use" },
	{ "metadata_bytes", C_META, "metadata" },
	{ "empty_leaf", C_LEAF_EMPTY, "leaf of 0" },
	{ "branch_pivot", C_PIVOT, "starts at" },
	{ "stale_child_pointer", C_STALE_CHILD, "stale child" },
	{ "node_level", C_LEVEL, "node of level" },
	{ "domain_table_index", C_TABLE_INDEX, "domain table entry" },
};

static void corrupt_case_desc(const struct corrupt_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(corrupt, corrupt_cases, corrupt_case_desc);

static void victim(struct fvt *f)
{
	struct kunit *test = f->test;
	unsigned int i;
	u64 r, s;

	fvt_setup(f, W, PG(256), 4);
	for (i = 0; i < 40; i++)
		FVT_ALLOC(f, 3, PG(1), 0, RW);
	for (i = 0; i < 40; i += 4)
		KUNIT_ASSERT_EQ(test, fvt_release(f, 3, W + PG(i), PG(1)), 0);
	r = FVT_ALLOC(f, 0, PG(8), 0, RW);
	s = FVT_ALLOC(f, 0, PG(4), 0, RWX);
	KUNIT_ASSERT_EQ(test, r, W + PG(40));
	KUNIT_ASSERT_EQ(test, s, W + PG(48));
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], r, PG(4),
				       FV_READ), 0);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], r + PG(4),
				       PG(4), RW), 0);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], s, PG(4),
				       FV_READ), 0);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[2], s, PG(4),
				       FV_READ), 0);
	KUNIT_ASSERT_GE(test, f->a->height, 1);
	FVT_CHECK(f);
}

/* The entry of the segment holding window page @p, and its path. */
static struct fv_ent *ent_at(struct fvt *f, u64 p, struct fv_path *path,
			     unsigned int *i)
{
	*i = fv_tree_walk(f->a, (f->base >> FV_PAGE_SHIFT) + p, path);
	return &path->leaf->ent[*i];
}

/* Everything a corruption may change, to put back. */
struct saved {
	struct fv_path p;
	unsigned int i;
	struct fv_ent ent;
	u64 start, start2, v64;
	u32 v32, freemap;
	struct fv_hold h0, h1;
	struct fv_sum sum;
	struct fv_node *child;
	u16 nr;
	u8 level;
	u32 slot;
	u64 *field;
};

static u64 *counter(struct fvt *f, enum corruption what)
{
	switch (what) {
	case C_NFREE:		return &f->a->nfree;
	case C_NUSED:		return &f->a->nused;
	case C_NHOLDERS:	return &f->a->nholders;
	case C_FREE_PAGES:	return &f->a->free_pages;
	case C_NDOMAINS:	return &f->a->ndomains;
	case C_DOM_NHOLDS:	return &f->d[1].nholds;
	case C_DOM_NPAGES:	return &f->d[2].npages;
	case C_META:		return &f->a->meta_bytes;
	default:		return NULL;
	}
}

static void corrupt(struct fvt *f, enum corruption what, struct saved *s)
{
	struct fv_domain *d0 = &f->d[0], *d1 = &f->d[1];
	struct fv_hold h = { .word = 0 };
	struct fv_branch *b;
	struct fv_hset *hs;
	struct fv_leaf *l;
	struct fv_ent *e;

	s->field = counter(f, what);
	if (s->field) {
		(*s->field)++;
		return;
	}
	switch (what) {
	case C_ORDER:		/* pages 41.. after 40: swap two starts */
		e = ent_at(f, 1, &s->p, &s->i);
		l = s->p.leaf;
		KUNIT_ASSERT_LT(f->test, s->i + 1, l->hdr.nr);
		s->start = l->start[s->i];
		s->start2 = l->start[s->i + 1];
		l->start[s->i] = s->start2;
		l->start[s->i + 1] = s->start;
		break;
	case C_TOUCH:		/* page 3's extent made free, next to page 4 */
		e = ent_at(f, 3, &s->p, &s->i);
		s->ent = *e;
		s->freemap = s->p.leaf->hdr.freemap;
		e->range = 0;
		s->p.leaf->hdr.freemap |= 1u << s->i;
		break;
	case C_FREE_BIT_SET:
		ent_at(f, 2, &s->p, &s->i);
		s->freemap = s->p.leaf->hdr.freemap;
		s->p.leaf->hdr.freemap |= 1u << s->i;
		break;
	case C_FREE_BIT_CLEAR:
		ent_at(f, 4, &s->p, &s->i);
		s->freemap = s->p.leaf->hdr.freemap;
		s->p.leaf->hdr.freemap &= ~(1u << s->i);
		break;
	case C_FREE_BIT_BEYOND:
		ent_at(f, 100, &s->p, &s->i);
		s->freemap = s->p.leaf->hdr.freemap;
		KUNIT_ASSERT_LT(f->test, s->p.leaf->hdr.nr, FV_LEAF_SLOTS);
		s->p.leaf->hdr.freemap |= 1u << s->p.leaf->hdr.nr;
		break;
	case C_LEAF_GAP:
	case C_LEAF_AGAP:
		ent_at(f, 100, &s->p, &s->i);
		s->sum = s->p.leaf->sum;
		if (what == C_LEAF_GAP)
			s->p.leaf->sum.gap++;
		else
			s->p.leaf->sum.agap[2]--;
		break;
	case C_BRANCH_GAP:
	case C_BRANCH_AGAP:
	case C_BRANCH_SUM:
		ent_at(f, 100, &s->p, &s->i);
		b = s->p.br[1];
		s->sum = b->sum;
		s->v64 = b->gap[s->p.idx[1]];
		s->v32 = b->agap[4][s->p.idx[1]];
		if (what == C_BRANCH_GAP)
			b->gap[s->p.idx[1]]--;
		else if (what == C_BRANCH_AGAP)
			b->agap[4][s->p.idx[1]]--;
		else
			b->sum.agap[FV_ABUCKETS - 1]++;
		break;
	case C_HOLD_FREE_SLOT:
	case C_HOLD_SLOT_RANGE:
	case C_TWO_OWNERS:
	case C_NO_RIGHTS:
	case C_OWNER_ONLY:
	case C_UNKNOWN_DOMAIN:
	case C_INLINE_UNSORTED:
	case C_NOT_MERGED:
		e = ent_at(f, what == C_NOT_MERGED ? 44 : 40, &s->p, &s->i);
		s->ent = *e;
		s->h0 = e->h;
		s->h1 = fv_more_hold(e->more);
		switch (what) {
		case C_HOLD_FREE_SLOT:
			e->h.sr = fv_sr(fv_slots_total(d0) - 1,
					fv_sr_rights(e->h.sr));
			break;
		case C_HOLD_SLOT_RANGE:
			e->h.sr = fv_sr(fv_slots_total(d0) + 5,
					fv_sr_rights(e->h.sr));
			break;
		case C_TWO_OWNERS:
			h.dom = s->h1.dom;
			h.sr = s->h1.sr | FV_OWNER;
			e->more = fv_hold_more(h);
			break;
		case C_NO_RIGHTS:
			e->h.sr = fv_sr(fv_sr_slot(e->h.sr), 0);
			break;
		case C_OWNER_ONLY:
			e->h.sr = fv_sr(fv_sr_slot(e->h.sr), FV_OWNER);
			break;
		case C_UNKNOWN_DOMAIN:
			e->h.dom = 999;
			break;
		case C_INLINE_UNSORTED:
			e->h = s->h1;
			e->more = fv_hold_more(s->h0);
			break;
		default:
			/* d1 R here too: equal to the extent before. */
			h.dom = s->h1.dom;
			h.sr = fv_sr(fv_sr_slot(s->h1.sr), FV_READ);
			e->more = fv_hold_more(h);
			break;
		}
		break;
	case C_SET_UNSORTED:
	case C_SET_OVERFULL:
	case C_SET_SINGLE:
		e = ent_at(f, 48, &s->p, &s->i);
		hs = fv_more_hset(e->more);
		KUNIT_ASSERT_NOT_NULL(f->test, hs);
		s->h0 = hs->h[0];
		s->h1 = hs->h[1];
		s->v32 = hs->n;
		if (what == C_SET_UNSORTED) {
			hs->h[0] = s->h1;
			hs->h[1] = s->h0;
		} else {
			hs->n = what == C_SET_SINGLE ? 1 : hs->cap + 1;
		}
		break;
	case C_SLOT_NOTHING:
		s->slot = fv_slot_get(d1, 12345);
		break;
	case C_SLOT_OTHER_PAGE:
		e = ent_at(f, 40, &s->p, &s->i);
		s->slot = fv_sr_slot(e->h.sr);
		KUNIT_ASSERT_TRUE(f->test, fv_slot_live(d0, s->slot, &s->v64));
		fv_slot_put(d0, s->slot);
		KUNIT_ASSERT_EQ(f->test, fv_slot_get(d0, s->v64 + 1), s->slot);
		break;
	case C_RANGE_NOT_ISSUED:
		e = ent_at(f, 48, &s->p, &s->i);
		s->v64 = e->range;
		e->range = f->a->next_range;
		break;
	case C_DOM_FREE_SLOTS:
		s->v32 = d1->nfree_slots;
		d1->nfree_slots++;
		break;
	case C_LEAF_EMPTY:
	case C_LEVEL:
		ent_at(f, 100, &s->p, &s->i);
		s->nr = s->p.leaf->hdr.nr;
		s->level = s->p.leaf->hdr.level;
		if (what == C_LEAF_EMPTY)
			s->p.leaf->hdr.nr = 0;
		else
			s->p.leaf->hdr.level = 1;
		break;
	case C_PIVOT:
		ent_at(f, 100, &s->p, &s->i);
		b = s->p.br[1];
		KUNIT_ASSERT_GT(f->test, s->p.idx[1], 0);
		s->v64 = b->pivot[s->p.idx[1]];
		b->pivot[s->p.idx[1]]++;
		break;
	case C_STALE_CHILD:
		ent_at(f, 100, &s->p, &s->i);
		b = s->p.br[1];
		KUNIT_ASSERT_LT(f->test, b->hdr.nr, FV_BRANCH_SLOTS);
		b->child[b->hdr.nr] = b->child[0];
		break;
	case C_TABLE_INDEX:
		s->v32 = f->d[2].idx;
		f->d[2].idx += 7;
		break;
	default:
		KUNIT_FAIL(f->test, "corruption %d has no code", what);
	}
}

static void repair(struct fvt *f, enum corruption what, struct saved *s)
{
	struct fv_domain *d0 = &f->d[0], *d1 = &f->d[1];
	struct fv_leaf *l = s->p.leaf;
	struct fv_branch *b = s->p.br[1];
	struct fv_hset *hs;
	struct fv_ent *e;

	if (s->field) {
		(*s->field)--;
		return;
	}
	switch (what) {
	case C_ORDER:
		l->start[s->i] = s->start;
		l->start[s->i + 1] = s->start2;
		break;
	case C_TOUCH:
		l->ent[s->i] = s->ent;
		l->hdr.freemap = s->freemap;
		break;
	case C_FREE_BIT_SET:
	case C_FREE_BIT_CLEAR:
	case C_FREE_BIT_BEYOND:
		l->hdr.freemap = s->freemap;
		break;
	case C_LEAF_GAP:
	case C_LEAF_AGAP:
		l->sum = s->sum;
		break;
	case C_BRANCH_GAP:
	case C_BRANCH_AGAP:
	case C_BRANCH_SUM:
		b->sum = s->sum;
		b->gap[s->p.idx[1]] = s->v64;
		b->agap[4][s->p.idx[1]] = s->v32;
		break;
	case C_HOLD_FREE_SLOT:
	case C_HOLD_SLOT_RANGE:
	case C_TWO_OWNERS:
	case C_NO_RIGHTS:
	case C_OWNER_ONLY:
	case C_UNKNOWN_DOMAIN:
	case C_INLINE_UNSORTED:
	case C_NOT_MERGED:
		l->ent[s->i] = s->ent;
		break;
	case C_SET_UNSORTED:
	case C_SET_OVERFULL:
	case C_SET_SINGLE:
		e = &l->ent[s->i];
		hs = fv_more_hset(e->more);
		hs->h[0] = s->h0;
		hs->h[1] = s->h1;
		hs->n = s->v32;
		break;
	case C_SLOT_NOTHING:
		fv_slot_put(d1, s->slot);
		break;
	case C_SLOT_OTHER_PAGE:
		fv_slot_put(d0, s->slot);
		fv_slot_get(d0, s->v64);
		break;
	case C_RANGE_NOT_ISSUED:
		l->ent[s->i].range = s->v64;
		break;
	case C_DOM_FREE_SLOTS:
		d1->nfree_slots = s->v32;
		break;
	case C_LEAF_EMPTY:
	case C_LEVEL:
		l->hdr.nr = s->nr;
		l->hdr.level = s->level;
		break;
	case C_PIVOT:
		b->pivot[s->p.idx[1]] = s->v64;
		break;
	case C_STALE_CHILD:
		b->child[b->hdr.nr] = NULL;
		break;
	case C_TABLE_INDEX:
		f->d[2].idx = s->v32;
		break;
	default:
		break;
	}
}

static void fv_check_test_corruption(struct kunit *test)
{
	const struct corrupt_case *c = test->param_value;
	struct fvt *f = test->priv;
	struct saved *s;
	bool said;
	int rc;

	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	victim(f);
	corrupt(f, c->what, s);
	fvt_report_capture_begin();
	rc = fv_check(f->a);
	said = fvt_report_capture_end(c->report);
	repair(f, c->what, s);
	KUNIT_EXPECT_EQ(test, rc, -EUCLEAN);
	KUNIT_EXPECT_TRUE_MSG(test, said, "fv_check() did not report \"%s\"",
			      c->report);
	KUNIT_EXPECT_EQ(test, fv_check(f->a), 0);
	FVT_CHECK(f);
}

static struct kunit_case fv_check_cases[] = {
	KUNIT_CASE_PARAM(fv_check_test_corruption, corrupt_gen_params),
	{}
};

static struct kunit_suite fv_check_suite = {
	.name = "fv_check",
	.suite_init = fvt_suite_init,
	.suite_exit = fvt_suite_exit,
	.init = fvt_case_init,
	.exit = fvt_case_exit,
	.test_cases = fv_check_cases,
};

kunit_test_suites(&fv_check_suite);
