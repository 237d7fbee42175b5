// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm per-process state: one struct fvd_proc (and one core domain) per
 * address space, keyed by mm as amdkfd does.  Threads share it; a fork child
 * or an exec'd image is a new mm and so a new process for flatvm, whichever
 * file descriptor it calls through.
 *
 * A proc is created by the first ioctl from its mm, or by a GRANT naming it.
 * An mmu notifier on the mm tells us of its exit (->release() runs at the
 * start of exit_mmap(), kill -9 included): the domain is released there, so
 * whatever the process held goes back exactly as with RELEASE.  The proc
 * itself lives on while VMAs or ioctls still reference it, and is freed by
 * the notifier's ->free_notifier() after an SRCU grace period.  Each proc
 * pins the module until then.
 *
 * The window: each process's window is reserved by a PROT_NONE mapping of
 * /dev/flatvm with every VM_MAY* bit clear, made with MAP_FIXED_NOREPLACE so
 * that it never replaces anything.  Ranges are mapped by replacing pieces of
 * that reservation with vm_mmap(MAP_FIXED); the f_op->get_unmapped_area hook
 * (flatvm_vma.c) checks, under the same mmap_lock hold that does the
 * replacement, that only this module's own mappings are in the way.
 *
 * Locking: fvd_procs_lock (mutex) guards the table; lookups from the mmap
 * hooks use RCU.  Lock order: fvd_procs_lock -> mmap_lock (the notifier
 * registration takes it); proc->map_lock -> mmap_lock -> fvd_lock.
 */
#include <linux/hashtable.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/rculist.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "flatvm.h"

static DEFINE_MUTEX(fvd_procs_lock);
static DEFINE_HASHTABLE(fvd_procs, 7);
static atomic64_t fvd_next_domain_id = ATOMIC64_INIT(0);

static void fvd_proc_last_put(struct kref *ref)
{
	struct fvd_proc *proc = container_of(ref, struct fvd_proc, ref);

	/* ->free_notifier() frees it once no notifier call can run. */
	mmu_notifier_put(&proc->mn);
}

/** fvd_proc_hold() - take a reference on a proc already referenced. */
void fvd_proc_hold(struct fvd_proc *proc)
{
	kref_get(&proc->ref);
}

/** fvd_proc_put() - drop a reference; callable under mmap_lock. */
void fvd_proc_put(struct fvd_proc *proc)
{
	kref_put(&proc->ref, fvd_proc_last_put);
}

/* The mm exits: release everything it holds and leave the table. */
static void fvd_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct fvd_proc *proc = container_of(mn, struct fvd_proc, mn);

	mutex_lock(&fvd_procs_lock);
	hash_del_rcu(&proc->hnode);
	mutex_unlock(&fvd_procs_lock);

	mutex_lock(&fvd_lock);
	proc->dead = true;
	fv_domain_release_all(&fvd_arena, &proc->dom, fvd_pages_released,
			      NULL);
	mutex_unlock(&fvd_lock);

	fvd_proc_put(proc);
}

static void fvd_mn_free(struct mmu_notifier *mn)
{
	struct fvd_proc *proc = container_of(mn, struct fvd_proc, mn);

	put_pid(proc->pid);
	mutex_destroy(&proc->map_lock);
	/* RCU readers of the table may still see it. */
	kfree_rcu(proc, rcu);
	module_put(THIS_MODULE);
}

static const struct mmu_notifier_ops fvd_mn_ops = {
	.release = fvd_mn_release,
	.free_notifier = fvd_mn_free,
};

static struct fvd_proc *fvd_proc_find_locked(const struct mm_struct *mm)
{
	struct fvd_proc *proc;

	lockdep_assert_held(&fvd_procs_lock);
	hash_for_each_possible(fvd_procs, proc, hnode, (unsigned long)mm)
		if (proc->mm == mm)
			return proc;
	return NULL;
}

/**
 * fvd_proc_lookup_rcu() - the proc of @mm, for the mmap hooks.
 * @mm:		an mm whose proc the caller keeps alive by other means.
 *
 * Context: under rcu_read_lock().
 */
struct fvd_proc *fvd_proc_lookup_rcu(const struct mm_struct *mm)
{
	struct fvd_proc *proc;

	hash_for_each_possible_rcu(fvd_procs, proc, hnode, (unsigned long)mm)
		if (proc->mm == mm)
			return proc;
	return NULL;
}

