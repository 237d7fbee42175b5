// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm mappings: each process's window and its page table entries.
 *
 * The window is one VMA per process (more only where the process itself
 * munmaps or madvises part of it), mapped once by the first ALLOC or ATTACH
 * over the whole window with MAP_FIXED_NOREPLACE: -EEXIST, and nothing
 * changed, when anything else lies there.  It maps a file of its own (an
 * anonymous inode per process, "[flatvm]" in /proc/PID/maps) whose
 * private_data is the process: /dev/flatvm itself has no mmap, and the
 * window file maps only from this file's own vm_mmap() calls.
 *
 * VMA flags: VM_PFNMAP | VM_IO | VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP,
 * shared, readable, writable and (unless /dev/flatvm sits on a noexec
 * mount) executable: the most any hold may have.  Rights are per page, in
 * the page table entries:
 *  - pages are inserted as special entries (pte_special) whose protection
 *    is the process's rights on that page.  get_user_pages() refuses
 *    VM_IO | VM_PFNMAP VMAs and gup-fast refuses special entries, so no
 *    page reference can be taken through the window: not by vmsplice,
 *    O_DIRECT, process_vm_readv/writev, /proc/PID/mem, ptrace or io_uring
 *    (there is no ->access either);
 *  - a write to a read-only entry reaches ->pfn_mkwrite (a shared
 *    writable VMA without it would make the entry writable), an exec of a
 *    present non-exec entry is refused by the arch fault code, and a fault
 *    on a missing entry reaches ->fault: both check the process's rights
 *    with the fault's kind (write, instruction fetch) and refuse with
 *    SIGSEGV;
 *  - ->mprotect refuses every call, ->mremap every move (VM_DONTEXPAND:
 *    growth); munmap and mremap shrink release what the process holds in
 *    the piece removed (->close, after its entries are gone).
 *    MADV_DONTNEED/FREE/COLD/PAGEOUT refuse VM_PFNMAP, mlock leaves
 *    VM_SPECIAL VMAs alone, MADV_DOFORK refuses VM_IO.
 *
 * Holds against entries (the rule in flatvm.h): entries are added under
 * proc->map_sem held for read once the hold is checked; holds are removed
 * under it held for write, after zapping.  Everything that removes holds is
 * here: fvd_map_release(), fvd_map_revoke(), ->close, fvd_map_exit(),
 * fvd_map_teardown().
 *
 * Bounded lock holds: a core call that removes holds walks every segment of
 * its span under the core's lock, so a long span is released in pieces of
 * at most FVD_PIECE_PAGES pages (a piece never ends inside an extent the
 * process holds, so no piece cuts one), skipping the space no live range
 * covers (the ledger, flatvm_quota.c); exit releases FVD_EXIT_BATCH holds
 * per call.  Others' calls get the lock between pieces.  Checks that walk a
 * span (ATTACH, REVOKE's authority, GRANT's count) use the core's lockless
 * look-up, one per extent.
 *
 * Locking: mmap_lock -> proc->map_sem -> the core; see flatvm.h.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/maple_tree.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/sched/mm.h>

#include "flatvm.h"
#include "flatvm_args.h"
#include "flatvm_trace.h"

/* Pages mapped per page table walk when filling a span. */
#define FVD_FILL_BATCH	64
/* Pages of segments one core call releases at most (plus one extent). */
#define FVD_PIECE_PAGES	1024
/* Holds released per core call at exit. */
#define FVD_EXIT_BATCH	256
/* Extents a GRANT may cover (fv_share() walks them under the lock). */
#define FVD_GRANT_EXTENTS	1024
/* Lockless look-ups between two cond_resched(). */
#define FVD_WALK_BATCH	256

static const struct vm_operations_struct fvd_window_ops;

static u64 fvd_window_end(void)
{
	return fvd_window_base + fvd_window_size;
}

static bool fvd_vma_is_window(const struct vm_area_struct *vma)
{
	return vma->vm_ops == &fvd_window_ops;
}

/* ---- page table entries ------------------------------------------------ */

struct fvd_fill {
	struct mm_struct *mm;
	struct page *const *pages;
	pgprot_t prot;
};

