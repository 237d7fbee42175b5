/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host half of include/flatvm/fv_compat.h: what the core needs from its
 * environment, mapped onto libc for the host tests, fuzzer and benchmarks.
 */
#ifndef _FLATVM_FV_HOST_COMPAT_H
#define _FLATVM_FV_HOST_COMPAT_H


#include <assert.h>
#include <stdbool.h>
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
struct fv_lock {
	int held;
};

struct fv_seq {
	unsigned int count;
};

#define BIT(n)				(1UL << (n))

#define fv_lock_init(l)			((l)->held = 0)
#define fv_lock_destroy(l)		((void)(l))
#define fv_lock(l)			do { FV_ASSERT(!(l)->held); (l)->held = 1; } while (0)
#define fv_unlock(l)			do { FV_ASSERT((l)->held); (l)->held = 0; } while (0)
#define fv_lock_assert_held(l)		FV_ASSERT((l)->held)

#define fv_seq_init(s, l)		((s)->count = 0)
#define fv_seq_write_begin(s)		((s)->count++)
#define fv_seq_write_end(s)		((s)->count++)
#define fv_seq_read_begin(s)		((s)->count)
#define fv_seq_read_retry(s, v)		((s)->count != (v))
#define fv_read_lock()			do { } while (0)
#define fv_read_unlock()		do { } while (0)

/* No lock-free readers run concurrently on the host. */
struct fv_rcu {
	void *next;
	void *func;
};

#define fv_publish(p, v)		((p) = (v))
#define FV_U32_MAX			UINT32_MAX

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

#endif /* _FLATVM_FV_HOST_COMPAT_H */
