/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flatvm core compatibility layer: the only place where the core meets its
 * environment.  Under __KERNEL__ it maps onto the kernel (mutex, seqcount,
 * slab caches, WARN); otherwise onto libc for the host tests, fuzzer and
 * benchmarks (no real lock, malloc with fault injection and object counts).
 *
 * Record allocation is out of line: module/fv_kmem.c in the kernel,
 * userspace/harness/fv_host.c on the host.
 */
#ifndef _FLATVM_FV_COMPAT_H
#define _FLATVM_FV_COMPAT_H

struct fv_seg;
struct fv_holder;

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

typedef struct mutex fv_lock_t;
typedef seqcount_mutex_t fv_seq_t;

#define fv_lock_init(l)			mutex_init(l)
#define fv_lock_destroy(l)		mutex_destroy(l)
#define fv_lock(l)			mutex_lock(l)
#define fv_unlock(l)			mutex_unlock(l)
#define fv_lock_assert_held(l)		lockdep_assert_held(l)

#define fv_seq_init(s, l)		seqcount_mutex_init(s, l)
#define fv_seq_write_begin(s)		write_seqcount_begin(s)
#define fv_seq_write_end(s)		write_seqcount_end(s)
#define fv_seq_read_begin(s)		read_seqcount_begin(s)
#define fv_seq_read_retry(s, v)		read_seqcount_retry(s, v)
#define fv_read_lock()			rcu_read_lock()
#define fv_read_unlock()		rcu_read_unlock()

#define FV_READ_ONCE(x)			READ_ONCE(x)
#define FV_WRITE_ONCE(x, v)		WRITE_ONCE(x, v)
#define fv_container_of(p, t, m)	container_of(p, t, m)
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

#else /* host build */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

typedef uint64_t u64;
typedef uint32_t u32;
typedef uint16_t u16;
typedef uint8_t u8;

/* The host build is single-threaded: the lock only records that it is held. */
typedef struct {
	int held;
} fv_lock_t;
typedef unsigned int fv_seq_t;

#define fv_lock_init(l)			((l)->held = 0)
#define fv_lock_destroy(l)		((void)(l))
#define fv_lock(l)			do { FV_ASSERT(!(l)->held); (l)->held = 1; } while (0)
#define fv_unlock(l)			do { FV_ASSERT((l)->held); (l)->held = 0; } while (0)
#define fv_lock_assert_held(l)		FV_ASSERT((l)->held)

#define fv_seq_init(s, l)		(*(s) = 0)
#define fv_seq_write_begin(s)		((*(s))++)
#define fv_seq_write_end(s)		((*(s))++)
#define fv_seq_read_begin(s)		(*(s))
#define fv_seq_read_retry(s, v)		(*(s) != (v))
#define fv_read_lock()			do { } while (0)
#define fv_read_unlock()		do { } while (0)

#define FV_READ_ONCE(x)			(*(const volatile __typeof__(x) *)&(x))
#define FV_WRITE_ONCE(x, v)		(*(volatile __typeof__(x) *)&(x) = (v))
#define fv_container_of(p, t, m)	((t *)((char *)(p) - offsetof(t, m)))
#define fv_likely(x)			__builtin_expect(!!(x), 1)
#define fv_unlikely(x)			__builtin_expect(!!(x), 0)

#define FV_ASSERT(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: assertion failed: %s\n",\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)
#define fv_report(...)			fprintf(stderr, "flatvm: " __VA_ARGS__)

static inline unsigned int fv_fls64(u64 x)
{
	return 63 - __builtin_clzll(x);
}

static inline unsigned int fv_ffs32(u32 x)
{
	return __builtin_ctz(x);
}

static inline unsigned int fv_ffs64(u64 x)
{
	return __builtin_ctzll(x);
}

#endif /* __KERNEL__ */

/* Record allocation: NULL on failure; the caller undoes and reports -ENOMEM. */
struct fv_seg *fv_seg_alloc(void);
void fv_seg_free(struct fv_seg *seg);
struct fv_holder *fv_holder_alloc(void);
void fv_holder_free(struct fv_holder *h);

#ifdef __KERNEL__
/* module/fv_kmem.c: the record caches, around the module's life. */
int fv_kmem_init(void);
void fv_kmem_exit(void);
#endif

#endif /* _FLATVM_FV_COMPAT_H */
