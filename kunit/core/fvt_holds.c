// SPDX-License-Identifier: GPL-2.0
/*
 * fv_holds_all and fv_rights_cover, the driver's checks before it maps or
 * takes pages: every errno in order, rights 0 meaning "any", FV_OWNER
 * asked for, and the rule that nobody covers the owner.
 */
#include "fvt.h"

#define W	0x100000ULL

/*
 * Window of 16 pages:
 *   page   0 ........ 7 | 8 9 10 11 | 12 13 14 15
 *          u: d2 RWX    | r: d0 RW  | t: d0 R
 *                       |   d1 R on [9,11)
 * Offsets are relative to u, r, t, the window base, or r and t together.
 */
enum holds_rel { H_U, H_R, H_T, H_W, H_RT };

struct holds_case {
	const char *name;
	unsigned int dom;
	enum holds_rel rel;
	long off;		/* bytes */
	u64 len;
	u32 rights;
	int rc;
};

static const struct holds_case holds_cases[] = {
	{ "whole_range", 0, H_R, 0, PG(4), RW, 0 },
	{ "fewer_rights", 0, H_R, 0, PG(4), FV_READ, 0 },
	{ "any_rights", 0, H_R, 0, PG(4), 0, 0 },
	{ "one_page", 0, H_R, PG(1), PG(1), FV_WRITE, 0 },
	{ "owner_asked", 0, H_R, 0, PG(4), FV_OWNER, 0 },
	{ "owner_and_rights", 0, H_R, 0, PG(4), RW | FV_OWNER, 0 },
	{ "two_ranges", 0, H_RT, 0, PG(8), FV_READ | FV_OWNER, 0 },
	{ "grantee_part", 1, H_R, PG(1), PG(2), FV_READ, 0 },
	{ "grantee_any", 1, H_R, PG(1), PG(2), 0, 0 },
	{ "grantee_not_owner", 1, H_R, PG(1), PG(2), FV_OWNER, -EACCES },
	{ "grantee_read_owner", 1, H_R, PG(1), PG(1), FV_READ | FV_OWNER,
	  -EACCES },
	{ "read_only_range", 0, H_T, 0, PG(4), FV_READ, 0 },
	{ "write_on_read_only", 0, H_T, PG(3), PG(1), FV_WRITE, -EACCES },
	{ "exec_not_held", 0, H_R, 0, PG(4), RWX, -EACCES },
	{ "grantee_write", 1, H_R, PG(1), PG(2), RW, -EACCES },
	{ "write_on_one_range_only", 0, H_RT, 0, PG(8), RW, -EACCES },
	{ "into_another_domains_page", 0, H_U, PG(7), PG(2), FV_READ, -ENOENT },
	{ "held_in_the_middle_only", 1, H_R, 0, PG(4), FV_READ, -ENOENT },
	{ "grantee_past_end", 1, H_R, PG(2), PG(2), FV_READ, -ENOENT },
	{ "not_held_before_rights", 1, H_R, 0, PG(4), RWX, -ENOENT },
	{ "held_by_others_only", 2, H_R, 0, PG(4), FV_READ, -ENOENT },
	{ "unaligned_address", 0, H_R, 1, PG(1), FV_READ, -EINVAL },
	{ "unaligned_length", 0, H_R, 0, PG(1) + 1, FV_READ, -EINVAL },
	{ "zero_length", 0, H_R, 0, 0, FV_READ, -EINVAL },
	{ "starts_below_window", 0, H_W, -(long)PG(1), PG(2), FV_READ, -EINVAL },
	{ "ends_past_window", 0, H_W, PG(15), PG(2), FV_READ, -EINVAL },
	{ "after_window", 0, H_W, PG(16), PG(1), FV_READ, -EINVAL },
	{ "wraps_around", 0, H_W, 0, ~0xfffULL, FV_READ, -EINVAL },
	{ "bad_span_before_not_held", 2, H_R, 1, 0, FV_READ, -EINVAL },
};

static void holds_case_desc(const struct holds_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(holds, holds_cases, holds_case_desc);

static void holds_layout(struct fvt *f, u64 *u, u64 *r, u64 *t)
{
	struct kunit *test = f->test;

	fvt_setup(f, W, PG(16), 3);
	*u = FVT_ALLOC(f, 2, PG(8), PG(8), RWX);
	*r = FVT_ALLOC(f, 0, PG(4), 0, RW);
	*t = FVT_ALLOC(f, 0, PG(4), 0, FV_READ);
	KUNIT_ASSERT_EQ(test, *u, W);
	KUNIT_ASSERT_EQ(test, *t, *r + PG(4));
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], *r + PG(1),
				       PG(2), FV_READ), 0);
}

static void fv_holds_test_all(struct kunit *test)
{
	const struct holds_case *c = test->param_value;
	struct fvt *f = test->priv;
	u64 u, r, t, base;

	holds_layout(f, &u, &r, &t);
	base = c->rel == H_U ? u : c->rel == H_R || c->rel == H_RT ? r :
	       c->rel == H_T ? t : W;
	KUNIT_EXPECT_EQ(test, fv_holds_all(f->a, &f->d[c->dom],
					   base + (u64)c->off, c->len,
					   c->rights), c->rc);
}

