// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm physical page store.
 *
 * Owns the pages behind the window: an xarray indexed by the page's number
 * in the window (a shallow tree: ranges start low) holds the only
 * reference on each page, however
 * many processes map it.  Windows map pages with special page table entries
 * (flatvm_map.c), which take no reference, so a page is freed when the core
 * reports its address free: by then no page table maps it (the rule in
 * flatvm.h).  fvd_pages_released() takes such pages out of the store onto a
 * list under the core's callback; fvd_pages_free() frees them once the
 * caller has dropped its locks.
 *
 * Pages are zeroed, charged to the allocating task's memcg (__GFP_ACCOUNT)
 * and to a user (flatvm_quota.c: max_user_pages, max_pages): the
 * allocator's for an eager range, the first toucher's for a lazy page.
 * The user charged is remembered in page->private.
 *
 * Locking: look-ups take no lock (xa_load() under RCU), counts are atomics;
 * the xarray's own lock covers stores and erases.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "flatvm.h"
#include "flatvm_trace.h"

#define FVD_PAGE_GFP	(GFP_HIGHUSER | __GFP_ZERO | __GFP_ACCOUNT | \
			 __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

static DEFINE_XARRAY(fvd_pages);	/* by fvd_index() */

/* The store's index of the page at @addr, in the window. */
static unsigned long fvd_index(u64 addr)
{
	return (addr - fvd_window_base) >> PAGE_SHIFT;
}

static struct page *fvd_page_new(struct fvd_user *u)
{
	struct page *page = alloc_page(FVD_PAGE_GFP);

	if (page)
		set_page_private(page, (unsigned long)u);
	return page;
}

/* A page that never entered the store (or left it) goes. */
static void fvd_page_drop(struct page *page)
{
	fvd_quota_unpages((struct fvd_user *)page_private(page), 1);
	set_page_private(page, 0);
	put_page(page);
}

/**
 * fvd_page_get() - the page at @addr, allocated on first touch.
 * @u:		the user a new page is charged to (the toucher's).
 * @addr:	address of a page the calling process holds.
 * @err:	set when NULL is returned: VM_FAULT_SIGBUS over a cap,
 *		VM_FAULT_OOM out of memory.
 *
 * Context: under the map_sem of a process holding the page, which keeps it
 * in the store after return.
 */
struct page *fvd_page_get(struct fvd_user *u, u64 addr, vm_fault_t *err)
{
	unsigned long index = fvd_index(addr);
	struct page *page, *old;
	int ret;

	rcu_read_lock();
	page = xa_load(&fvd_pages, index);
	rcu_read_unlock();
	if (page)
		return page;

	ret = fvd_quota_pages(u, 1);
	if (ret) {
		trace_flatvm_lazy_fault(addr, ret, false);
		*err = VM_FAULT_SIGBUS;
		return NULL;
	}
	*err = VM_FAULT_OOM;
	page = fvd_page_new(u);
	if (!page) {
		trace_flatvm_lazy_fault(addr, -ENOMEM, false);
		fvd_quota_unpages(u, 1);
		return NULL;
	}
	/* Another holder's fault may have stored one meanwhile: use it. */
	old = xa_cmpxchg(&fvd_pages, index, NULL, page, GFP_KERNEL_ACCOUNT);
	if (old) {
		trace_flatvm_lazy_fault(addr, xa_err(old), !xa_is_err(old));
		fvd_page_drop(page);
		return xa_is_err(old) ? NULL : old;
	}
	trace_flatvm_lazy_fault(addr, 0, false);
	return page;
}

/**
 * fvd_pages_new() - charge and allocate the pages of a fresh eager range.
 * @u:		the user they are charged to (the allocator's).
 * @n:		how many.
 *
 * Allocated outside every lock;
 * fvd_pages_store() puts them in the store.
 *
 * Return: an array of @n zeroed pages, to hand to fvd_pages_store() and
 * fvd_pages_put(), or an ERR_PTR: -EDQUOT, -ENOBUFS (caps), -ENOMEM; then
 * nothing is charged.
 */
struct page **fvd_pages_new(struct fvd_user *u, u64 n)
{
	struct page **pages;
	u64 i;
	int ret;

	ret = fvd_quota_pages(u, n);
	if (ret)
		return ERR_PTR(ret);
	pages = kvmalloc_array(n, sizeof(*pages), GFP_KERNEL_ACCOUNT);
	if (!pages)
		goto nomem;
	for (i = 0; i < n; i++) {
		pages[i] = fvd_page_new(u);
		if (!pages[i]) {
			fvd_quota_unpages(u, n - i);
			fvd_pages_put(pages, 0, i);
			return ERR_PTR(-ENOMEM);
		}
		cond_resched();
	}
	return pages;

nomem:
	fvd_quota_unpages(u, n);
	return ERR_PTR(-ENOMEM);
}

