// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for the flatvm allocator core.
 *
 * The core's own files (module/fv_*.c, fv_kmem.c included) are compiled
 * unchanged into this test module.  The suites cover every public operation
 * with its edge cases and errnos, failure atomicity under injected record
 * allocation failures, a random operation sequence checked page by page
 * against a model, and lockless lookups racing a writer.  fv_check() runs
 * after every step.
 *
 * Allocation failures come from fv_kmem.c's KUnit hook, fv_kmem_fail_after
 * (N more record allocations succeed, then all fail): deterministic, and
 * blind to allocations that are not the core's.  The suites run one at a
 * time at insmod, so the hook has a single user.
 */
#include <kunit/test.h>
#include <linux/kthread.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/bitmap.h>
#include <linux/atomic.h>

#include "fv_core.h"

/* A window aligned to more than any alignment the core accepts. */
#define FVT_BASE	BIT_ULL(44)
#define PG		FV_PAGE_SIZE
#define FVT_NDOM	4
#define RW		(FV_READ | FV_WRITE)
#define RWX		(FV_READ | FV_WRITE | FV_EXEC)

/**
 * struct fvt - the fixture of one test case: an arena and its domains.
 * @test:	the running test.
 * @a:		the arena (kunit-allocated).
 * @dom:	domains; dom[i] has id i + 1.
 * @arena_live:	@a is initialised and must be destroyed.
 * @dom_live:	dom[i] is registered and must be released.
 * @freed_pages: pages reported back by release callbacks.
 * @freed_runs:	number of callback calls.
 * @freed_map:	when set, one bit per window page, set by the callback.
 */
struct fvt {
	struct kunit *test;
	struct fv_arena *a;
	struct fv_domain dom[FVT_NDOM];
	bool arena_live;
	bool dom_live[FVT_NDOM];
	u64 freed_pages;
	unsigned int freed_runs;
	unsigned long *freed_map;
};

static void fvt_released(void *ctx, u64 addr, u64 len)
{
	struct fvt *f = ctx;
	struct kunit *test = f->test;
	u64 first = f->a->base, end = f->a->base + f->a->npages;
	u64 p;

	KUNIT_EXPECT_EQ(test, addr & (PG - 1), 0);
	KUNIT_EXPECT_EQ(test, len & (PG - 1), 0);
	KUNIT_EXPECT_GT(test, len, 0);
	KUNIT_EXPECT_GE(test, addr >> FV_PAGE_SHIFT, first);
	KUNIT_EXPECT_LE(test, (addr + len) >> FV_PAGE_SHIFT, end);
	f->freed_pages += len >> FV_PAGE_SHIFT;
	f->freed_runs++;
	if (!f->freed_map)
		return;
	for (p = addr >> FV_PAGE_SHIFT; p < (addr + len) >> FV_PAGE_SHIFT; p++) {
		KUNIT_EXPECT_FALSE_MSG(test, test_bit(p - first, f->freed_map),
				       "page %llx reported twice", p);
		__set_bit(p - first, f->freed_map);
	}
}

static void fvt_teardown(struct fvt *f)
{
	int i;

	for (i = 0; i < FVT_NDOM; i++) {
		if (f->dom_live[i])
			fv_domain_release_all(f->a, &f->dom[i], NULL, NULL);
		f->dom_live[i] = false;
	}
	if (f->arena_live)
		fv_arena_destroy(f->a);
	f->arena_live = false;
}

/* A fresh arena over [base, base + npages pages) with all domains. */
static void fvt_setup(struct fvt *f, u64 base, u64 npages)
{
	struct kunit *test = f->test;
	int i;

	fvt_teardown(f);
	memset(f->a, 0, sizeof(*f->a));
	KUNIT_ASSERT_EQ(test, fv_arena_init(f->a, base, npages * PG), 0);
	f->arena_live = true;
	for (i = 0; i < FVT_NDOM; i++) {
		fv_domain_init(f->a, &f->dom[i], i + 1);
		f->dom_live[i] = true;
	}
	f->freed_pages = 0;
	f->freed_runs = 0;
}

static void fvt_check(struct fvt *f)
{
	KUNIT_EXPECT_EQ_MSG(f->test, fv_check(f->a), 0, "fv_check");
}

static int fvt_init(struct kunit *test)
{
	struct fvt *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	f->a = kunit_kzalloc(test, sizeof(*f->a), GFP_KERNEL);
	if (!f->a)
		return -ENOMEM;
	f->test = test;
	test->priv = f;
	return 0;
}

static void fvt_exit(struct kunit *test)
{
	struct fvt *f = test->priv;

	fv_kmem_fail_after = -1;
	fvt_teardown(f);
}

static int fvt_suite_init(struct kunit_suite *suite)
{
	return fv_kmem_init();
}

static void fvt_suite_exit(struct kunit_suite *suite)
{
	fv_kmem_exit();
}

static u64 fvt_alloc(struct fvt *f, int d, u64 npages, u64 align, u32 rights)
{
	u64 addr = 0;

	KUNIT_ASSERT_EQ(f->test, fv_alloc(f->a, &f->dom[d], npages * PG, align,
					  rights, &addr), 0);
	fvt_check(f);
	return addr;
}

/* The id of the range holding @addr. */
static u64 fvt_range_id(struct fvt *f, u64 addr)
{
	struct fv_lookup_result res;

	KUNIT_EXPECT_EQ(f->test, fv_lookup(f->a, addr, &res), 0);
	return res.range;
}

/* Expect fv_range_piece(@addr) to be [@start, @start + @len). */
static void fvt_expect_piece(struct fvt *f, u64 addr, u64 start, u64 len)
{
	u64 s = 0, l = 0;

	KUNIT_EXPECT_EQ(f->test, fv_range_piece(f->a, addr, &s, &l), 0);
	KUNIT_EXPECT_EQ_MSG(f->test, s, start, "piece at %llx", addr);
	KUNIT_EXPECT_EQ_MSG(f->test, l, len, "piece at %llx", addr);
}

static void fvt_stats(struct fvt *f, struct fv_stats *st)
{
	memset(st, 0, sizeof(*st));
	fv_stats(f->a, st);
}

/* -------------------------------------------------------------------------
 * fv_arena: creation arguments and the empty arena.
 */

struct arena_case {
	const char *name;
	u64 base;
	u64 size;
	int err;
};

static const struct arena_case arena_cases[] = {
	{ "one_page", FVT_BASE, PG, 0 },
	{ "small", FVT_BASE, 64 * PG, 0 },
	{ "whole_47_bits", 0, 1ULL << FV_MAX_WINDOW_SHIFT, 0 },
	{ "zero_size", FVT_BASE, 0, -EINVAL },
	{ "unaligned_base", FVT_BASE + 8, 16 * PG, -EINVAL },
	{ "unaligned_size", FVT_BASE, 16 * PG + 1, -EINVAL },
	{ "sub_page_size", FVT_BASE, PG / 2, -EINVAL },
	{ "too_big", 0, (1ULL << FV_MAX_WINDOW_SHIFT) + PG, -EINVAL },
	{ "huge_size", 0, ~0ULL & ~(PG - 1), -EINVAL },
	{ "wraps", ~0ULL & ~(PG - 1), 2 * PG, -EINVAL },
};

