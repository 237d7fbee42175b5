// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of the read side: fv_lookup(), fv_rights(), fv_holds_all() and
 * fv_stats() results on a known layout.
 */
#include "fvt.h"

#define W	0x100000ull

/*
 * Layout (16-page window, 3 domains):
 *   r (4 pages): d0 RW, d1 R on [1,3)
 *   the rest of the window free, but for s (2 pages, d2 X) if it fits.
 */
static void lookup_results(void)
{
	static const u64 outside[] = {
		0, W - 1, W - PG(1), W + PG(16), W + PG(16) + 1, ~0ull,
		~0xfffull, (u64)1 << 63,
	};
	struct fv_lookup_result res;
	unsigned int i;
	struct fx fx;
	u64 r, s;

	fx_init(&fx, W, PG(16), 3);
	r = FX_ALLOC(&fx, 0, PG(4), 0, RW);
	s = FX_ALLOC(&fx, 2, PG(2), 0, FV_EXEC);
	CHECK_RC(fv_share(&fx.a, &fx.d[0], &fx.d[1], r + PG(1), PG(2), FV_READ),
		 0);
	EXPECT_LOOKUP(&fx, r, 0, r, r, PG(1), 1);
	EXPECT_LOOKUP(&fx, r + 1, 0, r, r, PG(1), 1);
	EXPECT_LOOKUP(&fx, r + PG(1) - 1, 0, r, r, PG(1), 1);
	EXPECT_LOOKUP(&fx, r + PG(1), 0, r, r + PG(1), PG(2), 2);
	EXPECT_LOOKUP(&fx, r + PG(3) - 1, 0, r, r + PG(1), PG(2), 2);
	EXPECT_LOOKUP(&fx, r + PG(3) + 0x123, 0, r, r + PG(3), PG(1), 1);
	EXPECT_LOOKUP(&fx, s + PG(2) - 1, 0, s, s, PG(2), 1);
	for (i = 0; i < sizeof(outside) / sizeof(outside[0]); i++)
		EXPECT_LOOKUP(&fx, outside[i], -ENOENT, 0, 0, 0, 0);
	/* Free pages inside the window. */
	for (i = 0; i < 16; i++) {
		u64 p = W + PG(i) + 0x800;

		if ((p >= r && p < r + PG(4)) || (p >= s && p < s + PG(2)))
			continue;
		EXPECT_LOOKUP(&fx, p, -ENOENT, 0, 0, 0, 0);
		CHECK_RC(fv_rights(&fx.a, &fx.d[0], p, &res), -ENOENT);
	}
	/* fv_rights: the lookup's answer plus the domain's rights. */
	memset(&res, 0, sizeof(res));
	CHECK_RC(fv_rights(&fx.a, &fx.d[1], r + PG(2) + 7, &res), 0);
	CHECK(res.range == fx_range_id(&fx, r) && res.ext_start == r + PG(1) &&
	      res.ext_len == PG(2) && res.nholders == 2 &&
	      res.rights == FV_READ, "fv_rights result wrong");
	EXPECT_RIGHTS(&fx, 0, r + PG(2), 0, RW);
	EXPECT_RIGHTS(&fx, 1, r, -ENOENT, 0);
	EXPECT_RIGHTS(&fx, 1, r + PG(3), -ENOENT, 0);
	EXPECT_RIGHTS(&fx, 2, r + PG(1), -ENOENT, 0);
	EXPECT_RIGHTS(&fx, 2, s + PG(1), 0, FV_EXEC);
	for (i = 0; i < sizeof(outside) / sizeof(outside[0]); i++)
		EXPECT_RIGHTS(&fx, 0, outside[i], -ENOENT, 0);
	FX_CHECK(&fx);
	fx_fini(&fx);
}

/*
 * Window of 16 pages: u (8 pages, d2 RWX, aligned to 8 pages) in one half,
 * r (4 pages, d0 RW; d1 R on [1,3)) and t (4 pages, d0 R) in the other.
 * Offsets are relative to: r, t, the half r and t share, the window base,
 * or (H_U) a span of 9 pages: that half plus the neighbouring page of u.
 */
enum { H_R, H_T, H_HALF, H_W, H_U };

