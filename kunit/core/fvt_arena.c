// SPDX-License-Identifier: GPL-2.0
/*
 * fv_arena: fv_arena_init() arguments and failure, the empty and the full
 * window, windows at the ends of the address space, independent arenas.
 */
#include "fvt.h"

#define TOP47	((u64)1 << FV_MAX_WINDOW_SHIFT)

struct arena_case {
	const char *name;
	u64 base, size;
	int rc;
};

static const struct arena_case arena_cases[] = {
	{ "empty_window", 0x1000, 0, -EINVAL },
	{ "unaligned_base", 0x1001, 0x1000, -EINVAL },
	{ "half_page_base", 0x1800, 0x1000, -EINVAL },
	{ "unaligned_size", 0x1000, 0x1001, -EINVAL },
	{ "half_page_size", 0x1000, 0x800, -EINVAL },
	{ "size_page_minus_1", 0x1000, 0xfff, -EINVAL },
	{ "above_2p47", 0, TOP47 + 0x1000, -EINVAL },
	{ "2p48", 0, TOP47 << 1, -EINVAL },
	{ "huge_size", 0, ~0xfffULL, -EINVAL },
	{ "wraps", ~0xfffULL, 0x2000, -EINVAL },
	{ "wraps_far", ~0x1fffULL - 0x1000, 0x4000, -EINVAL },
	{ "half_of_2p64", (u64)1 << 63, (u64)1 << 63, -EINVAL },
	{ "one_page_at_0", 0, 0x1000, 0 },
	{ "one_page", 0x1000, 0x1000, 0 },
	{ "largest", 0, TOP47, 0 },
	{ "largest_at_2p47", TOP47, TOP47, 0 },
	{ "largest_at_2p63", (u64)1 << 63, TOP47, 0 },
	{ "ends_below_2p64", ~0x2fffULL, 0x2000, 0 },
	{ "high_1t", 0x7f0000000000ULL, 0x10000000000ULL, 0 },
};

