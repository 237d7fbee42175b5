// SPDX-License-Identifier: GPL-2.0
/*
 * vmfuzz: a seedable ioctl fuzzer for /dev/flatvm, run inside the
 * debug-kernel VM (userspace/vm/vm-init.sh, `make vm-fuzz`).
 *
 * Several worker processes issue random and structure-aware ioctls (valid
 * looking and garbage fields, bad sizes, flags and pointers, ranges
 * straddling others, live, foreign and stale pidfds), interleaved with fork,
 * kill, munmap, mprotect, mremap, madvise(MADV_DOFORK), page touches and
 * closing and reopening the device.  Workers post the ranges they allocate
 * in shared memory so that the others grant, attach and touch them too.
 *
 * Bounded by time (-t) and by count (-n).  It prints the calls made by kind,
 * the calls per second and the errnos seen, then checks: every errno is one
 * the uapi header documents for that ioctl, every worker ended normally,
 * the live fuzzer processes never exceeded the cap, none is left at the end,
 * and once every process has exited the module's STATS are back to zero.
 * Last line: "vmfuzz: N passed, N failed".
 *
 * The process tree stays bounded for any run length:
 *  - Every fuzzer process (the workers, and the children they fork, which
 *    fuzz and fork in turn) is counted in sh->live, in the MAP_SHARED page,
 *    from the moment its parent reserves a place for it until it is reaped.
 *    A fork that would take the count above the cap (-c, default 64) is
 *    refused and counted as such, never retried.
 *  - The forker reserves before fork() and the reaper (the parent, or main
 *    for an orphan) gives the place back after waitpid(), both with SIGTERM
 *    blocked.  SIGTERM is the only signal fuzzer processes send each other:
 *    left at its default action and unblocked, it is fatal at once, like
 *    SIGKILL (the kernel turns it into SIGKILL for the whole process, even
 *    in the middle of an ioctl), but it cannot fall between a reap and the
 *    count's update, so the count stays exact.
 *  - Every process kills (SIGTERM) and reaps its children before it exits.
 *    One that dies first takes them along: each child asks for SIGTERM on
 *    its parent's death (PR_SET_PDEATHSIG), and main is the tree's child
 *    subreaper, so orphans come to main, which reaps them.
 *  - All fuzzer processes are in one process group (the first worker's).
 *    Main counts its members in /proc every 100 ms (or ten times as long
 *    as a count took, so that counting takes at most a tenth of a CPU),
 *    independently of sh->live; the run fails if that census ever exceeds
 *    the cap, or more processes than were counted.  At the end main kills
 *    the group (SIGTERM, then SIGKILL after 10 s) and reaps until it has
 *    no child left.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/flatvm.h>

#define PG		4096ULL
#define MAX_WORKERS	16
#define MAX_RANGES	32
#define MAX_POSTED	64
#define MAX_PIDFDS	8
#define MAX_CHILDREN	4
#define MAX_ERRNO	140
/* The good argument slot: the largest struct (STATS, 152 bytes) and more. */
#define ARG_ROOM	256
#define DEFAULT_CAP	64
#define CENSUS_PERIOD	0.1		/* s between two counts in /proc, */
#define CENSUS_SHARE	10		/* or 10 times what one took */
#define PROGRESS_PERIOD	60		/* s between two progress lines */
#define WORKER_GRACE	60		/* s after the deadline */
#define TERM_GRACE	10		/* s between SIGTERM and SIGKILL */

enum kind {
	K_ALLOC, K_GRANT, K_ATTACH, K_RELEASE, K_REVOKE, K_QUERY, K_STATS,
	K_BADCMD, K_FORK, K_KILL, K_MUNMAP, K_MPROTECT, K_MREMAP, K_MADVISE,
	K_TOUCH, K_REOPEN, K_PIDFD, K_NKINDS
};

static const char *const kind_name[K_NKINDS] = {
	"alloc", "grant", "attach", "release", "revoke", "query", "stats",
	"badcmd", "fork", "kill", "munmap", "mprotect", "mremap", "madvise",
	"touch", "reopen", "pidfd",
};

/* Shared by every process of the run (MAP_SHARED before the first fork). */
struct shared {
	atomic_ulong calls[K_NKINDS];
	atomic_ulong errnos[K_NKINDS][MAX_ERRNO];
	atomic_ulong unexpected;
	atomic_ulong total;
	atomic_int pids[MAX_WORKERS];
	atomic_int live;		/* fuzzer processes not yet reaped */
	atomic_int live_peak;
	atomic_ulong reserved;		/* places ever given: forks tried */
	atomic_ulong fork_refused;	/* at the cap */
	atomic_ulong fork_failed;	/* fork() itself failed */
	struct {
		atomic_ullong addr;
		atomic_ullong len;
	} posted[MAX_POSTED];
};

struct range {
	__u64 addr, len;
};

