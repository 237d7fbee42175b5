/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The benchmark's baseline allocators: free-space indexes only, written for
 * the comparison with the flatvm core (they share no code with it).  Every
 * baseline manages the pages [base, base + npages) of one window, allocates
 * runs of pages at a power-of-two alignment and takes back any run of pages
 * it handed out, in whole or in part.  Single-threaded; no locking.
 * Records and tables come from fv_slab (as every allocator's of the
 * benchmark), which counts them: a baseline's metadata is what it holds
 * there.
 */
#ifndef FVBENCH_BASELINE_H
#define FVBENCH_BASELINE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fv_slab.h"

typedef uint64_t u64;
typedef uint32_t u32;

/**
 * struct bl_stats - what a baseline reports about its free space.
 * @free_pages:	pages not allocated.
 * @largest:	pages in the longest run of contiguous free pages.
 */
struct bl_stats {
	u64 free_pages;
	u64 largest;
};

/**
 * struct bl_ops - one baseline.
 * @name:	short name used in tables.
 * @max_pages:	largest window it can manage (0: any up to 2^35 pages).
 * @create:	a new, wholly free window; NULL when out of memory.  @base and
 *		@npages are page numbers; @npages is a power of two and @base a
 *		multiple of it.
 * @destroy:	frees the baseline and everything it holds.
 * @alloc:	@npages pages aligned to @align pages (a power of two): 0 and
 *		the first page in *@start, or -ENOSPC.
 * @release:	gives back [@start, @start + @npages), all allocated.
 * @stats:	fills @st; may walk the whole index (not timed).
 */
struct bl_ops {
	const char *name;
	u64 max_pages;
	void *(*create)(u64 base, u64 npages);
	void (*destroy)(void *bl);
	int (*alloc)(void *bl, u64 npages, u64 align, u64 *start);
	void (*release)(void *bl, u64 start, u64 npages);
	void (*stats)(void *bl, struct bl_stats *st);
};

extern const struct bl_ops bl_list_ops;
extern const struct bl_ops bl_bitmap_ops;
extern const struct bl_ops bl_buddy2_ops;
extern const struct bl_ops bl_buddy4_ops;
extern const struct bl_ops bl_rbtree_ops;

/*
 * Records of the baselines: running out of memory ends the benchmark
 * (FV_SLAB_NOFAIL aborts).
 */
static inline void *bl_record(struct fv_slab *cache)
{
	return fv_slab_alloc(cache, FV_SLAB_NOFAIL);
}

/* Scratch memory outside the metadata (statistics). */
static inline void *bl_xmalloc(size_t size)
{
	void *p = malloc(size);

	if (!p) {
		fprintf(stderr, "fvbench: out of memory\n");
		exit(2);
	}
	return p;
}

static inline u64 bl_align_up(u64 x, u64 align)
{
	return (x + align - 1) & ~(align - 1);
}

#endif /* FVBENCH_BASELINE_H */
