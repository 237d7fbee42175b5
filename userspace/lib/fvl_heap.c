// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libflatvm: the pointer allocator.  malloc/free of objects carved from
 * flatvm ranges, so an application builds linked structures directly in
 * memory that other processes map at the same address.
 *
 * Design.
 *  - Chunks.  The heap grows by FLATVM_IOC_ALLOC of one *chunk* (1 MiB by
 *    default), aligned to its own size, cut into 64 KiB *slabs*.  A slab
 *    serves one *size class*: 32 classes from 16 bytes to
 *    FLATVM_HEAP_SMALL_MAX (8 KiB), four per power of two, so at most 25%
 *    of an object is rounding.  A slab keeps a bitmap of its free objects.
 *  - Large objects (above 8 KiB) get a range of their own, rounded up to
 *    pages and aligned to the chunk size (address space only: the window
 *    is 16 TiB).
 *  - Metadata is private.  Slab descriptors, bitmaps and the lookup table
 *    live in ordinary memory of the owning process, never in the shared
 *    ranges: a grantee that may write cannot corrupt the allocator, readers
 *    see only objects, and free() checks its argument (a pointer that is not
 *    the start of a live object, double frees included, is -EINVAL).
 *  - Lookup.  Since every range starts at a multiple of the chunk size, an
 *    address's chunk is one slot of a two-level table indexed by
 *    address / chunk size over the window, read without a lock (acquire
 *    loads; slots are set under the heap lock before the range's first
 *    object is handed out).  The slab is (address - chunk) / 64 KiB.
 *  - Locks.  One mutex per size class guards its slabs (list of slabs with
 *    a free object, their bitmaps); one heap mutex guards the pool of empty
 *    slabs, the list of ranges, growth, the grantees and the hook.  Order:
 *    class lock, then heap lock.  Threads allocating different classes do
 *    not contend; free() from any thread takes the object's class lock.
 *  - Empty slabs return to the heap's pool and serve any class (a class
 *    keeps its last slab to avoid ping-pong); chunks are kept until
 *    flatvm_heap_destroy().
 *  - Sharing.  flatvm_heap_grant_all() grants every range to a process and
 *    remembers it: each range added later is granted to it (and shown to
 *    the growth hook) before any object in it is returned, so a pointer the
 *    application publishes afterwards always leads to a range the reader
 *    holds.  The reader still has to map it (flatvm_view_ensure()).
 *
 * Limits.
 *  - Another process following the pointers needs every range granted
 *    (flatvm_heap_grant_all()) and attached (flatvm_view_ensure() or
 *    flatvm_attach_at()).
 *  - Memory of small objects goes back to the kernel only at
 *    flatvm_heap_destroy().  A freed large object's range is released, but a
 *    grantee keeps its hold (and the pages) until it releases them.
 *  - The heap does not know what readers are reading: an object freed while
 *    a reader may still follow a pointer to it can be reused under the
 *    reader.  Defer frees the way RCU does, or never free what was published.
 *  - Large allocations, growth and grants are serialised by the heap lock.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libflatvm.h"

#define FVH_PAGE		4096u
#define FVH_SLAB_SHIFT		16
#define FVH_SLAB_SIZE		(1u << FVH_SLAB_SHIFT)
#define FVH_SLAB_WORDS		(FVH_SLAB_SIZE / FLATVM_HEAP_ALIGN / 64)
#define FVH_NCLASSES		32
#define FVH_NO_CLASS		UINT32_MAX
#define FVH_LEAF_SHIFT		12
#define FVH_LEAF_SLOTS		(1u << FVH_LEAF_SHIFT)
#define FVH_DEFAULT_CHUNK	(1u << 20)
#define FVH_MIN_CHUNK		FVH_SLAB_SIZE
#define FVH_MAX_CHUNK		(1ull << 30)

/* Four classes per power of two: 16, 32, ..., 128, then 160, 192, 224, 256 ... */
static const uint32_t fvh_class_size[FVH_NCLASSES] = {
	16, 32, 48, 64, 80, 96, 112, 128,
	160, 192, 224, 256, 320, 384, 448, 512,
	640, 768, 896, 1024, 1280, 1536, 1792, 2048,
	2560, 3072, 3584, 4096, 5120, 6144, 7168, 8192,
};