/* One process's fuzzing state. */
struct worker {
	__u64 rng;
	int fd;
	struct range ranges[MAX_RANGES];
	int nranges;
	int pidfds[MAX_PIDFDS];
	pid_t children[MAX_CHILDREN];
	unsigned char *argbuf;	/* two pages, the second PROT_NONE */
	unsigned char *nonepage;
};

static struct shared *sh;
static __u64 win_base, win_size;
static unsigned long max_calls = 1000000;
static struct timespec deadline;
static int nworkers = 4;
static int cap = DEFAULT_CAP;

static sigjmp_buf touch_env;
static volatile sig_atomic_t touch_armed;

static __u64 rnd(struct worker *w)
{
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return w->rng * 0x2545f4914f6cdd1dULL;
}

static __u64 below(struct worker *w, __u64 n)
{
	return n ? rnd(w) % n : 0;
}

static int chance(struct worker *w, unsigned int percent)
{
	return below(w, 100) < percent;
}

static int time_up(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > deadline.tv_sec ||
	    (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec))
		return 1;
	return atomic_load(&sh->total) >= max_calls;
}

static void count(enum kind k)
{
	atomic_fetch_add(&sh->calls[k], 1);
	atomic_fetch_add(&sh->total, 1);
}

/* The errnos include/uapi/linux/flatvm.h documents, per ioctl. */
static int errno_documented(enum kind k, int e)
{
	if (k == K_BADCMD)
		return e == ENOTTY;
	switch (e) {
	case EINVAL: case E2BIG: case EFAULT: case EBADF: case EINTR:
		return 1;
	}
	switch (k) {
	case K_ALLOC:
		return e == ENOSPC || e == EDQUOT || e == ENOBUFS ||
		       e == ENOMEM || e == EEXIST || e == EACCES ||
		       e == EFBIG || e == EMFILE || e == EMLINK;
	case K_GRANT:
		return e == ESRCH || e == ENOENT || e == EACCES ||
		       e == EEXIST || e == ENOMEM || e == EPERM ||
		       e == EMLINK || e == ERANGE;
	case K_ATTACH:
		return e == EACCES || e == EEXIST || e == ENOMEM;
	case K_RELEASE:
		return e == ENOENT || e == EMLINK || e == ENOMEM;
	case K_REVOKE:
		return e == ESRCH || e == EPERM || e == ENOENT ||
		       e == EMLINK || e == ENOMEM;
	case K_QUERY:
		return e == ENOENT;
	default:
		return 1;
	}
}

static void record(enum kind k, int ret)
{
	int e = ret < 0 ? errno : 0;

	count(k);
	if (e >= 0 && e < MAX_ERRNO)
		atomic_fetch_add(&sh->errnos[k][e], 1);
	if (e && !errno_documented(k, e)) {
		if (atomic_fetch_add(&sh->unexpected, 1) < 10)
			fprintf(stderr, "vmfuzz: %s: undocumented errno %d (%s)\n",
				kind_name[k], e, strerror(e));
	}
}

/* ---- structure-aware field generators ---------------------------------- */

static struct range *pick_range(struct worker *w)
{
	return w->nranges ? &w->ranges[below(w, w->nranges)] : NULL;
}

static struct range pick_posted(struct worker *w)
{
	unsigned int i = below(w, MAX_POSTED);
	struct range r = {
		atomic_load(&sh->posted[i].addr),
		atomic_load(&sh->posted[i].len),
	};
	return r;
}

static __u64 gen_len(struct worker *w)
{
	switch (below(w, 10)) {
	case 0:
		return 0;
	case 1:
		return 1 + below(w, 3 * PG);
	case 2:
		return (1ULL << (30 + below(w, 34))) & ~(PG - 1);
	case 3:
		return ~0ULL - below(w, 2) * (PG - 1);
	default:
		return (1 + below(w, 8)) * PG;
	}
}

/* An address and a length that often hit something. */
static void gen_span(struct worker *w, __u64 *addr, __u64 *len)
{
	struct range *r = pick_range(w);
	struct range p;
	__u64 off;

	switch (below(w, 10)) {
	case 0: case 1: case 2: case 3:
		if (r) {
			off = below(w, r->len / PG) * PG;
			*addr = r->addr + off;
			*len = chance(w, 50) ? r->len - off :
			       (1 + below(w, r->len / PG)) * PG;
			if (chance(w, 15))	/* straddle into the neighbour */
				*len += PG * (1 + below(w, 4));
			return;
		}
		break;
	case 4: case 5:
		p = pick_posted(w);
		if (p.len) {
			off = below(w, p.len / PG) * PG;
			*addr = p.addr + off;
			*len = chance(w, 70) ? p.len - off : gen_len(w);
			return;
		}
		break;
	case 6:
		*addr = win_base + below(w, win_size / PG) * PG;
		*len = gen_len(w);
		return;
	case 7:
		*addr = chance(w, 50) ? win_base - PG : win_base + win_size - PG;
		*len = (1 + below(w, 2)) * PG;
		return;
	case 8:
		*addr = rnd(w);
		*len = rnd(w);
		return;
	}
	*addr = win_base + below(w, 1024) * PG;
	*len = gen_len(w);
}

