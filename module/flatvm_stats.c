// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm counters: what FLATVM_IOC_STATS reports (and debugfs "counters"
 * shows), gathered from the core, the quotas and the parameters.
 *
 * O(1) whatever the window holds: fv_stats() reads the core's counters
 * (under its lock, briefly), live ranges are counted by the ledger, the
 * rest are atomics.  The figures are a snapshot, not one consistent
 * instant.
 */
#include <linux/cred.h>

#include <uapi/linux/flatvm.h>

#include "flatvm.h"
#include "flatvm_args.h"

/**
 * fvd_stats_fill() - the output fields of STATS.
 * @s:		filled from @s->window_base on; @size and @flags are left.
 */
void fvd_stats_fill(struct flatvm_stats *s)
{
	struct fvd_proc *proc = fvd_proc_current(false);
	struct fvd_user *u;
	struct fvd_usage q;
	struct fv_stats st;

	/* The caller's user: its proc's, else its uid's (if charged ever). */
	u = proc ? READ_ONCE(proc->user) : fvd_quota_lookup(current_uid());
	if (proc)
		fvd_proc_put(proc);
	fvd_quota_of(u, &q);
	fv_stats(&fvd_arena, &st);
	s->window_base = fvd_window_base;
	s->window_size = st.window_bytes;
	s->free_bytes = st.free_bytes;
	s->largest_free = st.largest_free;
	s->ranges = fvd_ledger_count();
	s->extents = st.nextents;
	s->holders = st.nholders;
	s->processes = st.ndomains;
	s->pages = fvd_quota_npages();
	s->user_pages = q.pages;
	s->max_pages = READ_ONCE(fvd_max_pages);
	s->max_user_pages = READ_ONCE(fvd_max_user_pages);
	s->user_bytes = q.bytes;
	s->user_ranges = q.ranges;
	s->user_records = q.records;
	s->max_user_bytes = fvd_user_bytes_cap(READ_ONCE(fvd_max_user_bytes),
					       fvd_window_size);
	s->max_user_ranges = READ_ONCE(fvd_max_user_ranges);
	s->max_user_records = READ_ONCE(fvd_max_user_records);
}
