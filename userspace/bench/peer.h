/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the benchmark's two same-job peers (peer_maple.c, peer_kva.c) share,
 * so that they differ only in their indexes:
 *
 * - holder sets: the processes holding an extent and their rights, sorted by
 *   process; one holder sits inline in the extent's record (most extents
 *   have exactly one), more live in an fv_kmalloc() array;
 * - the arena lock: what the host build of the flatvm core takes around each
 *   operation (userspace/harness/fv_host_compat.h: a flag, the host build
 *   being single-threaded), so no engine pays more for locking than another.
 *
 * Written for the benchmark: no code of the flatvm core.  Plain C99 types:
 * the peers are compiled with the kernel's tools headers.
 */
#ifndef FVBENCH_PEER_H
#define FVBENCH_PEER_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fv_slab.h"

struct ph_holder {
	uint32_t dom;
	uint32_t rights;
};

/*
 * @n holders: @u.one when @n is 1, else @u.many (fv_kmalloc(), room for
 * ph_room(@n) holders).  @n is 0 only in a set being built.
 */
struct ph_set {
	uint32_t n;
	union {
		struct ph_holder one;
		struct ph_holder *many;
	} u;
};

static inline const struct ph_holder *ph_holders(const struct ph_set *s)
{
	return s->n > 1 ? s->u.many : &s->u.one;
}

/* Index of @dom in @s, or -1. */
static inline int ph_find(const struct ph_set *s, uint32_t dom)
{
	const struct ph_holder *h = ph_holders(s);
	uint32_t i;

	for (i = 0; i < s->n && h[i].dom <= dom; i++)
		if (h[i].dom == dom)
			return (int)i;
	return -1;
}

static inline int ph_equal(const struct ph_set *a, const struct ph_set *b)
{
	const struct ph_holder *x = ph_holders(a), *y = ph_holders(b);
	uint32_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (x[i].dom != y[i].dom || x[i].rights != y[i].rights)
			return 0;
	return 1;
}

/* A set of one holder. */
static inline void ph_init_one(struct ph_set *s, uint32_t dom, uint32_t rights)
{
	s->n = 1;
	s->u.one.dom = dom;
	s->u.one.rights = rights;
}

/*
 * Changes that may allocate take a preallocated array (ph_prealloc_*()), so
 * that an operation reserves everything before it changes anything.
 */
/* Array @s needs to gain a holder (NULL: none needed), or -ENOMEM. */
int ph_prealloc_add(const struct ph_set *s, struct ph_holder **arr);
/* Array a copy of @s needs (NULL: none), or -ENOMEM. */
int ph_prealloc_copy(const struct ph_set *s, struct ph_holder **arr);
/* Array a copy of @s with one more holder needs, or -ENOMEM. */
int ph_prealloc_copy_add(const struct ph_set *s, struct ph_holder **arr);
/* Array a copy of @s without one holder needs (NULL: none), or -ENOMEM. */
int ph_prealloc_del(const struct ph_set *s, struct ph_holder **arr);

/* Adds @dom (not in @s) with @rights; @arr from ph_prealloc_add(). */
void ph_add(struct ph_set *s, uint32_t dom, uint32_t rights,
	    struct ph_holder *arr);
/* @dst = @src; @arr from ph_prealloc_copy(). */
void ph_copy(struct ph_set *dst, const struct ph_set *src,
	     struct ph_holder *arr);
/* @dst = @src and @dom (not in @src); @arr from ph_prealloc_copy_add(). */
void ph_copy_add(struct ph_set *dst, const struct ph_set *src, uint32_t dom,
		 uint32_t rights, struct ph_holder *arr);
/* @dst = @src without @dom (in @src); @arr from ph_prealloc_del(). */
void ph_copy_del(struct ph_set *dst, const struct ph_set *src, uint32_t dom,
		 struct ph_holder *arr);
/* Removes @dom (in @s, not the last holder) in place. */
void ph_del(struct ph_set *s, uint32_t dom);
/* Frees what @s holds (the array). */
void ph_free(struct ph_set *s);
/* Frees an array a ph_prealloc_*() returned and no change took. */
void ph_free_arr(struct ph_holder *arr);
/* Sorted, no duplicate, rights valid and non-empty: 0, else -1. */
int ph_check(const struct ph_set *s);

/* The arena lock of the host build (see above). */
struct peer_lock {
	int held;
};

static inline void peer_lock(struct peer_lock *l)
{
	if (l->held)
		abort();
	l->held = 1;
}

static inline void peer_unlock(struct peer_lock *l)
{
	if (!l->held)
		abort();
	l->held = 0;
}

/* Peers' consistency reports (check()). */
#define peer_report(...)	fprintf(stderr, "fvbench peer: " __VA_ARGS__)

#endif /* FVBENCH_PEER_H */
