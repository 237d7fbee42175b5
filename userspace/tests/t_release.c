// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of fv_release() and fv_domain_release_all(): partial releases
 * at both ends and in the middle, errors, shared pages that stay, reported
 * runs, coalescing with free neighbours.
 */
#include "fvt.h"

#define W	0x100000ull

/*
 * Three ranges of 8 pages tile a 24-page window; the middle one is kept
 * (d0, RW) and the other two released, so it has free neighbours.
 */
static u64 middle_range(struct fx *fx)
{
	u64 r[3];
	unsigned int i;

	fx_init(fx, W, PG(24), 3);
	for (i = 0; i < 3; i++)
		r[i] = FX_ALLOC(fx, 0, PG(8), 0, RW);
	for (i = 0; i < 3; i++) {
		if (r[i] == W + PG(8))
			continue;
		CHECK_RC(fx_release(fx, 0, r[i], PG(8)), 0);
		CHECK_RELEASED(&fx->rel, r[i], PG(8));
	}
	return W + PG(8);
}

/* Lookups of all 8 pages of range @a against the bitmask of held pages. */
static void expect_held(struct fx *fx, u64 a, unsigned int held,
			const char *file, int line)
{
	unsigned int p;

	for (p = 0; p < 8; p++) {
		unsigned int s = p, e = p;

		if (!(held & (1u << p))) {
			fx_expect_lookup(fx, a + PG(p), -ENOENT, 0, 0, 0, 0,
					 file, line);
			continue;
		}
		while (s > 0 && (held & (1u << (s - 1))))
			s--;
		while (e < 7 && (held & (1u << (e + 1))))
			e++;
		fx_expect_lookup(fx, a + PG(p) + 5, 0, a, a + PG(s),
				 PG(e - s + 1), 1, file, line);
	}
}

static const struct {
	unsigned int nsteps;
	struct {
		int start, len;		/* pages, relative to the range */
		int rc;
	} step[3];
} partial_table[] = {
	{ 1, { { 0, 1, 0 } } },				/* first page */
	{ 1, { { 7, 1, 0 } } },				/* last page */
	{ 1, { { 3, 2, 0 } } },				/* middle */
	{ 1, { { 0, 8, 0 } } },				/* whole */
	{ 2, { { 0, 4, 0 }, { 4, 4, 0 } } },		/* two halves */
	{ 3, { { 2, 1, 0 }, { 5, 1, 0 }, { 3, 2, 0 } } },	/* holes, then between */
	{ 3, { { 1, 6, 0 }, { 0, 1, 0 }, { 7, 1, 0 } } },	/* middle, then ends */
	{ 2, { { 6, 4, 0 }, { -3, 4, 0 } } },		/* spans into free space */
	{ 2, { { 2, 2, 0 }, { 2, 2, -ENOENT } } },	/* twice */
	{ 2, { { -8, 8, -ENOENT }, { 8, 8, -ENOENT } } },	/* free neighbours */
	{ 1, { { -8, 24, 0 } } },			/* the whole window */
};

static void release_partial(void)
{
	unsigned int i, s;

	for (i = 0; i < sizeof(partial_table) / sizeof(partial_table[0]); i++) {
		unsigned int held = 0xff;
		struct fv_stats st;
		struct fx fx;
		u64 a = middle_range(&fx);

		for (s = 0; s < partial_table[i].nsteps; s++) {
			int st0 = partial_table[i].step[s].start;
			int len = partial_table[i].step[s].len;
			unsigned int mask = 0;
			int p;

			for (p = st0; p < st0 + len; p++)
				if (p >= 0 && p < 8)
					mask |= 1u << p;
			CHECK(fx_release(&fx, 0, a + (u64)((long)st0 * 4096),
					 PG(len)) == partial_table[i].step[s].rc,
			      "row %u step %u: release [%d, %d): want %s", i, s,
			      st0, st0 + len,
			      fvt_errname(partial_table[i].step[s].rc));
			CHECK(fvt_released_bytes(&fx.rel) ==
			      PG(__builtin_popcount(mask & held)),
			      "row %u step %u: %#llx bytes reported", i, s,
			      (unsigned long long)fvt_released_bytes(&fx.rel));
			for (p = 0; p < 8; p++)
				CHECK(fvt_released_has(&fx.rel, a + PG(p)) ==
				      !!(mask & held & (1u << p)),
				      "row %u step %u: page %d reported wrongly",
				      i, s, p);
			held &= ~mask;
			expect_held(&fx, a, held, __FILE__, __LINE__);
			FX_CHECK(&fx);
		}
		/* Free space is coalesced: one free run per gap. */
		fv_stats(&fx.a, &st);
		CHECK(st.free_bytes == PG(24 - __builtin_popcount(held)),
		      "row %u: free bytes %#llx", i,
		      (unsigned long long)st.free_bytes);
		fx_fini(&fx);
	}
}

