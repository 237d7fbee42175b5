// SPDX-License-Identifier: GPL-2.0
/*
 * fv_alloc: argument checks and their precedence, the owner's rights,
 * window ends, every alignment, aligned runs that only a tight hole holds,
 * exhaustion, placement equal to a brute-force lowest fit over the
 * reference model (aligned and not, one leaf and several levels), runs too
 * long for the summaries' 32-bit buckets, and the adversarial aligned case
 * (200,000 misaligned holes; 20,000 in the debug kernel) with a bound on
 * the nodes the search reads.
 */
#include "fvt.h"
#include "fv_tree.h"

#define WBASE	GIB		/* a window aligned to every alignment */

struct alloc_case {
	const char *name;
	u64 len, align;
	u32 rights;
	int rc;		/* on an empty 16-page window */
};

static const struct alloc_case alloc_cases[] = {
	{ "zero_len", 0, 0, RW, -EINVAL },
	{ "len_1", 1, 0, RW, -EINVAL },
	{ "len_page_minus_1", 0xfff, 0, RW, -EINVAL },
	{ "len_page_plus_1", 0x1001, 0, RW, -EINVAL },
	{ "len_1_5_pages", 0x1800, 0, RW, -EINVAL },
	{ "len_all_ones", ~0ULL, 0, RW, -EINVAL },
	{ "align_1", 0x1000, 1, RW, -EINVAL },
	{ "align_half_page", 0x1000, 0x800, RW, -EINVAL },
	{ "align_3_pages", 0x1000, 0x3000, RW, -EINVAL },
	{ "align_page_plus_1", 0x1000, 0x1001, RW, -EINVAL },
	{ "align_2g", 0x1000, GIB << 1, RW, -EINVAL },
	{ "align_2p62", 0x1000, (u64)1 << 62, RW, -EINVAL },
	{ "align_2p63", 0x1000, (u64)1 << 63, RW, -EINVAL },
	{ "align_all_ones", 0x1000, ~0ULL, RW, -EINVAL },
	{ "align_1g_plus_page", 0x1000, GIB + 0x1000, RW, -EINVAL },
	{ "no_rights", 0x1000, 0, 0, -EINVAL },
	{ "owner_asked", 0x1000, 0, FV_OWNER, -EINVAL },
	{ "read_and_owner", 0x1000, 0, FV_READ | FV_OWNER, -EINVAL },
	{ "rights_0xff", 0x1000, 0, 0xff, -EINVAL },
	{ "rights_all_ones", 0x1000, 0, ~0u, -EINVAL },
	{ "unknown_right_0x10", 0x1000, 0, FV_READ | 0x10, -EINVAL },
	{ "all_wrong", 0, GIB << 1, 0, -EINVAL },
	{ "bad_rights_before_nospc", PG(128), 0, 0, -EINVAL },
	{ "larger_than_window", PG(17), 0, RW, -ENOSPC },
	{ "larger_aligned", PG(17), GIB, RW, -ENOSPC },
	{ "overflowing_len", ~0xfffULL, 0, RW, -ENOSPC },
	{ "overflowing_aligned", ~0xfffULL, GIB, RW, -ENOSPC },
	{ "len_2p63", (u64)1 << 63, GIB, RW, -ENOSPC },
	{ "len_2p63_plus_page", ((u64)1 << 63) + 0x1000, 0x1000, RW, -ENOSPC },
	{ "len_wraps_with_align", ~0xfffULL - GIB + 0x2000, GIB, RW, -ENOSPC },
	{ "len_2p47", (u64)1 << FV_MAX_WINDOW_SHIFT, 0, RW, -ENOSPC },
	{ "len_2p60", (u64)1 << 60, 0, RW, -ENOSPC },
	{ "one_page_1g_aligned", PG(1), GIB, RW, 0 },
	{ "whole_window_read", PG(16), 0, FV_READ, 0 },
	{ "whole_window_1g_exec", PG(16), GIB, FV_EXEC, 0 },
	{ "two_pages_aligned", PG(2), PG(2), RWX, 0 },
	{ "page_aligned_write", PG(3), 0x1000, FV_WRITE, 0 },
	{ "align_16_pages", PG(5), PG(16), FV_WRITE, 0 },
};