/**
 * fvd_proc_get() - the proc of @mm, with a reference.
 * @mm:		an mm the caller keeps alive (mm_users).
 * @task:	a task of @mm, recorded for debugfs when the proc is created.
 * @create:	create the proc when @mm has none.
 *
 * Return: the proc, NULL when none and !@create, or an ERR_PTR
 * (-ENOMEM, -EINTR from the notifier registration).
 */
struct fvd_proc *fvd_proc_get(struct mm_struct *mm, struct task_struct *task,
			      bool create)
{
	struct fvd_proc *proc;
	int ret;

	mutex_lock(&fvd_procs_lock);
	proc = fvd_proc_find_locked(mm);
	if (proc) {
		kref_get(&proc->ref);
		goto out_unlock;
	}
	if (!create)
		goto out_unlock;

	proc = kzalloc(sizeof(*proc), GFP_KERNEL_ACCOUNT);
	if (!proc) {
		proc = ERR_PTR(-ENOMEM);
		goto out_unlock;
	}
	proc->mm = mm;
	proc->mn.ops = &fvd_mn_ops;
	mutex_init(&proc->map_lock);
	ret = fv_domain_init(&fvd_arena, &proc->dom,
			     atomic64_inc_return(&fvd_next_domain_id));
	if (!ret) {
		ret = mmu_notifier_register(&proc->mn, mm);
		if (ret)
			fv_domain_release_all(&fvd_arena, &proc->dom, NULL,
					      NULL);
	}
	if (ret) {
		mutex_destroy(&proc->map_lock);
		kfree(proc);
		proc = ERR_PTR(ret);
		goto out_unlock;
	}
	proc->pid = get_task_pid(task, PIDTYPE_TGID);
	kref_init(&proc->ref);		/* the table's */
	kref_get(&proc->ref);		/* the caller's */
	/* Called from our own file operations: the module is live. */
	__module_get(THIS_MODULE);
	hash_add_rcu(fvd_procs, &proc->hnode, (unsigned long)mm);
out_unlock:
	mutex_unlock(&fvd_procs_lock);
	return proc;
}

/**
 * fvd_proc_map() - vm_mmap() one piece of the window in current's mm.
 * @proc:	current's proc, map_lock held.
 * @file:	the /dev/flatvm file of the ioctl.
 * @addr:	first byte (page aligned, in the window).
 * @len:	bytes.
 * @kind:	the reservation, a range, or the reservation back.
 * @rights:	FVD_MAP_RANGE: the mapping's protection.
 *
 * The mmap hooks in flatvm_vma.c refuse to replace anything but this
 * module's mappings of this process.
 *
 * Return: 0 or a negative errno (-EEXIST when something else is there).
 */
int fvd_proc_map(struct fvd_proc *proc, struct file *file, unsigned long addr,
		 unsigned long len, enum fvd_map_kind kind, u32 rights)
{
	unsigned long prot = PROT_NONE, flags = MAP_SHARED, ret;

	lockdep_assert_held(&proc->map_lock);
	if (kind == FVD_MAP_RANGE) {
		prot = PROT_READ;
		if (rights & FV_WRITE)
			prot |= PROT_WRITE;
		if (rights & FV_EXEC)
			prot |= PROT_EXEC;
	}
	if (kind == FVD_MAP_RESERVE)
		flags |= MAP_FIXED_NOREPLACE | MAP_NORESERVE;
	else
		flags |= MAP_FIXED;

	proc->pending.addr = addr;
	proc->pending.len = len;
	proc->pending.kind = kind;
	proc->pending.rights = rights;
	WRITE_ONCE(proc->pending.task, current);
	ret = vm_mmap(file, addr, len, prot, flags, addr);
	WRITE_ONCE(proc->pending.task, NULL);
	if (IS_ERR_VALUE(ret))
		return (int)ret;
	return 0;
}

/**
 * fvd_proc_reserve() - reserve the window in current's mm, once.
 * @proc:	current's proc, map_lock held.
 * @file:	the ioctl's file.
 *
 * Return: 0, -EEXIST when a mapping not made by flatvm lies in the window.
 */
int fvd_proc_reserve(struct fvd_proc *proc, struct file *file)
{
	int ret;

	lockdep_assert_held(&proc->map_lock);
	if (proc->reserved)
		return 0;
	ret = fvd_proc_map(proc, file, fvd_window_base, fvd_window_size,
			   FVD_MAP_RESERVE, 0);
	if (!ret)
		proc->reserved = true;
	return ret;
}