static void arena_case_desc(const struct arena_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(arena, arena_cases, arena_case_desc);

static void fv_arena_test_init_args(struct kunit *test)
{
	const struct arena_case *c = test->param_value;
	struct fvt *f = test->priv;
	struct fv_lookup_result res;
	struct fv_stats st;
	int ret;

	ret = fv_arena_init(f->a, c->base, c->size);
	KUNIT_ASSERT_EQ(test, ret, c->err);
	if (ret)
		return;
	f->arena_live = true;
	fvt_check(f);
	fvt_stats(f, &st);
	KUNIT_EXPECT_EQ(test, st.window_bytes, c->size);
	KUNIT_EXPECT_EQ(test, st.free_bytes, c->size);
	KUNIT_EXPECT_EQ(test, st.largest_free, c->size);
	KUNIT_EXPECT_EQ(test, st.nfree, 1);
	KUNIT_EXPECT_EQ(test, st.nextents, 0);
	KUNIT_EXPECT_EQ(test, st.nholders, 0);
	KUNIT_EXPECT_EQ(test, st.ndomains, 0);
	KUNIT_EXPECT_EQ(test, fv_lookup(f->a, c->base, &res), -ENOENT);
	KUNIT_EXPECT_EQ(test, fv_lookup(f->a, c->base + c->size - 1, &res),
			-ENOENT);
}

/* The whole window in one allocation, then back. */
static void fv_arena_test_fill_and_empty(struct kunit *test)
{
	struct fvt *f = test->priv;
	struct fv_stats st;
	u64 addr, dummy;

	fvt_setup(f, FVT_BASE, 32);
	addr = fvt_alloc(f, 0, 32, 0, RW);
	KUNIT_EXPECT_EQ(test, addr, FVT_BASE);
	fvt_stats(f, &st);
	KUNIT_EXPECT_EQ(test, st.free_bytes, 0);
	KUNIT_EXPECT_EQ(test, st.largest_free, 0);
	KUNIT_EXPECT_EQ(test, st.nfree, 0);
	KUNIT_EXPECT_EQ(test, st.nextents, 1);
	KUNIT_EXPECT_EQ(test, fv_alloc(f->a, &f->dom[1], PG, 0, RW, &dummy),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, fv_release(f->a, &f->dom[0], addr, 32 * PG,
					 fvt_released, f), 0);
	KUNIT_EXPECT_EQ(test, f->freed_pages, 32);
	fvt_check(f);
	fvt_stats(f, &st);
	KUNIT_EXPECT_EQ(test, st.free_bytes, 32 * PG);
	KUNIT_EXPECT_EQ(test, st.nfree, 1);
	KUNIT_EXPECT_EQ(test, st.nextents, 0);
	KUNIT_EXPECT_EQ(test, st.nholders, 0);
}

/* Arenas do not share state. */
static void fv_arena_test_independent(struct kunit *test)
{
	struct fvt *f = test->priv;
	struct fv_arena *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	struct fv_domain db;
	struct fv_lookup_result res;
	u64 addr, addr_b;

	KUNIT_ASSERT_NOT_NULL(test, b);
	fvt_setup(f, FVT_BASE, 16);
	KUNIT_ASSERT_EQ(test, fv_arena_init(b, FVT_BASE, 16 * PG), 0);
	fv_domain_init(b, &db, 1);
	addr = fvt_alloc(f, 0, 4, 0, RW);
	KUNIT_EXPECT_EQ(test, fv_lookup(b, addr, &res), -ENOENT);
	KUNIT_EXPECT_EQ(test, fv_alloc(b, &db, 16 * PG, 0, FV_READ, &addr_b), 0);
	KUNIT_EXPECT_EQ(test, fv_check(b), 0);
	fvt_check(f);
	KUNIT_EXPECT_EQ(test, fv_lookup(f->a, addr, &res), 0);
	KUNIT_EXPECT_EQ(test, res.ext_start, addr);
	fv_domain_release_all(b, &db, NULL, NULL);
	KUNIT_EXPECT_EQ(test, fv_check(b), 0);
	fv_arena_destroy(b);
}

static struct kunit_case fv_arena_cases[] = {
	KUNIT_CASE_PARAM(fv_arena_test_init_args, arena_gen_params),
	KUNIT_CASE(fv_arena_test_fill_and_empty),
	KUNIT_CASE(fv_arena_test_independent),
	{}
};

static struct kunit_suite fv_arena_suite = {
	.name = "fv_arena",
	.suite_init = fvt_suite_init,
	.suite_exit = fvt_suite_exit,
	.init = fvt_init,
	.exit = fvt_exit,
	.test_cases = fv_arena_cases,
};

/* -------------------------------------------------------------------------
 * fv_alloc: argument validation, exhaustion, alignment.
 */

struct alloc_case {
	const char *name;
	u64 len;
	u64 align;
	u32 rights;
	int err;
};

/* Against a 64-page window at FVT_BASE. */
static const struct alloc_case alloc_cases[] = {
	{ "one_page", PG, 0, FV_READ, 0 },
	{ "whole_window", 64 * PG, 0, RWX, 0 },
	{ "page_align", 3 * PG, PG, RW, 0 },
	{ "align_16_pages", 5 * PG, 16 * PG, FV_WRITE, 0 },
	{ "align_1g", PG, 1ULL << FV_MAX_ALIGN_SHIFT, FV_EXEC, 0 },
	{ "zero_len", 0, 0, RW, -EINVAL },
	{ "unaligned_len", PG + 1, 0, RW, -EINVAL },
	{ "sub_page_len", 512, 0, RW, -EINVAL },
	{ "align_not_pow2", PG, 3 * PG, RW, -EINVAL },
	{ "align_below_page", PG, PG / 2, RW, -EINVAL },
	{ "align_one", PG, 1, RW, -EINVAL },
	{ "align_above_1g", PG, 1ULL << (FV_MAX_ALIGN_SHIFT + 1), RW, -EINVAL },
	{ "align_top_bit", PG, 1ULL << 63, RW, -EINVAL },
	{ "no_rights", PG, 0, 0, -EINVAL },
	{ "unknown_right", PG, 0, 0x8, -EINVAL },
	{ "all_bits_rights", PG, 0, ~0u, -EINVAL },
	{ "bad_args_before_nospc", 128 * PG, 0, 0, -EINVAL },
	{ "larger_than_window", 65 * PG, 0, RW, -ENOSPC },
	{ "huge_len", 1ULL << 60, 0, RW, -ENOSPC },
	{ "max_len", ~0ULL & ~(PG - 1), 0, RW, -ENOSPC },
	{ "max_len_max_align", ~0ULL & ~(PG - 1), 1ULL << FV_MAX_ALIGN_SHIFT,
	  RW, -ENOSPC },
};

static void alloc_case_desc(const struct alloc_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(alloc, alloc_cases, alloc_case_desc);

static void fv_alloc_test_args(struct kunit *test)
{
	const struct alloc_case *c = test->param_value;
	struct fvt *f = test->priv;
	struct fv_lookup_result res;
	struct fv_stats st;
	u64 addr = 0;
	u64 align = c->align ? c->align : PG;

	fvt_setup(f, FVT_BASE, 64);
	KUNIT_ASSERT_EQ(test, fv_alloc(f->a, &f->dom[0], c->len, c->align,
				       c->rights, &addr), c->err);
	fvt_check(f);
	fvt_stats(f, &st);
	if (c->err) {
		KUNIT_EXPECT_EQ(test, st.free_bytes, 64 * PG);
		KUNIT_EXPECT_EQ(test, f->dom[0].npages, 0);
		return;
	}
	KUNIT_EXPECT_EQ(test, addr & (align - 1), 0);
	KUNIT_EXPECT_GE(test, addr, FVT_BASE);
	KUNIT_EXPECT_LE(test, addr + c->len, FVT_BASE + 64 * PG);
	KUNIT_EXPECT_EQ(test, st.free_bytes, 64 * PG - c->len);
	KUNIT_EXPECT_EQ(test, f->dom[0].npages, c->len / PG);
	KUNIT_EXPECT_EQ(test, fv_rights(f->a, &f->dom[0], addr + c->len - 1,
					&res), 0);
	KUNIT_EXPECT_EQ(test, res.rights, c->rights);
	KUNIT_EXPECT_EQ(test, res.range, fvt_range_id(f, addr));
	KUNIT_EXPECT_EQ(test, res.ext_start, addr);
	KUNIT_EXPECT_EQ(test, res.ext_len, c->len);
	KUNIT_EXPECT_EQ(test, res.nholders, 1);
	KUNIT_EXPECT_EQ(test, fv_holds_all(f->a, &f->dom[0], addr, c->len,
					   c->rights), 0);
	fvt_expect_piece(f, addr + c->len / 2, addr, c->len);
}

/* Many small ranges: disjoint, inside the window, until -ENOSPC. */
static void fv_alloc_test_exhaustion(struct kunit *test)
{
	struct fvt *f = test->priv;
	unsigned long *used;
	u64 addr, p, n = 0;
	int ret;

	fvt_setup(f, FVT_BASE, 96);
	used = kunit_kzalloc(test, BITS_TO_LONGS(96) * sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, used);
	for (;;) {
		ret = fv_alloc(f->a, &f->dom[n % FVT_NDOM], 3 * PG, 0, RW, &addr);
		fvt_check(f);
		if (ret)
			break;
		KUNIT_ASSERT_GE(test, addr, FVT_BASE);
		KUNIT_ASSERT_LE(test, addr + 3 * PG, FVT_BASE + 96 * PG);
		for (p = 0; p < 3; p++) {
			u64 i = (addr - FVT_BASE) / PG + p;

			KUNIT_ASSERT_FALSE(test, test_bit(i, used));
			__set_bit(i, used);
		}
		n++;
	}
	KUNIT_EXPECT_EQ(test, ret, -ENOSPC);
	KUNIT_EXPECT_EQ(test, n, 32);
}

/*
 * An aligned request succeeds whenever an aligned free run fits, even when
 * no free run is as large as len + align - 1.  The window starts one page
 * below an 8-page boundary and holds 17 pages: one loose page, then exactly
 * two aligned 8-page slots.  Once one slot is taken, the largest free run is
 * the other slot, 8 pages: a search for 15 free pages would fail.
 */
static void fv_alloc_test_align_tight_fit(struct kunit *test)
{
	struct fvt *f = test->priv;
	u64 base = FVT_BASE + 7 * PG;
	u64 addr, dummy;

	fvt_setup(f, base, 17);
	addr = fvt_alloc(f, 0, 8, 8 * PG, RW);
	KUNIT_EXPECT_EQ(test, addr & (8 * PG - 1), 0);
	/* Then exactly one more aligned 8-page slot remains, at page 9. */
	addr = fvt_alloc(f, 1, 8, 8 * PG, RW);
	KUNIT_EXPECT_EQ(test, addr & (8 * PG - 1), 0);
	KUNIT_EXPECT_EQ(test, fv_alloc(f->a, &f->dom[2], 8 * PG, 8 * PG, RW,
				       &dummy), -ENOSPC);
	/* The page in front of the first boundary is still free. */
	addr = fvt_alloc(f, 2, 1, 0, RW);
	KUNIT_EXPECT_EQ(test, addr, base);
	KUNIT_EXPECT_EQ(test, fv_alloc(f->a, &f->dom[2], PG, 0, RW, &dummy),
			-ENOSPC);
}

/* An exact-size aligned hole between two ranges is found. */
static void fv_alloc_test_align_exact_hole(struct kunit *test)
{
	struct fvt *f = test->priv;
	u64 addr[4], hole;
	int i;

	fvt_setup(f, FVT_BASE, 16);
	for (i = 0; i < 4; i++)
		addr[i] = fvt_alloc(f, 0, 4, 4 * PG, RW);
	/* Free one 4-page slot in the middle of the full window. */
	hole = addr[2];
	KUNIT_ASSERT_EQ(test, fv_release(f->a, &f->dom[0], hole, 4 * PG,
					 fvt_released, f), 0);
	fvt_check(f);
	KUNIT_EXPECT_EQ(test, fvt_alloc(f, 1, 4, 4 * PG, FV_READ), hole);
}

static struct kunit_case fv_alloc_cases[] = {
	KUNIT_CASE_PARAM(fv_alloc_test_args, alloc_gen_params),
	KUNIT_CASE(fv_alloc_test_exhaustion),
	KUNIT_CASE(fv_alloc_test_align_tight_fit),
	KUNIT_CASE(fv_alloc_test_align_exact_hole),
	{}
};

static struct kunit_suite fv_alloc_suite = {
	.name = "fv_alloc",
	.suite_init = fvt_suite_init,
	.suite_exit = fvt_suite_exit,
	.init = fvt_init,
	.exit = fvt_exit,
	.test_cases = fv_alloc_cases,
};

/* -------------------------------------------------------------------------
 * fv_share: errnos in their documented order, extents split and merge.
 */

/* Where a span starts, resolved against the setup of fv_share_test_args. */
enum share_at {
	AT_ABS,		/* @off is an absolute address */
	AT_A,		/* range A (8 pages, dom 0 rw; dom 2 holds pages 2-3) */
	AT_B,		/* range B (8 pages, dom 0 r) */
	AT_SEAM,	/* last page of the lower of A and B */
};

struct share_case {
	const char *name;
	int from, to;
	enum share_at at;
	u64 off;	/* bytes from @at */
	u64 len;
	u32 rights;
	int err;
};

static const struct share_case share_cases[] = {
	{ "ok_part", 0, 1, AT_A, PG, 2 * PG, FV_READ, 0 },
	{ "ok_whole", 0, 1, AT_A, 0, 8 * PG, RW, 0 },
	{ "ok_subset_of_ro", 0, 1, AT_B, 0, PG, FV_READ, 0 },
	{ "reshare_by_grantee", 2, 1, AT_A, 2 * PG, 2 * PG, FV_READ, 0 },
	{ "unaligned_addr", 0, 1, AT_A, 1, PG, FV_READ, -EINVAL },
	{ "unaligned_len", 0, 1, AT_A, 0, PG + 1, FV_READ, -EINVAL },
	{ "zero_len", 0, 1, AT_A, 0, 0, FV_READ, -EINVAL },
	{ "wraps", 0, 1, AT_ABS, ~0ULL & ~(PG - 1), 2 * PG, FV_READ, -EINVAL },
	{ "below_window", 0, 1, AT_ABS, FVT_BASE - PG, PG, FV_READ, -EINVAL },
	{ "past_window", 0, 1, AT_ABS, FVT_BASE + 15 * PG, 2 * PG, FV_READ,
	  -EINVAL },
	{ "no_rights", 0, 1, AT_A, 0, PG, 0, -EINVAL },
	{ "unknown_right", 0, 1, AT_A, 0, PG, 0x10, -EINVAL },
	{ "to_self", 0, 0, AT_A, 0, PG, FV_READ, -EINVAL },
	{ "bad_args_first", 1, 1, AT_A, 1, PG, 0, -EINVAL },
	{ "from_holds_nothing", 1, 3, AT_A, 0, PG, FV_READ, -ENOENT },
	{ "from_holds_part", 2, 3, AT_A, 2 * PG, 3 * PG, FV_READ, -ENOENT },
	{ "crosses_ranges", 0, 1, AT_SEAM, 0, 2 * PG, FV_READ, -EINVAL },
	{ "rights_exceed", 0, 1, AT_B, 0, PG, RW, -EACCES },
	{ "grantee_rights_exceed", 2, 1, AT_A, 2 * PG, PG, RW, -EACCES },
	{ "to_holds_already", 0, 2, AT_A, PG, 2 * PG, FV_READ, -EEXIST },
};

static void share_case_desc(const struct share_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(share, share_cases, share_case_desc);

static void fv_share_test_args(struct kunit *test)
{
	const struct share_case *c = test->param_value;
	struct fvt *f = test->priv;
	struct fv_lookup_result res;
	struct fv_stats before, after;
	u64 a, b, addr;
	int ret;

	/* A 16-page window filled by A and B: they are neighbours. */
	fvt_setup(f, FVT_BASE, 16);
	a = fvt_alloc(f, 0, 8, 0, RW);
	b = fvt_alloc(f, 0, 8, 0, FV_READ);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->dom[0], &f->dom[2],
				       a + 2 * PG, 2 * PG, FV_READ), 0);
	fvt_check(f);
	switch (c->at) {
	case AT_A:
		addr = a + c->off;
		break;
	case AT_B:
		addr = b + c->off;
		break;
	case AT_SEAM:
		addr = min(a, b) + 7 * PG + c->off;
		break;
	default:
		addr = c->off;
		break;
	}
	fvt_stats(f, &before);
	ret = fv_share(f->a, &f->dom[c->from], &f->dom[c->to], addr, c->len,
		       c->rights);
	KUNIT_EXPECT_EQ(test, ret, c->err);
	fvt_check(f);
	fvt_stats(f, &after);
	KUNIT_EXPECT_EQ(test, after.free_bytes, before.free_bytes);
	if (ret) {
		KUNIT_EXPECT_EQ(test, after.nextents, before.nextents);
		KUNIT_EXPECT_EQ(test, after.nholders, before.nholders);
		return;
	}
	KUNIT_EXPECT_EQ(test, fv_holds_all(f->a, &f->dom[c->to], addr, c->len,
					   c->rights), 0);
	KUNIT_EXPECT_EQ(test, fv_rights(f->a, &f->dom[c->to], addr, &res), 0);
	KUNIT_EXPECT_EQ(test, res.rights, c->rights);
	/* The granter keeps its own rights. */
	KUNIT_EXPECT_EQ(test, fv_holds_all(f->a, &f->dom[c->from], addr, c->len,
					   c->rights), 0);
}

/*
 * Extents split where holder sets differ and merge back when they become
 * equal again: a range held by one domain is one extent.
 */
static void fv_share_test_extents_split_and_merge(struct kunit *test)
{
	struct fvt *f = test->priv;
	struct fv_lookup_result res;
	struct fv_stats st;
	u64 a;

	fvt_setup(f, FVT_BASE, 16);
	a = fvt_alloc(f, 0, 8, 0, RW);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->dom[0], &f->dom[1],
				       a + 2 * PG, 2 * PG, FV_READ), 0);
	fvt_check(f);
	fvt_stats(f, &st);
	KUNIT_EXPECT_EQ(test, st.nextents, 3);
	KUNIT_EXPECT_EQ(test, st.nholders, 4);
	KUNIT_EXPECT_EQ(test, fv_lookup(f->a, a + 3 * PG + 5, &res), 0);
	KUNIT_EXPECT_EQ(test, res.range, fvt_range_id(f, a));
	KUNIT_EXPECT_EQ(test, res.ext_start, a + 2 * PG);
	KUNIT_EXPECT_EQ(test, res.ext_len, 2 * PG);
	KUNIT_EXPECT_EQ(test, res.nholders, 2);
	KUNIT_EXPECT_EQ(test, fv_lookup(f->a, a + 5 * PG, &res), 0);
	KUNIT_EXPECT_EQ(test, res.ext_start, a + 4 * PG);
	KUNIT_EXPECT_EQ(test, res.nholders, 1);
	/* Split extents are still one range. */
	fvt_expect_piece(f, a + 7 * PG, a, 8 * PG);

	/* A neighbouring share with the same rights joins the extent. */
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->dom[0], &f->dom[1],
				       a + 4 * PG, 2 * PG, FV_READ), 0);
	fvt_check(f);
	fvt_stats(f, &st);
	KUNIT_EXPECT_EQ(test, st.nextents, 3);
	KUNIT_EXPECT_EQ(test, fv_rights(f->a, &f->dom[1], a + 5 * PG, &res), 0);
	KUNIT_EXPECT_EQ(test, res.ext_start, a + 2 * PG);
	KUNIT_EXPECT_EQ(test, res.ext_len, 4 * PG);
	KUNIT_EXPECT_EQ(test, f->dom[1].npages, 4);

	/* The grantee lets go: back to one extent, one holder. */
	KUNIT_ASSERT_EQ(test, fv_release(f->a, &f->dom[1], a, 8 * PG,
					 fvt_released, f), 0);
	fvt_check(f);
	fvt_stats(f, &st);
	KUNIT_EXPECT_EQ(test, st.nextents, 1);
	KUNIT_EXPECT_EQ(test, st.nholders, 1);
	KUNIT_EXPECT_EQ(test, f->freed_pages, 0);
	KUNIT_EXPECT_EQ(test, f->dom[1].npages, 0);
	KUNIT_EXPECT_EQ(test, f->dom[1].nholds, 0);
}

