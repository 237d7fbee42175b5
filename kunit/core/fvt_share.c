// SPDX-License-Identifier: GPL-2.0
/*
 * fv_share: every error in the documented order, FV_OWNER never given,
 * rights subsets, pages with mixed rights, canonical extents (split where
 * holders differ, merged back when they agree), many holders, overlapping
 * parts, and two ranges told apart though one reuses the other's address.
 */
#include "fvt.h"

#define W	0x100000ULL

/*
 * Window of 16 pages tiled by range A (8 pages, d0 RW) and range B
 * (8 pages, d0 R), A first:
 *
 *   page   0 1 2 3 4 5 6 7 | 8 9 ...               15
 *   A/B    A A A A A A A A | B B B B B B B B
 *   d1         R R R R
 *   d3                   R | R
 *   d2     (nothing)
 */
enum share_rel { AT_A, AT_B, AT_W };

struct share_case {
	const char *name;
	unsigned int from, to;
	enum share_rel rel;
	long off;		/* pages */
	u64 len;		/* bytes */
	u32 rights;
	int rc;
};

static const struct share_case share_cases[] = {
	{ "unaligned_length", 0, 2, AT_A, 0, 1, FV_READ, -EINVAL },
	{ "zero_length", 0, 2, AT_A, 0, 0, FV_READ, -EINVAL },
	{ "half_a_page", 0, 2, AT_A, 0, 0x800, FV_READ, -EINVAL },
	{ "page_and_a_byte", 0, 2, AT_A, 0, PG(1) + 1, FV_READ, -EINVAL },
	{ "starts_below_window", 0, 2, AT_W, -1, PG(2), FV_READ, -EINVAL },
	{ "ends_past_window", 0, 2, AT_W, 15, PG(2), FV_READ, -EINVAL },
	{ "after_window", 0, 2, AT_W, 16, PG(1), FV_READ, -EINVAL },
	{ "wraps_around", 0, 2, AT_W, 0, ~0xfffULL, FV_READ, -EINVAL },
	{ "no_rights", 0, 2, AT_A, 0, PG(1), 0, -EINVAL },
	{ "owner_right", 0, 2, AT_A, 0, PG(1), FV_OWNER, -EINVAL },
	{ "read_and_owner", 0, 2, AT_A, 0, PG(1), FV_READ | FV_OWNER, -EINVAL },
	{ "all_and_owner", 0, 2, AT_A, 0, PG(8), RWX | FV_OWNER, -EINVAL },
	{ "grantee_gives_owner", 1, 2, AT_A, 2, PG(1), FV_READ | FV_OWNER,
	  -EINVAL },
	{ "unknown_right", 0, 2, AT_A, 0, PG(1), FV_READ | 0x100, -EINVAL },
	{ "to_itself", 0, 0, AT_A, 0, PG(1), FV_READ, -EINVAL },
	{ "to_itself_holding_nothing", 2, 2, AT_A, 0, PG(1), FV_READ,
	  -EINVAL },
	{ "bad_rights_before_not_held", 2, 1, AT_A, 0, PG(1), 0, -EINVAL },
	{ "bad_span_before_not_held", 2, 1, AT_A, 0, 1, FV_READ, -EINVAL },
	{ "from_holds_nothing", 2, 1, AT_A, 0, PG(1), FV_READ, -ENOENT },
	{ "from_holds_part", 1, 2, AT_A, 0, PG(4), FV_READ, -ENOENT },
	{ "from_holds_first_page", 1, 2, AT_A, 5, PG(2), FV_READ, -ENOENT },
	{ "not_held_before_crossing", 1, 2, AT_B, -1, PG(2), FV_READ, -ENOENT },
	{ "not_held_before_rights", 1, 2, AT_A, 1, PG(2), RW, -ENOENT },
	{ "not_held_before_held", 1, 0, AT_A, 1, PG(2), FV_READ, -ENOENT },
	{ "crosses_two_ranges", 0, 2, AT_B, -1, PG(2), FV_READ, -EINVAL },
	{ "covers_two_ranges", 0, 2, AT_A, 0, PG(16), FV_READ, -EINVAL },
	{ "crossing_before_rights", 0, 2, AT_B, -1, PG(2), RW, -EINVAL },
	{ "crossing_from_grantee", 3, 2, AT_B, -1, PG(2), FV_READ, -EINVAL },
	{ "crossing_before_rights_d3", 3, 2, AT_B, -1, PG(2), RWX, -EINVAL },
	{ "crossing_before_held", 0, 3, AT_B, -1, PG(2), FV_READ, -EINVAL },
	{ "rights_exceed", 1, 2, AT_A, 2, PG(4), RW, -EACCES },
	{ "other_right", 1, 2, AT_A, 2, PG(1), FV_EXEC, -EACCES },
	{ "write_on_read_only", 0, 2, AT_B, 0, PG(8), FV_WRITE, -EACCES },
	{ "exec_on_rw", 0, 2, AT_A, 0, PG(1), RWX, -EACCES },
	{ "rights_before_held", 1, 0, AT_A, 2, PG(4), RW, -EACCES },
	{ "to_holds_all", 1, 0, AT_A, 2, PG(4), FV_READ, -EEXIST },
	{ "to_holds_last_page", 0, 1, AT_A, 0, PG(3), FV_READ, -EEXIST },
	{ "to_holds_first_page", 0, 1, AT_A, 5, PG(3), FV_READ, -EEXIST },
	{ "to_holds_middle", 0, 1, AT_A, 0, PG(8), FV_READ, -EEXIST },
	{ "to_holds_one_page", 0, 3, AT_B, 0, PG(8), FV_READ, -EEXIST },
	{ "ok_part", 0, 2, AT_A, 1, PG(2), FV_READ, 0 },
	{ "ok_whole", 0, 2, AT_A, 0, PG(8), RW, 0 },
	{ "ok_subset_of_read_only", 0, 2, AT_B, 0, PG(1), FV_READ, 0 },
	{ "ok_by_grantee", 1, 2, AT_A, 2, PG(2), FV_READ, 0 },
	{ "ok_by_grantee_across_extents", 3, 2, AT_A, 7, PG(1), FV_READ, 0 },
};

