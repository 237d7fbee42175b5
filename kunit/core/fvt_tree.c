// SPDX-License-Identifier: GPL-2.0
/*
 * fv_tree: the shape of the segment tree under churn.  Leaves and branches
 * split, merge and even out, the root grows a level and collapses back,
 * extents and free segments coalesce across leaf boundaries; fv_check()
 * (shape, fill, pivots, summaries, every index) passes after every step
 * (see CHECK_EVERY for the kernel).
 */
#include "fvt.h"
#include "fv_tree.h"

#define W	0x100000ULL

/*
 * fv_check() after every step on the host; in the debug kernel (KASAN
 * under TCG, a few ms a check of 2,400 segments) after every CHECK_EVERY-th
 * step and every step near the height changes' thresholds.
 */
#define CHECK_EVERY	(FVT_KERNEL ? 8 : 1)

struct shape {
	unsigned int max_height, grew, shrank, steps;
};

/* One step done: fv_check() and the height's moves (one level at most). */
static void step_done(struct fvt *f, struct shape *sh, unsigned int *height,
		      bool check, int line)
{
	unsigned int h = f->a->height;

	fvt_yield();
	if (check)
		KUNIT_EXPECT_EQ_MSG(f->test, fv_check(f->a), 0,
				    "line %d: step %u, height %u", line,
				    sh->steps, h);
	KUNIT_EXPECT_LE_MSG(f->test, h, *height + 1, "line %d: step %u", line,
			    sh->steps);
	KUNIT_EXPECT_GE_MSG(f->test, h + 1, *height, "line %d: step %u", line,
			    sh->steps);
	sh->grew += h > *height;
	sh->shrank += h < *height;
	if (h > sh->max_height)
		sh->max_height = h;
	*height = h;
	sh->steps++;
}

struct order_case {
	const char *name;
	int order;		/* 0 ascending, 1 descending, 2 middle out, 3 random */
};

static const struct order_case order_cases[] = {
	{ "ascending", 0 },
	{ "descending", 1 },
	{ "middle_out", 2 },
	{ "random", 3 },
};

static void order_case_desc(const struct order_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(order, order_cases, order_case_desc);

#define GROW_RANGES	2400

/* The @k-th range to release in @order (ranges 0..n-1 by address). */
static unsigned int nth(const unsigned int *perm, int order, unsigned int n,
			unsigned int k)
{
	switch (order) {
	case 0:
		return k;
	case 1:
		return n - 1 - k;
	case 2:
		return k % 2 ? n / 2 + k / 2 : n / 2 - 1 - k / 2;
	default:
		return perm[k];
	}
}

/*
 * 2,400 one-page ranges (a tree of height 2), then every other one freed
 * (free segments between extents: the leaves keep their entries), then
 * the rest in @order: free segments coalesce, leaves and branches merge,
 * the root collapses to a single leaf.
 */
static void fv_tree_test_grow_and_collapse(struct kunit *test)
{
	const struct order_case *c = test->param_value;
	unsigned int i, j, t, r, height = 0, n = GROW_RANGES, *perm;
	struct fvt *f = test->priv;
	struct shape sh = { 0 };
	struct fv_stats st;
	u64 seed = 99;

	perm = kunit_kcalloc(test, n, sizeof(*perm), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, perm);
	fvt_setup(f, W, PG(n), 2);
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_EQ(test, FVT_ALLOC(f, i % 2, PG(1), 0, RW),
				W + PG(i));
		step_done(f, &sh, &height, i < 300 || i % CHECK_EVERY == 0,
			  __LINE__);
	}
	KUNIT_EXPECT_GE(test, sh.max_height, 2);
	KUNIT_EXPECT_EQ(test, sh.grew, sh.max_height);
	for (i = 0; i < n; i++)
		perm[i] = i;
	for (i = n - 1; i > 0; i--) {
		j = fvt_rand(&seed) % (i + 1);
		t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	/* d1's ranges (odd pages) first: n/2 free pages, none touching. */
	fvt_release_all(f, 1);
	fvt_register(f, 1);
	FVT_CHECK(f);
	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ(test, st.nfree, n / 2);
	for (i = 0; i < n; i++) {
		r = nth(perm, c->order, n, i);
		if (r % 2)
			continue;
		KUNIT_ASSERT_EQ(test, fvt_release(f, 0, W + PG(r), PG(1)), 0);
		EXPECT_RELEASED(f, W + PG(r), PG(1));
		step_done(f, &sh, &height, i % CHECK_EVERY == 0 || height < 2,
			  __LINE__);
	}
	FVT_CHECK(f);
	KUNIT_EXPECT_EQ(test, f->a->height, 0);
	KUNIT_EXPECT_GE(test, sh.shrank, sh.max_height);
	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ(test, st.nfree, 1);
	KUNIT_EXPECT_EQ(test, st.nextents, 0);
	kunit_info(test, "height %u, %u levels up, %u down, %u steps\n",
		   sh.max_height, sh.grew, sh.shrank, sh.steps);
}

/*
 * One 1,200-page range; d1 takes every other page (1,200 extents across
 * many leaves), then the pages between one by one in random order: each
 * share merges three extents into one, across leaf boundaries too, until a
 * single extent is left; then d1 lets go page by page and they split again.
 */
static void fv_tree_test_extents_merge_across_leaves(struct kunit *test)
{
	unsigned int i, j, t, height = 0, n = 1200, *perm;
	struct fvt *f = test->priv;
	struct shape sh = { 0 };
	struct fv_stats st;
	u64 a, seed = 3;

	perm = kunit_kcalloc(test, n / 2, sizeof(*perm), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, perm);
	fvt_setup(f, W, PG(n), 2);
	a = FVT_ALLOC(f, 0, PG(n), 0, RW);
	for (i = 0; i < n; i += 2) {
		KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1],
					       a + PG(i), PG(1), FV_READ), 0);
		step_done(f, &sh, &height, i % CHECK_EVERY == 0, __LINE__);
	}
	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ(test, st.nextents, n);
	KUNIT_EXPECT_GE(test, sh.max_height, 1);
	for (i = 0; i < n / 2; i++)
		perm[i] = 2 * i + 1;
	for (i = n / 2 - 1; i > 0; i--) {
		j = fvt_rand(&seed) % (i + 1);
		t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	for (i = 0; i < n / 2; i++) {
		KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1],
					       a + PG(perm[i]), PG(1), FV_READ),
				0);
		step_done(f, &sh, &height, true, __LINE__);
	}
	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ(test, st.nextents, 1);
	KUNIT_EXPECT_EQ(test, f->a->height, 0);
	KUNIT_EXPECT_EQ(test, f->d[1].nholds, 1);
	for (i = 0; i < n / 2; i++) {
		KUNIT_ASSERT_EQ(test, fvt_release(f, 1, a + PG(perm[i]), PG(1)),
				0);
		KUNIT_EXPECT_EQ(test, f->nruns, 0);
		step_done(f, &sh, &height, i % CHECK_EVERY == 0, __LINE__);
	}
	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ(test, st.nextents, n);
	FVT_CHECK(f);
}

