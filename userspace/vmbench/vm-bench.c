// SPDX-License-Identifier: GPL-2.0
/*
 * vm-bench: flatvm against what a program would do instead, timed in the
 * same run inside the dev VM (`make vm-bench`, one boot of the stock
 * kernel).  One line per case:
 *
 *   vm-bench CASE: flatvm X ns/op, NAME Y ns/op, speedup Sx
 *
 *   alloc-4k, alloc-64k, alloc-2m  ALLOC + touch every page + RELEASE, vs
 *                      mmap(MAP_ANONYMOUS | MAP_POPULATE) + touch + munmap
 *   fault-lazy         first touch of a page of a lazy range, vs of a page
 *                      of an anonymous mapping (NAME mmap)
 *   share-4k           a fresh page written by one process and read by
 *                      another, round trip: ALLOC, GRANT, ATTACH, read,
 *                      RELEASE both, vs memfd_create + SCM_RIGHTS + mmap
 *                      (NAME memfd)
 *
 * then "vm-bench scale-2cpu: flatvm Ax, mmap Bx" (throughput of two
 * processes doing alloc-4k at once over one process alone, for each) and
 * "vm-bench live-ranges: flatvm N ranges in one process (stopped by ...)"
 * (1-page ALLOCs up to -l, 2,000,000 by default, or the first failure).
 *
 * Each case alternates flatvm and its alternative (which goes first
 * alternates too) over -r rounds (at least 5, 11 by default) of a batch of
 * operations each, and prints the medians of the rounds; speedup is the
 * alternative's time over flatvm's.  Every flatvm operation checks its
 * data; last line "vm-bench: N passed, N failed" (one check per case: it
 * ran and its data was right).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libflatvm.h"

#define PG		4096UL
#define RW		(FLATVM_RIGHT_READ | FLATVM_RIGHT_WRITE)
#define MAX_ROUNDS	31

static int rounds = 11;
static unsigned long live_max = 2000000;
static int dev = -1;
static int passed, failed;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void check(int ok, const char *what)
{
	if (!ok)
		printf("vm-bench: FAILED: %s\n", what);
	if (ok)
		passed++;
	else
		failed++;
}

/* ---- flatvm calls ------------------------------------------------------- */

static void *ptr(uint64_t addr)
{
	return (void *)(uintptr_t)addr;
}

static int fv_alloc(uint64_t len, uint32_t flags, uint64_t *addr)
{
	void *p;
	int ret = flatvm_alloc(dev, len, 0, RW, flags, &p);

	if (!ret)
		*addr = (uintptr_t)p;
	return ret;
}

static int fv_release(int fd, uint64_t addr, uint64_t len)
{
	return flatvm_release(fd, ptr(addr), len);
}

static int fv_grant(int pidfd, uint64_t addr, uint64_t len, uint32_t rights)
{
	return flatvm_grant(dev, pidfd, ptr(addr), len, rights);
}

static int fv_attach(int fd, uint64_t addr, uint64_t len, uint32_t rights)
{
	return flatvm_attach(fd, ptr(addr), len, rights);
}

static int fv_stats(struct flatvm_stats *s)
{
	return flatvm_stats(dev, s);
}

/* ---- alloc-*: allocate, touch every page, free ------------------------- */

/* One op each; 0 when the data checked out. */
static int alloc_flatvm(uint64_t len)
{
	volatile uint8_t *p;
	uint64_t addr, off;
	int bad = 0;

	if (fv_alloc(len, 0, &addr))
		return 1;
	p = (volatile uint8_t *)addr;
	for (off = 0; off < len; off += PG) {
		bad |= p[off];
		p[off] = 1;
	}
	return fv_release(dev, addr, len) || bad;
}

static int alloc_mmap(uint64_t len)
{
	volatile uint8_t *p;
	uint64_t off;
	int bad = 0;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	for (off = 0; off < len; off += PG) {
		bad |= p[off];
		p[off] = 1;
	}
	return munmap((void *)p, len) || bad;
}

