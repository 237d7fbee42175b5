/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host record allocator: a kmem_cache look-alike for the host builds (the
 * core's records in the tests, fuzzer and benchmark, and every allocator of
 * the benchmark, so that they all pay the same for their records).
 *
 * A cache hands out objects of one size carved from 2 MiB chunks, reuses
 * freed objects last in, first out, and counts live objects, their bytes and
 * the peak of those bytes, per cache and over all caches.  kmalloc-style size
 * classes and page-granular large blocks (tables) are counted the same way.
 * Single-threaded, like the host builds that use it.
 */
#ifndef _FLATVM_FV_SLAB_H
#define _FLATVM_FV_SLAB_H

#include <stddef.h>
#include <stdint.h>

/* Chunk size and alignment: objects find their cache from their address. */
#define FV_SLAB_CHUNK		((size_t)2 << 20)

/* Flags of fv_slab_alloc(). */
#define FV_SLAB_NOFAIL		0x1u	/* ignore fault injection; abort on OOM */
#define FV_SLAB_ZERO		0x2u	/* zeroed object */

/**
 * struct fv_slab_counts - what a cache (or all of them) holds.
 * @live:	objects allocated and not freed.
 * @live_bytes:	their bytes (object stride: size rounded up to alignment).
 * @peak_bytes:	the most @live_bytes seen since creation or the last
 *		fv_slab_reset_peaks().
 * @chunk_bytes: memory taken from the system (chunks, large blocks).
 */
struct fv_slab_counts {
	uint64_t live;
	uint64_t live_bytes;
	uint64_t peak_bytes;
	uint64_t chunk_bytes;
};

struct fv_slab;

/*
 * Fault injection, for the tests: -1 never fails; N >= 0 lets the next N
 * allocations without FV_SLAB_NOFAIL succeed, then fails every later one
 * until the value is set again.  @fv_slab_failures counts refusals.
 */
extern long fv_slab_fail_after;
extern unsigned long fv_slab_failures;

/*
 * @align: 0 (pointer alignment) or a power of two up to 4096.  NULL when
 * out of memory.
 */
struct fv_slab *fv_slab_create(const char *name, size_t size, size_t align);
/* Frees the cache and its chunks (to the pool), live objects included. */
void fv_slab_destroy(struct fv_slab *c);
void *fv_slab_alloc(struct fv_slab *c, unsigned int flags);
void fv_slab_free(struct fv_slab *c, void *obj);
/* Gives the chunks back to the pool of free chunks when no object is live. */
void fv_slab_shrink(struct fv_slab *c);
void fv_slab_counts(const struct fv_slab *c, struct fv_slab_counts *out);

/* kmalloc: size classes of 8 bytes to 8 KiB, then large blocks. */
void *fv_kmalloc(size_t size, unsigned int flags);
/* Frees what fv_kmalloc() returned; the class is found from the address. */
void fv_kfree(void *obj);
/* Bytes fv_kmalloc() really reserves for @size (like ksize()). */
size_t fv_kmalloc_size(size_t size);

/* Totals over every cache, kmalloc classes and large blocks included. */
void fv_slab_total(struct fv_slab_counts *out);
/* Restarts every peak (and the total's) at the current live bytes. */
void fv_slab_reset_peaks(void);
/* Shrinks every cache (fv_slab_shrink()). */
void fv_slab_shrink_all(void);

#endif /* _FLATVM_FV_SLAB_H */
