// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm debugfs: /sys/kernel/debug/flatvm/
 *
 *   ranges	every extent: span, range id, holders with their rights
 *   holders	every process: domain id, pid, pages and hold records
 *   free	every free extent of the window
 *   counters	the core's counters, pages, caps, per-user charges
 *   check	reading it runs the core's invariant checker (fv_check())
 *
 * The segment listings go through fv_walk(), which calls back under the
 * arena lock.  Locking: each file takes fvd_lock first (the order of
 * flatvm_main.c), so that the page store and the processes stay still too.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/xarray.h>

#include "flatvm.h"

static struct dentry *fvd_debugfs_dir;

static u64 fvd_seg_addr(const struct fv_seg *seg)
{
	return seg->start << FV_PAGE_SHIFT;
}

static u64 fvd_seg_end(const struct fv_seg *seg)
{
	return (seg->start + seg->npages) << FV_PAGE_SHIFT;
}

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

/**
 * fvd_count_ranges() - live ranges: distinct range ids among the extents.
 *
 * Context: fvd_lock held.  Out of memory, the count is a lower bound.
 */
u64 fvd_count_ranges(void)
{
	struct xarray seen;
	unsigned long id;
	u64 count = 0;
	void *entry;

	lockdep_assert_held(&fvd_lock);
	xa_init(&seen);
	fv_walk(&fvd_arena, fvd_count_one, &seen);
	xa_for_each(&seen, id, entry)
		count++;
	xa_destroy(&seen);
	return count;
}

static void fvd_show_rights(struct seq_file *m, u32 rights)
{
	seq_printf(m, "%c%c%c", rights & FV_READ ? 'r' : '-',
		   rights & FV_WRITE ? 'w' : '-', rights & FV_EXEC ? 'x' : '-');
}

static int fvd_show_extent(void *ctx, const struct fv_seg *seg)
{
	struct seq_file *m = ctx;
	u64 dom_id;
	u32 i, rights;

	if (!seg->used)
		return 0;
	seq_printf(m, "0x%llx-0x%llx range %llu holders", fvd_seg_addr(seg),
		   fvd_seg_end(seg), seg->range);
	for (i = 0; i < seg->nholders; i++) {
		fv_seg_holder(&fvd_arena, seg, i, &dom_id, &rights);
		seq_printf(m, " %llu:", dom_id);
		fvd_show_rights(m, rights & FV_RIGHTS_MASK);
	}
	seq_putc(m, '\n');
	return 0;
}

static int ranges_show(struct seq_file *m, void *unused)
{
	mutex_lock(&fvd_lock);
	fv_walk(&fvd_arena, fvd_show_extent, m);
	mutex_unlock(&fvd_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ranges);

static int holders_show(struct seq_file *m, void *unused)
{
	fvd_procs_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(holders);

static int fvd_show_free(void *ctx, const struct fv_seg *seg)
{
	if (!seg->used)
		seq_printf(ctx, "0x%llx-0x%llx %llu pages\n", fvd_seg_addr(seg),
			   fvd_seg_end(seg), seg->npages);
	return 0;
}

static int free_show(struct seq_file *m, void *unused)
{
	mutex_lock(&fvd_lock);
	fv_walk(&fvd_arena, fvd_show_free, m);
	mutex_unlock(&fvd_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(free);

static int counters_show(struct seq_file *m, void *unused)
{
	struct fv_stats st;

	mutex_lock(&fvd_lock);
	fv_stats(&fvd_arena, &st);
	seq_printf(m, "window_base 0x%lx\nwindow_bytes %llu\nfree_bytes %llu\n",
		   fvd_window_base, st.window_bytes, st.free_bytes);
	seq_printf(m, "largest_free %llu\nfree_extents %llu\nranges %llu\n",
		   st.largest_free, st.nfree, fvd_count_ranges());
	seq_printf(m, "extents %llu\nholders %llu\nprocesses %llu\n",
		   st.nextents, st.nholders, st.ndomains);
	seq_printf(m, "metadata_bytes %llu\npages %llu\nmax_pages %lu\n",
		   st.metadata_bytes, fvd_pages_total(),
		   READ_ONCE(fvd_max_pages));
	seq_printf(m, "max_user_pages %lu\n", READ_ONCE(fvd_max_user_pages));
	fvd_pages_show_users(m);
	mutex_unlock(&fvd_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(counters);

static int check_show(struct seq_file *m, void *unused)
{
	int ret;

	mutex_lock(&fvd_lock);
	ret = fv_check(&fvd_arena);
	mutex_unlock(&fvd_lock);
	if (ret)
		seq_printf(m, "FAILED %d (details in the kernel log)\n", ret);
	else
		seq_puts(m, "ok\n");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(check);

/** fvd_debugfs_init() - create the directory; failures only lose it. */
void fvd_debugfs_init(void)
{
	fvd_debugfs_dir = debugfs_create_dir("flatvm", NULL);
	debugfs_create_file("ranges", 0400, fvd_debugfs_dir, NULL,
			    &ranges_fops);
	debugfs_create_file("holders", 0400, fvd_debugfs_dir, NULL,
			    &holders_fops);
	debugfs_create_file("free", 0400, fvd_debugfs_dir, NULL, &free_fops);
	debugfs_create_file("counters", 0400, fvd_debugfs_dir, NULL,
			    &counters_fops);
	debugfs_create_file("check", 0400, fvd_debugfs_dir, NULL,
			    &check_fops);
}

/** fvd_debugfs_exit() - remove the directory. */
void fvd_debugfs_exit(void)
{
	debugfs_remove_recursive(fvd_debugfs_dir);
}
