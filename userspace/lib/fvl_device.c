// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libflatvm: the device.  Opening and closing /dev/flatvm, one wrapper per
 * ioctl, and what each errno means for each operation.
 *
 * Every operation is one row of fvl_ops[] (its name, its ioctl number, its
 * errors); a new ioctl is a new enum flatvm_op value, a row here and a
 * wrapper, a new errno one line in its operation's table.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libflatvm.h"

struct fvl_err {
	int err;
	const char *text;
};

struct fvl_op_desc {
	const char *name;
	unsigned long cmd;		/* 0: not an ioctl */
	const struct fvl_err *errs;	/* ends with err == 0 */
};

static const struct fvl_err fvl_errs_open[] = {
	{ ENOENT, "no /dev/flatvm: the flatvm module is not loaded" },
	{ EACCES, "permission denied: root, the access_gid group, or access_all=1 (module parameters)" },
	{ ENOTTY, "not a flatvm device" },
	{ EOPNOTSUPP, "32-bit callers cannot use flatvm" },
	{ 0, NULL }
};

static const struct fvl_err fvl_errs_alloc[] = {
	{ ENOSPC, "no free run of the window is large enough" },
	{ EFBIG, "the user's address space quota (max_user_bytes) would be exceeded" },
	{ EMFILE, "the user's range quota (max_user_ranges) would be exceeded" },
	{ EMLINK, "the user's hold record quota (max_user_records) would be exceeded" },
	{ EDQUOT, "the user's page cap (max_user_pages) would be exceeded" },
	{ ENOBUFS, "the module's page cap (max_pages) would be exceeded" },
	{ ENOMEM, "out of memory" },
	{ EEXIST, "the window cannot be reserved: a foreign mapping lies inside it" },
	{ EACCES, "writable range asked on a read-only descriptor" },
	{ 0, NULL }
};

static const struct fvl_err fvl_errs_grant[] = {
	{ EBADF, "not a pidfd" },
	{ ESRCH, "the grantee has exited or is not visible" },
	{ EPERM, "the grantee does not accept grants from the caller (FLATVM_IOC_ACCEPT)" },
	{ EINVAL, "bad span, a span crossing two ranges, or the caller itself as grantee" },
	{ ENOENT, "the caller does not hold the whole span" },
	{ EACCES, "rights exceed the caller's" },
	{ EEXIST, "the grantee already holds part of the span" },
	{ EMLINK, "a hold record quota (max_user_records) would be exceeded" },
	{ ERANGE, "the span covers more than 1024 extents: grant it in parts" },
	{ ENOMEM, "out of memory" },
	{ 0, NULL }
};

static const struct fvl_err fvl_errs_attach[] = {
	{ EACCES, "no grant for some page of the span, or with fewer rights" },
	{ EEXIST, "a mapping the module did not create lies in the span or the window" },
	{ ENOMEM, "out of memory" },
	{ 0, NULL }
};

static const struct fvl_err fvl_errs_release[] = {
	{ ENOENT, "the caller holds and maps nothing in the span" },
	{ EMLINK, "cutting an extent would exceed the user's hold record quota (max_user_records)" },
	{ 0, NULL }
};

static const struct fvl_err fvl_errs_revoke[] = {
	{ EBADF, "not a pidfd" },
	{ ESRCH, "the process has exited or is not visible" },
	{ EINVAL, "bad span, or the caller itself" },
	{ EPERM, "the caller is not the owner (the allocator) of every page of the span" },
	{ ENOENT, "the process holds nothing in the span" },
	{ EMLINK, "cutting extents would exceed the user's hold record quota (max_user_records)" },
	{ 0, NULL }
};

static const struct fvl_err fvl_errs_query[] = {
	{ ENOENT, "the caller does not hold the page (free, outside the window, or others' only)" },
	{ 0, NULL }
};

static const struct fvl_err fvl_errs_none[] = {
	{ 0, NULL }
};

/* Meanings shared by every ioctl (after the operation's own). */
static const struct fvl_err fvl_errs_ioctl[] = {
	{ EINVAL, "invalid argument (flags, padding, rights or span)" },
	{ E2BIG, "argument struct larger than the module knows, with non-zero tail" },
	{ EFAULT, "bad argument pointer" },
	{ ENOTTY, "not a flatvm descriptor, or a 32-bit caller" },
	{ EBADF, "the descriptor is not open" },
	{ 0, NULL }
};

static const struct fvl_op_desc fvl_ops[FLATVM_OP_COUNT] = {
	[FLATVM_OP_OPEN]	= { "open", 0, fvl_errs_open },
	[FLATVM_OP_ALLOC]	= { "alloc", FLATVM_IOC_ALLOC, fvl_errs_alloc },
	[FLATVM_OP_GRANT]	= { "grant", FLATVM_IOC_GRANT, fvl_errs_grant },
	[FLATVM_OP_ATTACH]	= { "attach", FLATVM_IOC_ATTACH, fvl_errs_attach },
	[FLATVM_OP_RELEASE]	= { "release", FLATVM_IOC_RELEASE, fvl_errs_release },
	[FLATVM_OP_REVOKE]	= { "revoke", FLATVM_IOC_REVOKE, fvl_errs_revoke },
	[FLATVM_OP_QUERY]	= { "query", FLATVM_IOC_QUERY, fvl_errs_query },
	[FLATVM_OP_STATS]	= { "stats", FLATVM_IOC_STATS, fvl_errs_none },
	[FLATVM_OP_ACCEPT]	= { "accept", FLATVM_IOC_ACCEPT, fvl_errs_none },
};