static __u32 gen_rights(struct worker *w)
{
	static const __u32 valid[] = { 1, 3, 5, 7 };

	if (chance(w, 80))
		return valid[below(w, 4)];
	return (__u32)rnd(w) & (chance(w, 50) ? 7 : ~0u);
}

static __u32 gen_flags(struct worker *w, __u32 known)
{
	if (chance(w, 85))
		return chance(w, 30) ? known : 0;
	return (__u32)rnd(w);
}

static int gen_pidfd(struct worker *w)
{
	switch (below(w, 8)) {
	case 0:
		return -1;
	case 1:
		return w->fd;			/* not a pidfd */
	case 2:
		return 1000 + below(w, 10);	/* not open */
	default:
		return w->pidfds[below(w, MAX_PIDFDS)];
	}
}

/*
 * Where the argument goes: usually a good buffer, sometimes a bad pointer
 * or a struct straddling the end of readable memory.
 */
static void *gen_argptr(struct worker *w, size_t size, __u32 *sizefield)
{
	unsigned char *end = w->argbuf + PG;

	*sizefield = (__u32)size;
	if (chance(w, 8)) {
		switch (below(w, 5)) {
		case 0:
			*sizefield = 0;
			break;
		case 1:
			*sizefield = (__u32)size - 8;
			break;
		case 2:
			*sizefield = (__u32)size + 8;
			break;
		case 3:
			*sizefield = PG;
			break;
		default:
			*sizefield = (__u32)rnd(w);
			break;
		}
	}
	if (chance(w, 5)) {
		switch (below(w, 4)) {
		case 0:
			return NULL;
		case 1:
			return (void *)0xffff888000000000ULL;
		case 2:
			return w->nonepage;
		default:
			return end - size / 2;	/* crosses into PROT_NONE */
		}
	}
	/* Room after the struct for a larger @size, zero or not. */
	memset(end - 2 * ARG_ROOM, 0, 2 * ARG_ROOM);
	if (*sizefield > size && *sizefield <= ARG_ROOM && chance(w, 50))
		(end - ARG_ROOM)[size] = 1;
	return end - ARG_ROOM;
}

/* ---- the actions -------------------------------------------------------- */

static void post_range(struct worker *w, __u64 addr, __u64 len)
{
	unsigned int i = below(w, MAX_POSTED);

	atomic_store(&sh->posted[i].len, 0);
	atomic_store(&sh->posted[i].addr, addr);
	atomic_store(&sh->posted[i].len, len);
}

/*
 * Put a struct at a generated pointer and run the ioctl.  Returns 0 only
 * when it succeeded on the good buffer, with the struct read back to @arg.
 */
static int issue(struct worker *w, enum kind k, unsigned long cmd,
		 void *arg, size_t size, __u32 *sizefield)
{
	void *p = gen_argptr(w, size, sizefield);
	unsigned char *good = w->argbuf + PG - ARG_ROOM;
	int ret;

	if (p == good)
		memcpy(p, arg, size);
	else if (p == w->argbuf + PG - size / 2)
		memcpy(p, arg, size / 2);
	ret = ioctl(w->fd, cmd, p);
	record(k, ret);
	if (ret || p != good)
		return -1;
	memcpy(arg, p, size);
	return 0;
}

static void do_alloc(struct worker *w)
{
	struct flatvm_alloc a = { 0 };

	a.flags = gen_flags(w, FLATVM_ALLOC_LAZY);
	a.len = chance(w, 85) ? (1 + below(w, 16)) * PG : gen_len(w);
	a.align = chance(w, 80) ? 0 : (chance(w, 80) ? PG << below(w, 8) :
				      rnd(w));
	a.rights = gen_rights(w);
	a.pad = chance(w, 97) ? 0 : 1;
	if (issue(w, K_ALLOC, FLATVM_IOC_ALLOC, &a, sizeof(a), &a.size))
		return;
	if (w->nranges < MAX_RANGES)
		w->ranges[w->nranges++] = (struct range){ a.addr, a.len };
	else
		w->ranges[below(w, MAX_RANGES)] = (struct range){ a.addr, a.len };
	post_range(w, a.addr, a.len);
}

static void do_grant(struct worker *w)
{
	struct flatvm_grant g = { 0 };

	g.flags = gen_flags(w, 0);
	g.pidfd = gen_pidfd(w);
	g.rights = gen_rights(w);
	gen_span(w, &g.addr, &g.len);
	issue(w, K_GRANT, FLATVM_IOC_GRANT, &g, sizeof(g), &g.size);
}