/* apply_to_page_range() callback, under the page table lock. */
static int fvd_fill_pte(pte_t *pte, unsigned long addr, void *data)
{
	struct fvd_fill *f = data;

	/* Present: another thread's fault or populate got there first. */
	if (pte_none(*pte))
		set_pte_at(f->mm, addr, pte,
			   pte_mkspecial(pfn_pte(page_to_pfn(*f->pages),
						 f->prot)));
	f->pages++;
	return 0;
}

/*
 * Map @n pages from @addr in @vma to @pages, with the protection of
 * @rights (less exec when the window is not executable).  Entries already
 * present stay.  Return: 0 or -ENOMEM (page tables).
 */
static int fvd_fill(struct vm_area_struct *vma, unsigned long addr,
		    unsigned long n, struct page *const *pages, u32 rights)
{
	struct fvd_fill f = { .mm = vma->vm_mm, .pages = pages };

	if (!(vma->vm_flags & VM_EXEC))
		rights &= ~FV_EXEC;
	f.prot = vm_get_page_prot(fvd_rights_vm_flags(rights));
	return apply_to_page_range(vma->vm_mm, addr, n << PAGE_SHIFT,
				   fvd_fill_pte, &f);
}

/* Map the stored pages of [@start, @end) in @vma, a window VMA. */
static int fvd_fill_stored(struct vm_area_struct *vma, u64 start, u64 end,
			   u32 rights)
{
	struct page *pages[FVD_FILL_BATCH];
	u64 addr = start;
	unsigned long n;
	int ret = 0;

	while (!ret && addr < end) {
		n = fvd_pages_gather(&addr, end, pages, FVD_FILL_BATCH);
		if (!n)
			break;
		ret = fvd_fill(vma, addr - (n << PAGE_SHIFT), n, pages,
			       rights);
		cond_resched();
	}
	return ret;
}

/* Zap every window entry of [@addr, @end) in @mm (mmap_lock held). */
static void fvd_zap(struct mm_struct *mm, u64 addr, u64 end)
{
	struct vm_area_struct *vma;
	u64 start, stop;

	for (vma = find_vma_intersection(mm, addr, end); vma;
	     vma = find_vma_intersection(mm, vma->vm_end, end)) {
		if (!fvd_vma_is_window(vma))
			continue;
		start = max_t(u64, addr, vma->vm_start);
		stop = min_t(u64, end, vma->vm_end);
		zap_vma_ptes(vma, start, stop - start);
	}
}

/* ---- removing holds, piece by piece -------------------------------------- */

/*
 * Where the piece of [@pos, @end) released in one core call ends: after at
 * most FVD_PIECE_PAGES pages, stretched to the end of an extent @proc holds
 * across that point, so that no piece cuts one of its extents.  Lockless:
 * a stale answer costs a cut (a record), never a wrong release.
 */
static u64 fvd_piece_end(struct fvd_proc *proc, u64 pos, u64 end)
{
	struct fv_lookup_result res;
	u64 stop;

	if (end - pos <= (u64)FVD_PIECE_PAGES << PAGE_SHIFT)
		return end;
	stop = pos + ((u64)FVD_PIECE_PAGES << PAGE_SHIFT);
	if (!fv_rights(&fvd_arena, &proc->dom, stop, &res) &&
	    res.ext_start < stop)
		stop = min(end, res.ext_start + res.ext_len);
	return stop;
}

/* Zap (when @mm is given), then release one piece in the core. */
static int fvd_unhold_piece(struct fvd_proc *proc, struct mm_struct *mm,
			    u64 start, u64 stop, bool nofail,
			    struct list_head *freed)
{
	if (mm)
		fvd_zap(mm, start, stop);
	if (nofail)
		return fv_release_nofail(&fvd_arena, &proc->dom, start,
					 stop - start, fvd_pages_released,
					 freed);
	return fv_release(&fvd_arena, &proc->dom, start, stop - start,
			  fvd_pages_released, freed);
}