const char *flatvm_op_name(enum flatvm_op op)
{
	return (unsigned int)op < FLATVM_OP_COUNT ? fvl_ops[op].name : "?";
}

static const char *fvl_find_err(const struct fvl_err *t, int err)
{
	for (; t->err; t++)
		if (t->err == err)
			return t->text;
	return NULL;
}

const char *flatvm_strerror(enum flatvm_op op, int err)
{
	const char *text = NULL;

	if (err < 0)
		err = -err;
	if ((unsigned int)op < FLATVM_OP_COUNT) {
		text = fvl_find_err(fvl_ops[op].errs, err);
		if (!text && fvl_ops[op].cmd)
			text = fvl_find_err(fvl_errs_ioctl, err);
	}
	return text ? text : strerror(err);
}

/* The ioctl of @op on @arg, whose first field is its size. */
static int fvl_call(int fd, enum flatvm_op op, void *arg, uint32_t size)
{
	memcpy(arg, &size, sizeof(size));
	return ioctl(fd, fvl_ops[op].cmd, arg) ? -errno : 0;
}

int flatvm_open_path(const char *path, int oflags)
{
	struct flatvm_stats st;
	int fd, ret;

	if (oflags & ~(O_ACCMODE | O_CLOEXEC))
		return -EINVAL;
	if ((oflags & O_ACCMODE) != O_RDWR && (oflags & O_ACCMODE) != O_RDONLY)
		return -EINVAL;
	fd = open(path, oflags | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = flatvm_stats(fd, &st);
	if (ret) {
		close(fd);
		/* Any file that does not know STATS is not the device. */
		if (ret == -EINVAL || ret == -ENOSYS)
			ret = -ENOTTY;
		errno = -ret;
		return ret;
	}
	return fd;
}

int flatvm_open(int oflags)
{
	return flatvm_open_path(FLATVM_DEVICE, oflags);
}

int flatvm_close(int fd)
{
	return close(fd) ? -errno : 0;
}

int flatvm_alloc(int fd, uint64_t len, uint64_t align, uint32_t rights,
		 uint32_t flags, void **addr)
{
	struct flatvm_alloc a = {
		.flags = flags, .len = len, .align = align, .rights = rights,
	};
	int ret = fvl_call(fd, FLATVM_OP_ALLOC, &a, sizeof(a));

	if (!ret)
		*addr = (void *)(uintptr_t)a.addr;
	return ret;
}

int flatvm_grant(int fd, int pidfd, const void *addr, uint64_t len,
		 uint32_t rights)
{
	struct flatvm_grant g = {
		.pidfd = pidfd, .rights = rights,
		.addr = (uintptr_t)addr, .len = len,
	};

	return fvl_call(fd, FLATVM_OP_GRANT, &g, sizeof(g));
}

int flatvm_attach(int fd, const void *addr, uint64_t len, uint32_t rights)
{
	struct flatvm_attach t = {
		.addr = (uintptr_t)addr, .len = len, .rights = rights,
	};

	return fvl_call(fd, FLATVM_OP_ATTACH, &t, sizeof(t));
}

int flatvm_release(int fd, const void *addr, uint64_t len)
{
	struct flatvm_release r = { .addr = (uintptr_t)addr, .len = len };

	return fvl_call(fd, FLATVM_OP_RELEASE, &r, sizeof(r));
}

int flatvm_revoke(int fd, int pidfd, const void *addr, uint64_t len)
{
	struct flatvm_revoke r = {
		.pidfd = pidfd, .addr = (uintptr_t)addr, .len = len,
	};

	return fvl_call(fd, FLATVM_OP_REVOKE, &r, sizeof(r));
}

int flatvm_query(int fd, const void *addr, struct flatvm_query *q)
{
	struct flatvm_query tmp = { .addr = (uintptr_t)addr };
	int ret = fvl_call(fd, FLATVM_OP_QUERY, &tmp, sizeof(tmp));

	if (!ret)
		*q = tmp;
	return ret;
}

int flatvm_stats(int fd, struct flatvm_stats *st)
{
	struct flatvm_stats tmp = { 0 };
	int ret = fvl_call(fd, FLATVM_OP_STATS, &tmp, sizeof(tmp));

	if (!ret)
		*st = tmp;
	return ret;
}

int flatvm_accept(int fd, uint32_t from, uint32_t *previous)
{
	struct flatvm_accept a = { .from = from };
	int ret = fvl_call(fd, FLATVM_OP_ACCEPT, &a, sizeof(a));

	if (!ret && previous)
		*previous = a.previous;
	return ret;
}

int flatvm_attach_at(int fd, const void *addr, uint32_t rights, void **start,
		     uint64_t *len)
{
	struct flatvm_query q;
	int ret;

	ret = flatvm_query(fd, addr, &q);
	if (ret)
		return ret;
	if ((q.rights & rights) != rights) {
		errno = EACCES;
		return -EACCES;
	}
	ret = flatvm_attach(fd, (void *)(uintptr_t)q.range_start, q.range_len,
			    rights);
	if (ret)
		return ret;
	if (start)
		*start = (void *)(uintptr_t)q.range_start;
	if (len)
		*len = q.range_len;
	return 0;
}
