// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm integration tests: the window is one VMA — one line of
 * /proc/self/maps whatever the ranges in it, rights per page inside it
 * (write to a read-only page, exec of a read-write page, mprotect up: all
 * refused, for the owner and for a grantee), madvise and mlock on it, and
 * 10^5 live ranges in one process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"
#include "tests.h"

/* mov eax, 42; ret */
static const uint8_t code[] = { 0xb8, 0x2a, 0, 0, 0, 0xc3 };

struct maps_line {
	unsigned long long start, end;
	char perms[8];
	char path[64];
};

/*
 * The mappings of /proc/self/maps inside the window: how many, the first
 * in *@first.
 */
static int window_lines(struct maps_line *first)
{
	char line[512];
	struct maps_line m;
	int n = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		m.path[0] = 0;
		if (sscanf(line, "%llx-%llx %7s %*s %*s %*s %63s", &m.start,
			   &m.end, m.perms, m.path) < 3 ||
		    m.end <= win_base || m.start >= win_base + win_size)
			continue;
		if (!n++ && first)
			*first = m;
	}
	fclose(f);
	return n;
}

int t_window_one_vma(void)
{
	static const uint64_t len[] = {
		PAGE, 3 * PAGE, PAGE, 1ULL << 30, 2 * PAGE, 16 * PAGE,
	};
	static const uint32_t rights[] = { RD, RW, RWX, RW, RD, RW };
	struct maps_line m;
	uint64_t a[6];
	int fd = fv_open(), i;
	int rofd = open(FLATVM_DEVICE, O_RDONLY | O_CLOEXEC);

	CHECK(fd >= 0 && rofd >= 0);
	CHECK(window_lines(NULL) == 0);
	/* A first call that fails maps nothing... */
	CHECK_RC(fv_alloc(rofd, PAGE, RW, 0, &a[0]), -EACCES);
	CHECK(window_lines(NULL) == 0);
	/* ...one that succeeds maps the window, even on a read-only fd. */
	CHECK_RC(fv_alloc(rofd, PAGE, RD, 0, &a[0]), 0);
	CHECK(window_lines(NULL) == 1);
	CHECK_RC(fv_release(fd, a[0], PAGE), 0);
	for (i = 0; i < 6; i++)
		CHECK_RC(fv_alloc(fd, len[i], rights[i],
				  i >= 3 && i <= 4 ? FLATVM_ALLOC_LAZY : 0,
				  &a[i]), 0);
	*(volatile uint8_t *)(a[3] + 7 * PAGE) = 1;
	/* Six ranges of three protections: one mapping, the whole window. */
	CHECK(window_lines(&m) == 1);
	CHECK(m.start == win_base && m.end == win_base + win_size);
	CHECK(!strcmp(m.perms, "rwxs"));
	CHECK(strstr(m.path, "[flatvm]") != NULL);
	for (i = 0; i < 6; i++)
		CHECK_RC(fv_release(fd, a[i], len[i]), 0);
	CHECK(window_lines(NULL) == 1);
	return 0;
}

/*
 * The grantee's side of t_rights_per_page: @ro granted read-only, @rw
 * read-write, both pages of code the owner wrote.
 */
static int peer_rights(struct peer *self)
{
	uint64_t ro, rw, v;
	uint8_t b;
	int fd = fv_open(), ret;

	if (fd < 0 || peer_recv(self, &ro) || peer_recv(self, &rw))
		return 2;
	if (fv_attach(fd, ro, PAGE, RD))
		return 3;
	/* Not attached yet: held, so reachable, with the rights held. */
	if (probe_exec((void *)rw, &ret) != SIGSEGV)
		return 4;
	if (probe_write((void *)(rw + 8), 9))
		return 5;
	if (fv_attach(fd, rw, PAGE, RW))
		return 6;
	if (probe_read((void *)ro, &b) || b != 0xb8)
		return 7;
	if (probe_write((void *)ro, 1) != SIGSEGV)
		return 8;
	if (probe_exec((void *)ro, &ret) != SIGSEGV)
		return 9;
	if (probe_exec((void *)rw, &ret) != SIGSEGV)
		return 10;
	if (!mprotect((void *)ro, PAGE, PROT_READ | PROT_WRITE) ||
	    errno != EACCES)
		return 11;
	if (peer_send(self, 1) || peer_recv(self, &v))
		return 12;
	return 0;
}

