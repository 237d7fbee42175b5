// SPDX-License-Identifier: GPL-2.0
/*
 * Host record allocator (fv_slab.h): caches of fixed-size objects, the way
 * the kernel's slab caches serve the core in flatvm.ko.
 *
 * What it does:
 * - A chunk is 2 MiB of anonymous memory, mapped at a 2 MiB boundary with
 *   madvise(MADV_HUGEPAGE), so that where transparent huge pages are on
 *   ("always" or "madvise") a chunk is one TLB entry instead of 512.  Its
 *   first cache line holds a header naming the owning cache (the way SLUB
 *   finds the slab of an object from its page), then objects follow at the
 *   cache's stride from offset 64, so 64-byte objects sit one per cache line.
 * - Objects are carved from the newest chunk on demand (untouched memory is
 *   never written), and freed objects go on a per-cache list reused last in,
 *   first out: the object freed last, still hot in the cache, is the next
 *   one handed out.  A cache gives its chunks back when it is empty
 *   (fv_slab_shrink()) or destroyed, to a pool of free chunks every cache
 *   takes from before it maps new ones (as slabs go back to the page
 *   allocator): memory once touched stays mapped and is reused, so a cache
 *   created anew for each run of a benchmark does not pay first-touch page
 *   faults again where a long-lived cache would not.
 * - kmalloc: caches of 8 to 8192 bytes (the kernel's kmalloc classes); a
 *   larger request gets its own 2 MiB-aligned mapping with the same header.
 * - Counters: live objects, their bytes (at the stride, what they occupy)
 *   and the peak of those bytes, per cache and in total.
 * - Fault injection for the tests (fv_slab_fail_after).
 * - Under AddressSanitizer, free objects and uncarved memory are poisoned,
 *   and freed objects wait in a quarantine of QUARANTINE objects per cache
 *   before reuse (as KASAN does), so a use after free is still caught.
 *
 * Not thread-safe: the host builds that use it are single-threaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fv_slab.h"

#if defined(__SANITIZE_ADDRESS__)
#define FV_SLAB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FV_SLAB_ASAN 1
#endif
#endif

#ifdef FV_SLAB_ASAN
#include <sanitizer/asan_interface.h>
#define QUARANTINE	1024
#define poison(p, n)	ASAN_POISON_MEMORY_REGION(p, n)
#define unpoison(p, n)	ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define poison(p, n)	((void)(p), (void)(n))
#define unpoison(p, n)	((void)(p), (void)(n))
#endif

/* Offset of the first object in a chunk: the header's cache line. */
#define FIRST_OBJ	64
#define MAX_ALIGN	4096
#define LARGE_MIN	8192	/* kmalloc above this: large blocks */

struct chunk {
	struct fv_slab *cache;	/* NULL for a large block */
	struct chunk *next;	/* the cache's chunks */
	size_t map_bytes;	/* bytes mapped (large blocks: more than 2 MiB) */
	size_t obj_bytes;	/* large blocks: bytes counted */
};

struct fv_slab {
	char name[32];
	size_t size;
	size_t stride;
	size_t align;
	void *free;		/* LIFO list, linked through the first word */
	char *next;		/* carving point in the newest chunk */
	char *end;
	struct chunk *chunks;
	struct fv_slab_counts n;
	struct fv_slab *link;	/* list of all caches */
#ifdef FV_SLAB_ASAN
	void *quarantine[QUARANTINE];
	unsigned int qhead;
	unsigned int qlen;
#endif
};

long fv_slab_fail_after = -1;
unsigned long fv_slab_failures;

static struct fv_slab *all_caches;
static struct fv_slab_counts total;
/* Free chunks (FV_SLAB_CHUNK bytes each), linked through chunk.next. */
static struct chunk *chunk_pool;
/* Large blocks, counted apart from every cache. */
static struct fv_slab_counts large;

static const size_t kmalloc_sizes[] = {
	8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192,
};
#define NKMALLOC	(sizeof(kmalloc_sizes) / sizeof(kmalloc_sizes[0]))
static struct fv_slab *kmalloc_caches[NKMALLOC];

static void count_alloc(struct fv_slab_counts *c, size_t bytes)
{
	c->live++;
	c->live_bytes += bytes;
	if (c->live_bytes > c->peak_bytes)
		c->peak_bytes = c->live_bytes;
}

static void count_free(struct fv_slab_counts *c, size_t bytes)
{
	c->live--;
	c->live_bytes -= bytes;
}

static int should_fail(unsigned int flags)
{
	if ((flags & FV_SLAB_NOFAIL) || fv_slab_fail_after < 0)
		return 0;
	if (fv_slab_fail_after == 0) {
		fv_slab_failures++;
		return 1;
	}
	fv_slab_fail_after--;
	return 0;
}

