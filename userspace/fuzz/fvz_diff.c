// SPDX-License-Identifier: GPL-2.0
/*
 * Differential fuzzing of the flatvm core against the reference model.
 *
 * Input format (every byte optional: a short input reads zeros):
 *   window   size class, size, base class, base      (see setup())
 *   ops      one op byte each: bits 0-4 the operation (see run_op()),
 *            bits 5-7 all set: inject allocation failures into this
 *            operation (fv_host_fail_after = next byte % 8)
 *            followed by the operation's argument bytes.
 *
 * Addresses chosen by the core are checked against the model (free,
 * aligned, in the window) and then adopted.  After every operation the
 * return code, any lookup result, the released pages (as a page set), the
 * stats, the per-domain counters, the live record counts, every extent and
 * free run of the model (probed through fv_lookup()/fv_rights()) and
 * fv_check() must agree.  An injected -ENOMEM is accepted only where the
 * model succeeds, and then nothing may have changed.
 */
#include <stdarg.h>
#include <string.h>

#include "fv_host.h"
#include "fvz.h"
#include "fvz_model.h"

#define FVZ_MAX_RANGES	FVZ_MAX_INPUT

int fvz_verbose;
void (*fvz_fail_hook)(void);
unsigned long long fvz_total_ops, fvz_total_injected;

/* Per operation kind: how often run, how often the core did not fail. */
enum { K_ALLOC, K_SHARE, K_RELEASE, K_RELEASE_ALL, K_LOOKUP, K_RIGHTS,
       K_HOLDS_ALL, K_PIECE, K_COVER, K_DEEP, K_COUNT };
static const char *const kind_name[K_COUNT] = {
	"alloc", "share", "release", "release_all", "lookup", "rights",
	"holds_all", "range_piece", "rights_cover", "deep_check",
};
static unsigned long long kind_runs[K_COUNT], kind_ok[K_COUNT];

/* Domain ids: the extremes of the id space, not in slot order. */
static const u64 dom_id[FVZ_NDOM] = { 5, 0, ~0ull, 3 };

static struct fvz {
	const u8 *in;
	size_t left;
	unsigned long step;
	const char *op;
	int inject;			/* fail_after for this op, or -1 */
	unsigned long last_deep;	/* step of the last deep check */
	struct fvz_model m, saved;
	struct fv_arena a;
	struct fv_domain d[FVZ_NDOM];
	u64 nranges;
	u64 core_id[FVZ_MAX_RANGES + 1];	/* by model range id */
	u8 freed_model[FVZ_MAX_UNITS];
	u8 freed_core[FVZ_MAX_UNITS];
} z;

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "fvz MISMATCH at op %lu (%s): ", z.step,
		z.op ? z.op : "setup");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(window: page %#llx, %llu units of 2^%u pages)\n",
		(unsigned long long)z.m.base, (unsigned long long)z.m.n,
		z.m.shift);
	if (fvz_fail_hook)
		fvz_fail_hook();
	abort();
}

