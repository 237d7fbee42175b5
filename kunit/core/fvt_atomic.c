// SPDX-License-Identifier: GPL-2.0
/*
 * fv_atomic: failure atomicity.  For each changing operation in each of
 * several layouts, the first 0, 1, 2, ... record allocations are let
 * through and the next one fails, until the operation succeeds: every
 * -ENOMEM must come from an injected failure, report nothing released and
 * leave everything the public API shows unchanged, and the final result
 * must equal the same operation run without faults (fvt_fault_loop()).
 * Each layout runs on fresh arenas (each attempt starts from the setup)
 * and on a warm one (the attempts follow each other, the arena keeping
 * the spare nodes and slots the failed ones reserved).
 */
#include "fvt.h"
#include "fv_tree.h"

#define W	0x100000ULL

struct atom {
	u64 a;
	unsigned int n;
};

static void set_empty(struct fvt *f, void *arg)
{
	struct atom *at = arg;

	at->a = f->base;
}

/* d0 holds all but [5, 40) of 64 pages. */
static void set_hole(struct fvt *f, void *arg)
{
	struct atom *at = arg;

	at->a = FVT_ALLOC(f, 0, PG(64), 0, RW);
	KUNIT_ASSERT_EQ(f->test, fvt_release(f, 0, at->a + PG(5), PG(35)), 0);
}

/* d0 holds all but [10, 18). */
static void set_exact(struct fvt *f, void *arg)
{
	struct atom *at = arg;

	at->a = FVT_ALLOC(f, 0, PG(64), 0, RW);
	KUNIT_ASSERT_EQ(f->test, fvt_release(f, 0, at->a + PG(10), PG(8)), 0);
}

/* Six 3-page ranges, every other one released: | d0 | free | d0 | ... */
static void set_fragments(struct fvt *f, void *arg)
{
	struct atom *at = arg;
	unsigned int i;
	u64 a;

	for (i = 0; i < 6; i++) {
		a = FVT_ALLOC(f, i % 2, PG(3), 0, RW);
		if (i % 2)
			KUNIT_ASSERT_EQ(f->test, fvt_release(f, 1, a, PG(3)), 0);
	}
	at->a = f->base;
}

/* d0 holds a 16-page range RWX alone. */
static void set_alone(struct fvt *f, void *arg)
{
	struct atom *at = arg;

	at->a = FVT_ALLOC(f, 0, PG(16), 0, RWX);
}

/* d0 16 pages RWX, d1 holds it whole R. */
static void set_both(struct fvt *f, void *arg)
{
	struct atom *at = arg;

	set_alone(f, at);
	KUNIT_ASSERT_EQ(f->test, fv_share(f->a, &f->d[0], &f->d[1], at->a,
					  PG(16), FV_READ), 0);
}

/* d0 16 pages RWX, d1 and d2 hold it whole: a holder set. */
static void set_three(struct fvt *f, void *arg)
{
	struct atom *at = arg;

	set_both(f, at);
	KUNIT_ASSERT_EQ(f->test, fv_share(f->a, &f->d[0], &f->d[2], at->a,
					  PG(16), RW), 0);
}

/* d0 16 pages RWX, d1 holds [4,12) R. */
static void set_shared(struct fvt *f, void *arg)
{
	struct atom *at = arg;

	set_alone(f, at);
	KUNIT_ASSERT_EQ(f->test, fv_share(f->a, &f->d[0], &f->d[1],
					  at->a + PG(4), PG(8), FV_READ), 0);
}

/* d0 16 pages RWX, d1 [0,4) R. */
static void set_head(struct fvt *f, void *arg)
{
	struct atom *at = arg;

	set_alone(f, at);
	KUNIT_ASSERT_EQ(f->test, fv_share(f->a, &f->d[0], &f->d[1], at->a,
					  PG(4), FV_READ), 0);
}

/* d0 16 pages RWX; d1 [0,8) RW; d2 [4,12) R. */
static void set_chain(struct fvt *f, void *arg)
{
	struct atom *at = arg;

	set_alone(f, at);
	KUNIT_ASSERT_EQ(f->test, fv_share(f->a, &f->d[0], &f->d[1], at->a,
					  PG(8), RW), 0);
	KUNIT_ASSERT_EQ(f->test, fv_share(f->a, &f->d[0], &f->d[2],
					  at->a + PG(4), PG(8), FV_READ), 0);
}

