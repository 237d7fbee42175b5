// SPDX-License-Identifier: GPL-2.0
/*
 * The fixture of the core's test cases (fvt.h): arena and domains, the
 * release-callback recorder, expectations, snapshots through the public
 * API, and the fault-injection loop.
 */
#include "fvt.h"
#include "fv_tree.h"

#ifdef __KERNEL__
#include <linux/module.h>
#include <linux/stdarg.h>

MODULE_DESCRIPTION("KUnit tests for the flatvm allocator core and driver checks");
MODULE_LICENSE("GPL");
#else
#include <stdarg.h>

int fvt_report_saved_fd = -1;
FILE *fvt_report_file;
#endif

/* Live fixtures, so the host can match live records with every arena. */
#define FVT_MAX_LIVE	4
static struct fvt *fvt_live[FVT_MAX_LIVE];

int fvt_suite_init(struct kunit_suite *suite)
{
#ifdef __KERNEL__
	return fv_kmem_init();
#else
	return 0;
#endif
}

void fvt_suite_exit(struct kunit_suite *suite)
{
#ifdef __KERNEL__
	fv_kmem_exit();
#endif
}

struct fvt *fvt_new(struct kunit *test)
{
	struct fvt *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->test = test;
	f->a = kunit_kzalloc(test, sizeof(*f->a), GFP_KERNEL);
	f->d = kunit_kcalloc(test, FVT_MAX_DOMS, sizeof(*f->d), GFP_KERNEL);
	f->live = kunit_kcalloc(test, FVT_MAX_DOMS, sizeof(*f->live),
				GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, f->a && f->d && f->live);
	return f;
}

/*
 * Room for one more element in a growing array of the case (old size
 * @*cap, at most @max): doubled, from 64.
 */
static void *fvt_grow(struct kunit *test, void *arr, unsigned int n,
		      unsigned int *cap, unsigned int max, size_t size)
{
	unsigned int ncap;
	void *bigger;

	if (n < *cap)
		return arr;
	KUNIT_ASSERT_LT(test, n, max);
	ncap = *cap ? 2 * *cap : 64;
	if (ncap > max)
		ncap = max;
	bigger = kunit_kcalloc(test, ncap, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bigger);
	if (arr) {
		memcpy(bigger, arr, n * size);
		kunit_kfree(test, arr);
	}
	*cap = ncap;
	return bigger;
}

int fvt_case_init(struct kunit *test)
{
	test->priv = fvt_new(test);
	return 0;
}

static void fvt_forget(struct fvt *f)
{
	unsigned int i;

	for (i = 0; i < FVT_MAX_LIVE; i++)
		if (fvt_live[i] == f)
			fvt_live[i] = NULL;
}

void fvt_teardown(struct fvt *f)
{
	unsigned int i;

	fvt_fault_disarm();
	if (!f->arena_live)
		return;
	/*
	 * As the module does: big domains a budget at a time, letting others
	 * in between (fv_domain_release_all() holds the lock throughout).
	 */
	for (i = 0; i < f->ndoms; i++) {
		if (!f->live[i])
			continue;
		while (fv_domain_release_some(f->a, &f->d[i], 4096, NULL, NULL))
			fvt_yield();
		fv_domain_release_all(f->a, &f->d[i], NULL, NULL);
		f->live[i] = false;
	}
	fv_arena_destroy(f->a);
	f->arena_live = false;
	fvt_forget(f);
}

void fvt_case_exit(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < FVT_MAX_LIVE; i++)
		if (fvt_live[i] && fvt_live[i]->test == test)
			fvt_teardown(fvt_live[i]);
	fvt_teardown(test->priv);
}

