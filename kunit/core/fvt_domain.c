// SPDX-License-Identifier: GPL-2.0
/*
 * fv_domain: registration (the domain table grows, indexes are reused,
 * -ENOMEM changes nothing), fv_domain_release_all() (everything held goes,
 * shared pages stay, each freed run reported with its range id, no memory
 * needed) and fv_domain_release_some() (exactly min(budget, holds) holds
 * go per call, 1 while holds remain, the domain stays registered).
 */
#include "fvt.h"

#define W	0x100000ULL

/*
 * d0 holds ranges of 1..6 pages; d1 keeps two pages of the 6-page range
 * and all of the 3-page range:
 *   r1 | r2 | r3 (d1 R) | r4 | r5 | r6 (d1 RW on [1,3))
 */
static void six_ranges(struct fvt *f, u64 *r)
{
	struct kunit *test = f->test;
	unsigned int i;

	fvt_setup(f, W, PG(64), 4);
	for (i = 0; i < 6; i++)
		r[i] = FVT_ALLOC(f, 0, PG(i + 1), 0, RW);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], r[5] + PG(1),
				       PG(2), RW), 0);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], r[2], PG(3),
				       FV_READ), 0);
}

static void fv_domain_test_release_all(struct kunit *test)
{
	struct fvt *f = test->priv;
	struct fv_stats st;
	unsigned int i;
	u64 r[6], freed = 0;

	six_ranges(f, r);
	KUNIT_EXPECT_EQ(test, f->d[0].npages, 21);
	KUNIT_EXPECT_EQ(test, f->d[1].npages, 5);
	fvt_release_all(f, 0);
	FVT_CHECK(f);
	KUNIT_EXPECT_EQ(test, fvt_released_bytes(f), PG(16));
	/* Runs: r1, r2, r4, r5 whole, r6's [0,1) and [3,6), each by id. */
	for (i = 0; i < f->nruns; i++) {
		KUNIT_EXPECT_TRUE(test, f->runs[i].addr < r[2] ||
				  f->runs[i].addr >= r[3]);
		freed += f->runs[i].len;
	}
	for (i = 0; i < 6; i++) {
		if (i == 2)
			continue;
		KUNIT_EXPECT_TRUE(test, fvt_released_has(f, r[i]));
	}
	for (i = 0; i < f->nruns; i++) {
		unsigned int k;

		for (k = 6; k-- > 0;)
			if (f->runs[i].addr >= r[k])
				break;
		KUNIT_EXPECT_EQ(test, f->runs[i].range, fvt_range_id(f, r[k]));
	}
	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ(test, st.ndomains, 3);
	KUNIT_EXPECT_EQ(test, st.free_bytes, PG(64 - 5));
	KUNIT_EXPECT_EQ(test, st.nextents, 2);
	KUNIT_EXPECT_EQ(test, st.nholders, 2);
	KUNIT_EXPECT_EQ(test, f->d[1].npages, 5);
	EXPECT_LOOKUP(f, r[5] + PG(1), 0, r[5], r[5] + PG(1), PG(2), 1);
	EXPECT_LOOKUP(f, r[2], 0, r[2], r[2], PG(3), 1);
	/* The same id may register again and use the arena. */
	fvt_register(f, 0);
	KUNIT_EXPECT_EQ(test, f->d[0].npages, 0);
	KUNIT_EXPECT_EQ(test, f->d[0].nholds, 0);
	FVT_ALLOC(f, 0, PG(4), 0, RW);
	FVT_CHECK(f);
}

static void fv_domain_test_release_all_empty(struct kunit *test)
{
	struct fvt *f = test->priv;
	struct fv_stats st;

	fvt_setup(f, W, PG(4), 3);
	fvt_release_all(f, 2);
	KUNIT_EXPECT_EQ(test, f->nruns, 0);
	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ(test, st.ndomains, 2);
	FVT_CHECK(f);
}

/* fv_domain_release_all() cannot fail: it needs no record. */
static void fv_domain_test_release_all_no_memory(struct kunit *test)
{
	struct fvt *f = test->priv;
	u64 a, b;

	fvt_setup(f, W, PG(32), 3);
	a = FVT_ALLOC(f, 0, PG(16), 0, RW);
	b = FVT_ALLOC(f, 2, PG(8), 0, RW);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], a + PG(4),
				       PG(4), RW), 0);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], a + PG(10),
				       PG(2), FV_READ), 0);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[2], &f->d[1], b + PG(1),
				       PG(6), FV_READ), 0);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[2], &f->d[0], b + PG(2),
				       PG(2), FV_READ), 0);
	fvt_fault_arm(0);
	fvt_release_all(f, 1);
	fvt_fault_disarm();
	KUNIT_EXPECT_EQ(test, f->nruns, 0);
	EXPECT_LOOKUP(f, a + PG(5), 0, a, a, PG(16), 1);
	EXPECT_LOOKUP(f, b + PG(5), 0, b, b + PG(4), PG(4), 1);
	FVT_CHECK(f);
	fvt_fault_arm(0);
	fvt_release_all(f, 0);
	fvt_fault_disarm();
	EXPECT_RELEASED(f, a, PG(16));
	EXPECT_LOOKUP(f, b + PG(2), 0, b, b, PG(8), 1);
	FVT_CHECK(f);
}

