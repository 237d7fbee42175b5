// SPDX-License-Identifier: GPL-2.0
/*
 * vmstress: many processes x threads sharing flatvm ranges, with data
 * checks, first clean, then under fault injection, then clean again; run
 * inside the debug-kernel VM (userspace/vm/vm-init.sh, `make vm-stress`).
 *
 * Each thread repeatedly allocates a range, fills it with a pattern, grants
 * it to another process (pidfd) and posts it in that process's mailbox; a
 * thread there attaches it, checks the pattern through its own mapping,
 * writes an acknowledgement, releases it and answers; the producer checks
 * the acknowledgement through its mapping and releases (now and then a
 * page at a time).  An operation is one ioctl, made through libflatvm
 * (each of its ioctl wrappers is exactly one ioctl).
 *
 * Fault injection (-f DEBUGFS): failslab and fail_page_alloc with the task
 * filter, switched on for the calling thread around each ioctl through
 * /proc/thread-self/make-it-fail.  Every failing ioctl must fail with
 * -ENOMEM; a release that failed is retried with injection off and must
 * succeed.  The faults injected are read back from the attributes' "times".
 *
 * After each phase every process has exited and STATS must be back to zero.
 * -n counts the operations of all phases: with -f, 75 % run clean, 20 %
 * under injection and 5 % after it.
 * Last line: "vmstress: N passed, N failed".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/futex.h>

#include "libflatvm.h"

#define PG		4096ULL
#define MAX_PROCS	32
#define MAX_THREADS	16
#define SLOTS		16
#define FAULT_TIMES	1000000000L
/* A process that died (a bug) must not hang the others: they give up. */
#define WAIT_SECONDS	60

enum slot_state { S_FREE, S_FILLING, S_POSTED, S_TAKEN, S_ACKED };

/* One exchange offered to a process. */
struct slot {
	atomic_int state;
	int ok;			/* consumer: attach + check succeeded */
	int writable;		/* granted rw: the consumer acknowledges */
	int from;		/* the producer's process */
	__u64 addr;
	__u64 len;
	__u64 seed;
};

struct counters {
	atomic_ulong ops;
	atomic_ulong exchanges;
	atomic_ulong checked_pages;
	atomic_ulong data_bad;
	atomic_ulong enomem;
	atomic_ulong bad_errno;
	atomic_ulong failed_clean;
	atomic_ulong retried_release;
	atomic_ulong abandoned;
};

/* MAP_SHARED among the processes of one phase. */
struct shared {
	struct counters c;
	unsigned long budget;
	int inject;
	atomic_int ready;
	atomic_int producing;
	/* Futex words: bumped when something for that process changes. */
	atomic_uint bell[MAX_PROCS];
	pid_t pids[MAX_PROCS];
	struct slot mailbox[MAX_PROCS][SLOTS];
};

struct thr {
	int proc;
	int id;
	int fd;
	int mif;		/* /proc/thread-self/make-it-fail, or -1 */
	int *pidfds;
	__u64 rng;
};

static struct shared *sh;
static int nprocs = 16, nthreads = 4;

static __u64 rnd(struct thr *t)
{
	t->rng ^= t->rng >> 12;
	t->rng ^= t->rng << 25;
	t->rng ^= t->rng >> 27;
	return t->rng * 0x2545f4914f6cdd1dULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Wake the threads of process @proc: a post or an acknowledgement. */
static void ring(int proc)
{
	atomic_fetch_add(&sh->bell[proc], 1);
	syscall(SYS_futex, &sh->bell[proc], FUTEX_WAKE, 1 << 30, NULL, NULL, 0);
}

/* Sleep until process @proc's bell moves from @seen, at most 20 ms. */
static void doze(int proc, unsigned int seen)
{
	struct timespec ts = { .tv_nsec = 20 * 1000 * 1000 };

	syscall(SYS_futex, &sh->bell[proc], FUTEX_WAIT, seen, &ts, NULL, 0);
}

/* Has the process behind @pidfd exited? */
static int exited(int pidfd)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	return poll(&p, 1, 0) > 0;
}

static __u64 pattern(__u64 seed, __u64 word)
{
	__u64 x = seed ^ (word * 0x9e3779b97f4a7c15ULL);

	x ^= x >> 31;
	return x * 0xbf58476d1ce4e5b9ULL;
}

