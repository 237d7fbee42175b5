/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Threaded host half of include/flatvm/fv_compat.h, for lockless_stress
 * only (it comes before userspace/harness on that program's include path):
 * a real mutex, a sequence counter with the kernel's seqcount ordering,
 * read sections a grace period waits for (lockless_stress.c), so the core's
 * lock-free look-up can race real writers on the host.
 */
#ifndef _FLATVM_FV_HOST_COMPAT_H
#define _FLATVM_FV_HOST_COMPAT_H

#include <pthread.h>

#include "../../harness/fv_host_common.h"

struct fv_lock {
	pthread_mutex_t mutex;
	int held;		/* only its holder reads or writes it */
};

#define fv_lock_init(l)		\
	do { pthread_mutex_init(&(l)->mutex, NULL); (l)->held = 0; } while (0)
#define fv_lock_destroy(l)		pthread_mutex_destroy(&(l)->mutex)
#define fv_lock(l)							\
	do {								\
		pthread_mutex_lock(&(l)->mutex);			\
		FV_ASSERT(!(l)->held);					\
		(l)->held = 1;						\
	} while (0)
#define fv_unlock(l)							\
	do {								\
		FV_ASSERT((l)->held);					\
		(l)->held = 0;						\
		pthread_mutex_unlock(&(l)->mutex);			\
	} while (0)
#define fv_lock_assert_held(l)		FV_ASSERT((l)->held)

/* The kernel's seqcount: odd while a writer is inside, smp_wmb/smp_rmb. */
#define fv_seq_init(s, l)		((s)->count = 0)
#define fv_seq_write_begin(s)						\
	do {								\
		FV_ASSERT(!((s)->count & 1));				\
		__atomic_store_n(&(s)->count, (s)->count + 1,		\
				 __ATOMIC_RELAXED);			\
		__atomic_thread_fence(__ATOMIC_RELEASE);		\
	} while (0)
#define fv_seq_write_end(s)						\
	do {								\
		FV_ASSERT((s)->count & 1);				\
		__atomic_thread_fence(__ATOMIC_RELEASE);		\
		__atomic_store_n(&(s)->count, (s)->count + 1,		\
				 __ATOMIC_RELAXED);			\
	} while (0)
static inline unsigned int fv_host_seq_begin(const struct fv_seq *s)
{
	unsigned int v;

	while ((v = __atomic_load_n(&s->count, __ATOMIC_ACQUIRE)) & 1)
		__builtin_ia32_pause();
	return v;
}
static inline bool fv_host_seq_retry(const struct fv_seq *s, unsigned int v)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&s->count, __ATOMIC_RELAXED) != v;
}
#define fv_seq_read_begin(s)		fv_host_seq_begin(s)
#define fv_seq_read_retry(s, v)		fv_host_seq_retry(s, v)

/* Read sections, waited for before records readers reach are freed. */
void fv_host_read_lock(void);
void fv_host_read_unlock(void);
#define fv_read_lock()			fv_host_read_lock()
#define fv_read_unlock()		fv_host_read_unlock()

#define fv_publish(p, v)		__atomic_store_n(&(p), (v), __ATOMIC_RELEASE)

#endif /* _FLATVM_FV_HOST_COMPAT_H */
