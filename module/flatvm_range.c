// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm range operations: what ALLOC, GRANT, ATTACH, RELEASE, REVOKE and
 * QUERY do for the calling process, on arguments already copied in and
 * checked (flatvm_ioctl.c).
 *
 * Each asks the core for the decision (addresses, holders, rights), then
 * has the process's window and page table entries follow (flatvm_map.c) and
 * the pages allocated or freed (flatvm_pages.c).  No VMA is created, split
 * or merged here after a process's first ALLOC or ATTACH: ranges are page
 * table entries in one window VMA.
 *
 * Errors leave things as they were: ALLOC releases the range it made
 * before returning one; ATTACH keeps the holds it checked.
 *
 * The security model is decided here and in flatvm_map.c: a process is
 * known (has a proc) only after its own ALLOC or ACCEPT, receives grants
 * only from whom it accepts, revokes only what it owns (allocated), and
 * learns about a page (QUERY) only when it holds it; every ALLOC is charged
 * to its user (flatvm_quota.c).
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>

#include <uapi/linux/flatvm.h>

#include "flatvm.h"
#include "flatvm_trace.h"

/*
 * May a window mapped through @file be executable?  Not when /dev/flatvm
 * lies on a noexec mount, as for any mapping of a file there (the test of
 * path_noexec(), which is not exported).
 */
static bool fvd_file_exec_ok(struct file *file)
{
	const struct vfsmount *mnt = file->f_path.mnt;

	return !(mnt->mnt_flags & MNT_NOEXEC) &&
	       !(mnt->mnt_sb->s_iflags & SB_I_NOEXEC);
}

/*
 * The rights a call through @file may ask for: write needs a descriptor
 * open for writing; exec needs a window that may execute (the window
 * current has, or would get through @file).
 */
