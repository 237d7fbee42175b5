// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of fv_alloc(): argument checks, window ends, every alignment,
 * aligned runs that only a tight extent holds, exhaustion and recovery, and
 * a brute-force oracle for "never fails while a fitting run exists".
 */
#include "fvt.h"

#define GIB	((u64)1 << 30)
#define WBASE	0x40000000ull		/* 1 GiB aligned */

static const struct {
	u64 len, align;
	u32 rights;
	int rc;
} args_table[] = {
	{ 0, 0, RW, -EINVAL },			/* zero length */
	{ 1, 0, RW, -EINVAL },			/* unaligned lengths */
	{ 0xfff, 0, RW, -EINVAL },
	{ 0x1001, 0, RW, -EINVAL },
	{ 0x1800, 0, RW, -EINVAL },
	{ ~0ull, 0, RW, -EINVAL },
	{ 0x1000, 1, RW, -EINVAL },		/* bad alignments */
	{ 0x1000, 0x800, RW, -EINVAL },
	{ 0x1000, 0x3000, RW, -EINVAL },
	{ 0x1000, 0x1001, RW, -EINVAL },
	{ 0x1000, GIB << 1, RW, -EINVAL },
	{ 0x1000, (u64)1 << 62, RW, -EINVAL },
	{ 0x1000, (u64)1 << 63, RW, -EINVAL },
	{ 0x1000, ~0ull, RW, -EINVAL },
	{ 0x1000, GIB + 0x1000, RW, -EINVAL },
	{ 0x1000, 0, 0, -EINVAL },		/* bad rights */
	{ 0x1000, 0, 8, -EINVAL },
	{ 0x1000, 0, FV_READ | 8, -EINVAL },
	{ 0x1000, 0, 0xff, -EINVAL },
	{ 0x1000, 0, ~0u, -EINVAL },
	{ 0, GIB << 1, 0, -EINVAL },		/* all wrong at once */
	{ PG(17), 0, RW, -ENOSPC },		/* valid, does not fit */
	{ PG(17), GIB, RW, -ENOSPC },
	{ ~0xfffull, 0, RW, -ENOSPC },		/* overflowing sizes */
	{ ~0xfffull, GIB, RW, -ENOSPC },
	{ (u64)1 << 63, GIB, RW, -ENOSPC },
	{ ((u64)1 << 63) + 0x1000, 0x1000, RW, -ENOSPC },
	{ ~0xfffull - GIB + 0x2000, GIB, RW, -ENOSPC },
	{ (u64)1 << FV_MAX_WINDOW_SHIFT, 0, RW, -ENOSPC },
	{ PG(1), GIB, RW, 0 },			/* valid and fits */
	{ PG(16), 0, FV_READ, 0 },
	{ PG(16), GIB, FV_EXEC, 0 },
	{ PG(2), PG(2), RWX, 0 },
	{ PG(3), 0x1000, FV_WRITE, 0 },
};

/* Every row on an empty window, then the error rows on a full one. */
static void alloc_args(void)
{
	struct fvt_snap before, after;
	unsigned int i, full;
	char buf[512];
	struct fx fx;

	fx_init(&fx, WBASE, PG(16), 2);
	for (full = 0; full < 2; full++) {
		if (full)
			FX_ALLOC(&fx, 1, PG(16), 0, FV_READ);
		for (i = 0; i < sizeof(args_table) / sizeof(args_table[0]); i++) {
			u64 addr = 0;
			int rc, want = args_table[i].rc;

			if (full && !want)
				want = -ENOSPC;
			fvt_snap_take(&fx, &before);
			rc = fv_alloc(&fx.a, &fx.d[0], args_table[i].len,
				      args_table[i].align, args_table[i].rights,
				      &addr);
			CHECK(rc == want,
			      "row %u%s: fv_alloc(%#llx, %#llx, %#x): got %s, want %s",
			      i, full ? " (full window)" : "",
			      (unsigned long long)args_table[i].len,
			      (unsigned long long)args_table[i].align,
			      args_table[i].rights, fvt_errname(rc),
			      fvt_errname(want));
			if (!rc) {
				FX_NOTE_RANGE(&fx, addr);
				CHECK(addr >= WBASE &&
				      addr + args_table[i].len <= WBASE + PG(16) &&
				      !(addr & (args_table[i].align ?
						args_table[i].align - 1 : 0)),
				      "row %u: address %#llx", i,
				      (unsigned long long)addr);
				EXPECT_RIGHTS(&fx, 0, addr, 0,
					      args_table[i].rights);
				EXPECT_LOOKUP(&fx, addr, 0, addr, addr,
					      args_table[i].len, 1);
				FX_CHECK(&fx);
				CHECK_RC(fx_release(&fx, 0, addr,
						    args_table[i].len), 0);
				CHECK_RELEASED(&fx.rel, addr, args_table[i].len);
			} else {
				fvt_snap_take(&fx, &after);
				CHECK(!fvt_snap_diff(&before, &after, buf,
						     sizeof(buf)),
				      "row %u: failed alloc changed state: %s",
				      i, buf);
				fvt_snap_free(&after);
			}
			fvt_snap_free(&before);
			FX_CHECK(&fx);
		}
	}
	fx_fini(&fx);
}