static void do_attach(struct worker *w)
{
	struct flatvm_attach a = { 0 };

	a.flags = gen_flags(w, 0);
	gen_span(w, &a.addr, &a.len);
	a.rights = gen_rights(w);
	a.pad = chance(w, 97) ? 0 : 1;
	issue(w, K_ATTACH, FLATVM_IOC_ATTACH, &a, sizeof(a), &a.size);
}

static void do_release(struct worker *w)
{
	struct flatvm_release r = { 0 };

	r.flags = gen_flags(w, 0);
	gen_span(w, &r.addr, &r.len);
	issue(w, K_RELEASE, FLATVM_IOC_RELEASE, &r, sizeof(r), &r.size);
}

static void do_revoke(struct worker *w)
{
	struct flatvm_revoke r = { 0 };

	r.flags = gen_flags(w, 0);
	r.pidfd = gen_pidfd(w);
	r.pad = chance(w, 97) ? 0 : 1;
	gen_span(w, &r.addr, &r.len);
	issue(w, K_REVOKE, FLATVM_IOC_REVOKE, &r, sizeof(r), &r.size);
}

static void do_query(struct worker *w)
{
	struct flatvm_query q = { 0 };
	__u64 len;

	q.flags = gen_flags(w, 0);
	gen_span(w, &q.addr, &len);
	if (chance(w, 20))
		q.addr += below(w, PG);
	issue(w, K_QUERY, FLATVM_IOC_QUERY, &q, sizeof(q), &q.size);
}

static void do_stats(struct worker *w)
{
	struct flatvm_stats s = { 0 };

	s.flags = gen_flags(w, 0);
	issue(w, K_STATS, FLATVM_IOC_STATS, &s, sizeof(s), &s.size);
}

static void do_badcmd(struct worker *w)
{
	unsigned long cmd;
	void *p = w->argbuf + PG - 128;

	switch (below(w, 3)) {
	case 0:		/* our type, unknown number */
		cmd = _IOWR(FLATVM_IOC_MAGIC, 7 + below(w, 249),
			    struct flatvm_stats);
		break;
	case 1:		/* a known number with the wrong size or direction */
		cmd = _IOC(below(w, 4), FLATVM_IOC_MAGIC, below(w, 7),
			   below(w, 256));
		if (cmd == FLATVM_IOC_ALLOC || cmd == FLATVM_IOC_GRANT ||
		    cmd == FLATVM_IOC_ATTACH || cmd == FLATVM_IOC_RELEASE ||
		    cmd == FLATVM_IOC_REVOKE || cmd == FLATVM_IOC_QUERY ||
		    cmd == FLATVM_IOC_STATS)
			cmd ^= 1UL << 16;
		break;
	default:
		cmd = (unsigned long)rnd(w);
		if (_IOC_TYPE(cmd) == FLATVM_IOC_MAGIC)
			cmd ^= 1UL << 8;
		break;
	}
	memset(p, 0, 128);
	record(K_BADCMD, ioctl(w->fd, cmd, p));
}