static int fvd_file_rights_ok(struct file *file, struct fvd_proc *proc,
			      u32 rights)
{
	if ((rights & FV_WRITE) && !(file->f_mode & FMODE_WRITE))
		return -EACCES;
	if ((rights & FV_EXEC) &&
	    !fvd_map_exec_ok(proc, fvd_file_exec_ok(file)))
		return -EACCES;
	return 0;
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

/*
 * The core's part of ALLOC, charged to @u: the quotas first (address space,
 * a range, a record), then the range, entered in the ledger before anything
 * can release it (the caller holds it whole under its map_sem).
 */
static int fvd_range_new(struct fvd_proc *proc, struct fvd_user *u, u64 len,
			 u64 align, u32 rights, u64 *addr)
{
	struct fv_lookup_result res;
	struct fvd_range *r;
	int ret;

	r = fvd_ledger_prepare();
	if (!r)
		return -ENOMEM;
	ret = fvd_quota_range(u, len);
	if (ret) {
		fvd_ledger_discard(r);
		return ret;
	}
	down_read(&proc->map_sem);
	ret = fv_alloc(&fvd_arena, &proc->dom, len, align, rights, addr);
	/* Held whole by current, so found: its id for the ledger. */
	if (!ret && !fv_rights(&fvd_arena, &proc->dom, *addr, &res)) {
		fvd_ledger_add(r, *addr, len, res.range, u);
		r = NULL;
	}
	up_read(&proc->map_sem);
	if (r) {
		fvd_quota_unrange(u, len);
		fvd_ledger_discard(r);
		if (!ret) {
			fvd_map_release(proc, *addr, len);
			ret = -ENOMEM;
		}
	}
	fvd_quota_sync(proc);
	return ret;
}

/**
 * fvd_range_alloc() - ALLOC: a new range, held and mapped by current.
 * @file:	the /dev/flatvm file of the call.
 * @len:	bytes (checked).
 * @align:	alignment (the core checks it).
 * @rights:	current's rights on it (checked).
 * @lazy:	allocate pages on first touch instead of now.
 * @addr:	set to the range's first byte.
 *
 * Return: 0, or a negative errno with nothing changed (see the uapi header).
 */
int fvd_range_alloc(struct file *file, u64 len, u64 align, u32 rights,
		    bool lazy, u64 *addr)
{
	struct page **pages = NULL;
	struct fvd_proc *proc;
	struct fvd_user *u;
	int ret;

	proc = fvd_proc_current(true);
	if (IS_ERR(proc))
		return PTR_ERR(proc);
	u = READ_ONCE(proc->user);
	ret = fvd_file_rights_ok(file, proc, rights);
	if (!ret)
		ret = fvd_map_window(proc, fvd_file_exec_ok(file));
	if (!ret)
		ret = fvd_range_new(proc, u, len, align, rights, addr);
	if (ret)
		goto out;
	/* Outside every lock; stored and mapped under map_sem after. */
	if (!lazy) {
		pages = fvd_pages_new(u, len >> PAGE_SHIFT);
		if (IS_ERR(pages)) {
			ret = PTR_ERR(pages);
			pages = NULL;
		}
	}
	if (!ret)
		ret = fvd_map_new(proc, *addr, len, rights, pages);
	if (ret)
		fvd_map_release(proc, *addr, len);
out:
	trace_flatvm_alloc(addr, len, align, rights, lazy, ret);
	fvd_proc_put(proc);
	return ret;
}

/**
 * fvd_range_grant() - GRANT: give the process @pidfd names a hold.
 * @pidfd:	names the grantee.
 * @addr:	span (checked).
 * @len:	bytes.
 * @rights:	the grantee's rights (checked).
 *
 * The grantee must be known (its own ALLOC or ACCEPT) and accept current:
 * nothing is created in it.
 *
 * Return: 0 or a negative errno (see the uapi header).
 */
int fvd_range_grant(int pidfd, u64 addr, u64 len, u32 rights)
{
	struct fvd_proc *proc, *tproc;
	struct task_struct *task;
	struct mm_struct *mm;
	int ret;

	mm = fvd_pidfd_mm(pidfd, &task);
	if (IS_ERR(mm)) {
		trace_flatvm_grant(NULL, addr, len, rights, PTR_ERR(mm));
		return PTR_ERR(mm);
	}
	ret = -EINVAL;
	if (mm == current->mm)
		goto out_mm;
	ret = -ENOENT;
	proc = fvd_proc_current(false);
	if (!proc)
		goto out_mm;
	ret = -EPERM;
	tproc = fvd_proc_get(mm, task, false);
	if (tproc) {
		ret = fvd_map_grant(proc, tproc, addr, len, rights);
		fvd_quota_sync(tproc);
		fvd_proc_put(tproc);
	}
	fvd_quota_sync(proc);
	fvd_proc_put(proc);
out_mm:
	trace_flatvm_grant(task, addr, len, rights, ret);
	mmput(mm);
	put_task_struct(task);
	return ret;
}

/**
 * fvd_range_attach() - ATTACH: map what current holds in a span now.
 * @file:	the /dev/flatvm file of the call.
 * @addr:	span (checked).
 * @len:	bytes.
 * @rights:	the rights current needs there (checked).
 *
 * Every page must be held with at least @rights.  The pages are mapped
 * with the rights held (a page held read-write is writable), those
 * allocated already at once, the others on first touch.
 *
 * Return: 0 or a negative errno (see the uapi header); the holds stay.
 */
int fvd_range_attach(struct file *file, u64 addr, u64 len, u32 rights)
{
	struct fvd_proc *proc;
	struct fvd_walk w;
	int ret;

	proc = fvd_proc_current(false);
	if (!proc) {
		trace_flatvm_attach(NULL, addr, len, rights, -EACCES);
		return -EACCES;
	}
	ret = fvd_map_walk(proc, addr, len, rights, &w);
	if (ret) {
		ret = -EACCES;
		goto out;
	}
	ret = fvd_file_rights_ok(file, proc, rights);
	if (!ret)
		ret = fvd_map_window(proc, fvd_file_exec_ok(file));
	if (!ret)
		ret = fvd_map_cover(proc, addr, len);
	if (!ret)
		fvd_map_populate(proc, addr, len);
out:
	trace_flatvm_attach(NULL, addr, len, rights, ret);
	fvd_proc_put(proc);
	return ret;
}

/**
 * fvd_range_release() - RELEASE: current lets go of a span.
 * @addr:	span (checked).
 * @len:	bytes.
 *
 * Return: 0, -ENOENT (nothing held there), -ENOMEM, -EINTR.
 */
int fvd_range_release(u64 addr, u64 len)
{
	struct fvd_proc *proc;
	int ret;

	proc = fvd_proc_current(false);
	if (!proc) {
		trace_flatvm_release(NULL, addr, len, FVD_TRACE_IOCTL, -ENOENT);
		return -ENOENT;
	}
	ret = fvd_map_release(proc, addr, len);
	trace_flatvm_release(proc, addr, len, FVD_TRACE_IOCTL, ret);
	fvd_proc_put(proc);
	return ret;
}

/**
 * fvd_range_revoke() - REVOKE: take the holds of the process @pidfd names.
 * @pidfd:	names the process.
 * @addr:	span (checked).
 * @len:	bytes.
 *
 * Only the owner of the span may (flatvm_map.c decides).
 *
 * Return: 0 or a negative errno (see the uapi header).
 */
int fvd_range_revoke(int pidfd, u64 addr, u64 len)
{
	struct fvd_proc *proc, *tproc;
	struct task_struct *task;
	struct mm_struct *mm;
	int ret;

	mm = fvd_pidfd_mm(pidfd, &task);
	if (IS_ERR(mm)) {
		trace_flatvm_revoke(NULL, addr, len, 0, PTR_ERR(mm));
		return PTR_ERR(mm);
	}
	ret = -EINVAL;
	if (mm == current->mm)
		goto out_mm;
	ret = -EPERM;
	proc = fvd_proc_current(false);
	if (!proc)
		goto out_mm;
	ret = -ENOENT;
	tproc = fvd_proc_get(mm, task, false);
	if (tproc) {
		ret = fvd_map_revoke(proc, tproc, mm, addr, len);
		fvd_proc_put(tproc);
	}
	fvd_proc_put(proc);
out_mm:
	trace_flatvm_revoke(task, addr, len, 0, ret);
	mmput(mm);
	put_task_struct(task);
	return ret;
}

/*
 * The run of extents of @res's range around its extent, by lockless
 * look-ups outward (one per extent, none under the core's lock).
 */
static void fvd_range_piece(const struct fv_lookup_result *res, u64 *start,
			    u64 *len)
{
	u64 lo = res->ext_start, hi = res->ext_start + res->ext_len, n = 0;
	u64 end = fvd_window_base + fvd_window_size;
	struct fv_lookup_result r;

	while (lo > fvd_window_base &&
	       !fv_lookup(&fvd_arena, lo - PAGE_SIZE, &r) &&
	       r.range == res->range) {
		lo = r.ext_start;
		if (!(++n % 256))
			cond_resched();
	}
	while (hi < end && !fv_lookup(&fvd_arena, hi, &r) &&
	       r.range == res->range) {
		hi = r.ext_start + r.ext_len;
		if (!(++n % 256))
			cond_resched();
	}
	*start = lo;
	*len = hi - lo;
}

/**
 * fvd_range_query() - QUERY: what is at an address, seen from current.
 * @addr:	any address.
 * @res:	the extent (core's view), @res->rights current's.
 * @piece_start: the run of the range around @addr: first byte.
 * @piece_len:	its bytes.
 * @mapped:	current's window covers the page.
 *
 * Only a holder learns anything.  Takes no lock shared with other
 * processes: the core's lockless look-ups and a VMA look-up.
 *
 * Return: 0, or -ENOENT when current does not hold the page.
 */
int fvd_range_query(u64 addr, struct fv_lookup_result *res, u64 *piece_start,
		    u64 *piece_len, bool *mapped)
{
	u64 page = addr & PAGE_MASK;
	struct fvd_proc *proc;
	int ret;

	proc = fvd_proc_current(false);
	if (!proc)
		return -ENOENT;
	ret = fv_rights(&fvd_arena, &proc->dom, page, res);
	if (!ret) {
		fvd_range_piece(res, piece_start, piece_len);
		*mapped = fvd_map_covers(proc, page);
	}
	fvd_proc_put(proc);
	return ret;
}

/**
 * fvd_range_accept() - ACCEPT: whose grants current takes from now on.
 * @from:	FLATVM_ACCEPT_* (checked).
 * @previous:	set to the setting before (NONE for a process flatvm did
 *		not know).
 *
 * Makes current known to flatvm, as its first ALLOC would.
 *
 * Return: 0, -ENOMEM, -EINTR.
 */
int fvd_range_accept(u32 from, u32 *previous)
{
	struct fvd_proc *proc = fvd_proc_current(false);
	bool known = proc;

	if (!proc)
		proc = fvd_proc_current(true);
	if (IS_ERR(proc))
		return PTR_ERR(proc);
	*previous = xchg(&proc->accept, from);
	if (!known)
		*previous = FLATVM_ACCEPT_NONE;
	fvd_proc_put(proc);
	return 0;
}
