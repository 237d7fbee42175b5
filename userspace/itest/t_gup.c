// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm integration tests: no page reference escapes the window.
 *
 * Every way user space can make the kernel take a reference on its pages
 * (get_user_pages, fast or slow) is tried on the window, as an attacker
 * would, and must fail: vmsplice, O_DIRECT reads and writes (a loop device,
 * when the VM has one), process_vm_readv/writev, /proc/PID/mem reads and
 * writes, ptrace PEEKDATA/POKEDATA, io_uring fixed buffers (when the kernel
 * has io_uring), and opening the window's own file to map it elsewhere.
 * Plain copies
 * (write(2) from the window) keep working.
 *
 *  - gup_refused: each path by the owner of a range, then by a read-only
 *    grantee before and after REVOKE; the core's checker, which also
 *    counts stored pages referenced by anyone but the store, passes after
 *    each; RELEASE brings STATS back to zero.
 *  - gup_caps: as an unprivileged user with max_user_pages=256, allocate
 *    256 pages, vmsplice and register each, release, four times over: the
 *    pipes stay empty, the cap holds (257 pages: -EDQUOT), nothing is left.
 *  - gup_ptrace: a tracer peeks and pokes its tracee's range.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"
#include "tests.h"

#define SKIPPED		1	/* a path this VM cannot try */

/* Each returns -errno of the refused call, 0 if it worked, or SKIPPED. */

static int try_vmsplice(uint64_t addr)
{
	struct iovec iov = { .iov_base = (void *)addr, .iov_len = PAGE };
	int p[2], ret, queued = -1;

	if (pipe2(p, O_NONBLOCK | O_CLOEXEC))
		return -errno;
	ret = vmsplice(p[1], &iov, 1, 0) < 0 ? -errno : 0;
	/* Refused, and nothing of the page queued in the pipe either. */
	if (ioctl(p[0], FIONREAD, &queued) || queued)
		ret = 0;
	close(p[0]);
	close(p[1]);
	return ret;
}

static int blockdev(void)
{
	const char *dev = getenv("FLATVM_ITEST_BLKDEV");

	return dev ? open(dev, O_RDWR | O_DIRECT | O_CLOEXEC) : -1;
}

