// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm: /dev/flatvm, module parameters, the ioctls and module init/exit.
 *
 * One arena (the window, kept by the allocator core) serves every process.
 * Each ioctl copies its argument in, validates it, then calls the core for
 * every decision on addresses, holders and rights; the rest of the driver
 * turns those decisions into mappings (flatvm_proc.c, flatvm_vma.c) and
 * pages (flatvm_pages.c).
 *
 * Lock order, outermost first (a lock is never taken while one below it is
 * held):
 *
 *   fvd_procs_lock	process table: lookup, creation, exit
 *   proc->map_lock	one process's ALLOC/ATTACH/RELEASE mapping steps
 *   mmap_lock		taken by vm_mmap(), munmap, faults, and here to
 *			verify, populate and zap mappings
 *   fvd_lock		every core call that changes the arena, the page
 *			store and caps, proc->dead
 *   arena->lock	the core's own, inside every fv_*() call
 *   xarray lock	the page store's
 *
 * fv_lookup(), fv_rights() and fv_range_piece() need no driver lock: QUERY
 * calls them bare.
 */
#include <linux/compat.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>

#include <uapi/linux/flatvm.h>

#include "flatvm.h"
#include "flatvm_args.h"

/*
 * The default window, 0x1000_8000_0000 up to 0x2000_8000_0000 (16 TiB),
 * starts just above ASan's shadow (which ends at 0x1000_7fff_7fff) and ends
 * well below the legacy bottom-up mmap base (0x2aaa_aaab_000).  PIE images
 * and brk sit near 0x5555_5555_5000, the top-down mmap base and the stack
 * near the top of the 47-bit space minus at most 16 TiB of randomisation:
 * none of them falls inside.
 */
unsigned long fvd_window_base = 0x100080000000UL;
module_param_named(window_base, fvd_window_base, ulong, 0444);
MODULE_PARM_DESC(window_base, "First address of the shared window");

unsigned long fvd_window_size = 0x100000000000UL;
module_param_named(window_size, fvd_window_size, ulong, 0444);
MODULE_PARM_DESC(window_size, "Bytes in the shared window");

unsigned long fvd_max_pages = 262144;
module_param_named(max_pages, fvd_max_pages, ulong, 0644);
MODULE_PARM_DESC(max_pages, "Cap on pages allocated, all users together");

unsigned long fvd_max_user_pages = 131072;
module_param_named(max_user_pages, fvd_max_user_pages, ulong, 0644);
MODULE_PARM_DESC(max_user_pages, "Cap on pages charged to one user");

struct fv_arena fvd_arena;
/* Core changes, page store, caps, proc->dead: see the lock order above. */
DEFINE_MUTEX(fvd_lock);

static_assert(FLATVM_RIGHT_READ == FV_READ);
static_assert(FLATVM_RIGHT_WRITE == FV_WRITE);
static_assert(FLATVM_RIGHT_EXEC == FV_EXEC);

/*
 * Copy an ioctl argument in: its leading @size says how much userspace
 * passed; more than we know is fine when the excess is zero.
 */
static int fvd_copy_in(void *karg, size_t ksize, void __user *uarg)
{
	u32 usize;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < ksize)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	return copy_struct_from_user(karg, ksize, uarg, usize);
}

static struct fvd_proc *fvd_proc_current(bool create)
{
	return fvd_proc_get(current->mm, current, create);
}

/*
 * The mm of the process a pidfd names, with mm_users held, and its thread
 * group leader with a reference.  pidfd_get_pid() is not exported: a pidfd
 * is recognised as the anonymous-inode file the kernel names "[pidfd]".
 */
static struct mm_struct *fvd_pidfd_mm(int pidfd, struct task_struct **taskp)
{
	struct task_struct *task = NULL;
	struct mm_struct *mm;
	struct file *file;
	struct pid *pid;

