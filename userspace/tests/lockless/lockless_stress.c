// SPDX-License-Identifier: GPL-2.0
/*
 * lockless_stress: the core's lock-free look-up (fv_rights()) against real
 * concurrent writers, on the host.  Built with the threaded compat of this
 * directory (a real mutex, the kernel's seqcount ordering, read sections a
 * grace period waits for) instead of the single-threaded host harness.
 *
 * One reader thread owns a domain R with ranges of its own, allocated
 * among the writers' ranges, and looks up every page of them in a loop:
 * fv_rights() must always answer 0, its rights, its range id, an extent
 * around the page.  Writer threads, each with two domains, allocate, share
 * among their domains, take shares of R's ranges (cutting R's extents and
 * merging them back when they release), release whole and partial spans
 * (with a release callback, so the core ends and restarts its write
 * section around it) and drain and re-register whole domains.
 *
 * Usage: lockless_stress [seconds] [writers]; exit status 0 only when no
 * look-up was refused or wrong.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "fv_core.h"
#include "../../../module/fv_tree.h"

/* --- records and grace periods (the core's fv_compat.h needs) ----------- */

#define MAX_READERS	4

static _Atomic unsigned long reader_ctr[MAX_READERS];
static _Thread_local int reader_id = -1;
static atomic_int nreaders;

void fv_host_read_lock(void)
{
	if (reader_id < 0)
		reader_id = atomic_fetch_add(&nreaders, 1);
	FV_ASSERT(reader_id < MAX_READERS);
	/* odd: inside; seq_cst so the records' loads come after it */
	atomic_fetch_add(&reader_ctr[reader_id], 1);
}

void fv_host_read_unlock(void)
{
	atomic_fetch_add(&reader_ctr[reader_id], 1);
}

struct retired {
	struct retired *next;
	void *rec;
};

static pthread_mutex_t retired_lock = PTHREAD_MUTEX_INITIALIZER;
static struct retired *retired_list;
static atomic_ulong nretired, nreclaimed;

void *fv_rec_alloc(enum fv_rec_kind kind, size_t size, bool nofail)
{
	size_t sz = (size + 63) & ~(size_t)63;
	void *p = aligned_alloc(64, sz);

	FV_ASSERT(p || !nofail);
	if (p)
		memset(p, 0, sz);
	return p;
}

void fv_rec_free(enum fv_rec_kind kind, void *rec, size_t size)
{
	free(rec);
}

void fv_rec_free_rcu(enum fv_rec_kind kind, void *rec, struct fv_rcu *rcu)
{
	struct retired *r = malloc(sizeof(*r));

	FV_ASSERT(r);
	r->rec = rec;
	pthread_mutex_lock(&retired_lock);
	r->next = retired_list;
	retired_list = r;
	pthread_mutex_unlock(&retired_lock);
	atomic_fetch_add(&nretired, 1);
}

/* Free what was retired once every read section open now has ended. */
static void reclaim(void)
{
	unsigned long snap[MAX_READERS];
	struct retired *list, *r;
	int i, n = atomic_load(&nreaders);

	pthread_mutex_lock(&retired_lock);
	list = retired_list;
	retired_list = NULL;
	pthread_mutex_unlock(&retired_lock);
	if (!list)
		return;
	atomic_thread_fence(memory_order_seq_cst);
	for (i = 0; i < n; i++)
		snap[i] = atomic_load(&reader_ctr[i]);
	for (i = 0; i < n; i++)
		while ((snap[i] & 1) && atomic_load(&reader_ctr[i]) == snap[i])
			sched_yield();
	while ((r = list)) {
		list = r->next;
		free(r->rec);
		free(r);
		atomic_fetch_add(&nreclaimed, 1);
	}
}

/* --- the test ---------------------------------------------------------- */

#define WINDOW_BASE	0x100000000000ull
#define WINDOW_SIZE	(1ull << 32)
#define NR_OWN		64	/* the reader's ranges */
#define MAX_WRITERS	4
#define DOMS_PER_W	2
#define MAX_SPANS	4096	/* a writer's remembered spans */

static struct fv_arena arena;
static struct fv_domain reader_dom;
static atomic_bool stop;
static atomic_ulong nlookups, nbad, nops, nreports;

struct own {
	u64 addr, len, range;
};
static struct own own[NR_OWN];

struct span {
	int dom;
	u64 addr, len;
};

struct writer {
	pthread_t thread;
	int idx;
	u64 rng;
	struct fv_domain dom[DOMS_PER_W];
	u64 next_id;
	struct span spans[MAX_SPANS];
	unsigned int nspans;
	unsigned long ops[8];
};

static struct writer writers[MAX_WRITERS];

