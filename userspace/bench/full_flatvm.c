// SPDX-License-Identifier: GPL-2.0
/*
 * The flatvm core as a full engine of the benchmark (full.h): one arena, one
 * fv_domain per process, page numbers turned into byte addresses.  The arena
 * and the domains come from fv_kmalloc(), the core's records from its own
 * fv_slab caches (harness/fv_host.c), so every byte is counted.
 */
#include <errno.h>

#include "fv_core.h"
#include "fv_host.h"
#include "full.h"

struct fvfull {
	struct fv_arena arena;
	uint32_t ndoms;
	struct fv_domain *doms;
};

/* Carries the replayer's callback through the core's byte-based one. */
struct released_ctx {
	full_released_fn fn;
	void *ctx;
};

static void released(void *ctx, u64 addr, u64 len, u64 range)
{
	struct released_ctx *rc = ctx;

	(void)range;
	if (rc->fn)
		rc->fn(rc->ctx, addr >> FV_PAGE_SHIFT, len >> FV_PAGE_SHIFT);
}

static void *fvfull_create(uint64_t base, uint64_t npages, uint32_t ndoms)
{
	struct fvfull *f = fv_kmalloc(sizeof(*f), FV_SLAB_ZERO);
	uint32_t i;

	if (!f)
		return NULL;
	f->doms = fv_kmalloc((ndoms ? ndoms : 1) * sizeof(*f->doms),
			     FV_SLAB_ZERO);
	if (!f->doms || fv_arena_init(&f->arena, base << FV_PAGE_SHIFT,
				      npages << FV_PAGE_SHIFT)) {
		fv_kfree(f->doms);
		fv_kfree(f);
		return NULL;
	}
	f->ndoms = ndoms;
	for (i = 0; i < ndoms; i++)
		fv_domain_init(&f->arena, &f->doms[i], (u64)i + 1);
	return f;
}

static void fvfull_destroy(void *fe, full_released_fn fn, void *ctx)
{
	struct fvfull *f = fe;
	struct released_ctx rc = { fn, ctx };
	uint32_t i;

	for (i = 0; i < f->ndoms; i++)
		fv_domain_release_all(&f->arena, &f->doms[i], released, &rc);
	fv_arena_destroy(&f->arena);
	fv_kfree(f->doms);
	fv_kfree(f);
}

static int fvfull_alloc(void *fe, uint32_t dom, uint64_t npages,
			uint64_t align, uint32_t rights, uint64_t *start)
{
	struct fvfull *f = fe;
	u64 addr;
	int rc;

	rc = fv_alloc(&f->arena, &f->doms[dom], npages << FV_PAGE_SHIFT,
		      align > 1 ? align << FV_PAGE_SHIFT : 0, rights, &addr);
	if (!rc)
		*start = addr >> FV_PAGE_SHIFT;
	return rc;
}

static int fvfull_share(void *fe, uint32_t from, uint32_t to, uint64_t start,
			uint64_t npages, uint32_t rights)
{
	struct fvfull *f = fe;

	return fv_share(&f->arena, &f->doms[from], &f->doms[to],
			start << FV_PAGE_SHIFT, npages << FV_PAGE_SHIFT, rights);
}

static int fvfull_release(void *fe, uint32_t dom, uint64_t start,
			  uint64_t npages, full_released_fn fn, void *ctx)
{
	struct fvfull *f = fe;
	struct released_ctx rc = { fn, ctx };

	return fv_release(&f->arena, &f->doms[dom], start << FV_PAGE_SHIFT,
			  npages << FV_PAGE_SHIFT, released, &rc);
}

static int fvfull_rights(void *fe, uint32_t dom, uint64_t page,
			 struct full_lookup *res)
{
	struct fvfull *f = fe;
	struct fv_lookup_result lr;
	int rc;

	rc = fv_rights(&f->arena, &f->doms[dom], page << FV_PAGE_SHIFT, &lr);
	if (rc)
		return rc;
	res->range = lr.range;
	res->ext_start = lr.ext_start >> FV_PAGE_SHIFT;
	res->ext_pages = lr.ext_len >> FV_PAGE_SHIFT;
	res->nholders = lr.nholders;
	res->rights = lr.rights & FV_RIGHTS_MASK;	/* no FV_OWNER */
	return 0;
}

static void fvfull_stats(void *fe, struct full_stats *st)
{
	struct fvfull *f = fe;
	struct fv_stats fs;

	fv_stats(&f->arena, &fs);
	st->free_pages = fs.free_bytes >> FV_PAGE_SHIFT;
	st->largest = fs.largest_free >> FV_PAGE_SHIFT;
	st->nextents = fs.nextents;
	st->nfree = fs.nfree;
	st->record_bytes = fs.metadata_bytes;
}

static int fvfull_check(void *fe)
{
	struct fvfull *f = fe;

	return fv_check(&f->arena) ? -1 : 0;
}

const struct full_ops full_flatvm_ops = {
	.name = "flatvm",
	.create = fvfull_create,
	.destroy = fvfull_destroy,
	.alloc = fvfull_alloc,
	.share = fvfull_share,
	.release = fvfull_release,
	.rights = fvfull_rights,
	.stats = fvfull_stats,
	.check = fvfull_check,
};