/* Many domains on one range stay a handful of records. */
static void fv_share_test_many_holders(struct kunit *test)
{
	struct fvt *f = test->priv;
	struct fv_lookup_result res;
	struct fv_stats st;
	u64 a;
	int i;

	fvt_setup(f, FVT_BASE, 1ULL << 18);	/* 1 GiB */
	a = fvt_alloc(f, 0, 1ULL << 18, 0, RWX);
	for (i = 1; i < FVT_NDOM; i++) {
		KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->dom[0], &f->dom[i], a,
					       PG << 18, FV_READ), 0);
		fvt_check(f);
	}
	fvt_stats(f, &st);
	KUNIT_EXPECT_EQ(test, st.nextents, 1);
	KUNIT_EXPECT_EQ(test, st.nholders, FVT_NDOM);
	KUNIT_EXPECT_EQ(test, fv_lookup(f->a, a + (PG << 17), &res), 0);
	KUNIT_EXPECT_EQ(test, res.nholders, FVT_NDOM);
	KUNIT_EXPECT_EQ(test, fv_holds_all(f->a, &f->dom[3], a, PG << 18,
					   FV_WRITE), -EACCES);
}

static struct kunit_case fv_share_cases[] = {
	KUNIT_CASE_PARAM(fv_share_test_args, share_gen_params),
	KUNIT_CASE(fv_share_test_extents_split_and_merge),
	KUNIT_CASE(fv_share_test_many_holders),
	{}
};

static struct kunit_suite fv_share_suite = {
	.name = "fv_share",
	.suite_init = fvt_suite_init,
	.suite_exit = fvt_suite_exit,
	.init = fvt_init,
	.exit = fvt_exit,
	.test_cases = fv_share_cases,
};

/* -------------------------------------------------------------------------
 * fv_release: partial releases, shared pages, coalescing, errnos.
 */

struct release_case {
	const char *name;
	u64 first;	/* pages from the range base */
	u64 npages;
	bool shared;	/* dom 1 holds the whole range too */
};

