// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's slab API for the kernel code built on the host (the maple
 * tree): kmem_cache_*() over fv_slab, in place of
 * tools/testing/radix-tree/linux.c, which uses malloc.
 * So the maple tree's nodes come from the same record allocator as every
 * other allocator of the benchmark, and are counted the same way.
 *
 * gfp: __GFP_ZERO zeroes; __GFP_NOFAIL cannot fail (nor be failed by the
 * fault injection); every other request may be failed by fv_slab's fault
 * injection and otherwise succeeds.  In particular GFP_NOWAIT succeeds, as
 * it does in the kernel whenever the slab has free objects: the radix-tree
 * test shim fails every allocation without __GFP_DIRECT_RECLAIM, which
 * would make each maple store that needs a node fail once, allocate with
 * the caller's gfp and walk again, a cost the kernel does not pay.
 * Compiled with the kernel's tools headers (see bench.mk).
 */
#include <linux/gfp.h>
#include <linux/slab.h>

#include "fv_slab.h"

static unsigned int slab_flags(gfp_t gfp)
{
	return (gfp & __GFP_NOFAIL ? FV_SLAB_NOFAIL : 0) |
	       (gfp & __GFP_ZERO ? FV_SLAB_ZERO : 0);
}

struct kmem_cache *kmem_cache_create(const char *name, unsigned int size,
				     unsigned int align, unsigned int flags,
				     void (*ctor)(void *))
{
	/* No caller here has a constructor. */
	if (ctor)
		return NULL;
	return (struct kmem_cache *)fv_slab_create(name, size, align);
}

void *kmem_cache_alloc_lru(struct kmem_cache *cachep, struct list_lru *lru,
			   int flags)
{
	return fv_slab_alloc((struct fv_slab *)cachep, slab_flags(flags));
}

void kmem_cache_free(struct kmem_cache *cachep, void *objp)
{
	fv_slab_free((struct fv_slab *)cachep, objp);
}

/* All or nothing, as the kernel's: @size, or 0 with nothing allocated. */
int kmem_cache_alloc_bulk(struct kmem_cache *cachep, gfp_t gfp, size_t size,
			  void **list)
{
	size_t i;

	for (i = 0; i < size; i++) {
		list[i] = fv_slab_alloc((struct fv_slab *)cachep,
					slab_flags(gfp));
		if (!list[i]) {
			while (i--)
				fv_slab_free((struct fv_slab *)cachep, list[i]);
			return 0;
		}
	}
	return (int)size;
}

void kmem_cache_free_bulk(struct kmem_cache *cachep, size_t size, void **list)
{
	size_t i;

	for (i = 0; i < size; i++)
		fv_slab_free((struct fv_slab *)cachep, list[i]);
}
