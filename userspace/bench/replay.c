// SPDX-License-Identifier: GPL-2.0
/*
 * Replay engine of the benchmark (see replay.h).
 *
 * The engine keeps, per range, what the allocating process still holds (a
 * sorted list of page runs, cut by `p` and emptied by `f`) and, per sharer,
 * what it was given, so that every allocator is asked to release exactly
 * what the trace releases, and never pages that went back to the pool and
 * may belong to another range by now.  This bookkeeping is outside the
 * timed regions: only the allocator calls are timed, with the time stamp
 * counter (clock_gettime() elsewhere), minus the cost of reading it.
 *
 * flatvm runs the full engine: one fv_domain per process token; `f`/`p` are
 * fv_release() by the allocating process, `s` fv_share(), `d` fv_release()
 * by the sharer, `q` fv_rights().  Baselines treat `s`, `d`, `q` as no-ops
 * and `f`/`p` as the last holder's release.
 */
#define _POSIX_C_SOURCE 200809L
#include <string.h>
#include <time.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include "fv_core.h"
#include "fv_host.h"
#include "replay.h"

struct piece {
	u64 start;
	u64 end;
};

/* Sorted, disjoint page runs: the first inline, the others in @more. */
struct pieces {
	u32 n;
	u32 cap;	/* slots in @more */
	struct piece one;
	struct piece *more;
};

struct sharer {
	u32 proc;
	u32 rights;	/* FV_* */
	struct pieces held;
};

enum id_state { ID_NEW, ID_LIVE, ID_FAILED, ID_GONE };

struct idrt {
	u32 state;
	u32 owner;
	u32 nsh;
	u64 start;
	u64 npages;
	struct pieces own;
	struct sharer *sh;
};

struct engine {
	const struct trace *t;
	const struct alloc_desc *ad;
	const struct run_cfg *cfg;
	struct run_result *res;
	struct idrt *ids;
	u64 live;
	u64 tick_ovh;
	struct piece *out;	/* runs to release, scratch */
	u64 nout;
	u64 outcap;
	/* baseline */
	void *bl;
	/* flatvm */
	struct fv_arena *arena;
	struct fv_domain *doms;
	double sample_secs;	/* spent in sample(): not the allocator's */
	u64 last_range;		/* smoke: id of the newest flatvm range */
	/* smoke */
	u8 *shadow;
	u64 shadow_used;
};

static double ns_per_tick = 1.0;
static u64 tick_overhead;

static inline u64 ticks(void)
{
#if defined(__x86_64__)
	u64 t;

	_mm_lfence();
	t = __rdtsc();
	_mm_lfence();
	return t;
#else
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
#endif
}

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void replay_clock_init(void)
{
	double w0, w1;
	u64 t0, t1, best = ~(u64)0;
	int i;

	w0 = wall();
	t0 = ticks();
	do {
		w1 = wall();
	} while (w1 - w0 < 0.2);
	t1 = ticks();
	ns_per_tick = (w1 - w0) * 1e9 / (double)(t1 - t0);
	for (i = 0; i < 10000; i++) {
		t0 = ticks();
		t1 = ticks();
		if (t1 - t0 < best)
			best = t1 - t0;
	}
	tick_overhead = best;
}

double replay_ns_per_tick(void)
{
	return ns_per_tick;
}

static void fail(struct engine *e, const char *fmt, u64 a, u64 b)
{
	if (e->res->status == RUN_BROKEN)
		return;
	e->res->status = RUN_BROKEN;
	snprintf(e->res->why, sizeof(e->res->why), fmt,
		 (unsigned long long)a, (unsigned long long)b);
}

/* ---- page runs ---- */

static struct piece *pc_at(struct pieces *p, u32 i)
{
	return i ? &p->more[i - 1] : &p->one;
}

static void pc_push(struct pieces *p, u64 start, u64 end)
{
	struct piece *more;

	if (p->n && p->n - 1 == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 2;
		more = bl_xmalloc(p->cap * sizeof(*more));
		if (p->n > 1)
			memcpy(more, p->more, (p->n - 1) * sizeof(*more));
		free(p->more);
		p->more = more;
	}
	pc_at(p, p->n)->start = start;
	pc_at(p, p->n)->end = end;
	p->n++;
}

static void pc_clear(struct pieces *p)
{
	free(p->more);
	memset(p, 0, sizeof(*p));
}