static const struct release_case release_cases[] = {
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

static void release_case_desc(const struct release_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(release, release_cases, release_case_desc);

static void fv_release_test_partial(struct kunit *test)
{
	const struct release_case *c = test->param_value;
	struct fvt *f = test->priv;
	struct fv_lookup_result res;
	struct fv_stats st;
	u64 a, p, id, end;

	fvt_setup(f, FVT_BASE, 32);
	f->freed_map = kunit_kzalloc(test, sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->freed_map);
	a = fvt_alloc(f, 0, 8, 0, RW);
	id = fvt_range_id(f, a);
	if (c->shared)
		KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->dom[0], &f->dom[1], a,
					       8 * PG, FV_READ), 0);
	KUNIT_ASSERT_EQ(test, fv_release(f->a, &f->dom[0], a + c->first * PG,
					 c->npages * PG, fvt_released, f), 0);
	fvt_check(f);
	KUNIT_EXPECT_EQ(test, f->freed_pages, c->shared ? 0 : c->npages);
	KUNIT_EXPECT_EQ(test, f->dom[0].npages, 8 - c->npages);
	for (p = 0; p < 8; p++) {
		bool dropped = p >= c->first && p < c->first + c->npages;
		int ret = fv_rights(f->a, &f->dom[0], a + p * PG, &res);

		KUNIT_EXPECT_EQ(test, ret, dropped ? -ENOENT : 0);
		if (!ret)
			KUNIT_EXPECT_EQ(test, res.rights, RW);
		ret = fv_lookup(f->a, a + p * PG, &res);
		if (dropped && !c->shared) {
			KUNIT_EXPECT_EQ(test, ret, -ENOENT);
			KUNIT_EXPECT_TRUE(test, test_bit((a - FVT_BASE) / PG + p,
							 f->freed_map));
		} else {
			KUNIT_EXPECT_EQ(test, ret, 0);
			KUNIT_EXPECT_EQ(test, res.range, id);
		}
	}
	/* What is left of the range: up to two pieces. */
	end = c->first + c->npages;
	if (c->shared) {
		fvt_expect_piece(f, a, a, 8 * PG);
	} else {
		if (c->first)
			fvt_expect_piece(f, a, a, c->first * PG);
		if (end < 8)
			fvt_expect_piece(f, a + 7 * PG, a + end * PG,
					 (8 - end) * PG);
	}
	fvt_stats(f, &st);
	KUNIT_EXPECT_EQ(test, st.free_bytes,
			(24 + (c->shared ? 0 : c->npages)) * PG);
	/* Whatever is left goes when every holder is gone. */
	fv_domain_release_all(f->a, &f->dom[0], fvt_released, f);
	fv_domain_release_all(f->a, &f->dom[1], fvt_released, f);
	fv_domain_init(f->a, &f->dom[0], 1);
	fv_domain_init(f->a, &f->dom[1], 2);
	fvt_check(f);
	KUNIT_EXPECT_EQ(test, f->freed_pages, 8);
	fvt_stats(f, &st);
	KUNIT_EXPECT_EQ(test, st.nfree, 1);
	KUNIT_EXPECT_EQ(test, st.largest_free, 32 * PG);
}

enum release_at {
	RA_RANGE,	/* @addr bytes from dom 0's range */
	RA_OTHER,	/* @addr bytes from dom 1's range */
	RA_ABS,		/* @addr is absolute */
};

struct release_err_case {
	const char *name;
	enum release_at at;
	u64 addr;
	u64 len;
	int err;
};

/* Window of 32 pages: dom 0 holds [0, 8), dom 1 holds [8, 32). */
static const struct release_err_case release_err_cases[] = {
	{ "unaligned_addr", RA_RANGE, 7, PG, -EINVAL },
	{ "unaligned_len", RA_RANGE, 0, PG - 1, -EINVAL },
	{ "zero_len", RA_RANGE, 0, 0, -EINVAL },
	{ "wraps", RA_ABS, ~0ULL & ~(PG - 1), 2 * PG, -EINVAL },
	{ "below_window", RA_ABS, FVT_BASE - PG, 2 * PG, -EINVAL },
	{ "past_window", RA_ABS, FVT_BASE + 31 * PG, 2 * PG, -EINVAL },
	{ "huge_len", RA_RANGE, 0, ~0ULL & ~(PG - 1), -EINVAL },
	{ "not_held", RA_OTHER, 0, 4 * PG, -ENOENT },
	{ "partly_held", RA_RANGE, 6 * PG, 4 * PG, 0 },
};

static void release_err_case_desc(const struct release_err_case *c,
				  char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(release_err, release_err_cases, release_err_case_desc);

static void fv_release_test_errors(struct kunit *test)
{
	const struct release_err_case *c = test->param_value;
	struct fvt *f = test->priv;
	struct fv_stats before, after;
	u64 a, b, addr;
	int ret;

	fvt_setup(f, FVT_BASE, 32);
	a = fvt_alloc(f, 0, 8, 0, RW);
	KUNIT_ASSERT_EQ_MSG(test, a, FVT_BASE,
			    "placement: lowest address of a fresh window");
	b = fvt_alloc(f, 1, 24, 0, RW);
	addr = c->at == RA_RANGE ? a + c->addr :
	       c->at == RA_OTHER ? b + c->addr : c->addr;
	fvt_stats(f, &before);
	ret = fv_release(f->a, &f->dom[0], addr, c->len, fvt_released, f);
	KUNIT_EXPECT_EQ(test, ret, c->err);
	fvt_check(f);
	fvt_stats(f, &after);
	if (ret) {
		KUNIT_EXPECT_EQ(test, after.free_bytes, before.free_bytes);
		KUNIT_EXPECT_EQ(test, f->dom[0].npages, 8);
		KUNIT_EXPECT_EQ(test, f->freed_runs, 0);
	} else {
		KUNIT_EXPECT_EQ(test, f->freed_pages, 2);
		KUNIT_EXPECT_EQ(test, f->dom[0].npages, 6);
		KUNIT_EXPECT_EQ(test, f->dom[1].npages, 24);
	}
}

/* Freed pages join their free neighbours, in any release order. */
static void fv_release_test_coalesce(struct kunit *test)
{
	static const int orders[][3] = {
		{ 0, 1, 2 }, { 1, 0, 2 }, { 1, 2, 0 }, { 2, 0, 1 }, { 0, 2, 1 },
	};
	struct fvt *f = test->priv;
	struct fv_stats st;
	u64 r[3];
	int o, i;

	for (o = 0; o < ARRAY_SIZE(orders); o++) {
		fvt_setup(f, FVT_BASE, 12);
		for (i = 0; i < 3; i++)
			r[i] = fvt_alloc(f, i, 4, 0, RW);
		for (i = 0; i < 3; i++) {
			int k = orders[o][i];

			KUNIT_ASSERT_EQ(test, fv_release(f->a, &f->dom[k], r[k],
							 4 * PG, fvt_released,
							 f), 0);
			fvt_check(f);
		}
		fvt_stats(f, &st);
		KUNIT_EXPECT_EQ(test, st.nfree, 1);
		KUNIT_EXPECT_EQ(test, st.largest_free, 12 * PG);
		KUNIT_EXPECT_EQ(test, f->freed_pages, 12);
		/* The addresses are reusable at once. */
		KUNIT_EXPECT_EQ(test, fvt_alloc(f, 3, 12, 0, RW), FVT_BASE);
	}
}

/* The owner goes, the grantee keeps the data pages; then they are freed. */
static void fv_release_test_owner_then_grantee(struct kunit *test)
{
	struct fvt *f = test->priv;
	struct fv_lookup_result res;
	u64 a, id;

	fvt_setup(f, FVT_BASE, 16);
	a = fvt_alloc(f, 0, 8, 0, RW);
	id = fvt_range_id(f, a);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->dom[0], &f->dom[1], a + 2 * PG,
				       4 * PG, RW), 0);
	KUNIT_ASSERT_EQ(test, fv_release(f->a, &f->dom[0], a, 8 * PG,
					 fvt_released, f), 0);
	fvt_check(f);
	KUNIT_EXPECT_EQ(test, f->freed_pages, 4);
	KUNIT_EXPECT_EQ(test, fv_lookup(f->a, a + 3 * PG, &res), 0);
	KUNIT_EXPECT_EQ(test, res.range, id);
	KUNIT_EXPECT_EQ(test, res.nholders, 1);
	fvt_expect_piece(f, a + 5 * PG, a + 2 * PG, 4 * PG);
	KUNIT_EXPECT_EQ(test, fv_lookup(f->a, a, &res), -ENOENT);
	KUNIT_EXPECT_EQ(test, fv_lookup(f->a, a + 7 * PG, &res), -ENOENT);
	/* The grantee can still hand it on. */
	KUNIT_EXPECT_EQ(test, fv_share(f->a, &f->dom[1], &f->dom[2], a + 3 * PG,
				       PG, FV_READ), 0);
	fvt_check(f);
	fv_domain_release_all(f->a, &f->dom[1], fvt_released, f);
	fv_domain_init(f->a, &f->dom[1], 2);
	KUNIT_EXPECT_EQ(test, f->freed_pages, 7);
	fv_domain_release_all(f->a, &f->dom[2], fvt_released, f);
	fv_domain_init(f->a, &f->dom[2], 3);
	fvt_check(f);
	KUNIT_EXPECT_EQ(test, f->freed_pages, 8);
}

/*
 * fv_release_nofail(), for vm_ops->close(): the splits' records come with
 * __GFP_NOFAIL, past the KUnit failure hook that makes fv_release() fail.
 */