struct budget_case {
	const char *name;
	u64 budget;
};

/* d0 holds 10 extents (see budget_layout). */
static const struct budget_case budget_cases[] = {
	{ "zero", 0 },
	{ "one", 1 },
	{ "three", 3 },
	{ "nine", 9 },
	{ "exactly_all", 10 },
	{ "more_than_all", 15 },
	{ "unlimited", ~0ULL },
};

static void budget_case_desc(const struct budget_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(budget, budget_cases, budget_case_desc);

/*
 * d0 holds 10 extents: 6 ranges of its own (2 pages each), 2 of them
 * shared whole with d1 (so releasing them frees nothing), and 4 extents of
 * a range d1 allocated and gave it page by page... every other page, so
 * they stay 4 extents.
 */
static void budget_layout(struct fvt *f, u64 *own, u64 *other)
{
	struct kunit *test = f->test;
	unsigned int i;

	fvt_setup(f, W, PG(64), 3);
	for (i = 0; i < 6; i++)
		own[i] = FVT_ALLOC(f, 0, PG(2), 0, RW);
	for (i = 0; i < 2; i++)
		KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1],
					       own[2 * i], PG(2), FV_READ), 0);
	*other = FVT_ALLOC(f, 1, PG(8), 0, RWX);
	for (i = 0; i < 4; i++)
		KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[1], &f->d[0],
					       *other + PG(2 * i), PG(1),
					       FV_READ), 0);
	KUNIT_ASSERT_EQ(test, f->d[0].nholds, 10);
	FVT_CHECK(f);
}

/*
 * One call releases exactly min(budget, holds) holds, each whole; the
 * return says whether holds remain; the domain stays registered; freed
 * runs are reported with their ids; later calls finish the job.
 */
static void fv_domain_test_release_some_budget(struct kunit *test)
{
	const struct budget_case *c = test->param_value;
	u64 own[6], other, want, freed_pages;
	struct fvt *f = test->priv;
	struct fv_stats st;
	unsigned int calls = 0, i;
	int more;

	budget_layout(f, own, &other);
	want = c->budget < 10 ? c->budget : 10;
	fvt_runs_clear(f);
	more = fv_domain_release_some(f->a, &f->d[0], c->budget, fvt_released,
				      f);
	KUNIT_EXPECT_EQ(test, more, want < 10);
	KUNIT_EXPECT_EQ(test, f->d[0].nholds, 10 - want);
	FVT_CHECK(f);
	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ(test, st.ndomains, 3);
	for (i = 0; i < f->nruns; i++)
		KUNIT_EXPECT_NE(test, f->runs[i].range, 0);
	freed_pages = fvt_released_bytes(f) >> FV_PAGE_SHIFT;
	/* Then one hold a call until none is left. */
	while (f->d[0].nholds) {
		fvt_runs_clear(f);
		more = fv_domain_release_some(f->a, &f->d[0], 1, fvt_released,
					      f);
		KUNIT_EXPECT_EQ(test, more, f->d[0].nholds != 0);
		freed_pages += fvt_released_bytes(f) >> FV_PAGE_SHIFT;
		KUNIT_ASSERT_LT(test, ++calls, 11);
	}
	KUNIT_EXPECT_EQ(test, calls, 10 - want);
	KUNIT_EXPECT_EQ(test, f->d[0].npages, 0);
	/* The four unshared ranges of d0 were freed, nothing else. */
	KUNIT_EXPECT_EQ(test, freed_pages, 8);
	KUNIT_EXPECT_EQ(test, fv_domain_release_some(f->a, &f->d[0], 5, NULL,
						     NULL), 0);
	EXPECT_LOOKUP(f, other, 0, other, other, PG(8), 1);
	EXPECT_LOOKUP(f, own[0], 0, own[0], own[0], PG(2), 1);
	FVT_CHECK(f);
	/* Still registered: it can allocate, then leave for good. */
	FVT_ALLOC(f, 0, PG(2), 0, RW);
	fvt_release_all(f, 0);
	EXPECT_RELEASED(f, own[1], PG(2));
	FVT_CHECK(f);
}