/* @n ops of @fn(@len): ns per op, *@bad set on a failed check. */
static double batch(int (*fn)(uint64_t), uint64_t len, int n, int *bad)
{
	double t0 = now_ns();
	int i;

	for (i = 0; i < n; i++)
		*bad |= fn(len);
	return (now_ns() - t0) / n;
}

/* Rounds alternating @f and @m; prints the case line. */
static void versus(const char *name, const char *alt,
		   double (*run)(int flatvm, int *bad))
{
	double f[MAX_ROUNDS], m[MAX_ROUNDS], fm, mm;
	int r, bad = 0;

	run(1, &bad);		/* warm up both */
	run(0, &bad);
	for (r = 0; r < rounds; r++) {
		if (r % 2) {
			m[r] = run(0, &bad);
			f[r] = run(1, &bad);
		} else {
			f[r] = run(1, &bad);
			m[r] = run(0, &bad);
		}
	}
	fm = median(f, rounds);
	mm = median(m, rounds);
	printf("vm-bench %s: flatvm %.1f ns/op, %s %.1f ns/op, speedup %.2fx\n",
	       name, fm, alt, mm, mm / fm);
	check(!bad, name);
}

static double run_alloc_4k(int flatvm, int *bad)
{
	return batch(flatvm ? alloc_flatvm : alloc_mmap, PG, 2000, bad);
}

static double run_alloc_64k(int flatvm, int *bad)
{
	return batch(flatvm ? alloc_flatvm : alloc_mmap, 16 * PG, 500, bad);
}

static double run_alloc_2m(int flatvm, int *bad)
{
	return batch(flatvm ? alloc_flatvm : alloc_mmap, 512 * PG, 20, bad);
}

/* ---- fault-lazy: first touch of a page ------------------------------------ */

#define LAZY_PAGES	256
#define LAZY_RANGES	8

static double run_fault_lazy(int flatvm, int *bad)
{
	uint64_t len = LAZY_PAGES * PG, addr = 0, off;
	double total = 0, t0;
	volatile uint8_t *p;
	int i;

	for (i = 0; i < LAZY_RANGES; i++) {
		if (flatvm) {
			if (fv_alloc(len, FLATVM_ALLOC_LAZY, &addr)) {
				*bad = 1;
				return 0;
			}
			p = (volatile uint8_t *)addr;
		} else {
			p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED) {
				*bad = 1;
				return 0;
			}
		}
		t0 = now_ns();
		for (off = 0; off < len; off += PG)
			p[off] = 1;
		total += now_ns() - t0;
		for (off = 0; off < len; off += PG)
			*bad |= p[off] != 1;
		if (flatvm)
			*bad |= fv_release(dev, addr, len) != 0;
		else
			munmap((void *)p, len);
	}
	return total / (LAZY_RANGES * LAZY_PAGES);
}

/* ---- share-4k: a page from one process to another ------------------------- */

#define SHARE_OPS	300

static int sock[2];		/* [0] here, [1] the reader */
static pid_t reader_pid;
static int reader_pidfd;

