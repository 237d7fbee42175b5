// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm quotas: who is charged for what, against which cap.
 *
 * One struct fvd_user per uid that ever took part (kept until the module
 * unloads), four counts each:
 *  - pages: physical pages of the store charged to it (the allocator of an
 *    eager range, the first toucher of a lazy page); cap max_user_pages,
 *    and all users together max_pages;
 *  - bytes: window address space of the ranges it allocated, lazy or not:
 *    charged whole at ALLOC, uncharged run by run as the core reports the
 *    runs back in the free pool, whoever held them last, so that giving a
 *    range away and exiting frees nothing of the quota; cap max_user_bytes
 *    (0: a sixteenth of the window);
 *  - ranges: its live ranges (from ALLOC until the last of its pages is
 *    back); cap max_user_ranges;
 *  - records: the hold records of its processes, as the core counts them
 *    per domain (fv_domain.nholds), brought up to date by fvd_quota_sync()
 *    after every call that changes a process's holds; cap
 *    max_user_records.
 * A process is charged to its user (fvd_proc.user): its real uid at its
 * last call (fvd_quota_user_of()).
 *
 * The ledger: one struct fvd_range per live range, in an interval tree by
 * address span (ranges whose middle went back to the pool may have others
 * inside their span), with the user it is charged to and the bytes of it
 * still held.  The core's release callback (fvd_pages_released()) reports
 * each run back in the pool with its range id; fvd_ledger_freed() takes the
 * bytes off and, with the last run, the range.  The tree also tells where
 * ranges are (fvd_ledger_next()), so that a long span is released piece by
 * piece without walking free space (flatvm_map.c).
 *
 * Checks come before the change they guard; bytes and ranges are reserved
 * there (atomics, exact), records are counted after the change (the core
 * does it) and checked before with the number the call may add, so calls
 * racing on one user may pass a records cap by what they add.  A process's
 * count changes also when another process cuts an extent it shares (at
 * most two records per such call); it is counted at its next call.
 *
 * Locking: the user table is read under RCU, fvd_users_lock (a mutex)
 * creates records; counts are atomics; fvd_ledger_lock (a spinlock) covers
 * the tree, taken inside the core's lock from the release callback;
 * proc->acct_lock (a spinlock) covers a process's charged records and user.
 */
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/interval_tree_generic.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>

#include "flatvm.h"
#include "flatvm_args.h"

/**
 * struct fvd_range - a live range in the ledger.
 * @rb:		in fvd_ledger (fvd_ledger_lock).
 * @start:	first byte of the range as allocated.
 * @last:	its last byte.
 * @subtree_last: the interval tree's augmentation.
 * @id:		the core's range id.
 * @held:	bytes of it not back in the free pool yet.
 * @user:	the user it is charged to (the allocator's).
 */
struct fvd_range {
	struct rb_node rb;
	u64 start;
	u64 last;
	u64 subtree_last;
	u64 id;
	u64 held;
	struct fvd_user *user;
};

#define FVD_RANGE_START(r)	((r)->start)
#define FVD_RANGE_LAST(r)	((r)->last)
INTERVAL_TREE_DEFINE(struct fvd_range, rb, u64, subtree_last,
		     FVD_RANGE_START, FVD_RANGE_LAST, static, fvd_ledger)

static DEFINE_HASHTABLE(fvd_users, 6);
static DEFINE_MUTEX(fvd_users_lock);
static atomic64_t fvd_npages = ATOMIC64_INIT(0);
static atomic64_t fvd_nranges = ATOMIC64_INIT(0);
static struct rb_root_cached fvd_ledger = RB_ROOT_CACHED;
static DEFINE_SPINLOCK(fvd_ledger_lock);

/* ---- users ---------------------------------------------------------------- */

static struct fvd_user *fvd_user_find(kuid_t uid)
{
	struct fvd_user *u;

	hash_for_each_possible_rcu(fvd_users, u, node, __kuid_val(uid))
		if (uid_eq(u->uid, uid))
			return u;
	return NULL;
}

/**
 * fvd_user_get() - the record of @uid, created on first use.
 * @uid:	the user.
 *
 * Return: the record (it lives until the module unloads), or NULL when out
 * of memory.
 */
struct fvd_user *fvd_user_get(kuid_t uid)
{
	struct fvd_user *u;

	rcu_read_lock();
	u = fvd_user_find(uid);
	rcu_read_unlock();
	if (u)
		return u;
	mutex_lock(&fvd_users_lock);
	u = fvd_user_find(uid);
	if (!u) {
		u = kzalloc(sizeof(*u), GFP_KERNEL_ACCOUNT);
		if (u) {
			u->uid = uid;
			hash_add_rcu(fvd_users, &u->node, __kuid_val(uid));
		}
	}
	mutex_unlock(&fvd_users_lock);
	return u;
}

/**
 * fvd_quota_user_of() - the user current is charged to.
 * @proc:	current's proc, or NULL when it has none.
 *
 * A process is charged to its real uid at its last call: when current's
 * uid changed since, its proc moves to the new user with the records it
 * holds (out of memory, it stays where it was).
 *
 * Return: the user, or NULL (no proc and out of memory).
 */