static void share_case_desc(const struct share_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(share, share_cases, share_case_desc);

static void share_layout(struct fvt *f, u64 *a, u64 *b)
{
	struct kunit *test = f->test;

	fvt_setup(f, W, PG(16), 4);
	*a = FVT_ALLOC(f, 0, PG(8), 0, RW);
	*b = FVT_ALLOC(f, 0, PG(8), 0, FV_READ);
	KUNIT_ASSERT_EQ(test, *a, W);
	KUNIT_ASSERT_EQ(test, *b, W + PG(8));
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], *a + PG(2),
				       PG(4), FV_READ), 0);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[3], *b - PG(1),
				       PG(1), FV_READ), 0);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[3], *b, PG(1),
				       FV_READ), 0);
	FVT_CHECK(f);
}

static void fv_share_test_args(struct kunit *test)
{
	const struct share_case *c = test->param_value;
	struct fvt_snap *before, *after;
	struct fvt *f = test->priv;
	u64 a, b, addr;
	u32 from_rights;
	int rc;

	share_layout(f, &a, &b);
	addr = (c->rel == AT_A ? a : c->rel == AT_B ? b : W) +
	       (u64)(c->off * (long)FV_PAGE_SIZE);
	before = fvt_snap_take(f);
	rc = fv_share(f->a, &f->d[c->from], &f->d[c->to], addr, c->len,
		      c->rights);
	KUNIT_EXPECT_EQ_MSG(test, rc, c->rc, "share d%u->d%u %#llx+%#llx rights %#x",
			    c->from, c->to, addr, c->len, c->rights);
	FVT_CHECK(f);
	if (rc) {
		after = fvt_snap_take(f);
		fvt_snap_expect_same(f, before, after, "a failed fv_share()",
				     __LINE__);
		fvt_snap_free(f, after);
		return;
	}
	/* @to holds the span with exactly @rights, @from keeps its own. */
	from_rights = c->from ? FV_READ : (c->rel == AT_A ? RW : FV_READ) |
		      FV_OWNER;
	KUNIT_EXPECT_EQ(test, fv_holds_all(f->a, &f->d[c->to], addr, c->len,
					   c->rights), 0);
	EXPECT_RIGHTS(f, c->to, addr, 0, c->rights);
	EXPECT_RIGHTS(f, c->to, addr + c->len - 1, 0, c->rights);
	EXPECT_RIGHTS(f, c->from, addr, 0, from_rights);
	KUNIT_EXPECT_EQ(test, f->d[c->to].npages, c->len >> FV_PAGE_SHIFT);
}

