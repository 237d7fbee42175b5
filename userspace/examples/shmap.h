/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shmap: the demo's shared hash map of string keys and values, in two
 * address models.
 *
 *  - pmap: linked by raw pointers.  Built by the writer inside flatvm
 *    ranges (libflatvm's heap), where a pointer means the same in every
 *    process; also the pipe readers' private copy (malloc).
 *  - omap: linked by offsets from the start of a memfd mapping (what
 *    Boost.Interprocess's offset_ptr does), which each process maps at
 *    whatever address it gets.  Its memory is one bump-allocated block,
 *    sized up front: a mapping cannot grow under readers that have mapped
 *    it, so a real program would have to remap.
 *
 * Both are insert-only chained hash tables with a fixed number of buckets
 * (2^17: no resize, which readers could not follow).  Publication: a node
 * is written completely, then linked in front of its chain with one
 * release store of the bucket head; readers load heads and links with
 * acquire loads, so a reader sees either the old chain or the new node
 * with all its bytes.  Nodes are never changed nor freed once linked.
 * One writer; any number of readers (no seqlock needed: nothing a reader
 * can see is ever rewritten).
 */
#ifndef SHMAP_H
#define SHMAP_H

#include <stddef.h>
#include <stdint.h>

#define SHMAP_BUCKETS	(1u << 17)
#define SHMAP_MAGIC	0x53484d31u	/* "SHM1" */

/* Allocation for pmap (writer) and the check that memory is mapped (reader). */
typedef void *(*shmap_alloc_fn)(void *ctx, size_t size);
typedef int (*shmap_ensure_fn)(void *ctx, const void *p, size_t len);

struct pnode {
	struct pnode *next;
	uint64_t hash;
	uint32_t klen, vlen;
	char kv[];		/* key, then value (no terminators) */
};

struct pmap {
	uint32_t magic;
	uint32_t nbuckets;
	uint64_t count;		/* keys inserted (release store after each) */
	struct pnode **buckets;
};

struct pmap *pmap_create(shmap_alloc_fn alloc, void *ctx);
int pmap_insert(struct pmap *m, shmap_alloc_fn alloc, void *ctx,
		const char *key, uint32_t klen, const char *val, uint32_t vlen);
/*
 * The value of @key (its length in *@vlen), or NULL.  @ensure (may be
 * NULL) is called on the bucket head and on the header of every node
 * before they are read (a node's key and value are in the same range as
 * its header); its error ends the look-up with NULL.
 */
/* Free a map built with malloc (@release: free) node by node. */
void pmap_free(struct pmap *m, void (*release)(void *));
const char *pmap_lookup(const struct pmap *m, const char *key, uint32_t klen,
			uint32_t *vlen, shmap_ensure_fn ensure, void *ctx);

struct onode {
	uint64_t next;		/* offset from the base, 0 = none */
	uint64_t hash;
	uint32_t klen, vlen;
	char kv[];
};

/* At offset 0 of the block. */
struct omap {
	uint32_t magic;
	uint32_t nbuckets;
	uint64_t count;
	uint64_t buckets;	/* offset of the bucket array */
	uint64_t used, size;	/* bump allocator (writer only) */
};

/* Lay out an empty map in [base, base + size): 0 or -ENOSPC. */
int omap_create(void *base, size_t size);
/* 0, or -ENOSPC when the block is full. */
int omap_insert(void *base, const char *key, uint32_t klen, const char *val,
		uint32_t vlen);
const char *omap_lookup(const void *base, const char *key, uint32_t klen,
			uint32_t *vlen);

uint64_t shmap_hash(const char *s, uint32_t len);

#endif /* SHMAP_H */
