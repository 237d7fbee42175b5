/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The benchmark's full engines: allocators that do the whole job of the
 * flatvm core on one window of pages shared by many processes (holders,
 * sharing with rights, partial release by one holder, address -> range and
 * rights look-up), with the semantics of fv_alloc(), fv_share(),
 * fv_release() and fv_rights() in include/flatvm/fv_core.h, in page units.
 * Three implement it: the flatvm core itself (full_flatvm.c), the kernel's
 * maple tree (peer_maple.c) and vmalloc's design (peer_kva.c).
 *
 * Plain C99 types only: the peers are compiled with the kernel's tools
 * headers, the replayer with libc's.
 */
#ifndef FVBENCH_FULL_H
#define FVBENCH_FULL_H

#include <stdint.h>

/* Rights, as FV_READ, FV_WRITE, FV_EXEC. */
#define FULL_READ	0x1u
#define FULL_WRITE	0x2u
#define FULL_EXEC	0x4u

/**
 * struct full_lookup - what full_ops.rights() found.
 * @range:	the engine's id of the range holding the page (ids are never
 *		reused within one engine instance).
 * @ext_start, @ext_pages: the extent holding the page: the maximal run of
 *		pages of that range with the same holders and rights.
 * @nholders:	processes holding the page.
 * @rights:	the asking process's rights there.
 */
struct full_lookup {
	uint64_t range;
	uint64_t ext_start;
	uint64_t ext_pages;
	uint32_t nholders;
	uint32_t rights;
};

/**
 * struct full_stats - what an engine reports (not timed).
 * @free_pages:	pages nobody holds.
 * @largest:	the longest run of free pages.
 * @nextents:	extents (used runs with one holder set).
 * @nfree:	free extents (maximal free runs).
 * @record_bytes: bytes of the engine's own records (the core's fv_stats
 *		metadata_bytes), 0 where the engine does not tell.
 */
struct full_stats {
	uint64_t free_pages;
	uint64_t largest;
	uint64_t nextents;
	uint64_t nfree;
	uint64_t record_bytes;
};

/* Told of each run of pages that went back to the free pool. */
typedef void (*full_released_fn)(void *ctx, uint64_t start, uint64_t npages);

/**
 * struct full_ops - one full engine.  Pages, not bytes; processes are
 * numbered 0 .. ndoms - 1.  Every call leaves the engine unchanged when it
 * fails.
 * @name:	short name used in tables.
 * @create:	a wholly free window [@base, @base + @npages) for @ndoms
 *		processes; NULL when out of memory.
 * @destroy:	every process exits (its holds released, runs freed
 *		reported to @fn), then everything is freed.
 * @alloc:	@dom gets a new range of @npages pages aligned to @align pages
 *		(a power of two), holding it whole with @rights: 0 and the
 *		first page in *@start, or -ENOSPC when no aligned free run of
 *		@npages exists.
 * @share:	@from gives @to the pages [@start, @start + @npages) with
 *		@rights: -ENOENT (@from does not hold them all), -EINVAL (two
 *		ranges), -EACCES (more rights than @from's), -EEXIST (@to
 *		holds one already), in that order.
 * @release:	@dom drops what it holds in the span; runs nobody holds any
 *		more go back to the free pool and to @fn.  -ENOENT: @dom held
 *		none of it.
 * @rights:	the extent holding @page and @dom's rights there; -ENOENT
 *		when @dom does not hold it.
 * @stats:	fills @st (may walk everything).
 * @check:	verifies every invariant; 0, or -1 after saying why on stderr.
 */
struct full_ops {
	const char *name;
	void *(*create)(uint64_t base, uint64_t npages, uint32_t ndoms);
	void (*destroy)(void *fe, full_released_fn fn, void *ctx);
	int (*alloc)(void *fe, uint32_t dom, uint64_t npages, uint64_t align,
		     uint32_t rights, uint64_t *start);
	int (*share)(void *fe, uint32_t from, uint32_t to, uint64_t start,
		     uint64_t npages, uint32_t rights);
	int (*release)(void *fe, uint32_t dom, uint64_t start, uint64_t npages,
		       full_released_fn fn, void *ctx);
	int (*rights)(void *fe, uint32_t dom, uint64_t page,
		      struct full_lookup *res);
	void (*stats)(void *fe, struct full_stats *st);
	int (*check)(void *fe);
};

extern const struct full_ops full_flatvm_ops;
extern const struct full_ops full_maple_ops;
extern const struct full_ops full_kva_ops;

#endif /* FVBENCH_FULL_H */