/*
 * FV_OWNER marks who allocated; shares pass on rights, never ownership:
 *   d0 allocates (RWX|OWNER) -> d1 gets RWX -> d2 gets RWX from d1
 */
static void fv_share_test_owner_never_given(struct kunit *test)
{
	struct fvt *f = test->priv;
	struct fv_stats st;
	u64 a;

	fvt_setup(f, W, PG(8), 3);
	a = FVT_ALLOC(f, 0, PG(8), 0, RWX);
	KUNIT_EXPECT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], a, PG(8),
				       RWX | FV_OWNER), -EINVAL);
	KUNIT_EXPECT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], a, PG(8),
				       FV_OWNER), -EINVAL);
	KUNIT_EXPECT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], a, PG(8),
				       RWX), 0);
	KUNIT_EXPECT_EQ(test, fv_share(f->a, &f->d[1], &f->d[2], a, PG(4),
				       RWX | FV_OWNER), -EINVAL);
	KUNIT_EXPECT_EQ(test, fv_share(f->a, &f->d[1], &f->d[2], a, PG(4),
				       RWX), 0);
	EXPECT_RIGHTS(f, 0, a, 0, RWX | FV_OWNER);
	EXPECT_RIGHTS(f, 1, a, 0, RWX);
	EXPECT_RIGHTS(f, 2, a, 0, RWX);
	KUNIT_EXPECT_EQ(test, fv_holds_all(f->a, &f->d[1], a, PG(8), FV_OWNER),
			-EACCES);
	/* The owner goes: the others keep their rights, nobody owns. */
	KUNIT_EXPECT_EQ(test, fvt_release(f, 0, a, PG(8)), 0);
	KUNIT_EXPECT_EQ(test, f->nruns, 0);
	EXPECT_RIGHTS(f, 1, a + PG(7), 0, RWX);
	KUNIT_EXPECT_EQ(test, fv_holds_all(f->a, &f->d[1], a, PG(8), RWX), 0);
	KUNIT_EXPECT_EQ(test, fv_holds_all(f->a, &f->d[2], a, PG(4),
					   FV_READ | FV_OWNER), -EACCES);
	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ(test, st.nextents, 2);
	KUNIT_EXPECT_EQ(test, st.nholders, 3);
	FVT_CHECK(f);
}

/* Every subset of RWX can be given, and given on from there. */
static void fv_share_test_rights_subsets(struct kunit *test)
{
	struct fvt *f = test->priv;
	u32 s, t;
	int want;
	u64 a;

	fvt_setup(f, W, PG(4), 9);
	a = FVT_ALLOC(f, 0, PG(2), 0, RWX);
	for (s = 1; s <= RWX; s++) {
		KUNIT_EXPECT_EQ(test, fv_share(f->a, &f->d[0], &f->d[s], a,
					       PG(2), s), 0);
		EXPECT_RIGHTS(f, s, a + PG(1), 0, s);
	}
	EXPECT_LOOKUP(f, a, 0, a, a, PG(2), 8);
	for (s = 1; s <= RWX; s++) {
		for (t = 1; t <= RWX; t++) {
			want = (t & ~s) ? -EACCES : 0;
			KUNIT_EXPECT_EQ(test, fv_holds_all(f->a, &f->d[s], a,
							   PG(2), t), want);
			KUNIT_EXPECT_EQ(test, fv_share(f->a, &f->d[s], &f->d[8],
						       a, PG(2), t), want);
			if (want)
				continue;
			EXPECT_RIGHTS(f, 8, a, 0, t);
			KUNIT_EXPECT_EQ(test, fvt_release(f, 8, a, PG(2)), 0);
			KUNIT_EXPECT_EQ(test, f->nruns, 0);
		}
	}
	FVT_CHECK(f);
}

/*
 * Extents follow rights, not just domains:
 *   page   0 1 | 2 3 | 4 5 | 6 7
 *   d0     RWX owner on all
 *   d1     R     R   | RW    RW
 *   d2           R     R
 */
