/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the core's test sources need from their harness, in one place: the
 * KUnit API (the kernel's own in flatvm_kunit.ko, the same names from
 * userspace/tests/kunit_host.h on the host), and the hooks that differ
 * between the two builds of the core:
 *
 *   fvt_fault_*()	the fault hook, fvt_live_bytes() (fvt_fault.h).
 *   fvt_report_*()	capture what fv_check() reports (host only).
 *   fvt_thread_*()	a concurrent reader (kernel only: the host build of
 *			the core has no real lock, no barriers in its
 *			sequence counter and frees records at once, so a
 *			lock-free reader racing a writer there would be a
 *			data race by construction).
 */
#ifndef _FLATVM_FVT_PORT_H
#define _FLATVM_FVT_PORT_H

#ifdef __KERNEL__

#include <kunit/test.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "fvt_fault.h"

#define FVT_KERNEL	1

static inline void fvt_report_capture_begin(void)
{
}

/* Whether the reports since _begin() mention @what (unknown: true). */
static inline bool fvt_report_capture_end(const char *what)
{
	return true;
}

#define FVT_THREADS	1

/* Start @fn(@arg) in a thread of its own; NULL if that failed. */
static inline void *fvt_thread_run(int (*fn)(void *arg), void *arg)
{
	struct task_struct *t = kthread_run(fn, arg, "fvt_reader");

	return IS_ERR(t) ? NULL : t;
}

static inline void fvt_thread_stop(void *t)
{
	kthread_stop(t);
}

static inline bool fvt_thread_should_stop(void)
{
	return kthread_should_stop();
}

static inline void fvt_yield(void)
{
	cond_resched();
}

#else /* host */

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "kunit_host.h"
#include "fvt_fault.h"

#define FVT_KERNEL	0

/* fv_report() writes to stderr: a temporary file takes its place. */
extern int fvt_report_saved_fd;
extern FILE *fvt_report_file;

static inline void fvt_report_capture_begin(void)
{
	fflush(stderr);
	fvt_report_file = tmpfile();
	fvt_report_saved_fd = dup(2);
	if (fvt_report_file)
		dup2(fileno(fvt_report_file), 2);
}

static inline bool fvt_report_capture_end(const char *what)
{
	char line[512];
	bool found = false;

	fflush(stderr);
	if (fvt_report_saved_fd >= 0) {
		dup2(fvt_report_saved_fd, 2);
		close(fvt_report_saved_fd);
		fvt_report_saved_fd = -1;
	}
	if (!fvt_report_file)
		return false;
	rewind(fvt_report_file);
	while (fgets(line, sizeof(line), fvt_report_file))
		found |= !!strstr(line, what);
	fclose(fvt_report_file);
	fvt_report_file = NULL;
	return found;
}

#define FVT_THREADS	0

static inline void *fvt_thread_run(int (*fn)(void *arg), void *arg)
{
	return NULL;
}

static inline void fvt_thread_stop(void *t)
{
}

static inline bool fvt_thread_should_stop(void)
{
	return true;
}

static inline void fvt_yield(void)
{
}

#endif /* __KERNEL__ */

#endif /* _FLATVM_FVT_PORT_H */
