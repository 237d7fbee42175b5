// SPDX-License-Identifier: GPL-2.0
/*
 * fv_holders: how an extent keeps its holders and a domain its holds.  The
 * second holder lives in the extent's entry (no record), three or more in a
 * holder set that grows when full and goes when one holder is left; holders
 * are listed in domain-index order; cutting an extent copies its set; a
 * domain's slots grow in chunks and are reused.  Every step that may
 * allocate is run with allocation failures injected.
 */
#include "fvt.h"

#define W	0x100000ULL

/* The holders fv_walk() shows for the segment holding @page. */
struct seg_holders {
	u64 page;
	u32 n;
	u64 id[FVT_MAX_DOMS];
	u32 rights[FVT_MAX_DOMS];
	struct fv_arena *a;
};

static int seg_holders_cb(void *ctx, const struct fv_seg *seg)
{
	struct seg_holders *h = ctx;
	u32 i;

	if (h->page < seg->start || h->page - seg->start >= seg->npages)
		return 0;
	h->n = seg->nholders;
	for (i = 0; i < seg->nholders && i < FVT_MAX_DOMS; i++)
		fv_seg_holder(h->a, seg, i, &h->id[i], &h->rights[i]);
	return 1;
}

/*
 * fv_walk() lists exactly @n holders at @addr: domains @doms with rights
 * @rights, in that order.
 */
static void expect_holders(struct fvt *f, u64 addr, u32 n,
			   const unsigned int *doms, const u32 *rights,
			   int line)
{
	struct kunit *test = f->test;
	struct seg_holders *h;
	u32 i;

	h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h);
	h->page = addr >> FV_PAGE_SHIFT;
	h->a = f->a;
	KUNIT_EXPECT_EQ_MSG(test, fv_walk(f->a, seg_holders_cb, h), 1,
			    "line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, h->n, n, "line %d: holders", line);
	for (i = 0; i < n && i < h->n; i++) {
		KUNIT_EXPECT_EQ_MSG(test, h->id[i], f->d[doms[i]].id,
				    "line %d: holder %u", line, i);
		KUNIT_EXPECT_EQ_MSG(test, h->rights[i], rights[i],
				    "line %d: rights of holder %u", line, i);
	}
	kunit_kfree(test, h);
}

static u64 meta(struct fvt *f)
{
	struct fv_stats st;

	fv_stats(f->a, &st);
	return st.metadata_bytes;
}

/* fv_share() that must succeed with no record allocation at all. */
static void share_without_records(struct fvt *f, unsigned int from,
				  unsigned int to, u64 addr, u64 len,
				  u32 rights, int line)
{
	u64 before = meta(f);
	int rc;

	fvt_fault_arm(0);
	rc = fv_share(f->a, &f->d[from], &f->d[to], addr, len, rights);
	fvt_fault_disarm();
	KUNIT_EXPECT_EQ_MSG(f->test, rc, 0, "line %d: share with no memory",
			    line);
	KUNIT_EXPECT_EQ_MSG(f->test, meta(f), before, "line %d: metadata",
			    line);
}

/* fv_release() with no record allocation possible, and less metadata. */
static void release_without_records(struct fvt *f, unsigned int d, u64 addr,
				    u64 len, int line)
{
	u64 before = meta(f);
	int rc;

	fvt_fault_arm(0);
	rc = fvt_release(f, d, addr, len);
	fvt_fault_disarm();
	KUNIT_EXPECT_EQ_MSG(f->test, rc, 0, "line %d: release with no memory",
			    line);
	KUNIT_EXPECT_LE_MSG(f->test, meta(f), before, "line %d: metadata",
			    line);
}

/* Shares for the fault loop: @to gets [a, a + 8 pages) from d0. */
struct grow_arg {
	u64 a;
	unsigned int nholders;	/* holders before the share */
};

