// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of failure atomicity: for each mutating operation in several
 * layouts, fail record allocation after 0, 1, 2, ... records until the
 * operation succeeds; every -ENOMEM must leave the arena exactly as it was,
 * and the final success must equal the same operation run without faults.
 */
#include "fvt.h"

#define W	0x100000ull
#define GIB	((u64)1 << 30)

struct atom {
	u64 a;
};

struct atom_case {
	const char *name;
	u64 base, size;
	void (*setup)(struct fx *fx, struct atom *at);
	int (*op)(struct fx *fx, void *arg);
	unsigned int min_fail;	/* records the operation surely needs */
};

static void set_empty(struct fx *fx, struct atom *at)
{
	(void)fx;
	(void)at;
}

/* d0 holds all but [5, 40) of a 64-page window. */
static void set_hole(struct fx *fx, struct atom *at)
{
	at->a = FX_ALLOC(fx, 0, PG(64), 0, RW);
	CHECK_RC(fx_release(fx, 0, at->a + PG(5), PG(35)), 0);
}

/* d0 holds all but [10, 18). */
static void set_exact(struct fx *fx, struct atom *at)
{
	at->a = FX_ALLOC(fx, 0, PG(64), 0, RW);
	CHECK_RC(fx_release(fx, 0, at->a + PG(10), PG(8)), 0);
}

/* d0 holds a 16-page range RWX, d1 holds [4,12) R. */
static void set_shared(struct fx *fx, struct atom *at)
{
	at->a = FX_ALLOC(fx, 0, PG(16), 0, RWX);
	CHECK_RC(fv_share(&fx->a, &fx->d[0], &fx->d[1], at->a + PG(4), PG(8),
			  FV_READ), 0);
}

/* d0 holds a 16-page range RWX, d1 [0,4) R. */
static void set_head(struct fx *fx, struct atom *at)
{
	at->a = FX_ALLOC(fx, 0, PG(16), 0, RWX);
	CHECK_RC(fv_share(&fx->a, &fx->d[0], &fx->d[1], at->a, PG(4), FV_READ),
		 0);
}

/* d0 16 pages RWX; d1 [0,8) RW; d2 [4,12) R. */
static void set_chain(struct fx *fx, struct atom *at)
{
	at->a = FX_ALLOC(fx, 0, PG(16), 0, RWX);
	CHECK_RC(fv_share(&fx->a, &fx->d[0], &fx->d[1], at->a, PG(8), RW), 0);
	CHECK_RC(fv_share(&fx->a, &fx->d[0], &fx->d[2], at->a + PG(4), PG(8),
			  FV_READ), 0);
}

/* d0 16 pages alone. */
static void set_alone(struct fx *fx, struct atom *at)
{
	at->a = FX_ALLOC(fx, 0, PG(16), 0, RW);
}

/* d0 16 pages, d1 holds it whole R. */
static void set_both(struct fx *fx, struct atom *at)
{
	at->a = FX_ALLOC(fx, 0, PG(16), 0, RW);
	CHECK_RC(fv_share(&fx->a, &fx->d[0], &fx->d[1], at->a, PG(16), FV_READ),
		 0);
}

/* Three 8-page ranges of d0 tiling 24 pages, a = lowest; d1 holds parts. */
static void set_three(struct fx *fx, struct atom *at)
{
	unsigned int i;

	for (i = 0; i < 3; i++)
		FX_ALLOC(fx, 0, PG(8), 0, RW);
	at->a = W;
	CHECK_RC(fv_share(&fx->a, &fx->d[0], &fx->d[1], W + PG(6), PG(1),
			  FV_READ), 0);
	CHECK_RC(fv_share(&fx->a, &fx->d[0], &fx->d[1], W + PG(17), PG(3),
			  FV_READ), 0);
	CHECK_RC(fx_release(fx, 0, W + PG(10), PG(2)), 0);
}

/* Three 8-page ranges tiling 24 pages; the outer two released. */
static void set_island(struct fx *fx, struct atom *at)
{
	unsigned int i;

	for (i = 0; i < 3; i++)
		FX_ALLOC(fx, 0, PG(8), 0, RW);
	CHECK_RC(fx_release(fx, 0, W, PG(8)), 0);
	CHECK_RC(fx_release(fx, 0, W + PG(16), PG(8)), 0);
	at->a = W + PG(8);
}

