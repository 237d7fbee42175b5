// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm physical page store and page caps.
 *
 * Owns the pages behind the window: an xarray indexed by page number
 * (address >> PAGE_SHIFT) holds one reference on each page, whatever the
 * number of processes mapping it (each mapping holds its own reference,
 * taken by vm_insert_page()).  A page leaves the store when the core reports
 * its address free (fvd_pages_released()), and is freed once the last
 * mapping is gone too.
 *
 * Pages are zeroed, charged to the allocating task's memcg (__GFP_ACCOUNT)
 * and counted against two caps: max_pages for the module and max_user_pages
 * for the user that caused the allocation (the caller of ALLOC for eager
 * ranges, the process that touched the page first for lazy ones).  The user
 * charged is remembered in page->private until the page leaves the store.
 *
 * Locking: everything here runs under fvd_lock (asserted); the xarray's own
 * lock nests inside it.
 */
#include <linux/cred.h>
#include <linux/gfp.h>
#include <linux/hashtable.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>
#include <linux/xarray.h>

#include "flatvm.h"
#include "flatvm_args.h"

#define FVD_PAGE_GFP	(GFP_HIGHUSER | __GFP_ZERO | __GFP_ACCOUNT | \
			 __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

/**
 * struct fvd_user - pages charged to one user.
 * @node:	entry in fvd_users.
 * @uid:	the user.
 * @pages:	pages in the store charged to it; the record goes at zero.
 */
struct fvd_user {
	struct hlist_node node;
	kuid_t uid;
	u64 pages;
};

static DEFINE_XARRAY(fvd_pages);
static DEFINE_HASHTABLE(fvd_users, 6);
static u64 fvd_npages;

static struct fvd_user *fvd_user_find(kuid_t uid)
{
	struct fvd_user *u;

	hash_for_each_possible(fvd_users, u, node, __kuid_val(uid))
		if (uid_eq(u->uid, uid))
			return u;
	return NULL;
}

/* The current user's record, created when missing. */
static struct fvd_user *fvd_user_get(void)
{
	kuid_t uid = current_uid();
	struct fvd_user *u;

	u = fvd_user_find(uid);
	if (u)
		return u;
	u = kzalloc(sizeof(*u), GFP_KERNEL_ACCOUNT);
	if (!u)
		return NULL;
	u->uid = uid;
	hash_add(fvd_users, &u->node, __kuid_val(uid));
	return u;
}

static void fvd_user_uncharge(struct fvd_user *u)
{
	fvd_npages--;
	if (--u->pages)
		return;
	hash_del(&u->node);
	kfree(u);
}

/**
 * fvd_pages_check_caps() - may the current user get @npages more pages?
 * @npages:	pages about to be allocated.
 *
 * Return: 0, -EDQUOT over the user's cap, -ENOBUFS over the module's cap.
 */
int fvd_pages_check_caps(u64 npages)
{
	unsigned long user_cap = READ_ONCE(fvd_max_user_pages);
	unsigned long cap = READ_ONCE(fvd_max_pages);
	struct fvd_user *u;
	u64 mine;

	lockdep_assert_held(&fvd_lock);
	u = fvd_user_find(current_uid());
	mine = u ? u->pages : 0;
	return fvd_caps_ok(npages, mine, fvd_npages, user_cap, cap);
}

/* Allocate, charge and store the page at @index (not present). */
static struct page *fvd_page_new(struct fvd_user *u, u64 index)
{
	struct page *page;
	int ret;

	page = alloc_page(FVD_PAGE_GFP);
	if (!page)
		return NULL;
	set_page_private(page, (unsigned long)u);
	ret = xa_err(xa_store(&fvd_pages, index, page, GFP_KERNEL_ACCOUNT));
	if (ret) {
		put_page(page);
		return NULL;
	}
	u->pages++;
	fvd_npages++;
	return page;
}

/**
 * fvd_pages_alloc() - fill the store for pages [@first, @first + @npages).
 * @first:	first page number.
 * @npages:	how many; the caller checked the caps.
 *
 * On failure the pages already stored stay there: the caller releases the
 * range, which empties the store through fvd_pages_released().
 *
 * Return: 0 or -ENOMEM.
 */