static const struct {
	unsigned int dom, rel;
	long off;	/* bytes */
	u64 len;
	u32 rights;
	int rc;
	const char *what;
} holds_table[] = {
	{ 0, H_R, 0, PG(4), RW, 0, "whole range" },
	{ 0, H_R, 0, PG(4), FV_READ, 0, "fewer rights asked" },
	{ 0, H_R, PG(1), PG(1), FV_WRITE, 0, "one page" },
	{ 0, H_HALF, 0, PG(8), FV_READ, 0, "two ranges" },
	{ 1, H_R, PG(1), PG(2), FV_READ, 0, "the part held" },
	{ 0, H_T, 0, PG(4), FV_READ, 0, "read-only range" },
	{ 0, H_T, PG(3), PG(1), FV_WRITE, -EACCES, "write on read-only range" },
	{ 0, H_R, 0, PG(4), RWX, -EACCES, "exec not held" },
	{ 1, H_R, PG(1), PG(2), RW, -EACCES, "write not held" },
	{ 0, H_HALF, 0, PG(8), RW, -EACCES, "write held on one range only" },
	{ 0, H_U, 0, PG(9), FV_READ, -ENOENT, "runs into another's page" },
	{ 1, H_R, 0, PG(4), FV_READ, -ENOENT, "held in the middle only" },
	{ 2, H_R, 0, PG(4), FV_READ, -ENOENT, "held by others only" },
	{ 0, H_R, 1, PG(1), FV_READ, -EINVAL, "unaligned address" },
	{ 0, H_R, 0, PG(1) + 1, FV_READ, -EINVAL, "unaligned length" },
	{ 0, H_R, 0, 0, FV_READ, -EINVAL, "zero length" },
	{ 0, H_W, -(long)PG(1), PG(2), FV_READ, -EINVAL, "starts below the window" },
	{ 0, H_W, PG(15), PG(2), FV_READ, -EINVAL, "ends past the window" },
	{ 0, H_W, PG(16), PG(1), FV_READ, -EINVAL, "after the window" },
	{ 0, H_W, 0, ~0xfffull, FV_READ, -EINVAL, "wraps around" },
	{ 2, H_R, 1, 0, FV_READ, -EINVAL, "bad span before not held" },
};

static void holds_all_results(void)
{
	u64 r, t, u, half, base;
	unsigned int i;
	struct fx fx;

	fx_init(&fx, W, PG(16), 3);
	u = FX_ALLOC(&fx, 2, PG(8), PG(8), RWX);
	r = FX_ALLOC(&fx, 0, PG(4), 0, RW);
	t = FX_ALLOC(&fx, 0, PG(4), 0, FV_READ);
	half = r < t ? r : t;
	CHECK(half == (u == W ? W + PG(8) : W), "layout %#llx %#llx %#llx",
	      (unsigned long long)u, (unsigned long long)r,
	      (unsigned long long)t);
	CHECK_RC(fv_share(&fx.a, &fx.d[0], &fx.d[1], r + PG(1), PG(2), FV_READ),
		 0);
	for (i = 0; i < sizeof(holds_table) / sizeof(holds_table[0]); i++) {
		int rc;

		switch (holds_table[i].rel) {
		case H_R:	base = r; break;
		case H_T:	base = t; break;
		case H_HALF:	base = half; break;
		case H_U:	base = u > half ? half : half - PG(1); break;
		default:	base = W; break;
		}
		rc = fv_holds_all(&fx.a, &fx.d[holds_table[i].dom],
				  base + (u64)holds_table[i].off,
				  holds_table[i].len, holds_table[i].rights);
		CHECK(rc == holds_table[i].rc, "row %u (%s): got %s, want %s",
		      i, holds_table[i].what, fvt_errname(rc),
		      fvt_errname(holds_table[i].rc));
	}
	FX_CHECK(&fx);
	fx_fini(&fx);
}

/*
 * fv_range_piece(): the run of extents of one range around an address.
 * r (8 pages, d0 RW, d1 R on [2,4)) and t (8 pages, d0) tile the window;
 * d0 then releases r [3,6): page 3 stays with d1, so r is in two pieces,
 * [0,4) and [6,8).
 */