static int send_fd(int s, int fd, uint64_t v)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &v, sizeof(v) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (fd >= 0) {
		memset(cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	return sendmsg(s, &msg, 0) == sizeof(v) ? 0 : -1;
}

static int recv_fd(int s, int *fd, uint64_t *v)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { v, sizeof(*v) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;

	if (recvmsg(s, &msg, 0) != sizeof(*v))
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	*fd = -1;
	if (c && c->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(c), sizeof(int));
	return 0;
}

/*
 * The reader: v = flatvm address, or a memfd with v = 0; it maps the page,
 * checks the writer's word, unmaps, answers 1 (right) or 2 (wrong).
 * v = 1 ends it; v = 2 is a bare round trip (answered 1 at once).
 */
static int reader_main(void)
{
	int fd = flatvm_open(O_RDWR), mfd;
	uint64_t v, ok;
	void *p;

	/* Grants come by consent: accept, then say so (share_start()). */
	if (fd < 0 || flatvm_accept(fd, FLATVM_ACCEPT_USER, NULL) ||
	    send_fd(sock[1], -1, 0))
		return 1;
	while (!recv_fd(sock[1], &mfd, &v) && v != 1) {
		if (v == 2) {
			ok = 1;
		} else if (mfd >= 0) {
			p = mmap(NULL, PG, PROT_READ, MAP_SHARED, mfd, 0);
			ok = p != MAP_FAILED &&
			     *(volatile uint64_t *)p == 0xf1a7;
			if (p != MAP_FAILED)
				munmap(p, PG);
			close(mfd);
		} else {
			ok = !fv_attach(fd, v, PG, FLATVM_RIGHT_READ) &&
			     *(volatile uint64_t *)v == 0xf1a7 &&
			     !fv_release(fd, v, PG);
		}
		v = ok ? 1 : 2;
		if (send_fd(sock[1], -1, v))
			return 1;
	}
	return 0;
}

static int share_flatvm(void)
{
	uint64_t addr, v;
	int fd;

	if (fv_alloc(PG, 0, &addr))
		return 1;
	*(volatile uint64_t *)addr = 0xf1a7;
	if (fv_grant(reader_pidfd, addr, PG, FLATVM_RIGHT_READ) ||
	    send_fd(sock[0], -1, addr) || recv_fd(sock[0], &fd, &v))
		return 1;
	return fv_release(dev, addr, PG) || v != 1;
}

static int share_memfd(void)
{
	int mfd = memfd_create("vm-bench", MFD_CLOEXEC), fd;
	uint64_t v;
	void *p;

	if (mfd < 0 || ftruncate(mfd, PG))
		return 1;
	p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (p == MAP_FAILED)
		return 1;
	*(volatile uint64_t *)p = 0xf1a7;
	if (send_fd(sock[0], mfd, 0) || recv_fd(sock[0], &fd, &v))
		return 1;
	munmap(p, PG);
	close(mfd);
	return v != 1;
}

/* The round trip alone, no page: what share-4k's both sides include. */
static double bare_round_trips(void)
{
	double t0 = now_ns();
	uint64_t ans;
	int i, fd;

	for (i = 0; i < SHARE_OPS; i++)
		if (send_fd(sock[0], -1, 2) || recv_fd(sock[0], &fd, &ans))
			return 0;
	return (now_ns() - t0) / SHARE_OPS;
}

/* Bare round trips measured next to each flatvm batch, in time with it. */
static double bare[MAX_ROUNDS + 1];
static int nbare;

static double run_share(int flatvm, int *bad)
{
	double t0 = now_ns(), t;
	int i;

	for (i = 0; i < SHARE_OPS; i++)
		*bad |= flatvm ? share_flatvm() : share_memfd();
	t = (now_ns() - t0) / SHARE_OPS;
	if (flatvm && nbare <= MAX_ROUNDS)
		bare[nbare++] = bare_round_trips();
	return t;
}

static int share_start(void)
{
	uint64_t v;
	int mfd;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sock))
		return -1;
	reader_pid = fork();
	if (reader_pid < 0)
		return -1;
	if (!reader_pid) {
		close(sock[0]);
		_exit(reader_main());
	}
	close(sock[1]);
	reader_pidfd = (int)syscall(SYS_pidfd_open, reader_pid, 0);
	if (reader_pidfd < 0 || recv_fd(sock[0], &mfd, &v))
		return -1;
	return 0;
}

static int share_stop(void)
{
	int st;

	send_fd(sock[0], -1, 1);
	waitpid(reader_pid, &st, 0);
	close(sock[0]);
	close(reader_pidfd);
	return WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : -1;
}

/* ---- scale-2cpu: two processes doing alloc-4k at once -------------------- */

#define SCALE_OPS	2000

/* Shared with the two workers. */
struct scale {
	pthread_barrier_t go;
	double start[2], end[2];
	int bad[2];
};

