/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flatvm ioctl argument checks, cap arithmetic and rights decisions: pure
 * functions of their parameters (flatvm_args.c; the two smallest inline
 * here, so flatvm.ko carries no copy only the KUnit suites would call),
 * shared by the driver and its KUnit suites.
 */
#ifndef _FLATVM_ARGS_H
#define _FLATVM_ARGS_H

#include <linux/mm.h>
#include <linux/types.h>

#include <uapi/linux/flatvm.h>

/** fvd_rights_ok() - known rights bits only, READ always included. */
static inline bool fvd_rights_ok(u32 rights)
{
	return !(rights & ~FLATVM_RIGHTS_ALL) && (rights & FLATVM_RIGHT_READ);
}

/** fvd_span_ok() - a page-aligned, non-empty span inside [base, base + size). */
static inline bool fvd_span_ok(u64 addr, u64 len, u64 base, u64 size)
{
	return len && PAGE_ALIGNED(addr) && PAGE_ALIGNED(len) &&
	       addr >= base && len <= size && addr - base <= size - len;
}

int fvd_alloc_args(const struct flatvm_alloc *a, u64 size);
int fvd_grant_args(const struct flatvm_grant *g, u64 base, u64 size);
int fvd_attach_args(const struct flatvm_attach *t, u64 base, u64 size);
int fvd_release_args(const struct flatvm_release *r, u64 base, u64 size);
int fvd_revoke_args(const struct flatvm_revoke *v, u64 base, u64 size);
int fvd_accept_args(const struct flatvm_accept *a);
bool fvd_cap_fits(u64 cur, u64 n, u64 cap);
u64 fvd_user_bytes_cap(u64 param, u64 window_size);
bool fvd_accepts(u32 from, bool same_user);
bool fvd_may_open(bool all, int gid, bool in_group);
unsigned long fvd_rights_vm_flags(u32 rights);
bool fvd_fault_allowed(u32 rights, unsigned int fault_flags);

#endif /* _FLATVM_ARGS_H */
