// SPDX-License-Identifier: GPL-2.0
/*
 * fv_release and fv_release_nofail: partial releases at both ends and in
 * the middle, alone and shared, errors (state unchanged), shared pages
 * that stay, runs reported with their range ids and exactly once,
 * coalescing with free neighbours in every order, the owner leaving before
 * a grantee, and the nofail variant cutting extents with no memory.
 */
#include "fvt.h"

#define W	0x100000ULL

/*
 * Three ranges of 8 pages tile a 24-page window; the middle one is kept
 * (d0, RW) and the other two released, so it has free neighbours:
 *   | free 8 | d0 RW 8 | free 8 |
 */
static u64 middle_range(struct fvt *f)
{
	struct kunit *test = f->test;
	unsigned int i;

	fvt_setup(f, W, PG(24), 3);
	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_EQ(test, FVT_ALLOC(f, 0, PG(8), 0, RW), W + PG(8 * i));
	KUNIT_ASSERT_EQ(test, fvt_release(f, 0, W, PG(8)), 0);
	KUNIT_ASSERT_EQ(test, fvt_release(f, 0, W + PG(16), PG(8)), 0);
	return W + PG(8);
}

/* Look-ups of the 8 pages of range @a against the mask of pages held. */
static void expect_held(struct fvt *f, u64 a, unsigned int held, int line)
{
	unsigned int p, s, e;

	for (p = 0; p < 8; p++) {
		if (!(held & (1u << p))) {
			fvt_expect_lookup(f, a + PG(p), -ENOENT, 0, 0, 0, 0,
					  line);
			continue;
		}
		s = p;
		e = p;
		while (s > 0 && (held & (1u << (s - 1))))
			s--;
		while (e < 7 && (held & (1u << (e + 1))))
			e++;
		fvt_expect_lookup(f, a + PG(p) + 5, 0, a, a + PG(s),
				  PG(e - s + 1), 1, line);
	}
}

struct steps_case {
	const char *name;
	unsigned int nsteps;
	struct {
		int start, len;		/* pages, relative to the range */
		int rc;
	} step[3];
};

static const struct steps_case steps_cases[] = {
	{ "first_page", 1, { { 0, 1, 0 } } },
	{ "last_page", 1, { { 7, 1, 0 } } },
	{ "middle", 1, { { 3, 2, 0 } } },
	{ "whole", 1, { { 0, 8, 0 } } },
	{ "two_halves", 2, { { 0, 4, 0 }, { 4, 4, 0 } } },
	{ "holes_then_between", 3, { { 2, 1, 0 }, { 5, 1, 0 }, { 3, 2, 0 } } },
	{ "middle_then_ends", 3, { { 1, 6, 0 }, { 0, 1, 0 }, { 7, 1, 0 } } },
	{ "spans_into_free_space", 2, { { 6, 4, 0 }, { -3, 4, 0 } } },
	{ "twice", 2, { { 2, 2, 0 }, { 2, 2, -ENOENT } } },
	{ "free_neighbours", 2, { { -8, 8, -ENOENT }, { 8, 8, -ENOENT } } },
	{ "whole_window", 1, { { -8, 24, 0 } } },
};