static void touch_handler(int sig)
{
	if (touch_armed)
		siglongjmp(touch_env, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void do_touch(struct worker *w)
{
	__u64 addr, len;
	volatile unsigned char *p;

	gen_span(w, &addr, &len);
	if (addr < win_base || addr >= win_base + win_size)
		addr = win_base + below(w, win_size / PG) * PG;
	p = (volatile unsigned char *)(uintptr_t)(addr + below(w, PG));
	count(K_TOUCH);
	if (sigsetjmp(touch_env, 1) == 0) {
		touch_armed = 1;
		if (chance(w, 50))
			*p = (unsigned char)rnd(w);
		else
			(void)*p;
	}
	touch_armed = 0;
}

/* Window-only memory calls: never near the program's own mappings. */
static void window_span(struct worker *w, __u64 *addr, __u64 *len)
{
	gen_span(w, addr, len);
	*addr &= ~(PG - 1);
	if (*addr < win_base || *addr >= win_base + win_size)
		*addr = win_base + below(w, win_size / PG) * PG;
	if (!*len || *len > 64 * PG)
		*len = (1 + below(w, 16)) * PG;
	*len = (*len + PG - 1) & ~(PG - 1);
	if (*addr + *len > win_base + win_size)
		*len = win_base + win_size - *addr;
}

static void do_mm(struct worker *w, enum kind k)
{
	static const int advice[] = {
		MADV_DOFORK, MADV_DONTFORK, MADV_DONTNEED, MADV_WILLNEED,
		MADV_DOFORK,
	};
	__u64 addr, len, to;
	void *r;
	int ret = 0;

	window_span(w, &addr, &len);
	switch (k) {
	case K_MUNMAP:
		ret = munmap((void *)(uintptr_t)addr, len);
		break;
	case K_MPROTECT:
		ret = mprotect((void *)(uintptr_t)addr, len,
			       (int)below(w, 8));
		break;
	case K_MREMAP:
		to = win_base + below(w, win_size / PG) * PG;
		if (chance(w, 50))
			r = mremap((void *)(uintptr_t)addr, len,
				   len + below(w, 3) * PG, below(w, 2));
		else
			r = mremap((void *)(uintptr_t)addr, len, len,
				   MREMAP_MAYMOVE | MREMAP_FIXED,
				   (void *)(uintptr_t)to);
		ret = r == MAP_FAILED ? -1 : 0;
		break;
	default:
		ret = madvise((void *)(uintptr_t)addr, len,
			      advice[below(w, 5)]);
		break;
	}
	(void)ret;
	count(k);
}

/* ---- the process tree (see the top of the file) ----------------------- */

/* SIGTERM held off around a step of the count, so a kill cannot split it. */
static void hold_kills(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, old);
}

static void allow_kills(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}

/* A place for one more process, or 0 at the cap.  Call with kills held. */
static int reserve_process(void)
{
	int n = atomic_load(&sh->live), peak;

	do {
		if (n >= cap) {
			atomic_fetch_add(&sh->fork_refused, 1);
			return 0;
		}
	} while (!atomic_compare_exchange_weak(&sh->live, &n, n + 1));
	atomic_fetch_add(&sh->reserved, 1);
	peak = atomic_load(&sh->live_peak);
	while (peak < n + 1 &&
	       !atomic_compare_exchange_weak(&sh->live_peak, &peak, n + 1))
		;
	return 1;
}

/* A reaped process gives its place back.  Call with kills held. */
static void release_process(void)
{
	atomic_fetch_sub(&sh->live, 1);
}

/*
 * Reap the child in @slot if it has ended (or, with @block, once it has):
 * the wait itself is killable, the reap and the count are not split.
 */
static void reap_child(struct worker *w, int slot, int block)
{
	pid_t pid = w->children[slot];
	siginfo_t si;
	sigset_t old;

	if (pid <= 0)
		return;
	memset(&si, 0, sizeof(si));
	while (waitid(P_PID, pid, &si,
		      WEXITED | WNOWAIT | (block ? 0 : WNOHANG)) < 0) {
		if (errno != EINTR) {	/* not ours: never happens */
			w->children[slot] = 0;
			return;
		}
	}
	if (si.si_pid != pid)
		return;
	hold_kills(&old);
	if (waitpid(pid, NULL, WNOHANG) == pid) {
		release_process();
		w->children[slot] = 0;
	}
	allow_kills(&old);
}

static void reap(struct worker *w, int block)
{
	int i;

	for (i = 0; i < MAX_CHILDREN; i++)
		reap_child(w, i, block);
}

static void kill_child(struct worker *w, int slot)
{
	if (w->children[slot] <= 0)
		return;
	kill(w->children[slot], SIGTERM);
	reap_child(w, slot, 1);
}

/* How every fuzzer process ends: its children killed and reaped first. */
static void end_children(struct worker *w)
{
	int i;

	for (i = 0; i < MAX_CHILDREN; i++)
		kill_child(w, i);
}

static void do_pidfd(struct worker *w)
{
	int slot = below(w, MAX_PIDFDS), pid;

	if (chance(w, 50)) {
		pid = atomic_load(&sh->pids[below(w, nworkers)]);
	} else {
		pid = w->children[below(w, MAX_CHILDREN)];
		if (pid <= 0)
			pid = getpid();
	}
	/* Old pidfds stay open now and then: they go stale. */
	if (w->pidfds[slot] >= 0 && chance(w, 70))
		close(w->pidfds[slot]);
	w->pidfds[slot] = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	count(K_PIDFD);
}

static void fuzz_loop(struct worker *w, unsigned long limit);

static void do_fork(struct worker *w)
{
	int slot = below(w, MAX_CHILDREN);
	pid_t parent = getpid(), pid;
	sigset_t old;

	reap(w, 0);
	if (w->children[slot] > 0) {
		kill_child(w, slot);
		count(K_KILL);
	}
	count(K_FORK);
	hold_kills(&old);
	if (!reserve_process()) {
		allow_kills(&old);
		return;
	}
	pid = fork();
	if (pid == 0) {
		int i;

		/* Dies with its parent; if that already happened, go now. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(0);
		allow_kills(&old);
		for (i = 0; i < MAX_CHILDREN; i++)
			w->children[i] = 0;
		w->rng ^= (__u64)getpid() << 32;
		if (chance(w, 30)) {	/* its own descriptor, its own domain */
			close(w->fd);
			w->fd = open(FLATVM_DEVICE, O_RDWR);
		}
		fuzz_loop(w, 20 + below(w, 100));
		end_children(w);
		_exit(0);
	}
	if (pid > 0) {
		w->children[slot] = pid;
	} else {
		release_process();
		atomic_fetch_add(&sh->fork_failed, 1);
	}
	allow_kills(&old);
}

