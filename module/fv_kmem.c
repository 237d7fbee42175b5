// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm core records in the kernel: two slab caches.
 *
 * The segment cache is SLAB_TYPESAFE_BY_RCU: fv_lookup() walks the segment
 * tree under rcu_read_lock() while writers free segments, and only needs
 * the memory to stay a struct fv_seg until its sequence count check; it never
 * trusts what it read before that check.  Holders are only read under the
 * arena lock.
 */
#include <linux/slab.h>
#include "fv_core.h"

static struct kmem_cache *fv_seg_cache;
static struct kmem_cache *fv_holder_cache;

#if IS_ENABLED(CONFIG_KUNIT)
/*
 * For the KUnit suites, which prove every operation atomic: -1 never fails;
 * N >= 0 lets N more record allocations succeed, then fails them all.
 */
long fv_kmem_fail_after = -1;

static bool fv_kmem_should_fail(void)
{
	if (fv_kmem_fail_after < 0)
		return false;
	if (!fv_kmem_fail_after)
		return true;
	fv_kmem_fail_after--;
	return false;
}
#else
static bool fv_kmem_should_fail(void)
{
	return false;
}
#endif

struct fv_seg *fv_seg_alloc(bool nofail)
{
	if (nofail)
		return kmem_cache_alloc(fv_seg_cache,
					GFP_KERNEL_ACCOUNT | __GFP_NOFAIL);
	if (fv_kmem_should_fail())
		return NULL;
	return kmem_cache_alloc(fv_seg_cache, GFP_KERNEL_ACCOUNT);
}

void fv_seg_free(struct fv_seg *seg)
{
	if (seg)
		kmem_cache_free(fv_seg_cache, seg);
}

struct fv_holder *fv_holder_alloc(bool nofail)
{
	if (nofail)
		return kmem_cache_alloc(fv_holder_cache,
					GFP_KERNEL_ACCOUNT | __GFP_NOFAIL);
	if (fv_kmem_should_fail())
		return NULL;
	return kmem_cache_alloc(fv_holder_cache, GFP_KERNEL_ACCOUNT);
}

void fv_holder_free(struct fv_holder *h)
{
	if (h)
		kmem_cache_free(fv_holder_cache, h);
}

/**
 * fv_kmem_init() - create the record caches; call before any arena exists.
 *
 * Return: 0 or -ENOMEM.
 */
int fv_kmem_init(void)
{
	fv_seg_cache = kmem_cache_create("flatvm_seg", sizeof(struct fv_seg), 0,
					 SLAB_TYPESAFE_BY_RCU | SLAB_ACCOUNT,
					 NULL);
	if (!fv_seg_cache)
		return -ENOMEM;
	fv_holder_cache = KMEM_CACHE(fv_holder, SLAB_ACCOUNT);
	if (!fv_holder_cache) {
		kmem_cache_destroy(fv_seg_cache);
		return -ENOMEM;
	}
	return 0;
}

/**
 * fv_kmem_exit() - destroy the record caches once every arena is gone.
 */
void fv_kmem_exit(void)
{
	/* Readers may still hold RCU references to freed segments. */
	rcu_barrier();
	kmem_cache_destroy(fv_holder_cache);
	kmem_cache_destroy(fv_seg_cache);
}