int fvd_pages_alloc(u64 first, u64 npages)
{
	struct fvd_user *u;
	u64 i;

	lockdep_assert_held(&fvd_lock);
	u = fvd_user_get();
	if (!u)
		return -ENOMEM;
	for (i = 0; i < npages; i++) {
		if (!fvd_page_new(u, first + i)) {
			if (!u->pages) {
				hash_del(&u->node);
				kfree(u);
			}
			return -ENOMEM;
		}
		cond_resched();
	}
	return 0;
}

/**
 * fvd_pages_map() - map the stored pages of [@addr, @addr + @len) in @vma.
 * @vma:	a fresh range VMA covering the span, mmap_lock held.
 * @addr:	first byte.
 * @len:	bytes.
 *
 * Pages not yet in the store (lazy ranges) are left to the fault handler.
 *
 * Return: 0 or the vm_insert_page() error; the caller unmaps the VMA.
 */
int fvd_pages_map(struct vm_area_struct *vma, unsigned long addr,
		  unsigned long len)
{
	unsigned long first = addr >> PAGE_SHIFT;
	unsigned long last = first + (len >> PAGE_SHIFT) - 1;
	unsigned long index;
	struct page *page;
	int ret;

	lockdep_assert_held(&fvd_lock);
	/* mmap_assert_*() need dump_mm(), not exported under DEBUG_VM. */
	lockdep_assert_held(&vma->vm_mm->mmap_lock);
	xa_for_each_range(&fvd_pages, index, page, first, last) {
		ret = vm_insert_page(vma, index << PAGE_SHIFT, page);
		/* -EBUSY: another thread's fault mapped this same page. */
		if (ret && ret != -EBUSY)
			return ret;
		cond_resched();
	}
	return 0;
}

/**
 * fvd_page_get_or_alloc() - the page at @index, allocated on first touch.
 * @index:	page number of a page some process holds.
 * @err:	set when NULL is returned: VM_FAULT_SIGBUS over a cap,
 *		VM_FAULT_OOM out of memory.
 */
struct page *fvd_page_get_or_alloc(u64 index, vm_fault_t *err)
{
	struct fvd_user *u;
	struct page *page;

	lockdep_assert_held(&fvd_lock);
	page = xa_load(&fvd_pages, index);
	if (page)
		return page;
	if (fvd_pages_check_caps(1)) {
		*err = VM_FAULT_SIGBUS;
		return NULL;
	}
	u = fvd_user_get();
	page = u ? fvd_page_new(u, index) : NULL;
	if (!page) {
		if (u && !u->pages) {
			hash_del(&u->node);
			kfree(u);
		}
		*err = VM_FAULT_OOM;
	}
	return page;
}

/**
 * fvd_pages_released() - fv_released_fn: drop the pages of a freed run.
 * @ctx:	unused.
 * @addr:	first byte of the run.
 * @len:	bytes.
 * @range:	the range the run belonged to (unused).
 *
 * Runs under the arena lock, inside fvd_lock.  Only stored pages are
 * visited, so a huge lazy range costs what was touched.
 */
void fvd_pages_released(void *ctx, u64 addr, u64 len, u64 range)
{
	unsigned long first = addr >> PAGE_SHIFT;
	unsigned long last = first + (len >> PAGE_SHIFT) - 1;
	unsigned long index;
	struct page *page;

	lockdep_assert_held(&fvd_lock);
	xa_for_each_range(&fvd_pages, index, page, first, last) {
		xa_erase(&fvd_pages, index);
		fvd_user_uncharge((struct fvd_user *)page_private(page));
		set_page_private(page, 0);
		put_page(page);
	}
}

/** fvd_pages_total() - pages in the store. */
u64 fvd_pages_total(void)
{
	lockdep_assert_held(&fvd_lock);
	return fvd_npages;
}

/** fvd_pages_of_current_user() - pages charged to the caller's user. */
u64 fvd_pages_of_current_user(void)
{
	struct fvd_user *u;

	lockdep_assert_held(&fvd_lock);
	u = fvd_user_find(current_uid());
	return u ? u->pages : 0;
}

/** fvd_pages_show_users() - debugfs: one line per charged user. */
void fvd_pages_show_users(struct seq_file *m)
{
	struct fvd_user *u;
	int bkt;

	lockdep_assert_held(&fvd_lock);
	hash_for_each(fvd_users, bkt, u, node)
		seq_printf(m, "user %u pages %llu\n",
			   from_kuid(&init_user_ns, u->uid), u->pages);
}