/* d0 holds 8 pages at W; d1..d(n-1) hold them too; every domain has slots. */
static void grow_setup(struct fvt *f, void *arg)
{
	struct grow_arg *g = arg;
	unsigned int i;

	g->a = FVT_ALLOC(f, 0, PG(8), 0, RWX);
	for (i = 1; i < f->ndoms; i++)
		FVT_ALLOC(f, i, PG(1), 0, FV_READ);
	for (i = 1; i < g->nholders; i++)
		KUNIT_ASSERT_EQ(f->test, fv_share(f->a, &f->d[0], &f->d[i],
						  g->a, PG(8), FV_READ), 0);
}

static int grow_op(struct fvt *f, void *arg)
{
	struct grow_arg *g = arg;

	return fv_share(f->a, &f->d[0], &f->d[g->nholders], g->a, PG(8),
			RW);
}

/*
 * One extent, 2 -> 3 -> 2 -> 1 holders:
 *   d0 (owner), d1 inline           no record for the second holder
 *   + d2                            a holder set, each allocation failed
 *   - d1                            the set goes, d2 inline
 *   - d0                            d2 alone, the owner gone
 */
static void fv_holders_test_grow_and_shrink(struct kunit *test)
{
	static const unsigned int d012[] = { 0, 1, 2 }, d02[] = { 0, 2 },
				  d2[] = { 2 };
	static const u32 r3[] = { RWX | FV_OWNER, FV_READ, RW },
			 r2[] = { RWX | FV_OWNER, RW }, r1[] = { RW };
	struct grow_arg g = { .nholders = 2 };
	struct fvt *f = test->priv;
	unsigned int nfail, fresh;
	u64 m0;

	for (fresh = 0; fresh < 2; fresh++) {
		fvt_setup(f, W, PG(32), 3);
		g.nholders = 1;
		grow_setup(f, &g);
		share_without_records(f, 0, 1, g.a, PG(8), FV_READ, __LINE__);
		EXPECT_LOOKUP(f, g.a, 0, g.a, g.a, PG(8), 2);
		g.nholders = 2;
		KUNIT_EXPECT_EQ(test, FVT_FAULT_LOOP(f, grow_setup, grow_op, &g,
						     fresh, &nfail), 0);
		KUNIT_EXPECT_GE(test, nfail, 1);
		EXPECT_LOOKUP(f, g.a + PG(7), 0, g.a, g.a, PG(8), 3);
		expect_holders(f, g.a, 3, d012, r3, __LINE__);
		FVT_CHECK(f);
		m0 = meta(f);
		release_without_records(f, 1, g.a, PG(8), __LINE__);
		KUNIT_EXPECT_LT(test, meta(f), m0);
		expect_holders(f, g.a, 2, d02, r2, __LINE__);
		release_without_records(f, 0, g.a, PG(8), __LINE__);
		KUNIT_EXPECT_EQ(test, f->nruns, 0);
		expect_holders(f, g.a, 1, d2, r1, __LINE__);
		EXPECT_RIGHTS(f, 2, g.a, 0, RW);
		FVT_CHECK(f);
	}
}

/*
 * Holders 1 to 16 of one extent: each share either succeeds with no
 * memory or fails with -ENOMEM and changes nothing (then succeeds); the
 * second holder never needs a record, the third always does.  Then the
 * holders leave in a random order, never needing a record.
 */
