// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm integration tests: one process — alloc, touch, release, lazy
 * ranges, the window, MMU-enforced rights, mremap, munmap, fork.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"
#include "tests.h"

static int in_window(uint64_t addr, uint64_t len)
{
	return addr >= win_base && addr + len <= win_base + win_size;
}

static int all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

int t_alloc_touch_release(void)
{
	struct flatvm_stats s;
	struct flatvm_query q;
	uint64_t addr;
	uint8_t *p, b;
	int fd = fv_open();

	CHECK(fd >= 0);
	CHECK_RC(fv_alloc(fd, 16 * PAGE, RW, 0, &addr), 0);
	CHECK(in_window(addr, 16 * PAGE) && addr % PAGE == 0);
	p = (uint8_t *)addr;
	CHECK(all_bytes(p, 16 * PAGE, 0));
	memset(p, 0xa5, 16 * PAGE);
	CHECK(all_bytes(p, 16 * PAGE, 0xa5));

	CHECK_RC(fv_query(fd, addr + 5 * PAGE + 17, &q), 0);
	CHECK(q.range_id && q.rights == RW && q.nholders == 1);
	CHECK(q.oflags & FLATVM_QUERY_MAPPED);
	CHECK(q.ext_start == addr && q.ext_len == 16 * PAGE);
	CHECK(q.range_start == addr && q.range_len == 16 * PAGE);
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.pages == 16 && s.ranges == 1 && s.processes == 1);
	CHECK(s.user_pages == 16);

	CHECK_RC(fv_release(fd, addr, 16 * PAGE), 0);
	CHECK(probe_read(p, &b) == SIGSEGV);
	CHECK_RC(fv_query(fd, addr, &q), -ENOENT);
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.pages == 0 && s.ranges == 0);
	CHECK_RC(fv_release(fd, addr, 16 * PAGE), -ENOENT);
	return 0;
}

int t_lazy_alloc(void)
{
	uint64_t len = 1ULL << 30, addr;
	struct flatvm_stats s;
	uint8_t *p, b;
	int fd = fv_open();

	CHECK(fd >= 0);
	CHECK_RC(fv_alloc(fd, len, RW, FLATVM_ALLOC_LAZY, &addr), 0);
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.pages == 0 && s.ranges == 1);
	p = (uint8_t *)addr;
	CHECK(probe_read(p + len - 1, &b) == 0 && b == 0);
	p[0] = 1;
	p[len / 2] = 2;
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.pages == 3);
	CHECK(p[0] == 1 && p[len / 2] == 2);
	CHECK_RC(fv_release(fd, addr, len), 0);
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.pages == 0);
	return 0;
}

int t_window_reserved(void)
{
	uint64_t addr, hole;
	uint8_t *p, b;
	void *m;
	int fd = fv_open();

	CHECK(fd >= 0);
	CHECK_RC(fv_alloc(fd, PAGE, RW, 0, &addr), 0);
	/* A free address of the window, past the range. */
	hole = addr + 64 * PAGE;
	/* A hint inside the window is not honoured: it is taken. */
	m = mmap((void *)hole, PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED);
	CHECK(!in_window((uint64_t)m, PAGE));
	munmap(m, PAGE);
	m = mmap((void *)hole, PAGE, PROT_READ,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(m == MAP_FAILED && errno == EEXIST);
	/* The window's protection cannot be changed. */
	CHECK(mprotect((void *)hole, PAGE, PROT_READ) && errno == EACCES);
	p = (uint8_t *)hole;
	CHECK(probe_read(p, &b) == SIGSEGV);
	/* Nor can /dev/flatvm be mapped directly. */
	m = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, (off_t)hole);
	CHECK(m == MAP_FAILED && errno == ENODEV);
	CHECK_RC(fv_release(fd, addr, PAGE), 0);
	return 0;
}

int t_reserve_conflict(void)
{
	struct flatvm_stats s;
	uint64_t addr;
	uint8_t *m;
	int fd = fv_open();

	CHECK(fd >= 0);
	m = mmap((void *)(win_base + win_size / 2), PAGE,
		 PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(m != MAP_FAILED);
	m[0] = 42;
	CHECK_RC(fv_alloc(fd, PAGE, RW, 0, &addr), -EEXIST);
	CHECK(m[0] == 42);
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.pages == 0 && s.ranges == 0);
	/* Gone, the window can be reserved. */
	munmap(m, PAGE);
	CHECK_RC(fv_alloc(fd, PAGE, RW, 0, &addr), 0);
	CHECK_RC(fv_release(fd, addr, PAGE), 0);
	return 0;
}

