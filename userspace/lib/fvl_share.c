// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libflatvm: passing a range to another process over a Unix socket.
 *
 * The grantee is named by a pidfd, which the grantee sends itself
 * (SCM_RIGHTS), so the giver never resolves a pid that may have been
 * reused.  A range travels as one struct flatvm_range_msg after the grant;
 * the receiver attaches it.  Both messages are sent whole with MSG_NOSIGNAL
 * (a closed peer is -EPIPE, not SIGPIPE) and received with MSG_WAITALL.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "libflatvm.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open	434
#endif

/* The one byte that carries the pidfd. */
#define FVL_PIDFD_BYTE	'P'

int flatvm_pidfd_open(pid_t pid)
{
	long fd;

	if (pid < 0)
		return -EINVAL;
	fd = syscall(SYS_pidfd_open, pid ? pid : getpid(), 0);
	if (fd < 0)
		return -errno;
	/* pidfd_open() sets O_CLOEXEC itself. */
	return (int)fd;
}

int flatvm_pidfd_pid(int pidfd)
{
	char path[64], line[128];
	int pid = 0, found = 0;
	FILE *f;

	if (pidfd < 0)
		return -EBADF;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT && access("/proc/self", F_OK) == 0 ?
		       -EBADF : -ENOENT;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Pid: %d", &pid) == 1) {
			found = 1;
			break;
		}
	fclose(f);
	if (!found)
		return -EBADF;
	return pid > 0 ? pid : -ESRCH;
}

static int fvl_send_all(int sock, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(sock, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int fvl_recv_all(int sock, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = recv(sock, p, len, MSG_WAITALL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0) {
			errno = ECONNRESET;
			return -ECONNRESET;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int flatvm_send_pidfd(int sock)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	char byte = FVL_PIDFD_BYTE;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	int pidfd, ret = 0;

	pidfd = flatvm_pidfd_open(0);
	if (pidfd < 0)
		return pidfd;
	memset(&u, 0, sizeof(u));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &pidfd, sizeof(int));
	while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR) {
			ret = -errno;
			break;
		}
	}
	close(pidfd);
	if (ret)
		errno = -ret;
	return ret;
}

/* Close every descriptor a received control message carries. */
static void fvl_close_rights(struct msghdr *mh)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		size_t i, n;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			close(fd);
		}
	}
}

int flatvm_recv_pidfd(int sock)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	char byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	ssize_t n;
	int fd;

	memset(&u, 0, sizeof(u));
	do {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0) {
		errno = ECONNRESET;
		return -ECONNRESET;
	}
	cm = CMSG_FIRSTHDR(&mh);
	if (byte != FVL_PIDFD_BYTE || (mh.msg_flags & MSG_CTRUNC) || !cm ||
	    cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(sizeof(int))) {
		fvl_close_rights(&mh);
		errno = EPROTO;
		return -EPROTO;
	}
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

int flatvm_send_range(int fd, int sock, int pidfd, const void *addr,
		      uint64_t len, uint32_t rights, uint64_t tag)
{
	struct flatvm_range_msg msg = {
		.magic = FLATVM_RANGE_MSG_MAGIC, .rights = rights,
		.addr = (uintptr_t)addr, .len = len, .tag = tag,
	};
	int ret;

	ret = flatvm_grant(fd, pidfd, addr, len, rights);
	if (ret)
		return ret;
	ret = fvl_send_all(sock, &msg, sizeof(msg));
	if (ret) {
		/* The peer will never attach: take the grant back. */
		flatvm_revoke(fd, pidfd, addr, len);
		errno = -ret;
	}
	return ret;
}

int flatvm_recv_range(int fd, int sock, uint32_t rights,
		      struct flatvm_range_msg *msg)
{
	int ret;

	ret = fvl_recv_all(sock, msg, sizeof(*msg));
	if (ret)
		return ret;
	if (msg->magic != FLATVM_RANGE_MSG_MAGIC || !msg->len ||
	    (msg->rights & ~FLATVM_RIGHTS_ALL)) {
		errno = EPROTO;
		return -EPROTO;
	}
	return flatvm_attach(fd, (void *)(uintptr_t)msg->addr, msg->len,
			     rights ? rights : msg->rights);
}