static void do_kill(struct worker *w)
{
	kill_child(w, below(w, MAX_CHILDREN));
	count(K_KILL);
}

static void do_reopen(struct worker *w)
{
	close(w->fd);
	w->fd = open(FLATVM_DEVICE, chance(w, 90) ? O_RDWR : O_RDONLY);
	if (chance(w, 50))
		w->nranges = 0;
	count(K_REOPEN);
}

static void fuzz_loop(struct worker *w, unsigned long limit)
{
	unsigned long n;

	for (n = 0; n < limit && !time_up(); n++) {
		switch (below(w, 40)) {
		case 0 ... 5:
			do_alloc(w);
			break;
		case 6 ... 10:
			do_grant(w);
			break;
		case 11 ... 15:
			do_attach(w);
			break;
		case 16 ... 20:
			do_release(w);
			break;
		case 21 ... 22:
			do_revoke(w);
			break;
		case 23 ... 24:
			do_query(w);
			break;
		case 25:
			do_stats(w);
			break;
		case 26:
			do_badcmd(w);
			break;
		case 27:
			do_fork(w);
			break;
		case 28:
			do_kill(w);
			break;
		case 29:
			do_mm(w, K_MUNMAP);
			break;
		case 30:
			do_mm(w, K_MPROTECT);
			break;
		case 31:
			do_mm(w, K_MREMAP);
			break;
		case 32:
			do_mm(w, K_MADVISE);
			break;
		case 33 ... 35:
			do_touch(w);
			break;
		case 36:
			do_reopen(w);
			break;
		default:
			do_pidfd(w);
			break;
		}
	}
}

static int worker_main(int idx, __u64 seed)
{
	struct worker w = { 0 };
	struct sigaction sa = { 0 };
	int i;

	w.rng = seed * 0x9e3779b97f4a7c15ULL + idx + 1;
	w.fd = open(FLATVM_DEVICE, O_RDWR);
	if (w.fd < 0) {
		perror("vmfuzz: open " FLATVM_DEVICE);
		return 1;
	}
	for (i = 0; i < MAX_PIDFDS; i++)
		w.pidfds[i] = -1;
	w.argbuf = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (w.argbuf == MAP_FAILED)
		return 1;
	mprotect(w.argbuf + PG, 2 * PG, PROT_NONE);
	w.nonepage = w.argbuf + 2 * PG;
	sa.sa_handler = touch_handler;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);

	fuzz_loop(&w, ~0UL);
	end_children(&w);
	return 0;
}

static int stats(int fd, struct flatvm_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	return ioctl(fd, FLATVM_IOC_STATS, s);
}

static int check(int ok, const char *what, int *passed, int *failed)
{
	printf("vmfuzz: %s: %s\n", ok ? "ok" : "FAILED", what);
	if (ok)
		(*passed)++;
	else
		(*failed)++;
	return ok;
}

/* ---- main: the tree's subreaper and census ----------------------------- */

struct tree {
	pid_t pgid;			/* the process group of every fuzzer */
	pid_t pids[MAX_WORKERS];
	int status[MAX_WORKERS];	/* -1 until reaped */
	int running;			/* workers not yet reaped */
	int census_peak;
	unsigned long samples;
	unsigned long unaccounted;	/* samples above the count */
	double census_s;		/* time spent counting */
	double next_census;
	double start, next_progress;
};

static volatile sig_atomic_t stop_signal;

static void stop_handler(int sig)
{
	stop_signal = sig;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The members of process group @pgid, zombies included: the pids listed
 * in /proc, each asked for its group (getpgid() is far cheaper than
 * reading /proc/<pid>/stat, which cost ~10 ms a process in the debug
 * kernel under TCG).
 */
static int census(pid_t pgid)
{
	struct dirent *de;
	int n = 0;
	char *end;
	long pid;
	DIR *d;

	d = opendir("/proc");
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		pid = strtol(de->d_name, &end, 10);
		if (pid > 0 && !*end && getpgid(pid) == pgid)
			n++;
	}
	closedir(d);
	return n;
}

/*
 * Count the group and compare with the cap and with sh->live: every
 * process alive during the scan was counted at its start or was given a
 * place during it (reaped ones are gone from /proc before their place is
 * given back).
 */
static void sample(struct tree *t)
{
	double t0 = now_s(), took;
	unsigned long r0, r1;
	long counted;
	int n;

	r0 = atomic_load(&sh->reserved);
	counted = atomic_load(&sh->live);
	n = census(t->pgid);
	r1 = atomic_load(&sh->reserved);
	counted += (long)(r1 - r0);
	/* A count took 135 ms in the debug kernel on a loaded host. */
	took = now_s() - t0;
	t->next_census = t0 + (took * CENSUS_SHARE > CENSUS_PERIOD ?
			       took * CENSUS_SHARE : CENSUS_PERIOD);
	if (n < 0)
		return;
	t->samples++;
	t->census_s += took;
	if (n > cap && n > t->census_peak)
		printf("vmfuzz: %d processes in the group, above the cap %d\n",
		       n, cap);
	if (n > t->census_peak)
		t->census_peak = n;
	if (n > counted && t->unaccounted++ < 5)
		printf("vmfuzz: %d processes in the group, only %ld counted\n",
		       n, counted);
}

