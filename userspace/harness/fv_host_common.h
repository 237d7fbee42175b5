/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What both host halves of include/flatvm/fv_compat.h share: kernel types,
 * access and assertion helpers, bit searches on libc and the compiler.
 * The locking and publication primitives differ: userspace/harness/
 * fv_host_compat.h (single-threaded tests, fuzzer and benchmarks) and
 * userspace/tests/lockless/fv_host_compat.h (threaded) define them.
 */
#ifndef _FLATVM_FV_HOST_COMMON_H
#define _FLATVM_FV_HOST_COMMON_H

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t u64;
typedef uint32_t u32;
typedef uint16_t u16;
typedef uint8_t u8;

#define BIT(n)				(1UL << (n))
#define FV_U32_MAX			UINT32_MAX

struct fv_seq {
	unsigned int count;
};

struct fv_rcu {
	void *next;
	void *func;
};

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

#endif /* _FLATVM_FV_HOST_COMMON_H */