static void fv_share_test_mixed_rights(struct kunit *test)
{
	struct fvt *f = test->priv;
	u64 a;

	fvt_setup(f, W, PG(8), 3);
	a = FVT_ALLOC(f, 0, PG(8), 0, RWX);
	KUNIT_EXPECT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], a, PG(4),
				       FV_READ), 0);
	KUNIT_EXPECT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], a + PG(4),
				       PG(4), RW), 0);
	EXPECT_LOOKUP(f, a + PG(3), 0, a, a, PG(4), 2);
	EXPECT_LOOKUP(f, a + PG(4), 0, a, a + PG(4), PG(4), 2);
	KUNIT_EXPECT_EQ(test, fv_holds_all(f->a, &f->d[1], a, PG(8), FV_READ),
			0);
	KUNIT_EXPECT_EQ(test, fv_holds_all(f->a, &f->d[1], a, PG(8), RW),
			-EACCES);
	KUNIT_EXPECT_EQ(test, fv_holds_all(f->a, &f->d[1], a + PG(4), PG(4),
					   RW), 0);
	KUNIT_EXPECT_EQ(test, fv_share(f->a, &f->d[1], &f->d[2], a + PG(2),
				       PG(4), RW), -EACCES);
	KUNIT_EXPECT_EQ(test, fv_share(f->a, &f->d[1], &f->d[2], a + PG(2),
				       PG(4), FV_READ), 0);
	EXPECT_LOOKUP(f, a + PG(1), 0, a, a, PG(2), 2);
	EXPECT_LOOKUP(f, a + PG(2), 0, a, a + PG(2), PG(2), 3);
	EXPECT_LOOKUP(f, a + PG(5), 0, a, a + PG(4), PG(2), 3);
	EXPECT_LOOKUP(f, a + PG(7), 0, a, a + PG(6), PG(2), 2);
	EXPECT_RIGHTS(f, 1, a + PG(5), 0, RW);
	EXPECT_RIGHTS(f, 2, a + PG(5), 0, FV_READ);
	EXPECT_RIGHTS(f, 2, a + PG(6), -ENOENT, 0);
	KUNIT_EXPECT_EQ(test, fv_holds_all(f->a, &f->d[2], a, PG(8), FV_READ),
			-ENOENT);
	FVT_CHECK(f);
}

/*
 * Holder sets that become equal again merge back into one extent:
 *   d1 R on [0,4) and [4,8)      -> one extent of 2 holders
 *   d1 lets go of [2,6)          -> [0,2) [2,6) [6,8)
 *   d1 R on [2,6) again          -> one extent
 *   d0 lets go of all            -> one extent, d1 alone
 */
static void fv_share_test_canonical(struct kunit *test)
{
	struct fvt *f = test->priv;
	struct fv_stats st;
	u64 a;

	fvt_setup(f, W, PG(8), 2);
	a = FVT_ALLOC(f, 0, PG(8), 0, RW);
	KUNIT_EXPECT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], a, PG(4),
				       FV_READ), 0);
	KUNIT_EXPECT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], a + PG(4),
				       PG(4), FV_READ), 0);
	EXPECT_LOOKUP(f, a + PG(5), 0, a, a, PG(8), 2);
	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ(test, st.nextents, 1);
	KUNIT_EXPECT_EQ(test, st.nholders, 2);
	KUNIT_EXPECT_EQ(test, f->d[1].nholds, 1);
	KUNIT_EXPECT_EQ(test, fvt_release(f, 1, a + PG(2), PG(4)), 0);
	KUNIT_EXPECT_EQ(test, f->nruns, 0);
	EXPECT_LOOKUP(f, a + PG(3), 0, a, a + PG(2), PG(4), 1);
	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ(test, st.nextents, 3);
	KUNIT_EXPECT_EQ(test, st.nholders, 5);
	KUNIT_EXPECT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], a + PG(2),
				       PG(4), FV_READ), 0);
	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ(test, st.nextents, 1);
	KUNIT_EXPECT_EQ(test, st.nholders, 2);
	KUNIT_EXPECT_EQ(test, fvt_release(f, 0, a, PG(8)), 0);
	KUNIT_EXPECT_EQ(test, f->nruns, 0);
	EXPECT_LOOKUP(f, a, 0, a, a, PG(8), 1);
	EXPECT_RIGHTS(f, 0, a, -ENOENT, 0);
	FVT_CHECK(f);
	fvt_release_all(f, 1);
	EXPECT_RELEASED(f, a, PG(8));
}

/*
 * Split where holder sets differ, merge back when equal; still one range:
 *   d1 R on [2,4)                 -> [0,2) [2,4) [4,8)
 *   d1 R on [4,6) (same rights)   -> [0,2) [2,6) [6,8)
 *   d1 lets go                    -> [0,8)
 */