int t_rights_mmu(void)
{
	/* mov eax, 42; ret */
	static const uint8_t code[] = { 0xb8, 0x2a, 0, 0, 0, 0xc3 };
	uint64_t ro, rw, rx;
	uint8_t b;
	int fd = fv_open(), ret = 0;

	CHECK(fd >= 0);
	CHECK_RC(fv_alloc(fd, PAGE, RD, 0, &ro), 0);
	CHECK(probe_read((void *)ro, &b) == 0 && b == 0);
	CHECK(probe_write((void *)ro, 1) == SIGSEGV);
	CHECK(mprotect((void *)ro, PAGE, PROT_READ | PROT_WRITE) &&
	      errno == EACCES);

	CHECK_RC(fv_alloc(fd, PAGE, RW, 0, &rw), 0);
	memcpy((void *)rw, code, sizeof(code));
	CHECK(probe_exec((void *)rw, &ret) == SIGSEGV);
	CHECK(mprotect((void *)rw, PAGE, PROT_READ | PROT_EXEC) &&
	      errno == EACCES);
	/* Rights are per page: no protection change, downgrades included. */
	CHECK(mprotect((void *)rw, PAGE, PROT_READ) && errno == EACCES);
	CHECK(probe_write((void *)rw, 1) == 0);

	CHECK_RC(fv_alloc(fd, PAGE, RWX, 0, &rx), 0);
	memcpy((void *)rx, code, sizeof(code));
	__builtin___clear_cache((char *)rx, (char *)rx + sizeof(code));
	CHECK(probe_exec((void *)rx, &ret) == 0 && ret == 42);

	CHECK_RC(fv_release(fd, ro, PAGE), 0);
	CHECK_RC(fv_release(fd, rw, PAGE), 0);
	CHECK_RC(fv_release(fd, rx, PAGE), 0);
	return 0;
}

int t_mremap_refused(void)
{
	struct flatvm_stats s;
	uint64_t addr;
	uint8_t *p;
	void *m;
	int fd = fv_open();

	CHECK(fd >= 0);
	CHECK_RC(fv_alloc(fd, 4 * PAGE, RW, 0, &addr), 0);
	p = (uint8_t *)addr;
	p[0] = 7;
	/* Grow in place, grow by moving, move: all refused. */
	m = mremap(p, 4 * PAGE, 8 * PAGE, 0);
	CHECK(m == MAP_FAILED);
	m = mremap(p, 4 * PAGE, 8 * PAGE, MREMAP_MAYMOVE);
	CHECK(m == MAP_FAILED);
	m = mmap(NULL, 4 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED);
	CHECK(mremap(p, 4 * PAGE, 4 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, m) ==
	      MAP_FAILED);
	CHECK(p[0] == 7);
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.pages == 4);
	/* Shrinking is a release of the tail. */
	CHECK(mremap(p, 4 * PAGE, 2 * PAGE, 0) == p);
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.pages == 2);
	CHECK(p[0] == 7);
	CHECK_RC(fv_release(fd, addr, 4 * PAGE), 0);
	return 0;
}

int t_partial_release(void)
{
	struct flatvm_stats s;
	struct flatvm_query q;
	uint64_t addr, id;
	uint8_t *p, b;
	int i, fd = fv_open();

	CHECK(fd >= 0);
	CHECK_RC(fv_alloc(fd, 8 * PAGE, RW, 0, &addr), 0);
	CHECK_RC(fv_query(fd, addr, &q), 0);
	id = q.range_id;
	p = (uint8_t *)addr;
	for (i = 0; i < 8; i++)
		p[i * PAGE] = (uint8_t)(i + 1);
	/* |0|1|2|3|4|5|6|7| -> release 0, 7, then 3-4 */
	CHECK_RC(fv_release(fd, addr, PAGE), 0);
	CHECK_RC(fv_release(fd, addr + 7 * PAGE, PAGE), 0);
	CHECK_RC(fv_release(fd, addr + 3 * PAGE, 2 * PAGE), 0);
	for (i = 0; i < 8; i++) {
		int gone = i == 0 || i == 7 || i == 3 || i == 4;

		CHECK(probe_read(p + i * PAGE, &b) == (gone ? SIGSEGV : 0));
		if (!gone)
			CHECK(b == i + 1);
		CHECK_RC(fv_query(fd, addr + i * PAGE, &q), gone ? -ENOENT : 0);
		if (!gone)
			CHECK(q.range_id == id);
		/* Pieces: |1-2| and |5-6| */
		if (!gone)
			CHECK(q.range_start == addr + (i < 3 ? 1 : 5) * PAGE &&
			      q.range_len == 2 * PAGE);
	}
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.pages == 4 && s.ranges == 1);
	/* Releasing across holes and beyond works on what is held. */
	CHECK_RC(fv_release(fd, addr, 8 * PAGE), 0);
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.pages == 0 && s.ranges == 0);
	return 0;
}