	file = fget(pidfd);
	if (!file)
		return ERR_PTR(-EBADF);
	if (file_inode(file)->i_sb->s_magic != ANON_INODE_FS_MAGIC ||
	    strcmp(file->f_path.dentry->d_name.name, "[pidfd]")) {
		fput(file);
		return ERR_PTR(-EBADF);
	}
	pid = file->private_data;
	if (pid_vnr(pid))
		task = get_pid_task(pid, PIDTYPE_TGID);
	fput(file);
	if (!task)
		return ERR_PTR(-ESRCH);
	mm = get_task_mm(task);
	if (!mm) {
		put_task_struct(task);
		return ERR_PTR(-ESRCH);
	}
	*taskp = task;
	return mm;
}

/* ALLOC's way back: the range it just made goes, in the core. */
static void fvd_drop_fresh(struct fvd_proc *proc, u64 addr, u64 len)
{
	mutex_lock(&fvd_lock);
	fv_release(&fvd_arena, &proc->dom, addr, len, fvd_pages_released, NULL);
	mutex_unlock(&fvd_lock);
}

/*
 * Map [addr, addr + len), which current holds, with @rights and insert the
 * pages already allocated.  On failure a @fresh span (ALLOC's) is released
 * in the core first, so that no page it no longer holds can be faulted in
 * meanwhile, then the mappings are undone:
 *  - the range mapping failed: nothing changed, except after -ENOMEM, which
 *    vm_mmap() may return once the old mappings are gone: their holes get
 *    the reservation back, mappings that were there are left alone;
 *  - a step after it failed: the reservation goes back over the span.
 * A span that is not @fresh keeps its holds (ATTACH).
 */
static int fvd_map_held(struct fvd_proc *proc, struct file *file, u64 addr,
			u64 len, u32 rights, bool fresh)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	int ret;

	ret = fvd_proc_map(proc, file, addr, len, FVD_MAP_RANGE, rights);
	if (ret) {
		if (fresh)
			fvd_drop_fresh(proc, addr, len);
		if (ret == -ENOMEM)
			fvd_proc_fill_holes(proc, file, addr, len);
		return ret;
	}
	mmap_read_lock(mm);
	vma = vma_lookup(mm, addr);
	if (!vma || !fvd_vma_is_range(vma) || vma->vm_start != addr ||
	    vma->vm_end != addr + len) {
		/* Another thread unmapped or split it (munmap, mprotect). */
		ret = -EAGAIN;
	} else {
		mutex_lock(&fvd_lock);
		ret = fv_holds_all(&fvd_arena, &proc->dom, addr, len, rights);
		if (ret)
			ret = -EACCES;	/* revoked meanwhile */
		else
			ret = fvd_pages_map(vma, addr, len);
		mutex_unlock(&fvd_lock);
	}
	mmap_read_unlock(mm);
	if (ret) {
		if (fresh)
			fvd_drop_fresh(proc, addr, len);
		fvd_proc_restore(proc, file, addr, len);
	}
	return ret;
}

/*
 * Drop current's hold on a span: in the core first, so that the decision
 * and the release are one step under fvd_lock, then the mappings.
 * Return: -ENOENT when there was neither a hold nor a mapping; -ENOMEM
 * (the core's metadata) with nothing changed.
 */
static int fvd_release_span(struct fvd_proc *proc, struct file *file,
			    u64 addr, u64 len)
{
	int released, mapped;

	mutex_lock(&fvd_lock);
	released = fv_release(&fvd_arena, &proc->dom, addr, len,
			      fvd_pages_released, NULL);
	mutex_unlock(&fvd_lock);
	if (released && released != -ENOENT)
		return released;
	mapped = fvd_proc_unmap_span(proc, file, addr, len);
	return !released || mapped ? 0 : -ENOENT;
}

