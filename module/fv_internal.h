/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flatvm core internals shared by fv_arena.c and fv_check.c.
 */
#ifndef _FLATVM_FV_INTERNAL_H
#define _FLATVM_FV_INTERNAL_H

#include "fv_freespace.h"

static inline struct fv_seg *fv_seg_of(const struct fv_rb_node *n)
{
	return n ? fv_rb_entry(n, struct fv_seg, rb) : NULL;
}

static inline struct fv_holder *fv_holder_of(const struct fv_rb_node *n)
{
	return n ? fv_rb_entry(n, struct fv_holder, rb) : NULL;
}

static inline u64 fv_seg_end(const struct fv_seg *seg)
{
	return seg->start + seg->npages;
}

int fv_ext_same_holders(const struct fv_seg *x, const struct fv_seg *y);

#endif /* _FLATVM_FV_INTERNAL_H */
