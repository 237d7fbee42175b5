// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of arena creation and destruction: argument checks, window
 * limits, independence of several arenas, stats of a fresh arena.
 */
#include "fvt.h"

#define TOP47	((u64)1 << FV_MAX_WINDOW_SHIFT)

static const struct {
	u64 base, size;
	int rc;
} init_table[] = {
	{ 0x1000, 0, -EINVAL },			/* empty window */
	{ 0x1001, 0x1000, -EINVAL },		/* unaligned base */
	{ 0x1800, 0x1000, -EINVAL },
	{ 0x1000, 0x1001, -EINVAL },		/* unaligned size */
	{ 0x1000, 0x800, -EINVAL },
	{ 0x1000, 0xfff, -EINVAL },
	{ 0, TOP47 + 0x1000, -EINVAL },		/* larger than 2^47 */
	{ 0, TOP47 << 1, -EINVAL },
	{ 0, ~0xfffull, -EINVAL },
	{ ~0xfffull, 0x2000, -EINVAL },		/* wraps around */
	{ ~0x1fffull - 0x1000, 0x4000, -EINVAL },
	{ (u64)1 << 63, (u64)1 << 63, -EINVAL },
	{ 0, 0x1000, 0 },			/* one page at address 0 */
	{ 0x1000, 0x1000, 0 },
	{ 0, TOP47, 0 },			/* the largest window */
	{ TOP47, TOP47, 0 },
	{ (u64)1 << 63, TOP47, 0 },
	{ ~0x2fffull, 0x2000, 0 },		/* ends one page below 2^64 */
	{ 0x7f0000000000ull, 0x10000000000ull, 0 },
};

static void arena_init_args(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(init_table) / sizeof(init_table[0]); i++) {
		struct fv_arena a;
		struct fv_stats st;
		int rc;

		memset(&a, 0, sizeof(a));
		rc = fv_arena_init(&a, init_table[i].base, init_table[i].size);
		CHECK(rc == init_table[i].rc,
		      "row %u: fv_arena_init(%#llx, %#llx): got %s, want %s", i,
		      (unsigned long long)init_table[i].base,
		      (unsigned long long)init_table[i].size,
		      fvt_errname(rc), fvt_errname(init_table[i].rc));
		if (rc) {
			CHECK(fv_host_live_segs() == 0 &&
			      fv_host_live_holders() == 0,
			      "row %u: records live after a failed init", i);
			continue;
		}
		CHECK(fv_check(&a) == 0, "row %u: fv_check", i);
		fv_stats(&a, &st);
		CHECK(st.window_bytes == init_table[i].size &&
		      st.free_bytes == init_table[i].size &&
		      st.largest_free == init_table[i].size &&
		      st.nfree == 1 && st.nextents == 0 && st.nholders == 0 &&
		      st.ndomains == 0,
		      "row %u: stats of a fresh arena wrong", i);
		CHECK(st.metadata_bytes == sizeof(struct fv_seg),
		      "row %u: metadata_bytes %llu of a fresh arena", i,
		      (unsigned long long)st.metadata_bytes);
		fv_arena_destroy(&a);
		CHECK(fv_host_live_segs() == 0, "row %u: destroy leaked", i);
	}
}

static void arena_init_enomem(void)
{
	struct fv_arena a;
	long n;
	int rc;

	for (n = 0;; n++) {
		CHECK(n < 100, "fv_arena_init never succeeds");
		fv_host_fail_after = n;
		rc = fv_arena_init(&a, 0x100000, 0x100000);
		fv_host_fail_after = -1;
		if (rc != -ENOMEM)
			break;
		CHECK(fv_host_live_segs() == 0 && fv_host_live_holders() == 0,
		      "records live after -ENOMEM at fail_after %ld", n);
	}
	CHECK(rc == 0, "fv_arena_init: %s", fvt_errname(rc));
	CHECK(n >= 1, "fv_arena_init allocated no record");
	CHECK(fv_check(&a) == 0, "fv_check");
	fv_arena_destroy(&a);
}