struct fvh_chunk;

/**
 * struct fvh_slab - one 64 KiB slab of a chunk.
 * @next, @prev: in its class's partial list (class lock) or, empty, in the
 *		heap's pool (heap lock; @next only).
 * @chunk:	its chunk (constant).
 * @base:	first byte (constant).
 * @cls:	size class, FVH_NO_CLASS while in the pool; written under the
 *		class lock, read atomically by free() to find that lock.
 * @size, @nobj: object size and count (class lock).
 * @nfree:	free objects (class lock).
 * @hint:	bitmap word to search first (class lock).
 * @free:	bit set: object free (class lock).
 */
struct fvh_slab {
	struct fvh_slab *next, *prev;
	struct fvh_chunk *chunk;
	char *base;
	uint32_t cls;
	uint32_t size, nobj, nfree, hint;
	uint64_t free[FVH_SLAB_WORDS];
};

/**
 * struct fvh_chunk - one range of the heap.
 * @next:	in the heap's list of ranges (heap lock).
 * @base, @len:	the range (constant).
 * @nslabs:	slabs in @slabs; 0 for a large object's range.
 * @slabs:	the slabs.
 */
struct fvh_chunk {
	struct fvh_chunk *next;
	char *base;
	uint64_t len;
	uint32_t nslabs;
	struct fvh_slab slabs[];
};

struct fvh_class {
	pthread_mutex_t lock;
	struct fvh_slab *partial;	/* slabs with a free object */
};

struct fvh_grantee {
	int pidfd;	/* the heap's own duplicate */
	int pid;	/* to recognise it in revoke_all(), -errno if unknown */
	uint32_t rights;
};

struct flatvm_heap {
	int fd;
	uint32_t flags, rights;
	uint64_t chunk_size;
	unsigned int chunk_shift;
	uintptr_t first_slot;		/* window base / chunk size */
	size_t nslots, ntop;
	struct fvh_chunk ***top;	/* leaves: atomic pointers */

	pthread_mutex_t lock;		/* everything below, with the leaves */
	struct fvh_slab *pool;
	struct fvh_chunk *ranges;
	struct fvh_grantee *grantees;
	size_t ngrantees, grantee_cap;
	flatvm_range_fn hook;
	void *hook_ctx;

	/* Counters, updated with relaxed atomics. */
	uint64_t nchunks, nlarge, mapped_bytes, live_objects, live_bytes;

	struct fvh_class classes[FVH_NCLASSES];
};

static void fvh_count(uint64_t *counter, int64_t delta)
{
	__atomic_fetch_add(counter, (uint64_t)delta, __ATOMIC_RELAXED);
}