/*
 * Drop what @proc holds in [@addr, @end): zap its entries there (when @mm is
 * given: ->close comes after the zap), then release in the core, a piece at
 * a time over the live ranges of the span.  Only the first core call that
 * finds something may fail (then nothing changed); once one released
 * something, the others cannot (nofail).  Pages nobody holds go onto @freed.
 *
 * Return: 0 when something was released, -ENOENT when @proc held nothing
 * there, or the error of the first call (-ENOMEM) with nothing changed.
 */
static int fvd_unhold_span(struct fvd_proc *proc, struct mm_struct *mm,
			   u64 addr, u64 end, bool nofail,
			   struct list_head *freed)
{
	u64 pos = addr, start, stop, piece;
	int ret = -ENOENT, r;

	lockdep_assert_held_write(&proc->map_sem);
	if (end - addr <= (u64)FVD_PIECE_PAGES << PAGE_SHIFT)
		return fvd_unhold_piece(proc, mm, addr, end, nofail, freed);
	while (pos < end && fvd_ledger_next(pos, end, &start, &stop)) {
		for (; start < stop; start = piece) {
			piece = fvd_piece_end(proc, start, stop);
			r = fvd_unhold_piece(proc, mm, start, piece,
					     nofail || !ret, freed);
			if (!r)
				ret = 0;
			else if (r != -ENOENT && ret)
				return r;
			fvd_pages_free(freed);
			cond_resched();
		}
		pos = stop;
	}
	return ret;
}

/**
 * fvd_map_walk() - @proc's holds over a span, by lockless look-ups.
 * @proc:	the process.
 * @addr:	first byte.
 * @len:	bytes.
 * @rights:	rights wanted on every page (FV_OWNER may be asked), or 0.
 * @w:		filled: extents met, whether the span's ends cut an extent,
 *		whether it crosses ranges.
 *
 * A snapshot: the caller that needs it exact holds what keeps it so, or
 * lets the core decide again.  One look-up per extent, without the core's
 * lock.
 *
 * Return: 0, -ENOENT (a page not held), -EACCES (held with fewer rights).
 */
int fvd_map_walk(struct fvd_proc *proc, u64 addr, u64 len, u32 rights,
		 struct fvd_walk *w)
{
	struct fv_lookup_result res;
	u64 pos = addr, end = addr + len;
	int ret;

	memset(w, 0, sizeof(*w));
	while (pos < end) {
		ret = fv_rights(&fvd_arena, &proc->dom, pos, &res);
		if (ret)
			return ret;
		if ((res.rights & rights) != rights)
			return -EACCES;
		if (!w->extents) {
			w->cut_first = res.ext_start < addr;
			w->range = res.range;
		} else if (res.range != w->range) {
			w->cross = true;
		}
		pos = res.ext_start + res.ext_len;
		w->cut_last = pos > end;
		if (!(++w->extents % FVD_WALK_BATCH))
			cond_resched();
	}
	return 0;
}

/* ---- the window VMA ------------------------------------------------------- */

/*
 * A fault on a missing entry, or (FAULT_FLAG_MKWRITE) a write to a
 * read-only one: map the page if the process holds it with the rights the
 * access needs, else SIGSEGV.  A lazy page is allocated by its first touch
 * (SIGBUS over a cap).  Entries carry the full rights of the hold, which do
 * not change while it lasts, so a read-only entry means no write right; a
 * write allowed there is served by mapping the page afresh.
 */
static vm_fault_t fvd_window_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct fvd_proc *proc = vma->vm_file->private_data;
	unsigned long addr = vmf->address & PAGE_MASK;
	vm_fault_t ret = VM_FAULT_SIGSEGV;
	struct fv_lookup_result res;
	struct page *page;

	down_read(&proc->map_sem);
	if (fv_rights(&fvd_arena, &proc->dom, addr, &res) ||
	    !fvd_fault_allowed(res.rights, vmf->flags))
		goto out;
	page = fvd_page_get(READ_ONCE(proc->user), addr, &ret);
	if (!page)
		goto out;
	if (vmf->flags & FAULT_FLAG_MKWRITE)
		zap_vma_ptes(vma, addr, PAGE_SIZE);
	ret = fvd_fill(vma, addr, 1, &page, res.rights) ? VM_FAULT_OOM :
							   VM_FAULT_NOPAGE;
