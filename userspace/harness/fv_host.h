/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host side of the core's record allocation: counts live records so tests
 * can prove nothing leaked, and fails on demand so tests can prove every
 * operation is atomic under allocation failure.
 */
#ifndef _FLATVM_FV_HOST_H
#define _FLATVM_FV_HOST_H

#include "fv_core.h"

/*
 * -1: never fail.  N >= 0: the next N record allocations succeed, then every
 * later one fails until the value is set again.
 */
extern long fv_host_fail_after;
/* Allocations refused since start. */
extern unsigned long fv_host_failures;

/* Records of one kind (or of all, FV_REC_NR_KINDS) alive now. */
unsigned long fv_host_live(enum fv_rec_kind kind);
/* Bytes of records alive now, all kinds. */
unsigned long fv_host_live_bytes(void);

#endif /* _FLATVM_FV_HOST_H */