static void steps_case_desc(const struct steps_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(steps, steps_cases, steps_case_desc);

/* Free runs of the 24-page window when the middle range holds @held. */
static unsigned int free_runs(unsigned int held)
{
	u32 map = ~(held << 8) & 0xffffff;
	unsigned int p, n = 0;

	for (p = 0; p < 24; p++)
		if ((map >> p & 1) && (!p || !(map >> (p - 1) & 1)))
			n++;
	return n;
}

/* Steps of releases of d0's middle range; pages reported exactly once. */
static void fv_release_test_steps(struct kunit *test)
{
	const struct steps_case *c = test->param_value;
	struct fvt *f = test->priv;
	unsigned int held = 0xff, s, mask;
	struct fv_stats st;
	u64 a = middle_range(f);
	int p, st0, len;

	for (s = 0; s < c->nsteps; s++) {
		st0 = c->step[s].start;
		len = c->step[s].len;
		mask = 0;
		for (p = st0; p < st0 + len; p++)
			if (p >= 0 && p < 8)
				mask |= 1u << p;
		KUNIT_EXPECT_EQ_MSG(test, fvt_release(f, 0, a + (u64)((long)st0 *
								      4096),
						      PG(len)),
				    c->step[s].rc, "step %u", s);
		KUNIT_EXPECT_EQ_MSG(test, fvt_released_bytes(f),
				    PG(hweight32(mask & held)), "step %u", s);
		for (p = 0; p < 8; p++) {
			KUNIT_EXPECT_EQ_MSG(test, fvt_released_has(f, a + PG(p)),
					    !!(mask & held & (1u << p)),
					    "step %u page %d", s, p);
		}
		for (p = 0; p < (int)f->nruns; p++)
			KUNIT_EXPECT_EQ(test, f->runs[p].range,
					fvt_range_id(f, a));
		held &= ~mask;
		expect_held(f, a, held, __LINE__);
		FVT_CHECK(f);
	}
	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ(test, st.free_bytes, PG(24 - hweight32(held)));
	KUNIT_EXPECT_EQ(test, st.nfree, free_runs(held));
}

struct partial_case {
	const char *name;
	u64 first, npages;	/* pages from the range's base */
	bool shared;		/* d1 holds the whole range too */
};

static const struct partial_case partial_cases[] = {
	{ "head", 0, 2, false },
	{ "tail", 6, 2, false },
	{ "middle", 3, 2, false },
	{ "one_page_middle", 4, 1, false },
	{ "whole", 0, 8, false },
	{ "head_shared", 0, 2, true },
	{ "tail_shared", 6, 2, true },
	{ "middle_shared", 3, 2, true },
	{ "whole_shared", 0, 8, true },
};

static void partial_case_desc(const struct partial_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(partial, partial_cases, partial_case_desc);

/*
 * d0 releases part of its 8-page range (shared whole with d1 or not):
 * rights and look-ups per page, what is left as range pieces, then
 * everything goes when both domains are released.
 */
static void fv_release_test_partial(struct kunit *test)
{
	const struct partial_case *c = test->param_value;
	u64 end = c->first + c->npages, a, p;
	struct fvt *f = test->priv;
	struct fv_stats st;
	bool dropped;

	fvt_setup(f, W, PG(32), 2);
	a = FVT_ALLOC(f, 0, PG(8), 0, RW);
	if (c->shared)
		KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], a,
					       PG(8), FV_READ), 0);
	KUNIT_ASSERT_EQ(test, fvt_release(f, 0, a + PG(c->first),
					  PG(c->npages)), 0);
	FVT_CHECK(f);
	if (c->shared)
		KUNIT_EXPECT_EQ(test, f->nruns, 0);
	else
		EXPECT_RELEASED(f, a + PG(c->first), PG(c->npages));
	KUNIT_EXPECT_EQ(test, f->d[0].npages, 8 - c->npages);
	for (p = 0; p < 8; p++) {
		dropped = p >= c->first && p < end;
		EXPECT_RIGHTS(f, 0, a + PG(p), dropped ? -ENOENT : 0,
			      RW | FV_OWNER);
		if (c->shared)
			EXPECT_RIGHTS(f, 1, a + PG(p), 0, FV_READ);
		else if (dropped)
			EXPECT_LOOKUP(f, a + PG(p), -ENOENT, 0, 0, 0, 0);
	}
	if (c->shared) {
		EXPECT_PIECE(f, a, 0, a, PG(8));
	} else {
		if (c->first)
			EXPECT_PIECE(f, a, 0, a, PG(c->first));
		if (end < 8)
			EXPECT_PIECE(f, a + PG(7), 0, a + PG(end), PG(8 - end));
	}
	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ(test, st.free_bytes,
			PG(24 + (c->shared ? 0 : c->npages)));
	fvt_release_all(f, 0);
	fvt_release_all(f, 1);
	fvt_register(f, 0);
	fvt_register(f, 1);
	FVT_CHECK(f);
	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ(test, st.nfree, 1);
	KUNIT_EXPECT_EQ(test, st.largest_free, PG(32));
}

struct error_case {
	const char *name;
	long off;		/* bytes, relative to the window base */
	u64 len;
	unsigned int dom;
	int rc;
};

