// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of fv_share(): every error in the documented order, rights
 * subsets, pages with mixed rights, canonical extents after sharing, many
 * holders, and ranges that are told apart even when one reuses the base
 * address of another.
 */
#include "fvt.h"

#define W	0x100000ull

/*
 * Window of 16 pages: range A (8 pages, d0 RW) and range B (8 pages, d0 R)
 * tile it; lo/hi are the lower and higher of the two.  d1 holds A+2..A+5 R,
 * d3 holds the two pages around the boundary R (one in each range), d2
 * holds nothing.
 */
struct order_setup {
	u64 A, B, lo, hi;
};

enum { F_A, F_B, F_LO, F_HI, F_W };

static const struct {
	unsigned int from, to;
	unsigned int rel;	/* address relative to this */
	long off;		/* pages */
	u64 len;		/* bytes */
	u32 rights;
	int rc;
	const char *what;
} order_table[] = {
	{ 0, 2, F_A, 0, 1, FV_READ, -EINVAL, "unaligned length" },
	{ 0, 2, F_A, 0, 0, FV_READ, -EINVAL, "zero length" },
	{ 0, 2, F_A, 0, 0x800, FV_READ, -EINVAL, "half a page" },
	{ 0, 2, F_A, 0, PG(1) + 1, FV_READ, -EINVAL, "page and a byte" },
	{ 0, 2, F_W, -1, PG(2), FV_READ, -EINVAL, "starts below the window" },
	{ 0, 2, F_W, 15, PG(2), FV_READ, -EINVAL, "ends past the window" },
	{ 0, 2, F_W, 16, PG(1), FV_READ, -EINVAL, "after the window" },
	{ 0, 2, F_W, 0, ~0xfffull, FV_READ, -EINVAL, "wraps around" },
	{ 0, 2, F_A, 0, PG(1), 0, -EINVAL, "no rights" },
	{ 0, 2, F_A, 0, PG(1), 8, -EINVAL, "unknown right" },
	{ 0, 2, F_A, 0, PG(1), FV_READ | 0x100, -EINVAL, "unknown right" },
	{ 0, 0, F_A, 0, PG(1), FV_READ, -EINVAL, "to itself" },
	{ 2, 2, F_A, 0, PG(1), FV_READ, -EINVAL, "to itself, holding nothing" },
	{ 2, 1, F_A, 0, PG(1), 0, -EINVAL, "bad rights before not held" },
	{ 2, 1, F_A, 0, PG(1), FV_READ, -ENOENT, "from holds nothing" },
	{ 1, 2, F_A, 0, PG(4), FV_READ, -ENOENT, "from holds part" },
	{ 1, 2, F_A, 5, PG(2), FV_READ, -ENOENT, "from holds the first page" },
	{ 1, 2, F_HI, -1, PG(2), FV_READ, -ENOENT, "not held before crossing" },
	{ 1, 2, F_A, 1, PG(2), RW, -ENOENT, "not held before rights" },
	{ 1, 0, F_A, 1, PG(2), FV_READ, -ENOENT, "not held before held" },
	{ 0, 2, F_HI, -1, PG(2), FV_READ, -EINVAL, "crosses two ranges" },
	{ 0, 2, F_LO, 0, PG(16), FV_READ, -EINVAL, "covers two ranges" },
	{ 0, 2, F_HI, -1, PG(2), RW, -EINVAL, "crossing before rights" },
	{ 3, 2, F_HI, -1, PG(2), FV_READ, -EINVAL, "crossing, from holds it" },
	{ 3, 2, F_HI, -1, PG(2), RWX, -EINVAL, "crossing before rights (d3)" },
	{ 0, 3, F_HI, -1, PG(2), FV_READ, -EINVAL, "crossing before held" },
	{ 1, 2, F_A, 2, PG(4), RW, -EACCES, "rights exceed" },
	{ 1, 2, F_A, 2, PG(1), FV_EXEC, -EACCES, "other right" },
	{ 0, 2, F_B, 0, PG(8), FV_WRITE, -EACCES, "write on read-only" },
	{ 0, 2, F_A, 0, PG(1), RWX, -EACCES, "exec on rw" },
	{ 1, 0, F_A, 2, PG(4), RW, -EACCES, "rights before held" },
	{ 1, 0, F_A, 2, PG(4), FV_READ, -EEXIST, "to holds all" },
	{ 0, 1, F_A, 0, PG(3), FV_READ, -EEXIST, "to holds the last page" },
	{ 0, 1, F_A, 5, PG(3), FV_READ, -EEXIST, "to holds the first page" },
	{ 0, 1, F_A, 0, PG(8), FV_READ, -EEXIST, "to holds the middle" },
	{ 0, 3, F_B, 0, PG(8), FV_READ, -EEXIST, "to holds one page" },
};

