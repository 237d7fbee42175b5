// SPDX-License-Identifier: GPL-2.0
/*
 * A fake /dev/flatvm for the host tests (see fake_dev.h for what it
 * simulates and what not).  One shared, process-shared-mutex-protected
 * state; ranges kept in an unsorted table, placed first fit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/flatvm.h>

#include "fake_dev.h"

#define FAKE_PAGE	4096ull
#define FAKE_MAXR	1024
#define FAKE_MAXH	16
#define FAKE_NCMD	8	/* ioctl numbers 0x00-0x07 */
#define FAKE_MAXP	64	/* processes with an ACCEPT setting */
#define FAKE_ARGMAX	128

struct fake_hold {
	int pid;
	uint32_t rights;
	int mapped;
};

struct fake_range {
	uint64_t id, start, len;
	int nholds;
	struct fake_hold h[FAKE_MAXH];
};

struct fake_state {
	pthread_mutex_t lock;
	uint64_t next_id;
	int nranges;
	struct fake_range r[FAKE_MAXR];
	unsigned long fail_cmd;
	unsigned int fail_skip;
	int fail_err;
	int npids;
	struct { int pid; uint32_t from; } accept[FAKE_MAXP];
	unsigned long calls[FAKE_NCMD];
	unsigned char last[FAKE_NCMD][FAKE_ARGMAX];
};

static struct fake_state *fs;
static char fake_path[64];
static dev_t fake_node_dev;
static ino_t fake_node_ino;
static int fake_memfd = -1;
static uintptr_t fake_base;

const char *fake_dev_path(void)
{
	return fake_path;
}

uintptr_t fake_dev_base(void)
{
	return fake_base;
}

/* A fork child inherits no mapping of the window (VM_DONTCOPY). */
static void fake_atfork_child(void)
{
	mprotect((void *)fake_base, FAKE_WINDOW, PROT_NONE);
}

int fake_dev_init(void)
{
	return fake_dev_init_at(0);
}

int fake_dev_init_at(uintptr_t base)
{
	pthread_mutexattr_t ma;
	struct stat st;
	void *res;
	uintptr_t aligned;
	int fd;

	snprintf(fake_path, sizeof(fake_path), "/tmp/fake-flatvm.XXXXXX");
	fd = mkstemp(fake_path);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		close(fd);
		return -errno;
	}
	close(fd);
	fake_node_dev = st.st_dev;
	fake_node_ino = st.st_ino;

	fs = mmap(NULL, sizeof(*fs), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fs == MAP_FAILED)
		return -errno;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&fs->lock, &ma);
	pthread_mutexattr_destroy(&ma);
	fs->next_id = 1;

	fake_memfd = memfd_create("fake-flatvm-window", MFD_CLOEXEC);
	if (fake_memfd < 0 || ftruncate(fake_memfd, (off_t)FAKE_WINDOW))
		return -errno;
	res = MAP_FAILED;
	if (base)
		res = mmap((void *)base, FAKE_WINDOW + (1ull << 30), PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
			   MAP_FIXED_NOREPLACE, -1, 0);
	if (res == MAP_FAILED)
		res = mmap(NULL, FAKE_WINDOW + (1ull << 30), PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		return -errno;
	aligned = ((uintptr_t)res + (1ull << 30) - 1) & ~((1ull << 30) - 1);
	if (mmap((void *)aligned, FAKE_WINDOW, PROT_NONE,
		 MAP_SHARED | MAP_FIXED, fake_memfd, 0) == MAP_FAILED)
		return -errno;
	if (aligned > (uintptr_t)res)
		munmap(res, aligned - (uintptr_t)res);
	munmap((void *)(aligned + FAKE_WINDOW),
	       (uintptr_t)res + (1ull << 30) - aligned);
	fake_base = aligned;
	pthread_atfork(NULL, NULL, fake_atfork_child);
	return 0;
}

void fake_dev_exit(void)
{
	unlink(fake_path);
	munmap((void *)fake_base, FAKE_WINDOW);
	close(fake_memfd);
	munmap(fs, sizeof(*fs));
}

static unsigned int fake_nr(unsigned long cmd)
{
	return (unsigned int)(cmd & 0xff) % FAKE_NCMD;
}

void fake_dev_fail_after(unsigned long cmd, unsigned int n, int err)
{
	pthread_mutex_lock(&fs->lock);
	fs->fail_cmd = cmd;
	fs->fail_skip = n;
	fs->fail_err = err;
	pthread_mutex_unlock(&fs->lock);
}

void fake_dev_fail_next(unsigned long cmd, int err)
{
	fake_dev_fail_after(cmd, 0, err);
}