/* d0 8 pages RWX shared with d1 R on [2,4) and d2 RW on [3,6). */
static void set_striped(struct fvt *f, void *arg)
{
	struct atom *at = arg;

	at->a = FVT_ALLOC(f, 0, PG(8), 0, RWX);
	KUNIT_ASSERT_EQ(f->test, fv_share(f->a, &f->d[0], &f->d[1],
					  at->a + PG(2), PG(2), FV_READ), 0);
	KUNIT_ASSERT_EQ(f->test, fv_share(f->a, &f->d[0], &f->d[2],
					  at->a + PG(3), PG(3), RW), 0);
}

/* Three 8-page ranges of d0 tiling 24 pages; d1 holds parts; a hole. */
static void set_ranges(struct fvt *f, void *arg)
{
	struct atom *at = arg;
	unsigned int i;

	for (i = 0; i < 3; i++)
		FVT_ALLOC(f, 0, PG(8), 0, RW);
	at->a = f->base;
	KUNIT_ASSERT_EQ(f->test, fv_share(f->a, &f->d[0], &f->d[1],
					  at->a + PG(6), PG(1), FV_READ), 0);
	KUNIT_ASSERT_EQ(f->test, fv_share(f->a, &f->d[0], &f->d[1],
					  at->a + PG(17), PG(3), FV_READ), 0);
	KUNIT_ASSERT_EQ(f->test, fvt_release(f, 0, at->a + PG(10), PG(2)), 0);
}

/* Three 8-page ranges; the outer two released. */
static void set_island(struct fvt *f, void *arg)
{
	struct atom *at = arg;
	unsigned int i;

	for (i = 0; i < 3; i++)
		FVT_ALLOC(f, 0, PG(8), 0, RW);
	KUNIT_ASSERT_EQ(f->test, fvt_release(f, 0, f->base, PG(8)), 0);
	KUNIT_ASSERT_EQ(f->test, fvt_release(f, 0, f->base + PG(16), PG(8)),
			0);
	at->a = f->base + PG(8);
}

/* 27 one-page ranges: the root leaf has one entry left (the free tail). */
static void set_full_leaf(struct fvt *f, void *arg)
{
	struct atom *at = arg;
	unsigned int i;

	for (i = 0; i < FV_LEAF_SLOTS - 1; i++)
		FVT_ALLOC(f, 0, PG(1), 0, RW);
	at->a = f->base;
}

static int op_alloc4(struct fvt *f, void *arg)
{
	u64 a;

	return fv_alloc(f->a, &f->d[0], PG(4), 0, RW, &a);
}

static int op_alloc_aligned(struct fvt *f, void *arg)
{
	u64 a;

	return fv_alloc(f->a, &f->d[1], PG(8), PG(16), FV_READ, &a);
}

static int op_alloc8_exec(struct fvt *f, void *arg)
{
	u64 a;

	return fv_alloc(f->a, &f->d[2], PG(8), 0, FV_EXEC, &a);
}

static int op_alloc_gib(struct fvt *f, void *arg)
{
	u64 a;

	return fv_alloc(f->a, &f->d[0], PG(4), GIB, RW, &a);
}

static int op_alloc_first_hold(struct fvt *f, void *arg)
{
	u64 a;

	return fv_alloc(f->a, &f->d[3], PG(2), PG(4), RW, &a);
}

static int op_share_middle(struct fvt *f, void *arg)
{
	struct atom *at = arg;

	return fv_share(f->a, &f->d[0], &f->d[2], at->a + PG(2), PG(12),
			FV_READ);
}

static int op_share_merge(struct fvt *f, void *arg)
{
	struct atom *at = arg;

	return fv_share(f->a, &f->d[0], &f->d[1], at->a + PG(4), PG(12),
			FV_READ);
}

static int op_share_chain(struct fvt *f, void *arg)
{
	struct atom *at = arg;

	return fv_share(f->a, &f->d[1], &f->d[3], at->a + PG(2), PG(6),
			FV_READ);
}

static int op_share_third(struct fvt *f, void *arg)
{
	struct atom *at = arg;

	return fv_share(f->a, &f->d[0], &f->d[2], at->a + PG(3), PG(5), RW);
}

static int op_share_fourth(struct fvt *f, void *arg)
{
	struct atom *at = arg;

	return fv_share(f->a, &f->d[0], &f->d[3], at->a + PG(1), PG(14), RWX);
}

static int op_share_across(struct fvt *f, void *arg)
{
	struct atom *at = arg;

	return fv_share(f->a, &f->d[0], &f->d[3], at->a + PG(1), PG(6),
			FV_READ);
}

static int op_release_middle(struct fvt *f, void *arg)
{
	struct atom *at = arg;

	return fvt_release(f, 0, at->a + PG(4), PG(4));
}