out:
	up_read(&proc->map_sem);
	return ret;
}

/*
 * A piece of the window goes (munmap, mremap shrink, or the exit after
 * fvd_map_exit()); its entries are already zapped: release what the process
 * holds there, as RELEASE would.  Not for the copy a refused mremap made
 * (vm_pgoff no longer matches the address) nor the empty leftover of a
 * failed split.
 */
static void fvd_window_close(struct vm_area_struct *vma)
{
	struct fvd_proc *proc = vma->vm_file->private_data;
	LIST_HEAD(freed);

	if (vma->vm_start == vma->vm_end ||
	    vma->vm_pgoff != vma->vm_start >> PAGE_SHIFT)
		return;
	down_write(&proc->map_sem);
	if (!proc->dead) {
		fvd_unhold_span(proc, NULL, vma->vm_start, vma->vm_end, true,
				&freed);
		trace_flatvm_release(proc, vma->vm_start,
				     vma->vm_end - vma->vm_start,
				     FVD_TRACE_MUNMAP, 0);
	}
	up_write(&proc->map_sem);
	fvd_pages_free(&freed);
	fvd_quota_sync(proc);
}

/* Rights are per page, not per VMA: mprotect() has nothing to change. */
static int fvd_window_mprotect(struct vm_area_struct *vma, unsigned long start,
			       unsigned long end, unsigned long newflags)
{
	return -EACCES;
}

/* Addresses are the same in every process: the window never moves. */
static int fvd_window_mremap(struct vm_area_struct *vma)
{
	return -EINVAL;
}

static const struct vm_operations_struct fvd_window_ops = {
	.fault = fvd_window_fault,
	.pfn_mkwrite = fvd_window_fault,
	.close = fvd_window_close,
	.mprotect = fvd_window_mprotect,
	.mremap = fvd_window_mremap,
};

/* Only the driver's own vm_mmap() (fvd_window_map()) maps the file. */
static int fvd_window_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct fvd_proc *proc = file->private_data;

	if (READ_ONCE(proc->mapping) != current || vma->vm_mm != proc->mm)
		return -ENODEV;
	vma->vm_flags |= VM_PFNMAP | VM_IO | VM_DONTCOPY | VM_DONTEXPAND |
			 VM_DONTDUMP;
	if (!proc->window_exec)
		vma->vm_flags &= ~VM_MAYEXEC;
	vma->vm_ops = &fvd_window_ops;
	return 0;
}

/* The last window VMA and the proc's own reference are gone. */
static int fvd_window_release(struct inode *inode, struct file *file)
{
	fvd_proc_put(file->private_data);
	return 0;
}

static const struct file_operations fvd_window_fops = {
	.owner = THIS_MODULE,
	.mmap = fvd_window_mmap,
	.release = fvd_window_release,
	.llseek = noop_llseek,
};

/* vm_mmap() [@start, @start + @len) of the window file, never replacing. */
static int fvd_window_map(struct fvd_proc *proc, u64 start, u64 len)
{
	unsigned long prot = PROT_READ | PROT_WRITE, ret;

	lockdep_assert_held(&proc->window_lock);
	if (proc->window_exec)
		prot |= PROT_EXEC;
	WRITE_ONCE(proc->mapping, current);
	ret = vm_mmap(proc->window, start, len, prot,
		      MAP_SHARED | MAP_FIXED_NOREPLACE | MAP_NORESERVE, start);
	WRITE_ONCE(proc->mapping, NULL);
	return IS_ERR_VALUE(ret) ? (int)ret : 0;
}

/**
 * fvd_map_window() - map current's window once.
 * @proc:	current's proc.
 * @exec:	the window may be executable (the caller's /dev/flatvm is on
 *		a mount that allows it); used the first time only.
 *
 * Return: 0, -EEXIST when a mapping flatvm did not make lies in the window,
 * -ENOMEM.  On error nothing changed.
 */