static int fvd_ioctl_alloc(struct file *file, struct flatvm_alloc __user *uarg)
{
	struct flatvm_alloc a;
	struct fvd_proc *proc;
	u64 addr, npages;
	bool lazy;
	int ret;

	ret = fvd_copy_in(&a, sizeof(a), uarg);
	if (ret)
		return ret;
	ret = fvd_alloc_args(&a, fvd_window_size);
	if (ret)
		return ret;
	lazy = a.flags & FLATVM_ALLOC_LAZY;
	npages = a.len >> PAGE_SHIFT;

	proc = fvd_proc_current(true);
	if (IS_ERR(proc))
		return PTR_ERR(proc);
	mutex_lock(&proc->map_lock);
	ret = fvd_proc_reserve(proc, file);
	if (ret)
		goto out_unlock;

	mutex_lock(&fvd_lock);
	ret = fv_alloc(&fvd_arena, &proc->dom, a.len, a.align, a.rights, &addr);
	if (!ret && !lazy) {
		ret = fvd_pages_check_caps(npages);
		if (!ret)
			ret = fvd_pages_alloc(addr >> PAGE_SHIFT, npages);
		if (ret)
			fv_release(&fvd_arena, &proc->dom, addr, a.len,
				   fvd_pages_released, NULL);
	}
	mutex_unlock(&fvd_lock);
	if (ret)
		goto out_unlock;

	ret = fvd_map_held(proc, file, addr, a.len, a.rights, true);
	if (!ret) {
		a.addr = addr;
		if (copy_to_user(uarg, &a, sizeof(a))) {
			fvd_drop_fresh(proc, addr, a.len);
			fvd_proc_restore(proc, file, addr, a.len);
			ret = -EFAULT;
		}
	}
out_unlock:
	mutex_unlock(&proc->map_lock);
	fvd_proc_put(proc);
	return ret;
}

static int fvd_ioctl_grant(struct file *file, struct flatvm_grant __user *uarg)
{
	struct fvd_proc *proc, *tproc;
	struct task_struct *task;
	struct flatvm_grant g;
	struct mm_struct *mm;
	int ret;

	ret = fvd_copy_in(&g, sizeof(g), uarg);
	if (ret)
		return ret;
	ret = fvd_grant_args(&g, fvd_window_base, fvd_window_size);
	if (ret)
		return ret;
	mm = fvd_pidfd_mm(g.pidfd, &task);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	proc = fvd_proc_current(false);
	if (!proc) {
		ret = -ENOENT;
		goto out_mm;
	}
	tproc = fvd_proc_get(mm, task, true);
	if (IS_ERR(tproc)) {
		ret = PTR_ERR(tproc);
		goto out_proc;
	}
	mutex_lock(&fvd_lock);
	if (tproc->dead)
		ret = -ESRCH;
	else
		ret = fv_share(&fvd_arena, &proc->dom, &tproc->dom, g.addr,
			       g.len, g.rights);
	mutex_unlock(&fvd_lock);
	fvd_proc_put(tproc);
out_proc:
	if (proc)
		fvd_proc_put(proc);
out_mm:
	mmput(mm);
	put_task_struct(task);
	return ret;
}

static int fvd_ioctl_attach(struct file *file,
			    struct flatvm_attach __user *uarg)
{
	struct flatvm_attach t;
	struct fvd_proc *proc;
	int ret;

	ret = fvd_copy_in(&t, sizeof(t), uarg);
	if (ret)
		return ret;
	ret = fvd_attach_args(&t, fvd_window_base, fvd_window_size);
	if (ret)
		return ret;
	proc = fvd_proc_current(false);
	if (!proc)
		return -EACCES;
	mutex_lock(&proc->map_lock);
	mutex_lock(&fvd_lock);
	ret = fv_holds_all(&fvd_arena, &proc->dom, t.addr, t.len, t.rights);
	mutex_unlock(&fvd_lock);
	if (ret) {
		ret = ret == -EINVAL ? -EINVAL : -EACCES;
		goto out_unlock;
	}
	ret = fvd_proc_reserve(proc, file);
	if (ret)
		goto out_unlock;
	ret = fvd_map_held(proc, file, t.addr, t.len, t.rights, false);
out_unlock:
	mutex_unlock(&proc->map_lock);
	fvd_proc_put(proc);
	return ret;
}

static int fvd_ioctl_release(struct file *file,
			     struct flatvm_release __user *uarg)
{
	struct flatvm_release r;
	struct fvd_proc *proc;
	int ret;

