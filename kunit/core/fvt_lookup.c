// SPDX-License-Identifier: GPL-2.0
/*
 * fv_lookup and fv_rights, the lock-free look-ups: results on a known
 * layout, addresses at every edge and outside the window, the owner's
 * right, and readers racing a writer that splits, merges, grows and
 * shrinks the tree and edits holder sets under them (kthreads in the
 * kernel; on the host the reads run between the writer's steps, see
 * fvt_port.h).
 */
#include "fvt.h"

#define W	0x100000ULL

/*
 * 16-page window, 3 domains:
 *   r (4 pages): d0 RW, d1 R on [1,3)       s (2 pages): d2 X
 *   page   0 1 2 3 | 4 5 | free ...
 */
static void fv_lookup_test_results(struct kunit *test)
{
	static const u64 outside[] = {
		0, W - 1, W - PG(1), W + PG(16), W + PG(16) + 1, ~0ULL,
		~0xfffULL, (u64)1 << 63,
	};
	struct fvt *f = test->priv;
	struct fv_lookup_result res;
	unsigned int i;
	u64 r, s, p;

	fvt_setup(f, W, PG(16), 3);
	r = FVT_ALLOC(f, 0, PG(4), 0, RW);
	s = FVT_ALLOC(f, 2, PG(2), 0, FV_EXEC);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], r + PG(1),
				       PG(2), FV_READ), 0);
	EXPECT_LOOKUP(f, r, 0, r, r, PG(1), 1);
	EXPECT_LOOKUP(f, r + 1, 0, r, r, PG(1), 1);
	EXPECT_LOOKUP(f, r + PG(1) - 1, 0, r, r, PG(1), 1);
	EXPECT_LOOKUP(f, r + PG(1), 0, r, r + PG(1), PG(2), 2);
	EXPECT_LOOKUP(f, r + PG(3) - 1, 0, r, r + PG(1), PG(2), 2);
	EXPECT_LOOKUP(f, r + PG(3) + 0x123, 0, r, r + PG(3), PG(1), 1);
	EXPECT_LOOKUP(f, s + PG(2) - 1, 0, s, s, PG(2), 1);
	for (i = 0; i < ARRAY_SIZE(outside); i++) {
		EXPECT_LOOKUP(f, outside[i], -ENOENT, 0, 0, 0, 0);
		EXPECT_RIGHTS(f, 0, outside[i], -ENOENT, 0);
	}
	for (i = 6; i < 16; i++) {
		p = W + PG(i) + 0x800;
		EXPECT_LOOKUP(f, p, -ENOENT, 0, 0, 0, 0);
		EXPECT_RIGHTS(f, 0, p, -ENOENT, 0);
	}
	memset(&res, 0, sizeof(res));
	KUNIT_EXPECT_EQ(test, fv_rights(f->a, &f->d[1], r + PG(2) + 7, &res),
			0);
	KUNIT_EXPECT_EQ(test, res.range, fvt_range_id(f, r));
	KUNIT_EXPECT_EQ(test, res.ext_start, r + PG(1));
	KUNIT_EXPECT_EQ(test, res.ext_len, PG(2));
	KUNIT_EXPECT_EQ(test, res.nholders, 2);
	KUNIT_EXPECT_EQ(test, res.rights, FV_READ);
	EXPECT_RIGHTS(f, 0, r + PG(2), 0, RW | FV_OWNER);
	EXPECT_RIGHTS(f, 1, r, -ENOENT, 0);
	EXPECT_RIGHTS(f, 1, r + PG(3), -ENOENT, 0);
	EXPECT_RIGHTS(f, 2, r + PG(1), -ENOENT, 0);
	EXPECT_RIGHTS(f, 2, s + PG(1), 0, FV_EXEC | FV_OWNER);
	FVT_CHECK(f);
}

struct addr_case {
	const char *name;
	bool in_range;		/* @addr is relative to the range */
	u64 addr;
	int rc;
};

/*
 * A 16-page window at 2^44 whose range is pages [4, 8): filled from its
 * start, then the first 4 pages released.
 */
#define LBASE	((u64)1 << 44)

