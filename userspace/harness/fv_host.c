// SPDX-License-Identifier: GPL-2.0
/*
 * Host implementation of the core's record allocation (fv_compat.h): two
 * fv_slab caches, the host counterparts of module/fv_kmem.c's slab caches,
 * created on first use.  Live counts and fault injection come from fv_slab.
 */
#include "fv_host.h"

static struct fv_slab *seg_cache, *holder_cache;

static void *record_alloc(struct fv_slab **cache, const char *name,
			  size_t size, bool nofail)
{
	if (!*cache) {
		*cache = fv_slab_create(name, size, 0);
		if (!*cache) {
			if (nofail)
				abort();
			return NULL;
		}
	}
	return fv_slab_alloc(*cache, nofail ? FV_SLAB_NOFAIL : 0);
}

struct fv_seg *fv_seg_alloc(bool nofail)
{
	return record_alloc(&seg_cache, "flatvm_seg", sizeof(struct fv_seg),
			    nofail);
}

void fv_seg_free(struct fv_seg *seg)
{
	if (seg)
		fv_slab_free(seg_cache, seg);
}

struct fv_holder *fv_holder_alloc(bool nofail)
{
	return record_alloc(&holder_cache, "fv_holder",
			    sizeof(struct fv_holder), nofail);
}

void fv_holder_free(struct fv_holder *h)
{
	if (h)
		fv_slab_free(holder_cache, h);
}

static unsigned long live_in(const struct fv_slab *cache)
{
	struct fv_slab_counts n;

	if (!cache)
		return 0;
	fv_slab_counts(cache, &n);
	return n.live;
}

unsigned long fv_host_live_segs(void)
{
	return live_in(seg_cache);
}

unsigned long fv_host_live_holders(void)
{
	return live_in(holder_cache);
}
