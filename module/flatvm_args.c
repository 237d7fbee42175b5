// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm ioctl argument checks and page cap arithmetic.
 *
 * Owns the decisions the driver takes on copied-in ioctl arguments and on
 * page counts before touching any state: every function here is a pure
 * function of its parameters (window, caps and current counts are passed
 * in), so the KUnit module compiles this file unchanged.  No locking.
 */
#include <linux/errno.h>
#include <linux/mm.h>

#include "flatvm_args.h"

/** fvd_rights_ok() - known rights bits only, READ always included. */
bool fvd_rights_ok(u32 rights)
{
	return !(rights & ~FLATVM_RIGHTS_ALL) && (rights & FLATVM_RIGHT_READ);
}

/** fvd_span_ok() - a page-aligned, non-empty span inside [base, base + size). */
bool fvd_span_ok(u64 addr, u64 len, u64 base, u64 size)
{
	return len && PAGE_ALIGNED(addr) && PAGE_ALIGNED(len) &&
	       addr >= base && len <= size && addr - base <= size - len;
}

/* The ALLOC checks done before the core (which checks @align). */
int fvd_alloc_args(const struct flatvm_alloc *a, u64 size)
{
	if ((a->flags & ~FLATVM_ALLOC_LAZY) || a->pad ||
	    !fvd_rights_ok(a->rights) || !a->len || !PAGE_ALIGNED(a->len) ||
	    a->len > size)
		return -EINVAL;
	return 0;
}

int fvd_grant_args(const struct flatvm_grant *g, u64 base, u64 size)
{
	if (g->flags || !fvd_rights_ok(g->rights) ||
	    !fvd_span_ok(g->addr, g->len, base, size))
		return -EINVAL;
	return 0;
}

int fvd_attach_args(const struct flatvm_attach *t, u64 base, u64 size)
{
	if (t->flags || t->pad || !fvd_rights_ok(t->rights) ||
	    !fvd_span_ok(t->addr, t->len, base, size))
		return -EINVAL;
	return 0;
}

int fvd_release_args(const struct flatvm_release *r, u64 base, u64 size)
{
	if (r->flags || !fvd_span_ok(r->addr, r->len, base, size))
		return -EINVAL;
	return 0;
}

int fvd_revoke_args(const struct flatvm_revoke *v, u64 base, u64 size)
{
	if (v->flags || v->pad || !fvd_span_ok(v->addr, v->len, base, size))
		return -EINVAL;
	return 0;
}

/**
 * fvd_caps_ok() - may @npages more pages be allocated?
 * @npages:	pages about to be allocated.
 * @mine:	pages charged to the user now.
 * @total:	pages in the store now.
 * @user_cap:	max_user_pages.
 * @cap:	max_pages.
 *
 * Return: 0, -EDQUOT over the user's cap (checked first), -ENOBUFS over the
 * module's cap.  No sum can overflow.
 */
int fvd_caps_ok(u64 npages, u64 mine, u64 total, u64 user_cap, u64 cap)
{
	if (npages > user_cap || mine > user_cap - npages)
		return -EDQUOT;
	if (npages > cap || total > cap - npages)
		return -ENOBUFS;
	return 0;
}