int fvd_map_window(struct fvd_proc *proc, bool exec)
{
	struct file *file;
	int ret = 0;

	if (READ_ONCE(proc->window))
		return 0;
	mutex_lock(&proc->window_lock);
	if (proc->window)
		goto out;
	file = anon_inode_getfile("[flatvm]", &fvd_window_fops, proc, O_RDWR);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto out;
	}
	fvd_proc_hold(proc);		/* the file's, put by its ->release */
	proc->window = file;
	proc->window_exec = exec;
	ret = fvd_window_map(proc, fvd_window_base, fvd_window_size);
	if (ret) {
		WRITE_ONCE(proc->window, NULL);
		fput(file);
	}
out:
	mutex_unlock(&proc->window_lock);
	return ret;
}

/**
 * fvd_map_exec_ok() - is current's window executable?
 * @proc:	current's proc.
 * @unmapped:	the answer when the window is not mapped yet.
 */
bool fvd_map_exec_ok(struct fvd_proc *proc, bool unmapped)
{
	bool ret;

	mutex_lock(&proc->window_lock);
	ret = proc->window ? proc->window_exec : unmapped;
	mutex_unlock(&proc->window_lock);
	return ret;
}

/*
 * The first part of [@addr, @end) no window VMA covers: 1 when there is
 * none, -EEXIST when another mapping lies there, else 0 and the hole
 * around it, clipped to the window, in [@start, @stop).
 */
static int fvd_window_hole(struct mm_struct *mm, u64 addr, u64 end,
			   u64 *start, u64 *stop)
{
	MA_STATE(mas, &mm->mm_mt, 0, 0);
	struct vm_area_struct *vma;

	for (; addr < end; addr = vma->vm_end) {
		vma = find_vma(mm, addr);
		if (!vma || vma->vm_start > addr)
			break;
		if (!fvd_vma_is_window(vma))
			return -EEXIST;
	}
	if (addr >= end)
		return 1;
	/* find_vma() saw a hole at @addr: the tree's empty slot bounds it. */
	mas_set(&mas, addr);
	mas_walk(&mas);
	*start = max_t(u64, mas.index, fvd_window_base);
	*stop = min_t(u64, mas.last, fvd_window_end() - 1) + 1;
	return 0;
}

/**
 * fvd_map_cover() - map the window again where current unmapped parts of
 *	it, so that it covers [@addr, @addr + @len).
 * @proc:	current's proc; its window is mapped (fvd_map_window()).
 * @addr:	first byte (in the window).
 * @len:	bytes.
 *
 * Each hole is refilled whole (within the window), never over a mapping.
 *
 * Return: 0, -EEXIST when a mapping flatvm did not make lies in the span,
 * -ENOMEM.  On error the holes not yet refilled stay holes.
 */
int fvd_map_cover(struct fvd_proc *proc, u64 addr, u64 len)
{
	struct mm_struct *mm = current->mm;
	u64 start, stop;
	int ret, tries;

	/* Another thread may map into a hole meanwhile: then look again. */
	for (tries = 0; tries < 4; tries++) {
		mmap_read_lock(mm);
		ret = fvd_window_hole(mm, addr, addr + len, &start, &stop);
		mmap_read_unlock(mm);
		if (ret)
			return ret > 0 ? 0 : ret;
		mutex_lock(&proc->window_lock);
		ret = fvd_window_map(proc, start, stop - start);
		mutex_unlock(&proc->window_lock);
		if (ret && ret != -EEXIST)
			return ret;
	}
	return -EEXIST;
}

/**
 * fvd_map_covers() - does current's window cover @addr?
 * @proc:	current's proc.
 * @addr:	any address.
 */
bool fvd_map_covers(struct fvd_proc *proc, u64 addr)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	bool ret;

	mmap_read_lock(mm);
	vma = vma_lookup(mm, addr);
	ret = vma && fvd_vma_is_window(vma) &&
	      vma->vm_file->private_data == proc;
	mmap_read_unlock(mm);
	return ret;
}

/* ---- holds and entries ---------------------------------------------------- */

