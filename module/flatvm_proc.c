// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm per-process state: one struct fvd_proc (and one core domain) per
 * address space, keyed by mm as amdkfd does.  Threads share it; a fork child
 * or an exec'd image is a new mm and so a new process for flatvm, whichever
 * file descriptor it calls through.
 *
 * A proc is created by the first ioctl from its mm, or by a GRANT naming it.
 * Look-ups take no lock (RCU, then a reference); creation and removal take
 * fvd_procs_lock.  An mmu notifier on the mm tells us of its exit:
 * ->release() runs at the start of exit_mmap() (kill -9 included), before
 * any page table is torn down, and fvd_map_exit() zaps the window and
 * releases the domain there.  The proc itself lives on while its window
 * file or an ioctl still references it, and is freed by the notifier's
 * ->free_notifier() after SRCU and RCU grace periods.  Each proc pins the
 * module until then.
 */
#include <linux/hashtable.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/rculist.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "flatvm.h"

static DEFINE_MUTEX(fvd_procs_lock);
static DEFINE_HASHTABLE(fvd_procs, 8);
static atomic64_t fvd_next_domain_id = ATOMIC64_INIT(0);

/* The mm exits: release everything it holds and leave the table. */
static void fvd_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct fvd_proc *proc = container_of(mn, struct fvd_proc, mn);

	mutex_lock(&fvd_procs_lock);
	hash_del_rcu(&proc->hnode);
	mutex_unlock(&fvd_procs_lock);
	fvd_map_exit(proc, mm);
	fvd_proc_put(proc);		/* the table's */
}

static void fvd_mn_free(struct mmu_notifier *mn)
{
	struct fvd_proc *proc = container_of(mn, struct fvd_proc, mn);

	put_pid(proc->pid);
	mutex_destroy(&proc->window_lock);
	/* Lockless table readers may still see it. */
	kfree_rcu(proc, rcu);
	module_put(THIS_MODULE);
}

static const struct mmu_notifier_ops fvd_mn_ops = {
	.release = fvd_mn_release,
	.free_notifier = fvd_mn_free,
};

/* The proc of @mm with a reference, or NULL.  Under RCU or the lock. */
static struct fvd_proc *fvd_proc_find(const struct mm_struct *mm)
{
	struct fvd_proc *proc;

	hash_for_each_possible_rcu(fvd_procs, proc, hnode, (unsigned long)mm,
				   lockdep_is_held(&fvd_procs_lock))
		if (proc->mm == mm)
			return refcount_inc_not_zero(&proc->ref) ? proc : NULL;
	return NULL;
}

static struct fvd_proc *fvd_proc_create(struct mm_struct *mm,
					struct task_struct *task)
{
	struct fvd_proc *proc;
	int ret;

	lockdep_assert_held(&fvd_procs_lock);
	proc = kzalloc(sizeof(*proc), GFP_KERNEL_ACCOUNT);
	if (!proc)
		return ERR_PTR(-ENOMEM);
	proc->mm = mm;
	proc->mn.ops = &fvd_mn_ops;
	init_rwsem(&proc->map_sem);
	mutex_init(&proc->window_lock);
	ret = fv_domain_init(&fvd_arena, &proc->dom,
			     atomic64_inc_return(&fvd_next_domain_id));
	if (!ret) {
		ret = mmu_notifier_register(&proc->mn, mm);
		if (ret)
			fv_domain_release_all(&fvd_arena, &proc->dom, NULL,
					      NULL);
	}
	if (ret) {
		mutex_destroy(&proc->window_lock);
		kfree(proc);
		return ERR_PTR(ret);
	}
	proc->pid = get_task_pid(task, PIDTYPE_TGID);
	refcount_set(&proc->ref, 2);	/* the table's and the caller's */
	/* Called from our own file operations: the module is live. */
	__module_get(THIS_MODULE);
	hash_add_rcu(fvd_procs, &proc->hnode, (unsigned long)mm);
	return proc;
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

	rcu_read_lock();
	proc = fvd_proc_find(mm);
	rcu_read_unlock();
	if (proc || !create)
		return proc;

	mutex_lock(&fvd_procs_lock);
	proc = fvd_proc_find(mm);
	if (!proc)
		proc = fvd_proc_create(mm, task);
	mutex_unlock(&fvd_procs_lock);
	return proc;
}

/**
 * fvd_procs_show() - debugfs: one line per process in the table.
 * @m:		the seq_file.
 *
 * Under fvd_procs_lock, so that no proc in the table has exited; the
 * domain's counters are read without the core's lock: a snapshot.
 */
void fvd_procs_show(struct seq_file *m)
{
	struct fvd_proc *proc;
	int bkt;

	mutex_lock(&fvd_procs_lock);
	hash_for_each(fvd_procs, bkt, proc, hnode)
		seq_printf(m, "domain %llu pid %d pages %llu holds %llu%s\n",
			   proc->dom.id, pid_nr(proc->pid),
			   READ_ONCE(proc->dom.npages),
			   READ_ONCE(proc->dom.nholds),
			   READ_ONCE(proc->window) ? " window" : "");
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