/**
 * fvd_proc_unmap_span() - put the reservation back over current's range
 *	mappings inside [@addr, @addr + @len).
 * @proc:	current's proc, map_lock held.
 * @file:	the ioctl's file.
 * @addr:	first byte.
 * @len:	bytes.
 *
 * Holds are not touched (the driver's own vm_mmap() calls never release
 * anything): the caller has released them in the core already.  A piece
 * the reservation cannot be put back over (vm_mmap() failing for memory)
 * stays mapped with its page table entries zapped, like a revoked
 * mapping: a touch maps only pages the process holds again, else SIGBUS.
 *
 * Return: the number of range mappings found in the span.
 */
int fvd_proc_unmap_span(struct fvd_proc *proc, struct file *file,
			unsigned long addr, unsigned long len)
{
	unsigned long end = addr + len, start, stop;
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	int count = 0;

	lockdep_assert_held(&proc->map_lock);
	while (addr < end) {
		mmap_read_lock(mm);
		vma = find_vma_intersection(mm, addr, end);
		while (vma && !fvd_vma_is_range(vma))
			vma = find_vma_intersection(mm, vma->vm_end, end);
		if (vma) {
			start = max(addr, vma->vm_start);
			stop = min(end, vma->vm_end);
		}
		mmap_read_unlock(mm);
		if (!vma)
			break;
		if (fvd_proc_map(proc, file, start, stop - start,
				 FVD_MAP_RESTORE, 0))
			fvd_zap_ranges(mm, start, stop);
		count++;
		addr = stop;
	}
	return count;
}

/**
 * fvd_proc_fill_holes() - put the reservation back where nothing is mapped
 *	in [@addr, @addr + @len).
 * @proc:	current's proc, map_lock held.
 * @file:	the ioctl's file.
 * @addr:	first byte.
 * @len:	bytes.
 *
 * After a vm_mmap() that failed for memory once it had unmapped the old
 * mappings.  Best effort: a hole that cannot be filled stays a hole.
 */
void fvd_proc_fill_holes(struct fvd_proc *proc, struct file *file,
			 unsigned long addr, unsigned long len)
{
	unsigned long end = addr + len, stop;
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;

	lockdep_assert_held(&proc->map_lock);
	while (addr < end) {
		mmap_read_lock(mm);
		vma = find_vma_intersection(mm, addr, end);
		while (vma && vma->vm_start <= addr) {
			addr = vma->vm_end;
			vma = addr < end ?
			      find_vma_intersection(mm, addr, end) : NULL;
		}
		stop = vma ? vma->vm_start : end;
		mmap_read_unlock(mm);
		if (addr >= end)
			break;
		fvd_proc_map(proc, file, addr, stop - addr, FVD_MAP_RESTORE, 0);
		addr = stop;
	}
}

/**
 * fvd_proc_restore() - undo a mapping step: the reservation over all of
 *	[@addr, @addr + @len) again, holes a failed vm_mmap() left included.
 * @proc:	current's proc, map_lock held.
 * @file:	the ioctl's file.
 * @addr:	first byte.
 * @len:	bytes.
 *
 * Holds are not touched.  When the whole span cannot be restored at once,
 * its range mappings are dealt with one by one (fvd_proc_unmap_span()).
 */
void fvd_proc_restore(struct fvd_proc *proc, struct file *file,
		      unsigned long addr, unsigned long len)
{
	if (fvd_proc_map(proc, file, addr, len, FVD_MAP_RESTORE, 0))
		fvd_proc_unmap_span(proc, file, addr, len);
}

/**
 * fvd_procs_show() - debugfs: one line per process in the table.
 * @m:		the seq_file.
 *
 * Domain counters change only under fvd_lock, taken here inside the table
 * lock (fvd_procs_lock -> fvd_lock, as in the exit path).
 */
void fvd_procs_show(struct seq_file *m)
{
	struct fvd_proc *proc;
	int bkt;

	mutex_lock(&fvd_procs_lock);
	mutex_lock(&fvd_lock);
	hash_for_each(fvd_procs, bkt, proc, hnode)
		seq_printf(m, "domain %llu pid %d pages %llu holds %llu%s\n",
			   proc->dom.id, pid_nr(proc->pid), proc->dom.npages,
			   proc->dom.nholds, READ_ONCE(proc->reserved) ? " reserved" : "");
	mutex_unlock(&fvd_lock);
	mutex_unlock(&fvd_procs_lock);
}

/**
 * fvd_procs_exit() - module exit: wait for the notifiers' deferred frees.
 *
 * Every proc holds a module reference, so none is left at this point.
 */
void fvd_procs_exit(void)
{
	mmu_notifier_synchronize();
}