static void alloc_case_desc(const struct alloc_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(alloc, alloc_cases, alloc_case_desc);

/* One call: @rc, and on success a range at the lowest fit, owned by d0. */
static void alloc_row(struct fvt *f, const struct alloc_case *c, int rc,
		      u64 want)
{
	struct kunit *test = f->test;
	struct fvt_snap *before, *after;
	u64 addr = 0;
	int got;

	before = fvt_snap_take(f);
	got = fv_alloc(f->a, &f->d[0], c->len, c->align, c->rights, &addr);
	KUNIT_EXPECT_EQ(test, got, rc);
	FVT_CHECK(f);
	if (got) {
		after = fvt_snap_take(f);
		fvt_snap_expect_same(f, before, after, "a failed fv_alloc()",
				     __LINE__);
		fvt_snap_free(f, after);
	} else {
		fvt_note_range(f, addr, __LINE__);
		KUNIT_EXPECT_EQ(test, addr, want);
		EXPECT_RIGHTS(f, 0, addr + c->len - 1, 0,
			      c->rights | FV_OWNER);
		EXPECT_LOOKUP(f, addr, 0, addr, addr, c->len, 1);
		EXPECT_PIECE(f, addr + c->len / 2, 0, addr, c->len);
		KUNIT_EXPECT_EQ(test, fv_holds_all(f->a, &f->d[0], addr, c->len,
						   c->rights | FV_OWNER), 0);
		KUNIT_EXPECT_EQ(test, f->d[0].npages, c->len >> FV_PAGE_SHIFT);
		KUNIT_EXPECT_EQ(test, fvt_release(f, 0, addr, c->len), 0);
		EXPECT_RELEASED(f, addr, c->len);
	}
	fvt_snap_free(f, before);
}

/*
 * Each row on an empty 16-page window, then on a full one (a valid request
 * then says -ENOSPC; an invalid one still -EINVAL: arguments first).
 */
static void fv_alloc_test_args(struct kunit *test)
{
	const struct alloc_case *c = test->param_value;
	struct fvt *f = test->priv;

	fvt_setup(f, WBASE, PG(16), 2);
	alloc_row(f, c, c->rc, WBASE);
	FVT_ALLOC(f, 1, PG(16), 0, FV_READ);
	alloc_row(f, c, c->rc ? c->rc : -ENOSPC, 0);
}

static void fv_alloc_test_whole_window(struct kunit *test)
{
	struct fvt *f = test->priv;
	u64 a = 0;

	fvt_setup(f, WBASE + PG(3), PG(16), 1);
	KUNIT_EXPECT_EQ(test, fv_alloc(f->a, &f->d[0], PG(17), 0, RW, &a),
			-ENOSPC);
	a = FVT_ALLOC(f, 0, PG(16), 0, RW);
	KUNIT_EXPECT_EQ(test, a, WBASE + PG(3));
	EXPECT_LOOKUP(f, a, 0, a, a, PG(16), 1);
	EXPECT_LOOKUP(f, a + PG(16) - 1, 0, a, a, PG(16), 1);
	EXPECT_LOOKUP(f, a - 1, -ENOENT, 0, 0, 0, 0);
	EXPECT_LOOKUP(f, a + PG(16), -ENOENT, 0, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, fv_alloc(f->a, &f->d[0], PG(1), 0, RW, &a),
			-ENOSPC);
	FVT_CHECK(f);
	KUNIT_EXPECT_EQ(test, fvt_release(f, 0, WBASE + PG(3), PG(16)), 0);
	EXPECT_RELEASED(f, WBASE + PG(3), PG(16));
}

/*
 * A window aligned to nothing above a page, holding a 1 GiB boundary:
 * every alignment lands on its first multiple in the window.
 */
static void fv_alloc_test_every_align(struct kunit *test)
{
	struct fvt *f = test->priv;
	u64 base = GIB - PG(1), align, a;
	unsigned int k;

	fvt_setup(f, base, GIB + PG(64), 1);
	for (k = FV_PAGE_SHIFT; k <= FV_MAX_ALIGN_SHIFT; k++) {
		align = (u64)1 << k;
		a = FVT_ALLOC(f, 0, PG(1), align, FV_READ);
		KUNIT_EXPECT_EQ(test, a, (base + align - 1) & ~(align - 1));
		EXPECT_LOOKUP(f, a, 0, a, a, PG(1), 1);
		KUNIT_EXPECT_EQ(test, fvt_release(f, 0, a, PG(1)), 0);
		a = FVT_ALLOC(f, 0, align, align, FV_READ);
		KUNIT_EXPECT_EQ(test, a, (base + align - 1) & ~(align - 1));
		EXPECT_LOOKUP(f, a + align - 1, 0, a, a, align, 1);
		KUNIT_EXPECT_EQ(test, fvt_release(f, 0, a, align), 0);
		EXPECT_RELEASED(f, a, align);
		FVT_CHECK(f);
	}
}

/*
 * An aligned run that only a hole shorter than len + align - 1 pages
 * holds must be found.  The window (8 blocks of @align at @align) is
 * allocated whole, then holes are punched: two decoys of n + 1 pages that
 * hold no aligned run of n pages, and the hole at A holding exactly one:
 *
 *   variant 0:  [A - 1 page, A + n)
 *   variant 1:  [A, A + n)
 *   variant 2:  [A - (align pages - 2), A + n)   one page short of n + a - 1
 */
static void align_tight_one(struct fvt *f, unsigned int k, unsigned int v,
			    u64 n)
{
	u64 align = (u64)1 << k, apg = align >> FV_PAGE_SHIFT;
	u64 lead = v == 0 ? 1 : v == 1 ? 0 : apg - 2;
	u64 A = align + 6 * align, hole, got = 0;
	struct kunit *test = f->test;
	unsigned int j;

	fvt_setup(f, align, 8 * align, 1);
	FVT_ALLOC(f, 0, 8 * align, 0, RW);
	for (j = 1; j <= 3; j += 2) {
		hole = align + j * align + PG(2);
		KUNIT_ASSERT_EQ(test, fvt_release(f, 0, hole, PG(n + 1)), 0);
	}
	hole = A - PG(lead);
	KUNIT_ASSERT_EQ(test, fvt_release(f, 0, hole, PG(n + lead)), 0);
	EXPECT_RELEASED(f, hole, PG(n + lead));
	KUNIT_EXPECT_EQ(test, fv_alloc(f->a, &f->d[0], PG(n + 1), align, RW,
				       &got), -ENOSPC);
	KUNIT_EXPECT_EQ(test, fv_alloc(f->a, &f->d[0], PG(n), align, RW, &got),
			0);
	KUNIT_EXPECT_EQ_MSG(test, got, A,
			    "align 2^%u, %llu pages, variant %u", k, n, v);
	fvt_note_range(f, A, __LINE__);
	EXPECT_LOOKUP(f, A, 0, A, A, PG(n), 1);
	FVT_CHECK(f);
}

static void fv_alloc_test_align_tight(struct kunit *test)
{
	struct fvt *f = test->priv;
	unsigned int k, v, ni;
	u64 n;

	for (k = FV_PAGE_SHIFT + 2; k <= FV_MAX_ALIGN_SHIFT; k++) {
		for (v = 0; v < 3; v++) {
			for (ni = 0; ni < 3; ni++) {
				n = ni == 0 ? 1 : ni == 1 ?
				    (u64)1 << (k - FV_PAGE_SHIFT) : 3;
				align_tight_one(f, k, v, n);
			}
		}
	}
}

/*
 * The window starts one page below an 8-page boundary and holds 17 pages:
 *
 *   | 1 | 8 (aligned) | 8 (aligned) |
 *
 * Two aligned 8-page ranges fit, a third does not, the loose page stays.
 */
static void fv_alloc_test_align_tight_fit(struct kunit *test)
{
	struct fvt *f = test->priv;
	u64 base = ((u64)1 << 44) + PG(7), dummy;

	fvt_setup(f, base, PG(17), 3);
	KUNIT_EXPECT_EQ(test, FVT_ALLOC(f, 0, PG(8), PG(8), RW), base + PG(1));
	KUNIT_EXPECT_EQ(test, FVT_ALLOC(f, 1, PG(8), PG(8), RW), base + PG(9));
	KUNIT_EXPECT_EQ(test, fv_alloc(f->a, &f->d[2], PG(8), PG(8), RW,
				       &dummy), -ENOSPC);
	KUNIT_EXPECT_EQ(test, FVT_ALLOC(f, 2, PG(1), 0, RW), base);
	KUNIT_EXPECT_EQ(test, fv_alloc(f->a, &f->d[2], PG(1), 0, RW, &dummy),
			-ENOSPC);
	FVT_CHECK(f);
}

/* An exact-size aligned hole between two ranges is found. */
static void fv_alloc_test_align_exact_hole(struct kunit *test)
{
	struct fvt *f = test->priv;
	u64 addr[4];
	int i;

	fvt_setup(f, WBASE, PG(16), 2);
	for (i = 0; i < 4; i++)
		addr[i] = FVT_ALLOC(f, 0, PG(4), PG(4), RW);
	KUNIT_ASSERT_EQ(test, fvt_release(f, 0, addr[2], PG(4)), 0);
	KUNIT_EXPECT_EQ(test, FVT_ALLOC(f, 1, PG(4), PG(4), FV_READ), addr[2]);
	FVT_CHECK(f);
}

/*
 * 64 one-page ranges fill 64 pages, in order; then holes appear and only
 * what fits is given:
 *   page 10 back: a 1-page range aligned to 2 pages fits there
 *   page 21 back: odd, no 2-page alignment; 20 back too: one 2-page run
 */
static void fv_alloc_test_exhaustion(struct kunit *test)
{
	struct fvt *f = test->priv;
	u64 base = 0x200000, a = 0;
	struct fv_stats st;
	unsigned int n, i;
	int rc;

	fvt_setup(f, base, PG(64), 1);
	for (n = 0; n < 65; n++) {
		rc = fv_alloc(f->a, &f->d[0], PG(1), 0, FV_READ, &a);
		if (rc == -ENOSPC)
			break;
		KUNIT_ASSERT_EQ(test, rc, 0);
		KUNIT_EXPECT_EQ(test, a, base + PG(n));
	}
	KUNIT_EXPECT_EQ(test, n, 64);
	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ(test, st.free_bytes, 0);
	KUNIT_EXPECT_EQ(test, st.largest_free, 0);
	KUNIT_EXPECT_EQ(test, st.nfree, 0);
	KUNIT_EXPECT_EQ(test, st.nextents, 64);
	FVT_CHECK(f);
	KUNIT_EXPECT_EQ(test, fvt_release(f, 0, base + PG(10), PG(1)), 0);
	EXPECT_RELEASED(f, base + PG(10), PG(1));
	KUNIT_EXPECT_EQ(test, fv_alloc(f->a, &f->d[0], PG(2), 0, FV_READ, &a),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, fv_alloc(f->a, &f->d[0], PG(1), PG(2), FV_READ,
				       &a), 0);
	KUNIT_EXPECT_EQ(test, a, base + PG(10));
	KUNIT_EXPECT_EQ(test, fvt_release(f, 0, base + PG(21), PG(1)), 0);
	KUNIT_EXPECT_EQ(test, fv_alloc(f->a, &f->d[0], PG(1), PG(2), FV_READ,
				       &a), -ENOSPC);
	KUNIT_EXPECT_EQ(test, fvt_release(f, 0, base + PG(20), PG(1)), 0);
	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ(test, st.nfree, 1);
	KUNIT_EXPECT_EQ(test, st.largest_free, PG(2));
	KUNIT_EXPECT_EQ(test, fv_alloc(f->a, &f->d[0], PG(3), 0, FV_READ, &a),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, fv_alloc(f->a, &f->d[0], PG(2), PG(2), FV_READ,
				       &a), 0);
	KUNIT_EXPECT_EQ(test, a, base + PG(20));
	KUNIT_EXPECT_EQ(test, fv_alloc(f->a, &f->d[0], PG(1), 0, FV_READ, &a),
			-ENOSPC);
	/* A release across many ranges frees one coalesced run. */
	KUNIT_EXPECT_EQ(test, fvt_release(f, 0, base + PG(30), PG(20)), 0);
	EXPECT_RELEASED(f, base + PG(30), PG(20));
	for (i = 0; i < 20; i++)
		EXPECT_LOOKUP(f, base + PG(30 + i), -ENOENT, 0, 0, 0, 0);
	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ(test, st.nfree, 1);
	KUNIT_EXPECT_EQ(test, st.largest_free, PG(20));
	KUNIT_EXPECT_EQ(test, st.free_bytes, PG(20));
	FVT_CHECK(f);
}

/* Every set of rights is kept, with FV_OWNER added. */
static void fv_alloc_test_rights_kept(struct kunit *test)
{
	struct fvt *f = test->priv;
	u32 r, q;
	u64 a;

	fvt_setup(f, WBASE, PG(64), 1);
	for (r = 1; r <= RWX; r++) {
		a = FVT_ALLOC(f, 0, PG(r), 0, r);
		EXPECT_RIGHTS(f, 0, a + PG(r) - 1, 0, r | FV_OWNER);
		for (q = 1; q <= (RWX | FV_OWNER); q++)
			KUNIT_EXPECT_EQ_MSG(test, fv_holds_all(f->a, &f->d[0], a,
							       PG(r), q),
					    (q & ~(r | FV_OWNER)) ? -EACCES : 0,
					    "rights %#x asked %#x", r, q);
	}
	FVT_CHECK(f);
}

/* --- lowest fit against the reference model ---------------------------- */

struct fit_case {
	const char *name;
	u64 seed;
	u64 base_page;		/* the window's first page */
	u64 npages;		/* at most FVT_MODEL_UNITS */
	unsigned int max_len;	/* pages asked, 1..max_len */
	unsigned int steps;
};

static const struct fit_case fit_cases[] = {
	{ "one_leaf_aligned_base", 1, 1 << 18, 64, 8, 2000 },
	{ "one_leaf_odd_base", 2, (1 << 18) + 5, 64, 8, 2000 },
	{ "levels_aligned_base", 3, 1 << 18, 1024, 48, 4000 },
	{ "levels_odd_base", 4, (1 << 18) - 3, 1024, 48, 4000 },
	{ "levels_small_runs", 5, 77, 4096, 6, 6000 },
	{ "levels_long_runs", 6, 1 << 20, 4096, 300, 3000 },
};

static void fit_case_desc(const struct fit_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(fit, fit_cases, fit_case_desc);

/*
 * fv_release() by model domain @d: the same result, and the runs reported
 * released (with their range ids) are the units the model frees.
 */
static void release_vs_model(struct fvt *f, struct fvt_model *m,
			     unsigned int d, u64 addr, u64 len, u8 *freed,
			     char *msg)
{
	struct kunit *test = f->test;
	u8 *seen = freed + FVT_MODEL_UNITS;
	unsigned int i;
	int rc, bad;

	memset(freed, 0, 2 * FVT_MODEL_UNITS);
	rc = fvt_release(f, d, addr, len);
	for (i = 0; i < f->nruns; i++) {
		bad = fvt_model_check_released(m, f->runs[i].addr,
					       f->runs[i].len,
					       f->runs[i].range, seen, msg, 256);
		KUNIT_ASSERT_FALSE_MSG(test, bad, "%s", msg);
	}
	KUNIT_ASSERT_EQ(test, rc, fvt_model_release(m, d, addr, len, freed));
	bad = fvt_model_compare_freed(m, seen, freed, msg, 256);
	KUNIT_ASSERT_FALSE_MSG(test, bad, "%s", msg);
}

/*
 * Random allocations (alignments from none to 512 pages) and releases:
 * every fv_alloc() must land exactly on the model's lowest fit, and say
 * -ENOSPC exactly when the model has none; fv_check() and the model's
 * state every 64 steps.
 */
static void fv_alloc_test_lowest_fit_vs_model(struct kunit *test)
{
	const struct fit_case *c = test->param_value;
	struct fvt *f = test->priv;
	struct fv_domain *doms[FVT_MODEL_NDOM];
	u64 seed = c->seed, n, align, addr, fit;
	unsigned int step, d, nospc = 0;
	struct fvt_model *m;
	char *msg;
	u8 *freed;
	int rc;

	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	msg = kunit_kzalloc(test, 256, GFP_KERNEL);
	freed = kunit_kzalloc(test, 2 * FVT_MODEL_UNITS, GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, m && msg && freed);
	fvt_setup(f, PG(c->base_page), PG(c->npages), FVT_MODEL_NDOM);
	fvt_model_init(m, c->base_page, c->npages, 0);
	for (d = 0; d < FVT_MODEL_NDOM; d++)
		doms[d] = &f->d[d];
	for (step = 0; step < c->steps; step++) {
		fvt_yield();
		d = fvt_rand(&seed) % FVT_MODEL_NDOM;
		if (fvt_rand(&seed) % 3 == 0) {
			/* Release a random span: whatever d holds there. */
			n = 1 + fvt_rand(&seed) % (2 * c->max_len);
			addr = fvt_rand(&seed) % c->npages;
			if (addr + n > c->npages)
				n = c->npages - addr;
			addr = fvt_model_addr(m, addr);
			release_vs_model(f, m, d, addr, PG(n), freed, msg);
			continue;
		}
		n = 1 + fvt_rand(&seed) % c->max_len;
		align = fvt_rand(&seed) % 2 ? 0 : PG(1) << fvt_rand(&seed) % 10;
		fit = fvt_model_lowest_fit(m, n, align);
		rc = fv_alloc(f->a, &f->d[d], PG(n), align, RW, &addr);
		if (!fit) {
			KUNIT_ASSERT_EQ_MSG(test, rc, -ENOSPC,
					    "step %u: %llu pages aligned %#llx",
					    step, n, align);
			nospc++;
			continue;
		}
		KUNIT_ASSERT_EQ_MSG(test, rc, 0, "step %u: %llu pages aligned %#llx",
				    step, n, align);
		KUNIT_ASSERT_EQ_MSG(test, addr, fvt_model_addr(m, fit - 1),
				    "step %u: %llu pages aligned %#llx: not the lowest fit",
				    step, n, align);
		fvt_note_range(f, addr, __LINE__);
		fvt_model_alloc(m, d, fit - 1, n, RW, fvt_range_id(f, addr));
		if (step % 64)
			continue;
		KUNIT_ASSERT_FALSE_MSG(test, fvt_model_compare(m, f->a, doms,
							       false, msg, 256),
				       "step %u: %s", step, msg);
	}
	KUNIT_EXPECT_FALSE_MSG(test, fvt_model_compare(m, f->a, doms, true,
						       msg, 256), "%s", msg);
	KUNIT_EXPECT_GT(test, nospc, 10);
	kunit_info(test, "%u steps, %u -ENOSPC, %u ranges\n", c->steps, nospc,
		   f->nranges);
}

/*
 * Free runs of 2^32 pages and more saturate the summaries' 32-bit buckets,
 * which then only say "maybe": the search must look and go on.
 *
 *   | 40 x 1 page | A: 2^33 pages free | 1 page | 40 x 1 page | B: free |
 *
 * 2^33 + 2^18 pages aligned to 1 GiB do not fit in A (its bucket is
 * saturated), and land at B's first 1 GiB boundary; one page more fits
 * nowhere.
 */
static void fv_alloc_test_saturated_buckets(struct kunit *test)
{
	u64 gib_pg = GIB >> FV_PAGE_SHIFT, a_pages = (u64)1 << 33, b, want;
	u64 window = (u64)1 << FV_MAX_WINDOW_SHIFT, addr = 0, n;
	struct fvt *f = test->priv;
	unsigned int i;

	fvt_setup(f, 0, window, 2);
	for (i = 0; i < 40; i++)
		FVT_ALLOC(f, 0, PG(1), 0, RW);
	FVT_ALLOC(f, 1, PG(a_pages), 0, RW);
	FVT_ALLOC(f, 0, PG(1), 0, RW);
	for (i = 0; i < 40; i++)
		FVT_ALLOC(f, 0, PG(1), 0, RW);
	KUNIT_ASSERT_EQ(test, fvt_release(f, 1, PG(40), PG(a_pages)), 0);
	b = 40 + a_pages + 41;
	want = (b + gib_pg - 1) & ~(gib_pg - 1);
	n = a_pages + gib_pg;
	KUNIT_EXPECT_EQ(test, fv_alloc(f->a, &f->d[1], PG(n), GIB, RW, &addr),
			0);
	KUNIT_EXPECT_EQ(test, addr, PG(want));
	KUNIT_EXPECT_EQ(test, fvt_release(f, 1, addr, PG(n)), 0);
	n = (window >> FV_PAGE_SHIFT) - want + 1;
	KUNIT_EXPECT_EQ(test, fv_alloc(f->a, &f->d[1], PG(n), GIB, RW, &addr),
			-ENOSPC);
	/* Unaligned, the same length fits at B's start. */
	KUNIT_EXPECT_EQ(test, fv_alloc(f->a, &f->d[1], PG(n), 0, RW, &addr), 0);
	KUNIT_EXPECT_EQ(test, addr, PG(b));
	FVT_CHECK(f);
}

/* --- the adversarial aligned case ------------------------------------- */

/*
 * A decoy stands in for a subtree the search must not enter: it claims a
 * free run covering the subtree's whole span (its parent's copy of the
 * summary still tells the truth).  A search that reads it allocates inside
 * it, at the wrong address.
 */
struct decoy {
	struct fv_node *orig;
	struct fv_node *node;
};

#define MAX_DECOYS	(FV_BRANCH_SLOTS * FV_MAX_HEIGHT)

struct decoys {
	unsigned int n;
	struct decoy d[MAX_DECOYS];
};

static struct fv_node *decoy_make(struct kunit *test, unsigned int level,
				  u64 first)
{
	struct fv_branch *b;
	struct fv_leaf *l;
	unsigned int k;

	if (!level) {
		l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, l);
		l->hdr.nr = 1;
		l->hdr.freemap = 1;
		l->start[0] = first;
		return &l->hdr;
	}
	b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b);
	b->hdr.level = level;
	b->hdr.nr = 1;
	b->pivot[0] = first;
	b->child[0] = decoy_make(test, level - 1, first);
	b->gap[0] = ~0ULL >> 1;
	b->sum.gap = b->gap[0];
	for (k = 0; k < FV_ABUCKETS; k++) {
		b->agap[k][0] = FV_U32_MAX;
		b->sum.agap[k] = FV_U32_MAX;
	}
	return &b->hdr;
}