/**
 * fvd_map_new() - store and map the pages of a range current just got.
 * @proc:	current's proc, which got [@addr, @addr + @len) from the core.
 * @addr:	first byte.
 * @len:	bytes.
 * @rights:	current's rights on it.
 * @pages:	an eager range's pages, from fvd_pages_new(): consumed.
 *		NULL for a lazy range (no page yet, nothing to map).
 *
 * Maps the window again where current unmapped it, then, under map_sem
 * and only while current still holds the range (another thread may have
 * released it, and its address be someone else's already), stores the
 * pages and maps them: one page table walk per window VMA.  Pages enter
 * the store only this way or from a fault, both under a holder's map_sem.
 *
 * Return: 0, -EEXIST (a foreign mapping at the range), -ENOMEM; on error
 * the caller releases the range, which frees what was stored.
 */
int fvd_map_new(struct fvd_proc *proc, u64 addr, u64 len, u32 rights,
		struct page **pages)
{
	u64 n = len >> PAGE_SHIFT, stored = 0, end, s, e;
	struct mm_struct *mm = current->mm;
	struct fv_lookup_result res;
	struct vm_area_struct *vma;
	int ret;

	ret = fvd_map_cover(proc, addr, len);
	if (ret || !pages)
		goto out;
	mmap_read_lock(mm);
	down_read(&proc->map_sem);
	/* Still held whole: one extent of current's holds spans the range. */
	if (!fv_rights(&fvd_arena, &proc->dom, addr, &res) &&
	    res.ext_start + res.ext_len >= addr + len) {
		stored = fvd_pages_store(addr, n, pages);
		if (stored < n)
			ret = -ENOMEM;
		/* Best effort: faults map what page tables could not. */
		end = addr + (stored << PAGE_SHIFT);
		for (vma = find_vma_intersection(mm, addr, end); vma;
		     vma = find_vma_intersection(mm, vma->vm_end, end)) {
			if (!fvd_vma_is_window(vma))
				continue;
			s = max_t(u64, addr, vma->vm_start);
			e = min_t(u64, end, vma->vm_end);
			fvd_fill(vma, s, (e - s) >> PAGE_SHIFT,
				 pages + ((s - addr) >> PAGE_SHIFT), rights);
		}
	}
	up_read(&proc->map_sem);
	mmap_read_unlock(mm);
out:
	fvd_pages_put(pages, stored, n);
	return ret;
}

/**
 * fvd_map_populate() - insert current's entries for the pages it holds in
 *	[@addr, @addr + @len) that exist already, so that touching them does
 *	not fault.
 * @proc:	current's proc.
 * @addr:	first byte (in the window).
 * @len:	bytes.
 *
 * One batch of the page store and one page table walk per run of stored
 * pages; pages not allocated yet (lazy) are left to the fault handler.
 * Best effort: it stops at the first page no longer held (another thread
 * released it) or when page tables cannot be allocated, and faults map the
 * rest.
 */
void fvd_map_populate(struct fvd_proc *proc, u64 addr, u64 len)
{
	struct mm_struct *mm = current->mm;
	struct fv_lookup_result res;
	struct vm_area_struct *vma;
	u64 end = addr + len, stop, s, e;
	int ret = 0;

	mmap_read_lock(mm);
	down_read(&proc->map_sem);
	for (; !ret && addr < end; addr = stop) {
		if (fv_rights(&fvd_arena, &proc->dom, addr, &res))
			break;
		/* One extent: one set of rights. */
		stop = min(end, res.ext_start + res.ext_len);
		for (vma = find_vma_intersection(mm, addr, stop); vma && !ret;
		     vma = find_vma_intersection(mm, vma->vm_end, stop)) {
			if (!fvd_vma_is_window(vma))
				continue;
			s = max_t(u64, addr, vma->vm_start);
			e = min_t(u64, stop, vma->vm_end);
			ret = fvd_fill_stored(vma, s, e, res.rights);
		}
	}
	up_read(&proc->map_sem);
	mmap_read_unlock(mm);
}

