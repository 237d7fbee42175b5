/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one fault hook of the core's tests, and the differential fuzzer's,
 * over the two builds of the core:
 *
 *   fvt_fault_arm(n)	the next n record allocations of the core succeed,
 *			every later one fails, until fvt_fault_disarm();
 *			fv_kmem_fail_after in the kernel, fv_host_fail_after
 *			on the host (the same semantics, nofail allocations
 *			never fail).
 *   fvt_fault_left()	the allocations still allowed: 0 once the armed
 *			budget is used up, so an -ENOMEM with budget left
 *			was not injected.
 *   fvt_live_bytes()	bytes of core records alive (host only: the kernel
 *			has kmemleak instead); false when unknown.
 */
#ifndef _FLATVM_FVT_FAULT_H
#define _FLATVM_FVT_FAULT_H

#include "fv_core.h"

#ifdef __KERNEL__

static inline void fvt_fault_arm(long n)
{
	fv_kmem_fail_after = n;
}

static inline void fvt_fault_disarm(void)
{
	fv_kmem_fail_after = -1;
}

static inline long fvt_fault_left(void)
{
	return fv_kmem_fail_after;
}

static inline bool fvt_live_bytes(u64 *bytes)
{
	return false;
}

#else /* host */

#include "fv_host.h"

static inline void fvt_fault_arm(long n)
{
	fv_host_fail_after = n;
}

static inline void fvt_fault_disarm(void)
{
	fv_host_fail_after = -1;
}

static inline long fvt_fault_left(void)
{
	return fv_host_fail_after;
}

static inline bool fvt_live_bytes(u64 *bytes)
{
	*bytes = fv_host_live_bytes();
	return true;
}

#endif /* __KERNEL__ */

#endif /* _FLATVM_FVT_FAULT_H */
