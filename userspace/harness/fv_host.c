// SPDX-License-Identifier: GPL-2.0
/*
 * Host implementation of the core's record allocation (fv_compat.h): malloc
 * with live counts and fault injection.  The kernel build uses
 * module/fv_kmem.c instead.
 */
#include "fv_host.h"

long fv_host_fail_after = -1;
unsigned long fv_host_failures;
static unsigned long live_segs, live_holders;

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

struct fv_seg *fv_seg_alloc(bool nofail)
{
	struct fv_seg *seg;

	if (!nofail && host_should_fail())
		return NULL;
	seg = malloc(sizeof(*seg));
	if (!seg && nofail)
		abort();
	if (seg)
		live_segs++;
	return seg;
}

void fv_seg_free(struct fv_seg *seg)
{
	if (!seg)
		return;
	live_segs--;
	free(seg);
}

struct fv_holder *fv_holder_alloc(bool nofail)
{
	struct fv_holder *h;

	if (!nofail && host_should_fail())
		return NULL;
	h = malloc(sizeof(*h));
	if (!h && nofail)
		abort();
	if (h)
		live_holders++;
	return h;
}

void fv_holder_free(struct fv_holder *h)
{
	if (!h)
		return;
	live_holders--;
	free(h);
}

unsigned long fv_host_live_segs(void)
{
	return live_segs;
}

unsigned long fv_host_live_holders(void)
{
	return live_holders;
}