	ret = fvd_copy_in(&r, sizeof(r), uarg);
	if (ret)
		return ret;
	ret = fvd_release_args(&r, fvd_window_base, fvd_window_size);
	if (ret)
		return ret;
	proc = fvd_proc_current(false);
	if (!proc)
		return -ENOENT;
	mutex_lock(&proc->map_lock);
	ret = fvd_release_span(proc, file, r.addr, r.len);
	mutex_unlock(&proc->map_lock);
	fvd_proc_put(proc);
	return ret;
}

static int fvd_ioctl_revoke(struct file *file,
			    struct flatvm_revoke __user *uarg)
{
	struct fvd_proc *proc, *tproc;
	struct task_struct *task;
	struct flatvm_revoke v;
	struct mm_struct *mm;
	int ret;

	ret = fvd_copy_in(&v, sizeof(v), uarg);
	if (ret)
		return ret;
	ret = fvd_revoke_args(&v, fvd_window_base, fvd_window_size);
	if (ret)
		return ret;
	mm = fvd_pidfd_mm(v.pidfd, &task);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	ret = -EINVAL;
	if (mm == current->mm)
		goto out_mm;
	ret = -EPERM;
	proc = fvd_proc_current(false);
	if (!proc)
		goto out_mm;
	ret = -ENOENT;
	tproc = fvd_proc_get(mm, task, false);
	if (!tproc)
		goto out_proc;

	mutex_lock(&fvd_lock);
	if (tproc->dead) {
		ret = -ESRCH;
	} else if (fv_holds_all(&fvd_arena, &proc->dom, v.addr, v.len,
				FV_READ)) {
		ret = -EPERM;
	} else {
		ret = fv_rights_cover(&fvd_arena, &proc->dom, &tproc->dom,
				      v.addr, v.len);
		ret = ret > 0 ? 0 : -EPERM;
	}
	if (!ret)
		ret = fv_release(&fvd_arena, &tproc->dom, v.addr, v.len,
				 fvd_pages_released, NULL);
	mutex_unlock(&fvd_lock);
	if (!ret)
		fvd_zap_ranges(mm, v.addr, v.addr + v.len);
	fvd_proc_put(tproc);
out_proc:
	fvd_proc_put(proc);
out_mm:
	mmput(mm);
	put_task_struct(task);
	return ret;
}

static int fvd_ioctl_query(struct file *file, struct flatvm_query __user *uarg)
{
	struct mm_struct *mm = current->mm;
	struct fv_lookup_result res;
	struct vm_area_struct *vma;
	struct flatvm_query q;
	struct fvd_proc *proc;
	u64 page;
	int ret;

	ret = fvd_copy_in(&q, sizeof(q), uarg);
	if (ret)
		return ret;
	if (q.flags)
		return -EINVAL;
	page = q.addr & PAGE_MASK;
	ret = -ENOENT;
	proc = fvd_proc_current(false);
	if (proc) {
		ret = fv_rights(&fvd_arena, &proc->dom, page, &res);
		fvd_proc_put(proc);
	}
	if (ret == -ENOENT) {
		ret = fv_lookup(&fvd_arena, page, &res);
		res.rights = 0;
	}
	if (ret)
		return ret;

	q.range_id = res.range;
	ret = fv_range_piece(&fvd_arena, page, &q.range_start, &q.range_len);
	if (ret)
		return ret;
	q.ext_start = res.ext_start;
	q.ext_len = res.ext_len;
	q.rights = res.rights & FV_RIGHTS_MASK;
	q.nholders = res.nholders;
	q.oflags = 0;
	q.pad = 0;
	mmap_read_lock(mm);
	vma = vma_lookup(mm, page);
	if (vma && fvd_vma_is_range(vma))
		q.oflags |= FLATVM_QUERY_MAPPED;
	mmap_read_unlock(mm);
	return copy_to_user(uarg, &q, sizeof(q)) ? -EFAULT : 0;
}

