// SPDX-License-Identifier: GPL-2.0
/*
 * libflatvm host tests: passing ranges between processes (pidfds and range
 * messages over Unix sockets), both sides, and their failures.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lt.h"

static int wait_exit(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int t_pidfd(void)
{
	int pidfd, pfd[2];
	pid_t pid;

	pidfd = flatvm_pidfd_open(0);
	CHECK(pidfd >= 0);
	CHECK_RC(flatvm_pidfd_pid(pidfd), getpid());
	close(pidfd);
	CHECK_RC(flatvm_pidfd_open(-1), -EINVAL);
	CHECK_RC(flatvm_pidfd_pid(-1), -EBADF);
	CHECK(pipe(pfd) == 0);
	CHECK_RC(flatvm_pidfd_pid(pfd[0]), -EBADF);
	close(pfd[0]);
	close(pfd[1]);
	/* An exited (and reaped) child: its pidfd says so. */
	pid = fork();
	if (!pid)
		_exit(0);
	pidfd = flatvm_pidfd_open(pid);
	CHECK(pidfd >= 0);
	CHECK(wait_exit(pid) == 0);
	CHECK_RC(flatvm_pidfd_pid(pidfd), -ESRCH);
	close(pidfd);
	return 0;
}

static int t_pidfd_over_socket(void)
{
	int sv[2], pidfd;
	pid_t pid;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	pid = fork();
	if (!pid) {
		close(sv[0]);
		_exit(flatvm_send_pidfd(sv[1]) ? 1 : 0);
	}
	close(sv[1]);
	pidfd = flatvm_recv_pidfd(sv[0]);
	CHECK(pidfd >= 0);
	CHECK(fcntl(pidfd, F_GETFD) & FD_CLOEXEC);
	CHECK_RC(flatvm_pidfd_pid(pidfd), pid);
	CHECK(wait_exit(pid) == 0);
	/* The peer is gone: end of stream. */
	CHECK_RC(flatvm_recv_pidfd(sv[0]), -ECONNRESET);
	close(pidfd);
	close(sv[0]);
	return 0;
}

static int t_pidfd_malformed(void)
{
	int sv[2], pfd[2];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	/* A byte without a descriptor. */
	CHECK(write(sv[1], "P", 1) == 1);
	CHECK_RC(flatvm_recv_pidfd(sv[0]), -EPROTO);
	/* A descriptor with the wrong byte: refused and closed. */
	CHECK(pipe(pfd) == 0);
	{
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} u;
		char byte = 'X';
		struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
		};
		struct cmsghdr *cm;

		memset(&u, 0, sizeof(u));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &pfd[0], sizeof(int));
		CHECK(sendmsg(sv[1], &mh, 0) == 1);
	}
	CHECK_RC(flatvm_recv_pidfd(sv[0]), -EPROTO);
	CHECK_RC(flatvm_send_pidfd(pfd[0]), -ENOTSOCK);
	close(pfd[0]);
	close(pfd[1]);
	CHECK_RC(flatvm_recv_pidfd(-1), -EBADF);
	CHECK_RC(flatvm_send_pidfd(-1), -EBADF);
	close(sv[0]);
	close(sv[1]);
	return 0;
}

/* The receiving side: pidfd out, range in, read it, check it is read-only. */
static int receiver(int sock)
{
	struct flatvm_range_msg msg;
	int fd = lt_open(), rc = 0;

	if (fd < 0)
		return 20;
	if (flatvm_send_pidfd(sock))
		rc = 21;
	else if (flatvm_recv_range(fd, sock, 0, &msg))
		rc = 22;
	else if (msg.rights != RD || msg.len != 8192 || msg.tag != 77)
		rc = 23;
	else if (strcmp((char *)(uintptr_t)msg.addr, "shared text"))
		rc = 24;
	else if (lt_probe_write((void *)(uintptr_t)msg.addr) != SIGSEGV)
		rc = 25;
	if (!rc)
		flatvm_release(fd, (void *)(uintptr_t)msg.addr, msg.len);
	flatvm_close(fd);
	return rc;
}