static uint64_t fvh_read(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

/* Smallest class holding @size bytes (1 <= size <= FLATVM_HEAP_SMALL_MAX). */
static unsigned int fvh_class_of(size_t size)
{
	unsigned int lo = 0, hi = FVH_NCLASSES - 1;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (fvh_class_size[mid] >= size)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* The lookup table: chunk of an address, or NULL. */
static struct fvh_chunk *fvh_slot_get(const struct flatvm_heap *h,
				      uintptr_t addr)
{
	uintptr_t i = (addr >> h->chunk_shift) - h->first_slot;
	struct fvh_chunk **leaf;

	if ((addr >> h->chunk_shift) < h->first_slot || i >= h->nslots)
		return NULL;
	leaf = __atomic_load_n(&h->top[i >> FVH_LEAF_SHIFT], __ATOMIC_ACQUIRE);
	if (!leaf)
		return NULL;
	return __atomic_load_n(&leaf[i & (FVH_LEAF_SLOTS - 1)],
			       __ATOMIC_ACQUIRE);
}

/* Set the slot of @c's first byte.  Context: heap lock. */
static int fvh_slot_set_locked(struct flatvm_heap *h, struct fvh_chunk *c)
{
	uintptr_t i = ((uintptr_t)c->base >> h->chunk_shift) - h->first_slot;
	struct fvh_chunk **leaf;

	if (i >= h->nslots)
		return -EFAULT;		/* the device answered outside its window */
	leaf = h->top[i >> FVH_LEAF_SHIFT];
	if (!leaf) {
		leaf = calloc(FVH_LEAF_SLOTS, sizeof(*leaf));
		if (!leaf)
			return -ENOMEM;
		__atomic_store_n(&h->top[i >> FVH_LEAF_SHIFT], leaf,
				 __ATOMIC_RELEASE);
	}
	__atomic_store_n(&leaf[i & (FVH_LEAF_SLOTS - 1)], c, __ATOMIC_RELEASE);
	return 0;
}

/* Clear @c's slot if it still holds @c: true when this call cleared it. */
static bool fvh_slot_clear(struct flatvm_heap *h, struct fvh_chunk *c)
{
	uintptr_t i = ((uintptr_t)c->base >> h->chunk_shift) - h->first_slot;
	struct fvh_chunk **leaf = __atomic_load_n(&h->top[i >> FVH_LEAF_SHIFT],
						  __ATOMIC_ACQUIRE);
	struct fvh_chunk *expected = c;

	return __atomic_compare_exchange_n(&leaf[i & (FVH_LEAF_SLOTS - 1)],
					   &expected, NULL, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* Revoke @c from grantees [0, n).  Context: heap lock. */
static void fvh_revoke_some_locked(struct flatvm_heap *h,
				   const struct fvh_chunk *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		flatvm_revoke(h->fd, h->grantees[i].pidfd, c->base, c->len);
}

static void fvh_drop_grantee_locked(struct flatvm_heap *h, size_t i)
{
	close(h->grantees[i].pidfd);
	h->grantees[i] = h->grantees[--h->ngrantees];
}

/*
 * Make a freshly allocated range known: slot, grants, hook, list.  On
 * failure the range is left for the caller to release and nothing else
 * remains.  Context: heap lock.
 */
static int fvh_add_range_locked(struct flatvm_heap *h, struct fvh_chunk *c)
{
	size_t i = 0;
	int ret;

	ret = fvh_slot_set_locked(h, c);
	if (ret)
		return ret;
	while (i < h->ngrantees) {
		ret = flatvm_grant(h->fd, h->grantees[i].pidfd, c->base, c->len,
				   h->grantees[i].rights);
		if (ret == -ESRCH) {
			/* The grantee exited: forget it (the last one moves here). */
			fvh_drop_grantee_locked(h, i);
			continue;
		}
		if (ret)
			goto undo;
		i++;
	}
	if (h->hook) {
		ret = h->hook(h->hook_ctx, c->base, c->len);
		if (ret) {
			ret = ret < 0 ? ret : -ECANCELED;
			goto undo;
		}
	}
	c->next = h->ranges;
	h->ranges = c;
	fvh_count(&h->mapped_bytes, (int64_t)c->len);
	fvh_count(c->nslabs ? &h->nchunks : &h->nlarge, 1);
	return 0;
undo:
	fvh_revoke_some_locked(h, c, i);
	fvh_slot_clear(h, c);
	return ret;
}

/* Allocate and add a range of @len bytes for @c.  Context: heap lock. */
static int fvh_new_range_locked(struct flatvm_heap *h, struct fvh_chunk *c,
				uint64_t len)
{
	void *addr;
	int ret;

	ret = flatvm_alloc(h->fd, len, h->chunk_size, h->rights,
			   h->flags & FLATVM_HEAP_LAZY ? FLATVM_ALLOC_LAZY : 0,
			   &addr);
	if (ret)
		return ret;
	c->base = addr;
	c->len = len;
	ret = fvh_add_range_locked(h, c);
	if (ret)
		flatvm_release(h->fd, addr, len);
	return ret;
}

/* Unlink @c from the list of ranges.  Context: heap lock. */
static void fvh_unlink_locked(struct flatvm_heap *h, struct fvh_chunk *c)
{
	struct fvh_chunk **pp;

	for (pp = &h->ranges; *pp != c; pp = &(*pp)->next)
		;
	*pp = c->next;
}

/* An empty slab from the pool, growing the heap if needed.  Context: heap lock. */
static struct fvh_slab *fvh_take_slab_locked(struct flatvm_heap *h, int *err)
{
	struct fvh_chunk *c;
	struct fvh_slab *s;
	uint32_t n, i;

	if (!h->pool) {
		n = (uint32_t)(h->chunk_size >> FVH_SLAB_SHIFT);
		c = calloc(1, sizeof(*c) + n * sizeof(c->slabs[0]));
		if (!c) {
			*err = -ENOMEM;
			return NULL;
		}
		c->nslabs = n;
		*err = fvh_new_range_locked(h, c, h->chunk_size);
		if (*err) {
			free(c);
			return NULL;
		}
		for (i = n; i-- > 0;) {
			s = &c->slabs[i];
			s->chunk = c;
			s->base = c->base + ((size_t)i << FVH_SLAB_SHIFT);
			s->cls = FVH_NO_CLASS;
			s->next = h->pool;
			h->pool = s;
		}
	}
	s = h->pool;
	h->pool = s->next;
	return s;
}

static void fvh_partial_add(struct fvh_class *k, struct fvh_slab *s)
{
	s->prev = NULL;
	s->next = k->partial;
	if (k->partial)
		k->partial->prev = s;
	k->partial = s;
}

static void fvh_partial_del(struct fvh_class *k, struct fvh_slab *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		k->partial = s->next;
	if (s->next)
		s->next->prev = s->prev;
}

/* Give an empty slab to class @cls.  Context: class lock. */
static void fvh_slab_init(struct fvh_slab *s, unsigned int cls)
{
	uint32_t size = fvh_class_size[cls], nobj = FVH_SLAB_SIZE / size, w;

	s->size = size;
	s->nobj = nobj;
	s->nfree = nobj;
	s->hint = 0;
	for (w = 0; w < FVH_SLAB_WORDS; w++) {
		uint32_t first = w * 64;

		if (first + 64 <= nobj)
			s->free[w] = ~0ull;
		else if (first < nobj)
			s->free[w] = (1ull << (nobj - first)) - 1;
		else
			s->free[w] = 0;
	}
	__atomic_store_n(&s->cls, cls, __ATOMIC_RELEASE);
}

/* Take one free object of @s (nfree > 0).  Context: class lock. */
static void *fvh_slab_pop(struct fvh_slab *s)
{
	uint32_t w = s->hint, n;

	for (n = 0; n < FVH_SLAB_WORDS; n++, w = (w + 1) % FVH_SLAB_WORDS) {
		if (s->free[w]) {
			unsigned int bit = (unsigned int)__builtin_ctzll(s->free[w]);

			s->free[w] &= s->free[w] - 1;
			s->hint = w;
			s->nfree--;
			return s->base + (size_t)(w * 64 + bit) * s->size;
		}
	}
	return NULL;	/* not reached: nfree > 0 */
}

static void *fvh_alloc_small(struct flatvm_heap *h, size_t size)
{
	unsigned int cls = fvh_class_of(size);
	struct fvh_class *k = &h->classes[cls];
	struct fvh_slab *s;
	uint32_t objsize;
	void *p;
	int err = 0;

	pthread_mutex_lock(&k->lock);
	s = k->partial;
	if (!s) {
		pthread_mutex_lock(&h->lock);
		s = fvh_take_slab_locked(h, &err);
		pthread_mutex_unlock(&h->lock);
		if (!s) {
			pthread_mutex_unlock(&k->lock);
			errno = -err;
			return NULL;
		}
		fvh_slab_init(s, cls);
		fvh_partial_add(k, s);
	}
	p = fvh_slab_pop(s);
	objsize = s->size;
	if (!s->nfree)
		fvh_partial_del(k, s);
	pthread_mutex_unlock(&k->lock);
	fvh_count(&h->live_objects, 1);
	fvh_count(&h->live_bytes, objsize);
	return p;
}

static void *fvh_alloc_large(struct flatvm_heap *h, size_t size)
{
	struct fvh_chunk *c;
	uint64_t len;
	int ret;

	if (size > (uint64_t)h->nslots << h->chunk_shift) {
		errno = EOVERFLOW;
		return NULL;
	}
	len = ((uint64_t)size + FVH_PAGE - 1) & ~(uint64_t)(FVH_PAGE - 1);
	c = calloc(1, sizeof(*c));
	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_lock(&h->lock);
	ret = fvh_new_range_locked(h, c, len);
	pthread_mutex_unlock(&h->lock);
	if (ret) {
		free(c);
		errno = -ret;
		return NULL;
	}
	fvh_count(&h->live_objects, 1);
	fvh_count(&h->live_bytes, (int64_t)len);
	return c->base;
}

void *flatvm_heap_alloc(struct flatvm_heap *h, size_t size)
{
	if (!size)
		size = 1;
	if (size <= FLATVM_HEAP_SMALL_MAX)
		return fvh_alloc_small(h, size);
	return fvh_alloc_large(h, size);
}

void *flatvm_heap_zalloc(struct flatvm_heap *h, size_t size)
{
	void *p = flatvm_heap_alloc(h, size);

	if (p)
		memset(p, 0, size);
	return p;
}

static int fvh_free_large(struct flatvm_heap *h, struct fvh_chunk *c,
			  const char *p)
{
	if (p != c->base || !fvh_slot_clear(h, c))
		return -EINVAL;
	pthread_mutex_lock(&h->lock);
	fvh_unlink_locked(h, c);
	flatvm_release(h->fd, c->base, c->len);
	pthread_mutex_unlock(&h->lock);
	fvh_count(&h->mapped_bytes, -(int64_t)c->len);
	fvh_count(&h->nlarge, -1);
	fvh_count(&h->live_objects, -1);
	fvh_count(&h->live_bytes, -(int64_t)c->len);
	free(c);
	return 0;
}

/*
 * The slab, object index and class of @p, with the class lock taken, or
 * NULL when @p is not the start of an object of a slab in use.
 */
static struct fvh_slab *fvh_lock_object(struct flatvm_heap *h,
					struct fvh_chunk *c, const char *p,
					uint32_t *index, struct fvh_class **k)
{
	struct fvh_slab *s = &c->slabs[(size_t)(p - c->base) >> FVH_SLAB_SHIFT];
	uint32_t cls = __atomic_load_n(&s->cls, __ATOMIC_ACQUIRE);
	size_t off;

	if (cls == FVH_NO_CLASS)
		return NULL;
	pthread_mutex_lock(&h->classes[cls].lock);
	off = (size_t)(p - s->base);
	if (__atomic_load_n(&s->cls, __ATOMIC_RELAXED) != cls ||
	    off % s->size || off / s->size >= s->nobj) {
		pthread_mutex_unlock(&h->classes[cls].lock);
		return NULL;
	}
	*index = (uint32_t)(off / s->size);
	*k = &h->classes[cls];
	return s;
}

int flatvm_heap_free(struct flatvm_heap *h, void *ptr)
{
	const char *p = ptr;
	struct fvh_chunk *c;
	struct fvh_class *k;
	struct fvh_slab *s;
	uint32_t i, size;
	uint64_t bit;

	if (!p)
		return 0;
	c = fvh_slot_get(h, (uintptr_t)p);
	if (!c || p < c->base || p >= c->base + c->len)
		return -EINVAL;
	if (!c->nslabs)
		return fvh_free_large(h, c, p);
	s = fvh_lock_object(h, c, p, &i, &k);
	if (!s)
		return -EINVAL;
	bit = 1ull << (i % 64);
	if (s->free[i / 64] & bit) {
		pthread_mutex_unlock(&k->lock);
		return -EINVAL;		/* double free */
	}
	s->free[i / 64] |= bit;
	size = s->size;
	if (++s->nfree == 1)
		fvh_partial_add(k, s);
	if (s->nfree == s->nobj && (s->prev || s->next)) {
		/* Empty and not the class's only slab: back to the pool. */
		fvh_partial_del(k, s);
		__atomic_store_n(&s->cls, FVH_NO_CLASS, __ATOMIC_RELEASE);
		pthread_mutex_lock(&h->lock);
		s->next = h->pool;
		h->pool = s;
		pthread_mutex_unlock(&h->lock);
	}
	pthread_mutex_unlock(&k->lock);
	fvh_count(&h->live_objects, -1);
	fvh_count(&h->live_bytes, -(int64_t)size);
	return 0;
}

size_t flatvm_heap_usable_size(struct flatvm_heap *h, const void *ptr)
{
	const char *p = ptr;
	struct fvh_chunk *c = fvh_slot_get(h, (uintptr_t)p);
	struct fvh_class *k;
	struct fvh_slab *s;
	size_t size = 0;
	uint32_t i;

	if (!c || p < c->base || p >= c->base + c->len)
		return 0;
	if (!c->nslabs)
		return p == c->base ? c->len : 0;
	s = fvh_lock_object(h, c, p, &i, &k);
	if (!s)
		return 0;
	if (!(s->free[i / 64] & (1ull << (i % 64))))
		size = s->size;
	pthread_mutex_unlock(&k->lock);
	return size;
}

int flatvm_heap_create(int fd, const struct flatvm_heap_opts *opts,
		       struct flatvm_heap **heap)
{
	struct flatvm_heap_opts o = { .size = sizeof(o) };
	struct flatvm_stats st;
	struct flatvm_heap *h;
	uintptr_t last;
	unsigned int i;
	int ret;

	if (opts) {
		if (opts->size < sizeof(o))
			return -EINVAL;
		o = *opts;
	}
	if ((o.flags & ~FLATVM_HEAP_LAZY) || o.pad ||
	    (o.rights & ~FLATVM_RIGHTS_ALL))
		return -EINVAL;
	if (!o.rights)
		o.rights = FLATVM_RIGHT_READ | FLATVM_RIGHT_WRITE;
	if (!(o.rights & FLATVM_RIGHT_READ))
		return -EINVAL;
	if (!o.chunk_size)
		o.chunk_size = FVH_DEFAULT_CHUNK;
	if (o.chunk_size < FVH_MIN_CHUNK || o.chunk_size > FVH_MAX_CHUNK ||
	    (o.chunk_size & (o.chunk_size - 1)))
		return -EINVAL;
	ret = flatvm_stats(fd, &st);
	if (ret)
		return ret;
	if (!st.window_size || st.window_base + st.window_size < st.window_base)
		return -EINVAL;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->fd = fd;
	h->flags = o.flags;
	h->rights = o.rights;
	h->chunk_size = o.chunk_size;
	h->chunk_shift = (unsigned int)__builtin_ctzll(o.chunk_size);
	h->first_slot = (uintptr_t)st.window_base >> h->chunk_shift;
	last = (uintptr_t)(st.window_base + st.window_size - 1) >> h->chunk_shift;
	h->nslots = last - h->first_slot + 1;
	h->ntop = (h->nslots + FVH_LEAF_SLOTS - 1) >> FVH_LEAF_SHIFT;
	h->top = calloc(h->ntop, sizeof(*h->top));
	if (!h->top) {
		free(h);
		return -ENOMEM;
	}
	pthread_mutex_init(&h->lock, NULL);
	for (i = 0; i < FVH_NCLASSES; i++)
		pthread_mutex_init(&h->classes[i].lock, NULL);
	*heap = h;
	return 0;
}

void flatvm_heap_destroy(struct flatvm_heap *h)
{
	struct fvh_chunk *c, *next;
	size_t i;

	if (!h)
		return;
	for (c = h->ranges; c; c = next) {
		next = c->next;
		flatvm_release(h->fd, c->base, c->len);
		free(c);
	}
	for (i = 0; i < h->ntop; i++)
		free(h->top[i]);
	free(h->top);
	for (i = 0; i < h->ngrantees; i++)
		close(h->grantees[i].pidfd);
	free(h->grantees);
	for (i = 0; i < FVH_NCLASSES; i++)
		pthread_mutex_destroy(&h->classes[i].lock);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

int flatvm_heap_for_each_range(struct flatvm_heap *h, flatvm_range_fn fn,
			       void *ctx)
{
	struct fvh_chunk *c;
	int ret = 0;

	pthread_mutex_lock(&h->lock);
	for (c = h->ranges; c && !ret; c = c->next)
		ret = fn(ctx, c->base, c->len);
	pthread_mutex_unlock(&h->lock);
	return ret;
}

int flatvm_heap_set_grow_hook(struct flatvm_heap *h, flatvm_range_fn fn,
			      void *ctx)
{
	pthread_mutex_lock(&h->lock);
	h->hook = fn;
	h->hook_ctx = ctx;
	pthread_mutex_unlock(&h->lock);
	return 0;
}

/* Index of the grantee whose pid is @pid, or -1.  Context: heap lock. */
static ssize_t fvh_find_grantee_locked(const struct flatvm_heap *h, int pid)
{
	size_t i;

	if (pid <= 0)
		return -1;
	for (i = 0; i < h->ngrantees; i++)
		if (h->grantees[i].pid == pid)
			return (ssize_t)i;
	return -1;
}

int flatvm_heap_grant_all(struct flatvm_heap *h, int pidfd, uint32_t rights)
{
	struct fvh_grantee g = { .rights = rights };
	struct fvh_chunk *c, *done;
	int ret = 0;

	g.pid = flatvm_pidfd_pid(pidfd);
	if (g.pid == -EBADF || g.pid == -ESRCH)
		return g.pid;
	pthread_mutex_lock(&h->lock);
	if (fvh_find_grantee_locked(h, g.pid) >= 0) {
		ret = -EEXIST;
		goto out;
	}
	if (h->ngrantees == h->grantee_cap) {
		size_t cap = h->grantee_cap ? 2 * h->grantee_cap : 4;
		struct fvh_grantee *n = realloc(h->grantees, cap * sizeof(*n));

		if (!n) {
			ret = -ENOMEM;
			goto out;
		}
		h->grantees = n;
		h->grantee_cap = cap;
	}
	g.pidfd = fcntl(pidfd, F_DUPFD_CLOEXEC, 3);
	if (g.pidfd < 0) {
		ret = -errno;
		goto out;
	}
	for (c = h->ranges; c; c = c->next) {
		ret = flatvm_grant(h->fd, g.pidfd, c->base, c->len, rights);
		if (ret)
			break;
	}
	if (ret) {
		for (done = h->ranges; done != c; done = done->next)
			flatvm_revoke(h->fd, g.pidfd, done->base, done->len);
		close(g.pidfd);
		goto out;
	}
	h->grantees[h->ngrantees++] = g;
out:
	pthread_mutex_unlock(&h->lock);
	if (ret)
		errno = -ret;
	return ret;
}

int flatvm_heap_revoke_all(struct flatvm_heap *h, int pidfd)
{
	struct fvh_chunk *c;
	ssize_t i;
	int pid, ret = 0, r;

	pid = flatvm_pidfd_pid(pidfd);
	pthread_mutex_lock(&h->lock);
	i = fvh_find_grantee_locked(h, pid);
	if (i < 0) {
		pthread_mutex_unlock(&h->lock);
		errno = ENOENT;
		return -ENOENT;
	}
	for (c = h->ranges; c; c = c->next) {
		r = flatvm_revoke(h->fd, h->grantees[i].pidfd, c->base, c->len);
		if (r && r != -ENOENT && r != -ESRCH && !ret)
			ret = r;
	}
	fvh_drop_grantee_locked(h, (size_t)i);
	pthread_mutex_unlock(&h->lock);
	if (ret)
		errno = -ret;
	return ret;
}

void flatvm_heap_stats(struct flatvm_heap *h, struct flatvm_heap_stats *st)
{
	st->chunks = fvh_read(&h->nchunks);
	st->large = fvh_read(&h->nlarge);
	st->mapped_bytes = fvh_read(&h->mapped_bytes);
	st->live_objects = fvh_read(&h->live_objects);
	st->live_bytes = fvh_read(&h->live_bytes);
	pthread_mutex_lock(&h->lock);
	st->grantees = h->ngrantees;
	pthread_mutex_unlock(&h->lock);
}