static void trace(const char *fmt, ...)
{
	va_list ap;

	if (!fvz_verbose)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

static u8 in8(void)
{
	if (!z.left)
		return 0;
	z.left--;
	return *z.in++;
}

static u16 in16(void)
{
	u16 lo = in8();

	return lo | (u16)in8() << 8;
}

/* First byte of window-relative unit @p; bytes in @n units. */
static u64 unit_addr(u64 p)
{
	return (z.m.base + (p << z.m.shift)) << FV_PAGE_SHIFT;
}

static u64 ubytes(u64 n)
{
	return n << (z.m.shift + FV_PAGE_SHIFT);
}

/* The window-relative unit holding @addr, or -1 when outside. */
static u64 unit_of(u64 addr)
{
	u64 page = addr >> FV_PAGE_SHIFT;

	if (page < z.m.base || page - z.m.base >= z.m.n << z.m.shift)
		return ~0ull;
	return (page - z.m.base) >> z.m.shift;
}

/*
 * The core reports a run back in the free pool: whole units of the window,
 * never twice, and already free to a lockless reader (the module frees the
 * physical pages here).
 */
static void released_cb(void *ctx, u64 addr, u64 len, u64 range)
{
	struct fv_lookup_result r;
	u64 p, first, n;

	(void)ctx;
	if (fvz_model_span(&z.m, addr, len, &first, &n))
		fail("released run %#llx+%#llx is not whole units of the window",
		     (unsigned long long)addr, (unsigned long long)len);
	if (fv_lookup(&z.a, addr, &r) != -ENOENT ||
	    fv_lookup(&z.a, addr + len - 1, &r) != -ENOENT)
		fail("released run %#llx+%#llx still in use when reported",
		     (unsigned long long)addr, (unsigned long long)len);
	for (p = first; p < first + n; p++) {
		if (z.freed_core[p])
			fail("page %#llx released twice",
			     (unsigned long long)unit_addr(p));
		if (!z.m.rid[p] || z.core_id[z.m.rid[p]] != range)
			fail("page %#llx released as range %llu",
			     (unsigned long long)unit_addr(p),
			     (unsigned long long)range);
		z.freed_core[p] = 1;
	}
}

static void count(unsigned int kind, int rc)
{
	kind_runs[kind]++;
	kind_ok[kind] += rc >= 0;
}

void fvz_print_stats(FILE *f)
{
	unsigned int k;

	fprintf(f, "fvz ops (ok/run):");
	for (k = 0; k < K_COUNT; k++)
		fprintf(f, " %s %llu/%llu", kind_name[k], kind_ok[k],
			kind_runs[k]);
	fprintf(f, "\n");
}

/* Before a mutating operation: arm fault injection, clear released sets. */
static unsigned long op_begin(void)
{
	memset(z.freed_model, 0, z.m.n);
	memset(z.freed_core, 0, z.m.n);
	if (z.inject >= 0) {
		z.saved = z.m;
		fv_host_fail_after = z.inject;
	}
	return fv_host_failures;
}

static void op_end(void)
{
	fv_host_fail_after = -1;
}

/*
 * The core said @got, the model @want (and changed itself if 0).  An
 * injected -ENOMEM instead of a success puts the model back.
 */
static void expect_rc(int got, int want, unsigned long failures0)
{
	if (want == -EDOM)
		fail("fuzzer bug: a valid span off the unit grid");
	if (got == -ENOMEM && want == 0 && z.inject >= 0) {
		if (fv_host_failures == failures0)
			fail("-ENOMEM but no allocation failed");
		z.m = z.saved;
		memset(z.freed_model, 0, z.m.n);
		fvz_total_injected++;
		return;
	}
	if (got != want)
		fail("returned %d, model says %d", got, want);
}

static void compare_released(void)
{
	u64 p;

	for (p = 0; p < z.m.n; p++)
		if (z.freed_core[p] != z.freed_model[p])
			fail("page %#llx: %s, model says %s",
			     (unsigned long long)unit_addr(p),
			     z.freed_core[p] ? "reported released" :
					       "not reported released",
			     z.freed_model[p] ? "released" : "not released");
}

/* fv_lookup() at @addr against the model (@known: its page's info, or NULL). */
static int check_lookup(u64 addr, const struct fvz_page_info *known)
{
	struct fv_lookup_result r;
	struct fvz_page_info info;
	u64 p = unit_of(addr);
	int rc, want = -ENOENT;

	if (p != ~0ull && z.m.rid[p])
		want = 0;
	memset(&r, 0, sizeof(r));
	rc = fv_lookup(&z.a, addr, &r);
	if (rc != want)
		fail("fv_lookup(%#llx) returned %d, model says %d",
		     (unsigned long long)addr, rc, want);
	if (rc)
		return rc;
	if (known)
		info = *known;
	else
		fvz_model_page(&z.m, p, &info);
	if (r.range != z.core_id[info.rid] ||
	    r.ext_start != unit_addr(info.ext_first) ||
	    r.ext_len != ubytes(info.ext_n) ||
	    r.nholders != info.nholders)
		fail("fv_lookup(%#llx): range %llu ext %#llx+%#llx holders %u; model: range %llu ext %#llx+%#llx holders %u",
		     (unsigned long long)addr, (unsigned long long)r.range,
		     (unsigned long long)r.ext_start,
		     (unsigned long long)r.ext_len, r.nholders,
		     (unsigned long long)z.core_id[info.rid],
		     (unsigned long long)unit_addr(info.ext_first),
		     (unsigned long long)(ubytes(info.ext_n)),
		     info.nholders);
	return 0;
}

/* fv_rights() of domain @d at @addr against the model (@known as above). */
static int check_rights(unsigned int d, u64 addr,
			 const struct fvz_page_info *known)
{
	struct fv_lookup_result r;
	struct fvz_page_info info;
	u64 p = unit_of(addr);
	int rc, want = -ENOENT;

	if (p != ~0ull && z.m.rights[p][d])
		want = 0;
	memset(&r, 0, sizeof(r));
	rc = fv_rights(&z.a, &z.d[d], addr, &r);
	if (rc != want)
		fail("fv_rights(d%u, %#llx) returned %d, model says %d", d,
		     (unsigned long long)addr, rc, want);
	if (rc)
		return rc;
	if (known)
		info = *known;
	else
		fvz_model_page(&z.m, p, &info);
	if (r.rights != z.m.rights[p][d] || r.range != z.core_id[info.rid] ||
	    r.ext_start != unit_addr(info.ext_first) ||
	    r.ext_len != ubytes(info.ext_n) ||
	    r.nholders != info.nholders)
		fail("fv_rights(d%u, %#llx): rights %#x range %llu ext %#llx+%#llx holders %u; model: rights %#x ext %#llx+%#llx holders %u",
		     d, (unsigned long long)addr, r.rights,
		     (unsigned long long)r.range,
		     (unsigned long long)r.ext_start,
		     (unsigned long long)r.ext_len, r.nholders,
		     z.m.rights[p][d],
		     (unsigned long long)unit_addr(info.ext_first),
		     (unsigned long long)(ubytes(info.ext_n)),
		     info.nholders);
	return 0;
}

/* fv_range_piece() at @addr; @first/@n: the model's piece if known (n != 0). */
static int check_piece(u64 addr, u64 first, u64 n)
{
	u64 p = unit_of(addr), start = 0, len = 0;
	int rc, want = -ENOENT;

	if (p != ~0ull && z.m.rid[p])
		want = 0;
	rc = fv_range_piece(&z.a, addr, &start, &len);
	if (rc != want)
		fail("fv_range_piece(%#llx) returned %d, model says %d",
		     (unsigned long long)addr, rc, want);
	if (rc)
		return rc;
	if (!n)
		fvz_model_piece(&z.m, p, &first, &n);
	if (start != unit_addr(first) || len != ubytes(n))
		fail("fv_range_piece(%#llx): %#llx+%#llx, model %#llx+%#llx",
		     (unsigned long long)addr, (unsigned long long)start,
		     (unsigned long long)len,
		     (unsigned long long)unit_addr(first),
		     (unsigned long long)ubytes(n));
	return 0;
}

/* Segments as fv_walk() reports them, for the deep check. */
static struct {
	u64 start, npages, range;
	u32 used, nholders;
} walked[2 * FVZ_MAX_UNITS + 1];
static unsigned int nwalked;

static int walk_cb(void *ctx, const struct fv_seg *seg)
{
	(void)ctx;
	if (nwalked == sizeof(walked) / sizeof(walked[0]))
		return -1;
	walked[nwalked].start = seg->start;
	walked[nwalked].npages = seg->npages;
	walked[nwalked].used = seg->used;
	walked[nwalked].nholders = seg->used ? seg->nholders : 0;
	walked[nwalked].range = seg->used ? seg->range : 0;
	nwalked++;
	return 0;
}

/* fv_walk() must list the model's free runs and extents, in order. */
static void check_walk(void)
{
	struct fvz_page_info info;
	unsigned int j = 0;
	u64 p, e;
	int rc;

	nwalked = 0;
	rc = fv_walk(&z.a, walk_cb, NULL);
	if (rc)
		fail("fv_walk() returned %d", rc);
	for (p = 0; p < z.m.n; p = e + 1, j++) {
		e = p;
		info.nholders = 0;
		info.rid = 0;
		if (z.m.rid[p]) {
			fvz_model_page(&z.m, p, &info);
			e = p + info.ext_n - 1;
		} else {
			while (e + 1 < z.m.n && !z.m.rid[e + 1])
				e++;
		}
		if (j == nwalked ||
		    walked[j].start != z.m.base + (p << z.m.shift) ||
		    walked[j].npages != (e - p + 1) << z.m.shift ||
		    walked[j].used != !!z.m.rid[p] ||
		    walked[j].nholders != info.nholders ||
		    (info.rid && walked[j].range != z.core_id[info.rid]))
			fail("fv_walk() segment %u differs from the model's run at %#llx",
			     j, (unsigned long long)unit_addr(p));
	}
	if (j != nwalked)
		fail("fv_walk() reported %u segments, model %u", nwalked, j);
}

/*
 * The whole state against the model.  Extents and free runs are probed at
 * both ends (every page when @deep); together with equal free bytes and
 * extent counts this pins down the core's segment list exactly.
 */
static void check_state(int deep)
{
	struct fvz_model_stats ms;
	u64 p, e, q, pf = 0, pn = 0;
	struct fv_stats st;
	unsigned int d;
	int rc;

	rc = fv_check(&z.a);
	if (rc)
		fail("fv_check() returned %d", rc);
	fv_stats(&z.a, &st);
	fvz_model_stats(&z.m, &ms);
	if (st.window_bytes != ubytes(z.m.n) ||
	    st.free_bytes != ms.free_bytes ||
	    st.largest_free != ms.largest_free || st.nfree != ms.nfree ||
	    st.nextents != ms.nextents || st.nholders != ms.nholders ||
	    st.ndomains != FVZ_NDOM)
		fail("stats: free %#llx largest %#llx nfree %llu nextents %llu nholders %llu ndomains %llu; model %#llx %#llx %llu %llu %llu %u",
		     (unsigned long long)st.free_bytes,
		     (unsigned long long)st.largest_free,
		     (unsigned long long)st.nfree,
		     (unsigned long long)st.nextents,
		     (unsigned long long)st.nholders,
		     (unsigned long long)st.ndomains,
		     (unsigned long long)ms.free_bytes,
		     (unsigned long long)ms.largest_free,
		     (unsigned long long)ms.nfree,
		     (unsigned long long)ms.nextents,
		     (unsigned long long)ms.nholders, FVZ_NDOM);
	if (st.metadata_bytes != fv_host_live_bytes())
		fail("metadata_bytes %llu, live records %lu bytes",
		     (unsigned long long)st.metadata_bytes,
		     fv_host_live_bytes());
	for (d = 0; d < FVZ_NDOM; d++)
		if (z.d[d].npages != ms.dom_npages[d] ||
		    z.d[d].nholds != ms.dom_nholds[d])
			fail("domain %u: npages %llu nholds %llu; model %llu %llu",
			     d, (unsigned long long)z.d[d].npages,
			     (unsigned long long)z.d[d].nholds,
			     (unsigned long long)ms.dom_npages[d],
			     (unsigned long long)ms.dom_nholds[d]);
	for (p = 0; p < z.m.n; p = e + 1) {
		struct fvz_page_info info, *known = NULL;

		e = p;
		if (z.m.rid[p]) {
			fvz_model_page(&z.m, p, &info);
			known = &info;
			e = p + info.ext_n - 1;
			if (!pn || p >= pf + pn)
				fvz_model_piece(&z.m, p, &pf, &pn);
		} else {
			while (e + 1 < z.m.n && !z.m.rid[e + 1])
				e++;
		}
		check_lookup(unit_addr(p), known);
		check_lookup(unit_addr(e) + ubytes(1) - 1, known);
		if (known)
			for (d = 0; d < FVZ_NDOM; d++)
				check_rights(d, unit_addr(p) + 0x10, known);
		if (!deep)
			continue;
		for (q = p; q <= e; q++) {
			check_lookup(unit_addr(q) +
				     ((q * 0x9e3779b1ull) & (ubytes(1) - 1)),
				     known);
			check_piece(unit_addr(q), known ? pf : 0,
				    known ? pn : 0);
			for (d = 0; d < FVZ_NDOM; d++)
				check_rights(d, unit_addr(q), known);
		}
	}
	if (deep) {
		check_walk();
		check_lookup(unit_addr(0) - 1, NULL);
		check_lookup(unit_addr(z.m.n), NULL);
	}
}

/* An address near the window: sometimes just outside, any byte offset. */
static u64 pick_addr(void)
{
	u64 p = in16() % (z.m.n + 8);
	u64 in_unit = ((u64)in16() << FV_PAGE_SHIFT) & (ubytes(1) - 1);

	return unit_addr(p) - 4 * FV_PAGE_SIZE + in_unit + (u64)in8() * 16;
}

/*
 * A span for an operation by domain @d: mostly page runs that @d holds or
 * whole extents and range pieces, sometimes plain runs, sometimes a bad span
 * of each kind.
 */
static void pick_span(unsigned int d, u64 *addr, u64 *len)
{
	u8 mode = in8() % 32;
	u64 p = in16() % z.m.n, n = 1 + in8() % 16, q, k;
	struct fvz_page_info info;

	*addr = unit_addr(p);
	*len = ubytes(n);
	switch (mode) {
	case 0 ... 13:	/* pages @d holds, from the first held at or after p */
		for (k = 0; k < z.m.n; k++) {
			q = (p + k) % z.m.n;
			if (z.m.rights[q][d])
				break;
		}
		if (k == z.m.n)
			return;
		for (k = 0; k < n && q + k < z.m.n &&
			    z.m.rights[q + k][d]; k++)
			;
		*addr = unit_addr(q);
		*len = ubytes(k);
		return;
	case 14 ... 19:	/* any pages */
		return;
	case 20 ... 22:	/* the extent around p */
		if (z.m.rid[p]) {
			fvz_model_page(&z.m, p, &info);
			*addr = unit_addr(info.ext_first);
			*len = ubytes(info.ext_n);
		}
		return;
	case 23 ... 25:	/* the range piece around p */
		if (z.m.rid[p]) {
			fvz_model_piece(&z.m, p, &q, &k);
			*addr = unit_addr(q);
			*len = ubytes(k);
		}
		return;
	case 26:	/* unaligned address */
		*addr += 1 + in8() % 255 * 16;
		return;
	case 27:	/* unaligned or zero length */
		*len = in8() % 2 ? 0 : *len + 0x800;
		return;
	case 28:	/* starts below the window */
		*addr = unit_addr(0) - (1 + in8() % 4) * FV_PAGE_SIZE;
		return;
	case 29:	/* ends past the window */
		*len = ubytes(z.m.n - p + in8() % 4);
		return;
	default:	/* wraps around, or far too long */
		*len = in8() % 2 ? ~0xfffull : 0 - *addr;
		return;
	}
}

static u32 pick_rights(void)
{
	static const u32 bad[] = { 0, 8, FV_READ | 0x10, ~0u };
	u8 b = in8();

	return b < 248 ? 1u + b % 7u : bad[b % 4];
}

static void op_alloc(void)
{
	static const u64 bad_align[] = { 0x3000, (u64)1 << 31, 0x800, 1 };
	u64 len, align, addr = 0, first, n, p, id;
	unsigned int d = in8() % FVZ_NDOM;
	struct fv_lookup_result r;
	unsigned long f0;
	u8 b = in8();
	u32 rights;
	int rc, want;

	if (b < 160)
		len = ubytes(1 + b % 8);
	else if (b < 220)
		len = ubytes(1 + in8() % 64);
	else if (b < 250)
		len = ubytes(1 + in16() % z.m.n);
	else if (b == 250)
		len = 0;
	else if (b == 251)
		len = FV_PAGE_SIZE + 1;
	else if (b == 252)
		len = ubytes(z.m.n + 1);
	else if (b == 253)
		len = ~0xfffull;
	else if (b == 254)
		len = (u64)1 << 63;
	else
		len = ubytes(z.m.n);
	b = in8() % 32;
	if (b < 12)
		align = 0;
	else if (b < 31)
		align = FV_PAGE_SIZE << (b - 12);
	else
		align = bad_align[in8() % 4];
	rights = pick_rights();

	f0 = op_begin();
	rc = fv_alloc(&z.a, &z.d[d], len, align, rights, &addr);
	op_end();
	trace("%lu alloc d%u len %#llx align %#llx rights %#x -> %d addr %#llx\n",
	      z.step, d, (unsigned long long)len, (unsigned long long)align,
	      rights, rc, (unsigned long long)addr);
	count(K_ALLOC, rc);
	want = fvz_model_alloc_args(len, align, rights);
	if (want || rc == -ENOSPC) {
		if (!want && fvz_model_lowest_fit(&z.m,
						  len >> (z.m.shift + FV_PAGE_SHIFT),
						  align))
			fail("-ENOSPC for %#llx bytes aligned %#llx, the model has a fit",
			     (unsigned long long)len, (unsigned long long)align);
		expect_rc(rc, want ? want : -ENOSPC, f0);
		return;
	}
	if (rc) {
		expect_rc(rc, 0, f0);
		return;
	}
	if (fvz_model_span(&z.m, addr, len, &first, &n) ||
	    (align && (addr & (align - 1))))
		fail("fv_alloc gave %#llx for %#llx bytes aligned %#llx",
		     (unsigned long long)addr, (unsigned long long)len,
		     (unsigned long long)align);
	if (fvz_model_lowest_fit(&z.m, n, align) != first + 1)
		fail("fv_alloc gave %#llx for %#llx bytes aligned %#llx, lowest fit is unit %llu",
		     (unsigned long long)addr, (unsigned long long)len,
		     (unsigned long long)align,
		     (unsigned long long)fvz_model_lowest_fit(&z.m, n, align) - 1);
	for (p = first; p < first + n; p++)
		if (z.m.rid[p])
			fail("fv_alloc gave %#llx+%#llx, page %#llx is in use",
			     (unsigned long long)addr, (unsigned long long)len,
			     (unsigned long long)unit_addr(p));
	if (z.m.next_rid > FVZ_MAX_RANGES)
		fail("more ranges than the fuzzer can track");
	id = fvz_model_alloc(&z.m, d, first, n, rights);
	if (fv_lookup(&z.a, addr, &r))
		fail("new range at %#llx not found", (unsigned long long)addr);
	for (p = 1; p < id; p++)
		if (z.core_id[p] == r.range)
			fail("range id %llu reused", (unsigned long long)r.range);
	z.core_id[id] = r.range;
}

/*
 * Share: @to differs from @from but now and then; rights are mostly a
 * subset of what @from holds at the start of the span.
 */
static void op_share(void)
{
	u8 b = in8();
	unsigned int from = b % FVZ_NDOM;
	unsigned int to = b >> 5 == 7 ? from : (from + 1 + (b >> 2) % 3) % FVZ_NDOM;
	u64 addr, len, first, n;
	unsigned long f0;
	u32 rights;
	int rc, want;

	pick_span(from, &addr, &len);
	b = in8();
	rights = 0;
	if (b < 160 && !fvz_model_span(&z.m, addr, len, &first, &n))
		rights = z.m.rights[first][from] & (1 + b % 7);
	if (!rights)
		rights = pick_rights();
	f0 = op_begin();
	rc = fv_share(&z.a, &z.d[from], &z.d[to], addr, len, rights);
	op_end();
	trace("%lu share d%u->d%u %#llx+%#llx rights %#x -> %d\n", z.step,
	      from, to, (unsigned long long)addr, (unsigned long long)len,
	      rights, rc);
	count(K_SHARE, rc);
	want = fvz_model_share(&z.m, from, to, addr, len, rights);
	expect_rc(rc, want, f0);
}

static void op_release(void)
{
	unsigned int d = in8() % FVZ_NDOM;
	unsigned long f0;
	u64 addr, len;
	int rc, want;

	pick_span(d, &addr, &len);
	f0 = op_begin();
	rc = fv_release(&z.a, &z.d[d], addr, len, released_cb, NULL);
	op_end();
	trace("%lu release d%u %#llx+%#llx -> %d\n", z.step, d,
	      (unsigned long long)addr, (unsigned long long)len, rc);
	count(K_RELEASE, rc);
	want = fvz_model_release(&z.m, d, addr, len, z.freed_model);
	expect_rc(rc, want, f0);
	compare_released();
}

static void op_release_all(void)
{
	unsigned int d = in8() % FVZ_NDOM;

	op_begin();
	fv_domain_release_all(&z.a, &z.d[d], released_cb, NULL);
	op_end();
	trace("%lu release_all d%u\n", z.step, d);
	count(K_RELEASE_ALL, 0);
	fvz_model_release_all(&z.m, d, z.freed_model);
	compare_released();
	fv_domain_init(&z.a, &z.d[d], dom_id[d]);
}

static void op_holds_all(void)
{
	unsigned int d = in8() % FVZ_NDOM;
	u32 rights = 1 + in8() % 7;
	u64 addr, len;
	int rc, want;

	pick_span(d, &addr, &len);
	op_begin();
	rc = fv_holds_all(&z.a, &z.d[d], addr, len, rights);
	op_end();
	trace("%lu holds_all d%u %#llx+%#llx rights %#x -> %d\n", z.step, d,
	      (unsigned long long)addr, (unsigned long long)len, rights, rc);
	count(K_HOLDS_ALL, rc);
	want = fvz_model_holds_all(&z.m, d, addr, len, rights);
	if (rc != want)
		fail("fv_holds_all returned %d, model says %d", rc, want);
}

/* fv_rights_cover() of two domains. */
static void op_rights_cover(void)
{
	u8 b = in8();
	unsigned int d = b % FVZ_NDOM, to = (b >> 2) % FVZ_NDOM;
	int rc, want;
	u64 addr, len;

	pick_span(to, &addr, &len);
	op_begin();
	rc = fv_rights_cover(&z.a, &z.d[d], &z.d[to], addr, len);
	op_end();
	trace("%lu rights_cover d%u d%u %#llx+%#llx -> %d\n", z.step, d, to,
	      (unsigned long long)addr, (unsigned long long)len, rc);
	count(K_COVER, rc);
	want = fvz_model_rights_cover(&z.m, d, to, addr, len);
	if (want == -EDOM)
		fail("fuzzer bug: a valid span off the unit grid");
	if (rc != want)
		fail("fv_rights_cover returned %d, model says %d", rc, want);
}

/* One operation; bits 5-7 of its byte all set arm fault injection. */
static void run_op(u8 b)
{
	u64 addr;

	z.inject = (b >> 5) == 7 ? in8() % 8 : -1;
	switch (b & 31) {
	case 0 ... 6:
	case 29 ... 30:
		z.op = "alloc";
		op_alloc();
		break;
	case 7 ... 12:
		z.op = "share";
		op_share();
		break;
	case 13 ... 18:
		z.op = "release";
		op_release();
		break;
	case 19:
		z.op = "release_all";
		op_release_all();
		break;
	case 20 ... 22:
		z.op = "lookup";
		addr = pick_addr();
		op_begin();
		count(K_LOOKUP, check_lookup(addr, NULL));
		op_end();
		break;
	case 23 ... 24:
		z.op = "rights";
		addr = pick_addr();
		op_begin();
		count(K_RIGHTS, check_rights(in8() % FVZ_NDOM, addr, NULL));
		op_end();
		break;
	case 25 ... 26:
		z.op = "holds_all";
		op_holds_all();
		break;
	case 27:
		z.op = "range_piece";
		addr = pick_addr();
		op_begin();
		count(K_PIECE, check_piece(addr, 0, 0));
		op_end();
		break;
	case 28:
		z.op = "rights_cover";
		op_rights_cover();
		break;
	default:
		/* At most one deep check per 16 ops: they cost a lookup a page. */
		if (z.step - z.last_deep < 16)
			break;
		z.op = "deep check";
		z.last_deep = z.step;
		count(K_DEEP, 0);
		check_state(1);
		return;
	}
	check_state(0);
}

/*
 * Window geometry from the first bytes: 64 to 4096 units of 2^shift pages
 * (shift 0 half of the time, up to 23: windows up to 2^47 bytes), placed at
 * 0, across 1 GiB, at a small unaligned page, one unit below 2^64, or
 * ending at 2^47.
 */
static void setup(void)
{
	unsigned int shift, d;
	u64 n, base, wpages;
	int rc;

	switch (in8() % 4) {
	case 0:
		n = 64 + in8() % 64;
		break;
	case 1:
		n = 128 + in8();
		break;
	case 2:
		n = 64 + in16() % (FVZ_MAX_UNITS - 63);
		break;
	default:
		n = FVZ_MAX_UNITS;
		break;
	}
	shift = in8();
	shift = shift < 128 ? 0 : 1 + shift % 23;
	wpages = n << shift;
	switch (in8() % 5) {
	case 0:
		base = 0;
		break;
	case 1:
		base = ((u64)1 << (30 - FV_PAGE_SHIFT)) - 1 - in16() % (wpages - 1);
		break;
	case 2:
		base = 1 + in16();
		break;
	case 3:
		base = ((u64)1 << (64 - FV_PAGE_SHIFT)) - wpages - 1;
		break;
	default:
		base = ((u64)1 << (FV_MAX_WINDOW_SHIFT - FV_PAGE_SHIFT)) - wpages;
		break;
	}
	base &= ~(((u64)1 << shift) - 1);
	fvz_model_init(&z.m, base, n, shift);
	rc = fv_arena_init(&z.a, base << FV_PAGE_SHIFT, wpages << FV_PAGE_SHIFT);
	if (rc)
		fail("fv_arena_init(page %#llx, %llu pages) returned %d",
		     (unsigned long long)base, (unsigned long long)wpages, rc);
	for (d = 0; d < FVZ_NDOM; d++)
		fv_domain_init(&z.a, &z.d[d], dom_id[d]);
	trace("window page %#llx, %llu units of 2^%u pages\n",
	      (unsigned long long)base, (unsigned long long)n, shift);
}

int fvz_run(const uint8_t *data, size_t size)
{
	struct fv_stats st;
	unsigned int d;

	z.in = data;
	z.left = size < FVZ_MAX_INPUT ? size : FVZ_MAX_INPUT;
	z.step = 0;
	z.last_deep = 0;
	z.op = NULL;
	z.inject = -1;
	fv_host_fail_after = -1;
	setup();
	check_state(1);
	while (z.left) {
		z.step++;
		run_op(in8());
	}
	fvz_total_ops += z.step;
	z.op = "teardown";
	check_state(1);
	for (d = 0; d < FVZ_NDOM; d++) {
		memset(z.freed_model, 0, z.m.n);
		memset(z.freed_core, 0, z.m.n);
		fv_domain_release_all(&z.a, &z.d[d], released_cb, NULL);
		fvz_model_release_all(&z.m, d, z.freed_model);
		compare_released();
	}
	fv_stats(&z.a, &st);
	if (fv_check(&z.a) || st.free_bytes != ubytes(z.m.n) ||
	    st.nfree != 1 || st.nextents || st.nholders || st.ndomains)
		fail("arena not empty after every domain was released");
	fv_arena_destroy(&z.a);
	if (fv_host_live(FV_REC_NR_KINDS))
		fail("%lu records (%lu bytes) leaked",
		     fv_host_live(FV_REC_NR_KINDS), fv_host_live_bytes());
	return 0;
}