/**
 * fvd_map_grant() - GRANT: @from gives @to a hold.
 * @from:	the granter (current's proc).
 * @to:		the grantee.
 * @addr:	span.
 * @len:	bytes.
 * @rights:	the grantee's rights.
 *
 * Under @to's map_sem for read, so that a REVOKE of @to decides on holds
 * that cannot change under it, and that an exited @to gets nothing.  @to
 * must accept grants from @from; the span may cover at most
 * FVD_GRANT_EXTENTS extents (fv_share() walks them under the core's lock);
 * @to's user gets a record per extent, @from's one per extent the span's
 * ends cut.  The grantee maps the pages on its first touch, or at once with
 * ATTACH.
 *
 * Return: -ESRCH (@to exited), -EPERM (@to does not accept @from), -ERANGE
 * (too many extents), -EMLINK (a records quota), or as fv_share().
 */
int fvd_map_grant(struct fvd_proc *from, struct fvd_proc *to, u64 addr,
		  u64 len, u32 rights)
{
	struct fvd_walk w;
	int ret;

	down_read(&to->map_sem);
	if (to->dead) {
		ret = -ESRCH;
		goto out;
	}
	if (!fvd_accepts(READ_ONCE(to->accept),
			 READ_ONCE(to->user) == READ_ONCE(from->user))) {
		ret = -EPERM;
		goto out;
	}
	/* A span the core will refuse anyway: let it say why. */
	if (!fvd_map_walk(from, addr, len, 0, &w) && !w.cross) {
		if (w.extents > FVD_GRANT_EXTENTS)
			ret = -ERANGE;
		else
			ret = fvd_quota_records(READ_ONCE(to->user),
						w.extents);
		if (!ret)
			ret = fvd_quota_records(READ_ONCE(from->user),
						w.cut_first + w.cut_last);
		if (ret)
			goto out;
	}
	ret = fv_share(&fvd_arena, &from->dom, &to->dom, addr, len, rights);
out:
	up_read(&to->map_sem);
	return ret;
}

/*
 * May @proc's user pay for the records cutting @proc's extents at the ends
 * of [@addr, @addr + @len) adds?  One when the span lies inside one extent
 * @proc holds (it becomes two), none otherwise.
 */
static int fvd_cut_quota(struct fvd_proc *proc, u64 addr, u64 len)
{
	struct fv_lookup_result res;

	if (fv_rights(&fvd_arena, &proc->dom, addr, &res) ||
	    res.ext_start >= addr || res.ext_start + res.ext_len <= addr + len)
		return 0;
	return fvd_quota_records(READ_ONCE(proc->user), 1);
}

/**
 * fvd_map_release() - RELEASE: current lets go of [@addr, @addr + @len).
 * @proc:	current's proc.
 * @addr:	span.
 * @len:	bytes.
 *
 * Its entries there are zapped first (under map_sem, no fault can bring
 * them back), then the holds go; the pages nobody holds any more are freed
 * after.  The window stays: touching the span faults (SIGSEGV).
 *
 * Return: 0, -ENOENT when current holds nothing there, -EMLINK (cutting
 * an extent in two is over its user's records quota), -ENOMEM (the core's
 * records: the holds stay; only entries were zapped, faults map them
 * again), -EINTR.
 */
int fvd_map_release(struct fvd_proc *proc, u64 addr, u64 len)
{
	struct mm_struct *mm = current->mm;
	LIST_HEAD(freed);
	int ret;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	down_write(&proc->map_sem);
	ret = fvd_cut_quota(proc, addr, len);
	if (!ret)
		ret = fvd_unhold_span(proc, mm, addr, addr + len, false,
				      &freed);
	up_write(&proc->map_sem);
	mmap_read_unlock(mm);
	fvd_pages_free(&freed);
	fvd_quota_sync(proc);
	return ret;
}

/*
 * Records @by's user pays when @target loses [@addr, @addr + @len): each
 * end of the span inside an extent @target holds cuts that extent, which
 * @by holds too (it owns the span).
 */
static int fvd_revoke_quota(struct fvd_proc *by, struct fvd_proc *target,
			    u64 addr, u64 len)
{
	struct fv_lookup_result res;
	u64 cuts = 0;

	if (!fv_rights(&fvd_arena, &target->dom, addr, &res) &&
	    res.ext_start < addr)
		cuts++;
	if (!fv_rights(&fvd_arena, &target->dom, addr + len - PAGE_SIZE,
		       &res) &&
	    res.ext_start + res.ext_len > addr + len)
		cuts++;
	return fvd_quota_records(READ_ONCE(by->user), cuts);
}