static void fv_share_test_split_and_merge(struct kunit *test)
{
	struct fvt *f = test->priv;
	struct fv_stats st;
	u64 a;

	fvt_setup(f, W, PG(16), 2);
	a = FVT_ALLOC(f, 0, PG(8), 0, RW);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], a + PG(2),
				       PG(2), FV_READ), 0);
	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ(test, st.nextents, 3);
	KUNIT_EXPECT_EQ(test, st.nholders, 4);
	EXPECT_LOOKUP(f, a + PG(3) + 5, 0, a, a + PG(2), PG(2), 2);
	EXPECT_LOOKUP(f, a + PG(5), 0, a, a + PG(4), PG(4), 1);
	EXPECT_PIECE(f, a + PG(7), 0, a, PG(8));
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], a + PG(4),
				       PG(2), FV_READ), 0);
	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ(test, st.nextents, 3);
	EXPECT_LOOKUP(f, a + PG(5), 0, a, a + PG(2), PG(4), 2);
	KUNIT_EXPECT_EQ(test, f->d[1].npages, 4);
	KUNIT_EXPECT_EQ(test, f->d[1].nholds, 1);
	KUNIT_ASSERT_EQ(test, fvt_release(f, 1, a, PG(8)), 0);
	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ(test, st.nextents, 1);
	KUNIT_EXPECT_EQ(test, st.nholders, 1);
	KUNIT_EXPECT_EQ(test, f->nruns, 0);
	KUNIT_EXPECT_EQ(test, f->d[1].npages, 0);
	KUNIT_EXPECT_EQ(test, f->d[1].nholds, 0);
	FVT_CHECK(f);
}

/* 64 domains hold one range whole; only the last release frees it. */
static void fv_share_test_many_holders(struct kunit *test)
{
	struct fvt *f = test->priv;
	unsigned int order[64], i, j, t;
	u64 seed = 7, a;

	fvt_setup(f, W, PG(64), 64);
	a = FVT_ALLOC(f, 0, PG(32), 0, RWX);
	for (i = 1; i < 64; i++)
		KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[i - 1], &f->d[i], a,
					       PG(32), i < 20 ? RWX : FV_READ),
				0);
	EXPECT_LOOKUP(f, a + PG(31), 0, a, a, PG(32), 64);
	FVT_CHECK(f);
	for (i = 0; i < 64; i++)
		order[i] = i;
	for (i = 63; i > 0; i--) {
		j = fvt_rand(&seed) % (i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < 64; i++) {
		KUNIT_EXPECT_EQ(test, fvt_release(f, order[i], a, PG(32)), 0);
		if (i < 63) {
			KUNIT_EXPECT_EQ(test, f->nruns, 0);
			EXPECT_LOOKUP(f, a, 0, a, a, PG(32), 63 - i);
		} else {
			EXPECT_RELEASED(f, a, PG(32));
		}
		KUNIT_EXPECT_EQ(test, fvt_release(f, order[i], a, PG(32)),
				-ENOENT);
		if (i % 8 == 0)
			FVT_CHECK(f);
	}
	FVT_CHECK(f);
}

/* The holders of page @p while domains order[i..] hold [d, d + 16). */
static u64 parts_sig(const unsigned int *order, unsigned int i,
		     unsigned int n, unsigned int p)
{
	u64 sig = 0;

	for (; i < n; i++)
		if (p >= order[i] && p < order[i] + 16)
			sig |= (u64)1 << order[i];
	return sig;
}

/*
 * 40 domains each hold 16 pages from page d of one 64-page range: extents
 * and holder counts, computed page by page, as the domains leave in a
 * random order.
 */
static void fv_share_test_many_parts(struct kunit *test)
{
	enum { N = 64, D = 41 };
	unsigned int order[D - 1], i, j, t, d, p, s, e;
	struct fvt *f = test->priv;
	u64 seed = 11, sig[N], a;

	fvt_setup(f, W, PG(N), D);
	a = FVT_ALLOC(f, 0, PG(N), 0, RWX);
	for (d = 1; d < D; d++)
		KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[d],
					       a + PG(d),
					       PG(d + 16 < N ? 16 : N - d),
					       (d % 7) + 1), 0);
	for (i = 0; i < D - 1; i++)
		order[i] = i + 1;
	for (i = D - 2; i > 0; i--) {
		j = fvt_rand(&seed) % (i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i <= D - 1; i++) {
		FVT_CHECK(f);
		for (p = 0; p < N; p++)
			sig[p] = parts_sig(order, i, D - 1, p);
		for (p = 0; p < N; p++) {
			s = p;
			e = p;
			while (s > 0 && sig[s - 1] == sig[p])
				s--;
			while (e + 1 < N && sig[e + 1] == sig[p])
				e++;
			EXPECT_LOOKUP(f, a + PG(p), 0, a, a + PG(s),
				      PG(e - s + 1), 1 + hweight64(sig[p]));
		}
		if (i == D - 1)
			break;
		fvt_release_all(f, order[i]);
		KUNIT_EXPECT_EQ(test, f->nruns, 0);
	}
	KUNIT_EXPECT_EQ(test, fvt_release(f, 0, a + PG(8), PG(8)), 0);
	EXPECT_RELEASED(f, a + PG(8), PG(8));
}