/* Under injection the thread is made to fail only around one call. */
static void fv_arm(struct thr *t, int inject)
{
	if (inject && t->mif >= 0)
		(void)!write(t->mif, "1", 1);
}

/*
 * After the call of @op that returned @ret (0 or -errno): disarm, count,
 * classify the failure.  Callers only see the result.
 */
static int fv_count(struct thr *t, int inject, enum flatvm_op op, int ret)
{
	if (inject && t->mif >= 0)
		(void)!write(t->mif, "0", 1);
	atomic_fetch_add(&sh->c.ops, 1);
	if (!ret)
		return 0;
	if (inject && ret == -ENOMEM) {
		atomic_fetch_add(&sh->c.enomem, 1);
	} else if (inject) {
		if (atomic_fetch_add(&sh->c.bad_errno, 1) < 10)
			fprintf(stderr, "vmstress: %s under injection: %s\n",
				flatvm_op_name(op), strerror(-ret));
	} else {
		if (atomic_fetch_add(&sh->c.failed_clean, 1) < 10)
			fprintf(stderr, "vmstress: %s failed: %s\n",
				flatvm_op_name(op), flatvm_strerror(op, ret));
	}
	return ret;
}

/* One counted libflatvm call of @op (one ioctl). */
#define FV(t, inject, op, call)						\
	({								\
		fv_arm(t, inject);					\
		fv_count(t, inject, op, (call));			\
	})

static void *ptr(__u64 addr)
{
	return (void *)(uintptr_t)addr;
}

/* Releases must eventually work: retry without injection. */
static void release(struct thr *t, __u64 addr, __u64 len)
{
	if (!FV(t, sh->inject, FLATVM_OP_RELEASE,
		flatvm_release(t->fd, ptr(addr), len)))
		return;
	atomic_fetch_add(&sh->c.retried_release, 1);
	FV(t, 0, FLATVM_OP_RELEASE, flatvm_release(t->fd, ptr(addr), len));
}

/* Serve one posted exchange of this process, if any. */
static int serve(struct thr *t)
{
	struct slot *s;
	int i, expect;

	for (i = 0; i < SLOTS; i++) {
		s = &sh->mailbox[t->proc][(i + t->id) % SLOTS];
		expect = S_POSTED;
		if (atomic_compare_exchange_strong(&s->state, &expect, S_TAKEN))
			break;
	}
	if (i == SLOTS)
		return 0;

	__u32 rights = s->writable ? FLATVM_RIGHT_READ | FLATVM_RIGHT_WRITE :
		       FLATVM_RIGHT_READ;

	s->ok = 0;
	if (!FV(t, sh->inject, FLATVM_OP_ATTACH,
		flatvm_attach(t->fd, ptr(s->addr), s->len, rights))) {
		volatile __u64 *p = (volatile __u64 *)(uintptr_t)s->addr;
		__u64 w, words = s->len / 8;
		int bad = 0;

		for (w = 0; w < words; w += 512 / 8 + 1)
			bad |= p[w] != pattern(s->seed, w);
		bad |= p[words - 1] != pattern(s->seed, words - 1);
		if (bad)
			atomic_fetch_add(&sh->c.data_bad, 1);
		atomic_fetch_add(&sh->c.checked_pages, s->len / PG);
		if (s->writable)
			p[1] = ~s->seed;
		s->ok = !bad;
	} else if (!sh->inject) {
		struct flatvm_query q = { 0 };
		int r = flatvm_query(t->fd, ptr(s->addr), &q);

		fprintf(stderr,
			"vmstress: ATTACH %llx+%llx rights %u: query %d: rights %u holders %u ext %llx+%llx\n",
			(unsigned long long)s->addr, (unsigned long long)s->len,
			rights, r, q.rights, q.nholders,
			(unsigned long long)q.ext_start,
			(unsigned long long)q.ext_len);
	}
	/* Mapped or not, the grant is held: give it back. */
	release(t, s->addr, s->len);
	atomic_store(&s->state, S_ACKED);
	ring(s->from);
	return 1;
}

/* Reserve a slot in process @to's mailbox; NULL when it is full. */
static struct slot *reserve(int to)
{
	struct slot *s;
	int i, expect;

