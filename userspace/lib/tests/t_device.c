// SPDX-License-Identifier: GPL-2.0
/*
 * libflatvm host tests: the device wrappers.  What each wrapper puts in its
 * argument struct (read back from the fake), what it returns for each errno,
 * what flatvm_strerror() says, and opening things that are not the device.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lt.h"

static int t_open_errors(void)
{
	int fd;

	CHECK_RC(flatvm_open_path("/nonexistent/flatvm", O_RDWR), -ENOENT);
	CHECK(errno == ENOENT);
	CHECK_RC(flatvm_open_path("/dev/null", O_RDWR), -ENOTTY);
	CHECK(errno == ENOTTY);
	CHECK_RC(flatvm_open_path(fake_dev_path(), O_WRONLY), -EINVAL);
	CHECK_RC(flatvm_open_path(fake_dev_path(), O_RDWR | O_CREAT), -EINVAL);
	fd = lt_open();
	CHECK(fd >= 0);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	CHECK_RC(flatvm_close(fd), 0);
	CHECK_RC(flatvm_close(fd), -EBADF);
	/* Without the module there is no node: the default path fails so. */
	if (access(FLATVM_DEVICE, F_OK))
		CHECK_RC(flatvm_open(O_RDWR), -ENOENT);
	return 0;
}

static int t_alloc_packing(void)
{
	struct flatvm_alloc a;
	void *addr = NULL;
	int fd = lt_open();

	CHECK(fd >= 0);
	CHECK_RC(flatvm_alloc(fd, 8192, 1 << 20, RW, FLATVM_ALLOC_LAZY, &addr), 0);
	fake_dev_last_arg(FLATVM_IOC_ALLOC, &a, sizeof(a));
	CHECK(a.size == sizeof(a));
	CHECK(a.flags == FLATVM_ALLOC_LAZY);
	CHECK(a.len == 8192 && a.align == 1 << 20 && a.rights == RW);
	CHECK(a.pad == 0);
	CHECK(addr && (uintptr_t)addr % (1 << 20) == 0);
	CHECK(lt_probe_write(addr) == 0);
	CHECK(((char *)addr)[0] == 0);
	CHECK_RC(flatvm_release(fd, addr, 8192), 0);
	flatvm_close(fd);
	return 0;
}

static int t_accept_packing(void)
{
	struct flatvm_accept a;
	uint32_t prev = 99;
	int fd = lt_open();

	CHECK(fd >= 0);
	CHECK_RC(flatvm_accept(fd, FLATVM_ACCEPT_ANY, &prev), 0);
	fake_dev_last_arg(FLATVM_IOC_ACCEPT, &a, sizeof(a));
	CHECK(a.size == sizeof(a) && a.flags == 0);
	CHECK(a.from == FLATVM_ACCEPT_ANY);
	CHECK(prev == FLATVM_ACCEPT_NONE);
	CHECK_RC(flatvm_accept(fd, FLATVM_ACCEPT_USER, &prev), 0);
	CHECK(prev == FLATVM_ACCEPT_ANY);
	CHECK_RC(flatvm_accept(fd, FLATVM_ACCEPT_NONE, NULL), 0);
	CHECK_RC(flatvm_accept(fd, 3, &prev), -EINVAL);
	CHECK(errno == EINVAL);
	flatvm_close(fd);
	return 0;
}

