// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm integration tests: the tracepoints (module/flatvm_trace.h) as
 * tracefs shows them.
 *
 * With flatvm's events on, a known sequence runs between this process and
 * a peer: ALLOC (eager, aligned; lazy), GRANT, ATTACH, a first touch of a
 * lazy page, RELEASE, errors (RELEASE of nothing, ATTACH without a grant,
 * GRANT to an exited process), REVOKE, the peer's exit, RELEASEs that free
 * pages, a munmap of a held page.  The test then requires exactly the
 * events the sequence causes, in order, each with every field as printed
 * ("name: tgid=... addr=..."), and the fields each event declares in its
 * format file; with the events off again, one more ALLOC and RELEASE must
 * leave no line at all.  Events of processes other than these two (a
 * previous test's late exit) are ignored while the events are on.
 *
 * Skipped on a kernel without tracefs or event tracing (saying which).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"
#include "libflatvm.h"
#include "tests.h"
#include "tracefs.h"

#define MAX_EXPECT	32

/* The events the sequence must produce, "name: fields". */
static char expect[MAX_EXPECT][256];
static int nexpect;

static void want(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void want(const char *fmt, ...)
{
	va_list ap;

	if (nexpect == MAX_EXPECT)
		return;
	va_start(ap, fmt);
	vsnprintf(expect[nexpect++], sizeof(expect[0]), fmt, ap);
	va_end(ap);
}

static unsigned long long ull(const void *p)
{
	return (unsigned long long)(uintptr_t)p;
}

/* The peer's part: every call of it is traced with its tgid. */
static int trace_peer(struct peer *self)
{
	uint64_t a, l, v;
	int fd = fv_open();

	if (fd < 0 || peer_recv(self, &a) || peer_recv(self, &l))
		return 2;
	if (fv_attach(fd, a, 2 * PAGE, RD) || fv_attach(fd, l, PAGE, RW))
		return 3;
	*(volatile uint8_t *)(uintptr_t)l = 1;	/* the lazy page's fault */
	if (fv_release(fd, a, 2 * PAGE) ||
	    fv_release(fd, a, 2 * PAGE) != -ENOENT ||
	    fv_attach(fd, a, 2 * PAGE, RD) != -EACCES)
		return 4;
	/* Parent revokes the lazy page, then lets us exit. */
	if (peer_send(self, 1) || peer_recv(self, &v))
		return 5;
	return 0;
}

/* Each event and the fields it must declare in its format file. */
static int check_formats(void)
{
	static const char *const fields[][8] = {
		{ "flatvm_alloc", "pid_t tgid", "u64 addr", "u64 len",
		  "u64 align", "u32 rights", "bool lazy", "int ret" },
		{ "flatvm_grant", "pid_t tgid", "pid_t target", "u64 addr",
		  "u64 len", "u32 rights", "int ret" },
		{ "flatvm_revoke", "pid_t tgid", "pid_t target", "u64 addr",
		  "u64 len", "int ret" },
		{ "flatvm_attach", "pid_t tgid", "u64 addr", "u64 len",
		  "u32 rights", "int ret" },
		{ "flatvm_release", "pid_t tgid", "u64 addr", "u64 len",
		  "int cause", "int ret" },
		{ "flatvm_lazy_fault", "pid_t tgid", "u64 addr", "int ret",
		  "bool raced" },
		{ "flatvm_pages_freed", "pid_t tgid", "u64 addr", "u64 len",
		  "u64 range", "u64 pages" },
	};
	size_t i, j;
	int bad = 0;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		for (j = 1; j < 8 && fields[i][j]; j++)
			if (!tfs_has_field(fields[i][0], fields[i][j])) {
				printf("    %s/format: no field \"%s\"\n",
				       fields[i][0], fields[i][j]);
				bad = 1;
			}
	return bad;
}

/* The tgid= of an event line, or -1. */
static long line_tgid(const char *line)
{
	const char *p = strstr(line, " tgid=");

	return p ? strtol(p + 6, NULL, 10) : -1;
}

/* The lines of @me and @peer against expect[], printing every difference. */
static int compare(char **lines, int n, pid_t me, pid_t peer)
{
	int i, k = 0, bad = 0, foreign = 0;

	for (i = 0; i < n; i++) {
		long tgid = line_tgid(lines[i]);

		if (tgid != me && tgid != peer) {
			foreign++;
			continue;
		}
		if (k < nexpect && !strcmp(lines[i], expect[k])) {
			k++;
			continue;
		}
		printf("    event %d: got  %s\n", k, lines[i]);
		if (k < nexpect)
			printf("    event %d: want %s\n", k, expect[k]);
		bad = 1;
		if (k < nexpect)
			k++;
	}
	for (; k < nexpect; k++) {
		printf("    event %d: missing %s\n", k, expect[k]);
		bad = 1;
	}
	if (foreign)
		printf("    %d events of other processes ignored\n", foreign);
	return bad;
}

int t_trace_events(void)
{
	void *a, *l, *m;
	struct flatvm_query qa, ql, qm;
	pid_t me = getpid();
	struct peer peer;
	char why[256], **lines;
	siginfo_t si;
	uint64_t v;
	int fd, n, ret;

	ret = tfs_init(why, sizeof(why));
	if (ret == -ENODEV) {
		printf("    %s\n", why);
		return IT_SKIP;
	}
	if (ret) {
		printf("    %s\n", why);
		return 1;
	}
	CHECK(check_formats() == 0);
	fd = fv_open();
	CHECK(fd >= 0);
	CHECK(!peer_start(&peer, trace_peer));
	CHECK_RC(tfs_start(1), 0);

	CHECK_RC(flatvm_alloc(fd, 2 * PAGE, 16 * PAGE, RW, 0, &a), 0);
	want("flatvm_alloc: tgid=%d addr=0x%llx len=0x2000 align=0x10000 rights=rw lazy=0 ret=0",
	     me, ull(a));
	CHECK_RC(flatvm_alloc(fd, PAGE, 0, RW, FLATVM_ALLOC_LAZY, &l), 0);
	want("flatvm_alloc: tgid=%d addr=0x%llx len=0x1000 align=0x0 rights=rw lazy=1 ret=0",
	     me, ull(l));
	CHECK_RC(flatvm_grant(fd, peer.pidfd, a, 2 * PAGE, RD), 0);
	want("flatvm_grant: tgid=%d target=%d addr=0x%llx len=0x2000 rights=r ret=0",
	     me, peer.pid, ull(a));
	CHECK_RC(flatvm_grant(fd, peer.pidfd, l, PAGE, RW), 0);
	want("flatvm_grant: tgid=%d target=%d addr=0x%llx len=0x1000 rights=rw ret=0",
	     me, peer.pid, ull(l));

	/* The peer: attach both, touch the lazy page, release, two errors. */
	CHECK(!peer_send(&peer, ull(a)) && !peer_send(&peer, ull(l)));
	CHECK(!peer_recv(&peer, &v));
	want("flatvm_attach: tgid=%d addr=0x%llx len=0x2000 rights=r ret=0",
	     peer.pid, ull(a));
	want("flatvm_attach: tgid=%d addr=0x%llx len=0x1000 rights=rw ret=0",
	     peer.pid, ull(l));
	want("flatvm_lazy_fault: tgid=%d addr=0x%llx ret=0 raced=0",
	     peer.pid, ull(l));
	want("flatvm_release: tgid=%d addr=0x%llx len=0x2000 by=ioctl ret=0",
	     peer.pid, ull(a));
	want("flatvm_release: tgid=%d addr=0x%llx len=0x2000 by=ioctl ret=%d",
	     peer.pid, ull(a), -ENOENT);
	want("flatvm_attach: tgid=%d addr=0x%llx len=0x2000 rights=r ret=%d",
	     peer.pid, ull(a), -EACCES);

	CHECK_RC(flatvm_revoke(fd, peer.pidfd, l, PAGE), 0);
	want("flatvm_revoke: tgid=%d target=%d addr=0x%llx len=0x1000 ret=0",
	     me, peer.pid, ull(l));

	/* The peer exits (not reaped yet): its window goes, then GRANT fails. */
	CHECK(!peer_send(&peer, 0));
	CHECK(waitid(P_PID, peer.pid, &si, WEXITED | WNOWAIT) == 0);
	want("flatvm_release: tgid=%d addr=0x%llx len=0x%llx by=exit ret=0",
	     peer.pid, (unsigned long long)win_base,
	     (unsigned long long)win_size);
	CHECK_RC(flatvm_grant(fd, peer.pidfd, a, 2 * PAGE, RD), -ESRCH);
	want("flatvm_grant: tgid=%d target=0 addr=0x%llx len=0x2000 rights=r ret=%d",
	     me, ull(a), -ESRCH);
	CHECK(peer_wait(&peer) == 0);

	/* The last holder lets go: the runs and their pages are freed. */
	CHECK_RC(flatvm_query(fd, a, &qa), 0);
	CHECK_RC(flatvm_query(fd, l, &ql), 0);
	CHECK_RC(flatvm_release(fd, a, 2 * PAGE), 0);
	want("flatvm_pages_freed: tgid=%d addr=0x%llx len=0x2000 range=%llu pages=2",
	     me, ull(a), (unsigned long long)qa.range_id);
	want("flatvm_release: tgid=%d addr=0x%llx len=0x2000 by=ioctl ret=0",
	     me, ull(a));
	CHECK_RC(flatvm_release(fd, l, PAGE), 0);
	want("flatvm_pages_freed: tgid=%d addr=0x%llx len=0x1000 range=%llu pages=1",
	     me, ull(l), (unsigned long long)ql.range_id);
	want("flatvm_release: tgid=%d addr=0x%llx len=0x1000 by=ioctl ret=0",
	     me, ull(l));

	/* munmap of a held page releases it. */
	CHECK_RC(flatvm_alloc(fd, PAGE, 0, RW, 0, &m), 0);
	want("flatvm_alloc: tgid=%d addr=0x%llx len=0x1000 align=0x0 rights=rw lazy=0 ret=0",
	     me, ull(m));
	CHECK_RC(flatvm_query(fd, m, &qm), 0);
	CHECK(munmap(m, PAGE) == 0);
	want("flatvm_pages_freed: tgid=%d addr=0x%llx len=0x1000 range=%llu pages=1",
	     me, ull(m), (unsigned long long)qm.range_id);
	want("flatvm_release: tgid=%d addr=0x%llx len=0x1000 by=munmap ret=0",
	     me, ull(m));

	CHECK_RC(tfs_enable(0), 0);
	n = tfs_events(&lines, NULL);
	CHECK(n >= 0);
	ret = compare(lines, n, me, peer.pid);
	tfs_free(lines, n);
	CHECK(ret == 0);
	CHECK(nexpect == 20);

	/* Off: nothing more, from anyone. */
	CHECK_RC(tfs_write("trace", ""), 0);
	CHECK_RC(flatvm_alloc(fd, PAGE, 0, RW, 0, &m), 0);
	CHECK_RC(flatvm_release(fd, m, PAGE), 0);
	n = tfs_events(&lines, NULL);
	CHECK(n >= 0);
	if (n)
		printf("    events off, yet: %s\n", lines[0]);
	tfs_free(lines, n);
	CHECK(n == 0);
	return 0;
}