static void alloc_whole_window(void)
{
	struct fx fx;
	u64 a = 0;

	fx_init(&fx, WBASE + PG(3), PG(16), 1);
	CHECK_RC(fv_alloc(&fx.a, &fx.d[0], PG(17), 0, RW, &a), -ENOSPC);
	a = FX_ALLOC(&fx, 0, PG(16), 0, RW);
	CHECK(a == WBASE + PG(3), "whole window at %#llx",
	      (unsigned long long)a);
	EXPECT_LOOKUP(&fx, a, 0, a, a, PG(16), 1);
	EXPECT_LOOKUP(&fx, a + PG(16) - 1, 0, a, a, PG(16), 1);
	EXPECT_LOOKUP(&fx, a - 1, -ENOENT, 0, 0, 0, 0);
	EXPECT_LOOKUP(&fx, a + PG(16), -ENOENT, 0, 0, 0, 0);
	CHECK_RC(fv_alloc(&fx.a, &fx.d[0], PG(1), 0, RW, &a), -ENOSPC);
	FX_CHECK(&fx);
	CHECK_RC(fx_release(&fx, 0, WBASE + PG(3), PG(16)), 0);
	CHECK_RELEASED(&fx.rel, WBASE + PG(3), PG(16));
	fx_fini(&fx);
}

/* Window not aligned to anything above a page, holding a 1 GiB boundary. */
static void alloc_every_align(void)
{
	struct fx fx;
	unsigned int k;

	fx_init(&fx, GIB - PG(1), GIB + PG(64), 1);
	for (k = FV_PAGE_SHIFT; k <= FV_MAX_ALIGN_SHIFT; k++) {
		u64 align = (u64)1 << k, a;

		a = FX_ALLOC(&fx, 0, PG(1), align, FV_READ);
		EXPECT_LOOKUP(&fx, a, 0, a, a, PG(1), 1);
		CHECK_RC(fx_release(&fx, 0, a, PG(1)), 0);
		a = FX_ALLOC(&fx, 0, align, align, FV_READ);
		EXPECT_LOOKUP(&fx, a + align - 1, 0, a, a, align, 1);
		CHECK_RC(fx_release(&fx, 0, a, align), 0);
		CHECK_RELEASED(&fx.rel, a, align);
		FX_CHECK(&fx);
	}
	fx_fini(&fx);
}

/*
 * An aligned run that only an extent shorter than len + align - 1 pages
 * holds must be found.  The window (8 blocks of @align at @align) is
 * allocated whole, then holes are punched: two decoys of n + 1 pages that
 * hold no aligned run of n pages, and one hole holding exactly one:
 *
 *   variant 0:  [A - 1 page, A + n)
 *   variant 1:  [A, A + n)
 *   variant 2:  [A - (align pages - 2), A + n)   one page short of n + a - 1
 */