int t_rights_per_page(void)
{
	uint64_t ro, rw, rx, lazy_ro, lazy_rw, v;
	struct peer p;
	uint8_t b;
	int fd = fv_open(), ret = 0;

	CHECK(fd >= 0);
	CHECK_RC(fv_alloc(fd, PAGE, RD, 0, &ro), 0);
	CHECK_RC(fv_alloc(fd, PAGE, RW, 0, &rw), 0);
	CHECK_RC(fv_alloc(fd, PAGE, RWX, 0, &rx), 0);
	CHECK_RC(fv_alloc(fd, PAGE, RD, FLATVM_ALLOC_LAZY, &lazy_ro), 0);
	CHECK_RC(fv_alloc(fd, PAGE, RW, FLATVM_ALLOC_LAZY, &lazy_rw), 0);
	CHECK(window_lines(NULL) == 1);
	memcpy((void *)rw, code, sizeof(code));
	memcpy((void *)rx, code, sizeof(code));
	__builtin___clear_cache((char *)rx, (char *)rx + sizeof(code));

	/* Present entries: a read-only page, a non-exec page. */
	CHECK(probe_read((void *)ro, &b) == 0 && b == 0);
	CHECK(probe_write((void *)ro, 1) == SIGSEGV);
	CHECK(probe_exec((void *)rw, &ret) == SIGSEGV);
	CHECK(probe_exec((void *)rx, &ret) == 0 && ret == 42);
	/* Missing entries (lazy, untouched): the first access decides. */
	CHECK(probe_write((void *)lazy_ro, 1) == SIGSEGV);
	CHECK(probe_exec((void *)lazy_rw, &ret) == SIGSEGV);
	CHECK(probe_read((void *)lazy_ro, &b) == 0 && b == 0);
	CHECK(probe_write((void *)lazy_ro, 1) == SIGSEGV);
	CHECK(probe_write((void *)lazy_rw, 1) == 0);
	CHECK(probe_exec((void *)lazy_rw, &ret) == SIGSEGV);
	/* mprotect up, or at all, on a page or on the whole window. */
	CHECK(mprotect((void *)ro, PAGE, PROT_READ | PROT_WRITE) &&
	      errno == EACCES);
	CHECK(mprotect((void *)rw, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC) &&
	      errno == EACCES);
	CHECK(mprotect((void *)win_base, win_size, PROT_READ) &&
	      errno == EACCES);
	/* Even the window's own protection: mprotect has no say here. */
	CHECK(mprotect((void *)win_base, win_size,
		       PROT_READ | PROT_WRITE | PROT_EXEC) && errno == EACCES);
	CHECK(probe_write((void *)ro, 1) == SIGSEGV);
	CHECK(probe_exec((void *)rw, &ret) == SIGSEGV);
	CHECK(*(uint8_t *)ro == 0 && *(uint8_t *)lazy_ro == 0);
	CHECK(window_lines(NULL) == 1);

	/* A grantee: read-only on a page the owner may write. */
	memcpy((void *)rw, code, sizeof(code));
	CHECK_RC(peer_start(&p, peer_rights), 0);
	CHECK_RC(fv_grant(fd, p.pidfd, rw, PAGE, RW), 0);
	CHECK_RC(fv_alloc(fd, PAGE, RW, 0, &v), 0);
	memcpy((void *)v, code, sizeof(code));
	CHECK_RC(fv_grant(fd, p.pidfd, v, PAGE, RD), 0);
	CHECK_RC(peer_send(&p, v), 0);
	CHECK_RC(peer_send(&p, rw), 0);
	CHECK_RC(peer_recv(&p, &ro), 0);
	CHECK(*(uint8_t *)v == 0xb8 && *(uint8_t *)(rw + 8) == 9);
	CHECK_RC(peer_send(&p, 0), 0);
	CHECK(peer_wait(&p) == 0);
	return 0;
}