static int fvd_ioctl_stats(struct file *file, struct flatvm_stats __user *uarg)
{
	struct flatvm_stats s;
	struct fv_stats st;
	int ret;

	ret = fvd_copy_in(&s, sizeof(s), uarg);
	if (ret)
		return ret;
	if (s.flags)
		return -EINVAL;
	mutex_lock(&fvd_lock);
	fv_stats(&fvd_arena, &st);
	s.pages = fvd_pages_total();
	s.user_pages = fvd_pages_of_current_user();
	s.ranges = fvd_count_ranges();
	mutex_unlock(&fvd_lock);

	s.window_base = fvd_window_base;
	s.window_size = st.window_bytes;
	s.free_bytes = st.free_bytes;
	s.largest_free = st.largest_free;
	s.extents = st.nextents;
	s.holders = st.nholders;
	s.processes = st.ndomains;
	s.max_pages = READ_ONCE(fvd_max_pages);
	s.max_user_pages = READ_ONCE(fvd_max_user_pages);
	return copy_to_user(uarg, &s, sizeof(s)) ? -EFAULT : 0;
}

static long fvd_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case FLATVM_IOC_ALLOC:
		return fvd_ioctl_alloc(file, uarg);
	case FLATVM_IOC_GRANT:
		return fvd_ioctl_grant(file, uarg);
	case FLATVM_IOC_ATTACH:
		return fvd_ioctl_attach(file, uarg);
	case FLATVM_IOC_RELEASE:
		return fvd_ioctl_release(file, uarg);
	case FLATVM_IOC_REVOKE:
		return fvd_ioctl_revoke(file, uarg);
	case FLATVM_IOC_QUERY:
		return fvd_ioctl_query(file, uarg);
	case FLATVM_IOC_STATS:
		return fvd_ioctl_stats(file, uarg);
	default:
		return -ENOTTY;
	}
}

/* 32-bit tasks cannot address the window: refuse them at the door. */
static int fvd_open(struct inode *inode, struct file *file)
{
	if (in_compat_syscall())
		return -EOPNOTSUPP;
	return 0;
}

/* No .compat_ioctl: a descriptor passed to a 32-bit task gets -ENOTTY. */
static const struct file_operations fvd_fops = {
	.owner = THIS_MODULE,
	.open = fvd_open,
	.unlocked_ioctl = fvd_ioctl,
	.mmap = fvd_mmap,
	.get_unmapped_area = fvd_get_unmapped_area,
	.llseek = noop_llseek,
};

static struct miscdevice fvd_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "flatvm",
	.fops = &fvd_fops,
	.mode = 0666,
};

static int __init fvd_init(void)
{
	int ret;

	if (!fvd_window_size || !PAGE_ALIGNED(fvd_window_base) ||
	    !PAGE_ALIGNED(fvd_window_size) || fvd_window_base < SZ_4G ||
	    fvd_window_base > DEFAULT_MAP_WINDOW ||
	    fvd_window_size > DEFAULT_MAP_WINDOW - fvd_window_base) {
		pr_err("flatvm: window 0x%lx+0x%lx is not inside user space\n",
		       fvd_window_base, fvd_window_size);
		return -EINVAL;
	}
	ret = fv_kmem_init();
	if (ret)
		return ret;
	ret = fv_arena_init(&fvd_arena, fvd_window_base, fvd_window_size);
	if (ret)
		goto err_kmem;
	fvd_debugfs_init();
	ret = misc_register(&fvd_misc);
	if (ret)
		goto err_arena;
	return 0;

err_arena:
	fvd_debugfs_exit();
	fv_arena_destroy(&fvd_arena);
err_kmem:
	fv_kmem_exit();
	return ret;
}

static void __exit fvd_exit(void)
{
	misc_deregister(&fvd_misc);
	fvd_debugfs_exit();
	fvd_procs_exit();
	fv_arena_destroy(&fvd_arena);
	fv_kmem_exit();
}

module_init(fvd_init);
module_exit(fvd_exit);
MODULE_DESCRIPTION("flatvm: one flat address window shared by processes");
MODULE_LICENSE("GPL");