static void alloc_align_tight(void)
{
	unsigned int k, v, ni;

	for (k = FV_PAGE_SHIFT + 2; k <= FV_MAX_ALIGN_SHIFT; k++) {
		u64 align = (u64)1 << k, apg = align >> FV_PAGE_SHIFT;

		for (v = 0; v < 3; v++) {
			for (ni = 0; ni < 3; ni++) {
				u64 n = ni == 0 ? 1 : ni == 1 ? apg : 3;
				u64 A = align + 6 * align, hole, got = 0;
				u64 lead = v == 0 ? 1 : v == 1 ? 0 : apg - 2;
				struct fx fx;
				unsigned int j;

				fx_init(&fx, align, 8 * align, 1);
				FX_ALLOC(&fx, 0, 8 * align, 0, RW);
				for (j = 1; j <= 3; j += 2) {
					hole = align + j * align + PG(2);
					CHECK_RC(fx_release(&fx, 0, hole,
							    PG(n + 1)), 0);
				}
				hole = A - PG(lead);
				CHECK_RC(fx_release(&fx, 0, hole, PG(n + lead)),
					 0);
				CHECK_RELEASED(&fx.rel, hole, PG(n + lead));
				CHECK_RC(fv_alloc(&fx.a, &fx.d[0], PG(n + 1),
						  align, RW, &got), -ENOSPC);
				got = 0;
				CHECK_RC(fv_alloc(&fx.a, &fx.d[0], PG(n), align,
						  RW, &got), 0);
				CHECK(got == A,
				      "align 2^%u, %llu pages, variant %u: got %#llx, want %#llx",
				      k, (unsigned long long)n, v,
				      (unsigned long long)got,
				      (unsigned long long)A);
				FX_NOTE_RANGE(&fx, A);
				EXPECT_LOOKUP(&fx, A, 0, A, A, PG(n), 1);
				fx_fini(&fx);
			}
		}
	}
}

static void alloc_exhaustion(void)
{
	u64 addr[65], a = 0, base = 0x200000;
	unsigned int n, i, j;
	struct fv_stats st;
	struct fx fx;

	fx_init(&fx, base, PG(64), 1);
	for (n = 0; n < 65; n++) {
		int rc = fv_alloc(&fx.a, &fx.d[0], PG(1), 0, FV_READ, &addr[n]);

		if (rc == -ENOSPC)
			break;
		CHECK_RC(rc, 0);
		CHECK(addr[n] >= base && addr[n] < base + PG(64) &&
		      !(addr[n] & 0xfff), "address %#llx",
		      (unsigned long long)addr[n]);
		for (j = 0; j < n; j++)
			CHECK(addr[j] != addr[n], "address %#llx given twice",
			      (unsigned long long)addr[n]);
	}
	CHECK(n == 64, "%u one-page ranges fit in 64 pages", n);
	fv_stats(&fx.a, &st);
	CHECK(st.free_bytes == 0 && st.largest_free == 0 && st.nfree == 0 &&
	      st.nextents == 64, "stats of a full window");
	FX_CHECK(&fx);
	/* One page back: only that page can be had. */
	CHECK_RC(fx_release(&fx, 0, base + PG(10), PG(1)), 0);
	CHECK_RELEASED(&fx.rel, base + PG(10), PG(1));
	CHECK_RC(fv_alloc(&fx.a, &fx.d[0], PG(2), 0, FV_READ, &a), -ENOSPC);
	CHECK_RC(fv_alloc(&fx.a, &fx.d[0], PG(1), PG(2), FV_READ, &a), 0);
	CHECK(a == base + PG(10), "got %#llx", (unsigned long long)a);
	/* An odd page back: an alignment of 2 pages cannot use it. */
	CHECK_RC(fx_release(&fx, 0, base + PG(21), PG(1)), 0);
	CHECK_RC(fv_alloc(&fx.a, &fx.d[0], PG(1), PG(2), FV_READ, &a),
		 -ENOSPC);
	/* Its neighbour back too: two one-page ranges, one free run. */
	CHECK_RC(fx_release(&fx, 0, base + PG(20), PG(1)), 0);
	fv_stats(&fx.a, &st);
	CHECK(st.nfree == 1 && st.largest_free == PG(2), "not coalesced");
	CHECK_RC(fv_alloc(&fx.a, &fx.d[0], PG(3), 0, FV_READ, &a), -ENOSPC);
	CHECK_RC(fv_alloc(&fx.a, &fx.d[0], PG(2), PG(2), FV_READ, &a), 0);
	CHECK(a == base + PG(20), "got %#llx", (unsigned long long)a);
	CHECK_RC(fv_alloc(&fx.a, &fx.d[0], PG(1), 0, FV_READ, &a), -ENOSPC);
	/* A release across many ranges. */
	CHECK_RC(fx_release(&fx, 0, base + PG(30), PG(20)), 0);
	CHECK_RELEASED(&fx.rel, base + PG(30), PG(20));
	for (i = 0; i < 20; i++)
		EXPECT_LOOKUP(&fx, base + PG(30 + i), -ENOENT, 0, 0, 0, 0);
	fv_stats(&fx.a, &st);
	CHECK(st.nfree == 1 && st.largest_free == PG(20) &&
	      st.free_bytes == PG(20), "not coalesced");
	fx_fini(&fx);
}