static const struct error_case error_cases[] = {
	{ "unaligned_address", PG(8) + 1, PG(1), 0, -EINVAL },
	{ "half_page_address", PG(8) + 0x800, PG(1), 0, -EINVAL },
	{ "zero_length", PG(8), 0, 0, -EINVAL },
	{ "one_byte", PG(8), 1, 0, -EINVAL },
	{ "unaligned_length", PG(8), PG(1) + 0x800, 0, -EINVAL },
	{ "starts_below_window", -(long)PG(1), PG(2), 0, -EINVAL },
	{ "below_window", -(long)PG(1), PG(1), 0, -EINVAL },
	{ "ends_past_window", PG(23), PG(2), 0, -EINVAL },
	{ "after_window", PG(24), PG(1), 0, -EINVAL },
	{ "wraps_around", PG(8), ~0xfffULL, 0, -EINVAL },
	{ "huge_length", 0, ~0ULL & ~(FV_PAGE_SIZE - 1), 0, -EINVAL },
	{ "bad_span_before_not_held", 1, 0, 2, -EINVAL },
	{ "free_pages", 0, PG(8), 0, -ENOENT },
	{ "holds_nothing_at_all", 0, PG(24), 2, -ENOENT },
	{ "only_others_hold_it", PG(8), PG(8), 1, -ENOENT },
	{ "free_pages_other_domain", PG(16), PG(8), 1, -ENOENT },
};

static void error_case_desc(const struct error_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(error, error_cases, error_case_desc);

static void fv_release_test_errors(struct kunit *test)
{
	const struct error_case *c = test->param_value;
	struct fvt_snap *before, *after;
	struct fvt *f = test->priv;

	middle_range(f);
	before = fvt_snap_take(f);
	KUNIT_EXPECT_EQ(test, fvt_release(f, c->dom, W + (u64)c->off, c->len),
			c->rc);
	KUNIT_EXPECT_EQ(test, f->nruns, 0);
	after = fvt_snap_take(f);
	fvt_snap_expect_same(f, before, after, "a failed fv_release()",
			     __LINE__);
	FVT_CHECK(f);
}

/*
 * Pages another domain holds stay; only pages nobody holds are reported:
 *   page   0 1 2 3 4 5 6 7
 *   d0     RW whole
 *   d1     R whole
 *   d2         RW
 */
static void fv_release_test_shared(struct kunit *test)
{
	struct fvt *f = test->priv;
	u64 a = middle_range(f);

	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], a, PG(8),
				       FV_READ), 0);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[2], a + PG(2),
				       PG(2), RW), 0);
	/* d2 lets go of more than it holds: only its part goes. */
	KUNIT_EXPECT_EQ(test, fvt_release(f, 2, W, PG(24)), 0);
	KUNIT_EXPECT_EQ(test, f->nruns, 0);
	KUNIT_EXPECT_EQ(test, fvt_release(f, 2, a, PG(8)), -ENOENT);
	KUNIT_EXPECT_EQ(test, fvt_release(f, 0, a, PG(4)), 0);
	KUNIT_EXPECT_EQ(test, f->nruns, 0);
	EXPECT_LOOKUP(f, a, 0, a, a, PG(4), 1);
	EXPECT_LOOKUP(f, a + PG(4), 0, a, a + PG(4), PG(4), 2);
	EXPECT_RIGHTS(f, 0, a, -ENOENT, 0);
	EXPECT_RIGHTS(f, 1, a, 0, FV_READ);
	KUNIT_EXPECT_EQ(test, fvt_release(f, 1, a + PG(2), PG(4)), 0);
	EXPECT_RELEASED(f, a + PG(2), PG(2));
	EXPECT_LOOKUP(f, a + PG(1), 0, a, a, PG(2), 1);
	EXPECT_LOOKUP(f, a + PG(3), -ENOENT, 0, 0, 0, 0);
	EXPECT_LOOKUP(f, a + PG(4), 0, a, a + PG(4), PG(2), 1);
	EXPECT_LOOKUP(f, a + PG(6), 0, a, a + PG(6), PG(2), 2);
	FVT_CHECK(f);
}

/*
 * One release over several ranges, holes and holders:
 *   r0 [0,8) r1 [8,16) r2 [16,24), d0 RW; d1 R on r2 [0,2); r1 [2,4) gone
 *   d0 releases [4,20): r0 [4,8), r1 [0,2) and [4,8), r2 [2,4) are freed,
 *   r2 [0,2) stays with d1.
 */
