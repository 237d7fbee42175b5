// SPDX-License-Identifier: GPL-2.0
/*
 * vmfuzz: the operations of a program that are not ioctls of the table.
 *
 *  touch	read, write or execute a byte of the window (faults: lazy
 *		pages, rights, stale entries after RELEASE or REVOKE)
 *  copy	the kernel copies into the window (read() from /dev/zero) or
 *		out of it (write() to a pipe): faults taken in kernel mode,
 *		some with an allocation failed (fail-nth: a lazy page not
 *		stored; a touch cannot test that, the failure could land in
 *		the delivery of its own signal)
 *  pin		every way to take a page reference, on any window address:
 *		vmsplice, process_vm_readv/writev (self, children, other
 *		workers), /proc/self/mem, O_DIRECT on a block device.  None
 *		may succeed: that is the driver's first guarantee.
 *  munmap, mremap, mprotect, madvise, mlock	on window spans
 *  foreign	an anonymous mapping in a hole of the window
 *  fork, kill	a child that fuzzes in turn (and may drop to another
 *		uid, and exec itself at its end: the exec tail), killed mid-way
 *  thread	a program run by the helper thread beside the main thread
 *  reopen	/dev/flatvm again, read-write or read-only, through a node on
 *		a noexec mount (a window without exec), or with an allocation
 *		of the open failed (fail-nth)
 *  pidfd	a pidfd of a worker, a child, the parent, itself
 *  debugfs	read /sys/kernel/debug/flatvm/ files
 *  trace	read the trace events (when the kernel has tracefs), or keep
 *		a perf event on one of the driver's trace points or on the
 *		mmap_lock ones it takes (a second probe beside ftrace's)
 *  param	change the caps and who may open the device (module
 *		parameters) for a while
 *  badcmd	unknown ioctl numbers and sizes
 *
 * The oracle (proc.c) judges touches and copies of exact ranges, pinning
 * attempts, mprotect and some madvise calls; every judged outcome is
 * counted in sh->oracle_checked, every wrong one is reported.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <ucontext.h>
#include <unistd.h>

#include <linux/perf_event.h>

#include "vmfuzz.h"

#define DEBUGFS		"/sys/kernel/debug/flatvm/"
#define TRACEFS		"/sys/kernel/tracing/"
#define TRACE_PIPE	TRACEFS "trace_pipe"
#define NOEXEC_DIR	"/tmp/vmfuzz-noexec"
#define PARAMS		"/sys/module/flatvm/parameters/"

int shm_fd = -1;
uint64_t orig_max_pages, orig_max_user_pages;
int orig_access_gid = -1, orig_access_all;
const char *noexec_device;	/* /dev/flatvm's twin on a noexec mount */

__thread sigjmp_buf touch_env;
__thread volatile sig_atomic_t touch_armed;
static __thread volatile sig_atomic_t touch_sig;

/* ---- spans --------------------------------------------------------------- */

static uint64_t span_len(uint64_t *rng)
{
	switch (below(rng, 12)) {
	case 0:
		return 0;
	case 1:
		return 1 + below(rng, 3 * PG);
	case 2:
		return (1ULL << (30 + below(rng, 34))) & ~(PG - 1);
	case 3:
		return ~0ULL - below(rng, 2) * (PG - 1);
	default:
		return (1 + below(rng, 8)) * PG;
	}
}

/* A span that often hits something: mostly the process's own ranges. */
void span_gen(struct proc *p, uint64_t *rng, struct span *s)
{
	unsigned int r = below(rng, 100);

	(void)p;
	memset(s, 0, sizeof(*s));
	s->sel = rnd(rng);
	s->val = rnd(rng);
	s->off = chance(rng, 50) ? 0 : rnd(rng);
	if (r < 50)
		s->how = S_OWN;
	else if (r < 72)
		s->how = S_POSTED;
	else if (r < 80)
		s->how = S_WINDOW;
	else if (r < 90)
		s->how = S_LOW;
	else if (r < 95)
		s->how = S_EDGE;
	else
		s->how = S_RAW;
	r = below(rng, 100);
	s->lenmode = r < 45 ? 0 : r < 85 ? 1 : r < 90 ? 2 : 3;
	s->len = s->lenmode == 2 || s->how >= S_WINDOW ? span_len(rng) :
		 below(rng, 16);
}

void span_mutate(uint64_t *rng, struct span *s)
{
	switch (below(rng, 5)) {
	case 0:
		s->how = below(rng, S_NHOW);
		break;
	case 1:
		s->sel++;
		break;
	case 2:
		s->off += chance(rng, 50) ? 1 : -1;
		break;
	case 3:
		s->lenmode = below(rng, 4);
		break;
	default:
		s->len = chance(rng, 50) ? s->len + PG : span_len(rng);
		break;
	}
}

/* ---- touches ------------------------------------------------------------- */