struct fvd_user *fvd_quota_user_of(struct fvd_proc *proc)
{
	kuid_t uid = current_uid();
	struct fvd_user *u, *old;

	if (proc) {
		u = READ_ONCE(proc->user);
		if (uid_eq(u->uid, uid))
			return u;
	}
	u = fvd_user_get(uid);
	if (!proc || !u)
		return proc ? READ_ONCE(proc->user) : u;
	spin_lock(&proc->acct_lock);
	old = proc->user;
	if (old != u) {
		atomic64_sub(proc->records, &old->records);
		atomic64_add(proc->records, &u->records);
		WRITE_ONCE(proc->user, u);
	}
	spin_unlock(&proc->acct_lock);
	return u;
}

/* Add @n to @count unless that takes it over @cap. */
static bool fvd_add_capped(atomic64_t *count, u64 n, u64 cap)
{
	s64 old = atomic64_read(count);

	do {
		if (!fvd_cap_fits(old, n, cap))
			return false;
	} while (!atomic64_try_cmpxchg(count, &old, old + n));
	return true;
}

/* ---- pages ---------------------------------------------------------------- */

/**
 * fvd_quota_pages() - charge @n pages to @u and to the module.
 * @u:		the user.
 * @n:		pages.
 *
 * Return: 0, -EDQUOT (max_user_pages, checked first) or -ENOBUFS
 * (max_pages); then nothing is charged.
 */
int fvd_quota_pages(struct fvd_user *u, u64 n)
{
	if (!fvd_add_capped(&u->pages, n, READ_ONCE(fvd_max_user_pages)))
		return -EDQUOT;
	if (!fvd_add_capped(&fvd_npages, n, READ_ONCE(fvd_max_pages))) {
		atomic64_sub(n, &u->pages);
		return -ENOBUFS;
	}
	return 0;
}

/** fvd_quota_unpages() - give back what fvd_quota_pages() charged. */
void fvd_quota_unpages(struct fvd_user *u, u64 n)
{
	atomic64_sub(n, &u->pages);
	atomic64_sub(n, &fvd_npages);
}

/** fvd_quota_npages() - pages charged, all users together. */
u64 fvd_quota_npages(void)
{
	return atomic64_read(&fvd_npages);
}

/* ---- records -------------------------------------------------------------- */

/**
 * fvd_quota_records() - may @u's processes hold @need more records?
 * @u:		the user.
 * @need:	records the coming call may add.
 *
 * Return: 0, or -EMLINK over max_user_records.
 */
int fvd_quota_records(struct fvd_user *u, u64 need)
{
	if (!need || fvd_cap_fits(atomic64_read(&u->records), need,
				  READ_ONCE(fvd_max_user_records)))
		return 0;
	return -EMLINK;
}

/**
 * fvd_quota_sync() - charge @proc's user with the records @proc holds now.
 * @proc:	a process whose holds may have changed.
 *
 * Reads the core's count without its lock: a snapshot, made exact by the
 * next sync.
 */
void fvd_quota_sync(struct fvd_proc *proc)
{
	u64 now = READ_ONCE(proc->dom.nholds);

	spin_lock(&proc->acct_lock);
	atomic64_add(now - proc->records, &proc->user->records);
	proc->records = now;
	spin_unlock(&proc->acct_lock);
}

/* ---- ranges: the ledger --------------------------------------------------- */

/** fvd_ledger_prepare() - a ledger entry for fvd_ledger_add(), or NULL. */
struct fvd_range *fvd_ledger_prepare(void)
{
	return kzalloc(sizeof(struct fvd_range), GFP_KERNEL_ACCOUNT);
}

/** fvd_ledger_discard() - an entry fvd_ledger_add() did not take. */
void fvd_ledger_discard(struct fvd_range *r)
{
	kfree(r);
}

/**
 * fvd_quota_range() - reserve a new range of @len bytes for @u.
 * @u:		the allocating user.
 * @len:	bytes.
 *
 * Charges the address space and one range, and checks that @u's processes
 * may hold one more record (the allocator's hold).
 *
 * Return: 0, -EFBIG (max_user_bytes), -EMFILE (max_user_ranges) or
 * -EMLINK (max_user_records); then nothing is charged.
 */
int fvd_quota_range(struct fvd_user *u, u64 len)
{
	u64 cap = fvd_user_bytes_cap(READ_ONCE(fvd_max_user_bytes),
				     fvd_window_size);
	int ret;

	ret = fvd_quota_records(u, 1);
	if (ret)
		return ret;
	if (!fvd_add_capped(&u->bytes, len, cap))
		return -EFBIG;
	if (!fvd_add_capped(&u->ranges, 1, READ_ONCE(fvd_max_user_ranges))) {
		atomic64_sub(len, &u->bytes);
		return -EMFILE;
	}
	return 0;
}