static void fv_release_test_across_ranges(struct kunit *test)
{
	struct fvt *f = test->priv;
	u64 r[3];
	unsigned int i;

	fvt_setup(f, W, PG(24), 2);
	for (i = 0; i < 3; i++)
		r[i] = FVT_ALLOC(f, 0, PG(8), 0, RW);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], r[2], PG(2),
				       FV_READ), 0);
	KUNIT_ASSERT_EQ(test, fvt_release(f, 0, r[1] + PG(2), PG(2)), 0);
	KUNIT_EXPECT_EQ(test, fvt_release(f, 0, r[0] + PG(4), PG(16)), 0);
	KUNIT_EXPECT_EQ(test, fvt_released_bytes(f), PG(12));
	KUNIT_EXPECT_TRUE(test, fvt_released_has(f, r[0] + PG(4)));
	KUNIT_EXPECT_TRUE(test, fvt_released_has(f, r[1]));
	KUNIT_EXPECT_FALSE(test, fvt_released_has(f, r[1] + PG(2)));
	KUNIT_EXPECT_TRUE(test, fvt_released_has(f, r[1] + PG(7)));
	KUNIT_EXPECT_FALSE(test, fvt_released_has(f, r[2]));
	KUNIT_EXPECT_TRUE(test, fvt_released_has(f, r[2] + PG(3)));
	EXPECT_LOOKUP(f, r[0] + PG(3), 0, r[0], r[0], PG(4), 1);
	EXPECT_LOOKUP(f, r[2] + PG(1), 0, r[2], r[2], PG(2), 1);
	EXPECT_LOOKUP(f, r[2] + PG(4), 0, r[2], r[2] + PG(4), PG(4), 1);
	EXPECT_RIGHTS(f, 1, r[2], 0, FV_READ);
	FVT_CHECK(f);
}

/*
 * Each run reported names its range, once, in address order:
 *   | r0 4 | r1 4 | r2 4 |  released in one call -> 3 runs, ids r0 r1 r2
 */
static void fv_release_test_callback_names_range(struct kunit *test)
{
	struct fvt *f = test->priv;
	unsigned int i;
	u64 r[3];

	fvt_setup(f, W, PG(16), 2);
	for (i = 0; i < 3; i++)
		r[i] = FVT_ALLOC(f, 0, PG(4), 0, RW);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], r[1] + PG(1),
				       PG(1), FV_READ), 0);
	KUNIT_EXPECT_EQ(test, fvt_release(f, 0, r[0], PG(12)), 0);
	KUNIT_ASSERT_EQ(test, f->nruns, 4);
	KUNIT_EXPECT_EQ(test, f->runs[0].addr, r[0]);
	KUNIT_EXPECT_EQ(test, f->runs[0].len, PG(4));
	KUNIT_EXPECT_EQ(test, f->runs[0].range, fvt_range_id(f, r[0]));
	KUNIT_EXPECT_EQ(test, f->runs[1].addr, r[1]);
	KUNIT_EXPECT_EQ(test, f->runs[1].len, PG(1));
	KUNIT_EXPECT_EQ(test, f->runs[1].range, fvt_range_id(f, r[1]));
	KUNIT_EXPECT_EQ(test, f->runs[2].addr, r[1] + PG(2));
	KUNIT_EXPECT_EQ(test, f->runs[2].len, PG(2));
	KUNIT_EXPECT_EQ(test, f->runs[2].range, fvt_range_id(f, r[1]));
	KUNIT_EXPECT_EQ(test, f->runs[3].addr, r[2]);
	KUNIT_EXPECT_EQ(test, f->runs[3].len, PG(4));
	KUNIT_EXPECT_EQ(test, f->runs[3].range, fvt_range_id(f, r[2]));
	/* The last holder of r1's page: its own id again. */
	fvt_release_all(f, 1);
	KUNIT_ASSERT_EQ(test, f->nruns, 1);
	KUNIT_EXPECT_EQ(test, f->runs[0].range, fvt_range_id(f, r[1]));
	FVT_CHECK(f);
}

/*
 * The callback runs between changes: the tree is whole, the run is free
 * to a lock-free reader, what is not yet released is still there.
 */
struct cb_view {
	struct fvt *f;
	u64 end;		/* the end of the span being released */
	unsigned int calls;
	unsigned int bad;
};

static void view_cb(void *ctx, u64 addr, u64 len, u64 range)
{
	struct cb_view *v = ctx;
	struct fv_lookup_result r;

	v->calls++;
	if (fv_lookup(v->f->a, addr, &r) != -ENOENT ||
	    fv_lookup(v->f->a, addr + len - 1, &r) != -ENOENT)
		v->bad++;
	/* The next range is released after this one: still held. */
	if (addr + len < v->end && (fv_lookup(v->f->a, addr + len, &r) ||
				    r.range == range))
		v->bad++;
}