static int t_span_packing(void)
{
	struct flatvm_release rel;
	struct flatvm_attach at;
	struct flatvm_query q, qa;
	struct flatvm_stats st, sa;
	void *addr;
	int fd = lt_open();

	CHECK(fd >= 0);
	CHECK_RC(flatvm_alloc(fd, 4096, 0, RW, 0, &addr), 0);
	CHECK_RC(flatvm_attach(fd, addr, 4096, RD), 0);
	fake_dev_last_arg(FLATVM_IOC_ATTACH, &at, sizeof(at));
	CHECK(at.size == sizeof(at) && !at.flags && !at.pad);
	CHECK(at.addr == (uintptr_t)addr && at.len == 4096 && at.rights == RD);
	CHECK(lt_probe_write(addr) == SIGSEGV);
	CHECK(lt_probe_read(addr) == 0);

	CHECK_RC(flatvm_query(fd, (char *)addr + 100, &q), 0);
	fake_dev_last_arg(FLATVM_IOC_QUERY, &qa, sizeof(qa));
	CHECK(qa.size == sizeof(qa) && !qa.flags);
	CHECK(qa.addr == (uintptr_t)addr + 100);
	CHECK(q.range_start == (uintptr_t)addr && q.range_len == 4096);
	CHECK(q.rights == RW && q.nholders == 1);
	CHECK(q.oflags & FLATVM_QUERY_MAPPED);

	CHECK_RC(flatvm_stats(fd, &st), 0);
	fake_dev_last_arg(FLATVM_IOC_STATS, &sa, sizeof(sa));
	CHECK(sa.size == sizeof(sa) && !sa.flags);
	CHECK(st.window_base == fake_dev_base() && st.ranges == 1);

	CHECK_RC(flatvm_release(fd, addr, 4096), 0);
	fake_dev_last_arg(FLATVM_IOC_RELEASE, &rel, sizeof(rel));
	CHECK(rel.size == sizeof(rel) && !rel.flags);
	CHECK(rel.addr == (uintptr_t)addr && rel.len == 4096);
	/* The query struct is not written on error. */
	memset(&q, 0x5a, sizeof(q));
	CHECK_RC(flatvm_query(fd, addr, &q), -ENOENT);
	CHECK(q.range_id == 0x5a5a5a5a5a5a5a5aull);
	flatvm_close(fd);
	return 0;
}

static int t_grant_revoke_packing(void)
{
	struct flatvm_grant g;
	struct flatvm_revoke r;
	int fd = lt_open(), pidfd, st;
	void *addr;
	pid_t pid;

	CHECK(fd >= 0);
	pid = fork();
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pause();
		_exit(0);
	}
	pidfd = flatvm_pidfd_open(pid);
	CHECK(pidfd >= 0);
	CHECK_RC(flatvm_alloc(fd, 4096, 0, RW, 0, &addr), 0);
	CHECK_RC(flatvm_grant(fd, pidfd, addr, 4096, RD), 0);
	fake_dev_last_arg(FLATVM_IOC_GRANT, &g, sizeof(g));
	CHECK(g.size == sizeof(g) && !g.flags && g.pidfd == pidfd);
	CHECK(g.rights == RD && g.addr == (uintptr_t)addr && g.len == 4096);
	CHECK_RC(flatvm_grant(fd, pidfd, addr, 4096, RD), -EEXIST);
	CHECK_RC(flatvm_revoke(fd, pidfd, addr, 4096), 0);
	fake_dev_last_arg(FLATVM_IOC_REVOKE, &r, sizeof(r));
	CHECK(r.size == sizeof(r) && !r.flags && !r.pad && r.pidfd == pidfd);
	CHECK(r.addr == (uintptr_t)addr && r.len == 4096);
	CHECK_RC(flatvm_revoke(fd, pidfd, addr, 4096), -ENOENT);
	CHECK_RC(flatvm_grant(fd, fd, addr, 4096, RD), -EBADF);
	CHECK_RC(flatvm_release(fd, addr, 4096), 0);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	close(pidfd);
	flatvm_close(fd);
	return 0;
}

