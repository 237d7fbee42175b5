/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flatvm tracepoints: what the driver decided, for tracefs
 * (events/flatvm/ under /sys/kernel/tracing).
 *
 * One event per call of ALLOC, GRANT, ATTACH, RELEASE and REVOKE that got
 * past the argument checks of flatvm_ioctl.c, with its result (0 or the
 * -errno returned); one per release by munmap and by exit; one per page
 * allocated by a first touch (lazy fault); one per run of pages going back
 * to the free pool.  tgid is the process acting (the caller, or the one
 * exiting), target the process a GRANT or REVOKE names (0 when its pidfd
 * did not resolve).  Addresses and lengths are bytes.
 *
 * Events are cheap when disabled: each call site is one line passing
 * what it has at hand, and everything derived (tgids, the page count of a
 * freed run) is computed in TP_fast_assign, only when the event is on.
 *
 * CREATE_TRACE_POINTS is defined in flatvm_main.c only; Kbuild adds
 * module/ to the include path so that define_trace.h finds this file.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM flatvm

#if !defined(_FLATVM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _FLATVM_TRACE_H

#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/tracepoint.h>
#include <linux/xarray.h>

#include "flatvm.h"

#ifndef _FLATVM_TRACE_HELPERS
#define _FLATVM_TRACE_HELPERS

/* Why holds went (flatvm_release). */
#define FVD_TRACE_IOCTL		0
#define FVD_TRACE_MUNMAP	1
#define FVD_TRACE_EXIT		2

/* Rights as "r", "rw", "rx" or "rwx". */
#define FVD_TRACE_RIGHTS(r)	__print_flags(r, "", { FV_READ, "r" }, \
					      { FV_WRITE, "w" }, \
					      { FV_EXEC, "x" })

/* Entries of @store in [@first, @first + @n): counted for the event only. */
static inline u64 fvd_trace_stored(struct xarray *store, unsigned long first,
				   u64 n)
{
	unsigned long index;
	void *entry;
	u64 count = 0;

	xa_for_each_range(store, index, entry, first, first + n - 1)
		count++;
	return count;
}

#endif /* _FLATVM_TRACE_HELPERS */

TRACE_EVENT(flatvm_alloc,
	    TP_PROTO(const u64 *addr, u64 len, u64 align, u32 rights,
		     bool lazy, int ret),
	    TP_ARGS(addr, len, align, rights, lazy, ret),
	    TP_STRUCT__entry(__field(pid_t, tgid)
			     __field(u64, addr)
			     __field(u64, len)
			     __field(u64, align)
			     __field(u32, rights)
			     __field(bool, lazy)
			     __field(int, ret)),
	    TP_fast_assign(__entry->tgid = current->tgid;
			   __entry->addr = ret ? 0 : *addr;
			   __entry->len = len;
			   __entry->align = align;
			   __entry->rights = rights;
			   __entry->lazy = lazy;
			   __entry->ret = ret;),
	    TP_printk("tgid=%d addr=0x%llx len=0x%llx align=0x%llx rights=%s lazy=%d ret=%d",
		      __entry->tgid, __entry->addr, __entry->len,
		      __entry->align, FVD_TRACE_RIGHTS(__entry->rights),
		      __entry->lazy, __entry->ret)
);

/*
 * A span with a right and a result: GRANT and REVOKE (@target: the
 * process the pidfd named, NULL when it did not resolve), ATTACH (no
 * target).  REVOKE has no rights to show.
 */
DECLARE_EVENT_CLASS(flatvm_span,
		    TP_PROTO(const struct task_struct *target, u64 addr,
			     u64 len, u32 rights, int ret),
		    TP_ARGS(target, addr, len, rights, ret),
		    TP_STRUCT__entry(__field(pid_t, tgid)
				     __field(pid_t, target)
				     __field(u64, addr)
				     __field(u64, len)
				     __field(u32, rights)
				     __field(int, ret)),
		    TP_fast_assign(__entry->tgid = current->tgid;
				   __entry->target = target ? target->tgid : 0;
				   __entry->addr = addr;
				   __entry->len = len;
				   __entry->rights = rights;
				   __entry->ret = ret;),
		    TP_printk("tgid=%d target=%d addr=0x%llx len=0x%llx rights=%s ret=%d",
			      __entry->tgid, __entry->target, __entry->addr,
			      __entry->len, FVD_TRACE_RIGHTS(__entry->rights),
			      __entry->ret)
);

DEFINE_EVENT(flatvm_span, flatvm_grant,
	     TP_PROTO(const struct task_struct *target, u64 addr, u64 len,
		      u32 rights, int ret),
	     TP_ARGS(target, addr, len, rights, ret)
);

