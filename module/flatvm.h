/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flatvm driver internals: what the driver files share.
 *
 * The allocator core (fv_core.h) keeps every book of addresses, holders and
 * rights; the driver adds processes, their window and physical pages:
 *
 *   flatvm_main.c	module parameters, the arena, /dev/flatvm, init/exit
 *   flatvm_ioctl.c	copies ioctl arguments in and out, checks, dispatches
 *   flatvm_range.c	ALLOC, GRANT, ATTACH, RELEASE, REVOKE, QUERY for a process
 *   flatvm_map.c	each process's window VMA and its page table entries:
 *			the only code that maps, unmaps or changes holds
 *			under the rule below
 *   flatvm_proc.c	the process table (by mm), its mmu notifier (exit)
 *   flatvm_pages.c	the page store
 *   flatvm_quota.c	who is charged for what: users, their quotas, the
 *			ledger of live ranges
 *   flatvm_stats.c	the module's counters (STATS, debugfs)
 *   flatvm_debugfs.c	/sys/kernel/debug/flatvm/
 *   flatvm_args.c	pure checks and arithmetic (KUnit-tested)
 *
 * Calls go one way: ioctl -> range -> {proc, map, pages, quota}, proc ->
 * map -> pages -> quota; stats and debugfs only read.
 *
 * The rule: a process has a page table entry for a page only while it holds
 * the page.  Entries are added (populate, fault) under proc->map_sem held for
 * read after checking the hold; holds are removed (RELEASE, REVOKE, munmap,
 * exit) under it held for write, after zapping the entries.  So when the core
 * reports a page free, no page table anywhere maps it, and the page can go:
 * special PTEs (VM_PFNMAP) hold no page reference of their own.
 *
 * Lock order, outermost first (no lock is taken while one below it is held):
 *
 *   fvd_procs_lock	mutex: process table insertions and removals (lookups
 *			are RCU); mmu_notifier_register() takes mmap_lock
 *   proc->window_lock	mutex: one process's own vm_mmap() of its window
 *   mmap_lock		of one mm: read for faults, populate, zap, RELEASE,
 *			REVOKE, exit; write for munmap (->close)
 *   proc->map_sem	rw_semaphore of one process: its holds against its
 *			page table entries (the rule above).  Read: fault,
 *			ALLOC and ATTACH filling entries, GRANT to it; write:
 *			RELEASE, REVOKE of it, munmap, exit
 *   arena->lock	the core's mutex, inside every fv_*() call that changes
 *			the arena; no driver call holds it for more than a
 *			bounded batch (exit, long spans: flatvm_map.c)
 *   fvd_users_lock	mutex: creation of a per-user record
 *   fvd_ledger_lock	spinlock: the ledger of live ranges (flatvm_quota.c),
 *			taken from the core's release callback
 *   proc->acct_lock	spinlock: the records a process is charged for
 *   xa_lock		the page store's; page table locks
 *
 * Nothing here is shared by all processes on the fault path except the
 * core's look-up: the process table, the page store (xa_load) and the user
 * records are read under RCU, caps are atomics.
 *
 * Module lifetime: open files pin the module (/dev/flatvm's and each
 * window's, whose VMAs hold it), nothing else: a process record without
 * either is torn down by module exit (fvd_procs_exit()).
 */
#ifndef _FLATVM_DRV_H
#define _FLATVM_DRV_H

#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>

#include "fv_core.h"

struct pid;
struct seq_file;
struct vm_area_struct;

/**
 * struct fvd_user - what one user is charged with (flatvm_quota.c).
 * @node:	entry in the user table (RCU readers).
 * @uid:	the user.
 * @pages:	pages of the store charged to it.
 * @bytes:	window address space of its live ranges, not yet back in the
 *		free pool.
 * @ranges:	its live ranges.
 * @records:	hold records of its processes.
 */
struct fvd_user {
	struct hlist_node node;
	kuid_t uid;
	atomic64_t pages;
	atomic64_t bytes;
	atomic64_t ranges;
	atomic64_t records;
};

/* A snapshot of one user's counts (STATS, debugfs). */
struct fvd_usage {
	u64 pages;
	u64 bytes;
	u64 ranges;
	u64 records;
};

/**
 * struct fvd_proc - one address space taking part (keyed by its mm).
 * @mn:		mmu notifier on @mm: ->release() at exit releases @dom.
 * @hnode:	entry in the process table (fvd_procs_lock; RCU readers).
 * @mm:		the key; pinned (mmgrab) by the notifier registration.
 * @pid:	thread group of the process that first used @mm (debugfs).
 * @ref:	one for the table until exit, one for the window file, one per
 *		ioctl in flight; the last put frees it (after SRCU and RCU).
 * @dom:	the core's holder for this process.
 * @map_sem:	holds against page table entries (see the rule above).
 * @dead:	@mm has exited and @dom is released (@map_sem).
 * @window_lock: serialises the driver's own vm_mmap() calls in @mm.
 * @mapping:	the thread inside such a call (@window_lock), else NULL.
 * @window:	the file behind the window VMAs (@window_lock); its
 *		private_data is this proc.  NULL until the first ALLOC/ATTACH.
 * @window_exec: the window was mapped executable (@window_lock).
 * @user:	the user it is charged to: its real uid at its last call
 *		(@acct_lock; READ_ONCE for readers).
 * @records:	hold records charged to @user (@acct_lock).
 * @acct_lock:	@user and @records.
 * @accept:	whose grants it takes: FLATVM_ACCEPT_* (READ_ONCE).
 * @rcu:	frees it after lockless table readers.
 */
struct fvd_proc {
	struct mmu_notifier mn;
	struct hlist_node hnode;
	struct mm_struct *mm;
	struct pid *pid;
	refcount_t ref;
	struct fv_domain dom;
	struct rw_semaphore map_sem;
	bool dead;
	struct mutex window_lock;	/* the driver's vm_mmap() calls */
	struct task_struct *mapping;
	struct file *window;
	bool window_exec;
	struct fvd_user *user;
	u64 records;
	spinlock_t acct_lock;	/* @user, @records */
	u32 accept;
	struct rcu_head rcu;
};

static inline void fvd_proc_hold(struct fvd_proc *proc)
{
	refcount_inc(&proc->ref);
}

/* The last put hands the proc to the notifier's ->free_notifier(). */
static inline void fvd_proc_put(struct fvd_proc *proc)
{
	if (refcount_dec_and_test(&proc->ref))
		mmu_notifier_put(&proc->mn);
}

/* flatvm_main.c */
extern struct fv_arena fvd_arena;
extern unsigned long fvd_window_base;
extern unsigned long fvd_window_size;
extern unsigned long fvd_max_pages;
extern unsigned long fvd_max_user_pages;
extern unsigned long fvd_max_user_bytes;
extern unsigned long fvd_max_user_ranges;
extern unsigned long fvd_max_user_records;

/* flatvm_ioctl.c */
long fvd_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* flatvm_range.c */
int fvd_range_alloc(struct file *file, u64 len, u64 align, u32 rights,
		    bool lazy, u64 *addr);
int fvd_range_grant(int pidfd, u64 addr, u64 len, u32 rights);
int fvd_range_attach(struct file *file, u64 addr, u64 len, u32 rights);
int fvd_range_release(u64 addr, u64 len);
int fvd_range_revoke(int pidfd, u64 addr, u64 len);
int fvd_range_query(u64 addr, struct fv_lookup_result *res, u64 *piece_start,
		    u64 *piece_len, bool *mapped);
int fvd_range_accept(u32 from, u32 *previous);

/* flatvm_proc.c */
struct fvd_proc *fvd_proc_get(struct mm_struct *mm, struct task_struct *task,
			      bool create);
struct fvd_proc *fvd_proc_current(bool create);
void fvd_procs_show(struct seq_file *m);
void fvd_procs_exit(void);

/* flatvm_map.c */
int fvd_map_window(struct fvd_proc *proc, bool exec);
bool fvd_map_exec_ok(struct fvd_proc *proc, bool unmapped);
int fvd_map_cover(struct fvd_proc *proc, u64 addr, u64 len);
int fvd_map_new(struct fvd_proc *proc, u64 addr, u64 len, u32 rights,
		struct page **pages);
void fvd_map_populate(struct fvd_proc *proc, u64 addr, u64 len);
int fvd_map_grant(struct fvd_proc *from, struct fvd_proc *to, u64 addr,
		  u64 len, u32 rights);
int fvd_map_release(struct fvd_proc *proc, u64 addr, u64 len);
int fvd_map_revoke(struct fvd_proc *by, struct fvd_proc *target,
		   struct mm_struct *mm, u64 addr, u64 len);
bool fvd_map_covers(struct fvd_proc *proc, u64 addr);
void fvd_map_exit(struct fvd_proc *proc, struct mm_struct *mm);
void fvd_map_teardown(struct fvd_proc *proc);
/* What fvd_map_walk() saw of a process's holds over a span. */
struct fvd_walk {
	u64 extents;	/* extents met */
	u64 range;	/* the first one's range */
	bool cut_first;	/* the span starts inside an extent */
	bool cut_last;	/* it ends inside one */
	bool cross;	/* it crosses ranges */
};

int fvd_map_walk(struct fvd_proc *proc, u64 addr, u64 len, u32 rights,
		 struct fvd_walk *w);

/* flatvm_pages.c */
struct page *fvd_page_get(struct fvd_user *u, u64 addr, vm_fault_t *err);
struct page **fvd_pages_new(struct fvd_user *u, u64 n);
u64 fvd_pages_store(u64 addr, u64 n, struct page **pages);
void fvd_pages_put(struct page **pages, u64 from, u64 n);
unsigned long fvd_pages_gather(u64 *addr, u64 end, struct page **pages,
			       unsigned long max);
void fvd_pages_released(void *ctx, u64 addr, u64 len, u64 range);
void fvd_pages_free(struct list_head *freed);
u64 fvd_pages_pinned(void);
void fvd_pages_exit(void);

/* flatvm_quota.c */
struct fvd_range;
struct fvd_user *fvd_user_get(kuid_t uid);
struct fvd_user *fvd_quota_user_of(struct fvd_proc *proc);
int fvd_quota_pages(struct fvd_user *u, u64 n);
void fvd_quota_unpages(struct fvd_user *u, u64 n);
u64 fvd_quota_npages(void);
int fvd_quota_records(struct fvd_user *u, u64 need);
void fvd_quota_sync(struct fvd_proc *proc);
int fvd_quota_range(struct fvd_user *u, u64 len);
void fvd_quota_unrange(struct fvd_user *u, u64 len);
struct fvd_range *fvd_ledger_prepare(void);
void fvd_ledger_discard(struct fvd_range *r);
void fvd_ledger_add(struct fvd_range *r, u64 start, u64 len, u64 id,
		    struct fvd_user *u);
void fvd_ledger_freed(u64 addr, u64 len, u64 id);
bool fvd_ledger_next(u64 pos, u64 end, u64 *start, u64 *stop);
u64 fvd_ledger_count(void);
void fvd_quota_of(struct fvd_user *u, struct fvd_usage *q);
struct fvd_user *fvd_quota_lookup(kuid_t uid);
void fvd_quota_show_users(struct seq_file *m);
void fvd_quota_exit(void);

/* flatvm_stats.c */
struct flatvm_stats;
void fvd_stats_fill(struct flatvm_stats *s);

/* flatvm_debugfs.c */
void fvd_debugfs_init(void);
void fvd_debugfs_exit(void);

#endif /* _FLATVM_DRV_H */