/* Every errno of every ioctl comes back as -errno, with errno set. */
static int t_errno_mapping(void)
{
	static const struct {
		unsigned long cmd;
		int err;
	} rows[] = {
		{ FLATVM_IOC_ALLOC, ENOSPC }, { FLATVM_IOC_ALLOC, EDQUOT },
		{ FLATVM_IOC_ALLOC, ENOBUFS }, { FLATVM_IOC_ALLOC, ENOMEM },
		{ FLATVM_IOC_ALLOC, EEXIST }, { FLATVM_IOC_ALLOC, EACCES },
		{ FLATVM_IOC_GRANT, ESRCH }, { FLATVM_IOC_GRANT, EACCES },
		{ FLATVM_IOC_ATTACH, EEXIST }, { FLATVM_IOC_ATTACH, ENOMEM },
		{ FLATVM_IOC_RELEASE, ENOENT }, { FLATVM_IOC_REVOKE, EPERM },
		{ FLATVM_IOC_QUERY, ENOENT }, { FLATVM_IOC_STATS, EFAULT },
		{ FLATVM_IOC_GRANT, E2BIG },
	};
	struct flatvm_query q;
	struct flatvm_stats st;
	void *addr = (void *)0x1234;
	int fd = lt_open(), ret = 0;
	size_t i;

	CHECK(fd >= 0);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		void *p = (void *)fake_dev_base();

		fake_dev_fail_next(rows[i].cmd, rows[i].err);
		errno = 0;
		switch (rows[i].cmd) {
		case FLATVM_IOC_ALLOC:
			ret = flatvm_alloc(fd, 4096, 0, RW, 0, &addr);
			CHECK(addr == (void *)0x1234);
			break;
		case FLATVM_IOC_GRANT:
			ret = flatvm_grant(fd, 0, p, 4096, RD);
			break;
		case FLATVM_IOC_ATTACH:
			ret = flatvm_attach(fd, p, 4096, RD);
			break;
		case FLATVM_IOC_RELEASE:
			ret = flatvm_release(fd, p, 4096);
			break;
		case FLATVM_IOC_REVOKE:
			ret = flatvm_revoke(fd, 0, p, 4096);
			break;
		case FLATVM_IOC_QUERY:
			ret = flatvm_query(fd, p, &q);
			break;
		case FLATVM_IOC_STATS:
			ret = flatvm_stats(fd, &st);
			break;
		}
		CHECK_RC(ret, -rows[i].err);
		CHECK(errno == rows[i].err);
	}
	/* The fake's own checks, as the module's, come through too. */
	CHECK_RC(flatvm_alloc(fd, 4096, 0, FLATVM_RIGHT_WRITE, 0, &addr), -EINVAL);
	CHECK_RC(flatvm_alloc(fd, 100, 0, RW, 0, &addr), -EINVAL);
	CHECK_RC(flatvm_alloc(fd, 4096, 3 << 12, RW, 0, &addr), -EINVAL);
	CHECK_RC(flatvm_alloc(fd, 4096, 0, RW, 1u << 7, &addr), -EINVAL);
	CHECK_RC(flatvm_alloc(fd, FAKE_WINDOW * 2, 0, RW, 0, &addr), -ENOSPC);
	CHECK(addr == (void *)0x1234);
	flatvm_close(fd);
	return 0;
}

static int t_readonly_descriptor(void)
{
	int fd = flatvm_open_path(fake_dev_path(), O_RDONLY);
	void *addr;

	CHECK(fd >= 0);
	CHECK_RC(flatvm_alloc(fd, 4096, 0, RW, 0, &addr), -EACCES);
	CHECK_RC(flatvm_alloc(fd, 4096, 0, RD, 0, &addr), 0);
	CHECK(lt_probe_read(addr) == 0 && lt_probe_write(addr) == SIGSEGV);
	CHECK_RC(flatvm_release(fd, addr, 4096), 0);
	flatvm_close(fd);
	return 0;
}

