// SPDX-License-Identifier: GPL-2.0
/*
 * fvbench: replays one trace against the flatvm core and the baselines and
 * reports, per allocator, ns/op by kind (median over repetitions),
 * failed allocations, peak metadata per live range and fragmentation; ends
 * with the one-line summary of the workload.  With --smoke it replays once
 * per allocator under shadow checks and reports pass/fail instead.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"

#define MAX_REPS	15
/* Fragmentation samples in a measuring run (plus one at the end). */
#define SAMPLES		128

static const struct alloc_desc allocs[] = {
	{ "flatvm", NULL },
	{ "list", &bl_list_ops },
	{ "bitmap", &bl_bitmap_ops },
	{ "buddy2", &bl_buddy2_ops },
	{ "buddy4", &bl_buddy4_ops },
	{ "rbtree", &bl_rbtree_ops },
};
#define NALLOCS	(sizeof(allocs) / sizeof(allocs[0]))

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
		"  --smoke         check every allocator (shadow map, fv_check)\n");
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

static void bench_one(const struct trace *t, const struct alloc_desc *ad,
		      const struct opts *o, const struct run_cfg *base_cfg,
		      struct result *out)
{
	struct run_cfg cfg = *base_cfg;
	struct run_result r;
	double per[OP_NKINDS][MAX_REPS], afp[MAX_REPS], used, npt;
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
}

static void print_cell_ns(FILE *f, const struct result *r, int kind)
{
	if (!r->m.count[kind])
		fprintf(f, " - |");
	else
		fprintf(f, " %.1f |", r->ns[kind]);
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
	fprintf(f, "| allocator | **ns/op a+f+p** | a | f | p | s | d | q | "
		"reps | failed allocs | peak live | peak meta B/live range | "
		"frag min | frag end | notes |\n");
	fprintf(f, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
		"---:|---:|---:|---|\n");
	for (i = 0; i < NALLOCS; i++) {
		if (!ran[i])
			continue;
		r = &res[i];
		fprintf(f, "| %s |", allocs[i].name);
		if (r->status != RUN_DONE) {
			fprintf(f, " - | - | - | - | - | - | - | - | - | - | - "
				"| - | - | %s: %s |\n",
				r->status == RUN_TIMEOUT ? "not run to the end" :
				r->status == RUN_UNSUPPORTED ? "skipped" :
				"BROKEN", r->why);
			continue;
		}
		fprintf(f, " **%.1f** |", r->ns_afp);
		for (k = 0; k < OP_NKINDS; k++)
			print_cell_ns(f, r, k);
		fprintf(f, " %d | %llu | %llu | %.1f | %.4f | %.4f |", r->reps,
			(unsigned long long)r->m.failed_allocs,
			(unsigned long long)r->m.peak_live,
			r->m.peak_live ? (double)r->m.peak_meta / r->m.peak_live
				       : 0.0,
			r->m.frag_min, r->m.frag_end);
		if (!allocs[i].bl)
			fprintf(f, " full engine; peak %.1f B/segment;",
				r->m.meta_per_seg);
		if (r->m.errors)
			fprintf(f, " %llu calls failed unexpectedly;",
				(unsigned long long)r->m.errors);
		fprintf(f, " |\n");
	}
	fprintf(f, "\nns/op: time inside allocator calls per trace operation, "
		"mean over the run, median over the repetitions (the first is the "
		"measuring run, whose sampling between operations is not timed). "
		"**ns/op a+f+p** (the headline) covers allocation and release "
		"(`a`, `f`, `p`), which every allocator does; `s`, `d`, `q` are "
		"flatvm's full-engine operations (sharing, dropping, rights "
		"look-up), no-ops for the baselines (free-space indexes only). "
		"Peak meta: most metadata bytes at once / most live ranges at "
		"once. frag: largest free extent / free pages (min over %d "
		"samples, and at the end). Instructions/op: no hardware counters "
		"on this machine (perf_event_open fails); see `make bench-profile` "
		"for a callgrind profile.\n\n", SAMPLES);
}

static int best_baseline(const struct result *res, const int *ran)
{
	unsigned int i;
	int best = -1;

	for (i = 1; i < NALLOCS; i++)
		if (ran[i] && res[i].status == RUN_DONE &&
		    (best < 0 || res[i].ns_afp < res[best].ns_afp))
			best = (int)i;
	return best;
}

