/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host side of the core's record allocation: the records come from fv_slab
 * caches (fv_host.c), which count live records so tests can prove nothing
 * leaked, and fail on demand so tests can prove every operation is atomic
 * under allocation failure.
 */
#ifndef _FLATVM_FV_HOST_H
#define _FLATVM_FV_HOST_H

#include "fv_core.h"
#include "fv_slab.h"

/*
 * -1: never fail.  N >= 0: the next N record allocations succeed, then every
 * later one fails until the value is set again.  (fv_slab's hook: it covers
 * every fv_slab allocation that may fail, the core's records included.)
 */
#define fv_host_fail_after	fv_slab_fail_after
/* Allocations refused since start. */
#define fv_host_failures	fv_slab_failures

/* Records of one kind (or of all, FV_REC_NR_KINDS) alive now. */
unsigned long fv_host_live(enum fv_rec_kind kind);
/* Bytes of records alive now, all kinds, as the core asked for them. */
unsigned long fv_host_live_bytes(void);

#endif /* _FLATVM_FV_HOST_H */