static const struct addr_case addr_cases[] = {
	{ "first_byte", true, 0, 0 },
	{ "unaligned", true, PG(3) + 123, 0 },
	{ "last_byte", true, PG(4) - 1, 0 },
	{ "free_before", false, LBASE, -ENOENT },
	{ "free_after", false, LBASE + PG(8), -ENOENT },
	{ "window_last_byte", false, LBASE + PG(16) - 1, -ENOENT },
	{ "below_window", false, LBASE - 1, -ENOENT },
	{ "past_window", false, LBASE + PG(16), -ENOENT },
	{ "zero", false, 0, -ENOENT },
	{ "top", false, ~0ULL, -ENOENT },
};

static void addr_case_desc(const struct addr_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(addr, addr_cases, addr_case_desc);

static void fv_lookup_test_addr(struct kunit *test)
{
	const struct addr_case *c = test->param_value;
	struct fvt *f = test->priv;
	u64 a, addr;

	fvt_setup(f, LBASE, PG(16), 2);
	KUNIT_ASSERT_EQ(test, FVT_ALLOC(f, 1, PG(4), 0, RW), LBASE);
	a = FVT_ALLOC(f, 0, PG(4), 0, FV_READ | FV_EXEC);
	KUNIT_ASSERT_EQ(test, a, LBASE + PG(4));
	KUNIT_ASSERT_EQ(test, fvt_release(f, 1, LBASE, PG(4)), 0);
	addr = c->in_range ? a + c->addr : c->addr;
	EXPECT_LOOKUP(f, addr, c->rc, a, a, PG(4), 1);
	EXPECT_PIECE(f, addr, c->rc, a, PG(4));
	EXPECT_RIGHTS(f, 0, addr, c->rc, FV_READ | FV_EXEC | FV_OWNER);
	/* A domain that holds nothing there. */
	EXPECT_RIGHTS(f, 1, addr, -ENOENT, 0);
}

/* --- readers racing a writer ------------------------------------------- */

#define RACE_PAGES	2048
#define RACE_PINNED	16

/*
 * struct race - what every reader checks, and what it saw.
 * @pinned:	a 16-page range d0 holds RW for the whole run; the writer
 *		gives its first half to d2 and d3 and takes it back, so its
 *		holder set changes under the readers.
 */
struct race {
	struct fv_arena *a;
	struct fv_domain *d0;
	u64 base, pinned, pinned_id;
	u64 seed;
	unsigned long reads, hits, bad;
	char why[96];
};

static void race_bad(struct race *r, const char *why, u64 addr, int rc)
{
	if (!r->bad++)
		fvt_format(r->why, sizeof(r->why), "%s at %#llx (%d)", why,
			   addr, rc);
}

/* One round of reads; every answer must be one a consistent tree gives. */
static void race_read_once(struct race *r)
{
	struct fv_lookup_result res;
	u64 addr;
	int rc;

	addr = r->pinned + fvt_rand(&r->seed) % PG(RACE_PINNED);
	rc = fv_rights(r->a, r->d0, addr, &res);
	if (rc || res.rights != (RW | FV_OWNER) || res.range != r->pinned_id ||
	    res.ext_start < r->pinned || res.ext_start > addr ||
	    res.ext_start + res.ext_len <= addr ||
	    res.ext_start + res.ext_len > r->pinned + PG(RACE_PINNED) ||
	    !res.nholders || res.nholders > 4)
		race_bad(r, "fv_rights() of the pinned range", addr, rc);
	addr = r->base + fvt_rand(&r->seed) % PG(RACE_PAGES);
	rc = fv_lookup(r->a, addr, &res);
	r->reads += 2;
	if (rc == -ENOENT)
		return;
	r->hits++;
	if (rc || !res.range || !res.nholders || res.ext_start > addr ||
	    res.ext_start + res.ext_len <= addr ||
	    (res.ext_start | res.ext_len) & (FV_PAGE_SIZE - 1) ||
	    res.ext_start < r->base ||
	    res.ext_start + res.ext_len > r->base + PG(RACE_PAGES) ||
	    (addr < r->pinned + PG(RACE_PINNED) && res.range != r->pinned_id))
		race_bad(r, "fv_lookup()", addr, rc);
}

static int race_reader(void *arg)
{
	struct race *r = arg;

	while (!fvt_thread_should_stop()) {
		race_read_once(r);
		fvt_yield();
	}
	return 0;
}

#define RACE_READERS	2
#define RACE_STEPS	6000

/* One writer step: churn outside the pinned range, or its holder set. */
static void race_write_once(struct fvt *f, u64 *seed, u64 pinned)
{
	unsigned int d = fvt_rand(seed) % 4, kind = fvt_rand(seed) % 8;
	u64 addr = f->base + PG(RACE_PINNED + fvt_rand(seed) %
			       (RACE_PAGES - RACE_PINNED));
	u64 out;

	switch (kind) {
	case 0 ... 2:
		fv_alloc(f->a, &f->d[d], PG(1 + fvt_rand(seed) % 5),
			 fvt_rand(seed) % 2 ? 0 : PG(2), RW, &out);
		break;
	case 3:
		fv_share(f->a, &f->d[d], &f->d[(d + 1) % 4], addr, PG(1),
			 FV_READ);
		break;
	case 4 ... 5:
		fv_release(f->a, &f->d[d], addr, PG(1 + fvt_rand(seed) % 4),
			   NULL, NULL);
		break;
	case 6:
		fv_share(f->a, &f->d[0], &f->d[2 + fvt_rand(seed) % 2], pinned,
			 PG(RACE_PINNED / 2), FV_READ);
		break;
	default:
		fv_release(f->a, &f->d[2 + fvt_rand(seed) % 2], pinned,
			   PG(RACE_PINNED / 2), NULL, NULL);
		break;
	}
}

static void fv_lookup_test_lockless_race(struct kunit *test)
{
	struct fvt *f = test->priv;
	void *task[RACE_READERS] = { NULL };
	unsigned int i, step, max_height = 0;
	struct race *r;
	u64 seed = 42, pinned;

	r = kunit_kcalloc(test, RACE_READERS, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	fvt_setup(f, W, PG(RACE_PAGES), 4);
	pinned = FVT_ALLOC(f, 0, PG(RACE_PINNED), 0, RW);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1],
				       pinned + PG(RACE_PINNED / 2),
				       PG(RACE_PINNED / 2), FV_READ), 0);
	for (i = 0; i < RACE_READERS; i++) {
		r[i].a = f->a;
		r[i].d0 = &f->d[0];
		r[i].base = f->base;
		r[i].pinned = pinned;
		r[i].pinned_id = fvt_range_id(f, pinned);
		r[i].seed = i + 1;
		task[i] = fvt_thread_run(race_reader, &r[i]);
		KUNIT_EXPECT_TRUE(test, task[i] || !FVT_THREADS);
	}
	for (step = 0; step < RACE_STEPS; step++) {
		race_write_once(f, &seed, pinned);
		if (f->a->height > max_height)
			max_height = f->a->height;
		if (!FVT_THREADS)
			for (i = 0; i < RACE_READERS; i++)
				race_read_once(&r[i]);
		if (step % 1000 == 0)
			FVT_CHECK(f);
		fvt_yield();
	}
	for (i = 0; i < RACE_READERS; i++) {
		if (task[i])
			fvt_thread_stop(task[i]);
		KUNIT_EXPECT_EQ_MSG(test, r[i].bad, 0, "reader %u: %s", i,
				    r[i].why);
		KUNIT_EXPECT_GT(test, r[i].reads, 0);
		KUNIT_EXPECT_GT(test, r[i].hits, 0);
		kunit_info(test, "reader %u: %lu reads, %lu hits\n", i,
			   r[i].reads, r[i].hits);
	}
	KUNIT_EXPECT_GE(test, max_height, 1);
	FVT_CHECK(f);
}

static struct kunit_case fv_lookup_cases[] = {
	KUNIT_CASE(fv_lookup_test_results),
	KUNIT_CASE_PARAM(fv_lookup_test_addr, addr_gen_params),
	KUNIT_CASE(fv_lookup_test_lockless_race),
	{}
};

static struct kunit_suite fv_lookup_suite = {
	.name = "fv_lookup",
	.suite_init = fvt_suite_init,
	.suite_exit = fvt_suite_exit,
	.init = fvt_case_init,
	.exit = fvt_case_exit,
	.test_cases = fv_lookup_cases,
};

kunit_test_suites(&fv_lookup_suite);
