// SPDX-License-Identifier: GPL-2.0
/*
 * What the benchmark's two peers share (peer.h): holder sets, sorted arrays
 * of (process, rights), inline when there is one holder (an array has room
 * for ph_room(n) holders, the most its fv_kmalloc() size class holds; it
 * never shrinks until the set is back to one holder); the pieces of a share
 * or release span, their reservations, checks and holder-set edits; the
 * checks' per-process page counts.
 */
#include <errno.h>
#include <string.h>

#include "full.h"
#include "peer.h"

#define FULL_RIGHTS	(FULL_READ | FULL_WRITE | FULL_EXEC)

/* Holders an array allocated for @n holders has room for. */
static uint32_t ph_room(uint32_t n)
{
	return (uint32_t)(fv_kmalloc_size(n * sizeof(struct ph_holder)) /
			  sizeof(struct ph_holder));
}

static int ph_array(uint32_t n, struct ph_holder **arr)
{
	*arr = NULL;
	if (n < 2)
		return 0;
	*arr = fv_kmalloc(n * sizeof(struct ph_holder), 0);
	return *arr ? 0 : -ENOMEM;
}

int ph_prealloc_add(const struct ph_set *s, struct ph_holder **arr)
{
	*arr = NULL;
	if (s->n == 0 || (s->n >= 2 && s->n + 1 <= ph_room(s->n)))
		return 0;
	return ph_array(s->n + 1, arr);
}

int ph_prealloc_copy(const struct ph_set *s, struct ph_holder **arr)
{
	return ph_array(s->n, arr);
}

int ph_prealloc_copy_add(const struct ph_set *s, struct ph_holder **arr)
{
	return ph_array(s->n + 1, arr);
}

int ph_prealloc_del(const struct ph_set *s, struct ph_holder **arr)
{
	return ph_array(s->n - 1, arr);
}

void ph_add(struct ph_set *s, uint32_t dom, uint32_t rights,
	    struct ph_holder *arr)
{
	struct ph_holder *h, one;
	uint32_t i;

	if (s->n == 0) {
		ph_init_one(s, dom, rights);
		return;
	}
	if (arr) {
		one = s->u.one;
		h = s->n > 1 ? s->u.many : &one;
		memcpy(arr, h, s->n * sizeof(*h));
		if (s->n > 1)
			fv_kfree(s->u.many);
		s->u.many = arr;
	}
	h = s->u.many;
	for (i = s->n; i > 0 && h[i - 1].dom > dom; i--)
		h[i] = h[i - 1];
	h[i].dom = dom;
	h[i].rights = rights;
	s->n++;
}

void ph_copy(struct ph_set *dst, const struct ph_set *src,
	     struct ph_holder *arr)
{
	dst->n = src->n;
	if (src->n <= 1) {
		dst->u.one = src->u.one;
		return;
	}
	memcpy(arr, src->u.many, src->n * sizeof(*arr));
	dst->u.many = arr;
}

void ph_copy_add(struct ph_set *dst, const struct ph_set *src, uint32_t dom,
		 uint32_t rights, struct ph_holder *arr)
{
	const struct ph_holder *h = ph_holders(src);
	uint32_t i, k = 0;

	for (i = 0; i < src->n && h[i].dom < dom; i++)
		arr[k++] = h[i];
	arr[k].dom = dom;
	arr[k++].rights = rights;
	for (; i < src->n; i++)
		arr[k++] = h[i];
	dst->n = src->n + 1;
	dst->u.many = arr;
}

void ph_copy_del(struct ph_set *dst, const struct ph_set *src, uint32_t dom,
		 struct ph_holder *arr)
{
	const struct ph_holder *h = ph_holders(src);
	struct ph_holder *out = arr;
	uint32_t i, k = 0;

	dst->n = src->n - 1;
	if (dst->n == 1)
		out = &dst->u.one;
	for (i = 0; i < src->n; i++)
		if (h[i].dom != dom)
			out[k++] = h[i];
	if (dst->n > 1)
		dst->u.many = arr;
}

void ph_del(struct ph_set *s, uint32_t dom)
{
	struct ph_holder *h = s->u.many, keep;
	uint32_t i, k = 0;

	if (s->n == 2) {
		keep = h[0].dom == dom ? h[1] : h[0];
		fv_kfree(h);
		s->u.one = keep;
		s->n = 1;
		return;
	}
	for (i = 0; i < s->n; i++)
		if (h[i].dom != dom)
			h[k++] = h[i];
	s->n--;
}

void ph_free(struct ph_set *s)
{
	if (s->n > 1)
		fv_kfree(s->u.many);
	s->n = 0;
}

void ph_free_arr(struct ph_holder *arr)
{
	fv_kfree(arr);
}

int ph_check(const struct ph_set *s)
{
	const struct ph_holder *h = ph_holders(s);
	uint32_t i;

	if (!s->n)
		return -1;
	for (i = 0; i < s->n; i++) {
		if (!h[i].rights || (h[i].rights & ~FULL_RIGHTS))
			return -1;
		if (i && h[i - 1].dom >= h[i].dom)
			return -1;
	}
	return 0;
}

/* ---- the pieces of a span ---- */

void peer_span_init(struct peer_span *s, struct fv_slab *ext_cache,
		    size_t ext_off, struct fv_slab *free_cache)
{
	memset(s, 0, sizeof(*s));
	s->ext_cache = ext_cache;
	s->ext_off = ext_off;
	s->free_cache = free_cache;
}

void peer_span_free(struct peer_span *s)
{
	fv_kfree(s->p);
	s->p = NULL;
	s->n = 0;
	s->cap = 0;
}

int peer_span_grow(struct peer_span *s)
{
	uint32_t cap = s->cap ? s->cap * 2 : 8;
	struct peer_piece *p = fv_kmalloc(cap * sizeof(*p), 0);

	if (!p)
		return -ENOMEM;
	if (s->n)
		memcpy(p, s->p, s->n * sizeof(*p));
	fv_kfree(s->p);
	s->p = p;
	s->cap = cap;
	return 0;
}

void peer_unreserve(struct peer_span *s)
{
	struct peer_piece *p;
	uint32_t i;

	for (i = 0; i < s->n; i++) {
		p = &s->p[i];
		if (p->mid)
			fv_slab_free(s->ext_cache,
				     (char *)p->mid - s->ext_off);
		if (p->right)
			fv_slab_free(s->ext_cache,
				     (char *)p->right - s->ext_off);
		if (s->free_cache)
			fv_slab_free(s->free_cache, p->spare);
		ph_free_arr(p->arr);
		ph_free_arr(p->right_arr);
	}
}

/* ---- check()'s page counts ---- */

int peer_holdings_init(struct peer_holdings *h, uint32_t ndoms)
{
	h->by_ext = calloc(ndoms + 1, sizeof(*h->by_ext));
	h->by_dom = calloc(ndoms + 1, sizeof(*h->by_dom));
	if (h->by_ext && h->by_dom)
		return 0;
	peer_holdings_free(h);
	return -1;
}

void peer_holdings_free(struct peer_holdings *h)
{
	free(h->by_ext);
	free(h->by_dom);
	h->by_ext = NULL;
	h->by_dom = NULL;
}

int peer_holdings_check(const struct peer_holdings *h, uint32_t dom,
			int index_bad, const char *peer)
{
	if (!index_bad && h->by_dom[dom] == h->by_ext[dom])
		return 0;
	peer_report("%s: process %u's holdings disagree with the extents\n",
		    peer, dom);
	return -1;
}
