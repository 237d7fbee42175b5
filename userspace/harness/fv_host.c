// SPDX-License-Identifier: GPL-2.0
/*
 * Host implementation of the core's record allocation (fv_compat.h): zeroed
 * records with live counts and fault injection.  There are no concurrent
 * readers on the host, so a record "freed after readers" is freed at once.
 * The kernel build uses module/fv_kmem.c instead.
 */
#include "fv_host.h"

long fv_host_fail_after = -1;
unsigned long fv_host_failures;
static unsigned long live[FV_REC_NR_KINDS];
static unsigned long live_bytes;

static int host_should_fail(void)
{
	if (fv_host_fail_after < 0)
		return 0;
	if (fv_host_fail_after == 0) {
		fv_host_failures++;
		return 1;
	}
	fv_host_fail_after--;
	return 0;
}

/*
 * Each record follows a 64-byte prefix holding its size (the kernel's
 * callbacks know their types; here a record freed after readers does not
 * say its size).  Records are 64-byte aligned, as the kernel's tree caches
 * make them.
 */
#define PREFIX	64

void *fv_rec_alloc(enum fv_rec_kind kind, size_t size, bool nofail)
{
	char *p;

	if (!nofail && host_should_fail())
		return NULL;
	p = aligned_alloc(PREFIX, PREFIX + ((size + PREFIX - 1) & ~(size_t)(PREFIX - 1)));
	if (!p) {
		if (nofail)
			abort();
		return NULL;
	}
	memset(p + PREFIX, 0, size);
	*(size_t *)p = size;
	live[kind]++;
	live_bytes += size;
	return p + PREFIX;
}

void fv_rec_free(enum fv_rec_kind kind, void *rec, size_t size)
{
	char *p = (char *)rec - PREFIX;

	if (!rec)
		return;
	FV_ASSERT(*(size_t *)p == size);
	live[kind]--;
	live_bytes -= size;
	free(p);
}

void fv_rec_free_rcu(enum fv_rec_kind kind, void *rec, struct fv_rcu *rcu)
{
	(void)rcu;
	fv_rec_free(kind, rec, *(size_t *)((char *)rec - PREFIX));
}

unsigned long fv_host_live(enum fv_rec_kind kind)
{
	unsigned long n = 0;
	int k;

	if (kind < FV_REC_NR_KINDS)
		return live[kind];
	for (k = 0; k < FV_REC_NR_KINDS; k++)
		n += live[k];
	return n;
}

unsigned long fv_host_live_bytes(void)
{
	return live_bytes;
}