/* A line a minute, so that a long run shows how it goes. */
static void progress(struct tree *t)
{
	double now = now_s();

	printf("vmfuzz: %.0f s: %lu calls, %d live processes (peak %d counted, %d seen), %lu forks refused at the cap\n",
	       now - t->start, atomic_load(&sh->total),
	       atomic_load(&sh->live), atomic_load(&sh->live_peak),
	       t->census_peak, atomic_load(&sh->fork_refused));
	t->next_progress = now + PROGRESS_PERIOD;
}

/*
 * Reap whatever comes (workers and orphans), counting the group now and
 * then, until the workers have ended (or, with @all, until no child is
 * left), or until @until or, if @interruptible, a signal.  1 when done.
 */
static int wait_tree(struct tree *t, double until, int all, int interruptible)
{
	const struct timespec nap = { 0, 20000000L };
	int status, i;
	pid_t pid;

	for (;;) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid > 0) {
			release_process();
			for (i = 0; i < nworkers; i++) {
				if (t->pids[i] == pid) {
					t->status[i] = status;
					t->running--;
				}
			}
			continue;
		}
		if (pid < 0 && errno == ECHILD)
			return 1;
		if (!all && !t->running)
			return 1;
		if (now_s() >= until || (interruptible && stop_signal))
			return 0;
		if (now_s() >= t->next_census)
			sample(t);
		if (now_s() >= t->next_progress)
			progress(t);
		nanosleep(&nap, NULL);
	}
}

/* Kill the whole group and reap it; 1 when nothing of the tree is left. */
static int teardown(struct tree *t)
{
	if (kill(-t->pgid, SIGTERM) == 0 &&
	    !wait_tree(t, now_s() + TERM_GRACE, 1, 0)) {
		printf("vmfuzz: processes left %d s after SIGTERM: SIGKILL\n",
		       TERM_GRACE);
		kill(-t->pgid, SIGKILL);
		wait_tree(t, now_s() + 3 * TERM_GRACE, 1, 0);
	}
	if (waitpid(-1, NULL, WNOHANG) != -1 || errno != ECHILD)
		return 0;
	return kill(-t->pgid, 0) < 0 && errno == ESRCH;
}

