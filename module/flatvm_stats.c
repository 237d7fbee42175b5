// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm counters: what FLATVM_IOC_STATS reports (and debugfs "counters"
 * shows), gathered from the core, the page store and the parameters.
 *
 * Locking: fv_stats() and fv_walk() take the core's lock; the page counts
 * are atomics.  The figures are a snapshot, not one consistent instant.
 */
#include <linux/xarray.h>

#include <uapi/linux/flatvm.h>

#include "flatvm.h"

/* fv_walk() callback: add the segment's range to an xarray of ids seen. */
static int fvd_count_one(void *ctx, const struct fv_seg *seg)
{
	struct xarray *seen = ctx;
	int ret;

	if (!seg->used)
		return 0;
	ret = xa_insert(seen, seg->range, xa_mk_value(0), GFP_KERNEL);
	return ret == -EBUSY ? 0 : ret;
}

/*
 * Live ranges: distinct range ids among the extents, by a walk of every
 * segment under the core's lock.  The one caller of fv_walk() outside
 * debugfs, until the core counts ranges itself.  Out of memory, the count
 * is a lower bound.
 */
static u64 fvd_stats_ranges(void)
{
	struct xarray seen;
	unsigned long id;
	u64 count = 0;
	void *entry;

	xa_init(&seen);
	fv_walk(&fvd_arena, fvd_count_one, &seen);
	xa_for_each(&seen, id, entry)
		count++;
	xa_destroy(&seen);
	return count;
}

/**
 * fvd_stats_fill() - the output fields of STATS.
 * @s:		filled from @s->window_base on; @size and @flags are left.
 */
void fvd_stats_fill(struct flatvm_stats *s)
{
	struct fv_stats st;

	fv_stats(&fvd_arena, &st);
	s->window_base = fvd_window_base;
	s->window_size = st.window_bytes;
	s->free_bytes = st.free_bytes;
	s->largest_free = st.largest_free;
	s->ranges = fvd_stats_ranges();
	s->extents = st.nextents;
	s->holders = st.nholders;
	s->processes = st.ndomains;
	s->pages = fvd_pages_total();
	s->user_pages = fvd_pages_of_current_user();
	s->max_pages = READ_ONCE(fvd_max_pages);
	s->max_user_pages = READ_ONCE(fvd_max_user_pages);
}