static struct scale *sc;
static int worker_cmd[2][2], worker_ack[2][2];
static pid_t workers[2];

/* A slice of pure computation: no kernel, no shared memory. */
static int cpu_only(void)
{
	volatile uint64_t x = 1;
	int i;

	for (i = 0; i < 20000; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	return 0;
}

/*
 * Worker @w: for each command (1 flatvm, 2 mmap, 3 computation only,
 * 0 quit; +4: alone).
 */
static int worker_main(int w)
{
	int cmd, i;

	dev = flatvm_open(O_RDWR);
	if (dev < 0)
		return 1;
	while (read(worker_cmd[w][0], &cmd, sizeof(cmd)) == sizeof(cmd) &&
	       cmd) {
		if (!(cmd & 4))
			pthread_barrier_wait(&sc->go);
		sc->start[w] = now_ns();
		for (i = 0; i < SCALE_OPS; i++)
			sc->bad[w] |= (cmd & 3) == 1 ? alloc_flatvm(PG) :
				      (cmd & 3) == 2 ? alloc_mmap(PG) :
						       cpu_only();
		sc->end[w] = now_ns();
		if (write(worker_ack[w][1], &cmd, sizeof(cmd)) != sizeof(cmd))
			return 1;
	}
	return 0;
}

/* Ops per second of @nproc workers doing kind @kind (see worker_main()). */
static double scale_run(int kind, int nproc)
{
	double first = 1e30, last = 0;
	int w, cmd = kind | (nproc == 1 ? 4 : 0);

	for (w = 0; w < nproc; w++)
		if (write(worker_cmd[w][1], &cmd, sizeof(cmd)) != sizeof(cmd))
			return 0;
	for (w = 0; w < nproc; w++) {
		if (read(worker_ack[w][0], &cmd, sizeof(cmd)) != sizeof(cmd))
			return 0;
		if (sc->start[w] < first)
			first = sc->start[w];
		if (sc->end[w] > last)
			last = sc->end[w];
	}
	return nproc * SCALE_OPS / ((last - first) / 1e9);
}

static void scale_case(void)
{
	double f[MAX_ROUNDS], m[MAX_ROUNDS], c[MAX_ROUNDS];
	pthread_barrierattr_t attr;
	int r, w, k, bad = 0, st, kind;

	sc = mmap(NULL, sizeof(*sc), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sc == MAP_FAILED) {
		check(0, "scale-2cpu");
		return;
	}
	pthread_barrierattr_init(&attr);
	pthread_barrierattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	pthread_barrier_init(&sc->go, &attr, 2);
	fflush(stdout);
	for (w = 0; w < 2; w++) {
		if (pipe(worker_cmd[w]) || pipe(worker_ack[w]))
			bad = 1;
		workers[w] = fork();
		if (!workers[w])
			_exit(worker_main(w));
	}
	scale_run(1, 2);	/* warm up */
	scale_run(2, 2);
	for (r = 0; r < rounds; r++) {
		for (k = 0; k < 3; k++) {
			kind = 1 + (r + k) % 3;
			double one = scale_run(kind, 1);
			double two = scale_run(kind, 2);

			if (kind == 1)
				f[r] = two / one;
			else if (kind == 2)
				m[r] = two / one;
			else
				c[r] = two / one;
		}
	}
	for (w = 0; w < 2; w++) {
		int quit = 0;

		if (write(worker_cmd[w][1], &quit, sizeof(quit)) !=
		    sizeof(quit))
			bad = 1;
		waitpid(workers[w], &st, 0);
		bad |= !WIFEXITED(st) || WEXITSTATUS(st) || sc->bad[w];
	}
	printf("vm-bench scale-2cpu: flatvm %.2fx, mmap %.2fx\n",
	       median(f, rounds), median(m, rounds));
	printf("vm-bench info: scale-2cpu: computation alone scales %.2fx (what the VM's two vCPUs give)\n",
	       median(c, rounds));
	check(!bad, "scale-2cpu");
}

/* ---- live-ranges: one process, ranges until it stops ---------------------- */

static void live_case(void)
{
	struct flatvm_stats s;
	unsigned long n = 0;
	double t0, t1, t2;
	char why[96];
	int ret = 0, st, p[2];
	uint64_t addr;
	pid_t pid;

	if (pipe(p)) {
		check(0, "live-ranges");
		return;
	}
	fflush(stdout);
	t0 = now_ns();
	pid = fork();
	if (!pid) {
		dev = flatvm_open(O_RDWR);
		while (dev >= 0 && n < live_max) {
			ret = fv_alloc(PG, 0, &addr);
			if (ret)
				break;
			*(volatile uint64_t *)addr = n;
			n++;
		}
		if (dev >= 0)
			fv_stats(&s);
		t1 = now_ns();
		if (write(p[1], &n, sizeof(n)) != sizeof(n) ||
		    write(p[1], &ret, sizeof(ret)) != sizeof(ret) ||
		    write(p[1], &t1, sizeof(t1)) != sizeof(t1) ||
		    write(p[1], &s, sizeof(s)) != sizeof(s))
			_exit(1);
		_exit(0);	/* exit releases every range */
	}
	close(p[1]);
	if (read(p[0], &n, sizeof(n)) != sizeof(n) ||
	    read(p[0], &ret, sizeof(ret)) != sizeof(ret) ||
	    read(p[0], &t1, sizeof(t1)) != sizeof(t1) ||
	    read(p[0], &s, sizeof(s)) != sizeof(s))
		n = 0;
	waitpid(pid, &st, 0);
	t2 = now_ns();
	if (ret)
		snprintf(why, sizeof(why), "ALLOC failing with %s",
			 strerrorname_np(-ret));
	else
		snprintf(why, sizeof(why), "the limit of %lu", live_max);
	printf("vm-bench live-ranges: flatvm %lu ranges in one process (stopped by %s)\n",
	       n, why);
	printf("vm-bench info: live-ranges: %.1f us per ALLOC+touch, STATS ranges %llu pages %llu, exit released them in %.2f s\n",
	       n ? (t1 - t0) / n / 1e3 : 0.0, (unsigned long long)s.ranges,
	       (unsigned long long)s.pages, (t2 - t1) / 1e9);
	check(n > 0 && WIFEXITED(st) && !WEXITSTATUS(st) && s.ranges == n,
	      "live-ranges");
}

int main(int argc, char **argv)
{
	struct flatvm_stats s;
	int opt;

	while ((opt = getopt(argc, argv, "r:l:")) != -1) {
		switch (opt) {
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'l':
			live_max = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: vm-bench [-r rounds] [-l live-ranges]\n");
			return 2;
		}
	}
	if (rounds < 5 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "vm-bench: 5 to %d rounds\n", MAX_ROUNDS);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	dev = flatvm_open(O_RDWR);
	if (dev < 0) {
		fprintf(stderr, "vm-bench: %s\n",
			flatvm_strerror(FLATVM_OP_OPEN, dev));
		return 1;
	}
	if (fv_stats(&s))
		return 1;
	printf("vm-bench: %d rounds, medians; caps: max_pages %llu, max_user_pages %llu\n",
	       rounds, (unsigned long long)s.max_pages,
	       (unsigned long long)s.max_user_pages);

	versus("alloc-4k", "mmap", run_alloc_4k);
	versus("alloc-64k", "mmap", run_alloc_64k);
	versus("alloc-2m", "mmap", run_alloc_2m);
	versus("fault-lazy", "mmap", run_fault_lazy);
	if (share_start()) {
		check(0, "share-4k");
	} else {
		versus("share-4k", "memfd", run_share);
		printf("vm-bench info: share-4k: a bare round trip between the two processes takes %.1f ns\n",
		       median(bare, nbare));
		check(!share_stop(), "share-4k reader");
	}
	scale_case();
	live_case();
	check(!fv_stats(&s) && !s.pages && !s.ranges, "STATS back to zero");
	printf("vm-bench: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
