// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm ioctl argument checks, page cap arithmetic and rights decisions.
 *
 * Owns the decisions the driver takes on copied-in ioctl arguments, on page
 * counts and on the rights a page table entry or a fault needs, before
 * touching any state: every function here is a pure function of its
 * parameters (window, caps and current counts are passed in), so the KUnit
 * module compiles this file unchanged.  No locking.
 */
#include <linux/errno.h>
#include <linux/mm.h>

#include "flatvm_args.h"

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

int fvd_accept_args(const struct flatvm_accept *a)
{
	if (a->flags || a->from > FLATVM_ACCEPT_ANY)
		return -EINVAL;
	return 0;
}

/**
 * fvd_cap_fits() - may a count of @cur grow by @n under @cap?
 * @cur:	the count now (pages charged to a user, or to the module).
 * @n:		pages about to be charged.
 * @cap:	max_user_pages or max_pages.
 *
 * Return: true when @cur + @n <= @cap; no sum can overflow.
 */
bool fvd_cap_fits(u64 cur, u64 n, u64 cap)
{
	return n <= cap && cur <= cap - n;
}

/**
 * fvd_user_bytes_cap() - the address space one user may hold.
 * @param:	the max_user_bytes parameter; 0 means the default.
 * @window_size: bytes in the window.
 *
 * Return: @param, or a sixteenth of the window (at least one page).
 */
u64 fvd_user_bytes_cap(u64 param, u64 window_size)
{
	if (param)
		return param;
	return max_t(u64, window_size / 16, PAGE_SIZE);
}

/**
 * fvd_accepts() - does a process whose FLATVM_IOC_ACCEPT setting is @from
 *	take a grant?
 * @from:	FLATVM_ACCEPT_NONE, _USER or _ANY.
 * @same_user:	the granter's user is the grantee's.
 */
bool fvd_accepts(u32 from, bool same_user)
{
	return from == FLATVM_ACCEPT_ANY ||
	       (from == FLATVM_ACCEPT_USER && same_user);
}

/**
 * fvd_may_open() - may a task without CAP_SYS_ADMIN open /dev/flatvm?
 * @all:	the access_all parameter.
 * @gid:	the access_gid parameter (-1: no group).
 * @in_group:	it is a member of @gid (when @gid >= 0).
 */
bool fvd_may_open(bool all, int gid, bool in_group)
{
	return all || (gid >= 0 && in_group);
}

/**
 * fvd_rights_vm_flags() - the VM_* bits whose page protection maps a page
 *	held with @rights in a window (always a shared mapping).
 * @rights:	FLATVM_RIGHT_* bits, READ included.
 */
unsigned long fvd_rights_vm_flags(u32 rights)
{
	unsigned long flags = VM_SHARED | VM_READ;

	if (rights & FLATVM_RIGHT_WRITE)
		flags |= VM_WRITE;
	if (rights & FLATVM_RIGHT_EXEC)
		flags |= VM_EXEC;
	return flags;
}

/**
 * fvd_fault_allowed() - may a fault with @fault_flags map a page held with
 *	@rights?  Reading needs the read right, writing the write right and an
 *	instruction fetch the exec right.
 * @rights:	the process's rights on the page (0 when it holds none).
 * @fault_flags: FAULT_FLAG_* of the fault.
 */
bool fvd_fault_allowed(u32 rights, unsigned int fault_flags)
{
	u32 need = FLATVM_RIGHT_READ;

	if (fault_flags & FAULT_FLAG_WRITE)
		need |= FLATVM_RIGHT_WRITE;
	if (fault_flags & FAULT_FLAG_INSTRUCTION)
		need |= FLATVM_RIGHT_EXEC;
	return (rights & need) == need;
}