/* A domain holding nothing: 0 at once, whatever the budget. */
static void fv_domain_test_release_some_nothing_held(struct kunit *test)
{
	struct fvt *f = test->priv;

	fvt_setup(f, W, PG(8), 2);
	FVT_ALLOC(f, 1, PG(8), 0, RW);
	KUNIT_EXPECT_EQ(test, fv_domain_release_some(f->a, &f->d[0], 0, NULL,
						     NULL), 0);
	KUNIT_EXPECT_EQ(test, fv_domain_release_some(f->a, &f->d[0], 3, NULL,
						     NULL), 0);
	FVT_CHECK(f);
}

/* Dropping holds needs no record: no memory, every budget works. */
static void fv_domain_test_release_some_no_memory(struct kunit *test)
{
	struct fvt *f = test->priv;
	u64 own[6], other;

	budget_layout(f, own, &other);
	fvt_fault_arm(0);
	KUNIT_EXPECT_EQ(test, fv_domain_release_some(f->a, &f->d[0], 4,
						     fvt_released, f), 1);
	KUNIT_EXPECT_EQ(test, fv_domain_release_some(f->a, &f->d[1], 100,
						     fvt_released, f), 0);
	fvt_fault_disarm();
	KUNIT_EXPECT_EQ(test, f->d[0].nholds, 6);
	KUNIT_EXPECT_EQ(test, f->d[1].nholds, 0);
	FVT_CHECK(f);
}

/*
 * 40 domains: the table grows, indexes are unique and nonzero; released
 * domains give their index back to the next registration.
 */
static void fv_domain_test_table(struct kunit *test)
{
	struct fvt *f = test->priv;
	struct fv_stats st;
	unsigned int i, j, freed;

	fvt_setup(f, W, PG(64), 40);
	for (i = 0; i < 40; i++) {
		KUNIT_EXPECT_NE(test, f->d[i].idx, 0);
		for (j = 0; j < i; j++)
			KUNIT_EXPECT_NE(test, f->d[i].idx, f->d[j].idx);
		FVT_ALLOC(f, i, PG(1), 0, RW);
	}
	FVT_CHECK(f);
	freed = f->d[17].idx;
	fvt_release_all(f, 17);
	EXPECT_RELEASED(f, W + PG(17), PG(1));
	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ(test, st.ndomains, 39);
	fvt_register(f, 17);
	KUNIT_EXPECT_EQ(test, f->d[17].idx, freed);
	KUNIT_EXPECT_EQ(test, FVT_ALLOC(f, 17, PG(1), 0, RW), W + PG(17));
	FVT_CHECK(f);
}

/*
 * Registering into a full table allocates a larger one: with no memory
 * that is -ENOMEM and nothing changes; then it works.
 */
static void fv_domain_test_init_enomem(struct kunit *test)
{
	struct fvt_snap *before, *after;
	struct fvt *f = test->priv;
	unsigned int i, nomem = 0;
	int rc;

	fvt_setup(f, W, PG(64), 0);
	f->ndoms = 40;
	for (i = 0; i < 40; i++) {
		before = fvt_snap_take(f);
		fvt_fault_arm(0);
		rc = fv_domain_init(f->a, &f->d[i], fvt_dom_id(i));
		fvt_fault_disarm();
		if (rc) {
			KUNIT_EXPECT_EQ(test, rc, -ENOMEM);
			nomem++;
			after = fvt_snap_take(f);
			fvt_snap_expect_same(f, before, after,
					     "fv_domain_init() short of memory",
					     __LINE__);
			fvt_snap_free(f, after);
			FVT_CHECK(f);
			fvt_register(f, i);
		} else {
			f->live[i] = true;
		}
		fvt_snap_free(f, before);
		FVT_ALLOC(f, i, PG(1), 0, RW);
	}
	/* The first registration and at least one growth needed memory. */
	KUNIT_EXPECT_GE(test, nomem, 2);
	FVT_CHECK(f);
}

static struct kunit_case fv_domain_cases[] = {
	KUNIT_CASE(fv_domain_test_release_all),
	KUNIT_CASE(fv_domain_test_release_all_empty),
	KUNIT_CASE(fv_domain_test_release_all_no_memory),
	KUNIT_CASE_PARAM(fv_domain_test_release_some_budget,
			 budget_gen_params),
	KUNIT_CASE(fv_domain_test_release_some_nothing_held),
	KUNIT_CASE(fv_domain_test_release_some_no_memory),
	KUNIT_CASE(fv_domain_test_table),
	KUNIT_CASE(fv_domain_test_init_enomem),
	{}
};

static struct kunit_suite fv_domain_suite = {
	.name = "fv_domain",
	.suite_init = fvt_suite_init,
	.suite_exit = fvt_suite_exit,
	.init = fvt_case_init,
	.exit = fvt_case_exit,
	.test_cases = fv_domain_cases,
};

kunit_test_suites(&fv_domain_suite);