static int op_release_d1(struct fvt *f, void *arg)
{
	struct atom *at = arg;

	return fvt_release(f, 1, at->a + PG(4), PG(8));
}

static int op_release_set_middle(struct fvt *f, void *arg)
{
	struct atom *at = arg;

	return fvt_release(f, 2, at->a + PG(5), PG(6));
}

static int op_release_tail(struct fvt *f, void *arg)
{
	struct atom *at = arg;

	return fvt_release(f, 0, at->a + PG(12), PG(4));
}

static int op_release_across(struct fvt *f, void *arg)
{
	struct atom *at = arg;

	return fvt_release(f, 0, at->a + PG(4), PG(16));
}

static int op_release_striped(struct fvt *f, void *arg)
{
	struct atom *at = arg;

	return fvt_release(f, 0, at->a + PG(1), PG(4));
}

static int op_release_island(struct fvt *f, void *arg)
{
	struct atom *at = arg;

	return fvt_release(f, 0, at->a, PG(8));
}

static int op_release_nofail(struct fvt *f, void *arg)
{
	struct atom *at = arg;

	fvt_runs_clear(f);
	return fv_release_nofail(f->a, &f->d[2], at->a + PG(5), PG(6),
				 fvt_released, f);
}

struct atomic_case {
	const char *name;
	u64 base, size;
	fvt_setup_fn setup;
	fvt_op_fn op;
	bool must_fail;		/* a record allocation is unavoidable */
};

static const struct atomic_case atomic_cases[] = {
	{ "alloc_into_empty_window", W, PG(64), set_empty, op_alloc4, true },
	{ "aligned_alloc_inside_hole", W, PG(64), set_hole, op_alloc_aligned,
	  true },
	{ "alloc_filling_hole", W, PG(64), set_exact, op_alloc8_exec, true },
	{ "alloc_1g_aligned", GIB - PG(16), PG(32), set_empty, op_alloc_gib,
	  true },
	{ "alloc_in_fragments", W, PG(64), set_fragments, op_alloc4, true },
	{ "alloc_first_hold_of_domain", W, PG(64), set_fragments,
	  op_alloc_first_hold, true },
	{ "alloc_splitting_full_leaf", W, PG(64), set_full_leaf, op_alloc4,
	  true },
	{ "share_splitting_extents", W, PG(64), set_shared, op_share_middle,
	  true },
	{ "share_merging_extents", W, PG(64), set_head, op_share_merge,
	  false },
	{ "share_over_several_extents", W, PG(64), set_chain, op_share_chain,
	  true },
	{ "share_making_holder_set", W, PG(64), set_both, op_share_third,
	  true },
	{ "share_growing_holder_set", W, PG(64), set_three, op_share_fourth,
	  true },
	{ "share_across_striped_extents", W, PG(64), set_striped,
	  op_share_across, true },
	{ "release_middle_sole_holder", W, PG(64), set_alone,
	  op_release_middle, true },
	{ "release_middle_shared", W, PG(64), set_both, op_release_middle,
	  true },
	{ "release_middle_of_set", W, PG(64), set_three,
	  op_release_set_middle, true },
	{ "release_merging_extents", W, PG(64), set_shared, op_release_d1,
	  false },
	{ "release_tail_next_to_free", W, PG(64), set_alone, op_release_tail,
	  true },
	{ "release_across_ranges", W, PG(24), set_ranges, op_release_across,
	  true },
	{ "release_across_striped", W, PG(64), set_striped,
	  op_release_striped, true },
	{ "release_between_free_runs", W, PG(24), set_island,
	  op_release_island, false },
	{ "release_nofail", W, PG(64), set_three, op_release_nofail, false },
};