/* Arguments are checked before allocation: -EINVAL even when out of memory. */
static void arena_init_einval_first(void)
{
	struct fv_arena a;
	int rc;

	fv_host_fail_after = 0;
	rc = fv_arena_init(&a, 0x1001, 0x1000);
	fv_host_fail_after = -1;
	CHECK_RC(rc, -EINVAL);
}

/* Two arenas over the same addresses keep separate books. */
static void arena_independent(void)
{
	struct fx x, y;
	u64 ax, ay;

	fx_init(&x, 0x10000000, PG(16), 2);
	fx_init(&y, 0x10000000, PG(16), 2);
	ax = FX_ALLOC(&x, 0, PG(16), 0, RW);
	ay = FX_ALLOC(&y, 1, PG(4), 0, FV_READ);
	CHECK(ax == 0x10000000, "whole-window alloc at %#llx",
	      (unsigned long long)ax);
	EXPECT_LOOKUP(&x, ay, 0, ax, ax, PG(16), 1);
	EXPECT_LOOKUP(&y, ay, 0, ay, ay, PG(4), 1);
	EXPECT_RIGHTS(&y, 0, ay, -ENOENT, 0);
	EXPECT_RIGHTS(&x, 0, ay, 0, RW);
	FX_CHECK(&x);
	FX_CHECK(&y);
	fx_release_all(&x, 0);
	CHECK_RELEASED(&x.rel, ax, PG(16));
	EXPECT_LOOKUP(&y, ay, 0, ay, ay, PG(4), 1);
	fx_fini(&x);
	FX_CHECK(&y);
	fx_fini(&y);
}

/* A window at the top of the address space: no overflow in its books. */
static void arena_window_top(void)
{
	u64 base = ~0x3fffull - 0x1000;		/* 4 pages ending below 2^64 */
	struct fx fx;
	u64 a;

	fx_init(&fx, base, PG(4), 1);
	a = FX_ALLOC(&fx, 0, PG(4), 0, RWX);
	CHECK(a == base, "alloc at %#llx", (unsigned long long)a);
	EXPECT_LOOKUP(&fx, base + PG(4) - 1, 0, base, base, PG(4), 1);
	EXPECT_LOOKUP(&fx, base + PG(4), -ENOENT, 0, 0, 0, 0);
	CHECK_RC(fv_holds_all(&fx.a, &fx.d[0], base, PG(5), FV_READ),
		 -EINVAL);
	CHECK_RC(fx_release(&fx, 0, base + PG(3), PG(1)), 0);
	CHECK_RELEASED(&fx.rel, base + PG(3), PG(1));
	fx_fini(&fx);
}

/* The largest window, used from both ends. */
static void arena_window_2p47(void)
{
	struct fx fx;
	u64 a, b;

	fx_init(&fx, 0, TOP47, 1);
	a = FX_ALLOC(&fx, 0, TOP47 - PG(1), 0, FV_READ);
	b = FX_ALLOC(&fx, 0, PG(1), 0, FV_READ);
	CHECK(a == 0 ? b == TOP47 - PG(1) : (a == PG(1) && b == 0),
	      "allocs at %#llx and %#llx", (unsigned long long)a,
	      (unsigned long long)b);
	EXPECT_LOOKUP(&fx, TOP47 - 1, 0, a ? a : b, a ? a : b,
		      a ? TOP47 - PG(1) : PG(1), 1);
	EXPECT_LOOKUP(&fx, TOP47, -ENOENT, 0, 0, 0, 0);
	FX_CHECK(&fx);
	CHECK_RC(fx_release(&fx, 0, 0, TOP47), 0);
	CHECK_RELEASED(&fx.rel, 0, TOP47);
	fx_fini(&fx);
}

const struct fvt_case fvt_arena_cases[] = {
	{ "arena_init_args", arena_init_args },
	{ "arena_init_enomem", arena_init_enomem },
	{ "arena_init_einval_first", arena_init_einval_first },
	{ "arena_independent", arena_independent },
	{ "arena_window_top", arena_window_top },
	{ "arena_window_2p47", arena_window_2p47 },
	{ NULL, NULL },
};
