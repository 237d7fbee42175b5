// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm integration tests: the device through libflatvm (and one raw
 * ioctl call for the bad-input table), memory probes, peers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"
#include "libflatvm.h"

uint64_t win_base, win_size;

void it_fail(const char *file, int line, const char *what)
{
	printf("    %s:%d: check failed: %s\n", file, line, what);
	fflush(stdout);
}

void it_fail_rc(const char *file, int line, const char *what, long got,
		long want)
{
	printf("    %s:%d: %s = %ld (%s), want %ld (%s)\n", file, line, what,
	       got, got < 0 ? strerror((int)-got) : "ok", want,
	       want < 0 ? strerror((int)-want) : "ok");
	fflush(stdout);
}

int fv_open(void)
{
	return flatvm_open(O_RDWR);
}

/* The raw call: t_bad.c's table hands the module what no wrapper would. */
int fv_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static void *ptr(uint64_t addr)
{
	return (void *)(uintptr_t)addr;
}

int fv_alloc(int fd, uint64_t len, uint32_t rights, uint32_t flags,
	     uint64_t *addr)
{
	void *p;
	int ret = flatvm_alloc(fd, len, 0, rights, flags, &p);

	if (!ret && addr)
		*addr = (uintptr_t)p;
	return ret;
}

int fv_grant(int fd, int pidfd, uint64_t addr, uint64_t len, uint32_t rights)
{
	return flatvm_grant(fd, pidfd, ptr(addr), len, rights);
}

int fv_attach(int fd, uint64_t addr, uint64_t len, uint32_t rights)
{
	return flatvm_attach(fd, ptr(addr), len, rights);
}

int fv_release(int fd, uint64_t addr, uint64_t len)
{
	return flatvm_release(fd, ptr(addr), len);
}

int fv_revoke(int fd, int pidfd, uint64_t addr, uint64_t len)
{
	return flatvm_revoke(fd, pidfd, ptr(addr), len);
}

/* @q is zeroed when the call fails. */
int fv_query(int fd, uint64_t addr, struct flatvm_query *q)
{
	memset(q, 0, sizeof(*q));
	return flatvm_query(fd, ptr(addr), q);
}

int fv_accept(int fd, uint32_t from, uint32_t *previous)
{
	struct flatvm_accept a = { .size = sizeof(a), .from = from };
	int ret = fv_ioctl(fd, FLATVM_IOC_ACCEPT, &a);

	if (!ret && previous)
		*previous = a.previous;
	return ret;
}

int fv_stats(int fd, struct flatvm_stats *s)
{
	memset(s, 0, sizeof(*s));
	return flatvm_stats(fd, s);
}

static sigjmp_buf probe_env;
static volatile sig_atomic_t probe_sig;

static void probe_handler(int sig)
{
	probe_sig = sig;
	siglongjmp(probe_env, 1);
}

/* Run one access with SIGSEGV/SIGBUS turned into a return value. */
#define PROBE(stmt)							\
	do {								\
		struct sigaction sa = { .sa_handler = probe_handler };	\
		struct sigaction old_segv, old_bus;			\
									\
		sa.sa_flags = SA_NODEFER;				\
		sigaction(SIGSEGV, &sa, &old_segv);			\
		sigaction(SIGBUS, &sa, &old_bus);			\
		probe_sig = 0;						\
		if (!sigsetjmp(probe_env, 1)) {				\
			stmt;						\
		}							\
		sigaction(SIGSEGV, &old_segv, NULL);			\
		sigaction(SIGBUS, &old_bus, NULL);			\
		return probe_sig;					\
	} while (0)

int probe_read(const void *p, uint8_t *out)
{
	PROBE(*out = *(const volatile uint8_t *)p);
}

int probe_write(void *p, uint8_t v)
{
	PROBE(*(volatile uint8_t *)p = v);
}

int probe_exec(void *p, int *ret)
{
	int (*fn)(void) = (int (*)(void))p;

	PROBE(*ret = fn());
}

int checker_ok(void)
{
	char buf[64] = "";
	FILE *f = fopen("/sys/kernel/debug/flatvm/check", "r");
	int ok;

	if (!f)
		return 0;
	ok = fgets(buf, sizeof(buf), f) && !strcmp(buf, "ok\n");
	fclose(f);
	return ok;
}

int pidfd_of(pid_t pid)
{
	return pid > 0 ? flatvm_pidfd_open(pid) : -EINVAL;
}

static int param_path(char *buf, size_t n, const char *name)
{
	return snprintf(buf, n, "/sys/module/flatvm/parameters/%s", name);
}

int set_param(const char *name, unsigned long value)
{
	char path[128];
	FILE *f;
	int ret;

	param_path(path, sizeof(path), name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	ret = fprintf(f, "%lu\n", value) < 0 ? -EIO : 0;
	if (fclose(f))
		ret = -errno;
	return ret;
}

unsigned long get_param(const char *name)
{
	unsigned long v = 0;
	char path[128];
	FILE *f;

	param_path(path, sizeof(path), name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%lu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

int wait_status(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

/*
 * The peer accepts grants from its user (root's, as the test) before fn
 * runs, and peer_start() returns once it has: a GRANT to a process flatvm
 * does not know fails.
 */
int peer_start(struct peer *p, int (*fn)(struct peer *self))
{
	int down[2], up[2];
	uint64_t ready;

	if (pipe2(down, O_CLOEXEC) || pipe2(up, O_CLOEXEC))
		return -errno;
	fflush(stdout);
	p->pid = fork();
	if (p->pid < 0)
		return -errno;
	if (!p->pid) {
		struct peer self = { .pid = getpid(), .pidfd = -1,
				     .rd = down[0], .wr = up[1] };
		int fd = fv_open();

		close(down[1]);
		close(up[0]);
		if (fd < 0 || fv_accept(fd, FLATVM_ACCEPT_USER, NULL) ||
		    peer_send(&self, 0))
			_exit(125);
		close(fd);
		_exit(fn(&self));
	}
	close(down[0]);
	close(up[1]);
	p->rd = up[0];
	p->wr = down[1];
	p->pidfd = pidfd_of(p->pid);
	if (p->pidfd < 0)
		return p->pidfd;
	return peer_recv(p, &ready);
}

int peer_send(const struct peer *p, uint64_t v)
{
	return write(p->wr, &v, sizeof(v)) == sizeof(v) ? 0 : -EPIPE;
}

int peer_recv(const struct peer *p, uint64_t *v)
{
	return read(p->rd, v, sizeof(*v)) == sizeof(*v) ? 0 : -EPIPE;
}

int peer_wait(struct peer *p)
{
	int st = wait_status(p->pid);

	close(p->rd);
	close(p->wr);
	if (p->pidfd >= 0)
		close(p->pidfd);
	return st;
}