	for (i = 0; i < SLOTS; i++) {
		s = &sh->mailbox[to][i];
		expect = S_FREE;
		if (atomic_compare_exchange_strong(&s->state, &expect,
						   S_FILLING))
			return s;
	}
	return NULL;
}

static void exchange(struct thr *t)
{
	const __u32 rw = FLATVM_RIGHT_READ | FLATVM_RIGHT_WRITE;
	__u64 seed = rnd(t), w, words, *p, len = (1 + rnd(t) % 4) * PG;
	int to, writable = rnd(t) % 4 != 0;
	struct flatvm_query q;
	struct slot *s;
	void *addr;

	if (FV(t, sh->inject, FLATVM_OP_ALLOC,
	       flatvm_alloc(t->fd, len, 0, rw, 0, &addr)))
		return;
	p = addr;
	words = len / 8;
	for (w = 0; w < words; w++)
		p[w] = pattern(seed, w);

	if (!FV(t, sh->inject, FLATVM_OP_QUERY,
		flatvm_query(t->fd, (char *)addr + rnd(t) % len, &q)) &&
	    (q.rights != rw || q.nholders != 1)) {
		atomic_fetch_add(&sh->c.data_bad, 1);
		fprintf(stderr, "vmstress: QUERY: rights %u holders %u\n",
			q.rights, q.nholders);
	}

	to = (t->proc + 1 + rnd(t) % (nprocs - 1)) % nprocs;
	s = reserve(to);
	if (s && FV(t, sh->inject, FLATVM_OP_GRANT,
		    flatvm_grant(t->fd, t->pidfds[to], addr, len,
				 writable ? rw : FLATVM_RIGHT_READ))) {
		atomic_store(&s->state, S_FREE);
		s = NULL;
	}
	if (s) {
		double start = now();

		s->addr = (uintptr_t)addr;
		s->len = len;
		s->seed = seed;
		s->writable = writable;
		s->from = t->proc;
		atomic_store(&s->state, S_POSTED);
		ring(to);
		for (;;) {
			unsigned int seen = atomic_load(&sh->bell[t->proc]);

			if (atomic_load(&s->state) == S_ACKED)
				break;
			if (!serve(t))
				doze(t->proc, seen);
			if (atomic_load(&s->state) != S_ACKED &&
			    (exited(t->pidfds[to]) ||
			     now() - start > WAIT_SECONDS)) {
				/* The slot stays taken: its owner is gone. */
				atomic_fetch_add(&sh->c.abandoned, 1);
				release(t, s->addr, len);
				return;
			}
		}
		if (s->ok && writable && p[1] != ~seed) {
			atomic_fetch_add(&sh->c.data_bad, 1);
			fprintf(stderr, "vmstress: acknowledgement not seen\n");
		}
		atomic_fetch_add(&sh->c.exchanges, 1);
		atomic_store(&s->state, S_FREE);
	}
	if (rnd(t) % 4 == 0 && len > PG) {
		release(t, (uintptr_t)addr, PG);
		release(t, (uintptr_t)addr + PG, len - PG);
	} else {
		release(t, (uintptr_t)addr, len);
	}
}

static void *thread_main(void *arg)
{
	struct thr *t = arg;

	t->mif = open("/proc/thread-self/make-it-fail", O_WRONLY);
	while (atomic_load(&sh->c.ops) < sh->budget)
		exchange(t);
	double start;

	if (atomic_fetch_sub(&sh->producing, 1) == 1)
		for (int i = 0; i < nprocs; i++)
			ring(i);
	start = now();
	while (atomic_load(&sh->producing) > 0 &&
	       now() - start < WAIT_SECONDS) {
		unsigned int seen = atomic_load(&sh->bell[t->proc]);

		if (!serve(t) && atomic_load(&sh->producing) > 0)
			doze(t->proc, seen);
	}
	while (serve(t))
		;
	if (t->mif >= 0)
		close(t->mif);
	return NULL;
}