static void fv_holders_test_set_capacity(struct kunit *test)
{
	unsigned int n, i, j, t, order[16], needed = 0;
	struct fvt_snap *before, *after;
	struct grow_arg g = { .nholders = 1 };
	struct fvt *f = test->priv;
	u64 seed = 5;
	int rc;

	fvt_setup(f, W, PG(64), 16);
	grow_setup(f, &g);
	for (n = 1; n < 16; n++) {
		before = fvt_snap_take(f);
		fvt_fault_arm(0);
		rc = fv_share(f->a, &f->d[0], &f->d[n], g.a, PG(8), FV_READ);
		fvt_fault_disarm();
		if (rc == -ENOMEM) {
			needed |= 1u << n;
			after = fvt_snap_take(f);
			fvt_snap_expect_same(f, before, after,
					     "a share short of memory", __LINE__);
			fvt_snap_free(f, after);
			rc = fv_share(f->a, &f->d[0], &f->d[n], g.a, PG(8),
				      FV_READ);
		}
		fvt_snap_free(f, before);
		KUNIT_ASSERT_EQ_MSG(test, rc, 0, "holder %u", n + 1);
		EXPECT_LOOKUP(f, g.a, 0, g.a, g.a, PG(8), n + 1);
		FVT_CHECK(f);
	}
	KUNIT_EXPECT_FALSE(test, needed & (1u << 1));
	KUNIT_EXPECT_TRUE(test, needed & (1u << 2));
	kunit_info(test, "holders added with a new record: %#x\n", needed);
	for (i = 0; i < 16; i++)
		order[i] = i;
	for (i = 15; i > 0; i--) {
		j = fvt_rand(&seed) % (i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < 15; i++) {
		release_without_records(f, order[i], g.a, PG(8), __LINE__);
		EXPECT_LOOKUP(f, g.a, 0, g.a, g.a, PG(8), 15 - i);
		FVT_CHECK(f);
	}
}

/*
 * Holders are listed by domain index, whatever their ids or the order
 * they came in; a domain registered into a freed index takes its place.
 */
static void fv_holders_test_index_order(struct kunit *test)
{
	struct fvt *f = test->priv;
	struct seg_holders *h;
	u32 i, prev;
	u64 a;

	fvt_setup(f, W, PG(16), 6);
	a = FVT_ALLOC(f, 3, PG(8), 0, RWX);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[3], &f->d[5], a, PG(8),
				       FV_READ), 0);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[5], &f->d[0], a, PG(8),
				       FV_READ), 0);
	/* d1 leaves and comes back, d4 takes a share. */
	fvt_release_all(f, 1);
	fvt_register(f, 1);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[3], &f->d[1], a, PG(8),
				       FV_EXEC), 0);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[3], &f->d[4], a, PG(8),
				       FV_WRITE), 0);
	h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h);
	h->page = a >> FV_PAGE_SHIFT;
	h->a = f->a;
	KUNIT_EXPECT_EQ(test, fv_walk(f->a, seg_holders_cb, h), 1);
	KUNIT_ASSERT_EQ(test, h->n, 5);
	for (i = 0, prev = 0; i < h->n; i++) {
		int k;

		for (k = 0; k < 6 && f->d[k].id != h->id[i]; k++)
			;
		KUNIT_ASSERT_LT(test, k, 6);
		KUNIT_EXPECT_GT_MSG(test, f->d[k].idx, prev, "holder %u", i);
		prev = f->d[k].idx;
	}
	FVT_CHECK(f);
}

/*
 * Cutting an extent held by a set copies the set:
 *   page   0 1 2 3 4 5 6 7
 *   d0..d3 all hold [0,8); d2 lets go of [3,5)
 *   ->     [0,3) 4 holders | [3,5) 3 holders | [5,8) 4 holders
 * with every record allocation failed in turn.
 */
static void cut_setup(struct fvt *f, void *arg)
{
	struct grow_arg *g = arg;

	g->nholders = 4;
	grow_setup(f, g);
}

static int cut_op(struct fvt *f, void *arg)
{
	struct grow_arg *g = arg;

	return fvt_release(f, 2, g->a + PG(3), PG(2));
}

static void fv_holders_test_cut_copies_set(struct kunit *test)
{
	struct grow_arg g = { .nholders = 4 };
	struct fvt *f = test->priv;
	unsigned int nfail, fresh;

	for (fresh = 0; fresh < 2; fresh++) {
		fvt_setup(f, W, PG(32), 4);
		KUNIT_EXPECT_EQ(test, FVT_FAULT_LOOP(f, cut_setup, cut_op, &g,
						     fresh, &nfail), 0);
		KUNIT_EXPECT_GE(test, nfail, 1);
		EXPECT_LOOKUP(f, g.a, 0, g.a, g.a, PG(3), 4);
		EXPECT_LOOKUP(f, g.a + PG(4), 0, g.a, g.a + PG(3), PG(2), 3);
		EXPECT_LOOKUP(f, g.a + PG(7), 0, g.a, g.a + PG(5), PG(3), 4);
		EXPECT_RIGHTS(f, 2, g.a + PG(3), -ENOENT, 0);
		EXPECT_RIGHTS(f, 2, g.a + PG(5), 0, FV_READ);
		/* Back together: one extent, one set. */
		KUNIT_EXPECT_EQ(test, fv_share(f->a, &f->d[0], &f->d[2],
					       g.a + PG(3), PG(2), FV_READ), 0);
		EXPECT_LOOKUP(f, g.a + PG(4), 0, g.a, g.a, PG(8), 4);
		FVT_CHECK(f);
	}
}