static void summary_line(FILE *f, const char *name, const struct result *res,
			 const int *ran)
{
	int b = best_baseline(res, ran);
	const struct result *fv = &res[0], *rb = &res[NALLOCS - 1];

	fprintf(f, "bench %s: flatvm ", name);
	if (ran[0] && fv->status == RUN_DONE)
		fprintf(f, "%.1f ns/op", fv->ns_afp);
	else
		fprintf(f, "n/a ns/op");
	if (b >= 0)
		fprintf(f, ", best baseline %s %.1f ns/op", allocs[b].name,
			res[b].ns_afp);
	else
		fprintf(f, ", best baseline none n/a ns/op");
	if (b >= 0 && ran[0] && fv->status == RUN_DONE && fv->ns_afp > 0)
		fprintf(f, ", speedup %.2fx", res[b].ns_afp / fv->ns_afp);
	else
		fprintf(f, ", speedup n/a");
	fprintf(f, ", frag flatvm ");
	if (ran[0] && fv->status == RUN_DONE)
		fprintf(f, "%.4f", fv->m.frag_end);
	else
		fprintf(f, "n/a");
	fprintf(f, " rbtree ");
	if (ran[NALLOCS - 1] && rb->status == RUN_DONE)
		fprintf(f, "%.4f\n", rb->m.frag_end);
	else
		fprintf(f, "n/a\n");
}

static void write_csv(FILE *f, const char *name, const struct result *res,
		      const int *ran)
{
	unsigned int i;
	int k;

	for (i = 0; i < NALLOCS; i++) {
		if (!ran[i] || res[i].status != RUN_DONE)
			continue;
		fprintf(f, "%s,%llu,%s,%.2f", name,
			(unsigned long long)res[i].m.peak_live, allocs[i].name,
			res[i].ns_afp);
		for (k = 0; k < OP_NKINDS; k++)
			fprintf(f, ",%.2f", res[i].m.count[k] ? res[i].ns[k] : 0);
		fprintf(f, ",%.4f,%.4f,%llu\n", res[i].m.frag_min,
			res[i].m.frag_end,
			(unsigned long long)res[i].m.failed_allocs);
	}
}

/* Smoke: one checked replay per allocator; returns the failures. */
static int smoke(const struct trace *t, const char *name, const struct opts *o,
		 const struct run_cfg *base_cfg)
{
	struct run_cfg cfg = *base_cfg;
	struct run_result r[NALLOCS];
	int failed = 0, ok;
	unsigned int i;

	cfg.measure = 1;
	cfg.smoke = 1;
	cfg.sample_every = 64;
	for (i = 0; i < NALLOCS; i++) {
		if (!selected(o, allocs[i].name))
			continue;
		replay(t, &allocs[i], &cfg, &r[i]);
		ok = r[i].status == RUN_DONE && !r[i].errors &&
		     !r[i].bad_lookups;
		if (r[i].bad_lookups)
			snprintf(r[i].why, sizeof(r[i].why), "%llu look-ups "
				 "disagree with the trace (new range, rights)",
				 (unsigned long long)r[i].bad_lookups);
		/*
		 * list, bitmap and flatvm: the lowest aligned fit, so the
		 * same places (flatvm, run first, is compared below).
		 */
		if (ok && i == 2 && selected(o, "list") &&
		    r[i].addr_hash != r[1].addr_hash) {
			ok = 0;
			snprintf(r[i].why, sizeof(r[i].why),
				 "placement differs from list (both lowest fit)");
		}
		/* rbtree too, when no request is aligned. */
		if (ok && i == NALLOCS - 1 && t->max_align == 1 &&
		    selected(o, "list") && r[i].addr_hash != r[1].addr_hash) {
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
	if (selected(o, "flatvm") && selected(o, "list") &&
	    r[0].status == RUN_DONE && r[1].status == RUN_DONE &&
	    r[0].addr_hash != r[1].addr_hash) {
		printf("smoke %s flatvm: FAIL: placement differs from list "
		       "(both lowest fit)\n", name);
		failed++;
	}
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
			fclose(f);
		}
	}
	summary_line(stdout, name, res, ran);
	trace_free(&t);
	return 0;
}