static const struct {
	long off;	/* bytes, relative to the window base */
	u64 len;
	unsigned int dom;
	int rc;
	const char *what;
} errors_table[] = {
	{ PG(8) + 1, PG(1), 0, -EINVAL, "unaligned address" },
	{ PG(8) + 0x800, PG(1), 0, -EINVAL, "half-page address" },
	{ PG(8), 0, 0, -EINVAL, "zero length" },
	{ PG(8), 1, 0, -EINVAL, "one byte" },
	{ PG(8), PG(1) + 0x800, 0, -EINVAL, "unaligned length" },
	{ -(long)PG(1), PG(2), 0, -EINVAL, "starts below the window" },
	{ -(long)PG(1), PG(1), 0, -EINVAL, "below the window" },
	{ PG(23), PG(2), 0, -EINVAL, "ends past the window" },
	{ PG(24), PG(1), 0, -EINVAL, "after the window" },
	{ PG(8), ~0xfffull, 0, -EINVAL, "wraps around" },
	{ 1, 0, 2, -EINVAL, "bad span before not held" },
	{ 0, PG(8), 0, -ENOENT, "free pages" },
	{ 0, PG(24), 2, -ENOENT, "holds nothing at all" },
	{ PG(8), PG(8), 1, -ENOENT, "only others hold it" },
	{ PG(16), PG(8), 1, -ENOENT, "free pages, other domain" },
};

static void release_errors(void)
{
	struct fvt_snap before, after;
	char buf[512];
	unsigned int i;
	struct fx fx;

	middle_range(&fx);
	fvt_snap_take(&fx, &before);
	for (i = 0; i < sizeof(errors_table) / sizeof(errors_table[0]); i++) {
		int rc = fx_release(&fx, errors_table[i].dom,
				    W + (u64)errors_table[i].off,
				    errors_table[i].len);

		CHECK(rc == errors_table[i].rc, "row %u (%s): got %s, want %s",
		      i, errors_table[i].what, fvt_errname(rc),
		      fvt_errname(errors_table[i].rc));
		CHECK(fx.rel.nruns == 0, "row %u: pages reported", i);
		fvt_snap_take(&fx, &after);
		CHECK(!fvt_snap_diff(&before, &after, buf, sizeof(buf)),
		      "row %u (%s): failed release changed state: %s", i,
		      errors_table[i].what, buf);
		fvt_snap_free(&after);
	}
	fvt_snap_free(&before);
	fx_fini(&fx);
}