static u64 order_addr(const struct order_setup *o, unsigned int rel)
{
	switch (rel) {
	case F_A:	return o->A;
	case F_B:	return o->B;
	case F_LO:	return o->lo;
	case F_HI:	return o->hi;
	}
	return W;
}

static void share_error_order(void)
{
	struct fvt_snap before, after;
	struct order_setup o;
	char buf[512];
	unsigned int i;
	struct fx fx;

	fx_init(&fx, W, PG(16), 4);
	o.A = FX_ALLOC(&fx, 0, PG(8), 0, RW);
	o.B = FX_ALLOC(&fx, 0, PG(8), 0, FV_READ);
	o.lo = o.A < o.B ? o.A : o.B;
	o.hi = o.A < o.B ? o.B : o.A;
	CHECK(o.hi == o.lo + PG(8) && o.lo == W, "ranges at %#llx %#llx",
	      (unsigned long long)o.A, (unsigned long long)o.B);
	CHECK_RC(fv_share(&fx.a, &fx.d[0], &fx.d[1], o.A + PG(2), PG(4),
			  FV_READ), 0);
	CHECK_RC(fv_share(&fx.a, &fx.d[0], &fx.d[3], o.hi - PG(1), PG(1),
			  FV_READ), 0);
	CHECK_RC(fv_share(&fx.a, &fx.d[0], &fx.d[3], o.hi, PG(1), FV_READ), 0);
	FX_CHECK(&fx);
	fvt_snap_take(&fx, &before);
	for (i = 0; i < sizeof(order_table) / sizeof(order_table[0]); i++) {
		u64 addr = order_addr(&o, order_table[i].rel) +
			   (u64)(order_table[i].off * (long)FV_PAGE_SIZE);
		int rc;

		rc = fv_share(&fx.a, &fx.d[order_table[i].from],
			      &fx.d[order_table[i].to], addr, order_table[i].len,
			      order_table[i].rights);
		CHECK(rc == order_table[i].rc,
		      "row %u (%s): share d%u->d%u %#llx+%#llx rights %#x: got %s, want %s",
		      i, order_table[i].what, order_table[i].from,
		      order_table[i].to, (unsigned long long)addr,
		      (unsigned long long)order_table[i].len,
		      order_table[i].rights, fvt_errname(rc),
		      fvt_errname(order_table[i].rc));
		FX_CHECK(&fx);
		fvt_snap_take(&fx, &after);
		CHECK(!fvt_snap_diff(&before, &after, buf, sizeof(buf)),
		      "row %u (%s): failed share changed state: %s", i,
		      order_table[i].what, buf);
		fvt_snap_free(&after);
	}
	fvt_snap_free(&before);
	/* And the successes next to the failures. */
	CHECK_RC(fv_share(&fx.a, &fx.d[0], &fx.d[2], o.A, PG(8), RW), 0);
	CHECK_RC(fv_share(&fx.a, &fx.d[3], &fx.d[1], o.B == o.hi ? o.hi : o.lo + PG(7),
			  PG(1), FV_READ), 0);
	CHECK_RC(fv_share(&fx.a, &fx.d[2], &fx.d[3], o.A + PG(3), PG(2), FV_WRITE),
		 0);
	EXPECT_RIGHTS(&fx, 3, o.A + PG(4), 0, FV_WRITE);
	fx_fini(&fx);
}