/**
 * fvd_pages_store() - put fresh pages at [@addr, @addr + @n pages) in the
 *	store.
 * @addr:	first byte, of a range the caller holds.
 * @n:		how many.
 * @pages:	from fvd_pages_new(); each stored one belongs to the store
 *		from now on.  Where another thread's fault stored a page
 *		first, that page stays and takes its place here (ours goes).
 *
 * Context: under the holder's map_sem (fvd_map_new()): when the core frees
 * a run, no store into it is under way, so no page outlives its range.
 * Return: how many were stored: @n, or fewer when the xarray ran out of
 * memory (the rest is still the caller's).
 */
u64 fvd_pages_store(u64 addr, u64 n, struct page **pages)
{
	unsigned long first = fvd_index(addr);
	struct page *old;
	u64 i;

	for (i = 0; i < n; i++) {
		old = xa_cmpxchg(&fvd_pages, first + i, NULL, pages[i],
				 GFP_KERNEL_ACCOUNT);
		if (xa_is_err(old))
			break;
		if (old) {
			fvd_page_drop(pages[i]);
			pages[i] = old;
		}
		cond_resched();
	}
	return i;
}

/**
 * fvd_pages_put() - drop the pages @pages[@from] to @pages[@n - 1], never
 *	stored, and the array.
 * @pages:	from fvd_pages_new(), or NULL.
 * @from:	the first to drop (those before belong to the store).
 * @n:		the array's length.
 */
void fvd_pages_put(struct page **pages, u64 from, u64 n)
{
	if (!pages)
		return;
	for (; from < n; from++)
		fvd_page_drop(pages[from]);
	kvfree(pages);
}

/**
 * fvd_pages_gather() - a run of stored pages.
 * @addr:	in: first address to look at; out: the address after the run.
 * @end:	the end of the span to look at.
 * @pages:	filled with the pages stored at consecutive addresses.
 * @max:	room in @pages.
 *
 * Skips the pages not stored (not touched yet), then collects up to @max
 * pages stored at consecutive addresses from there.
 *
 * Context: the caller holds the pages of [*@addr, @end) it will map.
 * Return: the number collected, the first at *@addr less that many pages;
 * 0 when none is left.
 */
unsigned long fvd_pages_gather(u64 *addr, u64 end, struct page **pages,
			       unsigned long max)
{
	XA_STATE(xas, &fvd_pages, fvd_index(*addr));
	unsigned long n = 0, first = 0;
	struct page *page;

	rcu_read_lock();
	xas_for_each(&xas, page, fvd_index(end) - 1) {
		if (xas_retry(&xas, page))
			continue;
		if (n && xas.xa_index != first + n)
			break;
		if (!n)
			first = xas.xa_index;
		pages[n++] = page;
		if (n == max)
			break;
	}
	rcu_read_unlock();
	if (n)
		*addr = fvd_window_base + ((u64)(first + n) << PAGE_SHIFT);
	return n;
}

/**
 * fvd_pages_released() - fv_released_fn: take a freed run's pages out.
 * @ctx:	a list_head collecting the pages (through page->lru).
 * @addr:	first byte of the run.
 * @len:	bytes.
 * @range:	the range the run belonged to (traced).
 *
 * Runs under the core's lock (a mutex: a run of a huge populated range
 * yields the CPU as it goes).  Only stored pages are visited, so a huge
 * lazy range costs what was touched.  No page table maps them any more.
 * The ledger takes the run off its range (flatvm_quota.c).
 */
void fvd_pages_released(void *ctx, u64 addr, u64 len, u64 range)
{
	unsigned long first = fvd_index(addr);
	unsigned long last = first + (len >> PAGE_SHIFT) - 1;
	struct list_head *freed = ctx;
	unsigned long index;
	struct page *page;

	trace_flatvm_pages_freed(addr, len, range, &fvd_pages, first);
	xa_for_each_range(&fvd_pages, index, page, first, last) {
		xa_erase(&fvd_pages, index);
		list_add_tail(&page->lru, freed);
		cond_resched();
	}
	fvd_ledger_freed(addr, len, range);
}

/**
 * fvd_pages_free() - uncharge and free the pages fvd_pages_released() took.
 * @freed:	the list; left empty.
 */
void fvd_pages_free(struct list_head *freed)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, freed, lru) {
		list_del(&page->lru);
		fvd_page_drop(page);
		cond_resched();
	}
}

/**
 * fvd_pages_pinned() - stored pages someone else holds a reference on.
 *
 * The store's is the only reference a page should have: windows map it
 * with special entries, and nothing can take one through them (no
 * get_user_pages()).  A page found here escaped (debugfs "check").  Pages
 * leaving the store meanwhile are not counted.
 *
 * Return: the number of such pages.
 */
u64 fvd_pages_pinned(void)
{
	unsigned long index;
	struct page *page;
	u64 n = 0;
	int refs;

	xa_for_each(&fvd_pages, index, page) {
		refs = page_ref_count(page);
		if (refs != 1 && xa_load(&fvd_pages, index) == page)
			n++;
		cond_resched();
	}
	return n;
}

/** fvd_pages_exit() - module exit: every page is gone. */
void fvd_pages_exit(void)
{
	WARN_ON(!xa_empty(&fvd_pages));
}
