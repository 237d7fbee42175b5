// SPDX-License-Identifier: GPL-2.0
/*
 * fv_model: seeded random sequences of every operation, each checked
 * against the reference model the differential fuzzer uses (fvt_model.h):
 * return codes, placements (the lowest fit), runs reported released with
 * their range ids, holds_all/rights_cover answers, and after each step the
 * whole state through the public API (every unit now and then).  Windows
 * of 2^shift-page units reach large addresses.
 */
#include "fvt.h"

struct model_case {
	const char *name;
	u64 seed;
	u64 base_page;
	u64 nunits;
	unsigned int shift;
	unsigned int steps;
};

static const struct model_case model_cases[] = {
	{ "seed_1", 1, (u64)1 << 32, 64, 0, 600 },
	{ "seed_2", 2, 5, 256, 0, 800 },
	{ "seed_3", 3, 0, 512, 0, 800 },
	{ "big_units", 0x5eed, (u64)1 << 24, 256, 12, 600 },
	{ "top_of_47_bits", 7, ((u64)1 << 35) - ((u64)256 << 20), 256, 20,
	  400 },
};

static void model_case_desc(const struct model_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(model, model_cases, model_case_desc);

#define MSG	256

struct rnd {
	struct fvt *f;
	struct fvt_model *m;
	struct fv_domain *doms[FVT_MODEL_NDOM];
	u8 *freed, *seen;
	char *msg;
	u64 seed;
	unsigned int ok[8], runs[8];
};

static u64 rnd(struct rnd *r, u64 n)
{
	return fvt_rand(&r->seed) % n;
}

/* A span: mostly units some domain holds, sometimes anything, or bad. */
static void pick_span(struct rnd *r, unsigned int d, u64 *addr, u64 *len)
{
	const struct fvt_model *m = r->m;
	u64 p = rnd(r, m->n), n = 1 + rnd(r, 8), k, q = p;

	switch (rnd(r, 10)) {
	case 0 ... 5:
		for (k = 1; k <= m->n && !m->rights[q][d]; k++)
			q = (p + k) % m->n;
		for (n = 0; q + n < m->n && n < 8 && m->rights[q + n][d]; n++)
			;
		p = q;
		if (!n)
			n = 1;
		break;
	case 6 ... 7:
		break;
	case 8:
		*addr = fvt_model_addr(m, p) + FV_PAGE_SIZE / 2;
		*len = fvt_model_bytes(m, n);
		return;
	default:
		n = m->n - p + 1;
		break;
	}
	*addr = fvt_model_addr(m, p);
	*len = fvt_model_bytes(m, n);
}

/* The runs reported against the model before it changes; then its frees. */
static void check_runs(struct rnd *r)
{
	struct kunit *test = r->f->test;
	const struct fvt_run *run;
	unsigned int i;
	int bad;

	memset(r->seen, 0, FVT_MODEL_UNITS);
	for (i = 0; i < r->f->nruns; i++) {
		run = &r->f->runs[i];
		bad = fvt_model_check_released(r->m, run->addr, run->len,
					       run->range, r->seen, r->msg, MSG);
		KUNIT_ASSERT_FALSE_MSG(test, bad, "%s", r->msg);
	}
}

static void compare_freed(struct rnd *r)
{
	int bad = fvt_model_compare_freed(r->m, r->seen, r->freed, r->msg,
					  MSG);

	KUNIT_ASSERT_FALSE_MSG(r->f->test, bad, "%s", r->msg);
}

static void step_alloc(struct rnd *r, unsigned int d)
{
	struct kunit *test = r->f->test;
	struct fvt *f = r->f;
	u64 n = 1 + rnd(r, 12), align = 0, addr = 0, fit;
	u32 rights = 1 + rnd(r, RWX);
	int rc;

	if (rnd(r, 2))
		align = (FV_PAGE_SIZE << r->m->shift) << rnd(r, 4);
	if (align > ((u64)1 << FV_MAX_ALIGN_SHIFT))
		align = 0;
	fit = fvt_model_lowest_fit(r->m, n, align);
	rc = fv_alloc(f->a, &f->d[d], fvt_model_bytes(r->m, n), align, rights,
		      &addr);
	r->runs[0]++;
	if (!fit) {
		KUNIT_ASSERT_EQ(test, rc, -ENOSPC);
		return;
	}
	KUNIT_ASSERT_EQ(test, rc, 0);
	KUNIT_ASSERT_EQ_MSG(test, addr, fvt_model_addr(r->m, fit - 1),
			    "%llu units aligned %#llx: not the lowest fit", n,
			    align);
	fvt_note_range(f, addr, __LINE__);
	fvt_model_alloc(r->m, d, fit - 1, n, rights, fvt_range_id(f, addr));
	r->ok[0]++;
}

static void step_share(struct rnd *r, unsigned int d)
{
	unsigned int to = (d + 1 + rnd(r, FVT_MODEL_NDOM - 1)) % FVT_MODEL_NDOM;
	u64 addr, len, first, n;
	u32 rights = 1 + rnd(r, RWX);
	int rc;

	pick_span(r, d, &addr, &len);
	if (!fvt_model_span(r->m, addr, len, &first, &n) && rnd(r, 4))
		rights &= r->m->rights[first][d];
	if (!rights || !rnd(r, 16))
		rights = rnd(r, 2) ? FV_OWNER : 1 + rnd(r, RWX);
	rc = fv_share(r->f->a, &r->f->d[d], &r->f->d[to], addr, len, rights);
	KUNIT_ASSERT_EQ_MSG(r->f->test, rc,
			    fvt_model_share(r->m, d, to, addr, len, rights),
			    "share d%u->d%u %#llx+%#llx rights %#x", d, to,
			    addr, len, rights);
	r->runs[1]++;
	r->ok[1] += !rc;
}

static void step_release(struct rnd *r, unsigned int d)
{
	u64 addr, len;
	int rc;

	pick_span(r, d, &addr, &len);
	memset(r->freed, 0, FVT_MODEL_UNITS);
	rc = fvt_release(r->f, d, addr, len);
	check_runs(r);
	KUNIT_ASSERT_EQ_MSG(r->f->test, rc,
			    fvt_model_release(r->m, d, addr, len, r->freed),
			    "release d%u %#llx+%#llx", d, addr, len);
	compare_freed(r);
	r->runs[2]++;
	r->ok[2] += !rc;
}

static void step_release_all(struct rnd *r, unsigned int d)
{
	memset(r->freed, 0, FVT_MODEL_UNITS);
	fvt_release_all(r->f, d);
	check_runs(r);
	fvt_model_release_all(r->m, d, r->freed);
	compare_freed(r);
	fvt_register(r->f, d);
	r->runs[3]++;
}

/*
 * fv_domain_release_some(): which holds go is the core's choice; the model
 * follows it (every extent of @d the core no longer shows), and checks the
 * count and the runs.
 */
static void step_release_some(struct rnd *r, unsigned int d)
{
	struct kunit *test = r->f->test;
	struct fvt_model_stats ms;
	struct fv_lookup_result res;
	u64 budget = rnd(r, 4), p, dropped = 0, held;
	int more;

	fvt_model_stats(r->m, &ms);
	held = ms.dom_nholds[d];
	memset(r->freed, 0, FVT_MODEL_UNITS);
	fvt_runs_clear(r->f);
	more = fv_domain_release_some(r->f->a, &r->f->d[d], budget,
				      fvt_released, r->f);
	check_runs(r);
	for (p = 0; p < r->m->n; p++) {
		if (!r->m->rights[p][d] ||
		    fv_rights(r->f->a, &r->f->d[d], fvt_model_addr(r->m, p),
			      &res) != -ENOENT)
			continue;
		fvt_model_drop_extent(r->m, d, p, r->freed);
		dropped++;
	}
	compare_freed(r);
	KUNIT_ASSERT_EQ(test, dropped, budget < held ? budget : held);
	KUNIT_ASSERT_EQ(test, more, held > budget);
	r->runs[4]++;
}

static void step_query(struct rnd *r, unsigned int d)
{
	unsigned int to = rnd(r, FVT_MODEL_NDOM);
	u32 rights = rnd(r, 16);
	u64 addr, len;

	pick_span(r, d, &addr, &len);
	if (rnd(r, 2)) {
		KUNIT_ASSERT_EQ_MSG(r->f->test,
				    fv_holds_all(r->f->a, &r->f->d[d], addr, len,
						 rights & (RWX | FV_OWNER)),
				    fvt_model_holds_all(r->m, d, addr, len,
							rights & (RWX | FV_OWNER)),
				    "holds_all d%u %#llx+%#llx %#x", d, addr,
				    len, rights);
		r->runs[5]++;
	} else {
		KUNIT_ASSERT_EQ_MSG(r->f->test,
				    fv_rights_cover(r->f->a, &r->f->d[d],
						    &r->f->d[to], addr, len),
				    fvt_model_rights_cover(r->m, d, to, addr,
							   len),
				    "rights_cover d%u d%u %#llx+%#llx", d, to,
				    addr, len);
		r->runs[6]++;
	}
}

static void fv_model_test_random_ops(struct kunit *test)
{
	const struct model_case *c = test->param_value;
	struct fvt *f = test->priv;
	unsigned int step, d, kind;
	struct rnd *r;

	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->m = kunit_kzalloc(test, sizeof(*r->m), GFP_KERNEL);
	r->freed = kunit_kzalloc(test, FVT_MODEL_UNITS, GFP_KERNEL);
	r->seen = kunit_kzalloc(test, FVT_MODEL_UNITS, GFP_KERNEL);
	r->msg = kunit_kzalloc(test, MSG, GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, r->m && r->freed && r->seen && r->msg);
	r->f = f;
	r->seed = c->seed;
	fvt_setup(f, PG(c->base_page), PG(c->nunits << c->shift),
		  FVT_MODEL_NDOM);
	fvt_model_init(r->m, c->base_page, c->nunits, c->shift);
	for (d = 0; d < FVT_MODEL_NDOM; d++)
		r->doms[d] = &f->d[d];
	for (step = 0; step < c->steps; step++) {
		fvt_yield();
		d = rnd(r, FVT_MODEL_NDOM);
		kind = rnd(r, 40);
		if (kind < 12)
			step_alloc(r, d);
		else if (kind < 20)
			step_share(r, d);
		else if (kind < 30)
			step_release(r, d);
		else if (kind < 31)
			step_release_all(r, d);
		else if (kind < 33)
			step_release_some(r, d);
		else
			step_query(r, d);
		KUNIT_ASSERT_FALSE_MSG(test, fvt_model_compare(r->m, f->a,
							       r->doms,
							       step % 25 == 0,
							       r->msg, MSG),
				       "step %u: %s", step, r->msg);
	}
	KUNIT_EXPECT_FALSE_MSG(test, fvt_model_compare(r->m, f->a, r->doms,
						       true, r->msg, MSG),
			       "%s", r->msg);
	KUNIT_EXPECT_GT(test, r->ok[0], 10);
	KUNIT_EXPECT_GT(test, r->ok[1], 10);
	KUNIT_EXPECT_GT(test, r->ok[2], 10);
	kunit_info(test, "alloc %u/%u share %u/%u release %u/%u, %u release_all, %u release_some\n",
		   r->ok[0], r->runs[0], r->ok[1], r->runs[1], r->ok[2],
		   r->runs[2], r->runs[3], r->runs[4]);
}

static struct kunit_case fv_model_cases[] = {
	KUNIT_CASE_PARAM(fv_model_test_random_ops, model_gen_params),
	{}
};

static struct kunit_suite fv_model_suite = {
	.name = "fv_model",
	.suite_init = fvt_suite_init,
	.suite_exit = fvt_suite_exit,
	.init = fvt_case_init,
	.exit = fvt_case_exit,
	.test_cases = fv_model_cases,
};

kunit_test_suites(&fv_model_suite);