static void out_push(struct engine *e, u64 start, u64 end)
{
	if (e->nout == e->outcap) {
		e->outcap = e->outcap ? e->outcap * 2 : 16;
		e->out = realloc(e->out, e->outcap * sizeof(*e->out));
		if (!e->out) {
			fprintf(stderr, "fvbench: out of memory\n");
			exit(2);
		}
	}
	e->out[e->nout].start = start;
	e->out[e->nout].end = end;
	e->nout++;
}

/* Removes [start, end) from @p; the runs removed go to e->out. */
static void pc_cut(struct engine *e, struct pieces *p, u64 start, u64 end)
{
	struct pieces keep = { 0 };
	struct piece *q;
	u32 i;

	e->nout = 0;
	for (i = 0; i < p->n; i++) {
		q = pc_at(p, i);
		if (q->end <= start || q->start >= end) {
			pc_push(&keep, q->start, q->end);
			continue;
		}
		if (q->start < start)
			pc_push(&keep, q->start, start);
		out_push(e, q->start > start ? q->start : start,
			 q->end < end ? q->end : end);
		if (end < q->end)
			pc_push(&keep, end, q->end);
	}
	pc_clear(p);
	*p = keep;
}

/* ---- shadow map (smoke mode) ---- */

static void shadow_take(struct engine *e, u64 start, u64 npages)
{
	u64 i;

	if (!e->shadow)
		return;
	if (start < e->cfg->base || npages > e->cfg->npages ||
	    start - e->cfg->base > e->cfg->npages - npages) {
		fail(e, "range at page %llu of %llu pages is outside the window",
		     start, npages);
		return;
	}
	for (i = start - e->cfg->base; i < start - e->cfg->base + npages; i++) {
		if (e->shadow[i]) {
			fail(e, "page %llu handed out twice (range of %llu pages)",
			     i + e->cfg->base, npages);
			return;
		}
		e->shadow[i] = 1;
	}
	e->shadow_used += npages;
}

static void shadow_give(struct engine *e, u64 start, u64 npages)
{
	u64 i;

	if (!e->shadow)
		return;
	if (start < e->cfg->base || npages > e->cfg->npages ||
	    start - e->cfg->base > e->cfg->npages - npages) {
		fail(e, "run at page %llu of %llu pages freed outside the window",
		     start, npages);
		return;
	}
	for (i = start - e->cfg->base; i < start - e->cfg->base + npages; i++) {
		if (!e->shadow[i]) {
			fail(e, "page %llu freed but not allocated (run of %llu)",
			     i + e->cfg->base, npages);
			return;
		}
		e->shadow[i] = 0;
	}
	e->shadow_used -= npages;
}

/* fv_released_fn of the flatvm runs. */
static void fv_released(void *ctx, u64 addr, u64 len, u64 range)
{
	struct engine *e = ctx;

	(void)range;
	if (e->shadow)
		shadow_give(e, addr >> FV_PAGE_SHIFT, len >> FV_PAGE_SHIFT);
}

/* ---- allocator calls ---- */

static inline void account(struct engine *e, int kind, u64 t0, u64 t1)
{
	u64 d = t1 - t0;

	e->res->ticks[kind] += d > e->tick_ovh ? d - e->tick_ovh : 0;
}

static u32 fv_rights_of(u32 r)
{
	return (r & TR_READ ? FV_READ : 0) | (r & TR_WRITE ? FV_WRITE : 0) |
	       (r & TR_EXEC ? FV_EXEC : 0);
}

/*
 * Smoke, flatvm: a new range is one extent, found by fv_lookup() and
 * fv_range_piece(), with an id no other range had just before.  Counted,
 * not fatal, so that the other checks go on.
 */
static void check_new_range(struct engine *e, u64 addr, u64 len)
{
	struct fv_lookup_result lr;
	u64 start, plen;

	if (fv_lookup(e->arena, addr, &lr) || lr.ext_start != addr ||
	    lr.ext_len != len || lr.nholders != 1 ||
	    (e->res->count[OP_A] > 1 && lr.range == e->last_range) ||
	    fv_range_piece(e->arena, addr, &start, &plen) || start != addr ||
	    plen != len)
		e->res->bad_lookups++;
	e->last_range = lr.range;
}

static void do_alloc(struct engine *e, const struct trace_op *op,
		     struct idrt *id)
{
	u64 t0, t1, start = 0, addr = 0;
	int rc;