struct cover_case {
	const char *name;
	unsigned int from, to;
	enum holds_rel rel;
	long off;
	u64 len;
	int rc;
};

/* On holds_layout() plus d1 RWX on u [4,8) (from d2) and d0 R on u. */
static const struct cover_case cover_cases[] = {
	{ "rw_covers_read", 0, 1, H_R, 0, PG(4), 1 },
	{ "nobody_covers_the_owner", 1, 0, H_R, PG(1), PG(2), 0 },
	{ "rwx_grantee_not_the_owner", 1, 2, H_U, PG(4), PG(4), 0 },
	{ "owner_covers_rwx_grantee", 2, 1, H_U, 0, PG(8), 1 },
	{ "owner_covers_read_grantee", 2, 0, H_U, 0, PG(8), 1 },
	{ "read_does_not_cover_rwx", 0, 1, H_U, PG(4), PG(4), 0 },
	{ "holding_nothing_covers_nothing", 1, 0, H_U, 0, PG(4), 0 },
	{ "nothing_to_cover", 1, 2, H_R, 0, PG(4), 1 },
	{ "stranger_covers_nothing", 2, 1, H_W, PG(8), PG(8), 0 },
	{ "vacuous_when_nothing_held", 0, 2, H_T, 0, PG(4), 1 },
	{ "equal_rights", 0, 0, H_R, 0, PG(4), 1 },
	{ "bad_span", 0, 1, H_R, 1, PG(1), -EINVAL },
	{ "zero_length", 0, 1, H_R, 0, 0, -EINVAL },
	{ "outside", 0, 1, H_W, PG(16), PG(1), -EINVAL },
	{ "wraps", 0, 1, H_W, 0, ~0xfffULL, -EINVAL },
};

static void cover_case_desc(const struct cover_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(cover, cover_cases, cover_case_desc);

/*
 * @from covers @to when it holds every page @to holds there, with at least
 * @to's rights, FV_OWNER included: a reader may not evict a writer, and
 * nobody evicts the owner (not even an RWX grantee).
 */
static void fv_holds_test_rights_cover(struct kunit *test)
{
	const struct cover_case *c = test->param_value;
	struct fvt *f = test->priv;
	u64 u, r, t, base;

	holds_layout(f, &u, &r, &t);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[2], &f->d[1], u + PG(4),
				       PG(4), RWX), 0);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[2], &f->d[0], u, PG(8),
				       FV_READ), 0);
	base = c->rel == H_U ? u : c->rel == H_R || c->rel == H_RT ? r :
	       c->rel == H_T ? t : W;
	KUNIT_EXPECT_EQ(test, fv_rights_cover(f->a, &f->d[c->from],
					      &f->d[c->to], base + (u64)c->off,
					      c->len), c->rc);
}

/*
 * Once the owner is gone nobody owns the pages: a grantee with the same
 * rights covers another, and FV_OWNER is held by none.
 */
static void fv_holds_test_owner_gone(struct kunit *test)
{
	struct fvt *f = test->priv;
	u64 a;

	fvt_setup(f, W, PG(8), 3);
	a = FVT_ALLOC(f, 0, PG(8), 0, RW);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], a, PG(8), RW),
			0);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[2], a, PG(8), RW),
			0);
	KUNIT_EXPECT_EQ(test, fv_rights_cover(f->a, &f->d[1], &f->d[0], a,
					      PG(8)), 0);
	KUNIT_EXPECT_EQ(test, fv_rights_cover(f->a, &f->d[1], &f->d[2], a,
					      PG(8)), 1);
	KUNIT_EXPECT_EQ(test, fvt_release(f, 0, a, PG(8)), 0);
	KUNIT_EXPECT_EQ(test, fv_rights_cover(f->a, &f->d[2], &f->d[1], a,
					      PG(8)), 1);
	KUNIT_EXPECT_EQ(test, fv_holds_all(f->a, &f->d[1], a, PG(8), FV_OWNER),
			-EACCES);
	KUNIT_EXPECT_EQ(test, fv_holds_all(f->a, &f->d[1], a, PG(8), RW), 0);
	FVT_CHECK(f);
}

static struct kunit_case fv_holds_cases[] = {
	KUNIT_CASE_PARAM(fv_holds_test_all, holds_gen_params),
	KUNIT_CASE_PARAM(fv_holds_test_rights_cover, cover_gen_params),
	KUNIT_CASE(fv_holds_test_owner_gone),
	{}
};

static struct kunit_suite fv_holds_suite = {
	.name = "fv_holds",
	.suite_init = fvt_suite_init,
	.suite_exit = fvt_suite_exit,
	.init = fvt_case_init,
	.exit = fvt_case_exit,
	.test_cases = fv_holds_cases,
};

kunit_test_suites(&fv_holds_suite);