int t_madvise_mlock(void)
{
	struct flatvm_stats s;
	uint64_t a;
	int fd = fv_open();

	CHECK(fd >= 0);
	CHECK_RC(fv_alloc(fd, 4 * PAGE, RW, 0, &a), 0);
	memset((void *)a, 0x5a, 4 * PAGE);
	/* Pages of the window are not the kernel's to drop or move. */
	CHECK(madvise((void *)a, 4 * PAGE, MADV_DONTNEED) && errno == EINVAL);
	CHECK(madvise((void *)a, 4 * PAGE, MADV_FREE) && errno == EINVAL);
	CHECK(madvise((void *)a, 4 * PAGE, MADV_COLD) && errno == EINVAL);
	CHECK(madvise((void *)a, 4 * PAGE, MADV_PAGEOUT) && errno == EINVAL);
	CHECK(madvise((void *)a, 4 * PAGE, MADV_REMOVE) != 0);
	CHECK(madvise((void *)a, 4 * PAGE, MADV_DOFORK) && errno == EINVAL);
	CHECK(madvise((void *)a, 4 * PAGE, MADV_DODUMP) && errno == EINVAL);
	/* mlock leaves VM_PFNMAP VMAs alone: it succeeds, nothing moves. */
	CHECK(!mlock((void *)a, 4 * PAGE));
	CHECK(!munlock((void *)a, 4 * PAGE));
	CHECK(((uint8_t *)a)[0] == 0x5a && ((uint8_t *)a)[4 * PAGE - 1] == 0x5a);
	CHECK(window_lines(NULL) == 1);
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.pages == 4);
	CHECK_RC(fv_release(fd, a, 4 * PAGE), 0);
	return 0;
}

#define LIVE_RANGES	100000

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * 10^5 live one-page ranges in one process (a VMA each would stop at
 * vm.max_map_count, 65530): every other one eager, the others lazy and
 * touched one in eight; each page holds its own index.  Scaled down with
 * the concurrency tests (the debug kernel runs a quarter).
 */
int t_live_ranges(void)
{
	int fd = fv_open(), i, nranges = it_scaled(LIVE_RANGES);
	uint64_t *addr = calloc(nranges, sizeof(*addr)), pages = 0;
	struct flatvm_stats s;
	struct flatvm_query q;
	double t0, t1, t2;

	CHECK(fd >= 0 && addr);
	/* Root raises its quotas of ranges and records for the test. */
	CHECK_RC(set_param("max_user_ranges", nranges), 0);
	CHECK_RC(set_param("max_user_records", nranges), 0);
	t0 = now_ms();
	for (i = 0; i < nranges; i++) {
		uint32_t lazy = i % 2 ? FLATVM_ALLOC_LAZY : 0;

		CHECK_RC(fv_alloc(fd, PAGE, RW, lazy, &addr[i]), 0);
		if (!lazy || i % 16 == 1) {
			*(volatile uint32_t *)addr[i] = (uint32_t)i;
			pages++;
		}
	}
	t1 = now_ms();
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.ranges == (uint64_t)nranges && s.pages == pages);
	CHECK(window_lines(NULL) == 1);
	/* Untouched lazy pages: a sample (reading allocates them). */
	for (i = 0; i < nranges; i++) {
		int touched = i % 2 == 0 || i % 16 == 1;

		if (touched || i % 1024 == 3)
			CHECK(*(volatile uint32_t *)addr[i] ==
			      (touched ? (uint32_t)i : 0));
	}
	for (i = 0; i < nranges; i += 997) {
		CHECK_RC(fv_query(fd, addr[i], &q), 0);
		CHECK(q.range_start == addr[i] && q.range_len == PAGE &&
		      q.rights == RW && (q.oflags & FLATVM_QUERY_MAPPED));
	}
	for (i = 0; i < nranges; i++)
		CHECK_RC(fv_release(fd, addr[i], PAGE), 0);
	t2 = now_ms();
	printf("    %d ranges (%llu pages): ALLOC+touch %.1f us each, check+RELEASE %.1f us each\n",
	       nranges, (unsigned long long)pages,
	       (t1 - t0) * 1e3 / nranges, (t2 - t1) * 1e3 / nranges);
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.ranges == 0 && s.pages == 0);
	free(addr);
	return 0;
}
