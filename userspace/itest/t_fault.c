// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm integration tests: systematic fault injection (debug kernel).
 *
 * For ALLOC (eager and lazy), a RELEASE that splits a range, GRANT and
 * ATTACH (which maps the window again), the n-th allocation the
 * calling thread makes is failed (/proc/thread-self/fail-nth with failslab
 * and fail_page_alloc), for n = 1, 2, ... until the call no longer reaches
 * an n-th allocation.  Every call that fails must return -ENOMEM and leave
 * everything as it was: STATS, the window as /proc/self/maps shows it
 * (same protections at the same addresses), the data of the ranges mapped
 * before, and the core's invariant checker.  A call that succeeds although
 * a fault was injected (the kernel recovered) must have done its whole job.
 *
 * Skipped on a kernel without CONFIG_FAULT_INJECTION (Debian's stock one).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "itest.h"
#include "tests.h"

#define MAX_N		400
#define DBG		"/sys/kernel/debug"

static int nth_fd = -1;

static int dbg_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -1;
}

static int cmdline_has(const char *word)
{
	char buf[1024] = "";
	int fd = open("/proc/cmdline", O_RDONLY);

	if (fd < 0)
		return 0;
	(void)!read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return strstr(buf, word) != NULL;
}

/* Fail GFP_KERNEL allocations too, quietly (no stack dump per fault). */
static int faults_ready(void)
{
	static const char *const attrs[][2] = {
		{ DBG "/failslab/ignore-gfp-wait", "N" },
		{ DBG "/failslab/verbose", "0" },
		{ DBG "/fail_page_alloc/ignore-gfp-wait", "N" },
		{ DBG "/fail_page_alloc/ignore-gfp-highmem", "N" },
		{ DBG "/fail_page_alloc/min-order", "0" },
		{ DBG "/fail_page_alloc/verbose", "0" },
	};
	size_t i;

	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (nth_fd < 0)
		return 0;
	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
		if (dbg_write(attrs[i][0], attrs[i][1]))
			return 0;
	/*
	 * Caches flagged failslab on the command line (all but kmemleak's,
	 * kunit/kunit.mk): fail only those, or kmemleak may disable itself.
	 */
	return dbg_write(DBG "/failslab/cache-filter",
			 cmdline_has("slub_debug=A") ? "Y" : "N") == 0;
}

static void arm(int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", n);

	(void)!pwrite(nth_fd, buf, len, 0);
}

/* Disarm; was the fault injected (the counter reached zero)? */
static int disarm(void)
{
	char buf[16] = "";

	(void)!pread(nth_fd, buf, sizeof(buf) - 1, 0);
	(void)!pwrite(nth_fd, "0", 1, 0);
	return atoi(buf) == 0;
}

/* What a failed call must not change. */
struct snap {
	struct flatvm_stats st;
	char maps[16384];
};

/* The window in /proc/self/maps, adjacent pieces of one protection merged. */
static int window_maps(char *out, size_t n)
{
	unsigned long long s, e, ps = 0, pe = 0;
	char line[512], perms[8], pp[8] = "";
	size_t used = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return -1;
	out[0] = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx %7s", &s, &e, perms) != 3 ||
		    e <= win_base || s >= win_base + win_size)
			continue;
		if (pe == s && !strcmp(pp, perms)) {
			pe = e;
			continue;
		}
		if (pe)
			used += snprintf(out + used, n - used, "%llx-%llx %s\n",
					 ps, pe, pp);
		ps = s;
		pe = e;
		strcpy(pp, perms);
		if (used >= n - 64)
			break;
	}
	if (pe)
		snprintf(out + used, n - used, "%llx-%llx %s\n", ps, pe, pp);
	fclose(f);
	return 0;
}

static int take(int fd, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	return fv_stats(fd, &s->st) || window_maps(s->maps, sizeof(s->maps));
}

static int same(int fd, const struct snap *before, const char *what, int n,
		int maps_too)
{
	struct snap *now = malloc(sizeof(*now));
	int ok;

	if (!now || take(fd, now))
		return 0;
	ok = now->st.pages == before->st.pages &&
	     now->st.ranges == before->st.ranges &&
	     now->st.holders == before->st.holders &&
	     now->st.extents == before->st.extents &&
	     now->st.free_bytes == before->st.free_bytes &&
	     now->st.processes == before->st.processes &&
	     (!maps_too || !strcmp(now->maps, before->maps));
	if (!ok)
		printf("    %s failed at n=%d and changed things:\n"
		       "    before: pages %llu ranges %llu holders %llu extents %llu\n%s"
		       "    after:  pages %llu ranges %llu holders %llu extents %llu\n%s",
		       what, n, (unsigned long long)before->st.pages,
		       (unsigned long long)before->st.ranges,
		       (unsigned long long)before->st.holders,
		       (unsigned long long)before->st.extents, before->maps,
		       (unsigned long long)now->st.pages,
		       (unsigned long long)now->st.ranges,
		       (unsigned long long)now->st.holders,
		       (unsigned long long)now->st.extents, now->maps);
	free(now);
	return ok && checker_ok();
}

