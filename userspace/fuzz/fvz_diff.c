// SPDX-License-Identifier: GPL-2.0
/*
 * Differential fuzzing of the flatvm core against the reference model the
 * core's test cases share (kunit/core/fvt_model.h).
 *
 * Input format (every byte optional: a short input reads zeros):
 *   window   size class, size, base class, base      (see setup())
 *   ops      one op byte each: bits 0-4 the operation (see run_op()),
 *            bits 5-7 all set: inject allocation failures into this
 *            operation (fvt_fault_arm(next byte % 8), kunit/core/fvt_fault.h)
 *            followed by the operation's argument bytes.
 *
 * Addresses chosen by the core must be the model's lowest fit, and the new
 * range's id one never seen; the model then adopts them.  Which holds
 * fv_domain_release_some() drops is the core's choice: the model follows
 * it and checks how many.  After every operation the return code, any
 * look-up result, the runs released (units and range ids), and the whole
 * state (fvt_model_compare(): fv_check(), the stats, the domains'
 * counters, look-ups at both ends of every extent and free run, and on a
 * deep check every unit, range pieces and fv_walk() with its holders)
 * must agree, and the metadata count must equal the live record bytes.
 * An injected -ENOMEM is accepted only where the model succeeds, and then
 * nothing may have changed.
 */
#include <stdarg.h>
#include <string.h>

#include "fvt_fault.h"
#include "fvt_model.h"
#include "fvz.h"

#define FVZ_NDOM	FVT_MODEL_NDOM
#define FVZ_MAX_UNITS	FVT_MODEL_UNITS
#define FVZ_MAX_RANGES	FVZ_MAX_INPUT

int fvz_verbose;
void (*fvz_fail_hook)(void);
unsigned long long fvz_total_ops, fvz_total_injected;

/* Per operation kind: how often run, how often the core did not fail. */
enum { K_ALLOC, K_SHARE, K_RELEASE, K_RELEASE_ALL, K_RELEASE_SOME,
       K_LOOKUP, K_RIGHTS, K_HOLDS_ALL, K_PIECE, K_COVER, K_DEEP, K_COUNT };
static const char *const kind_name[K_COUNT] = {
	"alloc", "share", "release", "release_all", "release_some", "lookup",
	"rights", "holds_all", "range_piece", "rights_cover", "deep_check",
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
	struct fvt_model m, saved;
	struct fv_arena a;
	struct fv_domain d[FVZ_NDOM];
	struct fv_domain *doms[FVZ_NDOM];
	u64 nranges;
	u64 ids[FVZ_MAX_RANGES];		/* every range id issued */
	u8 freed_model[FVZ_MAX_UNITS];
	u8 freed_core[FVZ_MAX_UNITS];
	char msg[512];
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
	return fvt_model_addr(&z.m, p);
}

static u64 ubytes(u64 n)
{
	return fvt_model_bytes(&z.m, n);
}

/*
 * The core reports a run back in the free pool: whole units of the window
 * of the range the model says, never twice, and already free to a
 * lockless reader (the module frees the physical pages here).
 */
