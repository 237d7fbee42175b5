// SPDX-License-Identifier: GPL-2.0
/*
 * fv_range_piece: the run of extents of one range around an address, over
 * extents with different holders, stopping at a neighbouring range and at
 * free space, a range in pieces after a release in its middle, and every
 * address that holds no range.
 */
#include "fvt.h"

#define W	0x100000ULL

/*
 * r (8 pages, d0 RW, d1 R on [2,4)) and t (8 pages, d0) tile the window;
 * d0 then releases r [3,6): page 3 stays with d1, so r is in two pieces:
 *   page   0 1 2 3 | 4 5 | 6 7 | t t t t t t t t
 *   before [ r: three extents, one piece  ] [ t ]
 *   after  [ r piece 0..4 ] free [ r 6..8 ] [ t ]
 */
static void fv_range_piece_test_pieces(struct kunit *test)
{
	struct fvt *f = test->priv;
	u64 r, t;

	fvt_setup(f, W, PG(16), 2);
	r = FVT_ALLOC(f, 0, PG(8), 0, RW);
	t = FVT_ALLOC(f, 0, PG(8), 0, RW);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], r + PG(2),
				       PG(2), FV_READ), 0);
	EXPECT_PIECE(f, r + PG(7) + 9, 0, r, PG(8));
	EXPECT_PIECE(f, r + PG(2), 0, r, PG(8));
	EXPECT_PIECE(f, t, 0, t, PG(8));
	EXPECT_PIECE(f, t + PG(8) - 1, 0, t, PG(8));
	KUNIT_EXPECT_EQ(test, fvt_release(f, 0, r + PG(3), PG(3)), 0);
	EXPECT_RELEASED(f, r + PG(4), PG(2));
	EXPECT_PIECE(f, r + PG(1), 0, r, PG(4));
	EXPECT_PIECE(f, r + PG(3), 0, r, PG(4));
	EXPECT_PIECE(f, r + PG(6), 0, r + PG(6), PG(2));
	EXPECT_PIECE(f, r + PG(7), 0, r + PG(6), PG(2));
	EXPECT_PIECE(f, r + PG(4), -ENOENT, 0, 0);
	EXPECT_PIECE(f, r + PG(5) + 1, -ENOENT, 0, 0);
	EXPECT_PIECE(f, W - 1, -ENOENT, 0, 0);
	EXPECT_PIECE(f, W + PG(16), -ENOENT, 0, 0);
	EXPECT_PIECE(f, 0, -ENOENT, 0, 0);
	EXPECT_PIECE(f, ~0ULL, -ENOENT, 0, 0);
	/* A new range in the hole is a piece of its own. */
	KUNIT_EXPECT_EQ(test, FVT_ALLOC(f, 1, PG(2), 0, RW), r + PG(4));
	EXPECT_PIECE(f, r + PG(4), 0, r + PG(4), PG(2));
	EXPECT_PIECE(f, r + PG(3), 0, r, PG(4));
	EXPECT_PIECE(f, r + PG(6), 0, r + PG(6), PG(2));
	FVT_CHECK(f);
}

/*
 * A piece spanning many leaves: a 300-page range held by d0, every other
 * page also by d1 (300 extents), between two other ranges.
 */
static void fv_range_piece_test_many_extents(struct kunit *test)
{
	struct fvt *f = test->priv;
	struct fv_stats st;
	unsigned int i;
	u64 l, r, h;

	fvt_setup(f, W, PG(512), 2);
	l = FVT_ALLOC(f, 1, PG(3), 0, RW);
	r = FVT_ALLOC(f, 0, PG(300), 0, RW);
	h = FVT_ALLOC(f, 1, PG(5), 0, RW);
	for (i = 0; i < 300; i += 2)
		KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1],
					       r + PG(i), PG(1), FV_READ), 0);
	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ(test, st.nextents, 302);
	KUNIT_EXPECT_GE(test, f->a->height, 1);
	for (i = 0; i < 300; i += 37)
		EXPECT_PIECE(f, r + PG(i), 0, r, PG(300));
	EXPECT_PIECE(f, r + PG(299), 0, r, PG(300));
	EXPECT_PIECE(f, l, 0, l, PG(3));
	EXPECT_PIECE(f, h + PG(4), 0, h, PG(5));
	FVT_CHECK(f);
}

static struct kunit_case fv_range_piece_cases[] = {
	KUNIT_CASE(fv_range_piece_test_pieces),
	KUNIT_CASE(fv_range_piece_test_many_extents),
	{}
};

static struct kunit_suite fv_range_piece_suite = {
	.name = "fv_range_piece",
	.suite_init = fvt_suite_init,
	.suite_exit = fvt_suite_exit,
	.init = fvt_case_init,
	.exit = fvt_case_exit,
	.test_cases = fv_range_piece_cases,
};

kunit_test_suites(&fv_range_piece_suite);