u64 fvt_rand(u64 *state)
{
	u64 z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void fvt_format(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

u64 fvt_dom_id(unsigned int i)
{
	/* A permutation of 0..96, scaled: unique, not in index order. */
	return 1000 + (u64)((i * 37u) % 97u) * 3;
}

void fvt_register(struct fvt *f, unsigned int d)
{
	KUNIT_ASSERT_EQ(f->test, fv_domain_init(f->a, &f->d[d],
						fvt_dom_id(d)), 0);
	f->live[d] = true;
}

void fvt_setup(struct fvt *f, u64 base, u64 size, unsigned int ndoms)
{
	struct kunit *test = f->test;
	unsigned int i;

	fvt_teardown(f);
	KUNIT_ASSERT_LE(test, ndoms, FVT_MAX_DOMS);
	memset(f->a, 0, sizeof(*f->a));
	KUNIT_ASSERT_EQ_MSG(test, fv_arena_init(f->a, base, size), 0,
			    "fv_arena_init(%#llx, %#llx)", base, size);
	f->arena_live = true;
	f->base = base;
	f->size = size;
	f->ndoms = ndoms;
	f->nruns = 0;
	f->nranges = 0;
	for (i = 0; i < ndoms; i++)
		fvt_register(f, i);
	for (i = 0; i < FVT_MAX_LIVE; i++) {
		if (!fvt_live[i]) {
			fvt_live[i] = f;
			return;
		}
	}
	KUNIT_FAIL(test, "more than %d live fixtures", FVT_MAX_LIVE);
}

void fvt_rebuild(struct fvt *f)
{
	fvt_setup(f, f->base, f->size, f->ndoms);
}

/* --- released runs --------------------------------------------------- */

void fvt_released(void *ctx, u64 addr, u64 len, u64 range)
{
	struct fvt *f = ctx;
	struct kunit *test = f->test;

	KUNIT_EXPECT_TRUE_MSG(test, len && !((addr | len) & (FV_PAGE_SIZE - 1)) &&
			      addr >= f->base && addr + len > addr &&
			      addr + len - f->base <= f->size,
			      "released run %#llx+%#llx", addr, len);
	KUNIT_EXPECT_NE(test, range, 0);
	f->runs = fvt_grow(test, f->runs, f->nruns, &f->runs_cap, FVT_MAX_RUNS,
			   sizeof(*f->runs));
	f->runs[f->nruns].addr = addr;
	f->runs[f->nruns].len = len;
	f->runs[f->nruns].range = range;
	f->nruns++;
}

void fvt_runs_clear(struct fvt *f)
{
	f->nruns = 0;
}

u64 fvt_released_bytes(const struct fvt *f)
{
	unsigned int i;
	u64 sum = 0;

	for (i = 0; i < f->nruns; i++)
		sum += f->runs[i].len;
	return sum;
}

bool fvt_released_has(const struct fvt *f, u64 addr)
{
	unsigned int i;

	for (i = 0; i < f->nruns; i++)
		if (addr >= f->runs[i].addr &&
		    addr - f->runs[i].addr < f->runs[i].len)
			return true;
	return false;
}

void fvt_expect_released(struct fvt *f, u64 addr, u64 len, int line)
{
	struct kunit *test = f->test;
	unsigned int i, j;
	u64 ra, rl;

	for (i = 0; i < f->nruns; i++) {
		ra = f->runs[i].addr;
		rl = f->runs[i].len;
		KUNIT_EXPECT_TRUE_MSG(test, ra >= addr && ra + rl <= addr + len,
				      "line %d: released %#llx+%#llx outside %#llx+%#llx",
				      line, ra, rl, addr, len);
		for (j = 0; j < i; j++)
			KUNIT_EXPECT_FALSE_MSG(test, ra < f->runs[j].addr +
					       f->runs[j].len &&
					       f->runs[j].addr < ra + rl,
					       "line %d: released runs overlap at %#llx",
					       line, ra);
	}
	KUNIT_EXPECT_EQ_MSG(test, fvt_released_bytes(f), len,
			    "line %d: bytes released in %u runs, want %#llx at %#llx",
			    line, f->nruns, len, addr);
}

int fvt_release(struct fvt *f, unsigned int d, u64 addr, u64 len)
{
	fvt_yield();
	fvt_runs_clear(f);
	return fv_release(f->a, &f->d[d], addr, len, fvt_released, f);
}

void fvt_release_all(struct fvt *f, unsigned int d)
{
	fvt_runs_clear(f);
	fv_domain_release_all(f->a, &f->d[d], fvt_released, f);
	f->live[d] = false;
}

/* --- ranges ------------------------------------------------------------ */

void fvt_note_range(struct fvt *f, u64 addr, int line)
{
	struct kunit *test = f->test;
	struct fv_lookup_result r;
	unsigned int i, cap;

	KUNIT_ASSERT_EQ_MSG(test, fv_lookup(f->a, addr, &r), 0,
			    "line %d: fv_lookup(%#llx) of a new range", line,
			    addr);
	for (i = 0; i < f->nranges; i++)
		KUNIT_ASSERT_NE_MSG(test, f->range_id[i], r.range,
				    "line %d: range at %#llx got the id of the range at %#llx",
				    line, addr, f->range_addr[i]);
	cap = f->ranges_cap;
	f->range_addr = fvt_grow(test, f->range_addr, f->nranges, &cap,
				 FVT_MAX_RANGES, sizeof(*f->range_addr));
	f->range_id = fvt_grow(test, f->range_id, f->nranges, &f->ranges_cap,
			       FVT_MAX_RANGES, sizeof(*f->range_id));
	f->range_addr[f->nranges] = addr;
	f->range_id[f->nranges++] = r.range;
}

u64 fvt_range_id(struct fvt *f, u64 addr)
{
	unsigned int i;

	for (i = f->nranges; i-- > 0;)
		if (f->range_addr[i] == addr)
			return f->range_id[i];
	KUNIT_FAIL(f->test, "no range was allocated at %#llx", addr);
	return 0;
}

u64 fvt_alloc(struct fvt *f, unsigned int d, u64 len, u64 align, u32 rights,
	      int line)
{
	struct kunit *test = f->test;
	u64 addr = ~0ULL;

	fvt_yield();
	KUNIT_ASSERT_EQ_MSG(test, fv_alloc(f->a, &f->d[d], len, align, rights,
					   &addr), 0,
			    "line %d: fv_alloc(len %#llx, align %#llx)", line,
			    len, align);
	KUNIT_ASSERT_TRUE_MSG(test, addr >= f->base &&
			      addr - f->base <= f->size - len &&
			      !(addr & (FV_PAGE_SIZE - 1)) &&
			      !(align && (addr & (align - 1))),
			      "line %d: fv_alloc(len %#llx, align %#llx) gave %#llx",
			      line, len, align, addr);
	fvt_note_range(f, addr, line);
	return addr;
}

/* --- expectations ---------------------------------------------------- */

void fvt_expect_lookup(struct fvt *f, u64 addr, int rc, u64 range_addr,
		       u64 ext_start, u64 ext_len, u32 nholders, int line)
{
	struct kunit *test = f->test;
	struct fv_lookup_result r;
	int got;

	memset(&r, 0, sizeof(r));
	got = fv_lookup(f->a, addr, &r);
	KUNIT_EXPECT_EQ_MSG(test, got, rc, "line %d: fv_lookup(%#llx)", line,
			    addr);
	if (got || rc)
		return;
	KUNIT_EXPECT_EQ_MSG(test, r.range, fvt_range_id(f, range_addr),
			    "line %d: fv_lookup(%#llx) range", line, addr);
	KUNIT_EXPECT_EQ_MSG(test, r.ext_start, ext_start,
			    "line %d: fv_lookup(%#llx) extent start", line, addr);
	KUNIT_EXPECT_EQ_MSG(test, r.ext_len, ext_len,
			    "line %d: fv_lookup(%#llx) extent length", line,
			    addr);
	KUNIT_EXPECT_EQ_MSG(test, r.nholders, nholders,
			    "line %d: fv_lookup(%#llx) holders", line, addr);
	KUNIT_EXPECT_EQ_MSG(test, r.rights, 0,
			    "line %d: fv_lookup(%#llx) rights", line, addr);
}

void fvt_expect_rights(struct fvt *f, unsigned int d, u64 addr, int rc,
		       u32 rights, int line)
{
	struct fv_lookup_result r, l;
	int got;

	memset(&r, 0, sizeof(r));
	got = fv_rights(f->a, &f->d[d], addr, &r);
	KUNIT_EXPECT_EQ_MSG(f->test, got, rc, "line %d: fv_rights(d%u, %#llx)",
			    line, d, addr);
	if (got || rc)
		return;
	KUNIT_EXPECT_EQ_MSG(f->test, r.rights, rights,
			    "line %d: fv_rights(d%u, %#llx) rights", line, d,
			    addr);
	/* The rest of the answer is fv_lookup()'s. */
	KUNIT_ASSERT_EQ(f->test, fv_lookup(f->a, addr, &l), 0);
	KUNIT_EXPECT_TRUE_MSG(f->test, r.range == l.range &&
			      r.ext_start == l.ext_start &&
			      r.ext_len == l.ext_len &&
			      r.nholders == l.nholders,
			      "line %d: fv_rights(d%u, %#llx) and fv_lookup() disagree",
			      line, d, addr);
}

void fvt_expect_piece(struct fvt *f, u64 addr, int rc, u64 start, u64 len,
		      int line)
{
	u64 s = 0, l = 0;
	int got;

	got = fv_range_piece(f->a, addr, &s, &l);
	KUNIT_EXPECT_EQ_MSG(f->test, got, rc, "line %d: fv_range_piece(%#llx)",
			    line, addr);
	if (got || rc)
		return;
	KUNIT_EXPECT_EQ_MSG(f->test, s, start,
			    "line %d: fv_range_piece(%#llx) start", line, addr);
	KUNIT_EXPECT_EQ_MSG(f->test, l, len,
			    "line %d: fv_range_piece(%#llx) length", line, addr);
}

/* What fv_walk() shows, counted for fvt_check(). */
struct walk_count {
	struct fvt *f;
	u64 next, nfree, nused, free_pages, largest, nholders;
	u64 dom_holds[FVT_MAX_DOMS];
	u64 dom_pages[FVT_MAX_DOMS];
	bool bad;
};

static int fvt_dom_by_id(const struct fvt *f, u64 id)
{
	unsigned int i;

	for (i = 0; i < f->ndoms; i++)
		if (f->live[i] && f->d[i].id == id)
			return i;
	return -1;
}

static int walk_count_cb(void *ctx, const struct fv_seg *seg)
{
	struct walk_count *w = ctx;
	u32 i, rights;
	u64 id;
	int k;

	if (seg->start != w->next || !seg->npages) {
		w->bad = true;
		return 1;
	}
	w->next = seg->start + seg->npages;
	if (!seg->used) {
		w->nfree++;
		w->free_pages += seg->npages;
		if (seg->npages > w->largest)
			w->largest = seg->npages;
		return 0;
	}
	w->nused++;
	w->nholders += seg->nholders;
	for (i = 0; i < seg->nholders; i++) {
		fv_seg_holder(w->f->a, seg, i, &id, &rights);
		k = fvt_dom_by_id(w->f, id);
		if (k < 0 || !(rights & FV_RIGHTS_MASK)) {
			w->bad = true;
			return 1;
		}
		w->dom_holds[k]++;
		w->dom_pages[k] += seg->npages;
	}
	return 0;
}

static void fvt_check_live_bytes(struct fvt *f, int line)
{
	struct fv_stats st;
	u64 live, meta = 0;
	unsigned int i;

	if (!fvt_live_bytes(&live))
		return;
	for (i = 0; i < FVT_MAX_LIVE; i++) {
		if (!fvt_live[i])
			continue;
		fv_stats(fvt_live[i]->a, &st);
		meta += st.metadata_bytes;
	}
	KUNIT_EXPECT_EQ_MSG(f->test, live, meta,
			    "line %d: live record bytes against the arenas' metadata",
			    line);
}

void fvt_check(struct fvt *f, int line)
{
	struct kunit *test = f->test;
	struct walk_count *w;
	struct fv_stats st;
	unsigned int i, ndoms = 0;

	KUNIT_EXPECT_EQ_MSG(test, fv_check(f->a), 0, "line %d: fv_check", line);
	w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	w->f = f;
	w->next = f->base >> FV_PAGE_SHIFT;
	KUNIT_EXPECT_EQ_MSG(test, fv_walk(f->a, walk_count_cb, w), 0,
			    "line %d: fv_walk", line);
	KUNIT_EXPECT_FALSE_MSG(test, w->bad,
			       "line %d: fv_walk() broke the tiling at page %#llx or named an unknown holder",
			       line, w->next);
	KUNIT_EXPECT_EQ_MSG(test, w->next, (f->base + f->size) >> FV_PAGE_SHIFT,
			    "line %d: fv_walk() ends early", line);
	fv_stats(f->a, &st);
	KUNIT_EXPECT_EQ_MSG(test, st.window_bytes, f->size, "line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, st.free_bytes, PG(w->free_pages),
			    "line %d: free bytes", line);
	KUNIT_EXPECT_EQ_MSG(test, st.largest_free, PG(w->largest),
			    "line %d: largest free", line);
	KUNIT_EXPECT_EQ_MSG(test, st.nfree, w->nfree, "line %d: nfree", line);
	KUNIT_EXPECT_EQ_MSG(test, st.nextents, w->nused, "line %d: nextents",
			    line);
	KUNIT_EXPECT_EQ_MSG(test, st.nholders, w->nholders,
			    "line %d: nholders", line);
	for (i = 0; i < f->ndoms; i++) {
		if (!f->live[i])
			continue;
		ndoms++;
		KUNIT_EXPECT_EQ_MSG(test, f->d[i].nholds, w->dom_holds[i],
				    "line %d: domain %u holds", line, i);
		KUNIT_EXPECT_EQ_MSG(test, f->d[i].npages, w->dom_pages[i],
				    "line %d: domain %u pages", line, i);
	}
	KUNIT_EXPECT_EQ_MSG(test, st.ndomains, ndoms, "line %d: ndomains",
			    line);
	fvt_check_live_bytes(f, line);
	kunit_kfree(test, w);
}

/* --- snapshots ------------------------------------------------------- */

struct fvt_snap_seg {
	u64 start, npages, range, holders;	/* holders: (id, rights) hash */
	u32 used, nholders;
};

struct fvt_snap_probe {
	int rc;
	u32 nholders, rights;
	u64 range, ext_start, ext_len;
};

struct fvt_snap {
	struct fv_stats st;
	u64 nsegs, cap;
	struct fvt_snap_seg *segs;
	u64 dom_nholds[FVT_MAX_DOMS];
	u64 dom_npages[FVT_MAX_DOMS];
	bool live[FVT_MAX_DOMS];
	u64 nprobes;
	u64 *probe_addr;
	struct fvt_snap_probe *lookup;
	struct fvt_snap_probe *rights;	/* nprobes x ndoms */
	unsigned int ndoms;
	struct fvt *f;
};

static u64 mix(u64 h, u64 v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdULL;
}

static int snap_seg_cb(void *ctx, const struct fv_seg *seg)
{
	struct fvt_snap *s = ctx;
	struct fvt_snap_seg *o;
	u32 i, rights;
	u64 id;

	if (!s->segs) {
		s->nsegs++;
		return 0;
	}
	if (s->nsegs == s->cap)
		return 1;
	o = &s->segs[s->nsegs++];
	o->start = seg->start;
	o->npages = seg->npages;
	o->used = seg->used;
	o->range = seg->range;
	o->nholders = seg->nholders;
	for (i = 0; i < seg->nholders; i++) {
		fv_seg_holder(s->f->a, seg, i, &id, &rights);
		o->holders = mix(mix(o->holders, id), rights);
	}
	return 0;
}

static void snap_probe(struct fvt *f, struct fvt_snap *s, u64 addr)
{
	struct fv_lookup_result r;
	struct fvt_snap_probe *p;
	u64 i = s->nprobes++;
	unsigned int d;

	s->probe_addr[i] = addr;
	for (d = 0; d <= f->ndoms; d++) {
		p = d ? &s->rights[i * s->ndoms + d - 1] : &s->lookup[i];
		memset(&r, 0, sizeof(r));
		if (d && !f->live[d - 1])
			continue;
		p->rc = d ? fv_rights(f->a, &f->d[d - 1], addr, &r) :
			    fv_lookup(f->a, addr, &r);
		p->range = r.range;
		p->ext_start = r.ext_start;
		p->ext_len = r.ext_len;
		p->nholders = r.nholders;
		p->rights = r.rights;
	}
}

struct fvt_snap *fvt_snap_take(struct fvt *f)
{
	struct kunit *test = f->test;
	u64 npages = f->size >> FV_PAGE_SHIFT, maxprobes, i;
	struct fvt_snap *s;
	unsigned int d;

	fvt_yield();
	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	s->f = f;
	s->ndoms = f->ndoms ? f->ndoms : 1;
	fv_stats(f->a, &s->st);
	s->st.metadata_bytes = 0;
	fv_walk(f->a, snap_seg_cb, s);
	s->cap = s->nsegs;
	s->nsegs = 0;
	s->segs = kunit_kcalloc(test, s->cap + 1, sizeof(*s->segs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s->segs);
	KUNIT_ASSERT_EQ(test, fv_walk(f->a, snap_seg_cb, s), 0);
	for (d = 0; d < f->ndoms; d++) {
		s->live[d] = f->live[d];
		s->dom_nholds[d] = f->live[d] ? f->d[d].nholds : 0;
		s->dom_npages[d] = f->live[d] ? f->d[d].npages : 0;
	}
	maxprobes = (npages <= FVT_SNAP_PAGES ? npages : 2 * s->nsegs) + 2;
	s->probe_addr = kunit_kcalloc(test, maxprobes, sizeof(u64), GFP_KERNEL);
	s->lookup = kunit_kcalloc(test, maxprobes, sizeof(*s->lookup),
				  GFP_KERNEL);
	s->rights = kunit_kcalloc(test, maxprobes * s->ndoms,
				  sizeof(*s->rights), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, s->probe_addr && s->lookup && s->rights);
	/* Just outside the window on both sides. */
	snap_probe(f, s, f->base - FV_PAGE_SIZE);
	snap_probe(f, s, f->base + f->size);
	if (npages <= FVT_SNAP_PAGES) {
		for (i = 0; i < npages; i++)
			snap_probe(f, s, f->base + PG(i) + (i * 97) % 4096);
	} else {
		for (i = 0; i < s->nsegs; i++) {
			snap_probe(f, s, PG(s->segs[i].start));
			snap_probe(f, s, PG(s->segs[i].start +
					    s->segs[i].npages) - 1);
		}
	}
	return s;
}

void fvt_snap_free(struct fvt *f, struct fvt_snap *s)
{
	kunit_kfree(f->test, s->segs);
	kunit_kfree(f->test, s->probe_addr);
	kunit_kfree(f->test, s->lookup);
	kunit_kfree(f->test, s->rights);
	kunit_kfree(f->test, s);
}

static bool probe_same(const struct fvt_snap_probe *x,
		       const struct fvt_snap_probe *y)
{
	return x->rc == y->rc && x->range == y->range &&
	       x->ext_start == y->ext_start && x->ext_len == y->ext_len &&
	       x->nholders == y->nholders && x->rights == y->rights;
}

bool fvt_snap_expect_same(struct fvt *f, const struct fvt_snap *x,
			  const struct fvt_snap *y, const char *what, int line)
{
	const struct fvt_snap_probe *px, *py;
	struct kunit *test = f->test;
	const struct fvt_snap_seg *sx, *sy;
	unsigned int d;
	u64 i;

	if (memcmp(&x->st, &y->st, sizeof(x->st))) {
		KUNIT_FAIL(test,
			   "line %d: %s: stats differ: free %#llx/%#llx largest %#llx/%#llx nfree %llu/%llu nextents %llu/%llu nholders %llu/%llu ndomains %llu/%llu",
			   line, what, x->st.free_bytes, y->st.free_bytes,
			   x->st.largest_free, y->st.largest_free,
			   x->st.nfree, y->st.nfree, x->st.nextents,
			   y->st.nextents, x->st.nholders, y->st.nholders,
			   x->st.ndomains, y->st.ndomains);
		return false;
	}
	if (x->nsegs != y->nsegs || x->nprobes != y->nprobes ||
	    x->ndoms != y->ndoms) {
		KUNIT_FAIL(test, "line %d: %s: %llu segments, then %llu (%llu probes, then %llu)",
			   line, what, x->nsegs, y->nsegs, x->nprobes,
			   y->nprobes);
		return false;
	}
	for (i = 0; i < x->nsegs; i++) {
		sx = &x->segs[i];
		sy = &y->segs[i];
		if (sx->start != sy->start || sx->npages != sy->npages ||
		    sx->range != sy->range || sx->holders != sy->holders ||
		    sx->used != sy->used || sx->nholders != sy->nholders) {
			KUNIT_FAIL(test,
				   "line %d: %s: segment %llu: page %#llx+%llu used %u range %llu holders %u, then page %#llx+%llu used %u range %llu holders %u",
				   line, what, i, sx->start, sx->npages,
				   sx->used, sx->range, sx->nholders,
				   sy->start, sy->npages, sy->used, sy->range,
				   sy->nholders);
			return false;
		}
	}
	for (d = 0; d < FVT_MAX_DOMS; d++) {
		if (x->live[d] != y->live[d] ||
		    x->dom_nholds[d] != y->dom_nholds[d] ||
		    x->dom_npages[d] != y->dom_npages[d]) {
			KUNIT_FAIL(test, "line %d: %s: domain %u counters differ",
				   line, what, d);
			return false;
		}
	}
	for (i = 0; i < x->nprobes; i++) {
		if (x->probe_addr[i] != y->probe_addr[i] ||
		    !probe_same(&x->lookup[i], &y->lookup[i])) {
			KUNIT_FAIL(test, "line %d: %s: fv_lookup(%#llx) differs: %d, then %d",
				   line, what, x->probe_addr[i],
				   x->lookup[i].rc, y->lookup[i].rc);
			return false;
		}
		for (d = 0; d < x->ndoms && d < y->ndoms; d++) {
			px = &x->rights[i * x->ndoms + d];
			py = &y->rights[i * y->ndoms + d];
			if (probe_same(px, py))
				continue;
			KUNIT_FAIL(test,
				   "line %d: %s: fv_rights(d%u, %#llx) differs: %d rights %#x, then %d rights %#x",
				   line, what, d, x->probe_addr[i], px->rc,
				   px->rights, py->rc, py->rights);
			return false;
		}
	}
	return true;
}

/* --- failure atomicity ------------------------------------------------- */

/*
 * Spare nodes are chained through their struct fv_rcu (fv_tree.h), the
 * node's last field; free them as fv_tree_destroy() does.
 */
void fvt_drop_spares(struct fvt *f)
{
	struct fv_node *n, **link;
	unsigned int kind;
	size_t size;

	for (kind = 0; kind < 2; kind++) {
		size = kind ? sizeof(struct fv_branch) : sizeof(struct fv_leaf);
		while ((n = f->a->spare[kind])) {
			link = kind ? (struct fv_node **)&((struct fv_branch *)n)->rcu :
				      (struct fv_node **)&((struct fv_leaf *)n)->rcu;
			f->a->spare[kind] = *link;
			f->a->nspare[kind]--;
			f->a->meta_bytes -= size;
			fv_rec_free(kind ? FV_REC_BRANCH : FV_REC_LEAF, n, size);
		}
		KUNIT_EXPECT_EQ(f->test, f->a->nspare[kind], 0);
	}
}

static bool runs_same(const struct fvt_run *x, unsigned int nx,
		      const struct fvt_run *y, unsigned int ny)
{
	return nx == ny && (!nx || !memcmp(x, y, nx * sizeof(*x)));
}

/* More allocations than any single operation of the core makes. */
#define FVT_MAX_FAULTS	10000

/*
 * The attempts: allocation n fails, for n = 0, 1, ... until the result is
 * not -ENOMEM.  @setup (fresh arenas) is run before each attempt but the
 * first, which starts from the arena as it is.  Returns the result; @same
 * is false once an attempt changed the arena.
 */
static int fault_attempts(struct fvt *f, fvt_setup_fn setup, fvt_op_fn op,
			  void *arg, unsigned int *nfail, bool *same, int line)
{
	struct kunit *test = f->test;
	struct fvt_snap *before, *after;
	int rc = -ENOMEM;
	long n, left;

	*nfail = 0;
	*same = true;
	for (n = 0; n <= FVT_MAX_FAULTS && *same; n++) {
		if (n && setup) {
			fvt_rebuild(f);
			setup(f, arg);
			fvt_drop_spares(f);
		}
		before = fvt_snap_take(f);
		fvt_runs_clear(f);
		fvt_fault_arm(n);
		rc = op(f, arg);
		left = fvt_fault_left();
		fvt_fault_disarm();
		if (rc != -ENOMEM) {
			fvt_snap_free(f, before);
			break;
		}
		(*nfail)++;
		KUNIT_EXPECT_EQ_MSG(test, left, 0,
				    "line %d: -ENOMEM though %ld more allocations were allowed",
				    line, left);
		KUNIT_EXPECT_EQ_MSG(test, f->nruns, 0,
				    "line %d: -ENOMEM at fault %ld reported runs released",
				    line, n);
		KUNIT_EXPECT_EQ_MSG(test, fv_check(f->a), 0,
				    "line %d: fv_check after -ENOMEM at fault %ld",
				    line, n);
		after = fvt_snap_take(f);
		*same = fvt_snap_expect_same(f, before, after,
					     "-ENOMEM changed the arena", line);
		fvt_snap_free(f, after);
		fvt_snap_free(f, before);
	}
	KUNIT_EXPECT_LE_MSG(test, n, FVT_MAX_FAULTS,
			    "line %d: still -ENOMEM after %ld allocations", line,
			    n);
	return rc;
}

int fvt_fault_loop(struct fvt *f, fvt_setup_fn setup, fvt_op_fn op, void *arg,
		   bool fresh, unsigned int *nfail, int line)
{
	struct kunit *test = f->test;
	struct fvt_snap *ref, *after;
	unsigned int ref_nruns;
	struct fvt_run *ref_runs;
	int ref_rc, rc;
	bool same;

	/* The operation without faults, for the final comparison. */
	fvt_rebuild(f);
	setup(f, arg);
	fvt_runs_clear(f);
	ref_rc = op(f, arg);
	ref_nruns = f->nruns;
	ref_runs = kunit_kcalloc(test, ref_nruns + 1, sizeof(*ref_runs),
				 GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ref_runs);
	if (ref_nruns)
		memcpy(ref_runs, f->runs, ref_nruns * sizeof(*ref_runs));
	ref = fvt_snap_take(f);

	fvt_rebuild(f);
	setup(f, arg);
	if (fresh)
		fvt_drop_spares(f);
	rc = fault_attempts(f, fresh ? setup : NULL, op, arg, nfail, &same,
			    line);
	KUNIT_EXPECT_EQ_MSG(test, rc, ref_rc,
			    "line %d: the result after %u faults", line, *nfail);
	if (same && rc == ref_rc) {
		after = fvt_snap_take(f);
		fvt_snap_expect_same(f, ref, after,
				     "the arena after faults differs from a run without",
				     line);
		fvt_snap_free(f, after);
		KUNIT_EXPECT_TRUE_MSG(test, runs_same(ref_runs, ref_nruns, f->runs,
						      f->nruns),
				      "line %d: runs released differ from a run without faults",
				      line);
	}
	fvt_snap_free(f, ref);
	kunit_kfree(test, ref_runs);
	return rc;
}

int fvt_fault_loop_in_place(struct fvt *f, fvt_op_fn op, void *arg,
			    unsigned int *nfail, int line)
{
	bool same;

	return fault_attempts(f, NULL, op, arg, nfail, &same, line);
}