/* Pages another domain holds stay; only pages nobody holds are reported. */
static void release_shared(void)
{
	struct fx fx;
	u64 a = middle_range(&fx);

	CHECK_RC(fv_share(&fx.a, &fx.d[0], &fx.d[1], a, PG(8), FV_READ), 0);
	CHECK_RC(fv_share(&fx.a, &fx.d[0], &fx.d[2], a + PG(2), PG(2), RW), 0);
	/* d2 lets go of more than it holds: only its part goes. */
	CHECK_RC(fx_release(&fx, 2, W, PG(24)), 0);
	CHECK(fx.rel.nruns == 0, "pages still held reported");
	CHECK_RC(fx_release(&fx, 2, a, PG(8)), -ENOENT);
	CHECK_RC(fx_release(&fx, 0, a, PG(4)), 0);
	CHECK(fx.rel.nruns == 0, "pages still held reported");
	EXPECT_LOOKUP(&fx, a, 0, a, a, PG(4), 1);
	EXPECT_LOOKUP(&fx, a + PG(4), 0, a, a + PG(4), PG(4), 2);
	EXPECT_RIGHTS(&fx, 0, a, -ENOENT, 0);
	EXPECT_RIGHTS(&fx, 1, a, 0, FV_READ);
	CHECK_RC(fx_release(&fx, 1, a + PG(2), PG(4)), 0);
	CHECK_RELEASED(&fx.rel, a + PG(2), PG(2));
	EXPECT_LOOKUP(&fx, a + PG(1), 0, a, a, PG(2), 1);
	EXPECT_LOOKUP(&fx, a + PG(3), -ENOENT, 0, 0, 0, 0);
	EXPECT_LOOKUP(&fx, a + PG(4), 0, a, a + PG(4), PG(2), 1);
	EXPECT_LOOKUP(&fx, a + PG(6), 0, a, a + PG(6), PG(2), 2);
	FX_CHECK(&fx);
	fx_fini(&fx);
}

/* One release over several ranges, holes and holders. */
static void release_across_ranges(void)
{
	u64 r[3], tmp;
	unsigned int i, j;
	struct fx fx;

	fx_init(&fx, W, PG(24), 2);
	for (i = 0; i < 3; i++)
		r[i] = FX_ALLOC(&fx, 0, PG(8), 0, RW);
	for (i = 0; i < 3; i++)
		for (j = i + 1; j < 3; j++)
			if (r[j] < r[i]) {
				tmp = r[i];
				r[i] = r[j];
				r[j] = tmp;
			}
	CHECK_RC(fv_share(&fx.a, &fx.d[0], &fx.d[1], r[2], PG(2), FV_READ), 0);
	CHECK_RC(fx_release(&fx, 0, r[1] + PG(2), PG(2)), 0);
	CHECK_RC(fx_release(&fx, 0, r[0] + PG(4), PG(16)), 0);
	/* r0 [4,8), r1 [0,2) and [4,8), r2 [2,4): r2 [0,2) stays with d1 */
	CHECK(fvt_released_bytes(&fx.rel) == PG(12), "%#llx bytes reported",
	      (unsigned long long)fvt_released_bytes(&fx.rel));
	CHECK(fvt_released_has(&fx.rel, r[0] + PG(4)) &&
	      fvt_released_has(&fx.rel, r[1]) &&
	      !fvt_released_has(&fx.rel, r[1] + PG(2)) &&
	      fvt_released_has(&fx.rel, r[1] + PG(7)) &&
	      !fvt_released_has(&fx.rel, r[2]) &&
	      fvt_released_has(&fx.rel, r[2] + PG(3)),
	      "wrong pages reported");
	EXPECT_LOOKUP(&fx, r[0] + PG(3), 0, r[0], r[0], PG(4), 1);
	EXPECT_LOOKUP(&fx, r[2] + PG(1), 0, r[2], r[2], PG(2), 1);
	EXPECT_LOOKUP(&fx, r[2] + PG(4), 0, r[2], r[2] + PG(4), PG(4), 1);
	EXPECT_RIGHTS(&fx, 1, r[2], 0, FV_READ);
	FX_CHECK(&fx);
	fx_fini(&fx);
}