static void atomic_case_desc(const struct atomic_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(atomic, atomic_cases, atomic_case_desc);

static void fv_atomic_test_enomem_changes_nothing(struct kunit *test)
{
	const struct atomic_case *c = test->param_value;
	struct fvt *f = test->priv;
	unsigned int nfail[2], fresh;
	struct atom at = { 0 };

	for (fresh = 0; fresh < 2; fresh++) {
		fvt_setup(f, c->base, c->size, 4);
		KUNIT_EXPECT_EQ_MSG(test, FVT_FAULT_LOOP(f, c->setup, c->op,
							 &at, fresh,
							 &nfail[fresh]), 0,
				    "%s arena", fresh ? "fresh" : "warm");
		FVT_CHECK(f);
		if (c->must_fail && fresh)
			KUNIT_EXPECT_GT(test, nfail[fresh], 0);
		else if (c->op == op_release_nofail)
			KUNIT_EXPECT_EQ(test, nfail[fresh], 0);
	}
	kunit_info(test, "%s: %u allocations failed in turn (fresh), %u (warm)\n",
		   c->name, nfail[1], nfail[0]);
}

/* Allocations that raise the tree by one level (root split) fail in turn. */
static void grow_setup(struct fvt *f, void *arg)
{
	struct atom *at = arg;
	unsigned int i;

	for (i = 0; i < at->n; i++)
		FVT_ALLOC(f, i % 4, PG(1), 0, RW);
}

static int grow_op(struct fvt *f, void *arg)
{
	u64 a;

	return fv_alloc(f->a, &f->d[0], PG(1), 0, RW, &a);
}

static void fv_atomic_test_tree_growth(struct kunit *test)
{
	struct fvt *f = test->priv;
	unsigned int nfail, height, target;
	struct atom at = { 0 };
	u64 a;

	for (target = 1; target <= 2; target++) {
		/* How many one-page ranges until the tree reaches @target? */
		fvt_setup(f, W, PG(4096), 4);
		for (at.n = 0; f->a->height < target; at.n++)
			KUNIT_ASSERT_EQ(test, fv_alloc(f->a, &f->d[at.n % 4],
						       PG(1), 0, RW, &a), 0);
		at.n--;
		KUNIT_EXPECT_EQ(test, FVT_FAULT_LOOP(f, grow_setup, grow_op,
						     &at, true, &nfail), 0);
		height = f->a->height;
		KUNIT_EXPECT_EQ(test, height, target);
		KUNIT_EXPECT_GT(test, nfail, 0);
		kunit_info(test, "height %u after %u ranges: %u failures\n",
			   target, at.n + 1, nfail);
	}
}

/* One random operation for the fault loop. */
struct rop {
	unsigned int kind, from, to;
	u64 addr, len, align, out;
	u32 rights;
};

static int rop_run(struct fvt *f, void *arg)
{
	struct rop *o = arg;

	switch (o->kind) {
	case 0:
		return fv_alloc(f->a, &f->d[o->from], o->len, o->align,
				o->rights, &o->out);
	case 1:
		return fv_share(f->a, &f->d[o->from], &f->d[o->to], o->addr,
				o->len, o->rights);
	default:
		return fvt_release(f, o->from, o->addr, o->len);
	}
}

/*
 * 300 random small operations on one arena, each through the fault loop,
 * every other one cold (spares dropped): the arena goes on from whatever
 * the last one left.
 */
static void fv_atomic_test_random_ops(struct kunit *test)
{
	unsigned int n = 0, step, nfail, total = 0, ok = 0;
	struct fvt *f = test->priv;
	u64 seed = 2024, addrs[64];
	struct rop o;
	int rc;

	fvt_setup(f, W, PG(256), 4);
	for (step = 0; step < 300; step++) {
		o.kind = fvt_rand(&seed) % 3;
		o.from = fvt_rand(&seed) % 4;
		o.to = (o.from + 1 + fvt_rand(&seed) % 3) % 4;
		o.len = PG(1 + fvt_rand(&seed) % 8);
		o.align = fvt_rand(&seed) % 2 ?
			  PG(1) << (fvt_rand(&seed) % 4) : 0;
		o.rights = 1 + fvt_rand(&seed) % RWX;
		o.addr = n ? addrs[fvt_rand(&seed) % n] +
			     PG(fvt_rand(&seed) % 4) : W;
		if (step % 2)
			fvt_drop_spares(f);
		rc = FVT_FAULT_LOOP_IN_PLACE(f, rop_run, &o, &nfail);
		total += nfail;
		if (!rc) {
			ok++;
			if (!o.kind)
				addrs[n < 64 ? n++ : fvt_rand(&seed) % 64] =
					o.out;
		}
	}
	FVT_CHECK(f);
	KUNIT_EXPECT_GT(test, total, 100);
	KUNIT_EXPECT_GT(test, ok, 100);
	kunit_info(test, "%u operations, %u succeeded, %u faults injected\n",
		   step, ok, total);
}

static struct kunit_case fv_atomic_cases[] = {
	KUNIT_CASE_PARAM(fv_atomic_test_enomem_changes_nothing,
			 atomic_gen_params),
	KUNIT_CASE(fv_atomic_test_tree_growth),
	KUNIT_CASE(fv_atomic_test_random_ops),
	{}
};

static struct kunit_suite fv_atomic_suite = {
	.name = "fv_atomic",
	.suite_init = fvt_suite_init,
	.suite_exit = fvt_suite_exit,
	.init = fvt_case_init,
	.exit = fvt_case_exit,
	.test_cases = fv_atomic_cases,
};

kunit_test_suites(&fv_atomic_suite);