static void fv_release_test_nofail(struct kunit *test)
{
	struct fvt *f = test->priv;
	struct fv_lookup_result res;
	u64 a;

	fvt_setup(f, FVT_BASE, 16);
	a = fvt_alloc(f, 0, 8, 0, RW);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->dom[0], &f->dom[1], a, 8 * PG,
				       FV_READ), 0);
	fv_kmem_fail_after = 0;
	KUNIT_EXPECT_EQ(test, fv_release(f->a, &f->dom[1], a + 3 * PG, 2 * PG,
					 fvt_released, f), -ENOMEM);
	KUNIT_EXPECT_EQ(test, fv_release_nofail(f->a, &f->dom[1], a + 3 * PG,
						2 * PG, fvt_released, f), 0);
	fv_kmem_fail_after = -1;
	fvt_check(f);
	KUNIT_EXPECT_EQ(test, f->freed_pages, 0);
	KUNIT_EXPECT_EQ(test, fv_rights(f->a, &f->dom[1], a + 3 * PG, &res),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, fv_rights(f->a, &f->dom[1], a + 5 * PG, &res), 0);
	KUNIT_EXPECT_EQ(test, fv_lookup(f->a, a + 4 * PG, &res), 0);
	KUNIT_EXPECT_EQ(test, res.ext_start, a + 3 * PG);
	KUNIT_EXPECT_EQ(test, res.ext_len, 2 * PG);
	KUNIT_EXPECT_EQ(test, res.nholders, 1);
}

static struct kunit_case fv_release_cases[] = {
	KUNIT_CASE_PARAM(fv_release_test_partial, release_gen_params),
	KUNIT_CASE_PARAM(fv_release_test_errors, release_err_gen_params),
	KUNIT_CASE(fv_release_test_coalesce),
	KUNIT_CASE(fv_release_test_owner_then_grantee),
	KUNIT_CASE(fv_release_test_nofail),
	{}
};

static struct kunit_suite fv_release_suite = {
	.name = "fv_release",
	.suite_init = fvt_suite_init,
	.suite_exit = fvt_suite_exit,
	.init = fvt_init,
	.exit = fvt_exit,
	.test_cases = fv_release_cases,
};

/* -------------------------------------------------------------------------
 * fv_lookup, fv_rights, fv_holds_all.
 */

enum lookup_at {
	LA_RANGE,	/* @addr bytes from the range */
	LA_ABS,		/* @addr is absolute */
};

struct lookup_case {
	const char *name;
	enum lookup_at at;
	u64 addr;
	int err;
};

/*
 * Against a 16-page window where the range is pages [4, 8): the window is
 * filled in order from its start, then the first 4 pages released.
 */
static const struct lookup_case lookup_cases[] = {
	{ "first_byte", LA_RANGE, 0, 0 },
	{ "unaligned", LA_RANGE, 3 * PG + 123, 0 },
	{ "last_byte", LA_RANGE, 4 * PG - 1, 0 },
	{ "free_before", LA_ABS, FVT_BASE, -ENOENT },
	{ "free_after", LA_ABS, FVT_BASE + 8 * PG, -ENOENT },
	{ "window_last_byte", LA_ABS, FVT_BASE + 16 * PG - 1, -ENOENT },
	{ "below_window", LA_ABS, FVT_BASE - 1, -ENOENT },
	{ "past_window", LA_ABS, FVT_BASE + 16 * PG, -ENOENT },
	{ "zero", LA_ABS, 0, -ENOENT },
	{ "top", LA_ABS, ~0ULL, -ENOENT },
};

static void lookup_case_desc(const struct lookup_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(lookup, lookup_cases, lookup_case_desc);

static void fv_lookup_test_addr(struct kunit *test)
{
	const struct lookup_case *c = test->param_value;
	struct fvt *f = test->priv;
	struct fv_lookup_result res;
	u64 a, addr, id;

	fvt_setup(f, FVT_BASE, 16);
	KUNIT_ASSERT_EQ(test, fvt_alloc(f, 1, 4, 0, RW), FVT_BASE);
	a = fvt_alloc(f, 0, 4, 0, FV_READ | FV_EXEC);
	KUNIT_ASSERT_EQ_MSG(test, a, FVT_BASE + 4 * PG,
			    "placement: lowest address of a fresh window");
	KUNIT_ASSERT_EQ(test, fv_release(f->a, &f->dom[1], FVT_BASE, 4 * PG,
					 NULL, NULL), 0);
	id = fvt_range_id(f, a);
	addr = c->at == LA_RANGE ? a + c->addr : c->addr;
	KUNIT_EXPECT_EQ(test, fv_lookup(f->a, addr, &res), c->err);
	if (!c->err) {
		KUNIT_EXPECT_EQ(test, res.range, id);
		KUNIT_EXPECT_EQ(test, res.ext_start, a);
		KUNIT_EXPECT_EQ(test, res.ext_len, 4 * PG);
		KUNIT_EXPECT_EQ(test, res.nholders, 1);
		fvt_expect_piece(f, addr, a, 4 * PG);
	} else {
		u64 s, l;

		KUNIT_EXPECT_EQ(test, fv_range_piece(f->a, addr, &s, &l),
				-ENOENT);
	}
	KUNIT_EXPECT_EQ(test, fv_rights(f->a, &f->dom[0], addr, &res), c->err);
	if (!c->err)
		KUNIT_EXPECT_EQ(test, res.rights, FV_READ | FV_EXEC);
	/* A domain that holds nothing there. */
	KUNIT_EXPECT_EQ(test, fv_rights(f->a, &f->dom[1], addr, &res), -ENOENT);
}

struct holds_case {
	const char *name;
	int dom;
	u64 off;	/* from the range base */
	u64 len;
	u32 rights;
	int err;
};

/* Range of 8 pages: dom 0 rwx on all; dom 1 r on pages [2, 6). */
static const struct holds_case holds_cases[] = {
	{ "owner_all", 0, 0, 8 * PG, RWX, 0 },
	{ "owner_subset", 0, PG, PG, FV_WRITE, 0 },
	{ "grantee_part", 1, 2 * PG, 4 * PG, FV_READ, 0 },
	{ "grantee_more_rights", 1, 2 * PG, PG, RW, -EACCES },
	{ "grantee_exec", 1, 3 * PG, PG, FV_EXEC, -EACCES },
	{ "grantee_not_held", 1, 0, 8 * PG, FV_READ, -ENOENT },
	{ "grantee_past_end", 1, 5 * PG, 2 * PG, FV_READ, -ENOENT },
	{ "stranger", 2, 0, PG, FV_READ, -ENOENT },
	{ "past_range", 0, 7 * PG, 2 * PG, FV_READ, -ENOENT },
	{ "unaligned", 0, 1, PG, FV_READ, -EINVAL },
	{ "zero_len", 0, 0, 0, FV_READ, -EINVAL },
	{ "outside", 0, 16 * PG, PG, FV_READ, -EINVAL },
};

static void holds_case_desc(const struct holds_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(holds, holds_cases, holds_case_desc);

static void fv_lookup_test_holds_all(struct kunit *test)
{
	const struct holds_case *c = test->param_value;
	struct fvt *f = test->priv;
	u64 a;

	fvt_setup(f, FVT_BASE, 16);
	a = fvt_alloc(f, 0, 8, 0, RWX);
	KUNIT_ASSERT_EQ(test, a, FVT_BASE);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->dom[0], &f->dom[1], a + 2 * PG,
				       4 * PG, FV_READ), 0);
	KUNIT_EXPECT_EQ(test, fv_holds_all(f->a, &f->dom[c->dom], a + c->off,
					   c->len, c->rights), c->err);
}

static struct kunit_case fv_lookup_cases[] = {
	KUNIT_CASE_PARAM(fv_lookup_test_addr, lookup_gen_params),
	KUNIT_CASE_PARAM(fv_lookup_test_holds_all, holds_gen_params),
	{}
};

static struct kunit_suite fv_lookup_suite = {
	.name = "fv_lookup",
	.suite_init = fvt_suite_init,
	.suite_exit = fvt_suite_exit,
	.init = fvt_init,
	.exit = fvt_exit,
	.test_cases = fv_lookup_cases,
};

/* -------------------------------------------------------------------------
 * fv_domain: release_all and the counters.
 */

static void fv_domain_test_release_all(struct kunit *test)
{
	struct fvt *f = test->priv;
	struct fv_stats st;
	u64 r[6];
	int i;

	fvt_setup(f, FVT_BASE, 64);
	for (i = 0; i < 6; i++)
		r[i] = fvt_alloc(f, 0, i + 1, 0, RW);
	/* Dom 1 keeps two pages of r[5] and all of r[2]. */
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->dom[0], &f->dom[1], r[5] + PG,
				       2 * PG, RW), 0);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->dom[0], &f->dom[1], r[2],
				       3 * PG, FV_READ), 0);
	KUNIT_EXPECT_EQ(test, f->dom[0].npages, 21);
	KUNIT_EXPECT_EQ(test, f->dom[1].npages, 5);
	fvt_stats(f, &st);
	KUNIT_EXPECT_EQ(test, st.ndomains, FVT_NDOM);

	fv_domain_release_all(f->a, &f->dom[0], fvt_released, f);
	f->dom_live[0] = false;
	fvt_check(f);
	KUNIT_EXPECT_EQ(test, f->freed_pages, 16);
	fvt_stats(f, &st);
	KUNIT_EXPECT_EQ(test, st.ndomains, FVT_NDOM - 1);
	KUNIT_EXPECT_EQ(test, st.free_bytes, (64 - 5) * PG);
	KUNIT_EXPECT_EQ(test, st.nextents, 2);
	KUNIT_EXPECT_EQ(test, st.nholders, 2);
	KUNIT_EXPECT_EQ(test, f->dom[1].npages, 5);

	/* The same id may register again once released. */
	fv_domain_init(f->a, &f->dom[0], 1);
	f->dom_live[0] = true;
	KUNIT_EXPECT_EQ(test, f->dom[0].npages, 0);
	KUNIT_EXPECT_EQ(test, f->dom[0].nholds, 0);
	fvt_check(f);
}