/* Free neighbours on both sides become one free segment. */
static void release_coalesce(void)
{
	u64 r[3], tmp, a = 0;
	struct fv_stats st;
	unsigned int i, j;
	struct fx fx;

	fx_init(&fx, W, PG(12), 1);
	for (i = 0; i < 3; i++)
		r[i] = FX_ALLOC(&fx, 0, PG(4), 0, RW);
	for (i = 0; i < 3; i++)
		for (j = i + 1; j < 3; j++)
			if (r[j] < r[i]) {
				tmp = r[i];
				r[i] = r[j];
				r[j] = tmp;
			}
	CHECK_RC(fx_release(&fx, 0, r[0], PG(4)), 0);
	CHECK_RC(fx_release(&fx, 0, r[2], PG(4)), 0);
	fv_stats(&fx.a, &st);
	CHECK(st.nfree == 2 && st.largest_free == PG(4) &&
	      st.free_bytes == PG(8), "two free runs expected");
	CHECK_RC(fv_alloc(&fx.a, &fx.d[0], PG(5), 0, RW, &a), -ENOSPC);
	CHECK_RC(fx_release(&fx, 0, r[1], PG(4)), 0);
	CHECK_RELEASED(&fx.rel, r[1], PG(4));
	fv_stats(&fx.a, &st);
	CHECK(st.nfree == 1 && st.largest_free == PG(12), "not coalesced");
	a = FX_ALLOC(&fx, 0, PG(12), 0, RW);
	/* Released in pieces from the left, each joining the free run. */
	for (i = 0; i < 12; i++) {
		CHECK_RC(fx_release(&fx, 0, a + PG(i), PG(1)), 0);
		CHECK_RELEASED(&fx.rel, a + PG(i), PG(1));
		fv_stats(&fx.a, &st);
		CHECK(st.nfree == 1 && st.largest_free == PG(i + 1),
		      "step %u: %llu free runs, largest %#llx", i,
		      (unsigned long long)st.nfree,
		      (unsigned long long)st.largest_free);
	}
	a = FX_ALLOC(&fx, 0, PG(12), 0, RW);
	/* From both ends towards the middle: left run grows, right run grows. */
	for (i = 0; i < 6; i++) {
		CHECK_RC(fx_release(&fx, 0, a + PG(i), PG(1)), 0);
		CHECK_RC(fx_release(&fx, 0, a + PG(11 - i), PG(1)), 0);
		fv_stats(&fx.a, &st);
		CHECK(st.nfree == (i < 5 ? 2u : 1u), "step %u: %llu free runs",
		      i, (unsigned long long)st.nfree);
	}
	FX_CHECK(&fx);
	fx_fini(&fx);
}

static void release_all_domains(void)
{
	struct fv_stats st;
	u64 a, b, c;
	struct fx fx;

	fx_init(&fx, W, PG(32), 3);
	a = FX_ALLOC(&fx, 0, PG(8), 0, RW);
	b = FX_ALLOC(&fx, 0, PG(8), 0, FV_READ);
	c = FX_ALLOC(&fx, 1, PG(4), 0, RWX);
	CHECK_RC(fv_share(&fx.a, &fx.d[0], &fx.d[1], a + PG(2), PG(2), RW), 0);
	CHECK_RC(fv_share(&fx.a, &fx.d[0], &fx.d[1], b, PG(8), FV_READ), 0);
	CHECK_RC(fv_share(&fx.a, &fx.d[1], &fx.d[0], c + PG(1), PG(1), FV_EXEC),
		 0);
	fx_release_all(&fx, 2);
	CHECK(fx.rel.nruns == 0, "a domain holding nothing released pages");
	fv_stats(&fx.a, &st);
	CHECK(st.ndomains == 2, "ndomains %llu", (unsigned long long)st.ndomains);
	FX_CHECK(&fx);
	fx_release_all(&fx, 0);
	/* a's pages but [2,4), which d1 keeps; b and c stay with d1. */
	CHECK(fvt_released_bytes(&fx.rel) == PG(6) &&
	      fvt_released_has(&fx.rel, a) &&
	      fvt_released_has(&fx.rel, a + PG(4)) &&
	      !fvt_released_has(&fx.rel, a + PG(2)),
	      "wrong pages reported: %#llx bytes",
	      (unsigned long long)fvt_released_bytes(&fx.rel));
	EXPECT_LOOKUP(&fx, a + PG(3), 0, a, a + PG(2), PG(2), 1);
	EXPECT_LOOKUP(&fx, b, 0, b, b, PG(8), 1);
	EXPECT_LOOKUP(&fx, c + PG(1), 0, c, c, PG(4), 1);
	EXPECT_RIGHTS(&fx, 1, c + PG(1), 0, RWX);
	FX_CHECK(&fx);
	/* The domain can be registered again and used. */
	fv_domain_init(&fx.a, &fx.d[0], fx_id(0));
	fx.live[0] = 1;
	FX_ALLOC(&fx, 0, PG(4), 0, RW);
	FX_CHECK(&fx);
	fx_fini(&fx);
}