static void arena_case_desc(const struct arena_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(arena, arena_cases, arena_case_desc);

/* A valid window is one free segment; an invalid one leaves nothing. */
static void fv_arena_test_init_args(struct kunit *test)
{
	const struct arena_case *c = test->param_value;
	struct fvt *f = test->priv;
	struct fv_arena *scratch;
	struct fv_stats st;
	u64 live;

	if (c->rc) {
		scratch = kunit_kzalloc(test, sizeof(*scratch), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, scratch);
		KUNIT_EXPECT_EQ(test, fv_arena_init(scratch, c->base, c->size),
				c->rc);
		if (fvt_live_bytes(&live))
			KUNIT_EXPECT_EQ(test, live, 0);
		return;
	}
	fvt_setup(f, c->base, c->size, 0);
	FVT_CHECK(f);
	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ(test, st.window_bytes, c->size);
	KUNIT_EXPECT_EQ(test, st.free_bytes, c->size);
	KUNIT_EXPECT_EQ(test, st.largest_free, c->size);
	KUNIT_EXPECT_EQ(test, st.nfree, 1);
	KUNIT_EXPECT_EQ(test, st.nextents, 0);
	KUNIT_EXPECT_EQ(test, st.nholders, 0);
	KUNIT_EXPECT_EQ(test, st.ndomains, 0);
	KUNIT_EXPECT_GT(test, st.metadata_bytes, 0);
	EXPECT_LOOKUP(f, c->base, -ENOENT, 0, 0, 0, 0);
	EXPECT_LOOKUP(f, c->base + c->size - 1, -ENOENT, 0, 0, 0, 0);
	EXPECT_PIECE(f, c->base, -ENOENT, 0, 0);
	fvt_teardown(f);
	if (fvt_live_bytes(&live))
		KUNIT_EXPECT_EQ(test, live, 0);
}

/* Each record fv_arena_init() allocates fails in turn; nothing leaks. */
static void fv_arena_test_init_enomem(struct kunit *test)
{
	struct fvt *f = test->priv;
	u64 live;
	long n;
	int rc;

	for (n = 0;; n++) {
		KUNIT_ASSERT_LT(test, n, 100);
		memset(f->a, 0, sizeof(*f->a));
		fvt_fault_arm(n);
		rc = fv_arena_init(f->a, 0x100000, 0x100000);
		fvt_fault_disarm();
		if (rc != -ENOMEM)
			break;
		if (fvt_live_bytes(&live))
			KUNIT_EXPECT_EQ_MSG(test, live, 0, "after fault %ld", n);
	}
	KUNIT_ASSERT_EQ(test, rc, 0);
	KUNIT_EXPECT_GE(test, n, 1);
	KUNIT_EXPECT_EQ(test, fv_check(f->a), 0);
	fv_arena_destroy(f->a);
}

/* Arguments are checked first: -EINVAL even when no record can be had. */
static void fv_arena_test_einval_before_enomem(struct kunit *test)
{
	struct fvt *f = test->priv;

	fvt_fault_arm(0);
	KUNIT_EXPECT_EQ(test, fv_arena_init(f->a, 0x1001, 0x1000), -EINVAL);
	KUNIT_EXPECT_EQ(test, fv_arena_init(f->a, 0x1000, 0), -EINVAL);
	fvt_fault_disarm();
}

/* Two arenas over the same addresses keep separate books. */
static void fv_arena_test_independent(struct kunit *test)
{
	struct fvt *x = test->priv, *y = fvt_new(test);
	u64 ax, ay;

	fvt_setup(x, 0x10000000, PG(16), 2);
	fvt_setup(y, 0x10000000, PG(16), 2);
	ax = FVT_ALLOC(x, 0, PG(16), 0, RW);
	ay = FVT_ALLOC(y, 1, PG(4), 0, FV_READ);
	KUNIT_EXPECT_EQ(test, ax, 0x10000000);
	EXPECT_LOOKUP(x, ay, 0, ax, ax, PG(16), 1);
	EXPECT_LOOKUP(y, ay, 0, ay, ay, PG(4), 1);
	EXPECT_RIGHTS(y, 0, ay, -ENOENT, 0);
	EXPECT_RIGHTS(x, 0, ay, 0, RW | FV_OWNER);
	FVT_CHECK(x);
	FVT_CHECK(y);
	fvt_release_all(x, 0);
	EXPECT_RELEASED(x, ax, PG(16));
	EXPECT_LOOKUP(y, ay, 0, ay, ay, PG(4), 1);
	fvt_teardown(x);
	FVT_CHECK(y);
}

/* A window ending one page below 2^64: no overflow in its books. */
static void fv_arena_test_window_top(struct kunit *test)
{
	u64 base = ~0x3fffULL - 0x1000;		/* 4 pages */
	struct fvt *f = test->priv;
	u64 a;

	fvt_setup(f, base, PG(4), 1);
	a = FVT_ALLOC(f, 0, PG(4), 0, RWX);
	KUNIT_EXPECT_EQ(test, a, base);
	EXPECT_LOOKUP(f, base + PG(4) - 1, 0, base, base, PG(4), 1);
	EXPECT_LOOKUP(f, base + PG(4), -ENOENT, 0, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, fv_holds_all(f->a, &f->d[0], base, PG(5),
					   FV_READ), -EINVAL);
	KUNIT_EXPECT_EQ(test, fvt_release(f, 0, base + PG(3), PG(1)), 0);
	EXPECT_RELEASED(f, base + PG(3), PG(1));
	FVT_CHECK(f);
}

/* The largest window, used from both ends. */
static void fv_arena_test_window_2p47(struct kunit *test)
{
	struct fvt *f = test->priv;
	u64 a, b;

	fvt_setup(f, 0, TOP47, 1);
	a = FVT_ALLOC(f, 0, TOP47 - PG(1), 0, FV_READ);
	b = FVT_ALLOC(f, 0, PG(1), 0, FV_READ);
	/* Lowest fit: the big range first, the page after it. */
	KUNIT_EXPECT_EQ(test, a, 0);
	KUNIT_EXPECT_EQ(test, b, TOP47 - PG(1));
	EXPECT_LOOKUP(f, TOP47 - 1, 0, b, b, PG(1), 1);
	EXPECT_LOOKUP(f, TOP47, -ENOENT, 0, 0, 0, 0);
	FVT_CHECK(f);
	KUNIT_EXPECT_EQ(test, fvt_release(f, 0, 0, TOP47), 0);
	EXPECT_RELEASED(f, 0, TOP47);
	FVT_CHECK(f);
}

/*
 * The whole window in one range, then back:
 *   [ range 0..32 ] -> nothing fits -> [ free 0..32 ]
 */
static void fv_arena_test_fill_and_empty(struct kunit *test)
{
	struct fvt *f = test->priv;
	u64 base = (u64)1 << 44, addr, dummy;
	struct fv_stats st;

	fvt_setup(f, base, PG(32), 2);
	addr = FVT_ALLOC(f, 0, PG(32), 0, RW);
	KUNIT_EXPECT_EQ(test, addr, base);
	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ(test, st.free_bytes, 0);
	KUNIT_EXPECT_EQ(test, st.largest_free, 0);
	KUNIT_EXPECT_EQ(test, st.nfree, 0);
	KUNIT_EXPECT_EQ(test, st.nextents, 1);
	KUNIT_EXPECT_EQ(test, fv_alloc(f->a, &f->d[1], PG(1), 0, RW, &dummy),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, fvt_release(f, 0, addr, PG(32)), 0);
	EXPECT_RELEASED(f, addr, PG(32));
	FVT_CHECK(f);
	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ(test, st.free_bytes, PG(32));
	KUNIT_EXPECT_EQ(test, st.largest_free, PG(32));
	KUNIT_EXPECT_EQ(test, st.nfree, 1);
	KUNIT_EXPECT_EQ(test, st.nextents, 0);
	KUNIT_EXPECT_EQ(test, st.nholders, 0);
}

static struct kunit_case fv_arena_cases[] = {
	KUNIT_CASE_PARAM(fv_arena_test_init_args, arena_gen_params),
	KUNIT_CASE(fv_arena_test_init_enomem),
	KUNIT_CASE(fv_arena_test_einval_before_enomem),
	KUNIT_CASE(fv_arena_test_independent),
	KUNIT_CASE(fv_arena_test_window_top),
	KUNIT_CASE(fv_arena_test_window_2p47),
	KUNIT_CASE(fv_arena_test_fill_and_empty),
	{}
};

static struct kunit_suite fv_arena_suite = {
	.name = "fv_arena",
	.suite_init = fvt_suite_init,
	.suite_exit = fvt_suite_exit,
	.init = fvt_case_init,
	.exit = fvt_case_exit,
	.test_cases = fv_arena_cases,
};

kunit_test_suites(&fv_arena_suite);
