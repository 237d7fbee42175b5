// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm debugfs: /sys/kernel/debug/flatvm/
 *
 *   ranges	every extent: span, range id, holders with their rights
 *   holders	every process: domain id, pid, pages and hold records
 *   free	every free extent of the window
 *   counters	the core's counters, pages, quotas, and per user what it
 *		is charged with (pages, bytes, ranges, records)
 *   check	reading it runs the core's invariant checker (fv_check())
 *		and counts the stored pages with a reference besides the
 *		store's (none may have one): "ok" or what failed
 *
 * The segment listings go through fv_walk(), which calls back under the
 * core's lock; the rest is a snapshot (flatvm_stats.c, flatvm_proc.c,
 * flatvm_pages.c).  Nothing here changes anything.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include <uapi/linux/flatvm.h>

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

static void fvd_show_rights(struct seq_file *m, u32 rights)
{
	seq_printf(m, "%c%c%c", rights & FV_READ ? 'r' : '-',
		   rights & FV_WRITE ? 'w' : '-', rights & FV_EXEC ? 'x' : '-');
}

static int fvd_show_extent(void *ctx, const struct fv_seg *seg)
{
	struct seq_file *m = ctx;
	u32 i, rights;
	u64 dom_id;

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
	fv_walk(&fvd_arena, fvd_show_extent, m);
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
	fv_walk(&fvd_arena, fvd_show_free, m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(free);

static int counters_show(struct seq_file *m, void *unused)
{
	struct flatvm_stats s;
	struct fv_stats st;

	fvd_stats_fill(&s);
	fv_stats(&fvd_arena, &st);
	seq_printf(m, "window_base 0x%llx\nwindow_bytes %llu\nfree_bytes %llu\n",
		   s.window_base, s.window_size, s.free_bytes);
	seq_printf(m, "largest_free %llu\nfree_extents %llu\nranges %llu\n",
		   s.largest_free, st.nfree, s.ranges);
	seq_printf(m, "extents %llu\nholders %llu\nprocesses %llu\n",
		   s.extents, s.holders, s.processes);
	seq_printf(m, "metadata_bytes %llu\npages %llu\nmax_pages %llu\n",
		   st.metadata_bytes, s.pages, s.max_pages);
	seq_printf(m, "max_user_pages %llu\nmax_user_bytes %llu\n",
		   s.max_user_pages, s.max_user_bytes);
	seq_printf(m, "max_user_ranges %llu\nmax_user_records %llu\n",
		   s.max_user_ranges, s.max_user_records);
	fvd_quota_show_users(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(counters);

static int check_show(struct seq_file *m, void *unused)
{
	int ret = fv_check(&fvd_arena);
	u64 pinned = fvd_pages_pinned();

	if (ret)
		seq_printf(m, "FAILED %d (details in the kernel log)\n", ret);
	else if (pinned)
		seq_printf(m, "FAILED: %llu pages referenced outside the store\n",
			   pinned);
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