void fake_dev_last_arg(unsigned long cmd, void *buf, size_t len)
{
	pthread_mutex_lock(&fs->lock);
	memcpy(buf, fs->last[fake_nr(cmd)], len < FAKE_ARGMAX ? len : FAKE_ARGMAX);
	pthread_mutex_unlock(&fs->lock);
}

unsigned long fake_dev_calls(unsigned long cmd)
{
	unsigned long n;

	pthread_mutex_lock(&fs->lock);
	n = fs->calls[fake_nr(cmd)];
	pthread_mutex_unlock(&fs->lock);
	return n;
}

unsigned int fake_dev_nranges(void)
{
	unsigned int n;

	pthread_mutex_lock(&fs->lock);
	n = (unsigned int)fs->nranges;
	pthread_mutex_unlock(&fs->lock);
	return n;
}

unsigned int fake_dev_nholds(void)
{
	unsigned int n = 0;
	int i;

	pthread_mutex_lock(&fs->lock);
	for (i = 0; i < fs->nranges; i++)
		n += (unsigned int)fs->r[i].nholds;
	pthread_mutex_unlock(&fs->lock);
	return n;
}

/* The fake's answers.  Context: fs->lock.  Return 0 or -errno. */

static int fake_prot(uint32_t rights)
{
	return (rights & FLATVM_RIGHT_READ ? PROT_READ : 0) |
	       (rights & FLATVM_RIGHT_WRITE ? PROT_WRITE : 0) |
	       (rights & FLATVM_RIGHT_EXEC ? PROT_EXEC : 0);
}

static int fake_rights_ok(uint32_t rights)
{
	return (rights & FLATVM_RIGHT_READ) && !(rights & ~FLATVM_RIGHTS_ALL);
}

static int fake_span_ok(uint64_t addr, uint64_t len)
{
	return len && !(addr % FAKE_PAGE) && !(len % FAKE_PAGE) &&
	       addr >= fake_base && addr - fake_base < FAKE_WINDOW &&
	       len <= FAKE_WINDOW - (addr - fake_base);
}

static struct fake_range *fake_find(uint64_t addr)
{
	int i;

	for (i = 0; i < fs->nranges; i++)
		if (addr >= fs->r[i].start && addr - fs->r[i].start < fs->r[i].len)
			return &fs->r[i];
	return NULL;
}

/* The whole range the span names, or NULL (the fake's limitation). */
static struct fake_range *fake_whole(uint64_t addr, uint64_t len)
{
	struct fake_range *r = fake_find(addr);

	return r && r->start == addr && r->len == len ? r : NULL;
}

static struct fake_hold *fake_hold_of(struct fake_range *r, int pid)
{
	int i;

	for (i = 0; i < r->nholds; i++)
		if (r->h[i].pid == pid)
			return &r->h[i];
	return NULL;
}

/*
 * The module maps a page its process holds on the first touch (once the
 * window is mapped): here a SIGSEGV in the window on a range the process
 * holds but has not attached attaches it with the rights held, and the
 * access is retried.  Any other SIGSEGV kills as before.  The handler
 * takes fs->lock, which no fake code holds while touching the window.
 */
static void fake_segv(int sig, siginfo_t *si, void *uc)
{
	uint64_t a = (uintptr_t)si->si_addr;
	struct fake_range *r;
	struct fake_hold *h;
	int mapped = 0;

	(void)uc;
	if (a >= fake_base && a - fake_base < FAKE_WINDOW) {
		pthread_mutex_lock(&fs->lock);
		r = fake_find(a);
		h = r ? fake_hold_of(r, getpid()) : NULL;
		if (h && !h->mapped &&
		    !mprotect((void *)r->start, r->len, fake_prot(h->rights)))
			mapped = h->mapped = 1;
		pthread_mutex_unlock(&fs->lock);
	}
	if (!mapped)
		signal(sig, SIG_DFL);
}

int fake_dev_fault_in(void)
{
	struct sigaction sa = { .sa_sigaction = fake_segv,
				.sa_flags = SA_SIGINFO | SA_NODEFER };

	return sigaction(SIGSEGV, &sa, NULL) ? -errno : 0;
}

static void fake_drop_hold(struct fake_range *r, struct fake_hold *h)
{
	*h = r->h[--r->nholds];
	if (r->nholds)
		return;
	/* Last holder: zero the pages, free the addresses. */
	fallocate(fake_memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		  (off_t)(r->start - fake_base), (off_t)r->len);
	*r = fs->r[--fs->nranges];
}

static int fake_pid_of(int pidfd)
{
	char path[64], line[128];
	int pid = 0, found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	f = fopen(path, "re");
	if (!f)
		return -EBADF;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Pid: %d", &pid) == 1)
			found = 1;
	fclose(f);
	if (!found)
		return -EBADF;
	return pid > 0 ? pid : -ESRCH;
}