static void range_piece_results(void)
{
	u64 r, t, s = 0, l = 0;
	struct fx fx;

	fx_init(&fx, W, PG(16), 2);
	r = FX_ALLOC(&fx, 0, PG(8), 0, RW);
	t = FX_ALLOC(&fx, 0, PG(8), 0, RW);
	CHECK_RC(fv_share(&fx.a, &fx.d[0], &fx.d[1], r + PG(2), PG(2), FV_READ),
		 0);
	CHECK_RC(fv_range_piece(&fx.a, r + PG(7) + 9, &s, &l), 0);
	CHECK(s == r && l == PG(8), "piece %#llx+%#llx",
	      (unsigned long long)s, (unsigned long long)l);
	CHECK_RC(fv_range_piece(&fx.a, t, &s, &l), 0);
	CHECK(s == t && l == PG(8), "piece %#llx+%#llx",
	      (unsigned long long)s, (unsigned long long)l);
	CHECK_RC(fx_release(&fx, 0, r + PG(3), PG(3)), 0);
	CHECK_RELEASED(&fx.rel, r + PG(4), PG(2));
	CHECK_RC(fv_range_piece(&fx.a, r + PG(1), &s, &l), 0);
	CHECK(s == r && l == PG(4), "piece %#llx+%#llx",
	      (unsigned long long)s, (unsigned long long)l);
	CHECK_RC(fv_range_piece(&fx.a, r + PG(3), &s, &l), 0);
	CHECK(s == r && l == PG(4), "piece %#llx+%#llx",
	      (unsigned long long)s, (unsigned long long)l);
	CHECK_RC(fv_range_piece(&fx.a, r + PG(6), &s, &l), 0);
	CHECK(s == r + PG(6) && l == PG(2), "piece %#llx+%#llx",
	      (unsigned long long)s, (unsigned long long)l);
	CHECK_RC(fv_range_piece(&fx.a, r + PG(4), &s, &l), -ENOENT);
	CHECK_RC(fv_range_piece(&fx.a, W - 1, &s, &l), -ENOENT);
	CHECK_RC(fv_range_piece(&fx.a, W + PG(16), &s, &l), -ENOENT);
	CHECK_RC(fv_range_piece(&fx.a, ~0ull, &s, &l), -ENOENT);
	FX_CHECK(&fx);
	fx_fini(&fx);
}

/* Walk visitor: counts free and used segments, checks address order. */
struct walk_count {
	u64 next;
	unsigned int nfree, nused, stop_after;
};

static int walk_counter(void *ctx, const struct fv_seg *seg)
{
	struct walk_count *wc = ctx;

	if (seg->start << FV_PAGE_SHIFT != wc->next)
		return -1;
	wc->next = (seg->start + seg->npages) << FV_PAGE_SHIFT;
	if (seg->used)
		wc->nused++;
	else
		wc->nfree++;
	return wc->stop_after && wc->nfree + wc->nused == wc->stop_after ?
	       7 : 0;
}

/*
 * fv_rights_cover() and fv_walk() on:
 *   r (4 pages): d0 RW on [0,4), d1 R on [1,3)     t (2 pages): d1 RWX
 */
static void driver_queries_results(void)
{
	struct walk_count wc = { W, 0, 0, 0 };
	struct fx fx;
	u64 r, t;

	fx_init(&fx, W, PG(16), 3);
	r = FX_ALLOC(&fx, 0, PG(4), 0, RW);
	t = FX_ALLOC(&fx, 1, PG(2), 0, RWX);
	CHECK_RC(fv_share(&fx.a, &fx.d[0], &fx.d[1], r + PG(1), PG(2), FV_READ),
		 0);
	/* d0 (RW) covers d1's read-only hold; d1 covers nothing of d0's. */
	CHECK_RC(fv_rights_cover(&fx.a, &fx.d[0], &fx.d[1], r, PG(4)), 1);
	CHECK_RC(fv_rights_cover(&fx.a, &fx.d[1], &fx.d[0], r, PG(4)), 0);
	CHECK_RC(fv_rights_cover(&fx.a, &fx.d[1], &fx.d[0], r + PG(1), PG(2)),
		 0);
	/* d0 holds nothing of t: it cannot take d1's hold there. */
	CHECK_RC(fv_rights_cover(&fx.a, &fx.d[0], &fx.d[1], t, PG(2)), 0);
	/* Nothing of d2 in the span: vacuously covered. */
	CHECK_RC(fv_rights_cover(&fx.a, &fx.d[1], &fx.d[2], W, PG(16)), 1);
	CHECK_RC(fv_rights_cover(&fx.a, &fx.d[0], &fx.d[1], r, 0), -EINVAL);
	/* The walk sees the window tiled in order and can be stopped. */
	CHECK_RC(fv_walk(&fx.a, walk_counter, &wc), 0);
	CHECK(wc.next == W + PG(16) && wc.nused == 4,
	      "walk: ended at %#llx with %u extents",
	      (unsigned long long)wc.next, wc.nused);
	wc = (struct walk_count){ W, 0, 0, 2 };
	CHECK_RC(fv_walk(&fx.a, walk_counter, &wc), 7);
	CHECK(wc.nfree + wc.nused == 2, "walk did not stop");
	FX_CHECK(&fx);
	fx_fini(&fx);
}

const struct fvt_case fvt_lookup_cases[] = {
	{ "driver_queries_results", driver_queries_results },
	{ "range_piece_results", range_piece_results },
	{ "lookup_results", lookup_results },
	{ "holds_all_results", holds_all_results },
	{ NULL, NULL },
};
