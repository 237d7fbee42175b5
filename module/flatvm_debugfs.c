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
 * Locking: each file takes fvd_lock, then the arena lock to walk the core's
 * trees (the order of flatvm_main.c).
 */
#include <linux/debugfs.h>
#include <linux/pid.h>
#include <linux/seq_file.h>
#include <linux/xarray.h>

#include "flatvm.h"

static struct dentry *fvd_debugfs_dir;

static struct fv_seg *fvd_seg_of(struct fv_rb_node *n)
{
	return n ? fv_rb_entry(n, struct fv_seg, rb) : NULL;
}

/* Segments of the window in address order; arena lock held. */
static struct fv_seg *fvd_first_seg(void)
{
	return fvd_seg_of(fv_rb_first(&fvd_arena.segs));
}

static struct fv_seg *fvd_next_seg(struct fv_seg *seg)
{
	return fvd_seg_of(fv_rb_next(&seg->rb));
}

static u64 fvd_seg_addr(const struct fv_seg *seg)
{
	return seg->start << FV_PAGE_SHIFT;
}

static u64 fvd_seg_end(const struct fv_seg *seg)
{
	return (seg->start + seg->npages) << FV_PAGE_SHIFT;
}

/**
 * fvd_count_ranges_locked() - live ranges: distinct range ids of extents.
 *
 * Context: arena lock held.
 */
u64 fvd_count_ranges_locked(void)
{
	struct fv_seg *seg;
	struct xarray seen;
	u64 count = 0;

	fv_lock_assert_held(&fvd_arena.lock);
	xa_init(&seen);
	for (seg = fvd_first_seg(); seg; seg = fvd_next_seg(seg)) {
		if (!seg->used)
			continue;
		if (!xa_insert(&seen, seg->u.ext.range, xa_mk_value(0),
			       GFP_KERNEL))
			count++;
	}
	xa_destroy(&seen);
	return count;
}

static void fvd_show_rights(struct seq_file *m, u32 rights)
{
	seq_printf(m, "%c%c%c", rights & FV_READ ? 'r' : '-',
		   rights & FV_WRITE ? 'w' : '-', rights & FV_EXEC ? 'x' : '-');
}

static int ranges_show(struct seq_file *m, void *unused)
{
	const struct fv_holder *h;
	struct fv_seg *seg;

	mutex_lock(&fvd_lock);
	fv_lock(&fvd_arena.lock);
	for (seg = fvd_first_seg(); seg; seg = fvd_next_seg(seg)) {
		if (!seg->used)
			continue;
		seq_printf(m, "0x%llx-0x%llx range %llu holders",
			   fvd_seg_addr(seg), fvd_seg_end(seg),
			   seg->u.ext.range);
		for (h = seg->u.ext.holders; h; h = h->next) {
			seq_printf(m, " %llu:", h->dom->id);
			fvd_show_rights(m, h->rights);
		}
		seq_putc(m, '\n');
	}
	fv_unlock(&fvd_arena.lock);
	mutex_unlock(&fvd_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ranges);

static int holders_show(struct seq_file *m, void *unused)
{
	struct fv_domain *d;

	mutex_lock(&fvd_lock);
	fv_lock(&fvd_arena.lock);
	for (d = fvd_arena.domains.link_next; d != &fvd_arena.domains;
	     d = d->link_next) {
		struct fvd_proc *proc = container_of(d, struct fvd_proc, dom);

		seq_printf(m, "domain %llu pid %d pages %llu holds %llu%s\n",
			   d->id, pid_nr(proc->pid), d->npages, d->nholds,
			   proc->reserved ? " reserved" : "");
	}
	fv_unlock(&fvd_arena.lock);
	mutex_unlock(&fvd_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(holders);

static int free_show(struct seq_file *m, void *unused)
{
	struct fv_seg *seg;

	mutex_lock(&fvd_lock);
	fv_lock(&fvd_arena.lock);
	for (seg = fvd_first_seg(); seg; seg = fvd_next_seg(seg)) {
		if (!seg->used)
			seq_printf(m, "0x%llx-0x%llx %llu pages\n",
				   fvd_seg_addr(seg), fvd_seg_end(seg),
				   seg->npages);
	}
	fv_unlock(&fvd_arena.lock);
	mutex_unlock(&fvd_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(free);

static int counters_show(struct seq_file *m, void *unused)
{
	struct fv_stats st;
	u64 ranges;

	mutex_lock(&fvd_lock);
	fv_stats(&fvd_arena, &st);
	fv_lock(&fvd_arena.lock);
	ranges = fvd_count_ranges_locked();
	fv_unlock(&fvd_arena.lock);
	seq_printf(m, "window_base 0x%lx\nwindow_bytes %llu\nfree_bytes %llu\n",
		   fvd_window_base, st.window_bytes, st.free_bytes);
	seq_printf(m, "largest_free %llu\nfree_extents %llu\nranges %llu\n",
		   st.largest_free, st.nfree, ranges);
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