static void fv_domain_test_empty_release_all(struct kunit *test)
{
	struct fvt *f = test->priv;

	fvt_setup(f, FVT_BASE, 4);
	fv_domain_release_all(f->a, &f->dom[2], fvt_released, f);
	f->dom_live[2] = false;
	fvt_check(f);
	KUNIT_EXPECT_EQ(test, f->freed_runs, 0);
}

static struct kunit_case fv_domain_cases[] = {
	KUNIT_CASE(fv_domain_test_release_all),
	KUNIT_CASE(fv_domain_test_empty_release_all),
	{}
};

static struct kunit_suite fv_domain_suite = {
	.name = "fv_domain",
	.suite_init = fvt_suite_init,
	.suite_exit = fvt_suite_exit,
	.init = fvt_init,
	.exit = fvt_exit,
	.test_cases = fv_domain_cases,
};

/* -------------------------------------------------------------------------
 * fv_check: the checker notices broken books.
 */

enum corrupt_field {
	CF_FREE_PAGES, CF_NFREE, CF_NUSED, CF_NHOLDERS, CF_NDOMAINS,
	CF_DOM_NPAGES, CF_DOM_NHOLDS, CF_HOLDER_RIGHTS, CF_SEG_NHOLDERS,
};

struct corrupt_case {
	const char *name;
	enum corrupt_field field;
};

static const struct corrupt_case corrupt_cases[] = {
	{ "free_pages", CF_FREE_PAGES },
	{ "nfree", CF_NFREE },
	{ "nused", CF_NUSED },
	{ "nholders", CF_NHOLDERS },
	{ "ndomains", CF_NDOMAINS },
	{ "domain_npages", CF_DOM_NPAGES },
	{ "domain_nholds", CF_DOM_NHOLDS },
	{ "holder_rights", CF_HOLDER_RIGHTS },
	{ "extent_nholders", CF_SEG_NHOLDERS },
};

static void corrupt_case_desc(const struct corrupt_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(corrupt, corrupt_cases, corrupt_case_desc);

static void fv_check_test_detects(struct kunit *test)
{
	const struct corrupt_case *c = test->param_value;
	struct fvt *f = test->priv;
	struct fv_holder *h;
	struct fv_seg *e;
	u64 *field64 = NULL;
	u32 *field32 = NULL, saved32 = 0;
	u64 a;

	fvt_setup(f, FVT_BASE, 16);
	a = fvt_alloc(f, 0, 4, 0, RW);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->dom[0], &f->dom[1], a, PG,
				       FV_READ), 0);
	fvt_check(f);
	e = fv_rb_entry(fv_rb_first(&f->a->segs), struct fv_seg, rb);
	KUNIT_ASSERT_EQ(test, e->start, a >> FV_PAGE_SHIFT);
	KUNIT_ASSERT_EQ(test, e->used, 1);
	h = e->u.ext.holders;
	switch (c->field) {
	case CF_FREE_PAGES:
		field64 = &f->a->free_pages;
		break;
	case CF_NFREE:
		field64 = &f->a->nfree;
		break;
	case CF_NUSED:
		field64 = &f->a->nused;
		break;
	case CF_NHOLDERS:
		field64 = &f->a->nholders;
		break;
	case CF_NDOMAINS:
		field64 = &f->a->ndomains;
		break;
	case CF_DOM_NPAGES:
		field64 = &f->dom[1].npages;
		break;
	case CF_DOM_NHOLDS:
		field64 = &f->dom[0].nholds;
		break;
	case CF_HOLDER_RIGHTS:
		field32 = &h->rights;
		saved32 = *field32;
		*field32 = 0;
		break;
	case CF_SEG_NHOLDERS:
		field32 = &e->nholders;
		saved32 = *field32;
		*field32 = saved32 + 1;
		break;
	}
	if (field64)
		(*field64)++;
	KUNIT_EXPECT_EQ(test, fv_check(f->a), -EUCLEAN);
	if (field64)
		(*field64)--;
	if (field32)
		*field32 = saved32;
	fvt_check(f);
}

static struct kunit_case fv_check_cases[] = {
	KUNIT_CASE_PARAM(fv_check_test_detects, corrupt_gen_params),
	{}
};

static struct kunit_suite fv_check_suite = {
	.name = "fv_check",
	.suite_init = fvt_suite_init,
	.suite_exit = fvt_suite_exit,
	.init = fvt_init,
	.exit = fvt_exit,
	.test_cases = fv_check_cases,
};

/* -------------------------------------------------------------------------
 * fv_atomic: every record allocation of an operation fails in turn; each
 * failure is -ENOMEM and leaves the books exactly as they were.
 */

/* Everything an operation could change, folded into comparable numbers. */
struct fvt_print {
	u64 hash;
	u64 free_pages, nfree, nused, nholders, ndomains;
	u64 dom_pages[FVT_NDOM], dom_holds[FVT_NDOM];
};

static u64 fvt_mix(u64 h, u64 v)
{
	return (h ^ v) * 0x100000001b3ULL;
}

static void fvt_fingerprint(struct fvt *f, struct fvt_print *p)
{
	const struct fv_rb_node *n;
	const struct fv_holder *h;
	u64 x = 0xcbf29ce484222325ULL;
	int i;

	memset(p, 0, sizeof(*p));
	for (n = fv_rb_first(&f->a->segs); n; n = fv_rb_next(n)) {
		const struct fv_seg *s = fv_rb_entry(n, struct fv_seg, rb);

		x = fvt_mix(x, s->start);
		x = fvt_mix(x, s->npages);
		x = fvt_mix(x, s->used);
		if (!s->used)
			continue;
		x = fvt_mix(x, s->u.ext.range);
		x = fvt_mix(x, s->nholders);
		for (h = s->u.ext.holders; h; h = h->next)
			x = fvt_mix(fvt_mix(x, h->dom->id), h->rights);
	}
	for (i = 0; i < FVT_NDOM; i++) {
		if (!f->dom_live[i])
			continue;
		p->dom_pages[i] = f->dom[i].npages;
		p->dom_holds[i] = f->dom[i].nholds;
		for (n = fv_rb_first(&f->dom[i].holds); n; n = fv_rb_next(n)) {
			h = fv_rb_entry(n, struct fv_holder, rb);
			x = fvt_mix(x, h->start);
			x = fvt_mix(x, h->seg->start);
			x = fvt_mix(x, h->rights);
		}
	}
	p->hash = x;
	p->free_pages = f->a->free_pages;
	p->nfree = f->a->nfree;
	p->nused = f->a->nused;
	p->nholders = f->a->nholders;
	p->ndomains = f->a->ndomains;
}

/* Set up the books an operation starts from; return the range base. */
typedef u64 (*atomic_setup_fn)(struct fvt *f);
/* The operation under test; returns its errno. */
typedef int (*atomic_op_fn)(struct fvt *f, u64 a);

struct atomic_case {
	const char *name;
	atomic_setup_fn setup;
	atomic_op_fn op;
	bool must_allocate;	/* some record allocation is unavoidable */
};

static u64 setup_empty(struct fvt *f)
{
	return FVT_BASE;
}

static u64 setup_fragmented(struct fvt *f)
{
	u64 a;
	int i;

	for (i = 0; i < 6; i++) {
		a = fvt_alloc(f, i % 2, 3, 0, RW);
		if (i % 2)
			KUNIT_EXPECT_EQ(f->test, fv_release(f->a, &f->dom[1], a,
							    3 * PG, NULL, NULL),
					0);
	}
	return FVT_BASE;
}

static u64 setup_one_range(struct fvt *f)
{
	return fvt_alloc(f, 0, 8, 0, RW);
}

static u64 setup_shared_range(struct fvt *f)
{
	u64 a = fvt_alloc(f, 0, 8, 0, RW);

	KUNIT_EXPECT_EQ(f->test, fv_share(f->a, &f->dom[0], &f->dom[1], a,
					  8 * PG, FV_READ), 0);
	return a;
}

static u64 setup_striped_range(struct fvt *f)
{
	u64 a = fvt_alloc(f, 0, 8, 0, RWX);

	KUNIT_EXPECT_EQ(f->test, fv_share(f->a, &f->dom[0], &f->dom[1],
					  a + 2 * PG, 2 * PG, FV_READ), 0);
	KUNIT_EXPECT_EQ(f->test, fv_share(f->a, &f->dom[0], &f->dom[2],
					  a + 3 * PG, 3 * PG, RW), 0);
	return a;
}

static int op_alloc(struct fvt *f, u64 a)
{
	u64 addr;

	return fv_alloc(f->a, &f->dom[2], 2 * PG, 0, RW, &addr);
}

static int op_alloc_aligned(struct fvt *f, u64 a)
{
	u64 addr;

	return fv_alloc(f->a, &f->dom[2], 2 * PG, 4 * PG, FV_READ, &addr);
}

static int op_share_middle(struct fvt *f, u64 a)
{
	return fv_share(f->a, &f->dom[0], &f->dom[3], a + 3 * PG, 2 * PG,
			FV_READ);
}

static int op_share_across(struct fvt *f, u64 a)
{
	return fv_share(f->a, &f->dom[0], &f->dom[3], a + PG, 6 * PG, FV_READ);
}

static int op_release_middle(struct fvt *f, u64 a)
{
	return fv_release(f->a, &f->dom[0], a + 3 * PG, 2 * PG, fvt_released, f);
}

static int op_release_across(struct fvt *f, u64 a)
{
	return fv_release(f->a, &f->dom[0], a + PG, 4 * PG, fvt_released, f);
}

static int op_release_merge(struct fvt *f, u64 a)
{
	return fv_release(f->a, &f->dom[1], a, 8 * PG, fvt_released, f);
}