static int proc_main(int proc, __u64 seed)
{
	struct thr thr[MAX_THREADS];
	pthread_t tid[MAX_THREADS];
	int pidfds[MAX_PROCS];
	int fd, i;

	fd = flatvm_open(O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "vmstress: %s\n",
			flatvm_strerror(FLATVM_OP_OPEN, fd));
		return 1;
	}
	/* Grants come by consent: take the others' (same user) from now. */
	i = flatvm_accept(fd, FLATVM_ACCEPT_USER, NULL);
	if (i) {
		fprintf(stderr, "vmstress: %s\n",
			flatvm_strerror(FLATVM_OP_ACCEPT, i));
		return 1;
	}
	sh->pids[proc] = getpid();
	atomic_fetch_add(&sh->ready, 1);
	while (atomic_load(&sh->ready) < nprocs)
		usleep(1000);
	for (i = 0; i < nprocs; i++) {
		pidfds[i] = flatvm_pidfd_open(sh->pids[i]);
		if (pidfds[i] < 0) {
			fprintf(stderr, "vmstress: pidfd_open: %s\n",
				strerror(-pidfds[i]));
			return 1;
		}
	}
	for (i = 0; i < nthreads; i++) {
		thr[i] = (struct thr){
			.proc = proc, .id = i, .fd = fd, .pidfds = pidfds,
			.rng = (seed + 1) * 0x9e3779b97f4a7c15ULL +
			       (__u64)proc * 131 + i + 1,
		};
		if (pthread_create(&tid[i], NULL, thread_main, &thr[i])) {
			fprintf(stderr, "vmstress: pthread_create failed\n");
			return 1;
		}
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(tid[i], NULL);
	return 0;
}

/* ---- fault injection attributes (debugfs) ------------------------------ */

static const char *dbg;

static int attr_write(const char *fault, const char *attr, const char *val)
{
	char path[256];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s/%s", dbg, fault, attr);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -1;
}

static long attr_read(const char *fault, const char *attr)
{
	char path[256], buf[64] = "";
	int fd;

	snprintf(path, sizeof(path), "%s/%s/%s", dbg, fault, attr);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	(void)!read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return strtol(buf, NULL, 0);
}

static const char *const faults[] = { "failslab", "fail_page_alloc" };

static int faults_on(int percent)
{
	char p[16], times[32];
	int i, err = 0;

	snprintf(p, sizeof(p), "%d", percent);
	snprintf(times, sizeof(times), "%ld", FAULT_TIMES);
	for (i = 0; i < 2; i++) {
		err |= attr_write(faults[i], "task-filter", "Y");
		err |= attr_write(faults[i], "interval", "1");
		err |= attr_write(faults[i], "verbose", "0");
		err |= attr_write(faults[i], "space", "0");
		err |= attr_write(faults[i], "ignore-gfp-wait", "N");
		err |= attr_write(faults[i], "times", times);
		err |= attr_write(faults[i], "probability", p);
	}
	/* Only caches flagged failslab (all but kmemleak's, kunit/kunit.mk). */
	err |= attr_write("failslab", "cache-filter", "Y");
	err |= attr_write("fail_page_alloc", "ignore-gfp-highmem", "N");
	err |= attr_write("fail_page_alloc", "min-order", "0");
	return err;
}

static void faults_off(long injected[2])
{
	int i;

	for (i = 0; i < 2; i++) {
		attr_write(faults[i], "probability", "0");
		injected[i] = FAULT_TIMES - attr_read(faults[i], "times");
		attr_write(faults[i], "task-filter", "N");
	}
}

/* ---- phases --------------------------------------------------------------- */

static int passed, failed;
static unsigned long total_ops;

static void check(int ok, const char *phase, const char *what)
{
	printf("vmstress: %s: %s: %s\n", phase, ok ? "ok" : "FAILED", what);
	if (ok)
		passed++;
	else
		failed++;
}

static int stats_zero(struct flatvm_stats *s)
{
	int fd = flatvm_open(O_RDONLY), i, zero = 0;

	memset(s, 0, sizeof(*s));
	for (i = 0; fd >= 0 && i < 100 && !zero; i++) {
		zero = !flatvm_stats(fd, s) && !s->ranges && !s->pages &&
		       !s->holders && s->free_bytes == s->window_size;
		if (!zero)
			usleep(100000);
	}
	if (fd >= 0)
		flatvm_close(fd);
	return zero;
}