static void fill(uint64_t addr, uint64_t len, uint8_t seed)
{
	uint64_t k;

	for (k = 0; k < len; k += 512)
		((uint8_t *)addr)[k] = (uint8_t)(seed + k / 512);
}

/* Every sample of [addr, addr + len) readable and as fill() left it. */
static int intact(uint64_t addr, uint64_t len, uint8_t seed)
{
	uint64_t k;
	uint8_t v;

	for (k = 0; k < len; k += 512)
		if (probe_read((void *)(addr + k), &v) ||
		    v != (uint8_t)(seed + k / 512))
			return 0;
	return 1;
}

/* Counts of the loops, for the test's one line of figures. */
static int injected_total;

/*
 * ALLOC with the n-th allocation failing, next to a range @keep that must
 * stay intact.  A populated ALLOC always allocates (its pages); a lazy one
 * may allocate nothing at all (the core's spare nodes and the domain's
 * slot chunk already there): then the first pass injects nothing and ends
 * the loop.
 */
static int alloc_loop(int fd, uint32_t flags, uint64_t keep)
{
	uint64_t npages = flags ? 16 : 3, addr;
	struct snap *before = malloc(sizeof(*before));
	int n, ret, hit;

	CHECK(before);
	for (n = 1; n <= MAX_N; n++) {
		CHECK(!take(fd, before));
		arm(n);
		ret = fv_alloc(fd, npages * PAGE, RW, flags, &addr);
		hit = disarm();
		injected_total += hit;
		if (ret) {
			CHECK_RC(ret, -ENOMEM);
			CHECK(hit);
			CHECK(same(fd, before, flags ? "lazy ALLOC" : "ALLOC",
				   n, 1));
		} else {
			fill(addr, npages * PAGE, (uint8_t)n);
			CHECK(intact(addr, npages * PAGE, (uint8_t)n));
			CHECK_RC(fv_release(fd, addr, npages * PAGE), 0);
		}
		CHECK(intact(keep, 4 * PAGE, 7));
		if (!hit)
			break;
	}
	free(before);
	CHECK(n <= MAX_N && (n > 1 || flags));
	return 0;
}

/*
 * RELEASE of the middle page of a fresh 5-page range, n-th failing.  Like a
 * lazy ALLOC it may find every record it needs already reserved (spare
 * nodes), so its loop, and GRANT's, may end at the first pass.
 */
static int release_loop(int fd)
{
	struct snap *before = malloc(sizeof(*before));
	struct flatvm_query q;
	uint64_t addr;
	int n, ret, hit;
	uint8_t v;

	CHECK(before);
	for (n = 1; n <= MAX_N; n++) {
		CHECK_RC(fv_alloc(fd, 5 * PAGE, RW, 0, &addr), 0);
		fill(addr, 5 * PAGE, 3);
		CHECK(!take(fd, before));
		arm(n);
		ret = fv_release(fd, addr + 2 * PAGE, PAGE);
		hit = disarm();
		injected_total += hit;
		if (ret) {
			CHECK_RC(ret, -ENOMEM);
			CHECK(same(fd, before, "RELEASE", n, 1));
			CHECK(intact(addr, 5 * PAGE, 3));
			CHECK_RC(fv_release(fd, addr, 5 * PAGE), 0);
		} else {
			/* Released for good: free, and not reachable. */
			CHECK_RC(fv_query(fd, addr + 2 * PAGE, &q), -ENOENT);
			CHECK(probe_read((void *)(addr + 2 * PAGE), &v) != 0);
			CHECK(intact(addr, 2 * PAGE, 3));
			CHECK(intact(addr + 3 * PAGE, 2 * PAGE,
				     (uint8_t)(3 + 3 * PAGE / 512)));
			CHECK_RC(fv_release(fd, addr, 5 * PAGE), 0);
			CHECK(checker_ok());
		}
		if (!hit)
			break;
	}
	free(before);
	CHECK(n <= MAX_N);
	return 0;
}