DEFINE_EVENT_PRINT(flatvm_span, flatvm_revoke,
		   TP_PROTO(const struct task_struct *target, u64 addr,
			    u64 len, u32 rights, int ret),
		   TP_ARGS(target, addr, len, rights, ret),
		   TP_printk("tgid=%d target=%d addr=0x%llx len=0x%llx ret=%d",
			     __entry->tgid, __entry->target, __entry->addr,
			     __entry->len, __entry->ret)
);

DEFINE_EVENT_PRINT(flatvm_span, flatvm_attach,
		   TP_PROTO(const struct task_struct *target, u64 addr,
			    u64 len, u32 rights, int ret),
		   TP_ARGS(target, addr, len, rights, ret),
		   TP_printk("tgid=%d addr=0x%llx len=0x%llx rights=%s ret=%d",
			     __entry->tgid, __entry->addr, __entry->len,
			     FVD_TRACE_RIGHTS(__entry->rights), __entry->ret)
);

/*
 * Holds on a span went: by RELEASE, by munmap (or mremap shrink) of a
 * piece of the window, or at exit (the whole window).  @proc is the
 * process losing them; NULL for a RELEASE from a process flatvm does not
 * know (the caller then).
 */
TRACE_EVENT(flatvm_release,
	    TP_PROTO(const struct fvd_proc *proc, u64 addr, u64 len, int cause,
		     int ret),
	    TP_ARGS(proc, addr, len, cause, ret),
	    TP_STRUCT__entry(__field(pid_t, tgid)
			     __field(u64, addr)
			     __field(u64, len)
			     __field(int, cause)
			     __field(int, ret)),
	    TP_fast_assign(__entry->tgid = proc ? pid_nr(proc->pid) :
						  current->tgid;
			   __entry->addr = addr;
			   __entry->len = len;
			   __entry->cause = cause;
			   __entry->ret = ret;),
	    TP_printk("tgid=%d addr=0x%llx len=0x%llx by=%s ret=%d",
		      __entry->tgid, __entry->addr, __entry->len,
		      __print_symbolic(__entry->cause,
				       { FVD_TRACE_IOCTL, "ioctl" },
				       { FVD_TRACE_MUNMAP, "munmap" },
				       { FVD_TRACE_EXIT, "exit" }),
		      __entry->ret)
);

/*
 * A first touch of a page not allocated yet (lazy): ret 0 when a page was
 * allocated, -EDQUOT or -ENOBUFS over a cap (the touch gets SIGBUS),
 * -ENOMEM.  raced: another holder's fault stored a page first, ours was
 * dropped and theirs is mapped.
 */
TRACE_EVENT(flatvm_lazy_fault,
	    TP_PROTO(u64 addr, int ret, bool raced),
	    TP_ARGS(addr, ret, raced),
	    TP_STRUCT__entry(__field(pid_t, tgid)
			     __field(u64, addr)
			     __field(int, ret)
			     __field(bool, raced)),
	    TP_fast_assign(__entry->tgid = current->tgid;
			   __entry->addr = addr;
			   __entry->ret = ret;
			   __entry->raced = raced;),
	    TP_printk("tgid=%d addr=0x%llx ret=%d raced=%d",
		      __entry->tgid, __entry->addr, __entry->ret,
		      __entry->raced)
);

/*
 * A run of the window went back to the free pool (its last holder let go,
 * in the call traced next, or at munmap or exit): pages is how many pages
 * were stored there, freed right after (a lazy range's untouched pages
 * never existed).  range: the core's range id.
 */
TRACE_EVENT(flatvm_pages_freed,
	    TP_PROTO(u64 addr, u64 len, u64 range, struct xarray *store,
		     unsigned long first),
	    TP_ARGS(addr, len, range, store, first),
	    TP_STRUCT__entry(__field(pid_t, tgid)
			     __field(u64, addr)
			     __field(u64, len)
			     __field(u64, range)
			     __field(u64, pages)),
	    TP_fast_assign(__entry->tgid = current->tgid;
			   __entry->addr = addr;
			   __entry->len = len;
			   __entry->range = range;
			   __entry->pages = fvd_trace_stored(store, first,
							     len >> PAGE_SHIFT);),
	    TP_printk("tgid=%d addr=0x%llx len=0x%llx range=%llu pages=%llu",
		      __entry->tgid, __entry->addr, __entry->len,
		      __entry->range, __entry->pages)
);

#endif /* _FLATVM_TRACE_H */

/* Outside the guard: define_trace.h reads this file again. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE flatvm_trace
#include <trace/define_trace.h>