	if (e->bl) {
		t0 = ticks();
		rc = e->ad->bl->alloc(e->bl, op->x, op->y, &start);
		t1 = ticks();
	} else {
		t0 = ticks();
		rc = fv_alloc(e->arena, &e->doms[op->proc],
			      op->x << FV_PAGE_SHIFT,
			      op->y > 1 ? op->y << FV_PAGE_SHIFT : 0,
			      FV_READ | FV_WRITE, &addr);
		t1 = ticks();
		start = addr >> FV_PAGE_SHIFT;
	}
	account(e, OP_A, t0, t1);
	e->res->count[OP_A]++;
	if (rc) {
		id->state = ID_FAILED;
		if (rc == -ENOSPC)
			e->res->failed_allocs++;
		else
			e->res->errors++;
		return;
	}
	if (start & (op->y - 1))
		fail(e, "range at page %llu misses its alignment of %llu pages",
		     start, op->y);
	e->res->addr_hash = (e->res->addr_hash ^ (start * 0x9e3779b97f4a7c15ull +
						 op->id)) * 0x100000001b3ull;
	id->state = ID_LIVE;
	id->owner = op->proc;
	id->start = start;
	id->npages = op->x;
	pc_push(&id->own, start, start + op->x);
	e->live++;
	if (e->live > e->res->peak_live)
		e->res->peak_live = e->live;
	shadow_take(e, start, op->x);
	if (e->cfg->smoke && !e->bl)
		check_new_range(e, addr, op->x << FV_PAGE_SHIFT);
}

/* Releases e->out[] on behalf of @proc (the owner or a sharer). */
static void release_out(struct engine *e, int kind, u32 proc)
{
	u64 t0, t1, i;
	int rc = 0;

	if (e->bl) {
		t0 = ticks();
		for (i = 0; i < e->nout; i++)
			e->ad->bl->release(e->bl, e->out[i].start,
					   e->out[i].end - e->out[i].start);
		t1 = ticks();
		for (i = 0; i < e->nout; i++)
			shadow_give(e, e->out[i].start,
				    e->out[i].end - e->out[i].start);
	} else {
		t0 = ticks();
		for (i = 0; i < e->nout; i++)
			rc |= fv_release(e->arena, &e->doms[proc],
					 e->out[i].start << FV_PAGE_SHIFT,
					 (e->out[i].end - e->out[i].start)
					 << FV_PAGE_SHIFT, fv_released, e);
		t1 = ticks();
	}
	account(e, kind, t0, t1);
	e->res->count[kind]++;
	if (rc)
		e->res->errors++;
}

static void maybe_gone(struct engine *e, struct idrt *id)
{
	if (id->own.n || id->nsh)
		return;
	id->state = ID_GONE;
	e->live--;
}

static void do_share(struct engine *e, const struct trace_op *op,
		     struct idrt *id)
{
	u32 owner = id->owner;
	struct sharer *sh;
	u64 t0, t1;
	u32 i;
	int rc = 0;

	for (i = 0; i < id->nsh; i++)
		if (id->sh[i].proc == op->proc)
			return;
	if (op->proc == owner || !id->own.n)
		return;
	if (!e->bl) {
		t0 = ticks();
		for (i = 0; i < id->own.n; i++) {
			struct piece *q = pc_at(&id->own, i);

			rc |= fv_share(e->arena, &e->doms[owner],
				       &e->doms[op->proc],
				       q->start << FV_PAGE_SHIFT,
				       (q->end - q->start) << FV_PAGE_SHIFT,
				       fv_rights_of(op->rights));
		}
		t1 = ticks();
		account(e, OP_S, t0, t1);
		e->res->count[OP_S]++;
		if (rc) {
			e->res->errors++;
			return;
		}
	}
	sh = realloc(id->sh, (id->nsh + 1) * sizeof(*sh));
	if (!sh) {
		fprintf(stderr, "fvbench: out of memory\n");
		exit(2);
	}
	id->sh = sh;
	sh = &id->sh[id->nsh++];
	memset(sh, 0, sizeof(*sh));
	sh->proc = op->proc;
	sh->rights = fv_rights_of(op->rights);
	for (i = 0; i < id->own.n; i++)
		pc_push(&sh->held, pc_at(&id->own, i)->start,
			pc_at(&id->own, i)->end);
}

static void do_drop(struct engine *e, const struct trace_op *op,
		    struct idrt *id)
{
	struct sharer *sh = NULL;
	u32 i;

	for (i = 0; i < id->nsh; i++)
		if (id->sh[i].proc == op->proc)
			sh = &id->sh[i];
	if (!sh)
		return;
	if (!e->bl) {
		e->nout = 0;
		for (i = 0; i < sh->held.n; i++)
			out_push(e, pc_at(&sh->held, i)->start,
				 pc_at(&sh->held, i)->end);
		release_out(e, OP_D, op->proc);
	}
	pc_clear(&sh->held);
	*sh = id->sh[--id->nsh];
	maybe_gone(e, id);
}