static u64 rnd(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void released(void *ctx, u64 addr, u64 len, u64 range)
{
	struct writer *w = ctx;

	atomic_fetch_add(&nreports, 1);
	/* Widen the gap between the two write sections around the report. */
	if (w && !(rnd(&w->rng) & 3))
		sched_yield();
}

static void remember(struct writer *w, int dom, u64 addr, u64 len)
{
	unsigned int i = w->nspans < MAX_SPANS ? w->nspans++ :
			 rnd(&w->rng) % MAX_SPANS;

	w->spans[i] = (struct span){ dom, addr, len };
}

static void pick_sub(struct writer *w, const struct span *s, u64 *addr,
		     u64 *len)
{
	u64 np = s->len >> FV_PAGE_SHIFT, first = rnd(&w->rng) % np;
	u64 n = 1 + rnd(&w->rng) % (np - first);

	if (rnd(&w->rng) & 1) {
		first = 0;
		n = np;
	}
	*addr = s->addr + (first << FV_PAGE_SHIFT);
	*len = n << FV_PAGE_SHIFT;
}

static void writer_op(struct writer *w)
{
	u64 r = rnd(&w->rng), addr, len;
	int d = r & 1, op = (r >> 1) % 100, ret;
	struct fv_domain *dom = &w->dom[d];
	struct span *s;
	unsigned int i;

	if (op < 35 || !w->nspans) {
		u64 align = (r >> 8) % 4 ? 0 : FV_PAGE_SIZE << ((r >> 10) % 5);

		len = (1 + (r >> 16) % 24) << FV_PAGE_SHIFT;
		ret = fv_alloc(&arena, dom, len, align, FV_READ | FV_WRITE,
			       &addr);
		FV_ASSERT(!ret);
		remember(w, d, addr, len);
		w->ops[0]++;
	} else if (op < 50 && own[(r >> 8) % NR_OWN].len) {
		/* Take a share of part of one of the reader's ranges. */
		struct own *o = &own[(r >> 8) % NR_OWN];
		struct span t = { d, o->addr, o->len };

		pick_sub(w, &t, &addr, &len);
		ret = fv_share(&arena, &reader_dom, dom, addr, len,
			       (r >> 20) & 1 ? FV_READ : FV_READ | FV_WRITE);
		if (ret && ret != -EEXIST)
			fprintf(stderr, "share-from-reader: %d\n", ret);
		FV_ASSERT(!ret || ret == -EEXIST);
		if (!ret)
			remember(w, d, addr, len);
		w->ops[1]++;
	} else if (op < 60) {
		/* Share part of a span to the writer's other domain. */
		s = &w->spans[(r >> 8) % w->nspans];
		pick_sub(w, s, &addr, &len);
		ret = fv_share(&arena, &w->dom[s->dom], &w->dom[!s->dom], addr,
			       len, FV_READ);
		if (!ret)
			remember(w, !s->dom, addr, len);
		w->ops[2]++;
	} else if (op < 98) {
		/* Release a span or part of it (maybe no longer held). */
		i = (r >> 8) % w->nspans;
		s = &w->spans[i];
		pick_sub(w, s, &addr, &len);
		ret = (r >> 30) & 1 ?
		      fv_release(&arena, &w->dom[s->dom], addr, len, released,
				 w) :
		      fv_release_nofail(&arena, &w->dom[s->dom], addr, len,
					released, w);
		FV_ASSERT(!ret || ret == -ENOENT);
		if (addr == s->addr && len == s->len)
			w->spans[i] = w->spans[--w->nspans];
		w->ops[3]++;
	} else if (op == 98 || (r >> 40) % 8) {
		reclaim();
		w->ops[5]++;
	} else {
		/* Drain a whole domain in batches, then register it anew. */
		while (fv_domain_release_some(&arena, dom, 1 + (r >> 8) % 16,
					      released, w))
			;
		fv_domain_release_all(&arena, dom, released, w);
		ret = fv_domain_init(&arena, dom, w->next_id++);
		FV_ASSERT(!ret);
		for (i = 0; i < w->nspans;)
			if (w->spans[i].dom == d)
				w->spans[i] = w->spans[--w->nspans];
			else
				i++;
		w->ops[4]++;
	}
	atomic_fetch_add(&nops, 1);
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	unsigned long n = 0;

	while (!atomic_load(&stop)) {
		writer_op(w);
		if (!(++n % 20000)) {
			FV_ASSERT(!fv_check(&arena));
			w->ops[6]++;
		}
	}
	reclaim();
	return NULL;
}

static void check_page(const struct own *o, u64 addr)
{
	struct fv_lookup_result res;
	int ret = fv_rights(&arena, &reader_dom, addr, &res);

	if (!ret && res.range == o->range &&
	    res.rights == (FV_READ | FV_WRITE | FV_OWNER) &&
	    res.ext_start <= addr && addr - res.ext_start < res.ext_len)
		return;
	if (atomic_fetch_add(&nbad, 1) < 20)
		fprintf(stderr,
			"BAD: fv_rights(0x%llx) in own range 0x%llx+0x%llx id %llu: ret %d range %llu rights 0x%x ext 0x%llx+0x%llx\n",
			(unsigned long long)addr, (unsigned long long)o->addr,
			(unsigned long long)o->len,
			(unsigned long long)o->range, ret,
			ret ? 0ull : (unsigned long long)res.range,
			ret ? 0 : res.rights,
			ret ? 0ull : (unsigned long long)res.ext_start,
			ret ? 0ull : (unsigned long long)res.ext_len);
}

static void *reader_main(void *arg)
{
	unsigned long n = 0;
	unsigned int i;
	u64 p;

	(void)arg;
	while (!atomic_load(&stop)) {
		for (i = 0; i < NR_OWN; i++)
			for (p = 0; p < own[i].len; p += FV_PAGE_SIZE) {
				check_page(&own[i], own[i].addr + p);
				n++;
			}
	}
	atomic_fetch_add(&nlookups, n);
	return NULL;
}

int main(int argc, char **argv)
{
	int secs = argc > 1 ? atoi(argv[1]) : 10;
	int nw = argc > 2 ? atoi(argv[2]) : 2;
	struct fv_lookup_result res;
	pthread_t reader;
	struct { struct fv_stats st; } s;
	int i, j, k;

	if (nw < 1 || nw > MAX_WRITERS || secs < 1)
		return 2;
	FV_ASSERT(!fv_arena_init(&arena, WINDOW_BASE, WINDOW_SIZE));
	FV_ASSERT(!fv_domain_init(&arena, &reader_dom, 1));
	for (i = 0; i < nw; i++) {
		writers[i].idx = i;
		writers[i].rng = 0x9e3779b97f4a7c15ull * (i + 1);
		writers[i].next_id = 1000 * (i + 1);
		for (j = 0; j < DOMS_PER_W; j++)
			FV_ASSERT(!fv_domain_init(&arena, &writers[i].dom[j],
						  writers[i].next_id++));
	}
	/* The reader's ranges, among a few thousand of the writers'. */
	for (k = 0; k < NR_OWN; k++) {
		for (j = 0; j < 40; j++)
			writer_op(&writers[j % nw]);
		own[k].len = (1 + k % 16) << FV_PAGE_SHIFT;
		FV_ASSERT(!fv_alloc(&arena, &reader_dom, own[k].len,
				    k % 5 ? 0 : 1ull << 16,
				    FV_READ | FV_WRITE, &own[k].addr));
		FV_ASSERT(!fv_lookup(&arena, own[k].addr, &res));
		own[k].range = res.range;
	}
	FV_ASSERT(!fv_check(&arena));

	pthread_create(&reader, NULL, reader_main, NULL);
	for (i = 0; i < nw; i++)
		pthread_create(&writers[i].thread, NULL, writer_main,
			       &writers[i]);
	sleep(secs);
	atomic_store(&stop, true);
	pthread_join(reader, NULL);
	for (i = 0; i < nw; i++)
		pthread_join(writers[i].thread, NULL);
	FV_ASSERT(!fv_check(&arena));
	fv_stats(&arena, &s.st);

	printf("lockless_stress: %d s, %d writers: %lu look-ups, %lu bad; %lu writer ops, %lu release reports, %lu records retired, %lu freed after a grace period\n",
	       secs, nw, atomic_load(&nlookups), atomic_load(&nbad),
	       atomic_load(&nops), atomic_load(&nreports),
	       atomic_load(&nretired), atomic_load(&nreclaimed));
	for (i = 0; i < nw; i++)
		printf("  writer %d: alloc %lu, share-from-reader %lu, share %lu, release %lu, drain %lu, reclaim %lu, check %lu\n",
		       i, writers[i].ops[0], writers[i].ops[1],
		       writers[i].ops[2], writers[i].ops[3], writers[i].ops[4],
		       writers[i].ops[5], writers[i].ops[6]);
	printf("  arena: %llu extents, %llu free segments, height %u\n",
	       (unsigned long long)s.st.nextents, (unsigned long long)s.st.nfree,
	       arena.height);
	/* make check's verdict line: this program is one test. */
	printf("%d passed, %d failed\n", !atomic_load(&nbad),
	       !!atomic_load(&nbad));
	return atomic_load(&nbad) ? 1 : 0;
}