/* 1 when the window bitmap has a free run of @n pages aligned to @apg. */
static int oracle_fits(const unsigned char *used, u64 base_pg, u64 npages,
		       u64 n, u64 apg)
{
	u64 p, run = 0;

	for (p = 0; p < npages; p++) {
		if (used[p]) {
			run = 0;
			continue;
		}
		run++;
		if (run >= n && !((base_pg + p + 1 - n) & (apg - 1)))
			return 1;
	}
	return 0;
}

/*
 * Random allocations and releases against a page bitmap: every address is
 * free, aligned and inside the window, and -ENOSPC comes exactly when no
 * fitting aligned run exists.
 */
static void alloc_oracle(void)
{
	enum { NPG = 1024, NR = 512 };
	u64 base = 0x7ff0000000ull - PG(5), base_pg = base >> FV_PAGE_SHIFT;
	static unsigned char used[NPG];
	u64 start[NR], len[NR], seed = 42;
	unsigned int nr = 0, step, nospc = 0;
	struct fx fx;

	fx_init(&fx, base, PG(NPG), 1);
	for (step = 0; step < 6000; step++) {
		u64 n = 1 + fvt_rand(&seed) % 48, apg, a = 0, p;
		unsigned int sh = fvt_rand(&seed) % 9;
		int rc;

		if (nr && (nr == NR || fvt_rand(&seed) % 3 == 0)) {
			unsigned int i = fvt_rand(&seed) % nr;

			CHECK_RC(fx_release(&fx, 0, start[i], len[i]), 0);
			CHECK_RELEASED(&fx.rel, start[i], len[i]);
			for (p = 0; p < len[i] >> FV_PAGE_SHIFT; p++)
				used[((start[i] >> FV_PAGE_SHIFT) - base_pg) + p] = 0;
			start[i] = start[--nr];
			len[i] = len[nr];
			continue;
		}
		apg = sh ? (u64)1 << (sh - 1) : 1;
		rc = fv_alloc(&fx.a, &fx.d[0], PG(n), sh ? PG(apg) : 0, RW, &a);
		if (rc == -ENOSPC) {
			CHECK(!oracle_fits(used, base_pg, NPG, n, apg),
			      "step %u: -ENOSPC for %llu pages aligned %llu, a fit exists",
			      step, (unsigned long long)n,
			      (unsigned long long)apg);
			nospc++;
			continue;
		}
		CHECK_RC(rc, 0);
		CHECK(a >= base && a + PG(n) <= base + PG(NPG) &&
		      !((a >> FV_PAGE_SHIFT) & (apg - 1)) && !(a & 0xfff),
		      "step %u: address %#llx", step, (unsigned long long)a);
		for (p = 0; p < n; p++) {
			u64 i = (a >> FV_PAGE_SHIFT) - base_pg + p;

			CHECK(!used[i], "step %u: page %#llx given twice", step,
			      (unsigned long long)(a + PG(p)));
			used[i] = 1;
		}
		start[nr] = a;
		len[nr++] = PG(n);
		if (step % 64 == 0)
			FX_CHECK(&fx);
	}
	CHECK(nospc > 100, "only %u -ENOSPC: the oracle was not exercised",
	      nospc);
	fx_fini(&fx);
}

static void alloc_rights_kept(void)
{
	struct fx fx;
	u32 r;

	fx_init(&fx, WBASE, PG(64), 1);
	for (r = 1; r <= RWX; r++) {
		u64 a = FX_ALLOC(&fx, 0, PG(r), 0, r);
		u32 q;

		EXPECT_RIGHTS(&fx, 0, a + PG(r) - 1, 0, r);
		for (q = 1; q <= RWX; q++)
			CHECK_RC(fv_holds_all(&fx.a, &fx.d[0], a, PG(r), q),
				 (q & ~r) ? -EACCES : 0);
	}
	fx_fini(&fx);
}

const struct fvt_case fvt_alloc_cases[] = {
	{ "alloc_args", alloc_args },
	{ "alloc_whole_window", alloc_whole_window },
	{ "alloc_every_align", alloc_every_align },
	{ "alloc_align_tight", alloc_align_tight },
	{ "alloc_exhaustion", alloc_exhaustion },
	{ "alloc_oracle", alloc_oracle },
	{ "alloc_rights_kept", alloc_rights_kept },
	{ NULL, NULL },
};
