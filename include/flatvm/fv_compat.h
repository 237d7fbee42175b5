/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flatvm core compatibility layer: the only place where the core meets its
 * environment.  Under __KERNEL__ it maps onto the kernel (mutex, seqcount,
 * RCU, slab caches, WARN); otherwise onto libc for the host tests, fuzzer
 * and benchmarks (no real lock, pooled records with fault injection and
 * object counts).
 *
 * The host half is userspace/harness/fv_host_compat.h.  Record allocation
 * is out of line: module/fv_kmem.c in the kernel, userspace/harness/fv_host.c
 * on the host.
 */
#ifndef _FLATVM_FV_COMPAT_H
#define _FLATVM_FV_COMPAT_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/errno.h>
#include <linux/mutex.h>
#include <linux/seqlock.h>
#include <linux/rcupdate.h>
#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/printk.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/string.h>

struct fv_lock {
	struct mutex mutex;	/* an arena's: changes allocate, so it sleeps */
};

/* Bumped around segment tree changes, for lockless fv_lookup(). */
struct fv_seq {
	seqcount_mutex_t count;
};

#define fv_lock_init(l)			mutex_init(&(l)->mutex)
#define fv_lock_destroy(l)		mutex_destroy(&(l)->mutex)
#define fv_lock(l)			mutex_lock(&(l)->mutex)
#define fv_unlock(l)			mutex_unlock(&(l)->mutex)
#define fv_lock_assert_held(l)		lockdep_assert_held(&(l)->mutex)

#define fv_seq_init(s, l)		seqcount_mutex_init(&(s)->count, &(l)->mutex)
#define fv_seq_write_begin(s)		write_seqcount_begin(&(s)->count)
#define fv_seq_write_end(s)		write_seqcount_end(&(s)->count)
#define fv_seq_read_begin(s)		read_seqcount_begin(&(s)->count)
#define fv_seq_read_retry(s, v)		read_seqcount_retry(&(s)->count, v)
#define fv_read_lock()			rcu_read_lock()
#define fv_read_unlock()		rcu_read_unlock()

/* Records lock-free readers may reach are freed after a grace period. */
struct fv_rcu {
	struct rcu_head head;
};

/* Publish a pointer to a record initialised just before. */
#define fv_publish(p, v)		smp_store_release(&(p), (v))

#define FV_READ_ONCE(x)			READ_ONCE(x)
#define FV_WRITE_ONCE(x, v)		WRITE_ONCE(x, v)
#define fv_container_of		container_of
#define fv_likely(x)			likely(x)
#define fv_unlikely(x)			unlikely(x)

/* Internal consistency only: never reachable from user input. */
#define FV_ASSERT(cond)			WARN_ON_ONCE(!(cond))
#define fv_report(...)			pr_err("flatvm: " __VA_ARGS__)

static inline unsigned int fv_fls64(u64 x)
{
	return fls64(x) - 1;
}

static inline unsigned int fv_ffs32(u32 x)
{
	return __ffs(x);
}

static inline unsigned int fv_ffs64(u64 x)
{
	return __ffs64(x);
}

#define FV_U32_MAX			U32_MAX

#else

#include "fv_host_compat.h"

#endif /* __KERNEL__ */

/*
 * Record allocation, zeroed: NULL on failure; the caller undoes and reports
 * -ENOMEM.  @nofail: for callers that cannot fail; never NULL
 * (__GFP_NOFAIL).  Kinds: tree leaves and branches (fixed sizes, lock-free
 * readers reach them), holder sets (variable size, readers reach them),
 * and the arrays only writers use (domain slots, the domain table).
 */
enum fv_rec_kind {
	FV_REC_LEAF,
	FV_REC_BRANCH,
	FV_REC_HSET,
	FV_REC_ARRAY,
	FV_REC_NR_KINDS
};

void *fv_rec_alloc(enum fv_rec_kind kind, size_t size, bool nofail);
/* Free a record no lock-free reader can reach (or never could). */
void fv_rec_free(enum fv_rec_kind kind, void *rec, size_t size);
/* Free a record readers may still be looking at, after a grace period. */
void fv_rec_free_rcu(enum fv_rec_kind kind, void *rec, struct fv_rcu *rcu);

#ifdef __KERNEL__
/* module/fv_kmem.c: the record caches, around the module's life. */
int fv_kmem_init(void);
void fv_kmem_exit(void);
#if IS_ENABLED(CONFIG_KUNIT)
extern long fv_kmem_fail_after;
#endif
#endif

#endif /* _FLATVM_FV_COMPAT_H */
