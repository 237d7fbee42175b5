/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host half of include/flatvm/fv_compat.h: what the core needs from its
 * environment, mapped onto libc for the host tests, fuzzer and benchmarks.
 * Single-threaded: the lock only records that it is held, no lock-free
 * reader runs beside a writer.
 */
#ifndef _FLATVM_FV_HOST_COMPAT_H
#define _FLATVM_FV_HOST_COMPAT_H

#include "fv_host_common.h"

struct fv_lock {
	int held;
};

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

#define fv_publish(p, v)		((p) = (v))

#endif /* _FLATVM_FV_HOST_COMPAT_H */