int main(int argc, char **argv)
{
	unsigned long seconds = 120, seed = 1, total, forked;
	struct tree t = { 0 };
	struct sigaction sa = { 0 };
	struct flatvm_stats s;
	int passed = 0, failed = 0, clean = 1, opt, fd, i, k, e, left;
	pid_t self = getpid(), pid;
	double elapsed;
	char what[160];

	while ((opt = getopt(argc, argv, "t:s:n:p:c:")) != -1) {
		switch (opt) {
		case 't':
			seconds = strtoul(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			max_calls = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			nworkers = atoi(optarg);
			if (nworkers < 1 || nworkers > MAX_WORKERS)
				nworkers = 4;
			break;
		case 'c':
			cap = atoi(optarg);
			break;
		default:
			fprintf(stderr,
				"usage: vmfuzz [-t seconds] [-s seed] [-n calls] [-p procs] [-c max live processes]\n");
			return 2;
		}
	}
	if (cap <= nworkers) {
		fprintf(stderr, "vmfuzz: -c must exceed the %d workers\n",
			nworkers);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = open(FLATVM_DEVICE, O_RDWR);
	if (fd < 0 || stats(fd, &s)) {
		perror("vmfuzz: " FLATVM_DEVICE);
		return 1;
	}
	win_base = s.window_base;
	win_size = s.window_size;
	close(fd);

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	/* Orphans of the tree come to us, and we reap them. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1)) {
		perror("vmfuzz: PR_SET_CHILD_SUBREAPER");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += seconds;
	printf("vmfuzz: seed %lu, %d processes, %lu s, at most %lu calls, at most %d live processes\n",
	       seed, nworkers, seconds, max_calls, cap);

	t.start = now_s();
	t.next_progress = t.start + PROGRESS_PERIOD;
	for (i = 0; i < nworkers; i++) {
		t.status[i] = -1;
		reserve_process();
		pid = fork();
		if (pid == 0) {
			sigset_t none;

			/* SIGTERM is the tree's kill: default and unblocked. */
			signal(SIGTERM, SIG_DFL);
			sigemptyset(&none);
			sigprocmask(SIG_SETMASK, &none, NULL);
			setpgid(0, i ? t.pgid : 0);
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			if (getppid() != self)
				_exit(1);
			_exit(worker_main(i, seed));
		}
		if (pid < 0) {
			perror("vmfuzz: fork");
			release_process();
			if (!i)
				return 1;
			nworkers = i;
			clean = 0;
			break;
		}
		setpgid(pid, i ? t.pgid : pid);
		if (!i)
			t.pgid = pid;
		t.pids[i] = pid;
		t.running++;
		atomic_store(&sh->pids[i], pid);
	}
	sa.sa_handler = stop_handler;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	if (!wait_tree(&t, deadline.tv_sec + deadline.tv_nsec / 1e9 +
		       WORKER_GRACE, 0, 1)) {
		if (stop_signal)
			printf("vmfuzz: signal %d: ending the run\n",
			       (int)stop_signal);
		else
			printf("vmfuzz: workers still running %d s after the deadline\n",
			       WORKER_GRACE);
		clean = 0;
	}
	elapsed = now_s() - t.start;
	left = !teardown(&t);
	for (i = 0; i < nworkers; i++) {
		if (t.status[i] == -1 || !WIFEXITED(t.status[i]) ||
		    WEXITSTATUS(t.status[i])) {
			printf("vmfuzz: worker %d ended with status 0x%x\n", i,
			       t.status[i]);
			clean = 0;
		}
	}

	total = atomic_load(&sh->total);
	printf("vmfuzz: %lu calls:", total);
	for (k = 0; k < K_NKINDS; k++)
		printf(" %s=%lu", kind_name[k], atomic_load(&sh->calls[k]));
	printf("\n");
	printf("vmfuzz: %lu calls in %.1f s: %.0f calls/s\n", total, elapsed,
	       elapsed > 0 ? total / elapsed : 0.0);
	forked = atomic_load(&sh->reserved) - atomic_load(&sh->fork_failed) -
		 nworkers;
	printf("vmfuzz: processes: cap %d, peak %d counted, %d seen in /proc (%lu counts, %.1f ms each); %lu children forked, %lu forks refused at the cap, %lu failed\n",
	       cap, atomic_load(&sh->live_peak), t.census_peak, t.samples,
	       t.samples ? 1e3 * t.census_s / t.samples : 0.0, forked,
	       atomic_load(&sh->fork_refused), atomic_load(&sh->fork_failed));
	for (k = 0; k < K_NKINDS; k++) {
		int any = 0;

		for (e = 0; e < MAX_ERRNO; e++) {
			unsigned long n = atomic_load(&sh->errnos[k][e]);

			if (!n)
				continue;
			if (!any)
				printf("vmfuzz:   %-8s", kind_name[k]);
			any = 1;
			printf(" %s=%lu", e ? strerrorname_np(e) : "ok", n);
		}
		if (any)
			printf("\n");
	}

	check(clean, "every worker ended normally", &passed, &failed);
	check(atomic_load(&sh->unexpected) == 0,
	      "every errno documented for its ioctl", &passed, &failed);
	check(total > 0, "calls were made", &passed, &failed);
	snprintf(what, sizeof(what),
		 "at most %d live fuzzer processes (peak %d counted, %d seen in /proc)",
		 cap, atomic_load(&sh->live_peak), t.census_peak);
	check(t.samples > 0 && t.census_peak <= cap &&
	      atomic_load(&sh->live_peak) <= cap, what, &passed, &failed);
	snprintf(what, sizeof(what),
		 "every live fuzzer process counted (%lu of %lu counts short)",
		 t.unaccounted, t.samples);
	check(t.unaccounted == 0, what, &passed, &failed);
	snprintf(what, sizeof(what),
		 "no fuzzer process left after the run (%d still counted)",
		 atomic_load(&sh->live));
	check(!left && atomic_load(&sh->live) == 0, what, &passed, &failed);

	/* Process teardown may finish after wait(): poll for a while. */
	fd = open(FLATVM_DEVICE, O_RDWR);
	for (i = 0; i < 100; i++) {
		if (fd >= 0 && !stats(fd, &s) && !s.ranges && !s.pages &&
		    !s.holders && !s.extents && s.free_bytes == s.window_size)
			break;
		usleep(100000);
	}
	printf("vmfuzz: after exit: ranges=%llu extents=%llu holders=%llu pages=%llu processes=%llu free=%llu/%llu\n",
	       (unsigned long long)s.ranges, (unsigned long long)s.extents,
	       (unsigned long long)s.holders, (unsigned long long)s.pages,
	       (unsigned long long)s.processes,
	       (unsigned long long)s.free_bytes,
	       (unsigned long long)s.window_size);
	check(fd >= 0 && !s.ranges && !s.pages && !s.holders &&
	      s.free_bytes == s.window_size, "STATS back to zero", &passed,
	      &failed);
	if (fd >= 0)
		close(fd);
	printf("vmfuzz: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
