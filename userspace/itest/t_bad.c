// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm integration tests: hostile input.  One table row per case, each
 * printed with the errno it must produce; nothing may change on error
 * (the runner's leak check follows).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "itest.h"
#include "tests.h"

/* The state every case runs against. */
static struct {
	int fd;
	int rofd;
	int peer;	/* pidfd of a live process that holds nothing */
	int stale;	/* pidfd of a reaped process */
	int self;	/* own pidfd */
	int notpid;	/* a descriptor that is not a pidfd */
	uint64_t rw;	/* a 4-page RW range */
	uint64_t ro;	/* a 1-page read-only range */
	uint64_t hole;	/* a free, page-aligned window address */
} S;

static int alloc_raw(uint32_t size, uint64_t tail, uint32_t flags,
		     uint64_t len, uint64_t align, uint32_t rights, uint32_t pad)
{
	struct {
		struct flatvm_alloc a;
		uint64_t tail;
	} big = {
		.a = { .size = size, .flags = flags, .len = len,
		       .align = align, .rights = rights, .pad = pad },
		.tail = tail,
	};
	int ret;

	ret = fv_ioctl(S.fd, FLATVM_IOC_ALLOC, &big);
	if (!ret)
		fv_release(S.fd, big.a.addr, big.a.len);
	return ret;
}

static int grant_raw(int pidfd, uint32_t flags, uint64_t addr, uint64_t len,
		     uint32_t rights)
{
	struct flatvm_grant g = {
		.size = sizeof(g), .flags = flags, .pidfd = pidfd,
		.rights = rights, .addr = addr, .len = len,
	};

	return fv_ioctl(S.fd, FLATVM_IOC_GRANT, &g);
}

static int attach_raw(uint32_t flags, uint64_t addr, uint64_t len,
		      uint32_t rights, uint32_t pad)
{
	struct flatvm_attach t = {
		.size = sizeof(t), .flags = flags, .addr = addr, .len = len,
		.rights = rights, .pad = pad,
	};

	return fv_ioctl(S.fd, FLATVM_IOC_ATTACH, &t);
}

static int release_raw(uint32_t flags, uint64_t addr, uint64_t len)
{
	struct flatvm_release r = {
		.size = sizeof(r), .flags = flags, .addr = addr, .len = len,
	};

	return fv_ioctl(S.fd, FLATVM_IOC_RELEASE, &r);
}

static int revoke_raw(int pidfd, uint32_t pad, uint64_t addr, uint64_t len)
{
	struct flatvm_revoke v = {
		.size = sizeof(v), .pidfd = pidfd, .pad = pad, .addr = addr,
		.len = len,
	};

	return fv_ioctl(S.fd, FLATVM_IOC_REVOKE, &v);
}

static int query_raw(uint32_t flags, uint64_t addr)
{
	struct flatvm_query q = { .size = sizeof(q), .flags = flags,
				  .addr = addr };

	return fv_ioctl(S.fd, FLATVM_IOC_QUERY, &q);
}

static int stats_flags(uint32_t flags)
{
	struct flatvm_stats s = { .size = sizeof(s), .flags = flags };

	return fv_ioctl(S.fd, FLATVM_IOC_STATS, &s);
}

static int accept_raw(uint32_t size, uint32_t flags, uint32_t from)
{
	struct flatvm_accept a = { .size = size, .flags = flags, .from = from };

	return fv_ioctl(S.fd, FLATVM_IOC_ACCEPT, &a);
}

static int alloc_rofd(void)
{
	uint64_t a;

	return fv_alloc(S.rofd, PAGE, RW, 0, &a);
}

#define SZ(t)	((uint32_t)sizeof(struct t))
#define END	(~0ULL & ~(PAGE - 1))
#define GIB	(1ULL << 30)

static int failed;

static void check_case(const char *what, int want, int got)
{
	int ok = got == want;

	printf("    %-4s %-48s -> %s%s%s\n", ok ? "ok" : "BAD", what,
	       want ? strerrorname_np(-want) : "0", ok ? "" : ", got ",
	       ok ? "" : (got ? strerrorname_np(-got) : "0"));
	failed += !ok;
}

#define CASE(what, want, expr)	check_case(what, want, (expr))

static void run_table(void)
{
	CASE("unknown ioctl number", -ENOTTY,
	  fv_ioctl(S.fd, _IOWR(FLATVM_IOC_MAGIC, 0x20, struct flatvm_alloc),
		   &S));
	CASE("ALLOC number with a wrong size", -ENOTTY,
	  fv_ioctl(S.fd, _IOWR(FLATVM_IOC_MAGIC, 0x00, uint64_t), &S));
	CASE("foreign ioctl type", -ENOTTY, fv_ioctl(S.fd, _IO('x', 1), NULL));
	CASE("ALLOC NULL argument", -EFAULT,
	  fv_ioctl(S.fd, FLATVM_IOC_ALLOC, NULL));
	CASE("ALLOC argument in the reserved window", -EFAULT,
	  fv_ioctl(S.fd, FLATVM_IOC_ALLOC, (void *)S.hole));
	CASE("ALLOC size 0", -EINVAL, alloc_raw(0, 0, 0, PAGE, 0, RW, 0));
	CASE("ALLOC size too small", -EINVAL,
	  alloc_raw(SZ(flatvm_alloc) - 8, 0, 0, PAGE, 0, RW, 0));
	CASE("ALLOC size larger, tail not zero", -E2BIG,
	  alloc_raw(SZ(flatvm_alloc) + 8, 1, 0, PAGE, 0, RW, 0));
	CASE("ALLOC size larger, tail zero", 0,
	  alloc_raw(SZ(flatvm_alloc) + 8, 0, 0, PAGE, 0, RW, 0));
	CASE("ALLOC size 1 MiB", -E2BIG, alloc_raw(1 << 20, 0, 0, PAGE, 0, RW, 0));
	CASE("ALLOC unknown flag", -EINVAL, alloc_raw(SZ(flatvm_alloc), 0, 2, PAGE,
						    0, RW, 0));
	CASE("ALLOC pad not zero", -EINVAL,
	  alloc_raw(SZ(flatvm_alloc), 0, 0, PAGE, 0, RW, 1));
	CASE("ALLOC rights 0", -EINVAL, alloc_raw(SZ(flatvm_alloc), 0, 0, PAGE, 0,
						0, 0));
	CASE("ALLOC rights write without read", -EINVAL,
	  alloc_raw(SZ(flatvm_alloc), 0, 0, PAGE, 0, FLATVM_RIGHT_WRITE, 0));
	CASE("ALLOC unknown right", -EINVAL,
	  alloc_raw(SZ(flatvm_alloc), 0, 0, PAGE, 0, RD | 8, 0));
	CASE("ALLOC len 0", -EINVAL, alloc_raw(SZ(flatvm_alloc), 0, 0, 0, 0, RW, 0));
	CASE("ALLOC len 100", -EINVAL,
	  alloc_raw(SZ(flatvm_alloc), 0, 0, 100, 0, RW, 0));
	CASE("ALLOC len page + 1", -EINVAL,
	  alloc_raw(SZ(flatvm_alloc), 0, 0, PAGE + 1, 0, RW, 0));
	CASE("ALLOC len window + page", -EINVAL,
	  alloc_raw(SZ(flatvm_alloc), 0, 0, win_size + PAGE, 0, RW, 0));
	CASE("ALLOC len 2^64 - page", -EINVAL,
	  alloc_raw(SZ(flatvm_alloc), 0, 0, END, 0, RW, 0));
	CASE("ALLOC align 3", -EINVAL,
	  alloc_raw(SZ(flatvm_alloc), 0, 0, PAGE, 3, RW, 0));
	CASE("ALLOC align 2048", -EINVAL,
	  alloc_raw(SZ(flatvm_alloc), 0, 0, PAGE, 2048, RW, 0));
	CASE("ALLOC align 2 GiB", -EINVAL,
	  alloc_raw(SZ(flatvm_alloc), 0, 0, PAGE, 2 * GIB, RW, 0));
	CASE("ALLOC align 1 GiB", 0,
	  alloc_raw(SZ(flatvm_alloc), 0, 0, PAGE, GIB, RW, 0));
	CASE("ALLOC writable on a read-only descriptor", -EACCES, alloc_rofd());
	CASE("GRANT pidfd -1", -EBADF, grant_raw(-1, 0, S.rw, PAGE, RD));
	CASE("GRANT pidfd not open", -EBADF, grant_raw(999, 0, S.rw, PAGE, RD));
	CASE("GRANT descriptor that is not a pidfd", -EBADF,
	  grant_raw(S.notpid, 0, S.rw, PAGE, RD));
	CASE("GRANT pidfd of a reaped process", -ESRCH,
	  grant_raw(S.stale, 0, S.rw, PAGE, RD));
	CASE("GRANT to itself", -EINVAL, grant_raw(S.self, 0, S.rw, PAGE, RD));
	CASE("GRANT unknown flag", -EINVAL, grant_raw(S.peer, 1, S.rw, PAGE, RD));
	CASE("GRANT rights 0", -EINVAL, grant_raw(S.peer, 0, S.rw, PAGE, 0));
	CASE("GRANT unaligned address", -EINVAL,
	  grant_raw(S.peer, 0, S.rw + 1, PAGE, RD));
	CASE("GRANT unaligned length", -EINVAL,
	  grant_raw(S.peer, 0, S.rw, PAGE - 1, RD));
	CASE("GRANT length 0", -EINVAL, grant_raw(S.peer, 0, S.rw, 0, RD));
	CASE("GRANT outside the window", -EINVAL,
	  grant_raw(S.peer, 0, 0x10000, PAGE, RD));
	CASE("GRANT wrapping span", -EINVAL,
	  grant_raw(S.peer, 0, S.rw, END, RD));
	CASE("GRANT beyond the range", -ENOENT,
	  grant_raw(S.peer, 0, S.rw, 64 * PAGE, RD));
	CASE("GRANT a free span", -ENOENT, grant_raw(S.peer, 0, S.hole, PAGE, RD));
	CASE("GRANT more rights than held", -EACCES,
	  grant_raw(S.peer, 0, S.ro, PAGE, RW));
	CASE("GRANT execute, not held", -EACCES,
	  grant_raw(S.peer, 0, S.rw, PAGE, RWX));
	CASE("ATTACH unknown flag", -EINVAL, attach_raw(1, S.rw, PAGE, RD, 0));
	CASE("ATTACH pad not zero", -EINVAL, attach_raw(0, S.rw, PAGE, RD, 1));
	CASE("ATTACH rights 0", -EINVAL, attach_raw(0, S.rw, PAGE, 0, 0));
	CASE("ATTACH unaligned", -EINVAL, attach_raw(0, S.rw + 8, PAGE, RD, 0));
	CASE("ATTACH outside the window", -EINVAL,
	  attach_raw(0, PAGE, PAGE, RD, 0));
	CASE("ATTACH a span not held", -EACCES,
	  attach_raw(0, S.hole, PAGE, RD, 0));
	CASE("ATTACH with more rights than held", -EACCES,
	  attach_raw(0, S.ro, PAGE, RW, 0));
	CASE("ATTACH again what is mapped", 0, attach_raw(0, S.rw, PAGE, RW, 0));
	CASE("RELEASE unknown flag", -EINVAL, release_raw(1, S.rw, PAGE));
	CASE("RELEASE unaligned", -EINVAL, release_raw(0, S.rw + 1, PAGE));
	CASE("RELEASE length 0", -EINVAL, release_raw(0, S.rw, 0));
	CASE("RELEASE outside the window", -EINVAL, release_raw(0, 0, PAGE));
	CASE("RELEASE wrapping span", -EINVAL, release_raw(0, S.rw, END));
	CASE("RELEASE a free span", -ENOENT, release_raw(0, S.hole, PAGE));
	CASE("REVOKE itself", -EINVAL, revoke_raw(S.self, 0, S.rw, PAGE));
	CASE("REVOKE pidfd not open", -EBADF, revoke_raw(999, 0, S.rw, PAGE));
	CASE("REVOKE pidfd of a reaped process", -ESRCH,
	  revoke_raw(S.stale, 0, S.rw, PAGE));
	CASE("REVOKE pad not zero", -EINVAL, revoke_raw(S.peer, 1, S.rw, PAGE));
	CASE("REVOKE a span the caller does not hold", -EPERM,
	  revoke_raw(S.peer, 0, S.hole, PAGE));
	CASE("REVOKE from a process holding nothing", -ENOENT,
	  revoke_raw(S.peer, 0, S.rw, PAGE));
	CASE("QUERY unknown flag", -EINVAL, query_raw(1, S.rw));
	CASE("QUERY a free page", -ENOENT, query_raw(0, S.hole));
	CASE("QUERY outside the window", -ENOENT, query_raw(0, 0x1000));
	CASE("QUERY bad pointer", -EFAULT,
	  fv_ioctl(S.fd, FLATVM_IOC_QUERY, (void *)8));
	CASE("STATS unknown flag", -EINVAL, stats_flags(1));
	CASE("STATS bad pointer", -EFAULT,
	  fv_ioctl(S.fd, FLATVM_IOC_STATS, (void *)S.hole));
	CASE("ACCEPT unknown flag", -EINVAL,
	  accept_raw(sizeof(struct flatvm_accept), 1, FLATVM_ACCEPT_USER));
	CASE("ACCEPT unknown setting", -EINVAL,
	  accept_raw(sizeof(struct flatvm_accept), 0, FLATVM_ACCEPT_ANY + 1));
	CASE("ACCEPT short size", -EINVAL, accept_raw(8, 0, FLATVM_ACCEPT_USER));
	CASE("ACCEPT bad pointer", -EFAULT,
	  fv_ioctl(S.fd, FLATVM_IOC_ACCEPT, (void *)S.hole));
}

int t_bad_inputs(void)
{
	int ready[2];
	pid_t pid;
	uint64_t a;
	char r;

	S.fd = fv_open();
	CHECK(S.fd >= 0);
	S.rofd = open(FLATVM_DEVICE, O_RDONLY | O_CLOEXEC);
	CHECK(S.rofd >= 0);
	CHECK_RC(fv_alloc(S.fd, 4 * PAGE, RW, 0, &S.rw), 0);
	CHECK_RC(fv_alloc(S.fd, PAGE, RD, 0, &S.ro), 0);
	CHECK_RC(fv_alloc(S.fd, PAGE, RD, 0, &a), 0);
	S.hole = a;
	CHECK_RC(fv_release(S.fd, a, PAGE), 0);
	S.self = pidfd_of(getpid());
	S.notpid = open("/dev/null", O_RDONLY | O_CLOEXEC);
	pid = fork();
	CHECK(pid >= 0);
	if (!pid)
		_exit(0);
	S.stale = pidfd_of(pid);
	CHECK(wait_status(pid) == 0);
	CHECK(pipe(ready) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		/* A peer that accepts grants: the table tests the rest. */
		int pfd = fv_open();

		if (pfd < 0 || fv_accept(pfd, FLATVM_ACCEPT_USER, NULL) ||
		    write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	CHECK(read(ready[0], &r, 1) == 1);
	S.peer = pidfd_of(pid);
	CHECK(S.self >= 0 && S.notpid >= 0 && S.stale >= 0 && S.peer >= 0);

	run_table();
	kill(pid, SIGKILL);
	wait_status(pid);
	CHECK(failed == 0);
	CHECK_RC(fv_release(S.fd, S.rw, 4 * PAGE), 0);
	CHECK_RC(fv_release(S.fd, S.ro, PAGE), 0);
	return 0;
}

