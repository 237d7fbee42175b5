// SPDX-License-Identifier: GPL-2.0
/*
 * fvbench: replays one trace against the full engines (the flatvm core and
 * its same-job peers maple and kva) and the search-alone baselines, and
 * reports, per allocator, ns/op by kind (median over repetitions), failed
 * allocations, peak metadata per live range and fragmentation; ends with
 * the two summary lines of the workload (`bench`: a+f+p against the best
 * baseline; `bench-full`: every operation against the best peer).  With
 * --smoke it replays once per allocator under checks, compares the full
 * engines operation by operation, and reports pass/fail instead.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"

#define MAX_REPS	15
/* Fragmentation samples in a measuring run (plus one at the end). */
#define SAMPLES		128

enum { FLATVM, MAPLE, KVA, LIST, BITMAP, BUDDY2, BUDDY4, RBTREE, NALLOCS };

static const struct alloc_desc allocs[NALLOCS] = {
	[FLATVM] = { "flatvm", &full_flatvm_ops, NULL },
	[MAPLE] = { "maple", &full_maple_ops, NULL },
	[KVA] = { "kva", &full_kva_ops, NULL },
	[LIST] = { "list", NULL, &bl_list_ops },
	[BITMAP] = { "bitmap", NULL, &bl_bitmap_ops },
	[BUDDY2] = { "buddy2", NULL, &bl_buddy2_ops },
	[BUDDY4] = { "buddy4", NULL, &bl_buddy4_ops },
	[RBTREE] = { "rbtree", NULL, &bl_rbtree_ops },
};

/*
 * Does the flatvm core place ranges at the lowest fit, as maple, kva and the
 * rbtree baseline do?  Then the smoke run also checks its addresses against
 * theirs.  Today's core is a TLSF good fit: 0.  Set to 1 (or run with
 * FVBENCH_FLATVM_LOWEST_FIT=1 in the environment) for a lowest-fit core.
 */
#define FLATVM_LOWEST_FIT	1

struct opts {
	const char *trace;
	const char *name;
	const char *md;
	const char *csv;
	const char *summary;
	const char *only;
	u64 window;
	int reps;
	double budget;
	int smoke;
};

/* Everything known about one allocator on this trace. */
struct result {
	struct run_result m;		/* the measuring run */
	enum run_status status;
	char why[200];
	int reps;
	double ns[OP_NKINDS];		/* medians */
	double ns_afp;			/* median of the a+f+p mean */
	double ns_all;			/* median of the mean over every op */
};

static void usage(void)
{
	fprintf(stderr,
		"usage: fvbench [options] TRACE\n"
		"  --name NAME     workload name (default: file name without extension)\n"
		"  --reps N        timed repetitions, median reported (default 5)\n"
		"  --budget SEC    seconds per allocator run (default 120): a run\n"
		"                  gives up past it, or when its pace projects\n"
		"                  past it; repetitions stop when the next would\n"
		"                  end past it (at least one is run)\n"
		"  --window BYTES  window size, a power of two (default: automatic)\n"
		"  --only LIST     allocators to run, comma separated\n"
		"  --md FILE       append the Markdown section to FILE\n"
		"  --csv FILE      append CSV rows to FILE\n"
		"  --summary FILE  append the summary line to FILE\n"
		"  --smoke         check every allocator (shadow map, checkers,\n"
		"                  full engines compared op by op)\n");
	exit(2);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	char *end;
	int i;

	o->reps = 5;
	o->budget = 120;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--smoke")) {
			o->smoke = 1;
			continue;
		}
		if (a[0] != '-') {
			if (o->trace)
				usage();
			o->trace = a;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (!strcmp(a, "--name")) {
			o->name = v;
		} else if (!strcmp(a, "--md")) {
			o->md = v;
		} else if (!strcmp(a, "--csv")) {
			o->csv = v;
		} else if (!strcmp(a, "--summary")) {
			o->summary = v;
		} else if (!strcmp(a, "--only")) {
			o->only = v;
		} else if (!strcmp(a, "--reps")) {
			o->reps = (int)strtol(v, &end, 10);
			if (*end || o->reps < 1 || o->reps > MAX_REPS)
				usage();
		} else if (!strcmp(a, "--budget")) {
			o->budget = strtod(v, &end);
			if (*end || o->budget <= 0)
				usage();
		} else if (!strcmp(a, "--window")) {
			o->window = strtoull(v, &end, 10);
			if (*end || o->window < ((u64)1 << 24) ||
			    o->window > ((u64)1 << 47) ||
			    (o->window & (o->window - 1)))
				usage();
		} else {
			usage();
		}
	}
	return o->trace ? 0 : -1;
}

