// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of the host unit tests: the fixture (arena + domains) with its
 * consistency check, the release-callback recorder, state snapshots and the
 * fault-injection loop that proves operations atomic.
 */
#include <stdarg.h>

#include "fvt.h"

/* Live fixtures, so record counts can be compared with all arenas' stats. */
#define FVT_MAX_FX	8
static struct fx *live_fx[FVT_MAX_FX];

const char *fvt_errname(int rc)
{
	static char bufs[4][16];
	static unsigned int next;
	char *buf;

	switch (rc) {
	case 0:		return "0";
	case -EINVAL:	return "-EINVAL";
	case -ENOENT:	return "-ENOENT";
	case -ENOSPC:	return "-ENOSPC";
	case -ENOMEM:	return "-ENOMEM";
	case -EACCES:	return "-EACCES";
	case -EEXIST:	return "-EEXIST";
	case -EUCLEAN:	return "-EUCLEAN";
	}
	buf = bufs[next++ % 4];
	snprintf(buf, sizeof(bufs[0]), "%d", rc);
	return buf;
}

u64 fvt_rand(u64 *state)
{
	u64 z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void fvt_released_cb(void *ctx, u64 addr, u64 len)
{
	struct fvt_released *r = ctx;

	CHECK(r->nruns < FVT_MAX_RUNS, "more than %d released runs",
	      FVT_MAX_RUNS);
	r->addr[r->nruns] = addr;
	r->len[r->nruns] = len;
	r->nruns++;
}

u64 fvt_released_bytes(const struct fvt_released *r)
{
	u64 sum = 0;
	unsigned int i;

	for (i = 0; i < r->nruns; i++)
		sum += r->len[i];
	return sum;
}

int fvt_released_has(const struct fvt_released *r, u64 addr)
{
	unsigned int i;

	for (i = 0; i < r->nruns; i++)
		if (addr >= r->addr[i] && addr - r->addr[i] < r->len[i])
			return 1;
	return 0;
}

void fvt_released_is(const struct fvt_released *r, u64 addr, u64 len,
		     const char *file, int line)
{
	unsigned int i, j;

	for (i = 0; i < r->nruns; i++) {
		u64 ra = r->addr[i], rl = r->len[i];

		if (!rl || (ra | rl) & (FV_PAGE_SIZE - 1))
			fvt_fail(file, line, "released run %#llx+%#llx not page-aligned",
				 (unsigned long long)ra, (unsigned long long)rl);
		if (ra < addr || ra + rl > addr + len || ra + rl < ra)
			fvt_fail(file, line, "released run %#llx+%#llx outside %#llx+%#llx",
				 (unsigned long long)ra, (unsigned long long)rl,
				 (unsigned long long)addr, (unsigned long long)len);
		for (j = 0; j < i; j++)
			if (ra < r->addr[j] + r->len[j] && r->addr[j] < ra + rl)
				fvt_fail(file, line, "released runs overlap at %#llx",
					 (unsigned long long)ra);
	}
	if (fvt_released_bytes(r) != len)
		fvt_fail(file, line, "released %#llx bytes in %u runs, want %#llx at %#llx",
			 (unsigned long long)fvt_released_bytes(r), r->nruns,
			 (unsigned long long)len, (unsigned long long)addr);
}

u64 fx_id(unsigned int i)
{
	/* A permutation of 0..96 scaled: ids unique, not in index order. */
	return 1000 + (u64)((i * 37u) % 97u) * 3;
}

void fx_init(struct fx *fx, u64 base, u64 size, unsigned int ndoms)
{
	unsigned int i;
	int rc;

	CHECK(ndoms <= FX_MAX_DOMS, "too many domains");
	memset(fx, 0, sizeof(*fx));
	rc = fv_arena_init(&fx->a, base, size);
	CHECK(rc == 0, "fv_arena_init(%#llx, %#llx): %s",
	      (unsigned long long)base, (unsigned long long)size,
	      fvt_errname(rc));
	fx->base = base;
	fx->size = size;
	fx->ndoms = ndoms;
	for (i = 0; i < ndoms; i++) {
		fv_domain_init(&fx->a, &fx->d[i], fx_id(i));
		fx->live[i] = 1;
	}
	for (i = 0; i < FVT_MAX_FX; i++) {
		if (!live_fx[i]) {
			live_fx[i] = fx;
			return;
		}
	}
	CHECK(0, "too many live fixtures");
}

static u64 hash_mix(u64 h, u64 v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

static int fx_dom_index(struct fx *fx, const struct fv_domain *d)
{
	unsigned int i;

	for (i = 0; i < fx->ndoms; i++)
		if (&fx->d[i] == d)
			return i;
	return -1;
}

void fx_check_at(struct fx *fx, const char *file, int line)
{
	u64 nfree = 0, nused = 0, freepg = 0, largest = 0, nholders = 0;
	u64 segs_all = 0, holders_all = 0, expect_meta, ndoms = 0;
	u64 dom_holds[FX_MAX_DOMS] = { 0 }, dom_pages[FX_MAX_DOMS] = { 0 };
	u64 next = fx->a.base;
	struct fv_rb_node *n;
	struct fv_stats st;
	unsigned int i;
	int rc;

	rc = fv_check(&fx->a);
	if (rc)
		fvt_fail(file, line, "fv_check: %s", fvt_errname(rc));
	for (n = fv_rb_first(&fx->a.segs); n; n = fv_rb_next(n)) {
		struct fv_seg *s = fv_rb_entry(n, struct fv_seg, rb);
		struct fv_holder *h;
		u64 k = 0;

		if (s->start != next)
			fvt_fail(file, line, "segment at page %#llx, want %#llx",
				 (unsigned long long)s->start,
				 (unsigned long long)next);
		next = s->start + s->npages;
		if (!s->used) {
			nfree++;
			freepg += s->npages;
			if (s->npages > largest)
				largest = s->npages;
			continue;
		}
		nused++;
		for (h = s->u.ext.holders; h; h = h->next) {
			int di = fx_dom_index(fx, h->dom);

			if (di < 0)
				fvt_fail(file, line, "holder of an unknown domain");
			dom_holds[di]++;
			dom_pages[di] += s->npages;
			k++;
		}
		if (k != s->nholders)
			fvt_fail(file, line, "extent %#llx: %llu holders listed, nholders %u",
				 (unsigned long long)s->start,
				 (unsigned long long)k, s->nholders);
		nholders += k;
	}
	if (next != fx->a.base + fx->a.npages)
		fvt_fail(file, line, "segments end at page %#llx, window at %#llx",
			 (unsigned long long)next,
			 (unsigned long long)(fx->a.base + fx->a.npages));
	fv_stats(&fx->a, &st);
	if (st.window_bytes != fx->size || st.free_bytes != PG(freepg) ||
	    st.largest_free != PG(largest) || st.nfree != nfree ||
	    st.nextents != nused || st.nholders != nholders)
		fvt_fail(file, line,
			 "stats window %#llx free %#llx largest %#llx nfree %llu nextents %llu nholders %llu; segments say %#llx %#llx %#llx %llu %llu %llu",
			 (unsigned long long)st.window_bytes,
			 (unsigned long long)st.free_bytes,
			 (unsigned long long)st.largest_free,
			 (unsigned long long)st.nfree,
			 (unsigned long long)st.nextents,
			 (unsigned long long)st.nholders,
			 (unsigned long long)fx->size,
			 (unsigned long long)PG(freepg),
			 (unsigned long long)PG(largest),
			 (unsigned long long)nfree,
			 (unsigned long long)nused,
			 (unsigned long long)nholders);
	expect_meta = (nfree + nused) * sizeof(struct fv_seg) +
		      nholders * sizeof(struct fv_holder);
	if (st.metadata_bytes != expect_meta)
		fvt_fail(file, line, "metadata_bytes %llu, records say %llu",
			 (unsigned long long)st.metadata_bytes,
			 (unsigned long long)expect_meta);
	for (i = 0; i < fx->ndoms; i++) {
		if (!fx->live[i])
			continue;
		ndoms++;
		if (fx->d[i].nholds != dom_holds[i] ||
		    fx->d[i].npages != dom_pages[i])
			fvt_fail(file, line,
				 "domain %u: nholds %llu npages %llu, extents say %llu %llu",
				 i, (unsigned long long)fx->d[i].nholds,
				 (unsigned long long)fx->d[i].npages,
				 (unsigned long long)dom_holds[i],
				 (unsigned long long)dom_pages[i]);
	}
	if (st.ndomains != ndoms)
		fvt_fail(file, line, "ndomains %llu, want %llu",
			 (unsigned long long)st.ndomains,
			 (unsigned long long)ndoms);
	for (i = 0; i < FVT_MAX_FX; i++) {
		struct fv_stats o;

		if (!live_fx[i])
			continue;
		fv_stats(&live_fx[i]->a, &o);
		segs_all += o.nfree + o.nextents;
		holders_all += o.nholders;
	}
	if (fv_host_live_segs() != segs_all ||
	    fv_host_live_holders() != holders_all)
		fvt_fail(file, line,
			 "live records: %lu segs %lu holders, arenas account for %llu %llu",
			 fv_host_live_segs(), fv_host_live_holders(),
			 (unsigned long long)segs_all,
			 (unsigned long long)holders_all);
}

void fx_fini(struct fx *fx)
{
	struct fv_stats st;
	unsigned int i;

	FX_CHECK(fx);
	for (i = 0; i < fx->ndoms; i++)
		if (fx->live[i])
			fx_release_all(fx, i);
	FX_CHECK(fx);
	fv_stats(&fx->a, &st);
	CHECK(st.free_bytes == fx->size && st.largest_free == fx->size &&
	      st.nfree == 1 && st.nextents == 0 && st.nholders == 0 &&
	      st.ndomains == 0,
	      "after releasing every domain: free %#llx largest %#llx nfree %llu nextents %llu nholders %llu ndomains %llu",
	      (unsigned long long)st.free_bytes,
	      (unsigned long long)st.largest_free,
	      (unsigned long long)st.nfree, (unsigned long long)st.nextents,
	      (unsigned long long)st.nholders,
	      (unsigned long long)st.ndomains);
	fv_arena_destroy(&fx->a);
	for (i = 0; i < FVT_MAX_FX; i++)
		if (live_fx[i] == fx)
			live_fx[i] = NULL;
}

u64 fx_alloc_at(struct fx *fx, unsigned int d, u64 len, u64 align,
		u32 rights, const char *file, int line)
{
	u64 addr = ~0ull;
	int rc;

	rc = fv_alloc(&fx->a, &fx->d[d], len, align, rights, &addr);
	if (rc)
		fvt_fail(file, line, "fv_alloc(len %#llx, align %#llx): %s",
			 (unsigned long long)len, (unsigned long long)align,
			 fvt_errname(rc));
	if (addr < fx->base || addr - fx->base > fx->size - len ||
	    (addr & (FV_PAGE_SIZE - 1)) || (align && (addr & (align - 1))))
		fvt_fail(file, line, "fv_alloc(len %#llx, align %#llx) gave %#llx",
			 (unsigned long long)len, (unsigned long long)align,
			 (unsigned long long)addr);
	fx_note_range_at(fx, addr, file, line);
	return addr;
}

void fx_note_range_at(struct fx *fx, u64 addr, const char *file, int line)
{
	struct fv_lookup_result r;
	unsigned int i;
	int rc;

	rc = fv_lookup(&fx->a, addr, &r);
	if (rc)
		fvt_fail(file, line, "fv_lookup(%#llx) of a new range: %s",
			 (unsigned long long)addr, fvt_errname(rc));
	for (i = 0; i < fx->nranges; i++)
		if (fx->range_id[i] == r.range)
			fvt_fail(file, line,
				 "range at %#llx got id %llu, already used by the range at %#llx",
				 (unsigned long long)addr,
				 (unsigned long long)r.range,
				 (unsigned long long)fx->range_addr[i]);
	if (fx->nranges == FX_MAX_RANGES)
		fvt_fail(file, line, "too many ranges for the fixture");
	fx->range_addr[fx->nranges] = addr;
	fx->range_id[fx->nranges++] = r.range;
}

u64 fx_range_id(struct fx *fx, u64 addr)
{
	unsigned int i;

	for (i = fx->nranges; i-- > 0;)
		if (fx->range_addr[i] == addr)
			return fx->range_id[i];
	CHECK(0, "no range was allocated at %#llx", (unsigned long long)addr);
}

int fx_release(struct fx *fx, unsigned int d, u64 addr, u64 len)
{
	memset(&fx->rel, 0, sizeof(fx->rel));
	return fv_release(&fx->a, &fx->d[d], addr, len, fvt_released_cb,
			  &fx->rel);
}

void fx_release_all(struct fx *fx, unsigned int d)
{
	memset(&fx->rel, 0, sizeof(fx->rel));
	fv_domain_release_all(&fx->a, &fx->d[d], fvt_released_cb, &fx->rel);
	fx->live[d] = 0;
}

void fx_expect_lookup(struct fx *fx, u64 addr, int rc, u64 range,
		      u64 ext_start, u64 ext_len, u32 nholders,
		      const char *file, int line)
{
	struct fv_lookup_result r;
	int got;

	if (!rc)
		range = fx_range_id(fx, range);
	memset(&r, 0, sizeof(r));
	got = fv_lookup(&fx->a, addr, &r);
	if (got != rc)
		fvt_fail(file, line, "fv_lookup(%#llx): got %s, want %s",
			 (unsigned long long)addr, fvt_errname(got),
			 fvt_errname(rc));
	if (rc)
		return;
	if (r.range != range || r.ext_start != ext_start ||
	    r.ext_len != ext_len || r.nholders != nholders)
		fvt_fail(file, line,
			 "fv_lookup(%#llx): range %#llx ext %#llx+%#llx holders %u, want %#llx %#llx+%#llx %u",
			 (unsigned long long)addr,
			 (unsigned long long)r.range,
			 (unsigned long long)r.ext_start,
			 (unsigned long long)r.ext_len, r.nholders,
			 (unsigned long long)range,
			 (unsigned long long)ext_start,
			 (unsigned long long)ext_len, nholders);
}

void fx_expect_rights(struct fx *fx, unsigned int d, u64 addr, int rc,
		      u32 rights, const char *file, int line)
{
	struct fv_lookup_result r;
	int got;

	memset(&r, 0, sizeof(r));
	got = fv_rights(&fx->a, &fx->d[d], addr, &r);
	if (got != rc)
		fvt_fail(file, line, "fv_rights(dom %u, %#llx): got %s, want %s",
			 d, (unsigned long long)addr, fvt_errname(got),
			 fvt_errname(rc));
	if (!rc && r.rights != rights)
		fvt_fail(file, line, "fv_rights(dom %u, %#llx): rights %#x, want %#x",
			 d, (unsigned long long)addr, r.rights, rights);
}

static void snap_probe(struct fx *fx, struct fvt_snap *s, u64 addr)
{
	u64 i = s->nprobes++;
	unsigned int d;

	s->probe_addr[i] = addr;
	memset(&s->lookup[i].res, 0, sizeof(s->lookup[i].res));
	s->lookup[i].rc = fv_lookup(&fx->a, addr, &s->lookup[i].res);
	for (d = 0; d < fx->ndoms; d++) {
		struct fvt_probe *p = &s->rights[i * fx->ndoms + d];

		memset(&p->res, 0, sizeof(p->res));
		p->rc = fx->live[d] ?
			fv_rights(&fx->a, &fx->d[d], addr, &p->res) : 1;
	}
}

void fvt_snap_take(struct fx *fx, struct fvt_snap *s)
{
	u64 maxprobes, nseg = 0, i;
	struct fv_rb_node *n;
	unsigned int d;

	memset(s, 0, sizeof(*s));
	s->ndoms = fx->ndoms;
	fv_stats(&fx->a, &s->st);
	s->live_segs = fv_host_live_segs();
	s->live_holders = fv_host_live_holders();
	for (n = fv_rb_first(&fx->a.segs); n; n = fv_rb_next(n))
		nseg++;
	s->segs = calloc(nseg ? nseg : 1, sizeof(*s->segs));
	CHECK(s->segs, "out of memory");
	for (n = fv_rb_first(&fx->a.segs); n; n = fv_rb_next(n)) {
		struct fv_seg *sg = fv_rb_entry(n, struct fv_seg, rb);
		struct fvt_seg_dump *o = &s->segs[s->nsegs++];
		struct fv_holder *h;

		o->start = sg->start;
		o->npages = sg->npages;
		o->used = sg->used;
		if (!sg->used)
			continue;
		o->range = sg->u.ext.range;
		o->nholders = sg->nholders;
		for (h = sg->u.ext.holders; h; h = h->next)
			o->holders_hash = hash_mix(hash_mix(o->holders_hash,
							    h->dom->id),
						   h->rights);
	}
	for (d = 0; d < fx->ndoms; d++) {
		s->dom_nholds[d] = fx->live[d] ? fx->d[d].nholds : 0;
		s->dom_npages[d] = fx->live[d] ? fx->d[d].npages : 0;
	}
	if (fx->a.npages <= FVT_SNAP_PAGES)
		maxprobes = fx->a.npages + 2;
	else
		maxprobes = 2 * s->nsegs + 2;
	s->probe_addr = calloc(maxprobes, sizeof(*s->probe_addr));
	s->lookup = calloc(maxprobes, sizeof(*s->lookup));
	s->rights = calloc(maxprobes * (fx->ndoms ? fx->ndoms : 1),
			   sizeof(*s->rights));
	CHECK(s->probe_addr && s->lookup && s->rights, "out of memory");
	/* Just outside the window on both sides. */
	snap_probe(fx, s, fx->base - FV_PAGE_SIZE);
	snap_probe(fx, s, fx->base + fx->size);
	if (fx->a.npages <= FVT_SNAP_PAGES) {
		for (i = 0; i < fx->a.npages; i++)
			snap_probe(fx, s, fx->base + PG(i) + (i * 97) % 4096);
		return;
	}
	for (i = 0; i < s->nsegs; i++) {
		snap_probe(fx, s, PG(s->segs[i].start));
		snap_probe(fx, s, PG(s->segs[i].start + s->segs[i].npages) - 1);
	}
}

void fvt_snap_free(struct fvt_snap *s)
{
	free(s->segs);
	free(s->probe_addr);
	free(s->lookup);
	free(s->rights);
	memset(s, 0, sizeof(*s));
}

static int probe_eq(const struct fvt_probe *x, const struct fvt_probe *y,
		    int with_rights)
{
	if (x->rc != y->rc)
		return 0;
	if (x->rc)
		return 1;
	return x->res.range == y->res.range &&
	       x->res.ext_start == y->res.ext_start &&
	       x->res.ext_len == y->res.ext_len &&
	       x->res.nholders == y->res.nholders &&
	       (!with_rights || x->res.rights == y->res.rights);
}

const char *fvt_snap_diff(const struct fvt_snap *x, const struct fvt_snap *y,
			  char *buf, size_t len)
{
	unsigned int d;
	u64 i;

	if (memcmp(&x->st, &y->st, sizeof(x->st))) {
		snprintf(buf, len,
			 "stats differ: free %#llx/%#llx largest %#llx/%#llx nfree %llu/%llu nextents %llu/%llu nholders %llu/%llu ndomains %llu/%llu meta %llu/%llu",
			 (unsigned long long)x->st.free_bytes,
			 (unsigned long long)y->st.free_bytes,
			 (unsigned long long)x->st.largest_free,
			 (unsigned long long)y->st.largest_free,
			 (unsigned long long)x->st.nfree,
			 (unsigned long long)y->st.nfree,
			 (unsigned long long)x->st.nextents,
			 (unsigned long long)y->st.nextents,
			 (unsigned long long)x->st.nholders,
			 (unsigned long long)y->st.nholders,
			 (unsigned long long)x->st.ndomains,
			 (unsigned long long)y->st.ndomains,
			 (unsigned long long)x->st.metadata_bytes,
			 (unsigned long long)y->st.metadata_bytes);
		return buf;
	}
	if (x->live_segs != y->live_segs || x->live_holders != y->live_holders) {
		snprintf(buf, len, "live records differ: segs %lu/%lu holders %lu/%lu",
			 x->live_segs, y->live_segs, x->live_holders,
			 y->live_holders);
		return buf;
	}
	if (x->nsegs != y->nsegs) {
		snprintf(buf, len, "segment count %llu/%llu",
			 (unsigned long long)x->nsegs,
			 (unsigned long long)y->nsegs);
		return buf;
	}
	for (i = 0; i < x->nsegs; i++) {
		if (memcmp(&x->segs[i], &y->segs[i], sizeof(x->segs[i]))) {
			snprintf(buf, len,
				 "segment %llu differs: page %#llx+%llu used %llu holders %llu / page %#llx+%llu used %llu holders %llu",
				 (unsigned long long)i,
				 (unsigned long long)x->segs[i].start,
				 (unsigned long long)x->segs[i].npages,
				 (unsigned long long)x->segs[i].used,
				 (unsigned long long)x->segs[i].nholders,
				 (unsigned long long)y->segs[i].start,
				 (unsigned long long)y->segs[i].npages,
				 (unsigned long long)y->segs[i].used,
				 (unsigned long long)y->segs[i].nholders);
			return buf;
		}
	}
	for (i = 0; i < FX_MAX_DOMS; i++) {
		if (x->dom_nholds[i] != y->dom_nholds[i] ||
		    x->dom_npages[i] != y->dom_npages[i]) {
			snprintf(buf, len, "domain %llu counters differ",
				 (unsigned long long)i);
			return buf;
		}
	}
	if (x->nprobes != y->nprobes) {
		snprintf(buf, len, "probe count %llu/%llu",
			 (unsigned long long)x->nprobes,
			 (unsigned long long)y->nprobes);
		return buf;
	}
	if (x->ndoms != y->ndoms) {
		snprintf(buf, len, "domain count %u/%u", x->ndoms, y->ndoms);
		return buf;
	}
	for (i = 0; i < x->nprobes; i++) {
		if (x->probe_addr[i] != y->probe_addr[i] ||
		    !probe_eq(&x->lookup[i], &y->lookup[i], 0)) {
			snprintf(buf, len, "fv_lookup(%#llx) differs: %s/%s",
				 (unsigned long long)x->probe_addr[i],
				 fvt_errname(x->lookup[i].rc),
				 fvt_errname(y->lookup[i].rc));
			return buf;
		}
		for (d = 0; d < x->ndoms; d++) {
			const struct fvt_probe *p = &x->rights[i * x->ndoms + d];
			const struct fvt_probe *q = &y->rights[i * x->ndoms + d];

			if (!probe_eq(p, q, 1)) {
				snprintf(buf, len,
					 "fv_rights(dom %u, %#llx) differs: %s rights %#x / %s rights %#x",
					 d, (unsigned long long)x->probe_addr[i],
					 fvt_errname(p->rc), p->res.rights,
					 fvt_errname(q->rc), q->res.rights);
				return buf;
			}
		}
	}
	return NULL;
}

int fvt_fail_loop_at(struct fx *fx, fvt_op_fn op, void *arg,
		     unsigned int *nfail, const char *file, int line)
{
	struct fvt_snap before, after;
	unsigned long failures;
	const char *diff;
	char buf[512];
	long n;
	int rc;

	*nfail = 0;
	fvt_snap_take(fx, &before);
	for (n = 0;; n++) {
		if (n > 100000)
			fvt_fail(file, line, "still -ENOMEM after %ld records", n);
		memset(&fx->rel, 0, sizeof(fx->rel));
		failures = fv_host_failures;
		fv_host_fail_after = n;
		rc = op(fx, arg);
		fv_host_fail_after = -1;
		if (rc != -ENOMEM)
			break;
		(*nfail)++;
		if (fv_host_failures == failures)
			fvt_fail(file, line,
				 "fail_after %ld: -ENOMEM though no allocation failed",
				 n);
		rc = fv_check(&fx->a);
		if (rc)
			fvt_fail(file, line, "fail_after %ld: fv_check: %s", n,
				 fvt_errname(rc));
		if (fx->rel.nruns)
			fvt_fail(file, line,
				 "fail_after %ld: -ENOMEM but %u runs reported released",
				 n, fx->rel.nruns);
		fvt_snap_take(fx, &after);
		diff = fvt_snap_diff(&before, &after, buf, sizeof(buf));
		if (diff)
			fvt_fail(file, line, "fail_after %ld: -ENOMEM changed state: %s",
				 n, diff);
		fvt_snap_free(&after);
	}
	fvt_snap_free(&before);
	return rc;
}