static void out_of_memory(const char *what)
{
	fprintf(stderr, "fv_slab: out of memory (%s)\n", what);
	abort();
}

/* @bytes (a multiple of FV_SLAB_CHUNK) mapped at a FV_SLAB_CHUNK boundary. */
static struct chunk *map_chunk(size_t bytes)
{
	size_t lead;
	char *p, *a;

	p = mmap(NULL, bytes + FV_SLAB_CHUNK, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	a = (char *)(((uintptr_t)p + FV_SLAB_CHUNK - 1) &
		     ~(uintptr_t)(FV_SLAB_CHUNK - 1));
	lead = (size_t)(a - p);
	if (lead)
		munmap(p, lead);
	munmap(a + bytes, FV_SLAB_CHUNK - lead);
	/* Only a hint: fails harmlessly where THP is off or unsupported. */
	madvise(a, bytes, MADV_HUGEPAGE);
	((struct chunk *)a)->map_bytes = bytes;
	return (struct chunk *)a;
}

static void unmap_chunk(struct chunk *ch)
{
	unpoison(ch, ch->map_bytes);
	munmap(ch, ch->map_bytes);
}

static struct chunk *chunk_of(const void *obj)
{
	return (struct chunk *)((uintptr_t)obj & ~(uintptr_t)(FV_SLAB_CHUNK - 1));
}

struct fv_slab *fv_slab_create(const char *name, size_t size, size_t align)
{
	struct fv_slab *c;
	size_t stride;

