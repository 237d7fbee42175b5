/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flatvm free-space index (internal to the core): free segments in
 * two-level segregated size classes, found in O(1) with two bitmaps.
 */
#ifndef _FLATVM_FV_FREESPACE_H
#define _FLATVM_FV_FREESPACE_H

#include "fv_core.h"

void fv_fs_insert(struct fv_arena *a, struct fv_seg *seg);
void fv_fs_remove(struct fv_arena *a, struct fv_seg *seg);
struct fv_seg *fv_fs_find(struct fv_arena *a, u64 npages, u64 align,
			  u64 *at);
struct fv_seg *fv_fs_scan(struct fv_arena *a, u64 npages, u64 align,
			  u64 *at);
u64 fv_fs_largest(struct fv_arena *a);
void fv_fs_class(u64 npages, u32 *fl, u32 *sl);

#endif /* _FLATVM_FV_FREESPACE_H */
