// SPDX-License-Identifier: GPL-2.0
/*
 * Host implementation of the core's record allocation (fv_compat.h), the
 * counterpart of module/fv_kmem.c: tree leaves and branches from two
 * cache-line aligned fv_slab caches, holder sets and arrays from
 * fv_kmalloc().  Fault injection comes from fv_slab; live counts by kind
 * and the bytes the core asked for are kept here.  No lock-free reader runs
 * concurrently on the host, so a record "freed after readers" is freed at
 * once.
 */
#include "fv_host.h"
#include "../../module/fv_tree.h"

static struct fv_slab *leaf_cache, *branch_cache;
static unsigned long live[FV_REC_NR_KINDS];
static unsigned long live_bytes;

static struct fv_slab *cache_of(enum fv_rec_kind kind, bool create)
{
	struct fv_slab **c = kind == FV_REC_LEAF ? &leaf_cache : &branch_cache;

	if (!*c && create)
		*c = fv_slab_create(kind == FV_REC_LEAF ? "flatvm_leaf" :
				    "flatvm_branch",
				    kind == FV_REC_LEAF ? sizeof(struct fv_leaf) :
				    sizeof(struct fv_branch), 64);
	return *c;
}

void *fv_rec_alloc(enum fv_rec_kind kind, size_t size, bool nofail)
{
	unsigned int flags = FV_SLAB_ZERO | (nofail ? FV_SLAB_NOFAIL : 0);
	struct fv_slab *c;
	void *p;

	if (kind == FV_REC_LEAF || kind == FV_REC_BRANCH) {
		c = cache_of(kind, true);
		if (!c) {
			if (nofail)
				abort();
			return NULL;
		}
		p = fv_slab_alloc(c, flags);
	} else {
		p = fv_kmalloc(size, flags);
	}
	if (p) {
		live[kind]++;
		live_bytes += size;
	}
	return p;
}

void fv_rec_free(enum fv_rec_kind kind, void *rec, size_t size)
{
	if (!rec)
		return;
	live[kind]--;
	live_bytes -= size;
	if (kind == FV_REC_LEAF || kind == FV_REC_BRANCH)
		fv_slab_free(cache_of(kind, false), rec);
	else
		fv_kfree(rec);
}

void fv_rec_free_rcu(enum fv_rec_kind kind, void *rec, struct fv_rcu *rcu)
{
	size_t size;

	(void)rcu;
	switch (kind) {
	case FV_REC_LEAF:
		size = sizeof(struct fv_leaf);
		break;
	case FV_REC_BRANCH:
		size = sizeof(struct fv_branch);
		break;
	default:
		size = fv_hset_size(((struct fv_hset *)rec)->cap);
	}
	fv_rec_free(kind, rec, size);
}

unsigned long fv_host_live(enum fv_rec_kind kind)
{
	unsigned long n = 0;
	int k;

	if (kind < FV_REC_NR_KINDS)
		return live[kind];
	for (k = 0; k < FV_REC_NR_KINDS; k++)
		n += live[k];
	return n;
}

unsigned long fv_host_live_bytes(void)
{
	return live_bytes;
}