static int op_alloc4(struct fx *fx, void *arg)
{
	u64 a;

	(void)arg;
	return fv_alloc(&fx->a, &fx->d[0], PG(4), 0, RW, &a);
}

static int op_alloc_aligned(struct fx *fx, void *arg)
{
	u64 a;

	(void)arg;
	return fv_alloc(&fx->a, &fx->d[1], PG(8), PG(16), FV_READ, &a);
}

static int op_alloc8(struct fx *fx, void *arg)
{
	u64 a;

	(void)arg;
	return fv_alloc(&fx->a, &fx->d[2], PG(8), 0, FV_EXEC, &a);
}

static int op_alloc_gib(struct fx *fx, void *arg)
{
	u64 a;

	(void)arg;
	return fv_alloc(&fx->a, &fx->d[0], PG(4), GIB, RW, &a);
}

static int op_share_middle(struct fx *fx, void *arg)
{
	struct atom *at = arg;

	return fv_share(&fx->a, &fx->d[0], &fx->d[2], at->a + PG(2), PG(12),
			FV_READ);
}

static int op_share_merge(struct fx *fx, void *arg)
{
	struct atom *at = arg;

	return fv_share(&fx->a, &fx->d[0], &fx->d[1], at->a + PG(4), PG(12),
			FV_READ);
}

static int op_share_chain(struct fx *fx, void *arg)
{
	struct atom *at = arg;

	return fv_share(&fx->a, &fx->d[1], &fx->d[3], at->a + PG(2), PG(6),
			FV_READ);
}

static int op_release_middle(struct fx *fx, void *arg)
{
	struct atom *at = arg;

	return fx_release(fx, 0, at->a + PG(4), PG(4));
}

static int op_release_d1(struct fx *fx, void *arg)
{
	struct atom *at = arg;

	return fx_release(fx, 1, at->a + PG(4), PG(8));
}

static int op_release_tail(struct fx *fx, void *arg)
{
	struct atom *at = arg;

	return fx_release(fx, 0, at->a + PG(12), PG(4));
}

static int op_release_across(struct fx *fx, void *arg)
{
	struct atom *at = arg;

	return fx_release(fx, 0, at->a + PG(4), PG(16));
}

static int op_release_island(struct fx *fx, void *arg)
{
	struct atom *at = arg;

	return fx_release(fx, 0, at->a, PG(8));
}

static const struct atom_case atom_cases[] = {
	{ "alloc into an empty window", W, PG(64), set_empty, op_alloc4, 1 },
	{ "aligned alloc inside a hole", W, PG(64), set_hole,
	  op_alloc_aligned, 1 },
	{ "alloc filling a hole exactly", W, PG(64), set_exact, op_alloc8, 1 },
	{ "1 GiB aligned alloc", GIB - PG(16), PG(32), set_empty,
	  op_alloc_gib, 1 },
	{ "share splitting extents", W, PG(64), set_shared, op_share_middle,
	  1 },
	{ "share merging extents", W, PG(64), set_head, op_share_merge, 1 },
	{ "share over several extents", W, PG(64), set_chain, op_share_chain,
	  1 },
	{ "release middle, sole holder", W, PG(64), set_alone,
	  op_release_middle, 0 },
	{ "release middle, shared", W, PG(64), set_both, op_release_middle,
	  0 },
	{ "release merging extents", W, PG(64), set_shared, op_release_d1, 0 },
	{ "release tail next to free", W, PG(64), set_alone, op_release_tail,
	  0 },
	{ "release across ranges", W, PG(24), set_three, op_release_across,
	  0 },
	{ "release between free runs", W, PG(24), set_island,
	  op_release_island, 0 },
};

