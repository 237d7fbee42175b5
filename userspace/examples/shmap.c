// SPDX-License-Identifier: GPL-2.0
/*
 * shmap: the two address models of the demo's hash map (see shmap.h for
 * the structure and the publication protocol).
 */
#include <errno.h>
#include <string.h>

#include "shmap.h"

uint64_t shmap_hash(const char *s, uint32_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;	/* FNV-1a */
	uint32_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

struct pmap *pmap_create(shmap_alloc_fn alloc, void *ctx)
{
	struct pmap *m = alloc(ctx, sizeof(*m));

	if (!m)
		return NULL;
	m->buckets = alloc(ctx, SHMAP_BUCKETS * sizeof(m->buckets[0]));
	if (!m->buckets)
		return NULL;
	memset(m->buckets, 0, SHMAP_BUCKETS * sizeof(m->buckets[0]));
	m->nbuckets = SHMAP_BUCKETS;
	m->count = 0;
	m->magic = SHMAP_MAGIC;
	return m;
}

int pmap_insert(struct pmap *m, shmap_alloc_fn alloc, void *ctx,
		const char *key, uint32_t klen, const char *val, uint32_t vlen)
{
	uint64_t h = shmap_hash(key, klen);
	struct pnode *n = alloc(ctx, sizeof(*n) + klen + vlen), **head;

	if (!n)
		return -ENOMEM;
	head = &m->buckets[h % m->nbuckets];
	n->hash = h;
	n->klen = klen;
	n->vlen = vlen;
	memcpy(n->kv, key, klen);
	memcpy(n->kv + klen, val, vlen);
	n->next = __atomic_load_n(head, __ATOMIC_RELAXED);
	__atomic_store_n(head, n, __ATOMIC_RELEASE);
	__atomic_store_n(&m->count, m->count + 1, __ATOMIC_RELEASE);
	return 0;
}

void pmap_free(struct pmap *m, void (*release)(void *))
{
	uint32_t i;

	for (i = 0; i < m->nbuckets; i++) {
		struct pnode *n = m->buckets[i], *next;

		for (; n; n = next) {
			next = n->next;
			release(n);
		}
	}
	release(m->buckets);
	release(m);
}

const char *pmap_lookup(const struct pmap *m, const char *key, uint32_t klen,
			uint32_t *vlen, shmap_ensure_fn ensure, void *ctx)
{
	uint64_t h = shmap_hash(key, klen);
	struct pnode *const *head = &m->buckets[h % m->nbuckets];
	const struct pnode *n;

	if (ensure && ensure(ctx, head, sizeof(*head)))
		return NULL;
	for (n = __atomic_load_n(head, __ATOMIC_ACQUIRE); n;
	     n = __atomic_load_n(&n->next, __ATOMIC_ACQUIRE)) {
		/*
		 * One check per node: a node lies in one allocation, hence in
		 * one range, and a view attaches ranges whole.
		 */
		if (ensure && ensure(ctx, n, sizeof(*n)))
			return NULL;
		if (n->hash == h && n->klen == klen && !memcmp(n->kv, key, klen)) {
			*vlen = n->vlen;
			return n->kv + klen;
		}
	}
	return NULL;
}

static void *omap_bump(struct omap *m, size_t size)
{
	uint64_t at = (m->used + 15) & ~15ull;

	if (at + size > m->size)
		return NULL;
	m->used = at + size;
	return (char *)m + at;
}

int omap_create(void *base, size_t size)
{
	struct omap *m = base;
	uint64_t *b;

	if (size < sizeof(*m))
		return -ENOSPC;
	m->size = size;
	m->used = sizeof(*m);
	b = omap_bump(m, SHMAP_BUCKETS * sizeof(uint64_t));
	if (!b)
		return -ENOSPC;
	memset(b, 0, SHMAP_BUCKETS * sizeof(uint64_t));
	m->buckets = (uint64_t)((char *)b - (char *)m);
	m->nbuckets = SHMAP_BUCKETS;
	m->count = 0;
	m->magic = SHMAP_MAGIC;
	return 0;
}

int omap_insert(void *base, const char *key, uint32_t klen, const char *val,
		uint32_t vlen)
{
	struct omap *m = base;
	uint64_t h = shmap_hash(key, klen), *head;
	struct onode *n = omap_bump(m, sizeof(*n) + klen + vlen);

	if (!n)
		return -ENOSPC;
	head = (uint64_t *)((char *)base + m->buckets) + h % m->nbuckets;
	n->hash = h;
	n->klen = klen;
	n->vlen = vlen;
	memcpy(n->kv, key, klen);
	memcpy(n->kv + klen, val, vlen);
	n->next = __atomic_load_n(head, __ATOMIC_RELAXED);
	__atomic_store_n(head, (uint64_t)((char *)n - (char *)base), __ATOMIC_RELEASE);
	__atomic_store_n(&m->count, m->count + 1, __ATOMIC_RELEASE);
	return 0;
}

const char *omap_lookup(const void *base, const char *key, uint32_t klen,
			uint32_t *vlen)
{
	const struct omap *m = base;
	uint64_t h = shmap_hash(key, klen), off;
	const uint64_t *head = (const uint64_t *)((const char *)base + m->buckets) +
			       h % m->nbuckets;

	for (off = __atomic_load_n(head, __ATOMIC_ACQUIRE); off;) {
		const struct onode *n = (const void *)((const char *)base + off);

		if (n->hash == h && n->klen == klen && !memcmp(n->kv, key, klen)) {
			*vlen = n->vlen;
			return n->kv + klen;
		}
		off = __atomic_load_n(&n->next, __ATOMIC_ACQUIRE);
	}
	return NULL;
}