static int try_odirect_read(uint64_t addr)
{
	int fd = blockdev(), ret;

	if (fd < 0)
		return SKIPPED;
	ret = pread(fd, (void *)addr, PAGE, 0) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

static int try_odirect_write(uint64_t addr)
{
	int fd = blockdev(), ret;

	if (fd < 0)
		return SKIPPED;
	ret = pwrite(fd, (void *)addr, PAGE, 0) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

/* A kernel without CROSS_MEMORY_ATTACH has no process_vm_*: skipped. */
static int vm_rw(uint64_t addr, int write)
{
	static char buf[PAGE];
	struct iovec local = { buf, PAGE }, remote = { (void *)addr, PAGE };
	ssize_t n;

	if (write)
		n = process_vm_writev(getpid(), &local, 1, &remote, 1, 0);
	else
		n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	if (n < 0 && errno == ENOSYS)
		return SKIPPED;
	return n < 0 ? -errno : 0;
}

static int try_vm_readv(uint64_t addr)
{
	return vm_rw(addr, 0);
}

static int try_vm_writev(uint64_t addr)
{
	return vm_rw(addr, 1);
}

static int proc_mem(uint64_t addr, int write)
{
	static char buf[PAGE];
	int fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	if (write)
		ret = pwrite(fd, buf, PAGE, (off_t)addr) < 0 ? -errno : 0;
	else
		ret = pread(fd, buf, PAGE, (off_t)addr) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

static int try_mem_read(uint64_t addr)
{
	return proc_mem(addr, 0);
}

static int try_mem_write(uint64_t addr)
{
	return proc_mem(addr, 1);
}

static int try_io_uring(uint64_t addr)
{
	struct iovec iov = { .iov_base = (void *)addr, .iov_len = PAGE };
	struct io_uring_params p;
	int fd, ret;

	memset(&p, 0, sizeof(p));
	fd = (int)syscall(__NR_io_uring_setup, 4, &p);
	if (fd < 0)
		return errno == ENOSYS ? SKIPPED : -errno;
	ret = syscall(__NR_io_uring_register, fd, IORING_REGISTER_BUFFERS,
		      &iov, 1) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

/*
 * The window's file cannot be had through /proc/self/map_files: opening
 * it fails (an anonymous inode); were it opened, it would map nowhere.
 */
static int try_map_file(uint64_t addr)
{
	char path[128];
	void *m;
	int fd, ret;

	snprintf(path, sizeof(path), "/proc/self/map_files/%llx-%llx",
		 (unsigned long long)win_base,
		 (unsigned long long)(win_base + win_size));
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	m = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, (off_t)addr);
	ret = m == MAP_FAILED ? -errno : 0;
	if (m != MAP_FAILED)
		munmap(m, PAGE);
	close(fd);
	return ret;
}

static const struct gup_path {
	const char *name;
	int (*try)(uint64_t addr);
	int want;
} paths[] = {
	{ "vmsplice", try_vmsplice, -EFAULT },
	{ "O_DIRECT read into", try_odirect_read, -EFAULT },
	{ "O_DIRECT write from", try_odirect_write, -EFAULT },
	{ "process_vm_readv", try_vm_readv, -EFAULT },
	{ "process_vm_writev", try_vm_writev, -EFAULT },
	{ "/proc/self/mem read", try_mem_read, -EIO },
	{ "/proc/self/mem write", try_mem_write, -EIO },
	{ "io_uring fixed buffer", try_io_uring, -EFAULT },
	{ "open of map_files", try_map_file, -ENXIO },
};

#define NPATHS	(int)(sizeof(paths) / sizeof(paths[0]))

/* Path @i on @addr: 0 when refused as it must be (or skipped). */
static int refused(int i, uint64_t addr, const char *who)
{
	int ret = paths[i].try(addr);

	if (ret == SKIPPED)
		return 0;
	if (ret != paths[i].want)
		printf("    %s: %s: %s, want %s\n", who, paths[i].name,
		       ret ? strerrorname_np(-ret) : "worked",
		       strerrorname_np(-paths[i].want));
	return ret != paths[i].want;
}

/* The grantee: attach read-only, then try each path its parent names. */
static int peer_gup(struct peer *self)
{
	uint64_t addr, i;
	int fd = fv_open(), bad = 0;

	if (fd < 0 || peer_recv(self, &addr) || fv_attach(fd, addr, PAGE, RD))
		return 2;
	if (*(volatile char *)addr != 'g')
		return 3;
	while (!peer_recv(self, &i) && i < (uint64_t)NPATHS) {
		bad |= refused((int)i, addr, "grantee");
		if (peer_send(self, 0))
			return 4;
	}
	return bad ? 5 : 0;
}

int t_gup_refused(void)
{
	struct flatvm_stats s;
	int fd = fv_open(), i, skipped = 0, pp[2];
	uint64_t addr, v;
	struct peer p;
	char copy[4];

	CHECK(fd >= 0);
	CHECK_RC(fv_alloc(fd, 2 * PAGE, RW, 0, &addr), 0);
	memset((void *)addr, 'g', 2 * PAGE);
	for (i = 0; i < NPATHS; i++) {
		if (paths[i].try(addr) == SKIPPED) {
			printf("    %s: not in this VM, skipped\n",
			       paths[i].name);
			skipped++;
			continue;
		}
		CHECK(!refused(i, addr, "owner"));
		CHECK(checker_ok());
	}
	CHECK(((char *)addr)[0] == 'g' && ((char *)addr)[PAGE] == 'g');
	CHECK(skipped < NPATHS);

	/* Copies are fine: they take no reference. */
	CHECK(!pipe(pp));
	CHECK(write(pp[1], (void *)addr, 4) == 4);
	CHECK(read(pp[0], copy, 4) == 4 && !memcmp(copy, "gggg", 4));
	close(pp[0]);
	close(pp[1]);

	/* A read-only grantee, before and after REVOKE. */
	CHECK_RC(peer_start(&p, peer_gup), 0);
	CHECK_RC(fv_grant(fd, p.pidfd, addr, PAGE, RD), 0);
	CHECK_RC(peer_send(&p, addr), 0);
	for (i = 0; i < NPATHS; i++) {
		CHECK_RC(peer_send(&p, (uint64_t)i), 0);
		CHECK_RC(peer_recv(&p, &v), 0);
		CHECK(checker_ok());
	}
	CHECK_RC(fv_revoke(fd, p.pidfd, addr, PAGE), 0);
	memset((void *)addr, 'h', PAGE);
	for (i = 0; i < NPATHS; i++) {
		CHECK_RC(peer_send(&p, (uint64_t)i), 0);
		CHECK_RC(peer_recv(&p, &v), 0);
	}
	CHECK_RC(peer_send(&p, NPATHS), 0);
	CHECK(peer_wait(&p) == 0);
	CHECK(checker_ok());

	CHECK_RC(fv_release(fd, addr, 2 * PAGE), 0);
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.pages == 0 && s.ranges == 0);
	return 0;
}

#define CAP_PAGES	256

/*
 * Another user, cap 256 pages: four rounds of 256 pages, each page offered
 * to vmsplice (into a pipe kept open) and to io_uring, then released.
 */
static int peer_caps(struct peer *self)
{
	int fd = fv_open(), round, k, p[CAP_PAGES / 16][2], queued, ret;
	uint64_t addr, v;

	if (fd < 0 || setuid(65534))
		return 2;
	for (k = 0; k < CAP_PAGES / 16; k++)
		if (pipe2(p[k], O_NONBLOCK | O_CLOEXEC))
			return 3;
	for (round = 0; round < 4; round++) {
		if (fv_alloc(fd, CAP_PAGES * PAGE, RW, 0, &addr))
			return 4;
		if (fv_alloc(fd, PAGE, RW, 0, &v) != -EDQUOT)
			return 5;
		for (k = 0; k < CAP_PAGES; k++) {
			struct iovec iov = { (void *)(addr + k * PAGE), PAGE };

			if (vmsplice(p[k % 16][1], &iov, 1, 0) >= 0 ||
			    errno != EFAULT)
				return 6;
			ret = try_io_uring(addr + k * PAGE);
			if (ret != -EFAULT && ret != SKIPPED)
				return 7;
		}
		if (fv_release(fd, addr, CAP_PAGES * PAGE))
			return 8;
	}
	for (k = 0; k < CAP_PAGES / 16; k++)
		if (ioctl(p[k][0], FIONREAD, &queued) || queued)
			return 9;
	/* The pipes are still open: nothing in them held a page. */
	if (peer_send(self, 1) || peer_recv(self, &v))
		return 10;
	return 0;
}

int t_gup_caps(void)
{
	struct flatvm_stats s;
	struct peer p;
	uint64_t v;
	int fd = fv_open(), st;

	CHECK(fd >= 0);
	CHECK_RC(set_param("max_user_pages", CAP_PAGES), 0);
	CHECK_RC(peer_start(&p, peer_caps), 0);
	if (peer_recv(&p, &v)) {
		printf("    other user: status %d\n", peer_wait(&p));
		return 1;
	}
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.pages == 0 && s.ranges == 0);
	CHECK(checker_ok());
	CHECK_RC(peer_send(&p, 0), 0);
	st = peer_wait(&p);
	CHECK(st == 0);
	return 0;
}

/* The tracee: its own range, a mark in it, stopped for its tracer. */
static int tracee(struct peer *self)
{
	uint64_t addr;
	int fd = fv_open();

	if (fd < 0 || fv_alloc(fd, PAGE, RW, 0, &addr))
		return 2;
	*(volatile uint64_t *)addr = 0x5eed;
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) || peer_send(self, addr))
		return 3;
	raise(SIGSTOP);
	return *(volatile uint64_t *)addr == 0x5eed ? 0 : 4;
}

int t_gup_ptrace(void)
{
	static volatile uint64_t probe = 0x1234;
	uint64_t addr;
	struct peer p;
	long v;
	int st;

	CHECK_RC(peer_start(&p, tracee), 0);
	CHECK_RC(peer_recv(&p, &addr), 0);
	CHECK(waitpid(p.pid, &st, 0) == p.pid && WIFSTOPPED(st));
	/* ptrace works on the tracee's ordinary memory... */
	errno = 0;
	v = ptrace(PTRACE_PEEKDATA, p.pid, (void *)&probe, NULL);
	CHECK(errno == 0 && v == 0x1234);
	/* ...not on its window. */
	errno = 0;
	v = ptrace(PTRACE_PEEKDATA, p.pid, (void *)addr, NULL);
	CHECK(v == -1 && errno == EIO);
	CHECK(ptrace(PTRACE_POKEDATA, p.pid, (void *)addr, (void *)1) == -1 &&
	      errno == EIO);
	CHECK(checker_ok());
	CHECK(!ptrace(PTRACE_CONT, p.pid, NULL, NULL));
	CHECK(peer_wait(&p) == 0);
	return 0;
}
