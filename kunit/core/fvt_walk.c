// SPDX-License-Identifier: GPL-2.0
/*
 * fv_walk and fv_seg_holder, the view debugfs prints: segments in address
 * order tiling the window, free ones with no holders, every holder with
 * its id and rights (FV_OWNER included) in domain-index order, and the
 * first non-zero return of the visitor stopping the walk.
 */
#include "fvt.h"

#define W	0x100000ULL

struct walk_seen {
	struct fv_arena *a;
	u64 next;		/* page the next segment must start at */
	unsigned int nseg, nfree, nused, stop_after;
	u64 first_range;
	u64 id[4];
	u32 rights[4];
	u32 nholders;
	bool bad;
};

static int walk_cb(void *ctx, const struct fv_seg *seg)
{
	struct walk_seen *w = ctx;
	u32 i;

	if (seg->start != w->next || !seg->npages ||
	    seg->used != !!seg->range || (!seg->used && seg->nholders))
		w->bad = true;
	w->next = seg->start + seg->npages;
	w->nseg++;
	if (seg->used) {
		w->nused++;
		if (w->nused == 1) {
			w->first_range = seg->range;
			w->nholders = seg->nholders;
			for (i = 0; i < seg->nholders && i < 4; i++)
				fv_seg_holder(w->a, seg, i, &w->id[i],
					      &w->rights[i]);
		}
	} else {
		w->nfree++;
	}
	return w->stop_after && w->nseg == w->stop_after ? 7 : 0;
}

/*
 * page   0 1 2 3 | 4 5 | 6 ... 15
 *        r: d0 RW, d2 R, d1 X on [0,4) | t: d1 RWX | free
 * (d1 registered before d2: holders listed d0, d1, d2.)
 */
static void fv_walk_test_segments_and_holders(struct kunit *test)
{
	struct fvt *f = test->priv;
	struct walk_seen w = { 0 };
	u64 r, t;

	fvt_setup(f, W, PG(16), 3);
	r = FVT_ALLOC(f, 0, PG(4), 0, RW);
	t = FVT_ALLOC(f, 1, PG(2), 0, RWX);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[2], r, PG(4),
				       FV_READ), 0);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], r, PG(4),
				       FV_EXEC), -EACCES);
	KUNIT_ASSERT_EQ(test, fv_share(f->a, &f->d[0], &f->d[1], r, PG(4),
				       FV_READ), 0);
	w.a = f->a;
	w.next = W >> FV_PAGE_SHIFT;
	KUNIT_EXPECT_EQ(test, fv_walk(f->a, walk_cb, &w), 0);
	KUNIT_EXPECT_FALSE(test, w.bad);
	KUNIT_EXPECT_EQ(test, w.next, (W + PG(16)) >> FV_PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, w.nseg, 3);
	KUNIT_EXPECT_EQ(test, w.nused, 2);
	KUNIT_EXPECT_EQ(test, w.nfree, 1);
	KUNIT_EXPECT_EQ(test, w.first_range, fvt_range_id(f, r));
	KUNIT_ASSERT_EQ(test, w.nholders, 3);
	KUNIT_EXPECT_EQ(test, w.id[0], f->d[0].id);
	KUNIT_EXPECT_EQ(test, w.rights[0], RW | FV_OWNER);
	KUNIT_EXPECT_EQ(test, w.id[1], f->d[1].id);
	KUNIT_EXPECT_EQ(test, w.rights[1], FV_READ);
	KUNIT_EXPECT_EQ(test, w.id[2], f->d[2].id);
	KUNIT_EXPECT_EQ(test, w.rights[2], FV_READ);
	KUNIT_EXPECT_NE(test, t, 0);
}

/* The visitor's first non-zero return stops the walk and is returned. */
static void fv_walk_test_stops(struct kunit *test)
{
	struct fvt *f = test->priv;
	struct walk_seen w = { 0 };
	unsigned int i;

	fvt_setup(f, W, PG(64), 1);
	for (i = 0; i < 10; i++)
		FVT_ALLOC(f, 0, PG(2), 0, RW);
	w.a = f->a;
	w.next = W >> FV_PAGE_SHIFT;
	w.stop_after = 4;
	KUNIT_EXPECT_EQ(test, fv_walk(f->a, walk_cb, &w), 7);
	KUNIT_EXPECT_EQ(test, w.nseg, 4);
	KUNIT_EXPECT_FALSE(test, w.bad);
}

/* An empty window is one free segment; a big tree is walked whole. */
static void fv_walk_test_empty_and_many(struct kunit *test)
{
	struct fvt *f = test->priv;
	struct walk_seen w = { 0 };
	struct fv_stats st;
	unsigned int i;

	fvt_setup(f, W, PG(4096), 1);
	w.a = f->a;
	w.next = W >> FV_PAGE_SHIFT;
	KUNIT_EXPECT_EQ(test, fv_walk(f->a, walk_cb, &w), 0);
	KUNIT_EXPECT_EQ(test, w.nseg, 1);
	KUNIT_EXPECT_EQ(test, w.nfree, 1);
	for (i = 0; i < 2000; i++)
		FVT_ALLOC(f, 0, PG(1), 0, RW);
	for (i = 0; i < 2000; i += 3)
		KUNIT_ASSERT_EQ(test, fvt_release(f, 0, W + PG(i), PG(1)), 0);
	memset(&w, 0, sizeof(w));
	w.a = f->a;
	w.next = W >> FV_PAGE_SHIFT;
	KUNIT_EXPECT_EQ(test, fv_walk(f->a, walk_cb, &w), 0);
	KUNIT_EXPECT_FALSE(test, w.bad);
	KUNIT_EXPECT_EQ(test, w.next, (W + PG(4096)) >> FV_PAGE_SHIFT);
	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ(test, w.nfree, st.nfree);
	KUNIT_EXPECT_EQ(test, w.nused, st.nextents);
	KUNIT_EXPECT_GE(test, f->a->height, 2);
	FVT_CHECK(f);
}

static struct kunit_case fv_walk_cases[] = {
	KUNIT_CASE(fv_walk_test_segments_and_holders),
	KUNIT_CASE(fv_walk_test_stops),
	KUNIT_CASE(fv_walk_test_empty_and_many),
	{}
};

static struct kunit_suite fv_walk_suite = {
	.name = "fv_walk",
	.suite_init = fvt_suite_init,
	.suite_exit = fvt_suite_exit,
	.init = fvt_case_init,
	.exit = fvt_case_exit,
	.test_cases = fv_walk_cases,
};

kunit_test_suites(&fv_walk_suite);