static void share_rights_subsets(void)
{
	struct fx fx;
	u32 s, t;
	u64 a;

	fx_init(&fx, W, PG(4), 9);
	a = FX_ALLOC(&fx, 0, PG(2), 0, RWX);
	for (s = 1; s <= RWX; s++) {
		CHECK_RC(fv_share(&fx.a, &fx.d[0], &fx.d[s], a, PG(2), s), 0);
		EXPECT_RIGHTS(&fx, s, a + PG(1), 0, s);
	}
	EXPECT_LOOKUP(&fx, a, 0, a, a, PG(2), 8);
	for (s = 1; s <= RWX; s++) {
		for (t = 1; t <= RWX; t++) {
			int want = (t & ~s) ? -EACCES : 0;

			CHECK_RC(fv_holds_all(&fx.a, &fx.d[s], a, PG(2), t), want);
			CHECK_RC(fv_share(&fx.a, &fx.d[s], &fx.d[8], a, PG(2), t),
				 want);
			if (want)
				continue;
			EXPECT_RIGHTS(&fx, 8, a, 0, t);
			CHECK_RC(fx_release(&fx, 8, a, PG(2)), 0);
			CHECK(fx.rel.nruns == 0, "pages still held reported");
		}
	}
	FX_CHECK(&fx);
	fx_fini(&fx);
}

/* d1 holds [0,4) R and [4,8) RW: extents follow rights, not just domains. */
static void share_mixed_rights(void)
{
	struct fx fx;
	u64 a;

	fx_init(&fx, W, PG(8), 3);
	a = FX_ALLOC(&fx, 0, PG(8), 0, RWX);
	CHECK_RC(fv_share(&fx.a, &fx.d[0], &fx.d[1], a, PG(4), FV_READ), 0);
	CHECK_RC(fv_share(&fx.a, &fx.d[0], &fx.d[1], a + PG(4), PG(4), RW), 0);
	EXPECT_LOOKUP(&fx, a + PG(3), 0, a, a, PG(4), 2);
	EXPECT_LOOKUP(&fx, a + PG(4), 0, a, a + PG(4), PG(4), 2);
	CHECK_RC(fv_holds_all(&fx.a, &fx.d[1], a, PG(8), FV_READ), 0);
	CHECK_RC(fv_holds_all(&fx.a, &fx.d[1], a, PG(8), RW), -EACCES);
	CHECK_RC(fv_holds_all(&fx.a, &fx.d[1], a + PG(4), PG(4), RW), 0);
	CHECK_RC(fv_share(&fx.a, &fx.d[1], &fx.d[2], a + PG(2), PG(4), RW),
		 -EACCES);
	CHECK_RC(fv_share(&fx.a, &fx.d[1], &fx.d[2], a + PG(2), PG(4), FV_READ),
		 0);
	/* [0,2) d0 d1R | [2,4) d0 d1R d2R | [4,6) d0 d1RW d2R | [6,8) d0 d1RW */
	EXPECT_LOOKUP(&fx, a + PG(1), 0, a, a, PG(2), 2);
	EXPECT_LOOKUP(&fx, a + PG(2), 0, a, a + PG(2), PG(2), 3);
	EXPECT_LOOKUP(&fx, a + PG(5), 0, a, a + PG(4), PG(2), 3);
	EXPECT_LOOKUP(&fx, a + PG(7), 0, a, a + PG(6), PG(2), 2);
	EXPECT_RIGHTS(&fx, 1, a + PG(5), 0, RW);
	EXPECT_RIGHTS(&fx, 2, a + PG(5), 0, FV_READ);
	EXPECT_RIGHTS(&fx, 2, a + PG(6), -ENOENT, 0);
	CHECK_RC(fv_holds_all(&fx.a, &fx.d[2], a, PG(8), FV_READ), -ENOENT);
	FX_CHECK(&fx);
	fx_fini(&fx);
}