/** fvd_quota_unrange() - undo fvd_quota_range() for a range never made. */
void fvd_quota_unrange(struct fvd_user *u, u64 len)
{
	atomic64_sub(len, &u->bytes);
	atomic64_sub(1, &u->ranges);
}

/**
 * fvd_ledger_add() - enter a range fvd_quota_range() reserved.
 * @r:		from fvd_ledger_prepare(); the ledger's from now on.
 * @start:	the range's first byte.
 * @len:	its bytes.
 * @id:		its id.
 * @u:		the user charged.
 *
 * Context: the allocator still holds the whole range (under its map_sem),
 * so no run of it can be reported free before this.
 */
void fvd_ledger_add(struct fvd_range *r, u64 start, u64 len, u64 id,
		    struct fvd_user *u)
{
	r->start = start;
	r->last = start + len - 1;
	r->id = id;
	r->held = len;
	r->user = u;
	spin_lock(&fvd_ledger_lock);
	fvd_ledger_insert(r, &fvd_ledger);
	spin_unlock(&fvd_ledger_lock);
	atomic64_inc(&fvd_nranges);
}

/**
 * fvd_ledger_freed() - a run of range @id went back to the free pool.
 * @addr:	its first byte.
 * @len:	its bytes.
 * @id:		the range.
 *
 * Context: the core's release callback, under the core's lock.  Uncharges
 * the bytes from the range's user and, with its last run, the range.
 */
void fvd_ledger_freed(u64 addr, u64 len, u64 id)
{
	struct fvd_range *r;

	spin_lock(&fvd_ledger_lock);
	for (r = fvd_ledger_iter_first(&fvd_ledger, addr, addr);
	     r && r->id != id; r = fvd_ledger_iter_next(r, addr, addr))
		;
	if (r) {
		atomic64_sub(len, &r->user->bytes);
		r->held -= len;
		if (!r->held)
			fvd_ledger_remove(r, &fvd_ledger);
		else
			r = NULL;
	}
	spin_unlock(&fvd_ledger_lock);
	if (r) {
		atomic64_dec(&r->user->ranges);
		atomic64_dec(&fvd_nranges);
		kfree(r);
	}
}

/**
 * fvd_ledger_next() - the first live range whose span meets [@pos, @end).
 * @pos:	first byte to look at.
 * @end:	end of the span.
 * @start:	set to the first byte of that range's span in [@pos, @end).
 * @stop:	set to the end of that range's span, at most @end.
 *
 * Return: true when there is one.
 */
bool fvd_ledger_next(u64 pos, u64 end, u64 *start, u64 *stop)
{
	struct fvd_range *r;

	spin_lock(&fvd_ledger_lock);
	r = fvd_ledger_iter_first(&fvd_ledger, pos, end - 1);
	if (r) {
		*start = max(pos, r->start);
		*stop = min(end, r->last + 1);
	}
	spin_unlock(&fvd_ledger_lock);
	return r;
}

/** fvd_ledger_count() - live ranges, all users together. */
u64 fvd_ledger_count(void)
{
	return atomic64_read(&fvd_nranges);
}

/* ---- reports -------------------------------------------------------------- */

/**
 * fvd_quota_of() - what @u is charged with (zeros for NULL).
 * @u:		the user, or NULL.
 * @q:		filled.
 */
void fvd_quota_of(struct fvd_user *u, struct fvd_usage *q)
{
	memset(q, 0, sizeof(*q));
	if (!u)
		return;
	q->pages = atomic64_read(&u->pages);
	q->bytes = atomic64_read(&u->bytes);
	q->ranges = atomic64_read(&u->ranges);
	q->records = atomic64_read(&u->records);
}

/** fvd_quota_lookup() - the record of @uid if it has one, else NULL. */
struct fvd_user *fvd_quota_lookup(kuid_t uid)
{
	struct fvd_user *u;

	rcu_read_lock();
	u = fvd_user_find(uid);
	rcu_read_unlock();
	return u;
}

/** fvd_quota_show_users() - debugfs: one line per user charged anything. */
void fvd_quota_show_users(struct seq_file *m)
{
	struct fvd_usage q;
	struct fvd_user *u;
	int bkt;

	rcu_read_lock();
	hash_for_each_rcu(fvd_users, bkt, u, node) {
		fvd_quota_of(u, &q);
		if (q.pages || q.bytes || q.ranges || q.records)
			seq_printf(m,
				   "user %u pages %llu bytes %llu ranges %llu records %llu\n",
				   from_kuid(&init_user_ns, u->uid), q.pages,
				   q.bytes, q.ranges, q.records);
	}
	rcu_read_unlock();
}

/** fvd_quota_exit() - module exit: nothing is charged; free the records. */
void fvd_quota_exit(void)
{
	struct hlist_node *tmp;
	struct fvd_user *u;
	int bkt;

	WARN_ON(!RB_EMPTY_ROOT(&fvd_ledger.rb_root));
	hash_for_each_safe(fvd_users, bkt, tmp, u, node) {
		hash_del(&u->node);
		kfree(u);
	}
}