/*
 * A range keeps its id after its first page is released; a new range may
 * then start at that very address.  They stay two ranges: extents do not
 * merge across them and a share may not cross.
 */
static void fv_share_test_reused_base(struct kunit *test)
{
	struct fvt *f = test->priv;
	struct fv_lookup_result r;
	u64 a, b, old;

	fvt_setup(f, W, PG(4), 2);
	a = FVT_ALLOC(f, 0, PG(4), 0, RW);
	old = fvt_range_id(f, a);
	KUNIT_EXPECT_EQ(test, fvt_release(f, 0, a, PG(1)), 0);
	EXPECT_LOOKUP(f, a + PG(1), 0, a, a + PG(1), PG(3), 1);
	b = FVT_ALLOC(f, 0, PG(1), 0, RW);
	KUNIT_EXPECT_EQ(test, b, a);
	EXPECT_LOOKUP(f, b, 0, b, b, PG(1), 1);
	KUNIT_ASSERT_EQ(test, fv_lookup(f->a, a + PG(1), &r), 0);
	KUNIT_EXPECT_EQ(test, r.range, old);
	KUNIT_EXPECT_EQ(test, r.ext_start, a + PG(1));
	KUNIT_EXPECT_EQ(test, r.ext_len, PG(3));
	KUNIT_EXPECT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], a, PG(2),
				       FV_READ), -EINVAL);
	KUNIT_EXPECT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], a + PG(1),
				       PG(3), FV_READ), 0);
	KUNIT_EXPECT_EQ(test, fvt_release(f, 0, a, PG(4)), 0);
	EXPECT_RELEASED(f, a, PG(1));
	KUNIT_EXPECT_EQ(test, f->runs[0].range, fvt_range_id(f, b));
	FVT_CHECK(f);
}

/* Four holders of a 1 GiB range: one extent, four holds. */
static void fv_share_test_one_gib_range(struct kunit *test)
{
	struct fvt *f = test->priv;
	struct fv_stats st;
	unsigned int i;
	u64 a;

	fvt_setup(f, (u64)1 << 44, GIB, 4);
	a = FVT_ALLOC(f, 0, GIB, 0, RWX);
	for (i = 1; i < 4; i++)
		KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[i], a,
					       GIB, FV_READ), 0);
	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ(test, st.nextents, 1);
	KUNIT_EXPECT_EQ(test, st.nholders, 4);
	EXPECT_LOOKUP(f, a + GIB / 2, 0, a, a, GIB, 4);
	KUNIT_EXPECT_EQ(test, fv_holds_all(f->a, &f->d[3], a, GIB, FV_WRITE),
			-EACCES);
	FVT_CHECK(f);
}

static struct kunit_case fv_share_cases[] = {
	KUNIT_CASE_PARAM(fv_share_test_args, share_gen_params),
	KUNIT_CASE(fv_share_test_owner_never_given),
	KUNIT_CASE(fv_share_test_rights_subsets),
	KUNIT_CASE(fv_share_test_mixed_rights),
	KUNIT_CASE(fv_share_test_canonical),
	KUNIT_CASE(fv_share_test_split_and_merge),
	KUNIT_CASE(fv_share_test_many_holders),
	KUNIT_CASE(fv_share_test_many_parts),
	KUNIT_CASE(fv_share_test_reused_base),
	KUNIT_CASE(fv_share_test_one_gib_range),
	{}
};

static struct kunit_suite fv_share_suite = {
	.name = "fv_share",
	.suite_init = fvt_suite_init,
	.suite_exit = fvt_suite_exit,
	.init = fvt_case_init,
	.exit = fvt_case_exit,
	.test_cases = fv_share_cases,
};

kunit_test_suites(&fv_share_suite);
