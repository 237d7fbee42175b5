// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm core records in the kernel (fv_compat.h's record allocation).
 *
 * Tree leaves and branches come from two slab caches, cache-line aligned.
 * Holder sets (a few dozen bytes) come from kmalloc, slot chunks and the
 * domain table from kvmalloc.  Everything is zeroed and charged to the
 * caller's memory cgroup.  Leaves, branches and holder sets may be read by
 * lock-free look-ups (fv_lookup(), fv_rights() under rcu_read_lock()), so
 * they are freed through call_rcu() once out of the tree.
 */
#include <linux/slab.h>
#include <linux/mm.h>
#include "fv_tree.h"

static struct kmem_cache *fv_leaf_cache;
static struct kmem_cache *fv_branch_cache;

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

void *fv_rec_alloc(enum fv_rec_kind kind, size_t size, bool nofail)
{
	gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_ZERO;

	if (nofail)
		gfp |= __GFP_NOFAIL;
	else if (fv_kmem_should_fail())
		return NULL;
	switch (kind) {
	case FV_REC_LEAF:
		return kmem_cache_alloc(fv_leaf_cache, gfp);
	case FV_REC_BRANCH:
		return kmem_cache_alloc(fv_branch_cache, gfp);
	case FV_REC_HSET:
		return kmalloc(size, gfp);
	default:
		/* Large only for huge domains; vmalloc serves __GFP_NOFAIL. */
		return kvmalloc(size, nofail ? gfp : gfp | __GFP_NOWARN);
	}
}

void fv_rec_free(enum fv_rec_kind kind, void *rec, size_t size)
{
	switch (kind) {
	case FV_REC_LEAF:
		kmem_cache_free(fv_leaf_cache, rec);
		break;
	case FV_REC_BRANCH:
		kmem_cache_free(fv_branch_cache, rec);
		break;
	case FV_REC_HSET:
		kfree(rec);
		break;
	default:
		kvfree(rec);
	}
}

static void fv_leaf_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(fv_leaf_cache,
			container_of(head, struct fv_leaf, rcu.head));
}

static void fv_branch_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(fv_branch_cache,
			container_of(head, struct fv_branch, rcu.head));
}

static void fv_hset_free_rcu(struct rcu_head *head)
{
	kfree(container_of(head, struct fv_hset, rcu.head));
}

void fv_rec_free_rcu(enum fv_rec_kind kind, void *rec, struct fv_rcu *rcu)
{
	switch (kind) {
	case FV_REC_LEAF:
		call_rcu(&rcu->head, fv_leaf_free_rcu);
		break;
	case FV_REC_BRANCH:
		call_rcu(&rcu->head, fv_branch_free_rcu);
		break;
	case FV_REC_HSET:
		call_rcu(&rcu->head, fv_hset_free_rcu);
		break;
	default:
		/* Only the records above are ever seen by readers. */
		WARN_ON_ONCE(1);
	}
}

/**
 * fv_kmem_init() - create the record caches; call before any arena exists.
 *
 * Return: 0 or -ENOMEM.
 */
int fv_kmem_init(void)
{
	fv_leaf_cache = kmem_cache_create("flatvm_leaf", sizeof(struct fv_leaf),
					  L1_CACHE_BYTES, SLAB_ACCOUNT, NULL);
	if (!fv_leaf_cache)
		return -ENOMEM;
	fv_branch_cache = kmem_cache_create("flatvm_branch",
					    sizeof(struct fv_branch),
					    L1_CACHE_BYTES, SLAB_ACCOUNT, NULL);
	if (!fv_branch_cache) {
		kmem_cache_destroy(fv_leaf_cache);
		return -ENOMEM;
	}
	return 0;
}

/**
 * fv_kmem_exit() - destroy the record caches once every arena is gone.
 */
void fv_kmem_exit(void)
{
	/* Wait for the frees queued behind lock-free readers. */
	rcu_barrier();
	kmem_cache_destroy(fv_branch_cache);
	kmem_cache_destroy(fv_leaf_cache);
}