static int t_send_recv_range(void)
{
	int sv[2], fd = lt_open(), pidfd;
	char *addr;
	pid_t pid;

	CHECK(fd >= 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK_RC(flatvm_alloc(fd, 8192, 0, RW, 0, (void **)&addr), 0);
	strcpy(addr, "shared text");
	pid = fork();
	if (!pid) {
		close(sv[0]);
		_exit(receiver(sv[1]));
	}
	close(sv[1]);
	pidfd = flatvm_recv_pidfd(sv[0]);
	CHECK(pidfd >= 0);
	CHECK_RC(flatvm_send_range(fd, sv[0], pidfd, addr, 8192, RD, 77), 0);
	CHECK_RC(wait_exit(pid), 0);
	CHECK_RC(flatvm_release(fd, addr, 8192), 0);
	close(pidfd);
	close(sv[0]);
	flatvm_close(fd);
	return 0;
}

/* A send that fails after the grant takes the grant back. */
static int t_send_range_peer_gone(void)
{
	int sv[2], fd = lt_open(), pidfd;
	struct flatvm_query q;
	void *addr;
	pid_t pid;

	CHECK(fd >= 0);
	pid = fork();
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pause();
		_exit(0);
	}
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK_RC(flatvm_alloc(fd, 4096, 0, RW, 0, &addr), 0);
	pidfd = flatvm_pidfd_open(pid);
	CHECK(pidfd >= 0);
	close(sv[1]);
	CHECK_RC(flatvm_send_range(fd, sv[0], pidfd, addr, 4096, RD, 0), -EPIPE);
	CHECK_RC(flatvm_query(fd, addr, &q), 0);
	CHECK(q.nholders == 1);
	/* A grant that fails sends nothing. */
	CHECK_RC(flatvm_send_range(fd, sv[0], pidfd, addr, 4096, RW | FLATVM_RIGHT_EXEC, 0),
		 -EACCES);
	kill(pid, SIGKILL);
	wait_exit(pid);
	CHECK_RC(flatvm_release(fd, addr, 4096), 0);
	close(pidfd);
	close(sv[0]);
	flatvm_close(fd);
	return 0;
}

static int t_recv_range_malformed(void)
{
	struct flatvm_range_msg msg = { .magic = 0xdead, .len = 4096 };
	int sv[2], fd = lt_open();

	CHECK(fd >= 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(write(sv[1], &msg, sizeof(msg)) == sizeof(msg));
	CHECK_RC(flatvm_recv_range(fd, sv[0], 0, &msg), -EPROTO);
	msg.magic = FLATVM_RANGE_MSG_MAGIC;
	msg.len = 0;
	CHECK(write(sv[1], &msg, sizeof(msg)) == sizeof(msg));
	CHECK_RC(flatvm_recv_range(fd, sv[0], 0, &msg), -EPROTO);
	/* A well-formed message for a span not granted: attach's error. */
	msg.addr = fake_dev_base();
	msg.len = 4096;
	msg.rights = RD;
	CHECK(write(sv[1], &msg, sizeof(msg)) == sizeof(msg));
	CHECK_RC(flatvm_recv_range(fd, sv[0], 0, &msg), -EACCES);
	/* Half a message, then the end of the stream. */
	CHECK(write(sv[1], &msg, 8) == 8);
	close(sv[1]);
	CHECK_RC(flatvm_recv_range(fd, sv[0], 0, &msg), -ECONNRESET);
	close(sv[0]);
	flatvm_close(fd);
	return 0;
}

const struct lt_case lt_share_cases[] = {
	{ "share.pidfd", t_pidfd },
	{ "share.pidfd_over_socket", t_pidfd_over_socket },
	{ "share.pidfd_malformed", t_pidfd_malformed },
	{ "share.send_recv_range", t_send_recv_range },
	{ "share.send_range_peer_gone", t_send_range_peer_gone },
	{ "share.recv_range_malformed", t_recv_range_malformed },
	{ NULL, NULL }
};
