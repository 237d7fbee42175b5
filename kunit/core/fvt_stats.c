// SPDX-License-Identifier: GPL-2.0
/*
 * fv_stats: the counters after each kind of change, and the metadata
 * count: it equals the bytes of records alive (checked on the host against
 * the record allocator after every step, by fv_check() in both builds),
 * grows with domains, slots and holder sets, shrinks when they go, and
 * comes back to what an empty arena keeps (its tree, the domain table and
 * the spare nodes of one change).
 */
#include "fvt.h"
#include "fv_tree.h"

#define W	0x100000ULL

static void expect_stats(struct fvt *f, u64 free_pages, u64 largest,
			 u64 nfree, u64 nextents, u64 nholders, u64 ndomains,
			 int line)
{
	struct kunit *test = f->test;
	struct fv_stats st;

	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ_MSG(test, st.window_bytes, f->size, "line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, st.free_bytes, PG(free_pages), "line %d",
			    line);
	KUNIT_EXPECT_EQ_MSG(test, st.largest_free, PG(largest), "line %d",
			    line);
	KUNIT_EXPECT_EQ_MSG(test, st.nfree, nfree, "line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, st.nextents, nextents, "line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, st.nholders, nholders, "line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, st.ndomains, ndomains, "line %d", line);
	fvt_check(f, line);
}

#define EXPECT_STATS(f, fp, lg, nf, ne, nh, nd) \
	expect_stats(f, fp, lg, nf, ne, nh, nd, __LINE__)

/*
 *   alloc 4 (d0), alloc 2 (d1), share d0->d1 [1,3), release d0 [0,1),
 *   release d1 everything
 */
static void fv_stats_test_counters(struct kunit *test)
{
	struct fvt *f = test->priv;
	u64 a, b;

	fvt_setup(f, W, PG(16), 2);
	EXPECT_STATS(f, 16, 16, 1, 0, 0, 2);
	a = FVT_ALLOC(f, 0, PG(4), 0, RW);
	EXPECT_STATS(f, 12, 12, 1, 1, 1, 2);
	b = FVT_ALLOC(f, 1, PG(2), 0, RW);
	EXPECT_STATS(f, 10, 10, 1, 2, 2, 2);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], a + PG(1),
				       PG(2), FV_READ), 0);
	EXPECT_STATS(f, 10, 10, 1, 4, 5, 2);
	KUNIT_ASSERT_EQ(test, fvt_release(f, 0, a, PG(1)), 0);
	EXPECT_STATS(f, 11, 10, 2, 3, 4, 2);
	fvt_release_all(f, 1);
	EXPECT_STATS(f, 13, 12, 2, 1, 1, 1);
	KUNIT_EXPECT_EQ(test, b, a + PG(4));
	fvt_release_all(f, 0);
	EXPECT_STATS(f, 16, 16, 1, 0, 0, 0);
}

static u64 meta(struct fvt *f)
{
	struct fv_stats st;

	fv_stats(f->a, &st);
	return st.metadata_bytes;
}

static void fv_stats_test_metadata(struct kunit *test)
{
	struct fvt *f = test->priv;
	u64 fresh, with_doms, m, a;
	unsigned int i;

	fvt_setup(f, W, PG(4096), 0);
	fresh = meta(f);
	KUNIT_EXPECT_GE(test, fresh, sizeof(struct fv_leaf));
	for (i = 0; i < 4; i++)
		fvt_register(f, i);
	f->ndoms = 4;
	with_doms = meta(f);
	KUNIT_EXPECT_GT(test, with_doms, fresh);
	FVT_CHECK(f);
	/* A first hold: slots for the domain, maybe spare nodes. */
	a = FVT_ALLOC(f, 0, PG(8), 0, RW);
	KUNIT_EXPECT_GT(test, meta(f), with_doms);
	FVT_CHECK(f);
	/* A holder set (third holder) costs a record; it goes with it. */
	FVT_ALLOC(f, 1, PG(1), 0, RW);
	FVT_ALLOC(f, 2, PG(1), 0, RW);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], a, PG(8),
				       FV_READ), 0);
	m = meta(f);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[2], a, PG(8),
				       FV_READ), 0);
	KUNIT_EXPECT_GT(test, meta(f), m);
	FVT_CHECK(f);
	KUNIT_ASSERT_EQ(test, fvt_release(f, 2, a, PG(8)), 0);
	KUNIT_EXPECT_EQ(test, meta(f), m);
	FVT_CHECK(f);
	/* Many ranges: the tree grows... */
	for (i = 0; i < 3000; i++)
		FVT_ALLOC(f, 3, PG(1), 0, RW);
	KUNIT_EXPECT_GE(test, f->a->height, 2);
	FVT_CHECK(f);
	/* ... and shrinks back: the table and the spares of one change stay. */
	for (i = 0; i < 4; i++)
		fvt_release_all(f, i);
	FVT_CHECK(f);
	KUNIT_EXPECT_EQ(test, f->a->height, 0);
	KUNIT_EXPECT_GE(test, meta(f), with_doms);
	KUNIT_EXPECT_LE(test, meta(f), with_doms + 2 * sizeof(struct fv_leaf) +
			2 * (FV_MAX_HEIGHT + 2) * sizeof(struct fv_branch));
}

static struct kunit_case fv_stats_cases[] = {
	KUNIT_CASE(fv_stats_test_counters),
	KUNIT_CASE(fv_stats_test_metadata),
	{}
};

static struct kunit_suite fv_stats_suite = {
	.name = "fv_stats",
	.suite_init = fvt_suite_init,
	.suite_exit = fvt_suite_exit,
	.init = fvt_case_init,
	.exit = fvt_case_exit,
	.test_cases = fv_stats_cases,
};

kunit_test_suites(&fv_stats_suite);