/* Replace every child off the path to @page (all of them: no path). */
static void decoys_plant(struct kunit *test, struct fv_arena *a, u64 page,
			 bool no_path, struct decoys *ds)
{
	struct fv_path p;
	struct fv_branch *b;
	unsigned int l, c;

	ds->n = 0;
	if (!a->height)
		return;
	fv_tree_walk(a, page, &p);
	for (l = 1; l <= a->height; l++) {
		b = p.br[l];
		for (c = 0; c < b->hdr.nr; c++) {
			if (c == p.idx[l] && !no_path)
				continue;
			KUNIT_ASSERT_LT(test, ds->n, MAX_DECOYS);
			ds->d[ds->n].orig = b->child[c];
			ds->d[ds->n].node = decoy_make(test, l - 1, b->pivot[c]);
			b->child[c] = ds->d[ds->n].node;
			ds->n++;
		}
		if (no_path)
			break;
	}
}

static unsigned int decoys_restore_below(struct fv_node *n,
					 const struct decoys *ds)
{
	struct fv_branch *b = (struct fv_branch *)n;
	unsigned int c, k, found = 0;
	bool is_decoy;

	if (!n->level)
		return 0;
	for (c = 0; c < n->nr; c++) {
		is_decoy = false;
		for (k = 0; k < ds->n; k++) {
			if (b->child[c] == ds->d[k].node) {
				b->child[c] = ds->d[k].orig;
				is_decoy = true;
				found++;
			}
		}
		if (!is_decoy)
			found += decoys_restore_below(b->child[c], ds);
	}
	return found;
}