static int selected(const struct opts *o, const char *name)
{
	const char *p = o->only;
	size_t n = strlen(name);

	if (!p)
		return 1;
	while (p) {
		if (!strncmp(p, name, n) && (p[n] == ',' || !p[n]))
			return 1;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return 0;
}

/* Pages of the window: room for four times the peak, at least 1 GiB. */
static u64 auto_window(const struct trace *t)
{
	u64 want = t->peak_pages * 4, n = (u64)1 << 18;

	if (want < t->max_align * 2)
		want = t->max_align * 2;
	while (n < want && n < ((u64)1 << 35))
		n <<= 1;
	return n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double afp_ns(const struct run_result *r, double npt)
{
	u64 n = r->count[OP_A] + r->count[OP_F] + r->count[OP_P];

	return n ? (r->ticks[OP_A] + r->ticks[OP_F] + r->ticks[OP_P]) * npt / n
		 : 0;
}

static double all_ns(const struct run_result *r, double npt)
{
	u64 n = 0, ticks = 0;
	int k;

	for (k = 0; k < OP_NKINDS; k++) {
		n += r->count[k];
		ticks += r->ticks[k];
	}
	return n ? ticks * npt / n : 0;
}

static void bench_one(const struct trace *t, const struct alloc_desc *ad,
		      const struct opts *o, const struct run_cfg *base_cfg,
		      struct result *out)
{
	struct run_cfg cfg = *base_cfg;
	struct run_result r;
	double per[OP_NKINDS][MAX_REPS], afp[MAX_REPS], all[MAX_REPS], used, npt;
	int k, n = 0;

	npt = replay_ns_per_tick();
	memset(out, 0, sizeof(*out));
	cfg.measure = 1;
	cfg.sample_every = t->nops / SAMPLES + 1;
	cfg.budget = o->budget;
	/*
	 * The measuring run is the first repetition: its sampling happens
	 * between operations, outside the timed regions.  More repetitions
	 * follow while the next one would end within the budget.
	 */
	replay(t, ad, &cfg, &out->m);
	out->status = out->m.status;
	memcpy(out->why, out->m.why, sizeof(out->why));
	if (out->status != RUN_DONE)
		return;
	cfg.measure = 0;
	r = out->m;
	used = 0;
	for (;;) {
		used += r.seconds;
		for (k = 0; k < OP_NKINDS; k++)
			per[k][n] = r.count[k] ? r.ticks[k] * npt / r.count[k] : 0;
		afp[n] = afp_ns(&r, npt);
		all[n] = all_ns(&r, npt);
		n++;
		if (n == o->reps || used + r.seconds > o->budget)
			break;
		replay(t, ad, &cfg, &r);
		if (r.status != RUN_DONE)
			break;
	}
	out->reps = n;
	for (k = 0; k < OP_NKINDS; k++)
		out->ns[k] = median(per[k], n);
	out->ns_afp = median(afp, n);
	out->ns_all = median(all, n);
}

static void print_cell_ns(FILE *f, const struct result *r, int kind)
{
	if (!r->m.count[kind])
		fprintf(f, " - |");
	else
		fprintf(f, " %.1f |", r->ns[kind]);
}

static double meta_per_live(const struct result *r)
{
	return r->m.peak_live ? (double)r->m.peak_meta / r->m.peak_live : 0.0;
}

static void write_md(FILE *f, const char *name, const struct opts *o,
		     const struct trace *t, const struct run_cfg *cfg,
		     const struct result *res, const int *ran)
{
	const struct result *r;
	unsigned int i;
	int k;

	fprintf(f, "### %s\n\n", name);
	fprintf(f, "Trace `%s`: %llu operations (", o->trace,
		(unsigned long long)t->nops);
	for (k = 0; k < OP_NKINDS; k++)
		fprintf(f, "%s%c %llu", k ? ", " : "", op_letters[k],
			(unsigned long long)t->count[k]);
	fprintf(f, "), %u processes, window 2^%d pages (%.0f GiB).\n\n",
		t->nprocs, 63 - __builtin_clzll(cfg->npages),
		(double)cfg->npages / (1 << 18));
	fprintf(f, "| allocator | kind | **ns/op a+f+p** | **ns/op all** | a | f "
		"| p | s | d | q | reps | failed allocs | peak live | "
		"peak meta B/live range | frag min | frag end | notes |\n");
	fprintf(f, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
		"---:|---:|---:|---:|---|\n");
	for (i = 0; i < NALLOCS; i++) {
		if (!ran[i])
			continue;
		r = &res[i];
		fprintf(f, "| %s | %s |", allocs[i].name,
			allocs[i].full ? "full engine" : "search alone");
		if (r->status != RUN_DONE) {
			fprintf(f, " - | - | - | - | - | - | - | - | - | - | - "
				"| - | - | - | %s: %s |\n",
				r->status == RUN_TIMEOUT ? "not run to the end" :
				r->status == RUN_UNSUPPORTED ? "skipped" :
				"BROKEN", r->why);
			continue;
		}
		fprintf(f, " **%.1f** |", r->ns_afp);
		if (allocs[i].full)
			fprintf(f, " **%.1f** |", r->ns_all);
		else
			fprintf(f, " - |");
		for (k = 0; k < OP_NKINDS; k++)
			print_cell_ns(f, r, k);
		fprintf(f, " %d | %llu | %llu | %.1f | %.4f | %.4f |", r->reps,
			(unsigned long long)r->m.failed_allocs,
			(unsigned long long)r->m.peak_live, meta_per_live(r),
			r->m.frag_min, r->m.frag_end);
		if (r->m.meta_per_seg > 0)
			fprintf(f, " peak %.1f B of records/segment;",
				r->m.meta_per_seg);
		if (r->m.errors)
			fprintf(f, " %llu calls failed unexpectedly;",
				(unsigned long long)r->m.errors);
		fprintf(f, " |\n");
	}
	fprintf(f, "\nns/op: time inside allocator calls per trace operation, "
		"mean over the run, median over the repetitions (the first is the "
		"measuring run, whose sampling between operations is not timed). "
		"**ns/op a+f+p** covers allocation and release (`a`, `f`, `p`), "
		"which every allocator does; **ns/op all** covers every operation "
		"of the trace (`a f p s d q`), which only the full engines do "
		"(flatvm and its same-job peers maple and kva: holders, sharing, "
		"rights look-ups); the search-alone baselines treat `s`, `d`, `q` "
		"as no-ops. Peak meta: most bytes the allocator held at once in "
		"the common record allocator (fv_slab: records, tables, its own "
		"structure) / most live ranges at once. frag: largest free extent "
		"/ free pages (min over %d samples, and at the end). "
		"Instructions/op: no hardware counters on this machine "
		"(perf_event_open fails); see `make bench-profile` for a "
		"callgrind profile.\n\n", SAMPLES);
}

static int done(const struct result *res, const int *ran, int i)
{
	return ran[i] && res[i].status == RUN_DONE;
}

/* The fastest search-alone baseline (a+f+p), or -1. */
static int best_baseline(const struct result *res, const int *ran)
{
	int i, best = -1;

	for (i = 0; i < NALLOCS; i++)
		if (allocs[i].bl && done(res, ran, i) &&
		    (best < 0 || res[i].ns_afp < res[best].ns_afp))
			best = i;
	return best;
}

/* The fastest same-job peer (every operation), or -1. */
static int best_peer(const struct result *res, const int *ran)
{
	int i, best = -1;

	for (i = 0; i < NALLOCS; i++)
		if (allocs[i].full && i != FLATVM && done(res, ran, i) &&
		    (best < 0 || res[i].ns_all < res[best].ns_all))
			best = i;
	return best;
}

/* @v printed with @fmt, or "n/a" when there is none (!@ok). */
static void value_or_na(FILE *f, int ok, const char *fmt, double v)
{
	if (ok)
		fprintf(f, fmt, v);
	else
		fprintf(f, "n/a");
}

/*
 * "TAG NAME: flatvm X ns/op, best KIND OTHER Y ns/op, speedup Zx": flatvm
 * (@fv: it ran) against allocator @best (-1: none), @fv_ns and @best_ns
 * their ns/op.
 */
static void summary_speed(FILE *f, const char *tag, const char *name,
			  int fv, double fv_ns, const char *kind, int best,
			  double best_ns)
{
	fprintf(f, "%s %s: flatvm ", tag, name);
	value_or_na(f, fv, "%.1f", fv_ns);
	fprintf(f, " ns/op, best %s ", kind);
	if (best >= 0)
		fprintf(f, "%s %.1f ns/op", allocs[best].name, best_ns);
	else
		fprintf(f, "none n/a ns/op");
	fprintf(f, ", speedup ");
	value_or_na(f, best >= 0 && fv && fv_ns > 0, "%.2fx",
		    best >= 0 && fv_ns > 0 ? best_ns / fv_ns : 0);
}

static void summary_line(FILE *f, const char *name, const struct result *res,
			 const int *ran)
{
	int b = best_baseline(res, ran), fv = done(res, ran, FLATVM);

	summary_speed(f, "bench", name, fv, res[FLATVM].ns_afp, "baseline", b,
		      b >= 0 ? res[b].ns_afp : 0);
	fprintf(f, ", frag flatvm ");
	value_or_na(f, fv, "%.4f", res[FLATVM].m.frag_end);
	fprintf(f, " rbtree ");
	value_or_na(f, done(res, ran, RBTREE), "%.4f", res[RBTREE].m.frag_end);
	fprintf(f, "\n");
}

static void full_summary_line(FILE *f, const char *name,
			      const struct result *res, const int *ran)
{
	int p = best_peer(res, ran), fv = done(res, ran, FLATVM);

	summary_speed(f, "bench-full", name, fv, res[FLATVM].ns_all, "peer", p,
		      p >= 0 ? res[p].ns_all : 0);
	fprintf(f, ", bytes/range flatvm ");
	value_or_na(f, fv, "%.1f", meta_per_live(&res[FLATVM]));
	fprintf(f, " %s ", p >= 0 ? allocs[p].name : "none");
	value_or_na(f, p >= 0, "%.1f", p >= 0 ? meta_per_live(&res[p]) : 0);
	fprintf(f, "\n");
}

static void write_csv(FILE *f, const char *name, const struct result *res,
		      const int *ran)
{
	unsigned int i;
	int k;

	for (i = 0; i < NALLOCS; i++) {
		if (!done(res, ran, (int)i))
			continue;
		fprintf(f, "%s,%llu,%s,%.2f", name,
			(unsigned long long)res[i].m.peak_live, allocs[i].name,
			res[i].ns_afp);
		for (k = 0; k < OP_NKINDS; k++)
			fprintf(f, ",%.2f", res[i].m.count[k] ? res[i].ns[k] : 0);
		fprintf(f, ",%.4f,%.4f,%llu,", res[i].m.frag_min,
			res[i].m.frag_end,
			(unsigned long long)res[i].m.failed_allocs);
		if (allocs[i].full)
			fprintf(f, "%.2f", res[i].ns_all);
		fprintf(f, ",%.1f,%s\n", meta_per_live(&res[i]),
			allocs[i].full ? "full" : "search");
	}
}

/* ---- smoke ---- */

static int flatvm_lowest_fit(void)
{
	const char *v = getenv("FVBENCH_FLATVM_LOWEST_FIT");

	return v && *v ? atoi(v) != 0 : FLATVM_LOWEST_FIT;
}

/*
 * Full engines @a and @b answered alike on every line?  @placed: they place
 * ranges alike, so every allocation must have the same outcome and address,
 * and every answer must agree, absolute extent bounds included.  Otherwise
 * an allocation one engine refused and the other did not makes that range
 * diverge (its later lines are left out), and a page one engine gave to
 * another range since may be held there: only the answers about the range
 * named are compared.  Returns the first line that differs, or -1;
 * *@nq: `q` lines compared; *@nskip: lines left out.
 */
static long logs_differ(const struct trace *t, const struct op_log *a,
			const struct op_log *b, int placed, u64 *nq,
			u64 *nskip)
{
	const struct op_log *x, *y;
	uint8_t *diverged;
	long bad = -1;
	u64 i;

	diverged = calloc(t->nids, 1);
	if (!diverged) {
		fprintf(stderr, "fvbench: out of memory\n");
		exit(2);
	}
	*nq = 0;
	*nskip = 0;
	for (i = 0; i < t->nops && bad < 0; i++) {
		x = &a[i];
		y = &b[i];
		if (!placed && (diverged[t->ops[i].id] ||
				(t->ops[i].kind == OP_A && x->done != y->done))) {
			diverged[t->ops[i].id] = 1;
			(*nskip)++;
			continue;
		}
		if (x->done != y->done || x->freed != y->freed ||
		    (placed && x->start != y->start))
			bad = (long)i;
		if (t->ops[i].kind != OP_Q || !x->done)
			continue;
		(*nq)++;
		if (placed ? x->q_held != y->q_held :
			     (x->q_held == 1) != (y->q_held == 1))
			bad = (long)i;
		if ((placed ? x->q_held : x->q_held == 1) &&
		    (x->q_id != y->q_id || x->q_rights != y->q_rights ||
		     x->q_nholders != y->q_nholders || x->q_len != y->q_len ||
		     x->q_off != y->q_off || (placed && x->q_abs != y->q_abs)))
			bad = (long)i;
	}
	free(diverged);
	return bad;
}

/* Reports one comparison as a smoke case; returns 1 when it failed. */
static int smoke_case(const char *name, const char *what, int ok,
		      const char *fmt, long a, long b)
{
	char detail[160];

	snprintf(detail, sizeof(detail), fmt, a, b);
	printf("smoke %s %s: %s (%s)\n", name, what, ok ? "ok" : "FAIL", detail);
	return !ok;
}

/* Smoke: one checked replay per allocator; returns the failures. */
static int smoke(const struct trace *t, const char *name, const struct opts *o,
		 const struct run_cfg *base_cfg)
{
	static const int peers[] = { MAPLE, KVA };
	struct run_cfg cfg = *base_cfg;
	struct run_result r[NALLOCS];
	struct op_log *logs[NALLOCS] = { 0 };
	int failed = 0, ok, placed, ran[NALLOCS] = { 0 };
	unsigned int i, j;
	char what[64], fmt[128];
	long diff;
	u64 nq, nskip;

	cfg.measure = 1;
	cfg.smoke = 1;
	cfg.sample_every = 64;
	for (i = 0; i < NALLOCS; i++) {
		if (!selected(o, allocs[i].name))
			continue;
		cfg.log = NULL;
		if (allocs[i].full) {
			logs[i] = calloc(t->nops, sizeof(*logs[i]));
			if (!logs[i]) {
				fprintf(stderr, "fvbench: out of memory\n");
				exit(2);
			}
			cfg.log = logs[i];
		}
		replay(t, &allocs[i], &cfg, &r[i]);
		ran[i] = r[i].status == RUN_DONE;
		ok = r[i].status == RUN_DONE && !r[i].errors &&
		     !r[i].bad_lookups;
		if (r[i].bad_lookups)
			snprintf(r[i].why, sizeof(r[i].why), "%llu look-ups "
				 "disagree with the trace (new range, rights)",
				 (unsigned long long)r[i].bad_lookups);
		/* list, bitmap: the lowest aligned fit, so the same places. */
		if (ok && i == BITMAP && ran[LIST] &&
		    r[i].addr_hash != r[LIST].addr_hash) {
			ok = 0;
			snprintf(r[i].why, sizeof(r[i].why),
				 "placement differs from list (both lowest fit)");
		}
		/* rbtree too, when no request is aligned. */
		if (ok && i == RBTREE && t->max_align == 1 && ran[LIST] &&
		    r[i].addr_hash != r[LIST].addr_hash) {
			ok = 0;
			snprintf(r[i].why, sizeof(r[i].why),
				 "placement differs from list (both lowest fit)");
		}
		if (r[i].status == RUN_UNSUPPORTED) {
			printf("smoke %s %s: skipped (%s)\n", name,
			       allocs[i].name, r[i].why);
			continue;
		}
		printf("smoke %s %s: %s%s%s (%llu ops, %llu failed allocs, "
		       "peak live %llu, frag end %.3f)\n", name, allocs[i].name,
		       ok ? "ok" : "FAIL", ok ? "" : ": ",
		       ok ? "" : (r[i].errors && r[i].status == RUN_DONE &&
				  !r[i].bad_lookups ?
				  "allocator calls failed unexpectedly" :
				  r[i].why),
		       (unsigned long long)r[i].ops_done,
		       (unsigned long long)r[i].failed_allocs,
		       (unsigned long long)r[i].peak_live, r[i].frag_end);
		failed += !ok;
	}
	/*
	 * Peers (and flatvm when it is lowest fit) place every range where
	 * the rbtree baseline does: the same lowest fit, the same aligned
	 * policy (size + align - 1, then the exact fallback) -- as long as the
	 * same pages had gone back to the pool at every allocation.  A
	 * baseline frees what the owner releases at once, even pages a sharer
	 * still holds; where a trace allocates while a sharer outlives the
	 * owner's release, the free space differs and so may the placement:
	 * no comparison then (the peers are still compared with each other).
	 */
	for (i = 0; i < NALLOCS; i++) {
		if (!allocs[i].full || !ran[i] || !ran[RBTREE] ||
		    (i == FLATVM && !flatvm_lowest_fit()))
			continue;
		snprintf(what, sizeof(what), "placement-%s-rbtree",
			 allocs[i].name);
		if (r[RBTREE].allocs_outlived) {
			printf("smoke %s %s: skipped (%llu allocations while "
			       "sharers outlive the owner's release)\n", name,
			       what,
			       (unsigned long long)r[RBTREE].allocs_outlived);
			continue;
		}
		failed += smoke_case(name, what,
				     r[i].addr_hash == r[RBTREE].addr_hash,
				     "%ld allocations, %ld failed",
				     (long)r[i].count[OP_A],
				     (long)r[i].failed_allocs);
	}
	/* The full engines answer alike, operation by operation. */
	for (i = 0; i < NALLOCS; i++) {
		for (j = 0; j < sizeof(peers) / sizeof(peers[0]); j++) {
			if (!allocs[i].full || (int)i >= peers[j] ||
			    !ran[i] || !ran[peers[j]])
				continue;
			placed = i != FLATVM || flatvm_lowest_fit();
			diff = logs_differ(t, logs[i], logs[peers[j]], placed,
					   &nq, &nskip);
			snprintf(what, sizeof(what), "agree-%s-%s",
				 allocs[i].name, allocs[peers[j]].name);
			snprintf(fmt, sizeof(fmt), "%s%s", diff < 0 ?
				 "%ld ops, %ld look-ups" :
				 "first difference at line %ld of %ld",
				 nskip ? ", ranges whose allocation went "
					 "otherwise left out" : "");
			failed += smoke_case(name, what, diff < 0, fmt,
					     diff < 0 ? (long)(t->nops - nskip)
						      : diff + 1,
					     diff < 0 ? (long)nq : (long)t->nops);
		}
	}
	for (i = 0; i < NALLOCS; i++)
		free(logs[i]);
	return failed;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct trace t;
	struct run_cfg cfg = { 0 };
	struct result res[NALLOCS];
	int ran[NALLOCS] = { 0 };
	char name[256];
	const char *base, *dot;
	unsigned int i;
	FILE *f;

	if (parse_opts(argc, argv, &o))
		usage();
	if (o.name) {
		snprintf(name, sizeof(name), "%s", o.name);
	} else {
		base = strrchr(o.trace, '/');
		base = base ? base + 1 : o.trace;
		dot = strrchr(base, '.');
		snprintf(name, sizeof(name), "%.*s",
			 (int)(dot && dot != base ? dot - base : (long)strlen(base)),
			 base);
	}
	if (trace_load(o.trace, &t))
		return 2;
	cfg.npages = o.window ? o.window >> 12 : auto_window(&t);
	cfg.base = cfg.npages;
	replay_clock_init();
	if (o.smoke) {
		if (cfg.npages > ((u64)1 << 26)) {
			fprintf(stderr, "fvbench: smoke needs a window of at "
				"most 2^26 pages\n");
			return 2;
		}
		i = smoke(&t, name, &o, &cfg);
		trace_free(&t);
		return i ? 1 : 0;
	}
	for (i = 0; i < NALLOCS; i++) {
		if (!selected(&o, allocs[i].name))
			continue;
		ran[i] = 1;
		bench_one(&t, &allocs[i], &o, &cfg, &res[i]);
		fprintf(stderr, "fvbench %s: %s done (%.1f s measuring run)\n",
			name, allocs[i].name, res[i].m.seconds);
	}
	write_md(stdout, name, &o, &t, &cfg, res, ran);
	if (o.md) {
		f = fopen(o.md, "a");
		if (f) {
			write_md(f, name, &o, &t, &cfg, res, ran);
			fclose(f);
		}
	}
	if (o.csv) {
		f = fopen(o.csv, "a");
		if (f) {
			write_csv(f, name, res, ran);
			fclose(f);
		}
	}
	if (o.summary) {
		f = fopen(o.summary, "a");
		if (f) {
			summary_line(f, name, res, ran);
			full_summary_line(f, name, res, ran);
			fclose(f);
		}
	}
	summary_line(stdout, name, res, ran);
	full_summary_line(stdout, name, res, ran);
	trace_free(&t);
	return 0;
}