static int pc_has(struct pieces *p, u64 page)
{
	u32 i;

	for (i = 0; i < p->n; i++)
		if (pc_at(p, i)->start <= page && page < pc_at(p, i)->end)
			return 1;
	return 0;
}

/* Smoke: the rights the trace says @proc has on @page of @id, 0 if none. */
static u32 expected_rights(struct idrt *id, u32 proc, u64 page)
{
	u32 i;

	if (proc == id->owner && pc_has(&id->own, page))
		return FV_READ | FV_WRITE;
	for (i = 0; i < id->nsh; i++)
		if (id->sh[i].proc == proc && pc_has(&id->sh[i].held, page))
			return id->sh[i].rights;
	return 0;
}

static void do_query(struct engine *e, const struct trace_op *op,
		     struct idrt *id)
{
	struct fv_lookup_result lr;
	u64 t0, t1;
	u32 want;
	int rc;

	if (e->bl)
		return;
	t0 = ticks();
	rc = fv_rights(e->arena, &e->doms[op->proc],
		       (id->start + op->x) << FV_PAGE_SHIFT, &lr);
	t1 = ticks();
	account(e, OP_Q, t0, t1);
	e->res->count[OP_Q]++;
	if (e->cfg->smoke) {
		want = expected_rights(id, op->proc, id->start + op->x);
		if (want ? rc || (lr.rights & FV_RIGHTS_MASK) != want :
			   rc != -ENOENT)
			e->res->bad_lookups++;
	}
}

/* ---- measuring ---- */

static void sample(struct engine *e, int frag)
{
	struct bl_stats bs;
	struct fv_stats fs;
	u64 freep, largest, meta, segs;
	double f;

	if (e->bl) {
		if (!frag)
			return;
		e->ad->bl->stats(e->bl, &bs);
		freep = bs.free_pages;
		largest = bs.largest;
		e->res->peak_meta = bs.meta_peak;
	} else {
		fv_stats(e->arena, &fs);
		freep = fs.free_bytes >> FV_PAGE_SHIFT;
		largest = fs.largest_free >> FV_PAGE_SHIFT;
		meta = fs.metadata_bytes + sizeof(*e->arena) +
		       e->t->nprocs * sizeof(*e->doms);
		if (meta > e->res->peak_meta)
			e->res->peak_meta = meta;
		segs = fs.nfree + fs.nextents;
		if (segs && (double)fs.metadata_bytes / segs > e->res->meta_per_seg)
			e->res->meta_per_seg = (double)fs.metadata_bytes / segs;
		if (!frag)
			return;
	}
	if (e->shadow && freep != e->cfg->npages - e->shadow_used)
		fail(e, "allocator counts %llu free pages, shadow %llu", freep,
		     e->cfg->npages - e->shadow_used);
	if (!freep)
		return;
	f = (double)largest / (double)freep;
	if (f < e->res->frag_min)
		e->res->frag_min = f;
	e->res->frag_end = f;
}

/* ---- set-up and tear-down ---- */

static int engine_start(struct engine *e)
{
	u32 i;

	e->ids = calloc(e->t->nids, sizeof(*e->ids));
	if (!e->ids)
		return -ENOMEM;
	if (e->cfg->smoke) {
		e->shadow = calloc(e->cfg->npages, 1);
		if (!e->shadow)
			return -ENOMEM;
	}
	if (e->ad->bl) {
		if (e->ad->bl->max_pages && e->cfg->npages > e->ad->bl->max_pages)
			return -E2BIG;
		e->bl = e->ad->bl->create(e->cfg->base, e->cfg->npages);
		return e->bl ? 0 : -ENOMEM;
	}
	e->arena = malloc(sizeof(*e->arena));
	e->doms = calloc(e->t->nprocs, sizeof(*e->doms));
	if (!e->arena || !e->doms)
		return -ENOMEM;
	if (fv_arena_init(e->arena, e->cfg->base << FV_PAGE_SHIFT,
			  e->cfg->npages << FV_PAGE_SHIFT)) {
		free(e->arena);
		e->arena = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < e->t->nprocs; i++)
		fv_domain_init(e->arena, &e->doms[i], (u64)i + 1);
	return 0;
}

