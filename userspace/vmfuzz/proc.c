// SPDX-License-Identifier: GPL-2.0
/*
 * vmfuzz: one fuzzer process's state, and the oracle's model of it.
 *
 * A process knows the ranges it allocated or attached (up to MAX_RANGES;
 * older ones are forgotten, not released), pidfds of other fuzzer
 * processes, and a few descriptors the actions use.  Programs name ranges
 * by index (S_OWN), so a replayed program acts on whatever the process
 * holds at that moment.
 *
 * The oracle: a range the process allocated itself and never granted is
 * held by nobody else (a GRANT needs a hold, a REVOKE a hold of the whole
 * span), so while the process neither releases nor unmaps any of it, the
 * uapi header says exactly what each access must do: read works, write
 * works iff it has the write right, an instruction fetch iff exec; QUERY
 * reports its rights and one holder.  Such ranges carry R_EXACT.  Anything
 * that could change them (GRANT of a span touching them, RELEASE, munmap,
 * mremap) drops R_EXACT first; once the process has unmapped any of its
 * window, the ranges it allocates later are not exact (the window is
 * mapped once: one may land in the hole).  The helper thread runs beside the main
 * thread: both count every such change in proc->seq and proc->inflight
 * (change_begin(), change_end()), and a check is made only when no change
 * was under way or started across the access (struct stamp).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmfuzz.h"

int opt_oracle = 1;

/* Messages of the first failures; the count is the verdict. */
void oracle_fail(const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	if (atomic_fetch_add(&sh->oracle_failed, 1) >= 20)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("vmfuzz: ORACLE (pid %d): %s\n", getpid(), buf);
}

void proc_init(struct proc *p, uint64_t seed)
{
	pthread_mutexattr_t a;
	int i;

	memset(p, 0, sizeof(*p));
	p->rng = seed;
	p->fd = open(FLATVM_DEVICE, O_RDWR);
	p->evfd = eventfd(0, EFD_CLOEXEC);
	if (pipe2(p->pipefd, O_NONBLOCK | O_CLOEXEC))
		p->pipefd[0] = p->pipefd[1] = -1;
	p->memfd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	p->zerofd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	p->blkfd = blkdev_path ? open(blkdev_path,
				      O_RDWR | O_DIRECT | O_CLOEXEC) : -1;
	pthread_mutexattr_init(&a);
	pthread_mutex_init(&p->lock, &a);
	for (i = 0; i < MAX_PIDFDS; i++)
		p->pidfds[i] = -1;
	for (i = 0; i < MAX_PERF; i++)
		p->perffds[i] = -1;
}

/* A fuzzing thread's own resources: KCOV, fail-nth, argument buffer. */
void thread_init(struct thread_ctx *t, int is_helper)
{
	int fd;

	memset(t, 0, sizeof(*t));
	t->is_helper = is_helper;
	kcov_open(&t->kc);
	t->nthfd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	t->argbuf = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t->argbuf == MAP_FAILED) {
		perror("vmfuzz: mmap");
		exit(1);
	}
	mprotect(t->argbuf + 2 * PG, PG, PROT_NONE);
	t->nonepage = t->argbuf + 2 * PG;
	/* The argument pages again, read-only: the kernel cannot answer. */
	t->argro = MAP_FAILED;
	fd = memfd_create("vmfuzz-arg", MFD_CLOEXEC);
	if (fd >= 0 && !ftruncate(fd, 2 * PG) &&
	    mmap(t->argbuf, 2 * PG, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, 0) == t->argbuf)
		t->argro = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd, 0);
	if (t->argro == MAP_FAILED)
		t->argro = NULL;
	if (fd >= 0)
		close(fd);
}

/* Before a fork child sets up its own: drop what it inherited. */
void thread_exit(struct thread_ctx *t)
{
	kcov_close(&t->kc);
	if (t->nthfd >= 0)
		close(t->nthfd);
	munmap(t->argbuf, 3 * PG);
	if (t->argro)
		munmap(t->argro, 2 * PG);
}

/*
 * In a fork child: it inherits none of the window, so none of the ranges,
 * but it does inherit the anonymous mappings its parent made in the
 * window's holes (p->foreign stays); /proc/self/mem is its parent's until
 * reopened; no helper thread came along.  Called with p->lock held by the parent's fork (now the child's).
 */
void proc_forked(struct proc *p)
{
	int i;

	p->nranges = 0;
	p->holed = 0;	/* its first ALLOC maps a window of its own */
	p->is_child = 1;
	if (p->helper)		/* its thread did not come along */
		thread_exit(&p->helper->tc);
	p->helper = NULL;
	atomic_store(&p->helper_busy, 0);
	p->seq = 0;
	p->inflight = 0;
	for (i = 0; i < MAX_CHILDREN; i++)
		p->children[i] = 0;
	for (i = 0; i < MAX_PERF; i++) {	/* they count the parent's thread */
		if (p->perffds[i] >= 0)
			close(p->perffds[i]);
		p->perffds[i] = -1;
	}
	if (p->memfd >= 0)
		close(p->memfd);
	p->memfd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	pthread_mutex_init(&p->lock, NULL);
}