/* Append @v in hex to @b (async-signal-safe); returns the new end. */
static char *put_hex(char *b, uint64_t v)
{
	int i;

	*b++ = '0';
	*b++ = 'x';
	for (i = 60; i >= 0; i -= 4)
		*b++ = "0123456789abcdef"[(v >> i) & 15];
	return b;
}

/*
 * SIGSEGV and SIGBUS: a touch's outcome, or a fault of the fuzzer itself,
 * which is reported (address, instruction) before it ends the process.
 */
void touch_handler(int sig, siginfo_t *si, void *uc)
{
	static const char what[] = "vmfuzz: fault outside a touch: signal ";
	char buf[160], *b = buf;
	ssize_t n;

	if (touch_armed) {
		touch_sig = sig;
		siglongjmp(touch_env, 1);
	}
	memcpy(b, what, sizeof(what) - 1);
	b += sizeof(what) - 1;
	*b++ = '0' + sig / 10;
	*b++ = '0' + sig % 10;
	memcpy(b, " at ", 4);
	b = put_hex(b + 4, (uintptr_t)si->si_addr);
	memcpy(b, " ip ", 4);
	b = put_hex(b + 4, ((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP]);
	*b++ = '\n';
	n = write(STDOUT_FILENO, buf, b - buf);
	(void)n;
	signal(sig, SIG_DFL);
	raise(sig);
}

enum { T_READ, T_WRITE, T_EXEC };

/*
 * Touch one byte.  On an exact range the outcome is known: reads work,
 * writes need the write right, instruction fetches the exec right (code
 * is a single ret written there first), a lazy page may be refused with
 * SIGBUS only at a cap; a write reads back what was written.
 */
static int act_touch(struct proc *p, struct call *c)
{
	unsigned char b = (unsigned char)c->val[2];
	volatile int kind = c->val[0] % 3;	/* live across sigsetjmp() */
	int exact, stable, fresh, sig, ok;
	volatile unsigned char *q, got = 0;
	struct range e = { 0 };
	uint64_t addr, len;
	struct stamp st;

	pthread_mutex_lock(&p->lock);
	proc_window_span(p, &c->span, &addr, &len, PG);
	addr += c->val[1] % PG;
	exact = opt_oracle && proc_exact_at(p, addr, &e);
	stamp_take(p, &st);
	pthread_mutex_unlock(&p->lock);
	/*
	 * Only code this thread wrote runs, and only while no other thread
	 * of the process can write there: the main thread, helper idle.
	 */
	if (kind == T_EXEC &&
	    (!exact || tctx->is_helper || atomic_load(&p->helper_busy) ||
	     ((e.rights & FLATVM_RIGHT_EXEC) &&
	      !(e.rights & FLATVM_RIGHT_WRITE))))
		kind = T_READ;
	q = (volatile unsigned char *)(uintptr_t)addr;

	kcov_reset(&tctx->kc);
	touch_sig = 0;
	if (sigsetjmp(touch_env, 0) == 0) {
		touch_armed = 1;
		switch (kind) {
		case T_READ:
			got = *q;
			break;
		case T_WRITE:
			*q = b;
			got = *q;
			break;
		default:
			if (e.rights & FLATVM_RIGHT_EXEC)
				*q = 0xc3;	/* ret */
			((void (*)(void))(uintptr_t)addr)();
			break;
		}
	}
	touch_armed = 0;
	sig = touch_sig;
	fresh = kcov_collect(&tctx->kc);
	record(c->op, sig ? -1 : 0, sig);

	if (!exact)
		return fresh;
	pthread_mutex_lock(&p->lock);
	stable = stamp_stable(p, &st);
	pthread_mutex_unlock(&p->lock);
	if (!stable)
		return fresh;
	atomic_fetch_add(&sh->oracle_checked, 1);
	switch (kind) {
	case T_READ:
		ok = !sig || (sig == SIGBUS && (e.flags & R_LAZY));
		break;
	case T_WRITE:
		if (e.rights & FLATVM_RIGHT_WRITE)
			ok = (!sig && (got == b || tctx->is_helper ||
				       atomic_load(&p->helper_busy))) ||
			     (sig == SIGBUS && (e.flags & R_LAZY));
		else
			ok = sig == SIGSEGV;
		break;
	default:	/* a write of the ret first: a lazy page may be over a cap */
		ok = e.rights & FLATVM_RIGHT_EXEC ?
		     !sig || (sig == SIGBUS && (e.flags & R_LAZY)) :
		     sig == SIGSEGV;
		break;
	}
	if (!ok)
		oracle_fail("%s at 0x%llx in own range 0x%llx+0x%llx rights %u%s: %s%s",
			    kind == T_READ ? "read" : kind == T_WRITE ? "write" :
			    "exec", (unsigned long long)addr,
			    (unsigned long long)e.addr,
			    (unsigned long long)e.len, e.rights,
			    e.flags & R_LAZY ? " lazy" : "",
			    sig ? strsignal(sig) : "no fault",
			    !sig && kind == T_WRITE && got != b ?
			    " (read back another value)" : "");
	return fresh;
}

/* Empty the process's pipe. */
static void drain(struct proc *p)
{
	char buf[4096];

	while (read(p->pipefd[0], buf, sizeof(buf)) > 0)
		;
}

/*
 * The kernel copies into the window (needs the write right) or out of it
 * (read right): on an exact eager range it must succeed or fail whole.
 */
static int act_copy(struct proc *p, struct call *c)
{
	int out = c->val[0] & 1, exact, stable, fresh, err, ok;
	unsigned int nth = 0;
	uint64_t addr, len;
	struct range e = { 0 };
	struct stamp st;
	ssize_t n;

	pthread_mutex_lock(&p->lock);
	proc_window_span(p, &c->span, &addr, &len, 4 * PG);
	if (c->val[3] % 4 == 0 && tctx->nthfd >= 0)
		nth = 1 + (c->val[3] >> 2) % 6;	/* then not judged */
	exact = !nth && opt_oracle && proc_exact_at(p, addr, &e) &&
		!(e.flags & R_LAZY) && addr + len <= e.addr + e.len;
	stamp_take(p, &st);
	pthread_mutex_unlock(&p->lock);

	drain(p);
	kcov_reset(&tctx->kc);
	if (nth)
		fail_nth_set(nth);
	if (out)
		n = write(p->pipefd[1], (void *)(uintptr_t)addr, len);
	else
		n = read(p->zerofd, (void *)(uintptr_t)addr, len);
	err = n < 0 ? errno : 0;
	if (nth)
		fail_nth_set(0);
	fresh = kcov_collect(&tctx->kc);
	record(c->op, n < 0 ? -1 : 0, err);
	drain(p);
	if (!exact)
		return fresh;
	pthread_mutex_lock(&p->lock);
	stable = stamp_stable(p, &st);
	pthread_mutex_unlock(&p->lock);
	if (!stable)
		return fresh;
	atomic_fetch_add(&sh->oracle_checked, 1);
	if (out || (e.rights & FLATVM_RIGHT_WRITE))
		ok = n == (ssize_t)len;
	else
		ok = n < 0 && err == EFAULT;
	if (!ok)
		oracle_fail("%s of %llu bytes at 0x%llx in own range 0x%llx+0x%llx rights %u: %zd (%s)",
			    out ? "write() from" : "read() into",
			    (unsigned long long)len, (unsigned long long)addr,
			    (unsigned long long)e.addr,
			    (unsigned long long)e.len, e.rights, n,
			    n < 0 ? strerror(err) : "ok");
	return fresh;
}

/* A pid of the run, for process_vm_*: self, a child or a worker. */
static pid_t some_pid(struct proc *p, uint64_t v)
{
	pid_t pid;

	switch (v % 4) {
	case 0:
		pid = p->children[(v >> 8) % MAX_CHILDREN];
		break;
	case 1:
		pid = atomic_load(&sh->pids[(v >> 8) % MAX_WORKERS]);
		break;
	default:
		pid = 0;
		break;
	}
	return pid > 0 ? pid : getpid();
}

/*
 * Try to take a reference on window pages: every way must fail, for any
 * address of the window, held or not, in any process.  Judged when the
 * span lies inside the window of this process and the process never
 * mapped anything else there (act_foreign: an anonymous mapping in a hole
 * may be pinned); another process's window may hold its own foreign
 * mappings.
 */
static int act_pin(struct proc *p, struct call *c)
{
	static const char *const how[] = {
		"vmsplice", "process_vm_readv", "process_vm_writev",
		"/proc/self/mem read", "/proc/self/mem write",
		"O_DIRECT read into", "O_DIRECT write from",
	};
	unsigned int m = c->val[0] % 7;
	struct iovec local, remote;
	uint64_t addr, len;
	int fresh, err, judged;
	struct stamp st;
	ssize_t n = -1;
	pid_t pid = 0;

	pthread_mutex_lock(&p->lock);
	proc_window_span(p, &c->span, &addr, &len, 2 * PG);
	if (m >= 5)
		len = PG;
	judged = opt_oracle && !p->foreign && addr >= win_base &&
		 addr - win_base < win_size && len <= win_size - (addr - win_base);
	stamp_take(p, &st);
	pthread_mutex_unlock(&p->lock);
	local.iov_base = tctx->argbuf;
	local.iov_len = len;
	remote.iov_base = (void *)(uintptr_t)addr;
	remote.iov_len = len;

	kcov_reset(&tctx->kc);
	errno = 0;
	switch (m) {
	case 0:
		n = vmsplice(p->pipefd[1], &remote, 1, SPLICE_F_NONBLOCK);
		break;
	case 1:
		pid = some_pid(p, c->val[1]);
		n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
		break;
	case 2:
		pid = some_pid(p, c->val[1]);
		n = process_vm_writev(pid, &local, 1, &remote, 1, 0);
		break;
	case 3:
		n = pread(p->memfd, tctx->argbuf, len, addr);
		break;
	case 4:
		n = pwrite(p->memfd, tctx->argbuf, len, addr);
		break;
	case 5:
		if (p->blkfd >= 0)
			n = pread(p->blkfd, (void *)(uintptr_t)addr, len, 0);
		break;
	default:
		if (p->blkfd >= 0)
			n = pwrite(p->blkfd, (void *)(uintptr_t)addr, len, 0);
		break;
	}
	err = n < 0 ? errno : 0;
	fresh = kcov_collect(&tctx->kc);
	record(c->op, n < 0 ? -1 : 0, err);
	drain(p);
	if ((m >= 5 && p->blkfd < 0) || !judged ||
	    (pid && pid != getpid()))
		return fresh;
	pthread_mutex_lock(&p->lock);
	judged = stamp_stable(p, &st);	/* no foreign mapping meanwhile */
	pthread_mutex_unlock(&p->lock);
	if (!judged)
		return fresh;
	atomic_fetch_add(&sh->pin_tried, 1);
	atomic_fetch_add(&sh->oracle_checked, 1);
	if (n > 0) {
		atomic_fetch_add(&sh->pin_escaped, 1);
		oracle_fail("%s window 0x%llx+0x%llx (pid %d): %zd bytes",
			    how[m], (unsigned long long)addr,
			    (unsigned long long)len, (int)pid, n);
	}
	return fresh;
}

/* ---- mm calls on the window ------------------------------------------- */

static int act_munmap(struct proc *p, struct call *c)
{
	uint64_t addr, len;
	struct stamp st;
	int ret, err, fresh;

	pthread_mutex_lock(&p->lock);
	proc_window_span(p, &c->span, &addr, &len, 64 * PG);
	if (c->val[0] % 64 == 0) {		/* the whole window */
		addr = win_base;
		len = win_size;
	}
	change_begin(p, &st);
	proc_unexact(p, addr, len);
	p->holed = 1;
	pthread_mutex_unlock(&p->lock);
	kcov_reset(&tctx->kc);
	ret = munmap((void *)(uintptr_t)addr, len);
	err = errno;
	fresh = kcov_collect(&tctx->kc);
	pthread_mutex_lock(&p->lock);
	change_end(p, &st);
	pthread_mutex_unlock(&p->lock);
	record(c->op, ret, err);
	return fresh;
}

/* The window refuses every mprotect(), unless a foreign mapping is there. */
static int act_mprotect(struct proc *p, struct call *c)
{
	int prot = c->val[0] & 7, ret, err, fresh;
	uint64_t addr, len;

	if (c->val[0] % 32 == 7)
		prot |= PROT_GROWSDOWN;
	pthread_mutex_lock(&p->lock);
	proc_window_span(p, &c->span, &addr, &len, 16 * PG);
	pthread_mutex_unlock(&p->lock);
	kcov_reset(&tctx->kc);
	ret = mprotect((void *)(uintptr_t)addr, len, prot);
	err = errno;
	fresh = kcov_collect(&tctx->kc);
	record(c->op, ret, err);
	if (opt_oracle && !p->foreign) {
		atomic_fetch_add(&sh->oracle_checked, 1);
		if (!ret)
			oracle_fail("mprotect(0x%llx, 0x%llx, %d) on the window succeeded",
				    (unsigned long long)addr,
				    (unsigned long long)len, prot);
	}
	return fresh;
}

/*
 * The window never moves nor grows: mremap() may only shrink it in place
 * (releasing the tail) or keep it.  A MREMAP_FIXED target is unmapped
 * before the move is refused: both spans change.
 */
static int act_mremap(struct proc *p, struct call *c)
{
	uint64_t addr, len, nlen, to;
	int flags = 0, err, fresh;
	struct stamp st;
	void *r;

	pthread_mutex_lock(&p->lock);
	proc_window_span(p, &c->span, &addr, &len, 16 * PG);
	nlen = len + (int64_t)(c->val[1] % 5 - 2) * (int64_t)PG;
	if ((int64_t)nlen <= 0)
		nlen = PG;
	to = win_base + (c->val[2] % (win_size / PG - 64)) * PG;
	switch (c->val[0] % 4) {
	case 0:
		break;
	case 1:
		flags = MREMAP_MAYMOVE;
		break;
	default:
		flags = MREMAP_MAYMOVE | MREMAP_FIXED;
		if (c->val[0] % 8 == 2)
			to = addr + len;
		break;
	}
	change_begin(p, &st);
	proc_unexact(p, addr, len);
	if (flags & MREMAP_FIXED)
		proc_unexact(p, to, nlen);
	p->holed = 1;
	pthread_mutex_unlock(&p->lock);
	kcov_reset(&tctx->kc);
	r = mremap((void *)(uintptr_t)addr, len, nlen, flags,
		   (void *)(uintptr_t)to);
	err = errno;
	fresh = kcov_collect(&tctx->kc);
	pthread_mutex_lock(&p->lock);
	change_end(p, &st);
	pthread_mutex_unlock(&p->lock);
	record(c->op, r == MAP_FAILED ? -1 : 0, err);
	if (opt_oracle && !p->foreign) {
		atomic_fetch_add(&sh->oracle_checked, 1);
		if (r != MAP_FAILED &&
		    ((uint64_t)(uintptr_t)r != addr || nlen > len))
			oracle_fail("mremap(0x%llx, 0x%llx, 0x%llx, %d) of the window gave %p",
				    (unsigned long long)addr,
				    (unsigned long long)len,
				    (unsigned long long)nlen, flags, r);
	}
	return fresh;
}

/*
 * madvise() on the window: those that would drop or share pages fail on
 * its VM_PFNMAP | VM_IO mapping (and MADV_DOFORK cannot undo VM_DONTCOPY).
 */
static int act_madvise(struct proc *p, struct call *c)
{
	static const int advice[] = {
		MADV_DONTNEED, MADV_FREE, MADV_REMOVE, MADV_DOFORK,
		MADV_COLD, MADV_PAGEOUT,	/* never on the window */
		MADV_WILLNEED, MADV_DONTFORK, MADV_NORMAL, MADV_RANDOM,
		MADV_SEQUENTIAL, MADV_DONTDUMP, MADV_DODUMP, MADV_HUGEPAGE,
		MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_POPULATE_READ,
		MADV_POPULATE_WRITE,
	};
	unsigned int i = c->val[0] % (sizeof(advice) / sizeof(advice[0]));
	uint64_t addr, len;
	int ret, err, fresh;

	pthread_mutex_lock(&p->lock);
	proc_window_span(p, &c->span, &addr, &len, 16 * PG);
	pthread_mutex_unlock(&p->lock);
	kcov_reset(&tctx->kc);
	ret = madvise((void *)(uintptr_t)addr, len, advice[i]);
	err = errno;
	fresh = kcov_collect(&tctx->kc);
	record(c->op, ret, err);
	if (opt_oracle && !p->foreign && i < 6) {
		atomic_fetch_add(&sh->oracle_checked, 1);
		if (!ret)
			oracle_fail("madvise(0x%llx, 0x%llx, %d) on the window succeeded",
				    (unsigned long long)addr,
				    (unsigned long long)len, advice[i]);
	}
	return fresh;
}

static int act_mlock(struct proc *p, struct call *c)
{
	uint64_t addr, len;
	int ret, err, fresh;

	pthread_mutex_lock(&p->lock);
	proc_window_span(p, &c->span, &addr, &len, 16 * PG);
	pthread_mutex_unlock(&p->lock);
	kcov_reset(&tctx->kc);
	switch (c->val[0] % 3) {
	case 0:
		ret = mlock((void *)(uintptr_t)addr, len);
		break;
	case 1:
		ret = mlock2((void *)(uintptr_t)addr, len, MLOCK_ONFAULT);
		break;
	default:
		ret = munlock((void *)(uintptr_t)addr, len);
		break;
	}
	err = errno;
	fresh = kcov_collect(&tctx->kc);
	record(c->op, ret, err);
	return fresh;
}

/* Something else in a hole of the window: ALLOC and ATTACH meet it. */
static int act_foreign(struct proc *p, struct call *c)
{
	uint64_t addr, len;
	struct stamp st;
	int fresh, err;
	void *r;

	pthread_mutex_lock(&p->lock);
	proc_window_span(p, &c->span, &addr, &len, 4 * PG);
	p->foreign = 1;
	change_begin(p, &st);
	pthread_mutex_unlock(&p->lock);
	kcov_reset(&tctx->kc);
	r = mmap((void *)(uintptr_t)addr, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	err = errno;
	fresh = kcov_collect(&tctx->kc);
	pthread_mutex_lock(&p->lock);
	change_end(p, &st);
	pthread_mutex_unlock(&p->lock);
	record(c->op, r == MAP_FAILED ? -1 : 0, err);
	return fresh;
}

/* ---- processes and threads --------------------------------------------- */

/*
 * Replace the process's descriptor by a new open of the device, as @v
 * says: through /dev/flatvm or its noexec twin (a window first mapped
 * through it has no exec), maybe with one of the open's allocations
 * failed.  Returns 0 or -errno; *@fresh: the new PCs the open reached.
 */
static int reopen_device(struct proc *p, uint64_t v, int flags, int *fresh)
{
	const char *path = noexec_device && v % 4 == 0 ? noexec_device :
			   FLATVM_DEVICE;
	unsigned int nth = 0;
	int fd, err;

	if ((v >> 2) % 4 == 0 && tctx->nthfd >= 0)
		nth = 1 + (v >> 4) % 16;
	kcov_reset(&tctx->kc);
	if (nth)
		fail_nth_set(nth);
	fd = open(path, flags);
	err = errno;
	if (nth)
		fail_nth_set(0);
	if (fd >= 0) {
		/* Atomic for the other thread: p->fd never dangles. */
		dup2(fd, p->fd);
		close(fd);
	}
	*fresh = kcov_collect(&tctx->kc);
	return fd < 0 ? -err : 0;
}

/* The device's twin on a noexec mount, made by main (root) for the run. */
void noexec_device_setup(void)
{
	struct stat st;

	if (getuid() || stat(FLATVM_DEVICE, &st) || !S_ISCHR(st.st_mode))
		return;
	if (mkdir(NOEXEC_DIR, 0755) && errno != EEXIST)
		return;
	if (mount("vmfuzz", NOEXEC_DIR, "tmpfs", MS_NOEXEC | MS_NOSUID,
		  "mode=0755")) {
		rmdir(NOEXEC_DIR);
		return;
	}
	if (mknod(NOEXEC_DIR "/flatvm", S_IFCHR | 0600, st.st_rdev) ||
	    chmod(NOEXEC_DIR "/flatvm", st.st_mode & 07777)) {
		umount2(NOEXEC_DIR, MNT_DETACH);
		rmdir(NOEXEC_DIR);
		return;
	}
	noexec_device = NOEXEC_DIR "/flatvm";
}

void noexec_device_remove(void)
{
	if (!noexec_device)
		return;
	umount2(NOEXEC_DIR, MNT_DETACH);
	rmdir(NOEXEC_DIR);
	noexec_device = NULL;
}

/* The tail of a fork child: see kcov.c.  Returns only if exec failed. */
static void exec_self_tail(void)
{
	char kfd[16], sfd[16];
	char *argv[] = { "vmfuzz", "-X", kfd, sfd, NULL };

	snprintf(kfd, sizeof(kfd), "%d", tctx->kc.fd);
	snprintf(sfd, sizeof(sfd), "%d", shm_fd);
	kcov_reset(&tctx->kc);
	execv("/proc/self/exe", argv);
}

/*
 * A fork child: a new process for flatvm (it inherits none of the window).
 * It sets up its own KCOV, maybe its own descriptor and another uid, runs
 * programs for a while, ends its own children, and exits or execs.
 */
void child_main(struct proc *p)
{
	pid_t parent = getppid();
	int fresh;
	uid_t uid;

	thread_exit(tctx);
	proc_forked(p);
	thread_init(tctx, 0);
	p->rng ^= (uint64_t)getpid() << 32;
	if (chance(&p->rng, 30))	/* its own descriptor */
		reopen_device(p, rnd(&p->rng), O_RDWR, &fresh);
	if (!getuid() && chance(&p->rng, 25)) {
		uid = 1000 + below(&p->rng, 2);
		if (!setresgid(uid, uid, uid) && !setresuid(uid, uid, uid)) {
			p->uid_dropped = 1;
			prctl(PR_SET_DUMPABLE, 1);
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			if (getppid() != parent)
				_exit(0);
		}
	}
	p->budget = 30 + below(&p->rng, 300);
	fuzz_loop(p);
	helper_stop(p);
	end_children(p);
	if (!atomic_load(&sh->stop) && tctx->kc.fd >= 0 &&
	    chance(&p->rng, 25))
		exec_self_tail();
	_exit(0);
}

static int act_fork(struct proc *p, struct call *c)
{
	pid_t pid;

	/* The helper thread may hold the lock: the child must not inherit it. */
	pthread_mutex_lock(&p->lock);
	pid = tree_fork(p, c->val[0] % MAX_CHILDREN, cap);
	if (pid == 0)
		child_main(p);
	pthread_mutex_unlock(&p->lock);
	record(c->op, pid < 0 ? -1 : 0, pid < 0 ? EAGAIN : 0);
	return 0;
}

static int act_kill(struct proc *p, struct call *c)
{
	kill_child(p, c->val[0] % MAX_CHILDREN);
	record(c->op, 0, 0);
	return 0;
}

static int act_thread(struct proc *p, struct call *c)
{
	helper_post(p, &p->rng);
	record(c->op, 0, 0);
	return 0;
}

static int act_reopen(struct proc *p, struct call *c)
{
	int ret, fresh;

	ret = reopen_device(p, c->val[2], c->val[0] % 8 ? O_RDWR : O_RDONLY,
			    &fresh);
	if (c->val[1] % 2) {
		pthread_mutex_lock(&p->lock);
		p->nranges = 0;
		pthread_mutex_unlock(&p->lock);
	}
	record(c->op, ret, -ret);
	return fresh;
}

/*
 * A pidfd of another fuzzer process (a worker, a child, the parent) or of
 * itself.  Never main's: main must hold nothing at the end.  A child's
 * pidfd goes stale when the child is killed.
 */
static int act_pidfd(struct proc *p, struct call *c)
{
	unsigned int slot = c->val[0] % MAX_PIDFDS;
	pid_t pid;
	int err;

	switch (c->val[1] % 5) {
	case 0:
	case 1:
		pid = atomic_load(&sh->pids[(c->val[2] >> 8) % MAX_WORKERS]);
		break;
	case 2:
		pid = p->children[(c->val[2] >> 8) % MAX_CHILDREN];
		break;
	case 3:
		pid = getppid();
		break;
	default:
		pid = getpid();
		break;
	}
	if (pid <= 1 || pid == sh->main_pid)
		pid = getpid();
	pthread_mutex_lock(&p->lock);
	if (p->pidfds[slot] >= 0)
		close(p->pidfds[slot]);
	p->pidfds[slot] = syscall(SYS_pidfd_open, pid, 0);
	err = errno;
	record(c->op, p->pidfds[slot] < 0 ? -1 : 0, err);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

/* Read a file to its end (at most @max bytes): KCOV follows the reads. */
static int read_file(const char *path, size_t max, int flags)
{
	char buf[4096];
	size_t total = 0;
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | flags);
	if (fd < 0)
		return -errno;
	while (total < max && (n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	if (n < 0 && errno != EAGAIN)
		err = -errno;
	close(fd);
	return err;
}

static int act_debugfs(struct proc *p, struct call *c)
{
	static const char *const files[] = {
		"ranges", "holders", "free", "counters", "ranges", "holders",
		"free", "counters", "check",
	};
	char path[128];
	int ret, fresh;

	(void)p;
	snprintf(path, sizeof(path), DEBUGFS "%s",
		 files[c->val[0] % (sizeof(files) / sizeof(files[0]))]);
	kcov_reset(&tctx->kc);
	ret = read_file(path, 1 << 20, 0);
	fresh = kcov_collect(&tctx->kc);
	record(c->op, ret, -ret);
	return fresh;
}

/*
 * Trace points a perf event may count: the driver's, and the mmap_lock
 * ones its own lock calls test inline.  With ftrace's probe on the
 * driver's (vm-init.sh) and perf's (trace_points_hold()), their calls go
 * through the iterator; perf_trace_*() are the module's own code too.
 */
static const char *const trace_points[] = {
	"flatvm/flatvm_alloc", "flatvm/flatvm_grant", "flatvm/flatvm_revoke",
	"flatvm/flatvm_attach", "flatvm/flatvm_release",
	"flatvm/flatvm_lazy_fault", "flatvm/flatvm_pages_freed",
	"mmap_lock/mmap_lock_start_locking",
	"mmap_lock/mmap_lock_acquire_returned",
	"mmap_lock/mmap_lock_released",
};

/* A counting perf event on @point for @pid on @cpu (perf_event_open()). */
static int perf_attach(const char *point, pid_t pid, int cpu)
{
	struct perf_event_attr attr;
	char path[160], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), TRACEFS "events/%s/id", point);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.size = sizeof(attr);
	attr.config = strtoull(buf, NULL, 10);
	fd = syscall(SYS_perf_event_open, &attr, pid, cpu, -1,
		     PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

#define N_TRACE_POINTS	(sizeof(trace_points) / sizeof(trace_points[0]))
#define MAX_PINNED_CPUS	16
static int pinned[N_TRACE_POINTS][MAX_PINNED_CPUS];
static int npinned_cpus;

/*
 * main, before the workers: a system-wide perf event on every trace point
 * of the list, for the whole run.  A trace point's calls are patched (text
 * poking, int3 while it lasts) when its number of probes goes from one to
 * two and back; with ftrace's and this one in place from the start, the
 * workers' own perf events come and go without patching code the other
 * CPUs are running (the first CI run of the workers toggling it oopsed on
 * that int3 in the debug kernel under TCG: kunit/findings.md, 10).
 */
void trace_points_hold(void)
{
	unsigned int i;
	int cpu;

	npinned_cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (npinned_cpus > MAX_PINNED_CPUS)
		npinned_cpus = MAX_PINNED_CPUS;
	for (i = 0; i < N_TRACE_POINTS; i++)
		for (cpu = 0; cpu < npinned_cpus; cpu++)
			pinned[i][cpu] = perf_attach(trace_points[i], -1, cpu);
}

/* main, after the workers: the events go. */
void trace_points_release(void)
{
	unsigned int i;
	int cpu;

	for (i = 0; i < N_TRACE_POINTS; i++)
		for (cpu = 0; cpu < npinned_cpus; cpu++)
			if (pinned[i][cpu] >= 0)
				close(pinned[i][cpu]);
	npinned_cpus = 0;
}

/* The process's perf event in @slot is now @fd (-1: none). */
static void perf_slot_set(struct proc *p, unsigned int slot, int fd)
{
	pthread_mutex_lock(&p->lock);
	if (p->perffds[slot] >= 0)
		close(p->perffds[slot]);
	p->perffds[slot] = fd;
	pthread_mutex_unlock(&p->lock);
}

static int act_trace(struct proc *p, struct call *c)
{
	unsigned int slot = c->val[1] % MAX_PERF;
	int ret = 0, fresh;

	kcov_reset(&tctx->kc);
	switch (c->val[0] % 4) {
	case 0:
	case 1:		/* the events ftrace recorded (vm-init.sh enables them) */
		ret = read_file(TRACE_PIPE, 16384, O_NONBLOCK);
		break;
	case 2:		/* a perf event on a trace point, kept for a while */
		ret = perf_attach(trace_points[c->val[2] % N_TRACE_POINTS],
				  0, -1);
		perf_slot_set(p, slot, ret < 0 ? -1 : ret);
		if (ret > 0)
			ret = 0;
		break;
	default:	/* and gone */
		perf_slot_set(p, slot, -1);
		break;
	}
	fresh = kcov_collect(&tctx->kc);
	record(c->op, ret, -ret);
	return fresh;
}

static int param_write(const char *name, long long v)
{
	char path[128], buf[32];
	int fd, n, ret;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%lld", v);
	ret = write(fd, buf, n) == n ? 0 : -errno;
	close(fd);
	return ret;
}

/* The parameters as they were before the run (main, at the end). */
void params_restore(void)
{
	if (orig_max_pages)
		param_write("max_pages", orig_max_pages);
	if (orig_max_user_pages)
		param_write("max_user_pages", orig_max_user_pages);
	param_write("access_gid", orig_access_gid);
	param_write("access_all", orig_access_all);
}

/*
 * For a while: low caps (EDQUOT, ENOBUFS, SIGBUS on lazy pages), or the
 * device open to a group or to all (the children that dropped root open
 * it then), or back as it was.
 */
static int act_param(struct proc *p, struct call *c)
{
	int back = c->val[1] % 2, user = c->val[0] & 1, ret;
	long long v;

	(void)p;
	switch (c->val[0] % 4) {
	case 2:
		v = back ? orig_access_gid :
		    c->val[2] % 3 ? 1000 + (long long)(c->val[2] % 2) : -1;
		ret = param_write("access_gid", v);
		break;
	case 3:
		ret = param_write("access_all",
				  back ? orig_access_all : (int)(c->val[2] & 1));
		break;
	default:
		v = back ? 0 : (long long)(c->val[2] % 4096);
		if (!v)
			v = user ? orig_max_user_pages : orig_max_pages;
		ret = param_write(user ? "max_user_pages" : "max_pages", v);
		break;
	}
	record(c->op, ret, -ret);
	return 0;
}

/* Requests the driver does not know, and known ones mangled. */
static int act_badcmd(struct proc *p, struct call *c)
{
	unsigned long cmd;
	unsigned int i;
	int ret, err, fresh;

	switch (c->val[0] % 3) {
	case 0:		/* our type, a number the header does not define */
		cmd = _IOWR(FLATVM_IOC_MAGIC, 7 + c->val[1] % 249,
			    struct flatvm_stats);
		break;
	case 1:		/* a known number with another size or direction */
		cmd = _IOC(c->val[1] % 4, FLATVM_IOC_MAGIC, c->val[2] % 8,
			   c->val[3] % 256);
		break;
	default:
		cmd = (unsigned long)c->val[1];
		if (_IOC_TYPE(cmd) == FLATVM_IOC_MAGIC)
			cmd ^= 1UL << 8;
		break;
	}
	for (i = 0; i < n_ioctls; i++)
		if (cmd == ioctls[i].cmd)
			cmd ^= 1UL << 16;
	memset(tctx->argbuf, 0, 256);
	kcov_reset(&tctx->kc);
	ret = ioctl(p->fd, cmd, tctx->argbuf);
	err = errno;
	fresh = kcov_collect(&tctx->kc);
	record(c->op, ret, err);
	atomic_fetch_add(&sh->ioctls, 1);
	if (ret == 0 || err != ENOTTY) {
		if (atomic_fetch_add(&sh->unexpected, 1) < 10)
			printf("vmfuzz: unknown ioctl 0x%lx: %d (%s), not ENOTTY\n",
			       cmd, ret, ret ? strerror(err) : "ok");
	}
	return fresh;
}

const struct action_desc actions[] = {
	{ "touch", 10, ACT_SIG, act_touch },
	{ "copy", 3, 0, act_copy },
	{ "pin", 3, 0, act_pin },
	{ "munmap", 2, 0, act_munmap },
	{ "mprotect", 1, 0, act_mprotect },
	{ "mremap", 2, 0, act_mremap },
	{ "madvise", 1, 0, act_madvise },
	{ "mlock", 1, 0, act_mlock },
	{ "foreign", 1, 0, act_foreign },
	{ "fork", 1, ACT_MAIN, act_fork },
	{ "kill", 1, ACT_MAIN, act_kill },
	{ "thread", 3, ACT_MAIN, act_thread },
	{ "reopen", 1, 0, act_reopen },
	{ "pidfd", 3, 0, act_pidfd },
	{ "debugfs", 1, 0, act_debugfs },
	{ "trace", 1, 0, act_trace },
	{ "param", 1, 0, act_param },
	{ "badcmd", 2, 0, act_badcmd },
};
const unsigned int n_actions = sizeof(actions) / sizeof(actions[0]);