static void atomic_fail_loops(void)
{
	unsigned int i, nfail, total = 0;

	for (i = 0; i < sizeof(atom_cases) / sizeof(atom_cases[0]); i++) {
		const struct atom_case *c = &atom_cases[i];
		struct fvt_snap want, got;
		struct fvt_released ref;
		struct atom at = { 0 };
		const char *diff;
		char buf[512];
		struct fx fx;
		unsigned int r;
		int rc;

		/* The same operation without faults. */
		fx_init(&fx, c->base, c->size, 4);
		c->setup(&fx, &at);
		FX_CHECK(&fx);
		memset(&fx.rel, 0, sizeof(fx.rel));
		CHECK_RC(c->op(&fx, &at), 0);
		ref = fx.rel;
		fvt_snap_take(&fx, &want);
		fx_fini(&fx);

		fx_init(&fx, c->base, c->size, 4);
		c->setup(&fx, &at);
		rc = FAIL_LOOP(&fx, c->op, &at, &nfail);
		CHECK(rc == 0, "%s: %s after %u failures", c->name,
		      fvt_errname(rc), nfail);
		CHECK(nfail >= c->min_fail, "%s: no -ENOMEM seen", c->name);
		total += nfail;
		FX_CHECK(&fx);
		fvt_snap_take(&fx, &got);
		diff = fvt_snap_diff(&want, &got, buf, sizeof(buf));
		CHECK(!diff, "%s: result after faults differs: %s", c->name,
		      diff);
		CHECK(fvt_released_bytes(&fx.rel) == fvt_released_bytes(&ref),
		      "%s: released %#llx bytes, without faults %#llx", c->name,
		      (unsigned long long)fvt_released_bytes(&fx.rel),
		      (unsigned long long)fvt_released_bytes(&ref));
		for (r = 0; r < ref.nruns; r++)
			CHECK(fvt_released_has(&fx.rel, ref.addr[r]) &&
			      fvt_released_has(&fx.rel,
					       ref.addr[r] + ref.len[r] - 1),
			      "%s: released runs differ", c->name);
		fvt_snap_free(&want);
		fvt_snap_free(&got);
		fx_fini(&fx);
	}
	CHECK(total > 0, "no allocation failure was ever injected");
}

/* One random operation for the fault loop. */
struct rop {
	unsigned int from, to;
	u64 addr, len, align, out;
	u32 rights;
};

static int rop_alloc(struct fx *fx, void *arg)
{
	struct rop *o = arg;

	return fv_alloc(&fx->a, &fx->d[o->from], o->len, o->align, o->rights,
			&o->out);
}

static int rop_share(struct fx *fx, void *arg)
{
	struct rop *o = arg;

	return fv_share(&fx->a, &fx->d[o->from], &fx->d[o->to], o->addr,
			o->len, o->rights);
}

static int rop_release(struct fx *fx, void *arg)
{
	struct rop *o = arg;

	return fx_release(fx, o->from, o->addr, o->len);
}

/* Many small random operations, each run through the fault loop. */
static void atomic_random_ops(void)
{
	static int (*const ops[])(struct fx *, void *) = {
		rop_alloc, rop_share, rop_release,
	};
	unsigned int n = 0, step, nfail, total = 0, ok = 0;
	u64 seed = 2024, addrs[64];
	struct fx fx;

	fx_init(&fx, W, PG(256), 4);
	for (step = 0; step < 400; step++) {
		unsigned int kind = fvt_rand(&seed) % 3;
		struct rop o;
		int rc;

		o.from = fvt_rand(&seed) % 4;
		o.to = (o.from + 1 + fvt_rand(&seed) % 3) % 4;
		o.len = PG(1 + fvt_rand(&seed) % 8);
		o.align = fvt_rand(&seed) % 2 ? PG(1) << (fvt_rand(&seed) % 4) : 0;
		o.rights = 1 + fvt_rand(&seed) % RWX;
		o.addr = n ? addrs[fvt_rand(&seed) % n] +
			     PG(fvt_rand(&seed) % 4) : W;
		rc = FAIL_LOOP(&fx, ops[kind], &o, &nfail);
		total += nfail;
		if (!rc) {
			ok++;
			if (kind == 0)
				addrs[n < 64 ? n++ : fvt_rand(&seed) % 64] = o.out;
		}
		FX_CHECK(&fx);
	}
	CHECK(total > 100 && ok > 100, "weak run: %u faults, %u successes",
	      total, ok);
	fx_fini(&fx);
}

const struct fvt_case fvt_atomic_cases[] = {
	{ "atomic_fail_loops", atomic_fail_loops },
	{ "atomic_random_ops", atomic_random_ops },
	{ NULL, NULL },
};