static void released_cb(void *ctx, u64 addr, u64 len, u64 range)
{
	struct fv_lookup_result r;

	(void)ctx;
	if (fvt_model_check_released(&z.m, addr, len, range, z.freed_core,
				     z.msg, sizeof(z.msg)))
		fail("%s", z.msg);
	if (fv_lookup(&z.a, addr, &r) != -ENOENT ||
	    fv_lookup(&z.a, addr + len - 1, &r) != -ENOENT)
		fail("released run %#llx+%#llx still in use when reported",
		     (unsigned long long)addr, (unsigned long long)len);
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
static void op_begin(void)
{
	memset(z.freed_model, 0, z.m.n);
	memset(z.freed_core, 0, z.m.n);
	if (z.inject >= 0) {
		z.saved = z.m;
		fvt_fault_arm(z.inject);
	}
}

/* After it: disarm; whether the armed budget was used up. */
static int op_end(void)
{
	int exhausted = z.inject >= 0 && !fvt_fault_left();

	fvt_fault_disarm();
	return exhausted;
}

/*
 * The core said @got, the model @want (and changed itself if 0).  An
 * injected -ENOMEM instead of a success puts the model back.
 */
static void expect_rc(int got, int want, int exhausted)
{
	if (want == -EDOM)
		fail("fuzzer bug: a valid span off the unit grid");
	if (got == -ENOMEM && want == 0 && z.inject >= 0) {
		if (!exhausted)
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
	if (fvt_model_compare_freed(&z.m, z.freed_core, z.freed_model, z.msg,
				    sizeof(z.msg)))
		fail("%s", z.msg);
}

/*
 * The whole state against the model, every unit when @deep, plus what only
 * the host knows: the domains registered and the live record bytes.
 */
static void check_state(int deep)
{
	struct fv_stats st;

	if (fvt_model_compare(&z.m, &z.a, z.doms, deep, z.msg, sizeof(z.msg)))
		fail("%s", z.msg);
	fv_stats(&z.a, &st);
	if (st.ndomains != FVZ_NDOM)
		fail("ndomains %llu", (unsigned long long)st.ndomains);
	if (st.metadata_bytes != fv_host_live_bytes())
		fail("metadata_bytes %llu, live records %lu bytes",
		     (unsigned long long)st.metadata_bytes,
		     fv_host_live_bytes());
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
	struct fvt_model_page info;

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
			fvt_model_page(&z.m, p, &info);
			*addr = unit_addr(info.ext_first);
			*len = ubytes(info.ext_n);
		}
		return;
	case 23 ... 25:	/* the range piece around p */
		if (z.m.rid[p]) {
			fvt_model_piece(&z.m, p, &q, &k);
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
	static const u32 bad[] = { 0, FV_OWNER, FV_READ | 0x10, ~0u,
				   FV_READ | FV_OWNER, FV_RIGHTS_MASK | FV_OWNER };
	u8 b = in8();

	return b < 246 ? 1u + b % 7u : bad[b % 6];
}

/* A new range's id must never have been issued before. */
static void adopt_id(u64 id)
{
	u64 i;

	for (i = 0; i < z.nranges; i++)
		if (z.ids[i] == id)
			fail("range id %llu reused", (unsigned long long)id);
	if (z.nranges == FVZ_MAX_RANGES)
		fail("more ranges than the fuzzer can track");
	z.ids[z.nranges++] = id;
}

static void op_alloc(void)
{
	static const u64 bad_align[] = { 0x3000, (u64)1 << 31, 0x800, 1 };
	u64 len, align, addr = 0, first, n, fit;
	unsigned int d = in8() % FVZ_NDOM;
	struct fv_lookup_result r;
	int rc, want, exhausted;
	u8 b = in8();
	u32 rights;

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

	op_begin();
	rc = fv_alloc(&z.a, &z.d[d], len, align, rights, &addr);
	exhausted = op_end();
	trace("%lu alloc d%u len %#llx align %#llx rights %#x -> %d addr %#llx\n",
	      z.step, d, (unsigned long long)len, (unsigned long long)align,
	      rights, rc, (unsigned long long)addr);
	count(K_ALLOC, rc);
	want = fvt_model_alloc_args(len, align, rights);
	fit = want ? 0 : fvt_model_lowest_fit(&z.m,
					      len >> (z.m.shift + FV_PAGE_SHIFT),
					      align);
	if (want || rc == -ENOSPC) {
		if (!want && fit)
			fail("-ENOSPC for %#llx bytes aligned %#llx, the model has a fit",
			     (unsigned long long)len, (unsigned long long)align);
		expect_rc(rc, want ? want : -ENOSPC, exhausted);
		return;
	}
	if (rc) {
		expect_rc(rc, 0, exhausted);
		return;
	}
	if (fvt_model_span(&z.m, addr, len, &first, &n) || fit != first + 1)
		fail("fv_alloc gave %#llx for %#llx bytes aligned %#llx, lowest fit is unit %lld",
		     (unsigned long long)addr, (unsigned long long)len,
		     (unsigned long long)align, (long long)fit - 1);
	if (fv_lookup(&z.a, addr, &r))
		fail("new range at %#llx not found", (unsigned long long)addr);
	adopt_id(r.range);
	fvt_model_alloc(&z.m, d, first, n, rights, r.range);
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
	int rc, want, exhausted;
	u32 rights;

	pick_span(from, &addr, &len);
	b = in8();
	rights = 0;
	if (b < 160 && !fvt_model_span(&z.m, addr, len, &first, &n))
		rights = z.m.rights[first][from] & (1 + b % 7);
	if (!rights)
		rights = pick_rights();
	op_begin();
	rc = fv_share(&z.a, &z.d[from], &z.d[to], addr, len, rights);
	exhausted = op_end();
	trace("%lu share d%u->d%u %#llx+%#llx rights %#x -> %d\n", z.step,
	      from, to, (unsigned long long)addr, (unsigned long long)len,
	      rights, rc);
	count(K_SHARE, rc);
	want = fvt_model_share(&z.m, from, to, addr, len, rights);
	expect_rc(rc, want, exhausted);
}

static void op_release(void)
{
	unsigned int d = in8() % FVZ_NDOM;
	int rc, want, exhausted;
	u64 addr, len;

	pick_span(d, &addr, &len);
	op_begin();
	rc = fv_release(&z.a, &z.d[d], addr, len, released_cb, NULL);
	exhausted = op_end();
	trace("%lu release d%u %#llx+%#llx -> %d\n", z.step, d,
	      (unsigned long long)addr, (unsigned long long)len, rc);
	count(K_RELEASE, rc);
	want = fvt_model_release(&z.m, d, addr, len, z.freed_model);
	expect_rc(rc, want, exhausted);
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
	fvt_model_release_all(&z.m, d, z.freed_model);
	compare_released();
	if (fv_domain_init(&z.a, &z.d[d], dom_id[d]))
		fail("fv_domain_init() failed");
}

/*
 * Which holds fv_domain_release_some() drops is the core's choice: the
 * model drops every extent of @d the core no longer shows, and there must
 * be min(budget, holds) of them.  It needs no record: fault injection
 * must not make it fail.
 */
static void op_release_some(void)
{
	unsigned int d = in8() % FVZ_NDOM;
	u64 budget = in8() % 6, p, dropped = 0;
	struct fvt_model_stats ms;
	struct fv_lookup_result r;
	int more;

	fvt_model_stats(&z.m, &ms);
	op_begin();
	more = fv_domain_release_some(&z.a, &z.d[d], budget, released_cb,
				      NULL);
	op_end();
	trace("%lu release_some d%u budget %llu -> %d\n", z.step, d,
	      (unsigned long long)budget, more);
	count(K_RELEASE_SOME, more);
	for (p = 0; p < z.m.n; p++) {
		if (!z.m.rights[p][d] ||
		    fv_rights(&z.a, &z.d[d], unit_addr(p), &r) != -ENOENT)
			continue;
		fvt_model_drop_extent(&z.m, d, p, z.freed_model);
		dropped++;
	}
	compare_released();
	if (dropped != (budget < ms.dom_nholds[d] ? budget : ms.dom_nholds[d]) ||
	    more != (ms.dom_nholds[d] > budget))
		fail("release_some(budget %llu) of %llu holds dropped %llu, returned %d",
		     (unsigned long long)budget,
		     (unsigned long long)ms.dom_nholds[d],
		     (unsigned long long)dropped, more);
}

static void op_holds_all(void)
{
	unsigned int d = in8() % FVZ_NDOM;
	u32 rights = in8() % 16;
	u64 addr, len;
	int rc, want;

	pick_span(d, &addr, &len);
	op_begin();
	rc = fv_holds_all(&z.a, &z.d[d], addr, len, rights);
	op_end();
	trace("%lu holds_all d%u %#llx+%#llx rights %#x -> %d\n", z.step, d,
	      (unsigned long long)addr, (unsigned long long)len, rights, rc);
	count(K_HOLDS_ALL, rc);
	want = fvt_model_holds_all(&z.m, d, addr, len, rights);
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
	want = fvt_model_rights_cover(&z.m, d, to, addr, len);
	if (want == -EDOM)
		fail("fuzzer bug: a valid span off the unit grid");
	if (rc != want)
		fail("fv_rights_cover returned %d, model says %d", rc, want);
}

/* A probe; the look-ups take no record, so no -ENOMEM either. */
static void op_probe(unsigned int kind)
{
	unsigned int d = 0;
	u64 addr = pick_addr();
	int bad;

	if (kind == K_RIGHTS)
		d = in8() % FVZ_NDOM;
	op_begin();
	if (kind == K_LOOKUP)
		bad = fvt_model_check_lookup(&z.m, &z.a, addr, z.msg,
					     sizeof(z.msg));
	else if (kind == K_RIGHTS)
		bad = fvt_model_check_rights(&z.m, &z.a, &z.d[d], d, addr,
					     z.msg, sizeof(z.msg));
	else
		bad = fvt_model_check_piece(&z.m, &z.a, addr, z.msg,
					    sizeof(z.msg));
	op_end();
	if (bad)
		fail("%s", z.msg);
	count(kind, 0);
}

/* One operation; bits 5-7 of its byte all set arm fault injection. */
static void run_op(u8 b)
{
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
	case 13 ... 17:
		z.op = "release";
		op_release();
		break;
	case 18:
		z.op = "release_some";
		op_release_some();
		break;
	case 19:
		z.op = "release_all";
		op_release_all();
		break;
	case 20 ... 22:
		z.op = "lookup";
		op_probe(K_LOOKUP);
		break;
	case 23 ... 24:
		z.op = "rights";
		op_probe(K_RIGHTS);
		break;
	case 25 ... 26:
		z.op = "holds_all";
		op_holds_all();
		break;
	case 27:
		z.op = "range_piece";
		op_probe(K_PIECE);
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
	fvt_model_init(&z.m, base, n, shift);
	rc = fv_arena_init(&z.a, base << FV_PAGE_SHIFT, wpages << FV_PAGE_SHIFT);
	if (rc)
		fail("fv_arena_init(page %#llx, %llu pages) returned %d",
		     (unsigned long long)base, (unsigned long long)wpages, rc);
	for (d = 0; d < FVZ_NDOM; d++) {
		if (fv_domain_init(&z.a, &z.d[d], dom_id[d]))
			fail("fv_domain_init() failed");
		z.doms[d] = &z.d[d];
	}
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
	z.nranges = 0;
	fvt_fault_disarm();
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
		fvt_model_release_all(&z.m, d, z.freed_model);
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
