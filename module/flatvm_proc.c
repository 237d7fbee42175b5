// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm per-process state: one struct fvd_proc (and one core domain) per
 * address space, keyed by mm as amdkfd does.  Threads share it; a fork child
 * or an exec'd image is a new mm and so a new process for flatvm, whichever
 * file descriptor it calls through.
 *
 * A proc is created by its own ALLOC or ACCEPT, never by another process
 * (a GRANT to a process flatvm does not know fails).  It records the user
 * the process is charged to and whose grants it takes.  Look-ups take no
 * lock (RCU, then a reference); creation and removal take fvd_procs_lock.
 * An mmu notifier on the mm tells us of its exit: ->release() runs at the
 * start of exit_mmap() (kill -9 included), before any page table is torn
 * down, and fvd_map_exit() zaps the window and releases the domain there.
 * The proc itself lives on while its window file or an ioctl still
 * references it, and is freed by the notifier's ->free_notifier() after
 * SRCU and RCU grace periods.
 *
 * A proc does not pin the module: its window file does (while the window is
 * mapped), and so does every open /dev/flatvm.  When neither is left,
 * module exit tears the remaining procs down itself (fvd_procs_exit()):
 * whoever takes a proc out of the table (its exit or module exit) releases
 * its domain.
 */
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/rculist.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>

#include <uapi/linux/flatvm.h>

#include "flatvm.h"

static DEFINE_MUTEX(fvd_procs_lock);
static DEFINE_HASHTABLE(fvd_procs, 8);
static atomic64_t fvd_next_domain_id = ATOMIC64_INIT(0);
/* Procs not freed yet: module exit waits for none. */
static atomic_t fvd_nprocs = ATOMIC_INIT(0);

/* Take @proc out of the table; true for the caller that did. */
static bool fvd_proc_unhash(struct fvd_proc *proc)
{
	bool ret;

	mutex_lock(&fvd_procs_lock);
	ret = hash_hashed(&proc->hnode);
	if (ret)
		hash_del_rcu(&proc->hnode);
	mutex_unlock(&fvd_procs_lock);
	return ret;
}

/* The mm exits: release everything it holds and leave the table. */
static void fvd_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct fvd_proc *proc = container_of(mn, struct fvd_proc, mn);

	if (!fvd_proc_unhash(proc))
		return;			/* module exit has it */
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
	if (atomic_dec_and_test(&fvd_nprocs))
		wake_up_var(&fvd_nprocs);
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
	struct fvd_user *user = fvd_user_get(current_uid());
	struct fvd_proc *proc;
	int ret;

	lockdep_assert_held(&fvd_procs_lock);
	if (!user)
		return ERR_PTR(-ENOMEM);
	proc = kzalloc(sizeof(*proc), GFP_KERNEL_ACCOUNT);
	if (!proc)
		return ERR_PTR(-ENOMEM);
	proc->mm = mm;
	proc->mn.ops = &fvd_mn_ops;
	init_rwsem(&proc->map_sem);
	mutex_init(&proc->window_lock);
	spin_lock_init(&proc->acct_lock);
	proc->user = user;
	proc->accept = FLATVM_ACCEPT_USER;
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
	atomic_inc(&fvd_nprocs);
	hash_add_rcu(fvd_procs, &proc->hnode, (unsigned long)mm);
	return proc;
}

/**
 * fvd_proc_get() - the proc of @mm, with a reference.
 * @mm:		an mm the caller keeps alive (mm_users).
 * @task:	a task of @mm, recorded for debugfs when the proc is created.
 * @create:	create the proc when @mm has none (current's own mm only:
 *		it is charged to current's user).
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
 * fvd_proc_current() - current's proc, with a reference.
 * @create:	create it when current has none (ALLOC, ACCEPT).
 *
 * Its user follows current's real uid (fvd_quota_user_of()).
 *
 * Return: as fvd_proc_get().
 */
struct fvd_proc *fvd_proc_current(bool create)
{
	struct fvd_proc *proc = fvd_proc_get(current->mm, current, create);

	if (!IS_ERR_OR_NULL(proc))
		fvd_quota_user_of(proc);
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

/* Any proc still in the table, with the table's reference, or NULL. */
static struct fvd_proc *fvd_procs_take_one(void)
{
	struct fvd_proc *proc;
	int bkt;

	mutex_lock(&fvd_procs_lock);
	hash_for_each(fvd_procs, bkt, proc, hnode) {
		hash_del_rcu(&proc->hnode);
		mutex_unlock(&fvd_procs_lock);
		return proc;
	}
	mutex_unlock(&fvd_procs_lock);
	return NULL;
}

/**
 * fvd_procs_exit() - module exit: tear down the procs still known.
 *
 * Nothing pins the module any more: no /dev/flatvm is open and no window is
 * mapped, so a proc left has no window and no ioctl in flight, only holds
 * nobody can map again.  Each is released and dropped here (its mm may
 * exit meanwhile: whoever takes it out of the table does the work); then
 * wait until every proc is freed, and for the notifiers' deferred work.
 */
void fvd_procs_exit(void)
{
	struct fvd_proc *proc;

	while ((proc = fvd_procs_take_one())) {
		fvd_map_teardown(proc);
		fvd_proc_put(proc);	/* the table's */
	}
	wait_var_event(&fvd_nprocs, !atomic_read(&fvd_nprocs));
	mmu_notifier_synchronize();
}