/* GRANT to @peer, n-th failing; the grant is revoked after a success. */
static int grant_loop(int fd, const struct peer *peer)
{
	struct snap *before = malloc(sizeof(*before));
	uint64_t addr;
	int n, ret, hit;

	CHECK(before);
	CHECK_RC(fv_alloc(fd, 4 * PAGE, RW, 0, &addr), 0);
	for (n = 1; n <= MAX_N; n++) {
		CHECK(!take(fd, before));
		arm(n);
		ret = fv_grant(fd, peer->pidfd, addr + PAGE, 2 * PAGE, RD);
		hit = disarm();
		injected_total += hit;
		if (ret) {
			CHECK_RC(ret, -ENOMEM);
			CHECK(same(fd, before, "GRANT", n, 1));
		} else {
			CHECK_RC(fv_revoke(fd, peer->pidfd, addr + PAGE,
					   2 * PAGE), 0);
		}
		if (!hit)
			break;
	}
	CHECK_RC(fv_release(fd, addr, 4 * PAGE), 0);
	free(before);
	CHECK(n <= MAX_N);
	return 0;
}

/*
 * The peer: before each range its parent grants (4 pages) it unmaps its
 * whole window, so that ATTACH must map the window again; the n-th
 * allocation of that ATTACH fails.  A failed ATTACH keeps the grant and
 * leaves the window unmapped, as it was: a retry maps it all.
 */
static int attach_peer(struct peer *self)
{
	struct snap *before = malloc(sizeof(*before));
	int fd = fv_open(), n, ret, hit, injected = 0;
	uint64_t addr;
	uint8_t v;

	if (fd < 0 || !before || !faults_ready())
		return 2;
	for (n = 1; n <= MAX_N; n++) {
		if (munmap((void *)win_base, win_size))
			return 3;
		if (peer_send(self, 1) || peer_recv(self, &addr))
			return 4;
		if (take(fd, before))
			return 5;
		arm(n);
		ret = fv_attach(fd, addr, 4 * PAGE, RD);
		hit = disarm();
		injected += hit;
		if (ret) {
			if (ret != -ENOMEM || !hit)
				return 6;
			if (!same(fd, before, "ATTACH", n, 1))
				return 7;
			if (probe_read((void *)addr, &v) != SIGSEGV)
				return 8;
			if (fv_attach(fd, addr, 4 * PAGE, RD))
				return 9;
		}
		if (!intact(addr, 4 * PAGE, 5) ||
		    fv_release(fd, addr, 4 * PAGE))
			return 10;
		if (!hit)
			break;
	}
	if (peer_send(self, 0) || peer_send(self, (uint64_t)injected))
		return 11;
	return n > 1 && n <= MAX_N ? 0 : 12;
}

/* Serve the peer: a fresh range granted for each round it asks for. */
static int attach_loop(int fd, struct peer *peer)
{
	uint64_t cmd, addr, prev = 0, injected;

	for (;;) {
		CHECK(!peer_recv(peer, &cmd));
		/* The peer asks again once it has released the last one. */
		if (prev)
			CHECK_RC(fv_release(fd, prev, 4 * PAGE), 0);
		prev = 0;
		if (!cmd)
			break;
		CHECK_RC(fv_alloc(fd, 4 * PAGE, RW, 0, &addr), 0);
		fill(addr, 4 * PAGE, 5);
		CHECK_RC(fv_grant(fd, peer->pidfd, addr, 4 * PAGE, RD), 0);
		CHECK(!peer_send(peer, addr));
		prev = addr;
	}
	CHECK(!peer_recv(peer, &injected));
	injected_total += (int)injected;
	return 0;
}

int t_fault_nth(void)
{
	int fd = fv_open(), st;
	struct peer peer;
	uint64_t keep;

	CHECK(fd >= 0);
	if (!faults_ready()) {
		printf("    no /proc/thread-self/fail-nth or failslab: CONFIG_FAULT_INJECTION is off\n");
		return IT_SKIP;
	}
	CHECK_RC(fv_alloc(fd, 4 * PAGE, RW, 0, &keep), 0);
	fill(keep, 4 * PAGE, 7);
	CHECK(alloc_loop(fd, 0, keep) == 0);
	CHECK(alloc_loop(fd, FLATVM_ALLOC_LAZY, keep) == 0);
	CHECK(release_loop(fd) == 0);
	CHECK(!peer_start(&peer, attach_peer));
	/* The peer's process record exists before GRANT is failed. */
	CHECK_RC(fv_grant(fd, peer.pidfd, keep, PAGE, RD), 0);
	CHECK_RC(fv_revoke(fd, peer.pidfd, keep, PAGE), 0);
	CHECK(grant_loop(fd, &peer) == 0);
	CHECK(attach_loop(fd, &peer) == 0);
	st = peer_wait(&peer);
	if (st)
		printf("    attach peer: status %d\n", st);
	CHECK(st == 0);
	CHECK(intact(keep, 4 * PAGE, 7));
	CHECK_RC(fv_release(fd, keep, 4 * PAGE), 0);
	CHECK(checker_ok());
	/* Populated ALLOCs allocate pages: injection was reached. */
	CHECK(injected_total > 0);
	printf("    %d calls failed by injection, each -ENOMEM with nothing changed\n",
	       injected_total);
	return 0;
}