static int op_arena_init(struct fvt *f, u64 a)
{
	struct fv_arena *b = kunit_kzalloc(f->test, sizeof(*b), GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(f->test, b);
	ret = fv_arena_init(b, FVT_BASE, 64 * PG);
	if (!ret) {
		KUNIT_EXPECT_EQ(f->test, fv_check(b), 0);
		fv_arena_destroy(b);
	}
	return ret;
}

static const struct atomic_case atomic_cases[] = {
	{ "alloc_split_free", setup_empty, op_alloc, true },
	{ "alloc_in_fragments", setup_fragmented, op_alloc, false },
	{ "alloc_aligned", setup_fragmented, op_alloc_aligned, true },
	{ "share_middle", setup_one_range, op_share_middle, true },
	{ "share_across_extents", setup_striped_range, op_share_across, true },
	{ "release_middle", setup_one_range, op_release_middle, true },
	{ "release_middle_shared", setup_shared_range, op_release_middle, true },
	{ "release_across_extents", setup_striped_range, op_release_across,
	  true },
	{ "release_merges", setup_shared_range, op_release_merge, false },
	{ "arena_init", setup_empty, op_arena_init, true },
};

static void atomic_case_desc(const struct atomic_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(atomic, atomic_cases, atomic_case_desc);

#define FVT_MAX_FAULTS	64

static void fv_atomic_test_enomem_changes_nothing(struct kunit *test)
{
	const struct atomic_case *c = test->param_value;
	struct fvt *f = test->priv;
	struct fvt_print before, after;
	unsigned int n, nomem = 0;
	bool done = false;
	u64 a;
	int ret;

	/* Let n allocations succeed and fail the next, for n = 0, 1, ... */
	for (n = 0; n <= FVT_MAX_FAULTS && !done; n++) {
		fvt_setup(f, FVT_BASE, 64);
		a = c->setup(f);
		fvt_fingerprint(f, &before);

		fv_kmem_fail_after = n;
		ret = c->op(f, a);
		fv_kmem_fail_after = -1;

		fvt_check(f);
		if (ret != -ENOMEM) {
			KUNIT_EXPECT_EQ_MSG(test, ret, 0, "after %u", n);
			done = true;
			break;
		}
		fvt_fingerprint(f, &after);
		KUNIT_EXPECT_TRUE_MSG(test,
				      !memcmp(&before, &after, sizeof(before)),
				      "failing allocation %u changed the books",
				      n + 1);
		KUNIT_EXPECT_EQ(test, f->freed_runs, 0);
		nomem++;
	}
	KUNIT_EXPECT_TRUE_MSG(test, done, "more than %d allocations",
			      FVT_MAX_FAULTS);
	if (c->must_allocate)
		KUNIT_EXPECT_GT(test, nomem, 0);
	kunit_info(test, "%s: %u record allocations, each failed in turn\n",
		   c->name, nomem);
}

/* After a failed operation the same operation succeeds. */
static void fv_atomic_test_retry_succeeds(struct kunit *test)
{
	struct fvt *f = test->priv;
	u64 a, addr;
	int ret;

	fvt_setup(f, FVT_BASE, 64);
	a = setup_striped_range(f);
	fv_kmem_fail_after = 0;
	ret = fv_share(f->a, &f->dom[0], &f->dom[3], a + PG, 6 * PG, FV_READ);
	fv_kmem_fail_after = -1;
	KUNIT_EXPECT_EQ(test, ret, -ENOMEM);
	KUNIT_EXPECT_EQ(test, fv_share(f->a, &f->dom[0], &f->dom[3], a + PG,
				       6 * PG, FV_READ), 0);
	fvt_check(f);
	fv_kmem_fail_after = 0;
	ret = fv_alloc(f->a, &f->dom[3], 5 * PG, 0, RW, &addr);
	fv_kmem_fail_after = -1;
	KUNIT_EXPECT_EQ(test, ret, -ENOMEM);
	KUNIT_EXPECT_EQ(test, fv_alloc(f->a, &f->dom[3], 5 * PG, 0, RW, &addr),
			0);
	fvt_check(f);
}

static struct kunit_case fv_atomic_cases[] = {
	KUNIT_CASE_PARAM(fv_atomic_test_enomem_changes_nothing,
			 atomic_gen_params),
	KUNIT_CASE(fv_atomic_test_retry_succeeds),
	{}
};

static struct kunit_suite fv_atomic_suite = {
	.name = "fv_atomic",
	.suite_init = fvt_suite_init,
	.suite_exit = fvt_suite_exit,
	.init = fvt_init,
	.exit = fvt_exit,
	.test_cases = fv_atomic_cases,
};

/* -------------------------------------------------------------------------
 * fv_model: random operations checked page by page against a model.
 */

#define MODEL_PAGES	64

/**
 * struct fvt_model - what the books must say, one entry per window page.
 * @used:	the page belongs to a range.
 * @range:	id of that range.
 * @rights:	rights of each domain on the page, 0 when not held.
 */
struct fvt_model {
	bool used[MODEL_PAGES];
	u64 range[MODEL_PAGES];
	u8 rights[FVT_NDOM][MODEL_PAGES];
};

static u64 mpage_addr(unsigned int p)
{
	return FVT_BASE + (u64)p * PG;
}

static unsigned int model_holders(const struct fvt_model *m, unsigned int p)
{
	unsigned int d, n = 0;

	for (d = 0; d < FVT_NDOM; d++)
		n += !!m->rights[d][p];
	return n;
}

/* A span biased towards pages @d holds, so that most calls succeed. */
static void model_span(struct fvt_model *m, struct rnd_state *rs, int d,
		       unsigned int *first, unsigned int *n)
{
	unsigned int p = prandom_u32_state(rs) % MODEL_PAGES;
	unsigned int i;

	*n = 1 + prandom_u32_state(rs) % 4;
	if (prandom_u32_state(rs) % 10 < 7) {
		for (i = 0; i < MODEL_PAGES; i++) {
			unsigned int q = (p + i) % MODEL_PAGES;

			if (m->rights[d][q]) {
				p = q;
				break;
			}
		}
	}
	if (p + *n > MODEL_PAGES)
		*n = MODEL_PAGES - p;
	*first = p;
}

static void model_free_orphans(struct fvt *f, struct fvt_model *m,
			       unsigned long *expect)
{
	unsigned int p;

	for (p = 0; p < MODEL_PAGES; p++) {
		if (m->used[p] && !model_holders(m, p)) {
			m->used[p] = false;
			__set_bit(p, expect);
		}
	}
}

static void model_step_alloc(struct fvt *f, struct fvt_model *m,
			     struct rnd_state *rs)
{
	struct kunit *test = f->test;
	int d = prandom_u32_state(rs) % FVT_NDOM;
	unsigned int n = 1 + prandom_u32_state(rs) % 8;
	unsigned int al = (1u << (prandom_u32_state(rs) % 5)) >> 1;
	u32 rights = 1 + prandom_u32_state(rs) % RWX;
	unsigned int p, i, step = al ? al : 1;
	bool fits = false;
	u64 addr = 0, id;
	int ret;

	for (p = 0; p + n <= MODEL_PAGES && !fits; p += step) {
		for (i = 0; i < n && !m->used[p + i]; i++)
			;
		fits = i == n;
	}
	ret = fv_alloc(f->a, &f->dom[d], n * PG, (u64)al * PG, rights, &addr);
	KUNIT_ASSERT_EQ_MSG(test, ret, fits ? 0 : -ENOSPC,
			    "alloc %u pages align %u", n, al);
	if (ret)
		return;
	KUNIT_ASSERT_GE(test, addr, FVT_BASE);
	KUNIT_ASSERT_LE(test, addr + n * PG, mpage_addr(MODEL_PAGES));
	KUNIT_ASSERT_EQ(test, addr & ((u64)step * PG - 1), 0);
	p = (addr - FVT_BASE) / PG;
	id = fvt_range_id(f, addr);
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_FALSE_MSG(test, m->used[p + i],
				       "alloc returned a used page");
		m->used[p + i] = true;
		m->range[p + i] = id;
		m->rights[d][p + i] = rights;
	}
}

static void model_step_share(struct fvt *f, struct fvt_model *m,
			     struct rnd_state *rs)
{
	struct kunit *test = f->test;
	int from = prandom_u32_state(rs) % FVT_NDOM;
	int to = (from + 1 + prandom_u32_state(rs) % (FVT_NDOM - 1)) % FVT_NDOM;
	bool enoent = false, cross = false, eacces = false, eexist = false;
	unsigned int first, n, p, seen = MODEL_PAGES;
	u32 rights;
	int ret;

	model_span(m, rs, from, &first, &n);
	rights = m->rights[from][first];
	if (!rights || prandom_u32_state(rs) % 10 < 3)
		rights = 1 + prandom_u32_state(rs) % RWX;
	else
		rights &= 1 + prandom_u32_state(rs) % RWX;
	if (!rights)
		rights = m->rights[from][first];
	for (p = first; p < first + n; p++) {
		if (!m->rights[from][p])
			enoent = true;
		else if (rights & ~m->rights[from][p])
			eacces = true;
		if (m->used[p]) {
			if (seen < MODEL_PAGES && m->range[seen] != m->range[p])
				cross = true;
			seen = p;
		}
		if (m->rights[to][p])
			eexist = true;
	}
	ret = fv_share(f->a, &f->dom[from], &f->dom[to], mpage_addr(first),
		       n * PG, rights);
	if (!enoent && !cross && !eacces && !eexist) {
		KUNIT_ASSERT_EQ_MSG(test, ret, 0, "share %u+%u", first, n);
		for (p = first; p < first + n; p++)
			m->rights[to][p] = rights;
		return;
	}
	KUNIT_ASSERT_TRUE_MSG(test,
			      (enoent && ret == -ENOENT) ||
			      (cross && ret == -EINVAL) ||
			      (eacces && ret == -EACCES) ||
			      (eexist && ret == -EEXIST),
			      "share %u+%u: %d (enoent %d cross %d eacces %d eexist %d)",
			      first, n, ret, enoent, cross, eacces, eexist);
}

static void model_step_release(struct fvt *f, struct fvt_model *m,
			       struct rnd_state *rs, unsigned long *expect)
{
	struct kunit *test = f->test;
	int d = prandom_u32_state(rs) % FVT_NDOM;
	unsigned int first, n, p;
	bool any = false;
	int ret;

	model_span(m, rs, d, &first, &n);
	for (p = first; p < first + n; p++)
		any |= !!m->rights[d][p];
	ret = fv_release(f->a, &f->dom[d], mpage_addr(first), n * PG,
			 fvt_released, f);
	KUNIT_ASSERT_EQ_MSG(test, ret, any ? 0 : -ENOENT, "release %u+%u",
			    first, n);
	for (p = first; p < first + n; p++)
		m->rights[d][p] = 0;
	model_free_orphans(f, m, expect);
}

static void model_step_release_all(struct fvt *f, struct fvt_model *m,
				   struct rnd_state *rs, unsigned long *expect)
{
	int d = prandom_u32_state(rs) % FVT_NDOM;

	fv_domain_release_all(f->a, &f->dom[d], fvt_released, f);
	fv_domain_init(f->a, &f->dom[d], d + 1);
	memset(m->rights[d], 0, sizeof(m->rights[d]));
	model_free_orphans(f, m, expect);
}

/* fv_range_piece(): the run of used pages of the same range around @p. */
static void model_verify_piece(struct fvt *f, struct fvt_model *m,
			       unsigned int p, u64 addr)
{
	unsigned int lo = p, hi = p + 1;

	while (lo > 0 && m->used[lo - 1] && m->range[lo - 1] == m->range[p])
		lo--;
	while (hi < MODEL_PAGES && m->used[hi] && m->range[hi] == m->range[p])
		hi++;
	fvt_expect_piece(f, addr, mpage_addr(lo), (u64)(hi - lo) * PG);
}

static void model_verify(struct fvt *f, struct fvt_model *m,
			 struct rnd_state *rs)
{
	struct kunit *test = f->test;
	struct fv_lookup_result res;
	unsigned int p, d, free = 0, held[FVT_NDOM] = {};
	struct fv_stats st;
	int ret;

	for (p = 0; p < MODEL_PAGES; p++) {
		u64 addr = mpage_addr(p) + prandom_u32_state(rs) % PG;

		ret = fv_lookup(f->a, addr, &res);
		if (!m->used[p]) {
			KUNIT_ASSERT_EQ_MSG(test, ret, -ENOENT, "page %u", p);
			free++;
		} else {
			KUNIT_ASSERT_EQ_MSG(test, ret, 0, "page %u", p);
			KUNIT_ASSERT_EQ(test, res.range, m->range[p]);
			KUNIT_ASSERT_EQ(test, res.nholders, model_holders(m, p));
			KUNIT_ASSERT_LE(test, res.ext_start, addr);
			KUNIT_ASSERT_GT(test, res.ext_start + res.ext_len, addr);
			model_verify_piece(f, m, p, addr);
		}
		for (d = 0; d < FVT_NDOM; d++) {
			ret = fv_rights(f->a, &f->dom[d], addr, &res);
			if (m->rights[d][p]) {
				held[d]++;
				KUNIT_ASSERT_EQ(test, ret, 0);
				KUNIT_ASSERT_EQ(test, res.rights, m->rights[d][p]);
			} else {
				KUNIT_ASSERT_EQ(test, ret, -ENOENT);
			}
		}
	}
	fvt_stats(f, &st);
	KUNIT_ASSERT_EQ(test, st.free_bytes, free * PG);
	for (d = 0; d < FVT_NDOM; d++)
		KUNIT_ASSERT_EQ(test, f->dom[d].npages, held[d]);
	KUNIT_ASSERT_EQ(test, fv_check(f->a), 0);
}

struct model_case {
	const char *name;
	u64 seed;
	unsigned int steps;
};

static const struct model_case model_cases[] = {
	{ "seed_1", 1, 400 },
	{ "seed_2", 2, 400 },
	{ "seed_3", 3, 400 },
	{ "seed_4", 0x5eed, 400 },
};

static void model_case_desc(const struct model_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(model, model_cases, model_case_desc);

static void fv_model_test_random_ops(struct kunit *test)
{
	const struct model_case *c = test->param_value;
	struct fvt *f = test->priv;
	unsigned long *expect;
	struct fvt_model *m;
	struct rnd_state rs;
	unsigned int step, kind;

	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	expect = kunit_kzalloc(test, BITS_TO_LONGS(MODEL_PAGES) * sizeof(long),
			       GFP_KERNEL);
	f->freed_map = kunit_kzalloc(test, BITS_TO_LONGS(MODEL_PAGES) *
				     sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	KUNIT_ASSERT_NOT_NULL(test, expect);
	KUNIT_ASSERT_NOT_NULL(test, f->freed_map);
	prandom_seed_state(&rs, c->seed);
	fvt_setup(f, FVT_BASE, MODEL_PAGES);
	for (step = 0; step < c->steps; step++) {
		kind = prandom_u32_state(&rs) % 20;
		bitmap_zero(expect, MODEL_PAGES);
		bitmap_zero(f->freed_map, MODEL_PAGES);
		if (kind < 7)
			model_step_alloc(f, m, &rs);
		else if (kind < 13)
			model_step_share(f, m, &rs);
		else if (kind < 19)
			model_step_release(f, m, &rs, expect);
		else
			model_step_release_all(f, m, &rs, expect);
		KUNIT_ASSERT_TRUE_MSG(test,
				      bitmap_equal(expect, f->freed_map,
						   MODEL_PAGES),
				      "step %u: freed pages differ", step);
		model_verify(f, m, &rs);
	}
}

static struct kunit_case fv_model_cases[] = {
	KUNIT_CASE_PARAM(fv_model_test_random_ops, model_gen_params),
	{}
};

static struct kunit_suite fv_model_suite = {
	.name = "fv_model",
	.suite_init = fvt_suite_init,
	.suite_exit = fvt_suite_exit,
	.init = fvt_init,
	.exit = fvt_exit,
	.test_cases = fv_model_cases,
};

/* -------------------------------------------------------------------------
 * fv_lockless: fv_lookup() without the lock while a writer changes the tree.
 */

#define LOCKLESS_READERS	2
#define LOCKLESS_PAGES		256

struct fvt_reader {
	struct fv_arena *a;
	struct task_struct *task;
	u32 seed;
	atomic_long_t lookups;
	atomic_long_t hits;
	atomic_long_t bad;
};

static int fvt_reader_fn(void *arg)
{
	struct fvt_reader *r = arg;
	struct fv_lookup_result res;
	struct rnd_state rs;
	u64 addr;
	int ret;

	prandom_seed_state(&rs, r->seed);
	while (!kthread_should_stop()) {
		addr = FVT_BASE + prandom_u32_state(&rs) % (LOCKLESS_PAGES * PG);
		ret = fv_lookup(r->a, addr, &res);
		atomic_long_inc(&r->lookups);
		if (ret == -ENOENT)
			goto next;
		atomic_long_inc(&r->hits);
		if (ret || res.ext_start > addr ||
		    res.ext_start + res.ext_len <= addr || !res.nholders ||
		    (res.ext_start | res.ext_len) & (PG - 1) ||
		    res.ext_start < FVT_BASE ||
		    res.ext_start + res.ext_len > FVT_BASE + LOCKLESS_PAGES * PG)
			atomic_long_inc(&r->bad);
next:
		cond_resched();
	}
	return 0;
}

static void fv_lockless_test_lookup_races_writer(struct kunit *test)
{
	struct fvt *f = test->priv;
	struct fvt_reader *r;
	struct rnd_state rs;
	u64 addr;
	int i, d;

	r = kunit_kcalloc(test, LOCKLESS_READERS, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	fvt_setup(f, FVT_BASE, LOCKLESS_PAGES);
	prandom_seed_state(&rs, 42);
	for (i = 0; i < LOCKLESS_READERS; i++) {
		r[i].a = f->a;
		r[i].seed = i + 1;
		r[i].task = kthread_run(fvt_reader_fn, &r[i], "fvt_reader/%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(r[i].task));
	}
	for (i = 0; i < 4000; i++) {
		d = prandom_u32_state(&rs) % FVT_NDOM;
		addr = FVT_BASE + (prandom_u32_state(&rs) % LOCKLESS_PAGES) * PG;
		switch (prandom_u32_state(&rs) % 3) {
		case 0:
			fv_alloc(f->a, &f->dom[d], (1 + i % 7) * PG, 0, RW,
				 &addr);
			break;
		case 1:
			fv_share(f->a, &f->dom[d], &f->dom[(d + 1) % FVT_NDOM],
				 addr, PG, FV_READ);
			break;
		default:
			fv_release(f->a, &f->dom[d], addr, 3 * PG, NULL, NULL);
			break;
		}
		if (i % 500 == 0)
			fvt_check(f);
		cond_resched();
	}
	for (i = 0; i < LOCKLESS_READERS; i++) {
		kthread_stop(r[i].task);
		KUNIT_EXPECT_EQ(test, atomic_long_read(&r[i].bad), 0);
		KUNIT_EXPECT_GT(test, atomic_long_read(&r[i].lookups), 0);
		kunit_info(test, "reader %d: %ld lookups, %ld hits\n", i,
			   atomic_long_read(&r[i].lookups),
			   atomic_long_read(&r[i].hits));
	}
	fvt_check(f);
}

static struct kunit_case fv_lockless_cases[] = {
	KUNIT_CASE(fv_lockless_test_lookup_races_writer),
	{}
};

static struct kunit_suite fv_lockless_suite = {
	.name = "fv_lockless",
	.suite_init = fvt_suite_init,
	.suite_exit = fvt_suite_exit,
	.init = fvt_init,
	.exit = fvt_exit,
	.test_cases = fv_lockless_cases,
};

kunit_test_suites(&fv_arena_suite, &fv_alloc_suite, &fv_share_suite,
		  &fv_release_suite, &fv_lookup_suite, &fv_domain_suite,
		  &fv_check_suite, &fv_atomic_suite, &fv_model_suite,
		  &fv_lockless_suite);

MODULE_DESCRIPTION("KUnit tests for the flatvm allocator core");
MODULE_LICENSE("GPL");
