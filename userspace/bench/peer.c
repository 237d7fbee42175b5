// SPDX-License-Identifier: GPL-2.0
/*
 * Holder sets of the benchmark's two peers (peer.h): sorted arrays of
 * (process, rights), inline when there is one holder.  An array has room
 * for ph_room(n) holders, the most its fv_kmalloc() size class holds; it
 * never shrinks until the set is back to one holder.
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