static int t_strerror(void)
{
	CHECK(strstr(flatvm_strerror(FLATVM_OP_ALLOC, -EDQUOT), "max_user_pages"));
	CHECK(strstr(flatvm_strerror(FLATVM_OP_ALLOC, EDQUOT), "max_user_pages"));
	CHECK(strstr(flatvm_strerror(FLATVM_OP_ALLOC, -ENOBUFS), "max_pages"));
	CHECK(strstr(flatvm_strerror(FLATVM_OP_GRANT, -ESRCH), "exited"));
	CHECK(strstr(flatvm_strerror(FLATVM_OP_REVOKE, -EPERM), "owner"));
	CHECK(strstr(flatvm_strerror(FLATVM_OP_GRANT, -EPERM), "accept"));
	CHECK(strstr(flatvm_strerror(FLATVM_OP_ALLOC, -EFBIG), "max_user_bytes"));
	CHECK(strstr(flatvm_strerror(FLATVM_OP_OPEN, -ENOENT), "not loaded"));
	/* The same errno means different things for different operations. */
	CHECK(strcmp(flatvm_strerror(FLATVM_OP_ALLOC, -EACCES),
		     flatvm_strerror(FLATVM_OP_ATTACH, -EACCES)));
	/* Errors shared by every ioctl, but not by open(). */
	CHECK(strstr(flatvm_strerror(FLATVM_OP_QUERY, -ENOTTY), "not a flatvm"));
	CHECK(strstr(flatvm_strerror(FLATVM_OP_STATS, -EFAULT), "pointer"));
	CHECK(!strcmp(flatvm_strerror(FLATVM_OP_OPEN, -EFAULT), strerror(EFAULT)));
	/* Unknown to the tables: the C library's text. */
	CHECK(!strcmp(flatvm_strerror(FLATVM_OP_QUERY, -EXDEV), strerror(EXDEV)));
	CHECK(!strcmp(flatvm_strerror(FLATVM_OP_COUNT, -ENOENT), strerror(ENOENT)));
	CHECK(!strcmp(flatvm_op_name(FLATVM_OP_REVOKE), "revoke"));
	CHECK(!strcmp(flatvm_op_name(FLATVM_OP_COUNT), "?"));
	CHECK(!strcmp(flatvm_op_name((enum flatvm_op)-1), "?"));
	return 0;
}

static int t_attach_at(void)
{
	int fd = lt_open(), pfd[2], pidfd, st;
	char *addr;
	pid_t pid;

	CHECK(fd >= 0);
	CHECK(pipe(pfd) == 0);
	CHECK_RC(flatvm_alloc(fd, 3 * 4096, 0, RW, 0, (void **)&addr), 0);
	strcpy(addr + 5000, "hello");
	pid = fork();
	if (!pid) {
		void *start = NULL;
		uint64_t len = 0;
		char c;
		int rc = 0;

		if (read(pfd[0], &c, 1) != 1)
			_exit(10);
		/* Not mapped in the child until it attaches. */
		if (lt_probe_read(addr + 5000) != SIGSEGV)
			rc = 11;
		else if (flatvm_attach_at(fd, addr + 5000, RW, NULL, NULL) != -EACCES)
			rc = 12;
		else if (flatvm_attach_at(fd, addr + 5000, RD, &start, &len))
			rc = 13;
		else if (start != addr || len != 3 * 4096)
			rc = 14;
		else if (strcmp(addr + 5000, "hello"))
			rc = 15;
		else if (lt_probe_write(addr) != SIGSEGV)
			rc = 16;
		else if (flatvm_attach_at(fd, addr + 4 * 4096, RD, NULL, NULL) != -ENOENT)
			rc = 17;
		flatvm_release(fd, addr, 3 * 4096);
		_exit(rc);
	}
	pidfd = flatvm_pidfd_open(pid);
	CHECK(pidfd >= 0);
	CHECK_RC(flatvm_grant(fd, pidfd, addr, 3 * 4096, RD), 0);
	CHECK(write(pfd[1], "g", 1) == 1);
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_RC(flatvm_release(fd, addr, 3 * 4096), 0);
	close(pidfd);
	close(pfd[0]);
	close(pfd[1]);
	flatvm_close(fd);
	return 0;
}

const struct lt_case lt_device_cases[] = {
	{ "device.open_errors", t_open_errors },
	{ "device.alloc_packing", t_alloc_packing },
	{ "device.accept_packing", t_accept_packing },
	{ "device.span_packing", t_span_packing },
	{ "device.grant_revoke_packing", t_grant_revoke_packing },
	{ "device.errno_mapping", t_errno_mapping },
	{ "device.readonly_descriptor", t_readonly_descriptor },
	{ "device.strerror", t_strerror },
	{ "device.attach_at", t_attach_at },
	{ NULL, NULL }
};