/* Holder sets that become equal again merge back into one extent. */
static void share_canonical(void)
{
	struct fv_stats st;
	struct fx fx;
	u64 a;

	fx_init(&fx, W, PG(8), 2);
	a = FX_ALLOC(&fx, 0, PG(8), 0, RW);
	CHECK_RC(fv_share(&fx.a, &fx.d[0], &fx.d[1], a, PG(4), FV_READ), 0);
	CHECK_RC(fv_share(&fx.a, &fx.d[0], &fx.d[1], a + PG(4), PG(4), FV_READ),
		 0);
	EXPECT_LOOKUP(&fx, a + PG(5), 0, a, a, PG(8), 2);
	fv_stats(&fx.a, &st);
	CHECK(st.nextents == 1 && st.nholders == 2 && fx.d[1].nholds == 1,
	      "not merged: %llu extents %llu holders",
	      (unsigned long long)st.nextents, (unsigned long long)st.nholders);
	CHECK_RC(fx_release(&fx, 1, a + PG(2), PG(4)), 0);
	CHECK(fx.rel.nruns == 0, "pages still held reported");
	EXPECT_LOOKUP(&fx, a + PG(3), 0, a, a + PG(2), PG(4), 1);
	fv_stats(&fx.a, &st);
	CHECK(st.nextents == 3 && st.nholders == 5, "%llu extents",
	      (unsigned long long)st.nextents);
	CHECK_RC(fv_share(&fx.a, &fx.d[0], &fx.d[1], a + PG(2), PG(4), FV_READ),
		 0);
	fv_stats(&fx.a, &st);
	CHECK(st.nextents == 1 && st.nholders == 2, "not merged back");
	CHECK_RC(fx_release(&fx, 0, a, PG(8)), 0);
	CHECK(fx.rel.nruns == 0, "pages still held reported");
	EXPECT_LOOKUP(&fx, a, 0, a, a, PG(8), 1);
	EXPECT_RIGHTS(&fx, 0, a, -ENOENT, 0);
	FX_CHECK(&fx);
	fx_release_all(&fx, 1);
	CHECK_RELEASED(&fx.rel, a, PG(8));
	fx_fini(&fx);
}

/* 64 domains hold one range whole; only the last release frees it. */
static void share_many_holders(void)
{
	unsigned int order[64], i;
	u64 seed = 7, a;
	struct fx fx;

	fx_init(&fx, W, PG(64), 64);
	a = FX_ALLOC(&fx, 0, PG(32), 0, RWX);
	for (i = 1; i < 64; i++)
		CHECK_RC(fv_share(&fx.a, &fx.d[i - 1], &fx.d[i], a, PG(32),
				  i < 20 ? RWX : FV_READ), 0);
	EXPECT_LOOKUP(&fx, a + PG(31), 0, a, a, PG(32), 64);
	FX_CHECK(&fx);
	for (i = 0; i < 64; i++)
		order[i] = i;
	for (i = 63; i > 0; i--) {
		unsigned int j = fvt_rand(&seed) % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < 64; i++) {
		CHECK_RC(fx_release(&fx, order[i], a, PG(32)), 0);
		if (i < 63) {
			CHECK(fx.rel.nruns == 0, "release %u reported pages", i);
			EXPECT_LOOKUP(&fx, a, 0, a, a, PG(32), 63 - i);
		} else {
			CHECK_RELEASED(&fx.rel, a, PG(32));
		}
		CHECK_RC(fx_release(&fx, order[i], a, PG(32)), -ENOENT);
	}
	FX_CHECK(&fx);
	fx_fini(&fx);
}

