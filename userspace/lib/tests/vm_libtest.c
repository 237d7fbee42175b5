// SPDX-License-Identifier: GPL-2.0
/*
 * libflatvm against the real module (run inside the dev VM, static).
 *
 * Each test runs in a forked process (its own process group, killed with
 * its helpers at the end); the runner then checks through STATS that
 * nothing is left (no page, range, holder or process) and that debugfs's
 * invariant checker says ok.  Output: "PASS name" / "FAIL name: why" per
 * test, then "N passed, N failed".  Usage: flatvm-libtest [substring].
 *
 * flatvm-libtest hold: for the flatvm command's VM test
 * (tools/tests/vm_tooltest.sh), allocate an 8 KiB read-write range and a
 * 1 MiB lazy read-only one, grant the first read-only to a child that
 * attaches it, print "ADDR1 ADDR2 CHILD_PID" and sleep until killed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libflatvm.h"

#define RD	FLATVM_RIGHT_READ
#define RW	(FLATVM_RIGHT_READ | FLATVM_RIGHT_WRITE)

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			printf("    %s:%d: check failed: %s\n",		\
			       __FILE__, __LINE__, #cond);		\
			return 1;					\
		}							\
	} while (0)

#define CHECK_RC(expr, want)						\
	do {								\
		long rc_ = (expr), want_ = (want);			\
		if (rc_ != want_) {					\
			printf("    %s:%d: %s = %ld (%s), want %ld\n",	\
			       __FILE__, __LINE__, #expr, rc_,		\
			       rc_ < 0 ? strerror((int)-rc_) : "ok", want_);\
			return 1;					\
		}							\
	} while (0)

static sigjmp_buf probe_env;

static void probe_handler(int sig)
{
	siglongjmp(probe_env, sig);
}

/* 0 when writing one byte at @p worked, else the signal it raised. */
static int probe_write(volatile char *p)
{
	struct sigaction sa = { .sa_handler = probe_handler }, o1, o2;
	int sig;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &o1);
	sigaction(SIGBUS, &sa, &o2);
	sig = sigsetjmp(probe_env, 1);
	if (!sig)
		*p = *p;
	sigaction(SIGSEGV, &o1, NULL);
	sigaction(SIGBUS, &o2, NULL);
	return sig;
}