static void engine_stop(struct engine *e)
{
	u32 i, j;

	if (e->ids) {
		for (i = 0; i < e->t->nids; i++) {
			pc_clear(&e->ids[i].own);
			for (j = 0; j < e->ids[i].nsh; j++)
				pc_clear(&e->ids[i].sh[j].held);
			free(e->ids[i].sh);
		}
	}
	free(e->ids);
	if (e->bl)
		e->ad->bl->destroy(e->bl);
	if (e->arena) {
		for (i = 0; i < e->t->nprocs; i++)
			fv_domain_release_all(e->arena, &e->doms[i],
					      fv_released, e);
		fv_arena_destroy(e->arena);
		free(e->arena);
		if (e->cfg->smoke && e->shadow_used)
			fail(e, "%llu pages still allocated after every domain "
			     "left (%llu)", e->shadow_used, 0);
		if (e->cfg->smoke && fv_host_live(FV_REC_NR_KINDS))
			fail(e, "leak: %llu records live",
			     (u64)fv_host_live(FV_REC_NR_KINDS), 0);
	}
	free(e->doms);
	free(e->shadow);
	free(e->out);
}

/*
 * Gives up when the run took longer than the budget, or when, a twentieth
 * of the way in, its pace so far already projects past it.  @secs leaves
 * out the time spent measuring fragmentation.
 */
static void check_budget(struct engine *e, u64 done, double secs)
{
	u64 nops = e->t->nops;
	double projected = secs * (double)nops / (double)done;

	if (secs <= e->cfg->budget &&
	    (done < nops / 20 || projected <= e->cfg->budget))
		return;
	e->res->status = RUN_TIMEOUT;
	snprintf(e->res->why, sizeof(e->res->why),
		 "over the %.0f s budget: %.0f s for %llu of %llu ops%s",
		 e->cfg->budget, secs, (unsigned long long)done,
		 (unsigned long long)nops,
		 secs <= e->cfg->budget ? " (pace so far)" : "");
}

void replay(const struct trace *t, const struct alloc_desc *ad,
	    const struct run_cfg *cfg, struct run_result *res)
{
	struct engine e = { .t = t, .ad = ad, .cfg = cfg, .res = res };
	const struct trace_op *op;
	struct idrt *id;
	double w0 = wall();
	u64 i, every = cfg->sample_every ? cfg->sample_every : 1;
	int err;

	memset(res, 0, sizeof(*res));
	res->frag_min = 1.0;
	res->frag_end = 1.0;
	e.tick_ovh = tick_overhead;
	err = engine_start(&e);
	if (err) {
		res->status = err == -E2BIG ? RUN_UNSUPPORTED : RUN_BROKEN;
		snprintf(res->why, sizeof(res->why), "%s",
			 err == -E2BIG ? "window too large for it" :
			 "out of memory at set-up");
		engine_stop(&e);
		return;
	}
	for (i = 0; i < t->nops && res->status == RUN_DONE; i++) {
		op = &t->ops[i];
		id = &e.ids[op->id];
		if (op->kind == OP_A) {
			do_alloc(&e, op, id);
		} else if (id->state == ID_LIVE) {
			switch (op->kind) {
			case OP_F:
				pc_cut(&e, &id->own, 0, ~(u64)0);
				release_out(&e, OP_F, id->owner);
				maybe_gone(&e, id);
				break;
			case OP_P:
				pc_cut(&e, &id->own, id->start + op->x,
				       id->start + op->x + op->y);
				release_out(&e, OP_P, id->owner);
				maybe_gone(&e, id);
				break;
			case OP_S:
				do_share(&e, op, id);
				break;
			case OP_D:
				do_drop(&e, op, id);
				break;
			case OP_Q:
				do_query(&e, op, id);
				break;
			}
		}
		if (cfg->measure && i % every == 0) {
			double s0 = wall();

			sample(&e, 1);
			e.sample_secs += wall() - s0;
		} else if (cfg->measure) {
			sample(&e, 0);
		}
		if (cfg->smoke && !e.bl && i % 1024 == 1023 &&
		    fv_check(e.arena))
			fail(&e, "fv_check failed after line %llu of %llu",
			     i + 1, t->nops);
		if (cfg->budget && i % 4096 == 4095)
			check_budget(&e, i + 1, wall() - w0 - e.sample_secs);
	}
	res->ops_done = i;
	if (cfg->measure && res->status == RUN_DONE)
		sample(&e, 1);
	if (cfg->smoke && !e.bl && res->status == RUN_DONE &&
	    fv_check(e.arena))
		fail(&e, "fv_check failed at the end (%llu ops, %llu)", i, 0);
	res->seconds = wall() - w0 - e.sample_secs;
	engine_stop(&e);
}
