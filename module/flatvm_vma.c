// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm mappings: the mmap hooks of /dev/flatvm and the vm_ops of the two
 * kinds of VMA the driver creates in a process.
 *
 *  - reservation VMAs: PROT_NONE, every VM_MAY* bit clear (mprotect cannot
 *    open them), they keep ordinary mmaps out of the window;
 *  - range VMAs: VM_MIXEDMAP, one protection for the whole VMA taken from
 *    the rights asked for; VM_MAYWRITE / VM_MAYEXEC are cleared when the
 *    right is missing, so mprotect cannot upgrade.
 *
 * Both are VM_DONTCOPY | VM_IO | VM_DONTEXPAND | VM_DONTDUMP: a fork child
 * inherits nothing (VM_IO makes MADV_DOFORK fail, so this cannot be undone;
 * the price is that get_user_pages() refuses the window), mremap can neither
 * grow nor move them (->mremap refuses), and core dumps skip them.
 *
 * Only the driver's own vm_mmap() calls reach these hooks: a direct mmap()
 * of /dev/flatvm fails with -ENODEV.  f_op->get_unmapped_area runs under the
 * mmap_lock write hold that then replaces the old mappings, so its check
 * that only this module's mappings are in the way cannot be raced.
 *
 * Holding and mapping: a range VMA maps only pages the process holds.  Its
 * ->close() from munmap, partial munmap or mremap shrink releases its span
 * from the process's domain, exactly like RELEASE (at exit the mmu notifier
 * has released the whole domain before the VMAs close; the driver's own
 * vm_mmap() calls release nothing there).  The fault handler
 * is the only place that adds page table entries after ALLOC/ATTACH: it
 * checks under fvd_lock that the process still holds the page with the
 * VMA's rights, so a REVOKE (release, then zap) cannot be undone by a racing
 * fault.
 *
 * Locking: the hooks and ->close() run under mmap_lock held for write,
 * faults under it held for read; both take fvd_lock inside it.
 */
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/rcupdate.h>

#include "flatvm.h"

/* The rights a page needs to be mapped in @vma as it is now. */
static u32 fvd_rights_of_vma(const struct vm_area_struct *vma)
{
	u32 rights = FV_READ;

	if (vma->vm_flags & VM_WRITE)
		rights |= FV_WRITE;
	if (vma->vm_flags & VM_EXEC)
		rights |= FV_EXEC;
	return rights;
}

/** fvd_vma_is_range() - is @vma one of the driver's range mappings? */
bool fvd_vma_is_range(const struct vm_area_struct *vma)
{
	return vma->vm_ops == &fvd_range_ops;
}

static bool fvd_vma_is_ours(const struct vm_area_struct *vma)
{
	return vma->vm_ops == &fvd_range_ops ||
	       vma->vm_ops == &fvd_reserve_ops;
}

/* Is this VMA going away under one of the driver's own vm_mmap() calls? */
static bool fvd_driver_is_mapping(const struct fvd_proc *proc)
{
	return READ_ONCE(proc->pending.task) == current;
}

/*
 * May the pending call replace what lies in [addr, addr + len)?  A range,
 * or the reservation put back, goes over this process's reservation and
 * range mappings (and holes a failed vm_mmap() left) only.  The
 * reservation itself is made with MAP_FIXED_NOREPLACE and replaces nothing.
 */
static bool fvd_span_replaceable(struct mm_struct *mm, unsigned long addr,
				 unsigned long len, enum fvd_map_kind kind)
{
	unsigned long end = addr + len;
	struct vm_area_struct *vma;

	/* mmap_assert_*() need dump_mm(), not exported under DEBUG_VM. */
	lockdep_assert_held_write(&mm->mmap_lock);
	if (kind == FVD_MAP_RESERVE)
		return true;
	for (vma = find_vma_intersection(mm, addr, end); vma;
	     vma = find_vma_intersection(mm, vma->vm_end, end))
		if (!fvd_vma_is_ours(vma))
			return false;
	return true;
}

/**
 * fvd_get_unmapped_area() - f_op hook: accept only the driver's own calls.
 * @file:	/dev/flatvm.
 * @addr:	requested address (MAP_FIXED).
 * @len:	bytes.
 * @pgoff:	must be @addr >> PAGE_SHIFT.
 * @flags:	MAP_* flags.
 *
 * Return: @addr, -ENODEV for an mmap() not made by the driver, -EEXIST
 * when a mapping the driver may not replace is in the way.
 */
unsigned long fvd_get_unmapped_area(struct file *file, unsigned long addr,
				    unsigned long len, unsigned long pgoff,
				    unsigned long flags)
{
	struct mm_struct *mm = current->mm;
	const struct fvd_pending *pd;
	struct fvd_proc *proc;
	unsigned long ret = -ENODEV;

	rcu_read_lock();
	proc = fvd_proc_lookup_rcu(mm);
	if (!proc || READ_ONCE(proc->pending.task) != current)
		goto out;
	pd = &proc->pending;
	ret = -EINVAL;
	if (!(flags & MAP_FIXED) || addr != pd->addr || len != pd->len ||
	    pgoff != addr >> PAGE_SHIFT)
		goto out;
	ret = fvd_span_replaceable(mm, addr, len, pd->kind) ? addr : -EEXIST;
out:
	rcu_read_unlock();
	return ret;
}