/*
 * Random churn in a 4,096-page window: allocations of 1 to 8 pages,
 * shares of single pages, releases of spans; fv_check() after every step
 * while the tree changes height both ways.
 */
static void fv_tree_test_random_churn(struct kunit *test)
{
	unsigned int step, d, height = 0, phase;
	struct fvt *f = test->priv;
	struct shape sh = { 0 };
	u64 seed = 77, addr, out;

	fvt_setup(f, W, PG(4096), 4);
	for (step = 0; step < 12000; step++) {
		phase = (step / 3000) % 2;	/* fill, then drain */
		d = fvt_rand(&seed) % 4;
		addr = W + PG(fvt_rand(&seed) % 4096);
		switch (fvt_rand(&seed) % (phase ? 8 : 4)) {
		case 0:
		case 1:
			fv_alloc(f->a, &f->d[d], PG(1 + fvt_rand(&seed) % 8),
				 0, RW, &out);
			break;
		case 2:
			fv_share(f->a, &f->d[d], &f->d[(d + 1) % 4], addr,
				 PG(1), FV_READ);
			break;
		default:
			fvt_release(f, d, addr, PG(1 + fvt_rand(&seed) %
						   (phase ? 256 : 16)));
			break;
		}
		step_done(f, &sh, &height, step % CHECK_EVERY == 0, __LINE__);
	}
	KUNIT_EXPECT_GE(test, sh.max_height, 2);
	for (d = 0; d < 4; d++) {
		fvt_release_all(f, d);
		step_done(f, &sh, &height, true, __LINE__);
	}
	KUNIT_EXPECT_EQ(test, height, 0);
	KUNIT_EXPECT_GE(test, sh.shrank, 2);
	FVT_CHECK(f);
	kunit_info(test, "height %u, %u levels up, %u down\n", sh.max_height,
		   sh.grew, sh.shrank);
}

static struct kunit_case fv_tree_cases[] = {
	KUNIT_CASE_PARAM(fv_tree_test_grow_and_collapse, order_gen_params),
	KUNIT_CASE(fv_tree_test_extents_merge_across_leaves),
	KUNIT_CASE(fv_tree_test_random_churn),
	{}
};

static struct kunit_suite fv_tree_suite = {
	.name = "fv_tree",
	.suite_init = fvt_suite_init,
	.suite_exit = fvt_suite_exit,
	.init = fvt_case_init,
	.exit = fvt_case_exit,
	.test_cases = fv_tree_cases,
};

kunit_test_suites(&fv_tree_suite);