static void fv_release_test_callback_sees_whole_tree(struct kunit *test)
{
	struct fvt *f = test->priv;
	struct cb_view v = { .f = f };
	unsigned int i;

	fvt_setup(f, W, PG(256), 1);
	for (i = 0; i < 64; i++)
		FVT_ALLOC(f, 0, PG(4), 0, RW);
	v.end = W + PG(256);
	KUNIT_EXPECT_EQ(test, fv_release(f->a, &f->d[0], W, PG(256), view_cb,
					 &v), 0);
	KUNIT_EXPECT_EQ(test, v.calls, 64);
	KUNIT_EXPECT_EQ(test, v.bad, 0);
	FVT_CHECK(f);
}

/* Freed pages join their free neighbours, in any release order. */
static void fv_release_test_coalesce_orders(struct kunit *test)
{
	static const int orders[][3] = {
		{ 0, 1, 2 }, { 1, 0, 2 }, { 1, 2, 0 }, { 2, 0, 1 }, { 0, 2, 1 },
		{ 2, 1, 0 },
	};
	struct fvt *f = test->priv;
	struct fv_stats st;
	unsigned int o, i;
	u64 r[3];

	for (o = 0; o < ARRAY_SIZE(orders); o++) {
		fvt_setup(f, W, PG(12), 4);
		for (i = 0; i < 3; i++)
			r[i] = FVT_ALLOC(f, i, PG(4), 0, RW);
		for (i = 0; i < 3; i++) {
			KUNIT_ASSERT_EQ(test, fvt_release(f, orders[o][i],
							  r[orders[o][i]],
							  PG(4)), 0);
			EXPECT_RELEASED(f, r[orders[o][i]], PG(4));
			FVT_CHECK(f);
		}
		fv_stats(f->a, &st);
		KUNIT_EXPECT_EQ(test, st.nfree, 1);
		KUNIT_EXPECT_EQ(test, st.largest_free, PG(12));
		KUNIT_EXPECT_EQ(test, FVT_ALLOC(f, 3, PG(12), 0, RW), W);
	}
}

/*
 * A 12-page range released page by page from the left (the free run
 * grows), then from both ends towards the middle (two runs, then one).
 */
static void fv_release_test_coalesce_pages(struct kunit *test)
{
	struct fvt *f = test->priv;
	struct fv_stats st;
	unsigned int i;
	u64 a;

	fvt_setup(f, W, PG(12), 1);
	a = FVT_ALLOC(f, 0, PG(12), 0, RW);
	for (i = 0; i < 12; i++) {
		KUNIT_EXPECT_EQ(test, fvt_release(f, 0, a + PG(i), PG(1)), 0);
		EXPECT_RELEASED(f, a + PG(i), PG(1));
		fv_stats(f->a, &st);
		KUNIT_EXPECT_EQ_MSG(test, st.nfree, 1, "step %u", i);
		KUNIT_EXPECT_EQ_MSG(test, st.largest_free, PG(i + 1), "step %u",
				    i);
	}
	a = FVT_ALLOC(f, 0, PG(12), 0, RW);
	for (i = 0; i < 6; i++) {
		KUNIT_EXPECT_EQ(test, fvt_release(f, 0, a + PG(i), PG(1)), 0);
		KUNIT_EXPECT_EQ(test, fvt_release(f, 0, a + PG(11 - i), PG(1)),
				0);
		fv_stats(f->a, &st);
		KUNIT_EXPECT_EQ_MSG(test, st.nfree, i < 5 ? 2 : 1, "step %u", i);
	}
	FVT_CHECK(f);
}

/*
 * The owner goes, the grantee keeps its pages (a piece of the range,
 * under its id), hands one on, and then everything is freed.
 */
