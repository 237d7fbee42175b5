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
 * Full engines (full.h) get every operation: one domain per process token;
 * `a` alloc with read/write, `f`/`p` release by the allocating process of
 * what it still holds, `s` share with the rights given, `d` release by the
 * sharer, `q` the rights look-up of the process named.  Baselines treat
 * `s`, `d`, `q` as no-ops and `f`/`p` as the last holder's release.
 *
 * Metadata: each replay starts with fv_slab's caches emptied and its peaks
 * restarted, so fv_slab's peak of live bytes at the end is the allocator's
 * (the replayer's own bookkeeping uses malloc).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include "fv_slab.h"
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
	u32 outlived;	/* the owner released pages a sharer still holds */
	u64 start;
	u64 npages;
	struct pieces own;
	struct sharer *sh;
};

/* Smoke: the engine's range ids -> trace ids (open addressing). */
struct idmap {
	u64 *keys;
	u32 *vals;
	u64 cap;	/* a power of two */
	u64 n;
};

struct engine {
	const struct trace *t;
	const struct alloc_desc *ad;
	const struct full_ops *full;
	const struct run_cfg *cfg;
	struct run_result *res;
	struct idrt *ids;
	u64 live;
	u64 tick_ovh;
	struct piece *out;	/* runs to release, scratch */
	u64 nout;
	u64 outcap;
	void *bl;		/* baseline */
	void *fe;		/* full engine */
	double sample_secs;	/* spent in sample(): not the allocator's */
	u64 outlived;		/* ranges with idrt.outlived set */
	u64 slab_live0;		/* fv_slab's live objects before the run */
	/* smoke */
	uint8_t *shadow;
	u64 shadow_used;
	struct op_log *log;	/* the entry of the current line, or NULL */
	struct idmap ranges;
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

/*
 * Marks [start, start + npages) @taken (1) or given back (0) in the shadow
 * map; fails the run when the run leaves the window or a page of it is so
 * already.
 */
static void shadow_set(struct engine *e, u64 start, u64 npages, int taken)
{
	u64 i;

	if (!e->shadow)
		return;
	if (start < e->cfg->base || npages > e->cfg->npages ||
	    start - e->cfg->base > e->cfg->npages - npages) {
		fail(e, taken ?
		     "range at page %llu of %llu pages is outside the window" :
		     "run at page %llu of %llu pages freed outside the window",
		     start, npages);
		return;
	}
	for (i = start - e->cfg->base; i < start - e->cfg->base + npages; i++) {
		if (e->shadow[i] == taken) {
			fail(e, taken ?
			     "page %llu handed out twice (range of %llu pages)" :
			     "page %llu freed but not allocated (run of %llu)",
			     i + e->cfg->base, npages);
			return;
		}
		e->shadow[i] = (uint8_t)taken;
	}
	if (taken)
		e->shadow_used += npages;
	else
		e->shadow_used -= npages;
}

/* full_released_fn of the full engines. */
static void released(void *ctx, uint64_t start, uint64_t npages)
{
	struct engine *e = ctx;

	shadow_set(e, start, npages, 0);
	if (e->log)
		e->log->freed += npages;
}

/* ---- smoke: engine range ids -> trace ids ---- */

static u64 idmap_slot(const struct idmap *m, u64 key)
{
	u64 i = (key * 0x9e3779b97f4a7c15ull) & (m->cap - 1);

	while (m->keys[i] != ~(u64)0 && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void idmap_grow(struct idmap *m)
{
	struct idmap old = *m;
	u64 i, j;

	m->cap = m->cap ? m->cap * 2 : 1024;
	m->keys = malloc(m->cap * sizeof(*m->keys));
	m->vals = malloc(m->cap * sizeof(*m->vals));
	if (!m->keys || !m->vals) {
		fprintf(stderr, "fvbench: out of memory\n");
		exit(2);
	}
	memset(m->keys, 0xff, m->cap * sizeof(*m->keys));
	for (i = 0; i < old.cap; i++) {
		if (old.keys[i] == ~(u64)0)
			continue;
		j = idmap_slot(m, old.keys[i]);
		m->keys[j] = old.keys[i];
		m->vals[j] = old.vals[i];
	}
	free(old.keys);
	free(old.vals);
}

/* 0, or -1 when @key is there already (the engine reused a range id). */
static int idmap_put(struct idmap *m, u64 key, u32 val)
{
	u64 i;

	if (2 * (m->n + 1) > m->cap)
		idmap_grow(m);
	i = idmap_slot(m, key);
	if (m->keys[i] == key)
		return -1;
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
	return 0;
}

/* The trace id of the engine's range @key, or ~0 when unknown. */
static u32 idmap_get(const struct idmap *m, u64 key)
{
	u64 i;

	if (!m->cap)
		return ~(u32)0;
	i = idmap_slot(m, key);
	return m->keys[i] == key ? m->vals[i] : ~(u32)0;
}

/* ---- allocator calls ---- */

static inline void account(struct engine *e, int kind, u64 t0, u64 t1)
{
	u64 d = t1 - t0;

	e->res->ticks[kind] += d > e->tick_ovh ? d - e->tick_ovh : 0;
}

static u32 rights_of(u32 r)
{
	return (r & TR_READ ? FULL_READ : 0) | (r & TR_WRITE ? FULL_WRITE : 0) |
	       (r & TR_EXEC ? FULL_EXEC : 0);
}

/*
 * Smoke, full engines: a new range is one extent with one holder, whose id
 * no range had before (recorded for the `q` answers).  Counted, not fatal,
 * so that the other checks go on.
 */
static void check_new_range(struct engine *e, const struct trace_op *op,
			    u64 start)
{
	struct full_lookup lr;

	if (e->full->rights(e->fe, op->proc, start, &lr) ||
	    lr.ext_start != start || lr.ext_pages != op->x ||
	    lr.nholders != 1 || lr.rights != (FULL_READ | FULL_WRITE) ||
	    idmap_put(&e->ranges, lr.range, op->id))
		e->res->bad_lookups++;
}

static void do_alloc(struct engine *e, const struct trace_op *op,
		     struct idrt *id)
{
	u64 t0, t1, start = 0;
	int rc;

	if (e->bl) {
		t0 = ticks();
		rc = e->ad->bl->alloc(e->bl, op->x, op->y, &start);
		t1 = ticks();
	} else {
		t0 = ticks();
		rc = e->full->alloc(e->fe, op->proc, op->x, op->y,
				    FULL_READ | FULL_WRITE, &start);
		t1 = ticks();
	}
	account(e, OP_A, t0, t1);
	e->res->count[OP_A]++;
	if (e->outlived)
		e->res->allocs_outlived++;
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
	shadow_set(e, start, op->x, 1);
	if (e->log) {
		e->log->done = 1;
		e->log->start = start;
	}
	if (e->cfg->smoke && e->full)
		check_new_range(e, op, start);
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
			shadow_set(e, e->out[i].start,
				   e->out[i].end - e->out[i].start, 0);
	} else {
		t0 = ticks();
		for (i = 0; i < e->nout; i++)
			rc |= e->full->release(e->fe, proc, e->out[i].start,
					       e->out[i].end - e->out[i].start,
					       released, e);
		t1 = ticks();
	}
	account(e, kind, t0, t1);
	e->res->count[kind]++;
	if (rc)
		e->res->errors++;
}

/*
 * After the owner released e->out[]: does a sharer still hold some of it?
 * (A baseline took those pages back; a full engine keeps them.)
 */
static void note_outlived(struct engine *e, struct idrt *id)
{
	struct piece *q;
	u64 i;
	u32 j, k;

	for (i = 0; i < e->nout && !id->outlived; i++) {
		for (j = 0; j < id->nsh && !id->outlived; j++) {
			for (k = 0; k < id->sh[j].held.n; k++) {
				q = pc_at(&id->sh[j].held, k);
				if (q->start < e->out[i].end &&
				    e->out[i].start < q->end) {
					id->outlived = 1;
					e->outlived++;
					break;
				}
			}
		}
	}
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
	if (e->full) {
		t0 = ticks();
		for (i = 0; i < id->own.n; i++) {
			struct piece *q = pc_at(&id->own, i);

			rc |= e->full->share(e->fe, owner, op->proc, q->start,
					     q->end - q->start,
					     rights_of(op->rights));
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
	sh->rights = rights_of(op->rights);
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
	if (e->full) {
		e->nout = 0;
		for (i = 0; i < sh->held.n; i++)
			out_push(e, pc_at(&sh->held, i)->start,
				 pc_at(&sh->held, i)->end);
		release_out(e, OP_D, op->proc);
	}
	pc_clear(&sh->held);
	*sh = id->sh[--id->nsh];
	if (!id->nsh && id->outlived) {
		id->outlived = 0;
		e->outlived--;
	}
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
		return FULL_READ | FULL_WRITE;
	for (i = 0; i < id->nsh; i++)
		if (id->sh[i].proc == proc && pc_has(&id->sh[i].held, page))
			return id->sh[i].rights;
	return 0;
}

/* Smoke: checks a `q` answer against the trace and logs it. */
static void query_seen(struct engine *e, const struct trace_op *op,
		       struct idrt *id, int rc, const struct full_lookup *lr)
{
	u32 want = expected_rights(id, op->proc, id->start + op->x);
	struct op_log *l = e->log;
	u32 tid;

	tid = rc ? ~(u32)0 : idmap_get(&e->ranges, lr->range);
	/*
	 * Held in the trace: this range, these rights.  Not held: not held,
	 * or (the page having gone back to the pool) held in another range.
	 */
	if (want ? rc || tid != op->id || lr->rights != want
		 : !rc && (tid == op->id || tid == ~(u32)0))
		e->res->bad_lookups++;
	if (!l)
		return;
	l->q_held = rc ? 0 : tid == op->id ? 1 : 2;
	if (rc)
		return;
	l->q_id = tid;
	l->q_rights = lr->rights;
	l->q_nholders = lr->nholders;
	l->q_abs = lr->ext_start;
	l->q_len = lr->ext_pages;
	l->q_off = tid < e->t->nids ? lr->ext_start - e->ids[tid].start : 0;
}

static void do_query(struct engine *e, const struct trace_op *op,
		     struct idrt *id)
{
	struct full_lookup lr;
	u64 t0, t1;
	int rc;

	if (e->bl)
		return;
	t0 = ticks();
	rc = e->full->rights(e->fe, op->proc, id->start + op->x, &lr);
	t1 = ticks();
	account(e, OP_Q, t0, t1);
	e->res->count[OP_Q]++;
	if (e->cfg->smoke)
		query_seen(e, op, id, rc, &lr);
}

/* ---- measuring ---- */

static void sample(struct engine *e)
{
	struct bl_stats bs;
	struct full_stats fs;
	u64 freep, largest, segs;
	double f;

	if (e->bl) {
		e->ad->bl->stats(e->bl, &bs);
		freep = bs.free_pages;
		largest = bs.largest;
	} else {
		e->full->stats(e->fe, &fs);
		freep = fs.free_pages;
		largest = fs.largest;
		segs = fs.nfree + fs.nextents;
		if (segs && fs.record_bytes &&
		    (double)fs.record_bytes / segs > e->res->meta_per_seg)
			e->res->meta_per_seg = (double)fs.record_bytes / segs;
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
	struct fv_slab_counts c;

	e->ids = calloc(e->t->nids, sizeof(*e->ids));
	if (!e->ids)
		return -ENOMEM;
	if (e->cfg->smoke) {
		e->shadow = calloc(e->cfg->npages, 1);
		if (!e->shadow)
			return -ENOMEM;
	}
	/* Every allocator starts from empty caches, and its own peak. */
	fv_slab_shrink_all();
	fv_slab_reset_peaks();
	fv_slab_total(&c);
	e->slab_live0 = c.live;
	if (e->ad->bl) {
		if (e->ad->bl->max_pages && e->cfg->npages > e->ad->bl->max_pages)
			return -E2BIG;
		e->bl = e->ad->bl->create(e->cfg->base, e->cfg->npages);
		return e->bl ? 0 : -ENOMEM;
	}
	e->fe = e->full->create(e->cfg->base, e->cfg->npages, e->t->nprocs);
	return e->fe ? 0 : -ENOMEM;
}

static void engine_stop(struct engine *e)
{
	struct fv_slab_counts c;
	u32 i, j;

	fv_slab_total(&c);
	e->res->peak_meta = c.peak_bytes;
	if (e->ids) {
		for (i = 0; i < e->t->nids; i++) {
			pc_clear(&e->ids[i].own);
			for (j = 0; j < e->ids[i].nsh; j++)
				pc_clear(&e->ids[i].sh[j].held);
			free(e->ids[i].sh);
		}
	}
	free(e->ids);
	e->log = NULL;
	if (e->bl)
		e->ad->bl->destroy(e->bl);
	if (e->fe) {
		e->full->destroy(e->fe, released, e);
		if (e->cfg->smoke && e->shadow_used)
			fail(e, "%llu pages still allocated after every process "
			     "left (%llu)", e->shadow_used, 0);
	}
	fv_slab_total(&c);
	if (e->cfg->smoke && (e->bl || e->fe) && c.live != e->slab_live0)
		fail(e, "leak: %llu fv_slab objects live after the tear-down "
		     "(%llu before)", c.live, e->slab_live0);
	fv_slab_shrink_all();
	free(e->shadow);
	free(e->out);
	free(e->ranges.keys);
	free(e->ranges.vals);
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
	struct engine e = { .t = t, .ad = ad, .full = ad->full, .cfg = cfg,
			    .res = res };
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
	if (cfg->log)
		memset(cfg->log, 0, t->nops * sizeof(*cfg->log));
	for (i = 0; i < t->nops && res->status == RUN_DONE; i++) {
		op = &t->ops[i];
		id = &e.ids[op->id];
		e.log = cfg->log ? &cfg->log[i] : NULL;
		if (op->kind == OP_A) {
			do_alloc(&e, op, id);
		} else if (id->state == ID_LIVE) {
			if (e.log)
				e.log->done = 1;
			switch (op->kind) {
			case OP_F:
				pc_cut(&e, &id->own, 0, ~(u64)0);
				release_out(&e, OP_F, id->owner);
				note_outlived(&e, id);
				maybe_gone(&e, id);
				break;
			case OP_P:
				pc_cut(&e, &id->own, id->start + op->x,
				       id->start + op->x + op->y);
				release_out(&e, OP_P, id->owner);
				note_outlived(&e, id);
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

			sample(&e);
			e.sample_secs += wall() - s0;
		}
		if (cfg->smoke && e.fe && i % 1024 == 1023 &&
		    e.full->check(e.fe))
			fail(&e, "check failed after line %llu of %llu",
			     i + 1, t->nops);
		if (cfg->budget && i % 4096 == 4095)
			check_budget(&e, i + 1, wall() - w0 - e.sample_secs);
	}
	res->ops_done = i;
	if (cfg->measure && res->status == RUN_DONE)
		sample(&e);
	if (cfg->smoke && e.fe && res->status == RUN_DONE &&
	    e.full->check(e.fe))
		fail(&e, "check failed at the end (%llu ops, %llu)", i, 0);
	res->seconds = wall() - w0 - e.sample_secs;
	engine_stop(&e);
}