static void phase(const char *name, unsigned long budget, int inject,
		  int percent, __u64 seed)
{
	struct timespec t0, t1;
	struct flatvm_stats st;
	long injected[2] = { 0, 0 };
	pid_t pids[MAX_PROCS];
	int i, status, clean = 1;
	double secs;

	memset(sh, 0, sizeof(*sh));
	sh->budget = budget;
	sh->inject = inject;
	atomic_store(&sh->producing, nprocs * nthreads);
	if (inject && faults_on(percent)) {
		check(0, name, "fault injection attributes set");
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < nprocs; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(proc_main(i, seed));
	}
	for (i = 0; i < nprocs; i++) {
		if (waitpid(pids[i], &status, 0) != pids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status)) {
			printf("vmstress: process %d ended with 0x%x\n", i,
			       status);
			clean = 0;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (inject)
		faults_off(injected);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	total_ops += atomic_load(&sh->c.ops);
	printf("vmstress: %s: %d processes x %d threads: %lu ops, %lu exchanges, %lu pages checked in %.1f s\n",
	       name, nprocs, nthreads, atomic_load(&sh->c.ops),
	       atomic_load(&sh->c.exchanges),
	       atomic_load(&sh->c.checked_pages), secs);
	check(clean, name, "every process ended normally");
	check(atomic_load(&sh->c.ops) >= budget, name, "operation budget met");
	check(atomic_load(&sh->c.exchanges) > 0, name, "ranges exchanged");
	check(!atomic_load(&sh->c.data_bad), name,
	      "data written through one mapping read through the other");
	check(!atomic_load(&sh->c.abandoned), name,
	      "no exchange abandoned (grantee died or hung)");
	if (inject) {
		printf("vmstress: %s: faults injected: failslab %ld, fail_page_alloc %ld; ioctls failed -ENOMEM %lu, releases retried %lu\n",
		       name, injected[0], injected[1],
		       atomic_load(&sh->c.enomem),
		       atomic_load(&sh->c.retried_release));
		check(injected[0] + injected[1] > 0, name, "faults injected");
		check(atomic_load(&sh->c.enomem) > 0, name,
		      "ioctls failed with -ENOMEM");
		check(!atomic_load(&sh->c.bad_errno), name,
		      "every failing ioctl returned -ENOMEM");
	}
	check(!atomic_load(&sh->c.failed_clean), name,
	      "every ioctl without injection succeeded");
	check(stats_zero(&st), name, "STATS back to zero");
	if (st.ranges || st.pages || st.holders)
		printf("vmstress: %s: left ranges=%llu holders=%llu pages=%llu\n",
		       name, (unsigned long long)st.ranges,
		       (unsigned long long)st.holders,
		       (unsigned long long)st.pages);
}

int main(int argc, char **argv)
{
	unsigned long ops = 100000;
	__u64 seed = 1;
	int opt, percent = 10;

	while ((opt = getopt(argc, argv, "n:s:P:T:f:p:")) != -1) {
		switch (opt) {
		case 'n':
			ops = strtoul(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'P':
			nprocs = atoi(optarg);
			break;
		case 'T':
			nthreads = atoi(optarg);
			break;
		case 'f':
			dbg = optarg;
			break;
		case 'p':
			percent = atoi(optarg);
			break;
		default:
			fprintf(stderr,
				"usage: vmstress [-n ops] [-s seed] [-P procs] [-T threads] [-f debugfs] [-p percent]\n");
			return 2;
		}
	}
	if (nprocs < 2 || nprocs > MAX_PROCS || nthreads < 1 ||
	    nthreads > MAX_THREADS) {
		fprintf(stderr, "vmstress: 2-%d processes, 1-%d threads\n",
			MAX_PROCS, MAX_THREADS);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	printf("vmstress: seed %llu, %d processes x %d threads, %lu ops\n",
	       (unsigned long long)seed, nprocs, nthreads, ops);
	/* -n is the total: 75 % clean, 20 % under injection, 5 % after. */
	if (dbg) {
		phase("clean", ops - ops / 5 - ops / 20, 0, 0, seed);
		phase("faults", ops / 5, 1, percent, seed + 1);
		phase("after", ops / 20, 0, 0, seed + 2);
	} else {
		phase("clean", ops, 0, 0, seed);
	}
	printf("vmstress: %lu ops in all phases\n", total_ops);
	check(total_ops >= ops, "all", "operation total met");
	printf("vmstress: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
