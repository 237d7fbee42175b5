// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libflatvm: the reader's view.  One bit per page of the window says the
 * caller has attached it; flatvm_view_ensure() tests the bits of an object
 * and, on a clear one, attaches the piece of range around it
 * (flatvm_attach_at()) and sets the bits of that piece.
 *
 * The bitmap is an anonymous MAP_NORESERVE mapping (window / 32768 bytes:
 * 512 MiB of address space for the default 16 TiB window); only the pages
 * of it covering used parts of the window are ever touched.  Bits are set
 * with atomic ORs after the attach, tested with relaxed loads: a thread
 * that sees a clear bit attaches again, which is harmless (ATTACH of a
 * mapped span maps it again with the same rights), so no lock is needed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "libflatvm.h"

#define FVV_PAGE_SHIFT	12

struct flatvm_view {
	int fd;
	uint32_t rights;
	uintptr_t base;		/* window */
	uint64_t size;
	uint64_t *bits;		/* one per page of the window */
	size_t bits_len;	/* bytes mapped */
};

int flatvm_view_create(int fd, uint32_t rights, struct flatvm_view **view)
{
	struct flatvm_stats st;
	struct flatvm_view *v;
	int ret;

	if (!(rights & FLATVM_RIGHT_READ) || (rights & ~FLATVM_RIGHTS_ALL))
		return -EINVAL;
	ret = flatvm_stats(fd, &st);
	if (ret)
		return ret;
	if (!st.window_size || (st.window_size & ((1u << FVV_PAGE_SHIFT) - 1)))
		return -EINVAL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->fd = fd;
	v->rights = rights;
	v->base = (uintptr_t)st.window_base;
	v->size = st.window_size;
	v->bits_len = (size_t)(((st.window_size >> FVV_PAGE_SHIFT) + 63) / 64 *
			       sizeof(uint64_t));
	v->bits = mmap(NULL, v->bits_len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (v->bits == MAP_FAILED) {
		ret = -errno;
		free(v);
		return ret;
	}
	*view = v;
	return 0;
}

void flatvm_view_destroy(struct flatvm_view *v)
{
	if (!v)
		return;
	munmap(v->bits, v->bits_len);
	free(v);
}

/* Page numbers (relative to the window) of [p, p + len), or -EFAULT. */
static int fvv_pages(const struct flatvm_view *v, uintptr_t p, size_t len,
		     uint64_t *first, uint64_t *last)
{
	if (!len || p < v->base || p - v->base >= v->size ||
	    len > v->size - (p - v->base))
		return -EFAULT;
	*first = (p - v->base) >> FVV_PAGE_SHIFT;
	*last = (p - v->base + len - 1) >> FVV_PAGE_SHIFT;
	return 0;
}

static int fvv_test(const struct flatvm_view *v, uint64_t page)
{
	return (__atomic_load_n(&v->bits[page / 64], __ATOMIC_RELAXED) >>
		(page % 64)) & 1;
}

static void fvv_mark(struct flatvm_view *v, uint64_t first, uint64_t last,
		     int set)
{
	uint64_t pg;

	for (pg = first; pg <= last; pg++) {
		uint64_t bit = 1ull << (pg % 64);

		if (set)
			__atomic_fetch_or(&v->bits[pg / 64], bit, __ATOMIC_RELEASE);
		else
			__atomic_fetch_and(&v->bits[pg / 64], ~bit,
					   __ATOMIC_RELEASE);
	}
}

int flatvm_view_ensure(struct flatvm_view *v, const void *ptr, size_t len)
{
	uint64_t first, last, pg, a, b;
	uint64_t got_len;
	void *start;
	int ret;

	ret = fvv_pages(v, (uintptr_t)ptr, len, &first, &last);
	if (ret)
		return ret;
	for (pg = first; pg <= last; pg++) {
		if (fvv_test(v, pg))
			continue;
		ret = flatvm_attach_at(v->fd,
				       (void *)(v->base + (pg << FVV_PAGE_SHIFT)),
				       v->rights, &start, &got_len);
		if (ret)
			return ret;
		if (fvv_pages(v, (uintptr_t)start, got_len, &a, &b))
			return -EFAULT;
		fvv_mark(v, a, b, 1);
		pg = b;
	}
	return 0;
}

void flatvm_view_forget(struct flatvm_view *v, const void *ptr, size_t len)
{
	uint64_t first, last;

	if (!fvv_pages(v, (uintptr_t)ptr, len, &first, &last))
		fvv_mark(v, first, last, 0);
}