int t_munmap_releases(void)
{
	struct flatvm_stats s;
	struct flatvm_query q;
	uint64_t a, b, c;
	int fd = fv_open();

	CHECK(fd >= 0);
	CHECK_RC(fv_alloc(fd, 4 * PAGE, RW, 0, &a), 0);
	CHECK_RC(fv_alloc(fd, 4 * PAGE, RW, 0, &b), 0);
	CHECK(!munmap((void *)a, 4 * PAGE));
	CHECK(!munmap((void *)(b + PAGE), PAGE));
	CHECK_RC(fv_query(fd, a, &q), -ENOENT);
	CHECK_RC(fv_query(fd, b + PAGE, &q), -ENOENT);
	CHECK_RC(fv_query(fd, b + 2 * PAGE, &q), 0);
	CHECK(q.oflags & FLATVM_QUERY_MAPPED);
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.pages == 3 && s.ranges == 1);
	/* The holes are mapped again when a range lands in them. */
	CHECK_RC(fv_alloc(fd, 4 * PAGE, RW, 0, &c), 0);
	CHECK(c == a);
	memset((void *)c, 1, 4 * PAGE);
	CHECK(!munmap((void *)b, 4 * PAGE));
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.pages == 4 && s.ranges == 1);
	CHECK_RC(fv_release(fd, c, 4 * PAGE), 0);
	return 0;
}

int t_address_reuse(void)
{
	uint64_t a, b, whole;
	int fd = fv_open();

	CHECK(fd >= 0);
	/* Root raises its address space quota above the window. */
	CHECK_RC(set_param("max_user_bytes", 2 * win_size), 0);
	CHECK_RC(fv_alloc(fd, 4 * PAGE, RW, 0, &a), 0);
	CHECK_RC(fv_alloc(fd, PAGE, RW, 0, &b), 0);
	/* The whole window fits only once every page is back. */
	CHECK_RC(fv_alloc(fd, win_size, RW, FLATVM_ALLOC_LAZY, &whole),
		 -ENOSPC);
	CHECK_RC(fv_release(fd, a, 4 * PAGE), 0);
	CHECK_RC(fv_alloc(fd, win_size, RW, FLATVM_ALLOC_LAZY, &whole),
		 -ENOSPC);
	CHECK_RC(fv_release(fd, b, PAGE), 0);
	CHECK_RC(fv_alloc(fd, win_size, RW, FLATVM_ALLOC_LAZY, &whole), 0);
	CHECK(whole == win_base);
	*(volatile uint8_t *)(whole + win_size - 1) = 1;
	CHECK_RC(fv_alloc(fd, PAGE, RW, 0, &a), -ENOSPC);
	CHECK_RC(fv_release(fd, whole, win_size), 0);
	return 0;
}

int t_fork_inherits_nothing(void)
{
	struct flatvm_stats s;
	uint64_t addr;
	pid_t pid;
	uint8_t b;
	int fd = fv_open();

	CHECK(fd >= 0);
	CHECK_RC(fv_alloc(fd, 2 * PAGE, RW, 0, &addr), 0);
	*(uint8_t *)addr = 9;
	CHECK(madvise((void *)addr, 2 * PAGE, MADV_DOFORK) && errno == EINVAL);
	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		struct flatvm_query q;

		/* Nothing of the parent's window is mapped here. */
		if (probe_read((void *)addr, &b) != SIGSEGV)
			_exit(1);
		/* The child is a process of its own for flatvm. */
		if (fv_query(fd, addr, &q) != -ENOENT)
			_exit(2);
		if (fv_release(fd, addr, 2 * PAGE) != -ENOENT)
			_exit(3);
		_exit(0);
	}
	CHECK(wait_status(pid) == 0);
	CHECK(*(uint8_t *)addr == 9);
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.pages == 2 && s.processes == 1);
	CHECK_RC(fv_release(fd, addr, 2 * PAGE), 0);
	return 0;
}

/* The ioctl number compat32.S hard-codes. */
_Static_assert(FLATVM_IOC_STATS == 0xC098F706, "update compat32.S");

extern const char compat32_elf[], compat32_elf_end[];

int t_compat_rejected(void)
{
	size_t len = (size_t)(compat32_elf_end - compat32_elf);
	char *argv[] = { "flatvm-compat32", NULL };
	int fd = fv_open(), mfd, st;
	pid_t pid;

	CHECK(fd >= 0);
	mfd = memfd_create("flatvm-compat32", MFD_CLOEXEC);
	CHECK(mfd > 3 || (mfd >= 0 && (mfd = fcntl(mfd, F_DUPFD_CLOEXEC, 4)) > 3));
	CHECK(write(mfd, compat32_elf, len) == (ssize_t)len);
	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		/* A descriptor opened by a 64-bit process, inherited. */
		if (fd == 3 ? fcntl(3, F_SETFD, 0) : dup2(fd, 3) != 3)
			_exit(10);
		fexecve(mfd, argv, environ);
		_exit(errno == ENOEXEC ? 12 : 11);
	}
	st = wait_status(pid);
	if (st == 12) {
		/* A kernel without IA32_EMULATION: no compat caller exists. */
		printf("    this kernel runs no 32-bit program: nothing to reject\n");
		return IT_SKIP;
	}
	if (st)
		printf("    32-bit caller: status %d (1: ioctl, 2: open, 10, 11: exec)\n",
		       st);
	CHECK(st == 0);
	return 0;
}