	if (!align)
		align = sizeof(void *);
	if (align & (align - 1) || align > MAX_ALIGN || !size ||
	    size > FV_SLAB_CHUNK / 4)
		return NULL;
	stride = size < sizeof(void *) ? sizeof(void *) : size;
	stride = (stride + align - 1) & ~(align - 1);
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->size = size;
	c->stride = stride;
	c->align = align;
	c->link = all_caches;
	all_caches = c;
	return c;
}

/* The cache's chunks go to the pool. */
static void drop_chunks(struct fv_slab *c)
{
	struct chunk *ch, *next;

	for (ch = c->chunks; ch; ch = next) {
		next = ch->next;
		total.chunk_bytes -= ch->map_bytes;
		ch->next = chunk_pool;
		chunk_pool = ch;
		poison((char *)ch + FIRST_OBJ, ch->map_bytes - FIRST_OBJ);
	}
	c->n.chunk_bytes = 0;
	c->chunks = NULL;
	c->free = NULL;
	c->next = NULL;
	c->end = NULL;
#ifdef FV_SLAB_ASAN
	c->qhead = 0;
	c->qlen = 0;
#endif
}

void fv_slab_destroy(struct fv_slab *c)
{
	struct fv_slab **pp;

	if (!c)
		return;
	for (pp = &all_caches; *pp != c; pp = &(*pp)->link)
		;
	*pp = c->link;
	total.live -= c->n.live;
	total.live_bytes -= c->n.live_bytes;
	drop_chunks(c);
	free(c);
}

static int grow(struct fv_slab *c)
{
	struct chunk *ch = chunk_pool;
	size_t first;

	if (ch) {
		chunk_pool = ch->next;
	} else {
		ch = map_chunk(FV_SLAB_CHUNK);
		if (!ch)
			return -ENOMEM;
	}
	ch->cache = c;
	ch->obj_bytes = 0;
	ch->next = c->chunks;
	c->chunks = ch;
	c->n.chunk_bytes += FV_SLAB_CHUNK;
	total.chunk_bytes += FV_SLAB_CHUNK;
	first = (FIRST_OBJ + c->align - 1) & ~(c->align - 1);
	c->next = (char *)ch + first;
	c->end = (char *)ch + FV_SLAB_CHUNK;
	poison(c->next, (size_t)(c->end - c->next));
	return 0;
}

#ifdef FV_SLAB_ASAN
/* The oldest quarantined object, when the quarantine is full, else NULL. */
static void *quarantine_push(struct fv_slab *c, void *obj)
{
	void *old = NULL;

	if (c->qlen == QUARANTINE) {
		old = c->quarantine[c->qhead];
		c->qhead = (c->qhead + 1) % QUARANTINE;
		c->qlen--;
	}
	c->quarantine[(c->qhead + c->qlen) % QUARANTINE] = obj;
	c->qlen++;
	return old;
}
#endif

void *fv_slab_alloc(struct fv_slab *c, unsigned int flags)
{
	void *obj;

	if (should_fail(flags))
		return NULL;
	if (c->free) {
		obj = c->free;
		unpoison(obj, c->stride);
		c->free = *(void **)obj;
	} else {
		/* No chunk yet (NULL), or too little left in the newest. */
		if ((!c->next || (size_t)(c->end - c->next) < c->stride) &&
		    grow(c)) {
			if (flags & FV_SLAB_NOFAIL)
				out_of_memory(c->name);
			return NULL;
		}
		obj = c->next;
		c->next += c->stride;
		unpoison(obj, c->stride);
	}
	count_alloc(&c->n, c->stride);
	count_alloc(&total, c->stride);
	if (flags & FV_SLAB_ZERO)
		memset(obj, 0, c->size);
	return obj;
}

void fv_slab_free(struct fv_slab *c, void *obj)
{
	if (!obj)
		return;
	if (chunk_of(obj)->cache != c) {
		fprintf(stderr, "fv_slab: %p freed to %s, not its cache\n", obj,
			c->name);
		abort();
	}
	count_free(&c->n, c->stride);
	count_free(&total, c->stride);
#ifdef FV_SLAB_ASAN
	poison(obj, c->stride);
	obj = quarantine_push(c, obj);
	if (!obj)
		return;
	unpoison(obj, sizeof(void *));
#endif
	*(void **)obj = c->free;
	c->free = obj;
	poison(obj, c->stride);
}

void fv_slab_shrink(struct fv_slab *c)
{
	if (c && !c->n.live)
		drop_chunks(c);
}

void fv_slab_counts(const struct fv_slab *c, struct fv_slab_counts *out)
{
	*out = c->n;
}

static int kmalloc_index(size_t size)
{
	unsigned int i;

	for (i = 0; i < NKMALLOC; i++)
		if (size <= kmalloc_sizes[i])
			return (int)i;
	return -1;
}

size_t fv_kmalloc_size(size_t size)
{
	int i = kmalloc_index(size ? size : 1);

	return i >= 0 ? kmalloc_sizes[i] : (size + 4095) & ~(size_t)4095;
}

static void *large_alloc(size_t size, unsigned int flags)
{
	size_t bytes = (size + FIRST_OBJ + FV_SLAB_CHUNK - 1) &
		       ~(FV_SLAB_CHUNK - 1);
	struct chunk *ch;

	ch = map_chunk(bytes);
	if (!ch) {
		if (flags & FV_SLAB_NOFAIL)
			out_of_memory("large block");
		return NULL;
	}
	ch->cache = NULL;
	ch->obj_bytes = fv_kmalloc_size(size);
	large.chunk_bytes += bytes;
	total.chunk_bytes += bytes;
	count_alloc(&large, ch->obj_bytes);
	count_alloc(&total, ch->obj_bytes);
	/* Fresh anonymous memory is zero: FV_SLAB_ZERO needs nothing. */
	return (char *)ch + FIRST_OBJ;
}

void *fv_kmalloc(size_t size, unsigned int flags)
{
	int i = kmalloc_index(size ? size : 1);
	char name[32];

	if (i < 0) {
		if (should_fail(flags))
			return NULL;
		return large_alloc(size, flags);
	}
	if (!kmalloc_caches[i]) {
		snprintf(name, sizeof(name), "kmalloc-%zu", kmalloc_sizes[i]);
		/* 8-byte alignment, as the kernel's kmalloc classes. */
		kmalloc_caches[i] = fv_slab_create(name, kmalloc_sizes[i], 0);
		if (!kmalloc_caches[i]) {
			if (flags & FV_SLAB_NOFAIL)
				out_of_memory(name);
			return NULL;
		}
	}
	return fv_slab_alloc(kmalloc_caches[i], flags);
}

void fv_kfree(void *obj)
{
	struct chunk *ch;

	if (!obj)
		return;
	ch = chunk_of(obj);
	if (ch->cache) {
		fv_slab_free(ch->cache, obj);
		return;
	}
	count_free(&large, ch->obj_bytes);
	count_free(&total, ch->obj_bytes);
	large.chunk_bytes -= ch->map_bytes;
	total.chunk_bytes -= ch->map_bytes;
	unmap_chunk(ch);
}

void fv_slab_total(struct fv_slab_counts *out)
{
	*out = total;
}

void fv_slab_reset_peaks(void)
{
	struct fv_slab *c;

	for (c = all_caches; c; c = c->link)
		c->n.peak_bytes = c->n.live_bytes;
	large.peak_bytes = large.live_bytes;
	total.peak_bytes = total.live_bytes;
}

void fv_slab_shrink_all(void)
{
	struct fv_slab *c;

	for (c = all_caches; c; c = c->link)
		fv_slab_shrink(c);
}