/**
 * fvd_mmap() - f_op->mmap: set up the VMA the driver's vm_mmap() creates.
 * @file:	/dev/flatvm.
 * @vma:	the new VMA, already checked by fvd_get_unmapped_area().
 *
 * Return: 0, or -ENODEV when not called for the driver's own vm_mmap().
 */
int fvd_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct fvd_proc *proc;

	rcu_read_lock();
	proc = fvd_proc_lookup_rcu(vma->vm_mm);
	if (!proc || READ_ONCE(proc->pending.task) != current) {
		rcu_read_unlock();
		return -ENODEV;
	}
	fvd_proc_hold(proc);
	rcu_read_unlock();

	vma->vm_private_data = proc;
	vma->vm_flags |= VM_DONTCOPY | VM_IO | VM_DONTEXPAND | VM_DONTDUMP;
	if (proc->pending.kind == FVD_MAP_RANGE) {
		vma->vm_flags |= VM_MIXEDMAP;
		if (!(proc->pending.rights & FV_WRITE))
			vma->vm_flags &= ~VM_MAYWRITE;
		if (!(proc->pending.rights & FV_EXEC))
			vma->vm_flags &= ~VM_MAYEXEC;
		vma->vm_ops = &fvd_range_ops;
	} else {
		vma->vm_flags &= ~(VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC);
		vma->vm_ops = &fvd_reserve_ops;
	}
	return 0;
}

/* A split or a (refused) mremap copy: one more VMA references the proc. */
static void fvd_vma_open(struct vm_area_struct *vma)
{
	fvd_proc_hold(vma->vm_private_data);
}

static void fvd_reserve_close(struct vm_area_struct *vma)
{
	fvd_proc_put(vma->vm_private_data);
}

/*
 * A range VMA (or the piece of one that munmap split off) goes away: what
 * the process holds in its span is released, as RELEASE would, unless
 *  - the driver itself is replacing it (its ioctls release holds in the
 *    core explicitly, before or after the mapping changes),
 *  - it is the copy a refused mremap made (vm_pgoff no longer matches the
 *    address) or the empty leftover of a failed split,
 *  - the process has exited and its domain is released already.
 * A stale mapping (left by REVOKE, or by a RELEASE that could not put the
 * reservation back) may hold nothing: that is no error.  munmap() of it
 * still releases what the process holds there, granted since or not.
 */
static void fvd_range_close(struct vm_area_struct *vma)
{
	struct fvd_proc *proc = vma->vm_private_data;
	unsigned long len = vma->vm_end - vma->vm_start;

	if (len && vma->vm_pgoff == vma->vm_start >> PAGE_SHIFT &&
	    !fvd_driver_is_mapping(proc)) {
		mutex_lock(&fvd_lock);
		if (!proc->dead)
			fv_release_nofail(&fvd_arena, &proc->dom,
					  vma->vm_start, len,
					  fvd_pages_released, NULL);
		mutex_unlock(&fvd_lock);
	}
	fvd_proc_put(proc);
}

/**
 * fvd_zap_ranges() - remove the page table entries of [@addr, @end) from
 *	@mm's range VMAs.
 * @mm:		an mm the caller keeps alive; its mmap_lock is not held.
 * @addr:	first byte.
 * @end:	byte after the last.
 *
 * The VMAs stay; a later touch goes through fvd_range_fault().
 */
void fvd_zap_ranges(struct mm_struct *mm, unsigned long addr,
		    unsigned long end)
{
	struct vm_area_struct *vma;

	mmap_read_lock(mm);
	for (vma = find_vma_intersection(mm, addr, end); vma;
	     vma = find_vma_intersection(mm, vma->vm_end, end)) {
		unsigned long start = max(addr, vma->vm_start);
		unsigned long stop = min(end, vma->vm_end);

		if (fvd_vma_is_range(vma))
			zap_page_range(vma, start, stop - start);
	}
	mmap_read_unlock(mm);
}

static int fvd_vma_mremap(struct vm_area_struct *vma)
{
	return -EINVAL;
}

/*
 * First touch of a lazy page, or a page whose entry was zapped: map it if
 * the process holds it with the rights the VMA grants, else SIGBUS.
 */
static vm_fault_t fvd_range_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct fvd_proc *proc = vma->vm_private_data;
	unsigned long addr = vmf->address & PAGE_MASK;
	u32 need = fvd_rights_of_vma(vma);
	vm_fault_t ret = VM_FAULT_SIGBUS;
	struct fv_lookup_result res;
	struct page *page;

	mutex_lock(&fvd_lock);
	if (proc->dead || fv_rights(&fvd_arena, &proc->dom, addr, &res) ||
	    (res.rights & need) != need)
		goto out;
	page = fvd_page_get_or_alloc(addr >> PAGE_SHIFT, &ret);
	if (page)
		ret = vmf_insert_page(vma, addr, page);
out:
	mutex_unlock(&fvd_lock);
	return ret;
}

const struct vm_operations_struct fvd_range_ops = {
	.open = fvd_vma_open,
	.close = fvd_range_close,
	.mremap = fvd_vma_mremap,
	.fault = fvd_range_fault,
};

const struct vm_operations_struct fvd_reserve_ops = {
	.open = fvd_vma_open,
	.close = fvd_reserve_close,
	.mremap = fvd_vma_mremap,
};