/* fv_domain_release_all() cannot fail: it must not need new records. */
static void release_all_no_memory(void)
{
	struct fx fx;
	u64 a, b;

	fx_init(&fx, W, PG(32), 3);
	a = FX_ALLOC(&fx, 0, PG(16), 0, RW);
	b = FX_ALLOC(&fx, 2, PG(8), 0, RW);
	CHECK_RC(fv_share(&fx.a, &fx.d[0], &fx.d[1], a + PG(4), PG(4), RW), 0);
	CHECK_RC(fv_share(&fx.a, &fx.d[0], &fx.d[1], a + PG(10), PG(2), FV_READ),
		 0);
	CHECK_RC(fv_share(&fx.a, &fx.d[2], &fx.d[1], b + PG(1), PG(6), FV_READ),
		 0);
	fv_host_fail_after = 0;
	fx_release_all(&fx, 1);
	fv_host_fail_after = -1;
	CHECK(fx.rel.nruns == 0, "pages still held reported");
	EXPECT_LOOKUP(&fx, a + PG(5), 0, a, a, PG(16), 1);
	EXPECT_LOOKUP(&fx, b + PG(5), 0, b, b, PG(8), 1);
	FX_CHECK(&fx);
	fv_host_fail_after = 0;
	fx_release_all(&fx, 0);
	fv_host_fail_after = -1;
	CHECK_RELEASED(&fx.rel, a, PG(16));
	FX_CHECK(&fx);
	fx_fini(&fx);
}

/*
 * fv_release_nofail() (vm_ops->close) splits extents even when no record
 * can be allocated the normal way; fv_release() fails there, unchanged.
 */
static void release_nofail(void)
{
	struct fvt_snap before, after;
	char buf[512];
	struct fx fx;
	u64 a;

	fx_init(&fx, W, PG(32), 3);
	a = FX_ALLOC(&fx, 0, PG(8), 0, RW);
	CHECK_RC(fv_share(&fx.a, &fx.d[0], &fx.d[1], a, PG(8), FV_READ), 0);
	CHECK_RC(fv_share(&fx.a, &fx.d[0], &fx.d[2], a, PG(8), FV_READ), 0);
	fvt_snap_take(&fx, &before);
	fv_host_fail_after = 0;
	CHECK_RC(fx_release(&fx, 1, a + PG(3), PG(2)), -ENOMEM);
	fvt_snap_take(&fx, &after);
	CHECK(!fvt_snap_diff(&before, &after, buf, sizeof(buf)),
	      "failed release changed state: %s", buf);
	fvt_snap_free(&after);
	memset(&fx.rel, 0, sizeof(fx.rel));
	CHECK_RC(fv_release_nofail(&fx.a, &fx.d[1], a + PG(3), PG(2),
				   fvt_released_cb, &fx.rel), 0);
	CHECK_RC(fv_release_nofail(&fx.a, &fx.d[1], a + PG(3), PG(2),
				   fvt_released_cb, &fx.rel), -ENOENT);
	fv_host_fail_after = -1;
	CHECK(fx.rel.nruns == 0, "pages others hold reported");
	EXPECT_RIGHTS(&fx, 1, a + PG(3), -ENOENT, 0);
	EXPECT_RIGHTS(&fx, 1, a + PG(5), 0, FV_READ);
	EXPECT_LOOKUP(&fx, a + PG(3), 0, a, a + PG(3), PG(2), 2);
	FX_CHECK(&fx);
	fvt_snap_free(&before);
	fx_fini(&fx);
}

const struct fvt_case fvt_release_cases[] = {
	{ "release_partial", release_partial },
	{ "release_errors", release_errors },
	{ "release_shared", release_shared },
	{ "release_across_ranges", release_across_ranges },
	{ "release_coalesce", release_coalesce },
	{ "release_all_domains", release_all_domains },
	{ "release_all_no_memory", release_all_no_memory },
	{ "release_nofail", release_nofail },
	{ NULL, NULL },
};