/**
 * fvd_map_revoke() - REVOKE: @by takes @target's holds on a span away.
 * @by:		the revoker (current's proc).
 * @target:	the process losing its holds.
 * @mm:		@target's mm, with mm_users held.
 * @addr:	span.
 * @len:	bytes.
 *
 * @by must own (have allocated, and still hold) every page of the span:
 * only the owner revokes, and nobody revokes the owner (a range has one).
 * Decided and done under @target's map_sem for write: its holds cannot
 * change meanwhile (GRANT to it takes it too), so the pages it loses are
 * those of the ranges @by owned when checked.
 *
 * Return: 0, -EPERM, -ENOENT (@target holds none of it), -ESRCH (@target
 * exited), -EMLINK, -ENOMEM, -EINTR.
 */
int fvd_map_revoke(struct fvd_proc *by, struct fvd_proc *target,
		   struct mm_struct *mm, u64 addr, u64 len)
{
	struct fvd_walk w;
	LIST_HEAD(freed);
	int ret;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	down_write(&target->map_sem);
	if (target->dead)
		ret = -ESRCH;
	else if (fvd_map_walk(by, addr, len, FV_READ | FV_OWNER, &w))
		ret = -EPERM;
	else
		ret = fvd_revoke_quota(by, target, addr, len);
	if (!ret)
		ret = fvd_unhold_span(target, mm, addr, addr + len, false,
				      &freed);
	up_write(&target->map_sem);
	mmap_read_unlock(mm);
	fvd_pages_free(&freed);
	fvd_quota_sync(target);
	fvd_quota_sync(by);
	return ret;
}

/*
 * Release everything a dead @proc holds, FVD_EXIT_BATCH holds per core call
 * (others get the core's lock between), and unregister its domain.  Nothing
 * adds holds to a dead proc (GRANT checks under its map_sem), and nothing
 * maps any: its entries are gone, or it never had a window.
 */
static void fvd_map_drain(struct fvd_proc *proc)
{
	LIST_HEAD(freed);

	while (fv_domain_release_some(&fvd_arena, &proc->dom, FVD_EXIT_BATCH,
				      fvd_pages_released, &freed)) {
		fvd_pages_free(&freed);
		cond_resched();
	}
	fv_domain_release_all(&fvd_arena, &proc->dom, fvd_pages_released,
			      &freed);
	fvd_pages_free(&freed);
	fvd_quota_sync(proc);
}

/**
 * fvd_map_exit() - @mm exits: zap its window, release everything.
 * @proc:	its proc.
 * @mm:		its mm; exit_mmap() has not taken mmap_lock nor torn any
 *		page table down yet (mmu notifier ->release()).
 *
 * Zapping first keeps the rule: no page is freed while this dying mm still
 * maps it.  The window file goes with the last window VMA.
 */
void fvd_map_exit(struct fvd_proc *proc, struct mm_struct *mm)
{
	struct file *window;

	mmap_read_lock(mm);
	down_write(&proc->map_sem);
	proc->dead = true;
	fvd_zap(mm, fvd_window_base, fvd_window_end());
	up_write(&proc->map_sem);
	mmap_read_unlock(mm);
	fvd_map_drain(proc);
	trace_flatvm_release(proc, fvd_window_base, fvd_window_size,
			     FVD_TRACE_EXIT, 0);

	mutex_lock(&proc->window_lock);
	window = proc->window;
	WRITE_ONCE(proc->window, NULL);
	mutex_unlock(&proc->window_lock);
	if (window)
		fput(window);
}

/**
 * fvd_map_teardown() - module exit: release a proc whose mm lives on.
 * @proc:	a proc out of the table, without a window (nothing pins the
 *		module, so it has none) and without an ioctl in flight.
 */
void fvd_map_teardown(struct fvd_proc *proc)
{
	down_write(&proc->map_sem);
	proc->dead = true;
	up_write(&proc->map_sem);
	fvd_map_drain(proc);
}