/* 40 domains hold overlapping parts: extents computed page by page. */
static void share_many_parts(void)
{
	enum { N = 64, D = 41 };
	unsigned int order[D - 1], i, d, p;
	u64 sig[N], seed = 11, a;
	struct fx fx;

	fx_init(&fx, W, PG(N), D);
	a = FX_ALLOC(&fx, 0, PG(N), 0, RWX);
	for (d = 1; d < D; d++) {
		u64 end = d + 16 < N ? d + 16 : N;

		CHECK_RC(fv_share(&fx.a, &fx.d[0], &fx.d[d], a + PG(d),
				  PG(end - d), (d % 7) + 1), 0);
	}
	for (i = 0; i < D - 1; i++)
		order[i] = i + 1;
	for (i = D - 2; i > 0; i--) {
		unsigned int j = fvt_rand(&seed) % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	/* Step i: domains order[i..] still hold; then order[i] lets go. */
	for (i = 0; i <= D - 1; i++) {
		FX_CHECK(&fx);
		for (p = 0; p < N; p++) {
			sig[p] = 0;
			for (d = i; d < D - 1; d++)
				if (p >= order[d] && p < order[d] + 16)
					sig[p] |= (u64)1 << order[d];
		}
		for (p = 0; p < N; p++) {
			unsigned int s = p, e = p;

			while (s > 0 && sig[s - 1] == sig[p])
				s--;
			while (e + 1 < N && sig[e + 1] == sig[p])
				e++;
			EXPECT_LOOKUP(&fx, a + PG(p), 0, a, a + PG(s),
				      PG(e - s + 1),
				      1 + __builtin_popcountll(sig[p]));
		}
		if (i == D - 1)
			break;
		fx_release_all(&fx, order[i]);
		CHECK(fx.rel.nruns == 0, "pages still held reported");
	}
	CHECK_RC(fx_release(&fx, 0, a + PG(8), PG(8)), 0);
	CHECK_RELEASED(&fx.rel, a + PG(8), PG(8));
	fx_fini(&fx);
}

/*
 * A range keeps its id after its first page is released; a new range may
 * then start at that very address.  They are still two ranges: extents do
 * not merge across them and a share may not cross.
 */
static void share_reused_base(void)
{
	struct fv_lookup_result r;
	u64 a, b, old;
	struct fx fx;

	fx_init(&fx, W, PG(4), 2);
	a = FX_ALLOC(&fx, 0, PG(4), 0, RW);
	old = fx_range_id(&fx, a);
	CHECK_RC(fx_release(&fx, 0, a, PG(1)), 0);
	EXPECT_LOOKUP(&fx, a + PG(1), 0, a, a + PG(1), PG(3), 1);
	b = FX_ALLOC(&fx, 0, PG(1), 0, RW);
	CHECK(b == a, "the only free page is %#llx, got %#llx",
	      (unsigned long long)a, (unsigned long long)b);
	EXPECT_LOOKUP(&fx, b, 0, b, b, PG(1), 1);
	CHECK_RC(fv_lookup(&fx.a, a + PG(1), &r), 0);
	CHECK(r.range == old && r.ext_start == a + PG(1) && r.ext_len == PG(3),
	      "old range: id %llu (was %llu) ext %#llx+%#llx",
	      (unsigned long long)r.range, (unsigned long long)old,
	      (unsigned long long)r.ext_start, (unsigned long long)r.ext_len);
	CHECK_RC(fv_share(&fx.a, &fx.d[0], &fx.d[1], a, PG(2), FV_READ),
		 -EINVAL);
	CHECK_RC(fv_share(&fx.a, &fx.d[0], &fx.d[1], a + PG(1), PG(3), FV_READ),
		 0);
	CHECK_RC(fx_release(&fx, 0, a, PG(4)), 0);
	CHECK_RELEASED(&fx.rel, a, PG(1));
	FX_CHECK(&fx);
	fx_fini(&fx);
}

const struct fvt_case fvt_share_cases[] = {
	{ "share_error_order", share_error_order },
	{ "share_rights_subsets", share_rights_subsets },
	{ "share_mixed_rights", share_mixed_rights },
	{ "share_canonical", share_canonical },
	{ "share_many_holders", share_many_holders },
	{ "share_many_parts", share_many_parts },
	{ "share_reused_base", share_reused_base },
	{ NULL, NULL },
};