static int wait_exit(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int t_device(void)
{
	struct flatvm_stats st;
	struct flatvm_query q;
	int fd = flatvm_open(O_RDWR), rofd;
	char *p;

	CHECK(fd >= 0);
	CHECK_RC(flatvm_open_path("/dev/null", O_RDWR), -ENOTTY);
	CHECK_RC(flatvm_stats(fd, &st), 0);
	CHECK(st.window_size && st.ranges == 0);
	CHECK_RC(flatvm_alloc(fd, 3 * 4096, 1 << 20, RW, 0, (void **)&p), 0);
	CHECK((uintptr_t)p % (1 << 20) == 0);
	CHECK((uintptr_t)p >= st.window_base &&
	      (uintptr_t)p < st.window_base + st.window_size);
	p[3 * 4096 - 1] = 7;
	CHECK_RC(flatvm_query(fd, p + 5000, &q), 0);
	CHECK(q.range_start == (uintptr_t)p && q.range_len == 3 * 4096);
	CHECK(q.rights == RW && q.nholders == 1 && (q.oflags & FLATVM_QUERY_MAPPED));
	CHECK_RC(flatvm_stats(fd, &st), 0);
	CHECK(st.ranges == 1 && st.pages == 3);
	CHECK_RC(flatvm_alloc(fd, 100, 0, RW, 0, (void **)&p), -EINVAL);
	CHECK_RC(flatvm_release(fd, p, 3 * 4096), 0);
	CHECK_RC(flatvm_release(fd, p, 3 * 4096), -ENOENT);
	CHECK_RC(flatvm_query(fd, p, &q), -ENOENT);
	rofd = flatvm_open(O_RDONLY);
	CHECK(rofd >= 0);
	CHECK_RC(flatvm_alloc(rofd, 4096, 0, RW, 0, (void **)&p), -EACCES);
	CHECK(strstr(flatvm_strerror(FLATVM_OP_ALLOC, -EACCES), "read-only"));
	flatvm_close(rofd);
	flatvm_close(fd);
	return 0;
}

static int range_receiver(int sock)
{
	struct flatvm_range_msg msg;
	int fd = flatvm_open(O_RDWR);

	/* Grants come by consent: accept the giver's (same user) first. */
	if (fd < 0 || flatvm_accept(fd, FLATVM_ACCEPT_USER, NULL) ||
	    flatvm_send_pidfd(sock))
		return 10;
	if (flatvm_recv_range(fd, sock, 0, &msg))
		return 11;
	if (msg.tag != 5 || strcmp((char *)(uintptr_t)msg.addr, "over the socket"))
		return 12;
	if (probe_write((char *)(uintptr_t)msg.addr) != SIGSEGV)
		return 13;
	/* Done; stay (and hold) until the giver has looked. */
	if (send(sock, "d", 1, 0) != 1 || recv(sock, &msg, 1, 0) != 1)
		return 14;
	return 0;
}

static int t_send_recv_range(void)
{
	int fd = flatvm_open(O_RDWR), sv[2], pidfd;
	struct flatvm_query q;
	char *p, c;
	pid_t pid;

	CHECK(fd >= 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK_RC(flatvm_alloc(fd, 4096, 0, RW, 0, (void **)&p), 0);
	strcpy(p, "over the socket");
	pid = fork();
	if (!pid)
		_exit(range_receiver(sv[1]));
	pidfd = flatvm_recv_pidfd(sv[0]);
	CHECK(pidfd >= 0);
	CHECK_RC(flatvm_pidfd_pid(pidfd), pid);
	CHECK_RC(flatvm_send_range(fd, sv[0], pidfd, p, 4096, RD, 5), 0);
	CHECK(recv(sv[0], &c, 1, 0) == 1);
	CHECK_RC(flatvm_query(fd, p, &q), 0);
	CHECK(q.nholders == 2);
	CHECK(send(sv[0], "x", 1, 0) == 1);
	CHECK_RC(wait_exit(pid), 0);
	CHECK_RC(flatvm_query(fd, p, &q), 0);
	CHECK(q.nholders == 1);
	CHECK_RC(flatvm_release(fd, p, 4096), 0);
	return 0;
}

struct node {
	struct node *next;
	uint64_t value;
	char pad[48];
};

/* The reader: walk the writer's list through a view, attaching ranges. */
static int list_reader(int sock)
{
	struct flatvm_view *v;
	struct node **root, *n;
	uint64_t count = 0, expect;
	int fd = flatvm_open(O_RDWR);

	if (fd < 0 || flatvm_view_create(fd, RD, &v) ||
	    flatvm_accept(fd, FLATVM_ACCEPT_USER, NULL))
		return 20;
	if (flatvm_send_pidfd(sock) ||
	    recv(sock, &root, sizeof(root), MSG_WAITALL) != sizeof(root) ||
	    recv(sock, &expect, sizeof(expect), MSG_WAITALL) != sizeof(expect))
		return 21;
	if (flatvm_view_ensure(v, root, sizeof(*root)))
		return 22;
	for (n = __atomic_load_n(root, __ATOMIC_ACQUIRE); n; n = n->next) {
		if (flatvm_view_ensure(v, n, sizeof(*n)))
			return 23;
		if (n->value != expect - count - 1)
			return 24;
		count++;
	}
	if (count != expect)
		return 25;
	if (probe_write((char *)root) != SIGSEGV)
		return 26;
	flatvm_view_destroy(v);
	return send(sock, "d", 1, 0) == 1 ? 0 : 27;
}

/* A list of 20000 nodes over several chunks and large objects, read by a child. */
static int t_heap_shared_list(void)
{
	struct flatvm_heap_opts o = { .size = sizeof(o), .chunk_size = 1 << 16 };
	int fd = flatvm_open(O_RDWR), sv[2], pidfd, i;
	struct flatvm_heap_stats hs;
	struct flatvm_heap *h;
	struct node **root, *n;
	uint64_t count = 20000;
	pid_t pid;
	char c;

	CHECK(fd >= 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	pid = fork();
	if (!pid)
		_exit(list_reader(sv[1]));
	pidfd = flatvm_recv_pidfd(sv[0]);
	CHECK(pidfd >= 0);
	CHECK_RC(flatvm_heap_create(fd, &o, &h), 0);
	root = flatvm_heap_zalloc(h, sizeof(*root));
	CHECK(root);
	/* Granted before the list grows: later chunks are granted as made. */
	CHECK_RC(flatvm_heap_grant_all(h, pidfd, RD), 0);
	for (i = 0; i < (int)count; i++) {
		n = flatvm_heap_alloc(h, i % 1000 == 999 ? 20000 : sizeof(*n));
		CHECK(n);
		n->value = (uint64_t)i;
		n->next = *root;
		__atomic_store_n(root, n, __ATOMIC_RELEASE);
	}
	flatvm_heap_stats(h, &hs);
	CHECK(hs.chunks > 10 && hs.large == 20);
	CHECK(send(sv[0], &root, sizeof(root), 0) == sizeof(root));
	CHECK(send(sv[0], &count, sizeof(count), 0) == sizeof(count));
	CHECK(recv(sv[0], &c, 1, 0) == 1);
	CHECK_RC(wait_exit(pid), 0);
	flatvm_heap_destroy(h);
	close(pidfd);
	flatvm_close(fd);
	return 0;
}

/* The grantee goes away: the heap drops it and keeps growing. */
static int t_heap_grantee_exits(void)
{
	int fd = flatvm_open(O_RDWR), pidfd, i, pfd[2];
	struct flatvm_heap_stats hs;
	struct flatvm_heap *h;
	pid_t pid;
	char c;

	CHECK(fd >= 0);
	CHECK(pipe(pfd) == 0);
	pid = fork();
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (flatvm_accept(fd, FLATVM_ACCEPT_USER, NULL) ||
		    write(pfd[1], "a", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	CHECK(read(pfd[0], &c, 1) == 1);
	pidfd = flatvm_pidfd_open(pid);
	CHECK(pidfd >= 0);
	CHECK_RC(flatvm_heap_create(fd, NULL, &h), 0);
	CHECK(flatvm_heap_alloc(h, 64));
	CHECK_RC(flatvm_heap_grant_all(h, pidfd, RD), 0);
	CHECK_RC(flatvm_heap_revoke_all(h, pidfd), 0);
	CHECK_RC(flatvm_heap_grant_all(h, pidfd, RD), 0);
	kill(pid, SIGKILL);
	CHECK(wait_exit(pid) == 128 + SIGKILL);
	for (i = 0; i < 3; i++)
		CHECK(flatvm_heap_alloc(h, 100000));
	flatvm_heap_stats(h, &hs);
	CHECK(hs.grantees == 0 && hs.large == 3);
	flatvm_heap_destroy(h);
	close(pidfd);
	flatvm_close(fd);
	return 0;
}

static void *heap_worker(void *arg)
{
	struct flatvm_heap *h = arg;
	void *keep[32] = { 0 };
	unsigned int i, seed = (unsigned int)(uintptr_t)&keep;
	long bad = 0;

	for (i = 0; i < 20000; i++) {
		unsigned int k = (seed = seed * 1103515245u + 12345u) >> 16;
		char *p = flatvm_heap_alloc(h, 16 + k % 2000);

		if (!p) {
			bad++;
			continue;
		}
		memset(p, (int)k, 16);
		if (keep[k % 32] && flatvm_heap_free(h, keep[k % 32]))
			bad++;
		keep[k % 32] = p;
	}
	for (i = 0; i < 32; i++)
		if (keep[i] && flatvm_heap_free(h, keep[i]))
			bad++;
	return (void *)bad;
}

static int t_heap_threads(void)
{
	struct flatvm_heap_stats hs;
	struct flatvm_heap *h;
	int fd = flatvm_open(O_RDWR), i;
	pthread_t t[4];
	void *bad;

	CHECK(fd >= 0);
	CHECK_RC(flatvm_heap_create(fd, NULL, &h), 0);
	for (i = 0; i < 4; i++)
		CHECK(pthread_create(&t[i], NULL, heap_worker, h) == 0);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], &bad);
		CHECK(bad == NULL);
	}
	flatvm_heap_stats(h, &hs);
	CHECK(hs.live_objects == 0);
	flatvm_heap_destroy(h);
	flatvm_close(fd);
	return 0;
}

static int t_attach_at(void)
{
	int fd = flatvm_open(O_RDWR), pfd[2], afd[2], pidfd;
	char *p, a;
	pid_t pid;

	CHECK(fd >= 0);
	CHECK(pipe(pfd) == 0 && pipe(afd) == 0);
	CHECK_RC(flatvm_alloc(fd, 4 * 4096, 0, RW, 0, (void **)&p), 0);
	strcpy(p + 3 * 4096, "far end");
	pid = fork();
	if (!pid) {
		void *start;
		uint64_t len;
		char c;

		if (flatvm_accept(fd, FLATVM_ACCEPT_USER, NULL) ||
		    write(afd[1], "a", 1) != 1 || read(pfd[0], &c, 1) != 1)
			_exit(30);
		if (flatvm_attach_at(fd, p + 3 * 4096 + 1, RW, NULL, NULL) != -EACCES)
			_exit(31);
		if (flatvm_attach_at(fd, p + 3 * 4096 + 1, RD, &start, &len))
			_exit(32);
		_exit(start == p && len == 4 * 4096 && !strcmp(p + 3 * 4096, "far end") ?
		      0 : 33);
	}
	pidfd = flatvm_pidfd_open(pid);
	CHECK(pidfd >= 0);
	CHECK(read(afd[0], &a, 1) == 1);
	CHECK_RC(flatvm_grant(fd, pidfd, p, 4 * 4096, RD), 0);
	CHECK(write(pfd[1], "g", 1) == 1);
	CHECK_RC(wait_exit(pid), 0);
	CHECK_RC(flatvm_release(fd, p, 4 * 4096), 0);
	return 0;
}

struct test {
	const char *name;
	int (*fn)(void);
};

static const struct test tests[] = {
	{ "lib_device", t_device },
	{ "lib_send_recv_range", t_send_recv_range },
	{ "lib_heap_shared_list", t_heap_shared_list },
	{ "lib_heap_grantee_exits", t_heap_grantee_exits },
	{ "lib_heap_threads", t_heap_threads },
	{ "lib_attach_at", t_attach_at },
};

/* Nothing left in the module: 0, else 1 with the reason in @why. */
static int leak_check(char *why, size_t n)
{
	struct flatvm_stats s;
	char buf[64] = "";
	int fd, tries;
	FILE *f;

	fd = flatvm_open(O_RDONLY);
	if (fd < 0) {
		snprintf(why, n, "open: %s", flatvm_strerror(FLATVM_OP_OPEN, fd));
		return 1;
	}
	for (tries = 0; tries < 20; tries++) {
		if (flatvm_stats(fd, &s) == 0 && !s.pages && !s.ranges &&
		    !s.holders && !s.processes)
			break;
		usleep(50000);
	}
	flatvm_close(fd);
	if (tries == 20) {
		snprintf(why, n, "left behind: %llu pages %llu ranges %llu holders %llu processes",
			 (unsigned long long)s.pages, (unsigned long long)s.ranges,
			 (unsigned long long)s.holders, (unsigned long long)s.processes);
		return 1;
	}
	f = fopen("/sys/kernel/debug/flatvm/check", "r");
	if (!f || !fgets(buf, sizeof(buf), f) || strcmp(buf, "ok\n")) {
		snprintf(why, n, "debugfs check: %s", f ? buf : strerror(errno));
		if (f)
			fclose(f);
		return 1;
	}
	fclose(f);
	return 0;
}

/* The "hold" mode (see the top of the file); returns only on error. */
static int hold(void)
{
	int fd = flatvm_open(O_RDWR), to[2], from[2], pidfd;
	void *a, *b;
	pid_t pid;
	char c;

	if (fd < 0 || pipe(to) || pipe(from) ||
	    flatvm_alloc(fd, 8192, 0, RW, 0, &a) ||
	    flatvm_alloc(fd, 1 << 20, 1 << 20, RD, FLATVM_ALLOC_LAZY, &b))
		return 1;
	pid = fork();
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (flatvm_accept(fd, FLATVM_ACCEPT_USER, NULL) ||
		    write(from[1], "r", 1) != 1 ||
		    read(to[0], &c, 1) != 1 || flatvm_attach(fd, a, 8192, RD) ||
		    write(from[1], "a", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	pidfd = flatvm_pidfd_open(pid);
	if (pidfd < 0 || read(from[0], &c, 1) != 1 ||
	    flatvm_grant(fd, pidfd, a, 8192, RD) ||
	    write(to[1], "g", 1) != 1 || read(from[0], &c, 1) != 1)
		return 1;
	printf("%p %p %d\n", a, b, (int)pid);
	fflush(stdout);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	unsigned int passed = 0, failed = 0, i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "hold"))
		return hold();
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		char why[256] = "";
		pid_t pid;
		int st;

		if (argc > 1 && !strstr(tests[i].name, argv[1]))
			continue;
		fflush(stdout);
		pid = fork();
		if (!pid) {
			setpgid(0, 0);
			alarm(120);
			_exit(tests[i].fn() ? 1 : 0);
		}
		setpgid(pid, pid);
		st = wait_exit(pid);
		kill(-pid, SIGKILL);
		while (wait(NULL) > 0 || errno == EINTR)
			;
		if (st)
			snprintf(why, sizeof(why), "status %d", st);
		else
			leak_check(why, sizeof(why));
		if (why[0]) {
			printf("FAIL %s: %s\n", tests[i].name, why);
			failed++;
		} else {
			printf("PASS %s\n", tests[i].name);
			passed++;
		}
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