/* A domain holding 2,600 one-page ranges: slots grow, then are reused. */
struct slots_arg {
	unsigned int nholds;
};

static void slots_setup(struct fvt *f, void *arg)
{
	struct slots_arg *s = arg;
	unsigned int i;

	for (i = 0; i < s->nholds; i++)
		FVT_ALLOC(f, 0, PG(1), 0, FV_READ);
}

static int slots_op(struct fvt *f, void *arg)
{
	u64 addr;

	return fv_alloc(f->a, &f->d[0], PG(1), 0, FV_READ, &addr);
}

static void fv_holders_test_slots_grow_and_reuse(struct kunit *test)
{
	struct fvt *f = test->priv;
	struct slots_arg s = { 0 };
	unsigned int i, nfail, nchunks;
	u64 m_full;

	/* The 513th hold takes a second chunk of slots (512 a chunk). */
	fvt_setup(f, W, PG(4096), 2);
	s.nholds = 512;
	KUNIT_EXPECT_EQ(test, FVT_FAULT_LOOP(f, slots_setup, slots_op, &s,
					     false, &nfail), 0);
	KUNIT_EXPECT_GE(test, nfail, 1);
	KUNIT_EXPECT_EQ(test, f->d[0].nholds, 513);
	/* Up to 2,600 holds: more chunks, and a larger chunk directory. */
	for (i = 513; i < 2600; i++)
		FVT_ALLOC(f, 0, PG(1), 0, FV_READ);
	FVT_CHECK(f);
	m_full = meta(f);
	nchunks = f->d[0].nchunks;
	KUNIT_EXPECT_GE(test, nchunks, 6);
	/* Every other hold goes: slots are kept for reuse. */
	for (i = 0; i < 2600; i += 2)
		KUNIT_ASSERT_EQ(test, fvt_release(f, 0, W + PG(i), PG(1)), 0);
	KUNIT_EXPECT_EQ(test, f->d[0].nholds, 1300);
	KUNIT_EXPECT_EQ(test, f->d[0].nchunks, nchunks);
	FVT_CHECK(f);
	/* The same number of holds again: the freed slots serve them. */
	for (i = 0; i < 2600; i += 2)
		KUNIT_EXPECT_EQ(test, FVT_ALLOC(f, 0, PG(1), 0, RW), W + PG(i));
	KUNIT_EXPECT_EQ(test, f->d[0].nchunks, nchunks);
	KUNIT_EXPECT_LE(test, meta(f), m_full);
	FVT_CHECK(f);
	fvt_release_all(f, 0);
	EXPECT_RELEASED(f, W, PG(2600));
	FVT_CHECK(f);
}

static struct kunit_case fv_holders_cases[] = {
	KUNIT_CASE(fv_holders_test_grow_and_shrink),
	KUNIT_CASE(fv_holders_test_set_capacity),
	KUNIT_CASE(fv_holders_test_index_order),
	KUNIT_CASE(fv_holders_test_cut_copies_set),
	KUNIT_CASE(fv_holders_test_slots_grow_and_reuse),
	{}
};

static struct kunit_suite fv_holders_suite = {
	.name = "fv_holders",
	.suite_init = fvt_suite_init,
	.suite_exit = fvt_suite_exit,
	.init = fvt_case_init,
	.exit = fvt_case_exit,
	.test_cases = fv_holders_cases,
};

kunit_test_suites(&fv_holders_suite);