/*
 * One fv_alloc() with every subtree off the path to @want (to nothing when
 * @want is 0) replaced by a decoy: the right answer proves the search read
 * no node off that path, i.e. it was one descent.
 */
static void decoyed_alloc(struct fvt *f, struct decoys *ds, u64 len,
			  u64 align, u64 want, int line)
{
	struct kunit *test = f->test;
	u64 addr = 0;
	int rc;

	decoys_plant(test, f->a, (want ? want : f->base) >> FV_PAGE_SHIFT,
		     !want, ds);
	rc = fv_alloc(f->a, &f->d[1], len, align, RW, &addr);
	KUNIT_EXPECT_EQ_MSG(test, decoys_restore_below(f->a->root, ds), ds->n,
			    "line %d", line);
	KUNIT_EXPECT_GT_MSG(test, ds->n, 0, "line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, rc, want ? 0 : -ENOSPC, "line %d", line);
	if (want)
		KUNIT_EXPECT_EQ_MSG(test, addr, want, "line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, fv_check(f->a), 0, "line %d", line);
}

/*
 * The host makes 200,000 holes.  The debug kernel (KASAN, under TCG: about
 * 150 us a release) makes 20,000: the decoys prove one descent whatever
 * the size, and the whole KUnit run stays within a couple of minutes.
 */
#define HOLES	(FVT_KERNEL ? 20000ULL : 200000ULL)

/*
 * HOLES holes of 3 pages, each just past a 4-page boundary, so that none
 * holds 2 pages aligned to 4 though every one is longer than the request:
 * a window of 4 x (HOLES + 1) pages at a 4-page boundary, held whole by d0,
 * then [4k + 1, 4k + 4) released for each k.
 *
 *   | d0 | hole 3 | d0 | hole 3 | ... | d0 | hole 3 | d0 x 4 |
 *     0    1..3     4    5..7               4H        4H..4H+4
 *
 * 2 pages aligned to 4 pages, with decoys off the path to the answer:
 *   no fit at all                          -ENOSPC
 *   the last 4 pages released              the only fit is there
 *   8 pages at hole H/2 released too       the lowest fit is there
 * and 3 pages unaligned take hole 0.
 */
static void fv_alloc_test_aligned_adversarial(struct kunit *test)
{
	u64 base = (u64)1 << 32, npages = 4 * (HOLES + 1), k, end, middle, addr;
	struct fvt *f = test->priv;
	struct fv_stats st;
	struct decoys *ds;

	ds = kunit_kzalloc(test, sizeof(*ds), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ds);
	fvt_setup(f, base, PG(npages), 2);
	FVT_ALLOC(f, 0, PG(npages), 0, RW);
	for (k = 0; k < HOLES; k++)
		KUNIT_ASSERT_EQ(test, fvt_release(f, 0, base + PG(4 * k + 1),
						  PG(3)), 0);
	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ(test, st.nfree, HOLES);
	KUNIT_EXPECT_EQ(test, st.largest_free, PG(3));
	KUNIT_EXPECT_GE(test, f->a->height, 3);
	FVT_CHECK(f);

	/*
	 * The first exact search for an alignment makes the tree keep its
	 * field (one pass over the tree, not a descent): before the decoys.
	 */
	KUNIT_EXPECT_EQ(test, f->a->sum_fields, 1U);
	KUNIT_EXPECT_EQ(test, fv_alloc(f->a, &f->d[1], PG(2), PG(4), RW, &addr),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, f->a->sum_fields, 1U | 1U << 2);
	FVT_CHECK(f);
	decoyed_alloc(f, ds, PG(2), PG(4), 0, __LINE__);
	end = base + PG(4 * HOLES);
	KUNIT_ASSERT_EQ(test, fvt_release(f, 0, end, PG(4)), 0);
	decoyed_alloc(f, ds, PG(2), PG(4), end, __LINE__);
	KUNIT_ASSERT_EQ(test, fvt_release(f, 1, end, PG(2)), 0);
	middle = base + PG(4 * (HOLES / 2));
	KUNIT_ASSERT_EQ(test, fvt_release(f, 0, middle, PG(8)), 0);
	decoyed_alloc(f, ds, PG(2), PG(4), middle, __LINE__);
	decoyed_alloc(f, ds, PG(3), 0, base + PG(1), __LINE__);
	FVT_CHECK(f);
}

static struct kunit_case fv_alloc_cases[] = {
	KUNIT_CASE_PARAM(fv_alloc_test_args, alloc_gen_params),
	KUNIT_CASE(fv_alloc_test_whole_window),
	KUNIT_CASE(fv_alloc_test_every_align),
	KUNIT_CASE(fv_alloc_test_align_tight),
	KUNIT_CASE(fv_alloc_test_align_tight_fit),
	KUNIT_CASE(fv_alloc_test_align_exact_hole),
	KUNIT_CASE(fv_alloc_test_exhaustion),
	KUNIT_CASE(fv_alloc_test_rights_kept),
	KUNIT_CASE_PARAM(fv_alloc_test_lowest_fit_vs_model, fit_gen_params),
	KUNIT_CASE(fv_alloc_test_saturated_buckets),
	KUNIT_CASE(fv_alloc_test_aligned_adversarial),
	{}
};

static struct kunit_suite fv_alloc_suite = {
	.name = "fv_alloc",
	.suite_init = fvt_suite_init,
	.suite_exit = fvt_suite_exit,
	.init = fvt_case_init,
	.exit = fvt_case_exit,
	.test_cases = fv_alloc_cases,
};

kunit_test_suites(&fv_alloc_suite);
