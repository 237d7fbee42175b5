/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flatvm driver internals: what the driver files share.  The allocator core
 * (fv_core.h) keeps every book of addresses, holders and rights; the driver
 * adds processes, mappings and physical pages around it.
 *
 * Lock order, outermost first (flatvm_main.c repeats it where most locks are
 * taken):
 *
 *   fvd_procs_lock	the process table (flatvm_proc.c)
 *   proc->map_lock	one process's mapping operations (flatvm_proc.c)
 *   mmap_lock		of one mm (taken by vm_mmap(), faults, munmap)
 *   fvd_lock		core calls that change the arena, the page store, the
 *			page caps and proc->dead
 *   arena->lock	inside the core (every fv_*() call takes it)
 *   the page store's xarray lock
 */
#ifndef _FLATVM_DRV_H
#define _FLATVM_DRV_H

#include <linux/kref.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/fs.h>

#include "fv_core.h"

struct pid;
struct seq_file;

/* What the caller of vm_mmap() is doing, for the f_op hooks it reaches. */
enum fvd_map_kind {
	FVD_MAP_RESERVE,	/* reserve the whole window, never replacing */
	FVD_MAP_RANGE,		/* a range over the driver's own mappings */
	FVD_MAP_RESTORE,	/* the reservation back over them */
};

/**
 * struct fvd_pending - the vm_mmap() call a process's ioctl is making.
 * @task:	the thread making it, NULL when none.
 * @addr:	first byte.
 * @len:	bytes.
 * @kind:	what is being mapped.
 * @rights:	FVD_MAP_RANGE: rights of the mapping.
 *
 * Written under proc->map_lock; read by the same thread from the mmap
 * hooks and vm_ops->close(), which identify it by @task == current.
 */
struct fvd_pending {
	struct task_struct *task;
	unsigned long addr;
	unsigned long len;
	enum fvd_map_kind kind;
	u32 rights;
};

/**
 * struct fvd_proc - one address space taking part (keyed by its mm).
 * @mn:		mmu notifier on @mm: its ->release() at exit releases @dom.
 * @hnode:	entry in the process table (fvd_procs_lock; RCU readers).
 * @mm:		the key.  Pinned (mmgrab) by the notifier registration.
 * @pid:	thread group of the process that first used @mm (debugfs).
 * @ref:	one for the table until exit, one per VMA, one per ioctl.
 * @dom:	the core's holder for this process (fvd_lock).
 * @dead:	@mm has exited and @dom is released (fvd_lock).
 * @reserved:	the window has been reserved in @mm (map_lock).
 * @map_lock:	serialises this process's own vm_mmap() calls.
 * @pending:	the call in flight (map_lock).
 * @rcu:	frees it after lockless table readers.
 */
struct fvd_proc {
	struct mmu_notifier mn;
	struct hlist_node hnode;
	struct mm_struct *mm;
	struct pid *pid;
	struct kref ref;
	struct fv_domain dom;
	bool dead;
	bool reserved;
	struct mutex map_lock;	/* serialises this mm's driver vm_mmap()s */
	struct fvd_pending pending;
	struct rcu_head rcu;
};

/* flatvm_main.c */
extern struct fv_arena fvd_arena;
extern struct mutex fvd_lock;
extern unsigned long fvd_window_base;
extern unsigned long fvd_window_size;
extern unsigned long fvd_max_pages;
extern unsigned long fvd_max_user_pages;

/* flatvm_proc.c */
struct fvd_proc *fvd_proc_get(struct mm_struct *mm, struct task_struct *task,
			      bool create);
struct fvd_proc *fvd_proc_lookup_rcu(const struct mm_struct *mm);
void fvd_proc_hold(struct fvd_proc *proc);
void fvd_proc_put(struct fvd_proc *proc);
int fvd_proc_map(struct fvd_proc *proc, struct file *file, unsigned long addr,
		 unsigned long len, enum fvd_map_kind kind, u32 rights);
int fvd_proc_reserve(struct fvd_proc *proc, struct file *file);
int fvd_proc_unmap_span(struct fvd_proc *proc, struct file *file,
			unsigned long addr, unsigned long len);
void fvd_proc_fill_holes(struct fvd_proc *proc, struct file *file,
			 unsigned long addr, unsigned long len);
void fvd_proc_restore(struct fvd_proc *proc, struct file *file,
		      unsigned long addr, unsigned long len);
void fvd_procs_show(struct seq_file *m);
void fvd_procs_exit(void);

/* flatvm_vma.c */
extern const struct vm_operations_struct fvd_range_ops;
extern const struct vm_operations_struct fvd_reserve_ops;
unsigned long fvd_get_unmapped_area(struct file *file, unsigned long addr,
				    unsigned long len, unsigned long pgoff,
				    unsigned long flags);
int fvd_mmap(struct file *file, struct vm_area_struct *vma);
bool fvd_vma_is_range(const struct vm_area_struct *vma);
void fvd_zap_ranges(struct mm_struct *mm, unsigned long addr,
		    unsigned long end);

/* flatvm_pages.c */
int fvd_pages_check_caps(u64 npages);
int fvd_pages_alloc(u64 first, u64 npages);
struct page *fvd_page_get_or_alloc(u64 index, vm_fault_t *err);
int fvd_pages_map(struct vm_area_struct *vma, unsigned long addr,
		  unsigned long len);
void fvd_pages_released(void *ctx, u64 addr, u64 len, u64 range);
u64 fvd_pages_total(void);
u64 fvd_pages_of_current_user(void);
void fvd_pages_show_users(struct seq_file *m);

/* flatvm_debugfs.c */
void fvd_debugfs_init(void);
void fvd_debugfs_exit(void);
u64 fvd_count_ranges(void);

#endif /* _FLATVM_DRV_H */