static int fake_alloc(int fd, struct flatvm_alloc *a)
{
	uint64_t align, cand;
	struct fake_range *r;
	int i;

	if (a->flags & ~FLATVM_ALLOC_LAZY || a->pad || !fake_rights_ok(a->rights) ||
	    !a->len || a->len % FAKE_PAGE ||
	    (a->align && (a->align < FAKE_PAGE || a->align > (1ull << 30) ||
			  (a->align & (a->align - 1)))))
		return -EINVAL;
	if ((a->rights & FLATVM_RIGHT_WRITE) &&
	    (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY)
		return -EACCES;
	if (fs->nranges == FAKE_MAXR)
		return -ENOMEM;
	align = a->align ? a->align : FAKE_PAGE;
	/* First fit: the lowest aligned address clear of every range. */
	for (cand = fake_base; cand + a->len <= fake_base + FAKE_WINDOW;) {
		uint64_t bump = 0;

		for (i = 0; i < fs->nranges; i++) {
			r = &fs->r[i];
			if (cand < r->start + r->len && r->start < cand + a->len &&
			    r->start + r->len > bump)
				bump = r->start + r->len;
		}
		if (!bump)
			break;
		cand = (bump + align - 1) & ~(align - 1);
	}
	if (cand + a->len > fake_base + FAKE_WINDOW)
		return -ENOSPC;
	if (mprotect((void *)cand, a->len, fake_prot(a->rights)))
		return -ENOMEM;
	r = &fs->r[fs->nranges++];
	memset(r, 0, sizeof(*r));
	r->id = fs->next_id++;
	r->start = cand;
	r->len = a->len;
	r->nholds = 1;
	r->h[0] = (struct fake_hold){ getpid(), a->rights, 1 };
	a->addr = cand;
	return 0;
}

static int fake_grant(struct flatvm_grant *g)
{
	struct fake_range *r;
	struct fake_hold *mine;
	int pid;

	if (g->flags || !fake_rights_ok(g->rights) || !fake_span_ok(g->addr, g->len))
		return -EINVAL;
	pid = fake_pid_of(g->pidfd);
	if (pid < 0)
		return pid;
	if (pid == getpid())
		return -EINVAL;
	r = fake_find(g->addr);
	if (!r || !(mine = fake_hold_of(r, getpid())))
		return -ENOENT;
	if (!fake_whole(g->addr, g->len))
		return -EINVAL;
	if (g->rights & ~mine->rights)
		return -EACCES;
	if (fake_hold_of(r, pid))
		return -EEXIST;
	if (r->nholds == FAKE_MAXH)
		return -ENOMEM;
	r->h[r->nholds++] = (struct fake_hold){ pid, g->rights, 0 };
	return 0;
}

/* ACCEPT: remembered per process and answered; GRANT does not check it. */
static int fake_accept(struct flatvm_accept *c)
{
	int i, pid = getpid();

	if (c->flags || c->from > FLATVM_ACCEPT_ANY)
		return -EINVAL;
	for (i = 0; i < fs->npids && fs->accept[i].pid != pid; i++)
		;
	if (i == fs->npids) {
		if (i == FAKE_MAXP)
			return -ENOMEM;
		fs->accept[fs->npids++].pid = pid;
		fs->accept[i].from = FLATVM_ACCEPT_NONE;
	}
	c->previous = fs->accept[i].from;
	fs->accept[i].from = c->from;
	return 0;
}

static int fake_attach(struct flatvm_attach *t)
{
	struct fake_range *r;
	struct fake_hold *mine;

	if (t->flags || t->pad || !fake_rights_ok(t->rights) ||
	    !fake_span_ok(t->addr, t->len))
		return -EINVAL;
	r = fake_find(t->addr);
	mine = r ? fake_hold_of(r, getpid()) : NULL;
	if (!mine || (t->rights & ~mine->rights))
		return -EACCES;
	if (!fake_whole(t->addr, t->len))
		return -EINVAL;
	if (mprotect((void *)t->addr, t->len, fake_prot(t->rights)))
		return -ENOMEM;
	mine->mapped = 1;
	return 0;
}

static int fake_release(struct flatvm_release *rel)
{
	struct fake_range *r;
	struct fake_hold *mine;

	if (rel->flags || !fake_span_ok(rel->addr, rel->len))
		return -EINVAL;
	r = fake_find(rel->addr);
	mine = r ? fake_hold_of(r, getpid()) : NULL;
	if (!mine)
		return -ENOENT;
	if (!fake_whole(rel->addr, rel->len))
		return -EINVAL;
	mprotect((void *)r->start, r->len, PROT_NONE);
	fake_drop_hold(r, mine);
	return 0;
}

static int fake_revoke(struct flatvm_revoke *rv)
{
	struct fake_hold *mine, *theirs;
	struct fake_range *r;
	int pid;

	if (rv->flags || rv->pad || !fake_span_ok(rv->addr, rv->len))
		return -EINVAL;
	pid = fake_pid_of(rv->pidfd);
	if (pid < 0)
		return pid;
	if (pid == getpid())
		return -EINVAL;
	r = fake_find(rv->addr);
	mine = r ? fake_hold_of(r, getpid()) : NULL;
	if (!mine)
		return -EPERM;
	if (!fake_whole(rv->addr, rv->len))
		return -EINVAL;
	theirs = fake_hold_of(r, pid);
	if (!theirs)
		return -ENOENT;
	if (theirs->rights & ~mine->rights)
		return -EPERM;
	fake_drop_hold(r, theirs);
	return 0;
}

static int fake_query(struct flatvm_query *q)
{
	struct fake_range *r;
	struct fake_hold *mine;

	if (q->flags)
		return -EINVAL;
	r = fake_find(q->addr);
	if (!r)
		return -ENOENT;
	mine = fake_hold_of(r, getpid());
	q->range_id = r->id;
	q->range_start = q->ext_start = r->start;
	q->range_len = q->ext_len = r->len;
	q->rights = mine ? mine->rights : 0;
	q->nholders = (uint32_t)r->nholds;
	q->oflags = mine && mine->mapped ? FLATVM_QUERY_MAPPED : 0;
	q->pad = 0;
	return 0;
}

static int fake_stats(struct flatvm_stats *st)
{
	uint64_t used = 0, holds = 0;
	int i;

	if (st->flags)
		return -EINVAL;
	for (i = 0; i < fs->nranges; i++) {
		used += fs->r[i].len;
		holds += (uint64_t)fs->r[i].nholds;
	}
	st->window_base = fake_base;
	st->window_size = FAKE_WINDOW;
	st->free_bytes = FAKE_WINDOW - used;
	st->largest_free = 0;
	st->ranges = st->extents = (uint64_t)fs->nranges;
	st->holders = holds;
	st->processes = 0;
	st->pages = st->user_pages = used / FAKE_PAGE;
	st->max_pages = st->max_user_pages = FAKE_WINDOW / FAKE_PAGE;
	return 0;
}

/* Size checks of the uapi: the struct the caller compiled against. */
static int fake_check_size(const void *arg, size_t want)
{
	uint32_t size;

	memcpy(&size, arg, sizeof(size));
	if (size < want)
		return -EINVAL;
	return size > want ? -E2BIG : 0;
}

static int fake_dispatch(int fd, unsigned long cmd, void *arg)
{
	unsigned int nr = fake_nr(cmd);
	size_t size = (cmd >> 16) & 0x3fff;
	int ret;

	if (((cmd >> 8) & 0xff) != FLATVM_IOC_MAGIC || (cmd & 0xff) > 7)
		return -ENOTTY;
	if (!arg)
		return -EFAULT;
	fs->calls[nr]++;
	memcpy(fs->last[nr], arg, size < FAKE_ARGMAX ? size : FAKE_ARGMAX);
	if (fs->fail_cmd == cmd) {
		if (fs->fail_skip) {
			fs->fail_skip--;
		} else {
			fs->fail_cmd = 0;
			return -fs->fail_err;
		}
	}
	ret = fake_check_size(arg, size);
	if (ret)
		return ret;
	switch (cmd) {
	case FLATVM_IOC_ALLOC:
		return fake_alloc(fd, arg);
	case FLATVM_IOC_GRANT:
		return fake_grant(arg);
	case FLATVM_IOC_ATTACH:
		return fake_attach(arg);
	case FLATVM_IOC_RELEASE:
		return fake_release(arg);
	case FLATVM_IOC_REVOKE:
		return fake_revoke(arg);
	case FLATVM_IOC_QUERY:
		return fake_query(arg);
	case FLATVM_IOC_STATS:
		return fake_stats(arg);
	case FLATVM_IOC_ACCEPT:
		return fake_accept(arg);
	}
	return -ENOTTY;
}

static int fake_is_dev(int fd)
{
	struct stat st;

	return fs && !fstat(fd, &st) && st.st_dev == fake_node_dev &&
	       st.st_ino == fake_node_ino;
}

/* The interposer: every ioctl() of the program comes here. */
int ioctl(int fd, unsigned long cmd, ...)
{
	va_list ap;
	void *arg;
	int ret;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!fake_is_dev(fd))
		return (int)syscall(SYS_ioctl, fd, cmd, arg);
	pthread_mutex_lock(&fs->lock);
	ret = fake_dispatch(fd, cmd, arg);
	pthread_mutex_unlock(&fs->lock);
	if (ret) {
		errno = -ret;
		return -1;
	}
	return 0;
}