static void fv_release_test_owner_then_grantee(struct kunit *test)
{
	struct fvt *f = test->priv;
	u64 a;

	fvt_setup(f, W, PG(16), 3);
	a = FVT_ALLOC(f, 0, PG(8), 0, RW);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], a + PG(2),
				       PG(4), RW), 0);
	KUNIT_ASSERT_EQ(test, fvt_release(f, 0, a, PG(8)), 0);
	KUNIT_EXPECT_EQ(test, fvt_released_bytes(f), PG(4));
	EXPECT_LOOKUP(f, a + PG(3), 0, a, a + PG(2), PG(4), 1);
	EXPECT_PIECE(f, a + PG(5), 0, a + PG(2), PG(4));
	EXPECT_LOOKUP(f, a, -ENOENT, 0, 0, 0, 0);
	EXPECT_LOOKUP(f, a + PG(7), -ENOENT, 0, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, fv_share(f->a, &f->d[1], &f->d[2], a + PG(3),
				       PG(1), FV_READ), 0);
	FVT_CHECK(f);
	fvt_release_all(f, 1);
	KUNIT_EXPECT_EQ(test, fvt_released_bytes(f), PG(3));
	fvt_release_all(f, 2);
	EXPECT_RELEASED(f, a + PG(3), PG(1));
	FVT_CHECK(f);
}

/*
 * fv_release_nofail() (vm_ops->close) cuts extents even when no record can
 * be allocated the normal way; fv_release() fails there, unchanged.
 */
static void fv_release_test_nofail(struct kunit *test)
{
	struct fvt_snap *before, *after;
	struct fvt *f = test->priv;
	u64 a;

	fvt_setup(f, W, PG(32), 3);
	a = FVT_ALLOC(f, 0, PG(8), 0, RW);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], a, PG(8),
				       FV_READ), 0);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[2], a, PG(8),
				       FV_READ), 0);
	before = fvt_snap_take(f);
	fvt_fault_arm(0);
	KUNIT_EXPECT_EQ(test, fvt_release(f, 1, a + PG(3), PG(2)), -ENOMEM);
	fvt_fault_disarm();
	after = fvt_snap_take(f);
	fvt_snap_expect_same(f, before, after, "a failed fv_release()",
			     __LINE__);
	fvt_fault_arm(0);
	KUNIT_EXPECT_EQ(test, fv_release_nofail(f->a, &f->d[1], a + PG(3),
						PG(2), fvt_released, f), 0);
	KUNIT_EXPECT_EQ(test, fv_release_nofail(f->a, &f->d[1], a + PG(3),
						PG(2), fvt_released, f),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, fv_release_nofail(f->a, &f->d[1], a + 1, PG(2),
						fvt_released, f), -EINVAL);
	fvt_fault_disarm();
	KUNIT_EXPECT_EQ(test, f->nruns, 0);
	EXPECT_RIGHTS(f, 1, a + PG(3), -ENOENT, 0);
	EXPECT_RIGHTS(f, 1, a + PG(5), 0, FV_READ);
	EXPECT_LOOKUP(f, a + PG(3), 0, a, a + PG(3), PG(2), 2);
	/* The last holders go with no memory either: the pages are freed. */
	fvt_fault_arm(0);
	KUNIT_EXPECT_EQ(test, fv_release_nofail(f->a, &f->d[0], a + PG(1),
						PG(6), fvt_released, f), 0);
	KUNIT_EXPECT_EQ(test, fv_release_nofail(f->a, &f->d[2], a + PG(2),
						PG(2), fvt_released, f), 0);
	fvt_fault_disarm();
	EXPECT_RELEASED(f, a + PG(3), PG(1));
	FVT_CHECK(f);
}

static struct kunit_case fv_release_cases[] = {
	KUNIT_CASE_PARAM(fv_release_test_steps, steps_gen_params),
	KUNIT_CASE_PARAM(fv_release_test_partial, partial_gen_params),
	KUNIT_CASE_PARAM(fv_release_test_errors, error_gen_params),
	KUNIT_CASE(fv_release_test_shared),
	KUNIT_CASE(fv_release_test_across_ranges),
	KUNIT_CASE(fv_release_test_callback_names_range),
	KUNIT_CASE(fv_release_test_callback_sees_whole_tree),
	KUNIT_CASE(fv_release_test_coalesce_orders),
	KUNIT_CASE(fv_release_test_coalesce_pages),
	KUNIT_CASE(fv_release_test_owner_then_grantee),
	KUNIT_CASE(fv_release_test_nofail),
	{}
};

static struct kunit_suite fv_release_suite = {
	.name = "fv_release",
	.suite_init = fvt_suite_init,
	.suite_exit = fvt_suite_exit,
	.init = fvt_case_init,
	.exit = fvt_case_exit,
	.test_cases = fv_release_cases,
};

kunit_test_suites(&fv_release_suite);