/* Under p->lock. */
void proc_add_range(struct proc *p, uint64_t addr, uint64_t len,
		    uint32_t rights, uint32_t flags)
{
	struct range r = { addr, len, rights, flags };

	if (p->nranges < MAX_RANGES)
		p->ranges[p->nranges++] = r;
	else
		p->ranges[below(&p->rng, MAX_RANGES)] = r;
}

/* Under p->lock. */
struct range *proc_pick_range(struct proc *p, uint64_t *rng, unsigned int sel)
{
	(void)rng;
	return p->nranges ? &p->ranges[sel % p->nranges] : NULL;
}

/*
 * Something may change the holds in [@addr, @addr + @len): no exact claim
 * on ranges there any more.  Under p->lock.
 */
void proc_unexact(struct proc *p, uint64_t addr, uint64_t len)
{
	uint64_t end = addr + len;
	int i;

	if (end < addr)
		end = ~0ULL;
	for (i = 0; i < p->nranges; i++) {
		struct range *r = &p->ranges[i];

		if (r->addr < end && addr < r->addr + r->len)
			r->flags &= ~R_EXACT;
	}
}

/* The exact range holding @addr, copied to @out: 1, else 0.  Under lock. */
int proc_exact_at(struct proc *p, uint64_t addr, struct range *out)
{
	int i;

	for (i = 0; i < p->nranges; i++) {
		struct range *r = &p->ranges[i];

		if ((r->flags & R_EXACT) && addr >= r->addr &&
		    addr - r->addr < r->len) {
			*out = *r;
			return 1;
		}
	}
	return 0;
}

void proc_post(struct proc *p, uint64_t *rng, uint64_t addr, uint64_t len)
{
	unsigned int i = below(rng, MAX_POSTED);

	(void)p;
	atomic_store(&sh->posted[i].len, 0);
	atomic_store(&sh->posted[i].addr, addr);
	atomic_store(&sh->posted[i].len, len);
}

static uint64_t win_page(uint64_t n)
{
	return win_base + (n % (win_size / PG)) * PG;
}

/*
 * The address and length a span means now.  Under p->lock (S_OWN reads
 * the ranges).
 */
void proc_resolve_span(struct proc *p, const struct span *s, uint64_t *addr,
		       uint64_t *len)
{
	uint64_t base = 0, rlen = 0, off;
	struct range *r;
	unsigned int i;

	switch (s->how) {
	case S_OWN:
		r = proc_pick_range(p, NULL, s->sel);
		if (r) {
			base = r->addr;
			rlen = r->len;
		}
		break;
	case S_POSTED:
		i = s->sel % MAX_POSTED;
		rlen = atomic_load(&sh->posted[i].len);
		base = atomic_load(&sh->posted[i].addr);
		break;
	case S_WINDOW:
		*addr = win_page(s->val);
		*len = s->len;
		return;
	case S_LOW:
		*addr = win_base + (s->val % 1024) * PG;
		*len = s->len;
		return;
	case S_EDGE:
		*addr = s->val & 1 ? win_base + win_size - PG : win_base - PG;
		*len = s->len;
		return;
	default:
		*addr = s->val;
		*len = s->len;
		return;
	}
	if (!rlen) {		/* nothing there: somewhere low in the window */
		*addr = win_base + (s->val % 1024) * PG;
		*len = s->len ? s->len : PG;
		return;
	}
	off = (s->off % (rlen / PG)) * PG;
	*addr = base + off;
	switch (s->lenmode) {
	case 0:
		*len = rlen - off;
		break;
	case 1:
		*len = (1 + s->len % (rlen / PG)) * PG;
		break;
	case 2:
		*len = s->len;
		break;
	default:
		*len = rlen - off + (1 + s->len % 4) * PG;
		break;
	}
}

/*
 * A span for mm calls and touches: page-aligned, inside the window, at
 * most @maxlen bytes: never the program's own memory.
 */
void proc_window_span(struct proc *p, const struct span *s, uint64_t *addr,
		      uint64_t *len, uint64_t maxlen)
{
	proc_resolve_span(p, s, addr, len);
	*addr &= ~(PG - 1);
	if (*addr < win_base || *addr >= win_base + win_size)
		*addr = win_page(*addr / PG);
	*len = (*len + PG - 1) & ~(PG - 1);
	if (!*len || *len > maxlen)
		*len = PG + (*len % maxlen & ~(PG - 1));
	if (*len > maxlen)
		*len = maxlen;
	if (*addr + *len > win_base + win_size)
		*len = win_base + win_size - *addr;
}

int proc_pidfd(struct proc *p, unsigned int slot)
{
	return p->pidfds[slot % MAX_PIDFDS];
}
