// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm integration tests: the security model (issue 11).  Each test plays
 * one attack of the issue, as root and as an unprivileged uid (65534), and
 * checks that it is refused or bounded:
 *   quota_address_space	the whole window in one lazy ALLOC (-EFBIG)
 *   quota_grant_and_exit	granting a range away and exiting frees no quota;
 *				granting to PID 1 or to a process that does not
 *				accept fails and creates nothing
 *   quota_ranges_records	a million small ranges (-EMFILE), hold records
 *				(-EMLINK); the exit of a process holding the
 *				most ranges it may keeps a bystander's ALLOC
 *				waiting a bounded time
 *   consent			GRANT only to who accepts the granter
 *   revoke_authority		a grantee never revokes the owner or others;
 *				QUERY only for holders
 *   stats_constant		STATS costs the same in a window cut in holes
 *   device_access		who may open /dev/flatvm
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"
#include "tests.h"

#define NOBODY		65534
#define LAZY		FLATVM_ALLOC_LAZY

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

/*
 * debugfs "counters": what @uid is charged with (bytes, ranges), 0 when it
 * has no line (charged nothing).
 */
static int user_charge(unsigned int uid, uint64_t *bytes, uint64_t *ranges)
{
	unsigned long long p, b, r, rec;
	char line[256];
	unsigned int u;
	FILE *f = fopen("/sys/kernel/debug/flatvm/counters", "r");

	if (!f)
		return -errno;
	*bytes = *ranges = 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "user %u pages %llu bytes %llu ranges %llu records %llu",
			   &u, &p, &b, &r, &rec) == 5 && u == uid) {
			*bytes = b;
			*ranges = r;
		}
	fclose(f);
	return 0;
}

/*
 * The peers below read what to be from these (set before peer_start()):
 * the uid to run as (0: stay root) and whose grants to take.
 */
static uid_t peer_uid;
static uint32_t peer_from = FLATVM_ACCEPT_USER;

/* Open as root, become peer_uid, accept peer_from: the peer's device. */
static int become(void)
{
	int fd = fv_open();

	if (fd < 0)
		return fd;
	if (peer_uid && setuid(peer_uid))
		return -errno;
	if (fv_accept(fd, peer_from, NULL))
		return -EIO;
	return fd;
}

/* ---- address space ------------------------------------------------------ */

/* Unprivileged: the whole window refused, its own cap granted. */
static int peer_space(struct peer *self)
{
	uint64_t a, b, v;
	int fd = become();

	if (fd < 0)
		return 2;
	if (fv_alloc(fd, win_size, RW, LAZY, &a) != -EFBIG)
		return 3;
	if (fv_alloc(fd, win_size / 16, RW, LAZY, &a))
		return 4;
	if (fv_alloc(fd, PAGE, RW, LAZY, &b) != -EFBIG)
		return 5;
	if (peer_send(self, a) || peer_recv(self, &v))
		return 6;
	return 0;
}

int t_quota_address_space(void)
{
	uint64_t a, b, cap = win_size / 16, v;
	struct flatvm_stats s;
	struct peer p;
	int fd = fv_open();

	CHECK(fd >= 0);
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.max_user_bytes == cap && s.user_bytes == 0);
	/* The attack: the whole window with one lazy ALLOC. */
	CHECK_RC(fv_alloc(fd, win_size, RW, LAZY, &a), -EFBIG);
	CHECK_RC(fv_alloc(fd, cap, RW, LAZY, &a), 0);
	CHECK_RC(fv_alloc(fd, PAGE, RW, LAZY, &b), -EFBIG);
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.user_bytes == cap && s.user_ranges == 1 && s.user_records == 1);
	/* Another user, unprivileged, has a cap of its own and room for it. */
	peer_uid = NOBODY;
	CHECK_RC(set_param("access_all", 1), 0);
	CHECK_RC(peer_start(&p, peer_space), 0);
	if (peer_recv(&p, &v)) {
		printf("    unprivileged peer: status %d\n", peer_wait(&p));
		return 1;
	}
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.ranges == 2 && s.free_bytes == win_size - 2 * cap);
	CHECK_RC(peer_send(&p, 0), 0);
	CHECK(peer_wait(&p) == 0);
	/* Released: uncharged. */
	CHECK_RC(fv_release(fd, a, cap), 0);
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.user_bytes == 0 && s.user_ranges == 0 && s.ranges == 0);
	/* Root may raise the cap at run time. */
	CHECK_RC(set_param("max_user_bytes", 2 * cap), 0);
	CHECK_RC(fv_alloc(fd, 2 * cap, RW, LAZY, &a), 0);
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.max_user_bytes == 2 * cap && s.user_bytes == 2 * cap);
	CHECK_RC(fv_release(fd, a, 2 * cap), 0);
	return 0;
}

/* ---- granting away and exiting ------------------------------------------ */

/*
 * Unprivileged: allocates its whole cap, tries to give it to PID 1 and to
 * its parent (root), and reports what happened; exits when told.
 */
static int peer_give_away(struct peer *self)
{
	uint64_t a, v, cap = win_size / 16;
	int fd = become(), init, parent;

	if (fd < 0)
		return 2;
	init = pidfd_of(1);
	parent = pidfd_of(getppid());
	if (init < 0 || parent < 0)
		return 3;
	if (fv_alloc(fd, cap, RW, LAZY, &a))
		return 4;
	*(volatile uint8_t *)a = 1;
	/* PID 1 never opened the device: refused, nothing made in it. */
	if (fv_grant(fd, init, a, cap, RW) != -EPERM)
		return 5;
	/* Root's process takes grants from root only, until it says more. */
	if (fv_grant(fd, parent, a, cap, RW) != -EPERM)
		return 6;
	if (peer_send(self, a) || peer_recv(self, &v))
		return 7;
	/* Now it accepts anyone. */
	if (fv_grant(fd, parent, a, cap, RW))
		return 8;
	return peer_send(self, 1) ? 9 : 0;
}

int t_quota_grant_and_exit(void)
{
	uint64_t a, cap = win_size / 16, bytes, ranges, v;
	struct flatvm_stats s;
	uint32_t prev;
	struct peer p;
	int fd = fv_open();

	CHECK(fd >= 0);
	CHECK_RC(fv_alloc(fd, PAGE, RW, 0, &a), 0);
	CHECK_RC(fv_release(fd, a, PAGE), 0);
	peer_uid = NOBODY;
	CHECK_RC(set_param("access_all", 1), 0);
	CHECK_RC(peer_start(&p, peer_give_away), 0);
	if (peer_recv(&p, &a)) {
		printf("    peer: status %d\n", peer_wait(&p));
		return 1;
	}
	/* Nothing was made in PID 1 nor here: two processes known. */
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.processes == 2 && s.holders == 1);
	CHECK_RC(fv_accept(fd, FLATVM_ACCEPT_ANY, &prev), 0);
	CHECK(prev == FLATVM_ACCEPT_USER);
	CHECK_RC(peer_send(&p, 0), 0);
	CHECK_RC(peer_recv(&p, &v), 0);
	CHECK(peer_wait(&p) == 0);
	/* The giver exited: its user still pays for what root holds. */
	CHECK(*(volatile uint8_t *)a == 1);
	CHECK_RC(user_charge(NOBODY, &bytes, &ranges), 0);
	CHECK(bytes == cap && ranges == 1);
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.user_bytes == 0 && s.ranges == 1 && s.processes == 1);
	/* Half back in the pool: half uncharged; the rest with the last. */
	CHECK_RC(fv_release(fd, a, cap / 2), 0);
	CHECK_RC(user_charge(NOBODY, &bytes, &ranges), 0);
	CHECK(bytes == cap / 2 && ranges == 1);
	CHECK_RC(fv_release(fd, a + cap / 2, cap / 2), 0);
	CHECK_RC(user_charge(NOBODY, &bytes, &ranges), 0);
	CHECK(bytes == 0 && ranges == 0);
	return 0;
}

/* ---- ranges and records ------------------------------------------------- */

/* Unprivileged: one-page lazy ranges until refused; says how many. */
static int peer_many(struct peer *self)
{
	uint64_t a, n = 0, v;
	int fd = become(), ret;

	if (fd < 0)
		return 2;
	while (!(ret = fv_alloc(fd, PAGE, RW, LAZY, &a)))
		n++;
	if (ret != -EMFILE)
		return 3;
	if (peer_send(self, n) || peer_recv(self, &v))
		return 4;
	return 0;
}

/* Waits for grants, then exits when told. */
static int peer_idle(struct peer *self)
{
	uint64_t v;

	return peer_recv(self, &v) ? 2 : 0;
}

int t_quota_ranges_records(void)
{
	uint64_t a[8], b, c, n, v, lat_max = 0;
	struct flatvm_stats s;
	struct peer p, q;
	int fd = fv_open(), i, ops = 0;
	double t0, t1, start;

	CHECK(fd >= 0);
	/* Ranges: the cap, then -EMFILE; one back, one more. */
	CHECK_RC(set_param("max_user_ranges", 8), 0);
	for (i = 0; i < 8; i++)
		CHECK_RC(fv_alloc(fd, PAGE, RW, i % 2 ? LAZY : 0, &a[i]), 0);
	CHECK_RC(fv_alloc(fd, PAGE, RW, LAZY, &b), -EMFILE);
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.user_ranges == 8 && s.max_user_ranges == 8);
	CHECK_RC(fv_release(fd, a[3], PAGE), 0);
	CHECK_RC(fv_alloc(fd, PAGE, RW, LAZY, &a[3]), 0);
	for (i = 0; i < 8; i++)
		CHECK_RC(fv_release(fd, a[i], PAGE), 0);
	CHECK_RC(set_param("max_user_ranges", 65536), 0);

	/* Records: cutting an extent, a new range, a grant are refused. */
	CHECK_RC(set_param("max_user_records", 3), 0);
	CHECK_RC(fv_alloc(fd, 16 * PAGE, RW, 0, &b), 0);
	CHECK_RC(fv_release(fd, b + 7 * PAGE, PAGE), 0);	/* 2 records */
	CHECK_RC(fv_alloc(fd, PAGE, RW, 0, &c), 0);		/* 3 */
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.user_records == 3 && s.max_user_records == 3);
	CHECK_RC(fv_alloc(fd, PAGE, RW, 0, &v), -EMLINK);
	CHECK_RC(fv_release(fd, b + 2 * PAGE, PAGE), -EMLINK);
	peer_uid = 0;
	CHECK_RC(peer_start(&q, peer_idle), 0);
	CHECK_RC(fv_grant(fd, q.pidfd, c, PAGE, RD), -EMLINK);
	/* Releasing whole extents never needs a record. */
	CHECK_RC(fv_release(fd, b, 7 * PAGE), 0);
	CHECK_RC(fv_grant(fd, q.pidfd, c, PAGE, RD), 0);
	CHECK_RC(peer_send(&q, 0), 0);
	CHECK(peer_wait(&q) == 0);
	CHECK_RC(fv_release(fd, b + 8 * PAGE, 8 * PAGE), 0);
	CHECK_RC(fv_release(fd, c, PAGE), 0);
	CHECK_RC(set_param("max_user_records", 131072), 0);

	/* The attack: a million ranges, as an unprivileged user. */
	peer_uid = NOBODY;
	CHECK_RC(set_param("access_all", 1), 0);
	CHECK_RC(peer_start(&p, peer_many), 0);
	if (peer_recv(&p, &n)) {
		printf("    peer: status %d\n", peer_wait(&p));
		return 1;
	}
	CHECK(n == 65536);
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.ranges == 65536);
	/* Its exit releases them in batches: a bystander gets through. */
	CHECK(!kill(p.pid, SIGKILL));
	start = now_us();
	do {
		t0 = now_us();
		CHECK_RC(fv_alloc(fd, PAGE, RW, 0, &v), 0);
		CHECK_RC(fv_release(fd, v, PAGE), 0);
		t1 = now_us();
		if (t1 - t0 > lat_max)
			lat_max = (uint64_t)(t1 - t0);
		ops++;
		CHECK_RC(fv_stats(fd, &s), 0);
	} while (s.ranges && t1 - start < 60e6);
	CHECK(peer_wait(&p) == 128 + SIGKILL);
	printf("    exit of 65536 ranges: %.0f ms, bystander %d ALLOC+RELEASE, max %llu us\n",
	       (t1 - start) / 1e3, ops, (unsigned long long)lat_max);
	CHECK(!s.ranges);
	/*
	 * Released in batches, others get the lock between: a bystander gets
	 * through many times during a long exit (one lock hold for the whole
	 * exit would let it through once or twice).
	 */
	CHECK(t1 - start < 100e3 || ops >= 10);
	return 0;
}

/* ---- consent ------------------------------------------------------------ */

/* Says what ACCEPT returned as previous, then waits. */
static int peer_accepting(struct peer *self)
{
	uint64_t v;
	int fd = become();

	if (fd < 0)
		return 2;
	if (peer_send(self, 0) || peer_recv(self, &v))
		return 3;
	return 0;
}

int t_consent(void)
{
	uint64_t a, v;
	struct flatvm_stats s;
	struct flatvm_query q;
	uint32_t prev;
	struct peer p;
	int fd = fv_open(), init = pidfd_of(1), child;
	pid_t pid;

	CHECK(fd >= 0 && init >= 0);
	CHECK_RC(fv_alloc(fd, 4 * PAGE, RW, 0, &a), 0);
	/* PID 1 and a child that never opened the device: refused. */
	CHECK_RC(fv_grant(fd, init, a, PAGE, RD), -EPERM);
	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		pause();
		_exit(0);
	}
	child = pidfd_of(pid);
	CHECK(child >= 0);
	CHECK_RC(fv_grant(fd, child, a, PAGE, RD), -EPERM);
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.processes == 1 && s.holders == 1);
	kill(pid, SIGKILL);
	CHECK(wait_status(pid) == 128 + SIGKILL);

	/* A process that accepts nobody, then its user. */
	peer_uid = 0;
	peer_from = FLATVM_ACCEPT_NONE;
	CHECK_RC(peer_start(&p, peer_accepting), 0);
	peer_from = FLATVM_ACCEPT_USER;
	CHECK_RC(peer_recv(&p, &v), 0);
	CHECK_RC(fv_grant(fd, p.pidfd, a, PAGE, RD), -EPERM);
	CHECK_RC(peer_send(&p, 0), 0);
	CHECK(peer_wait(&p) == 0);

	/* Another user's process: its user only, then anyone. */
	CHECK_RC(set_param("access_all", 1), 0);
	peer_uid = NOBODY;
	CHECK_RC(peer_start(&p, peer_accepting), 0);
	CHECK_RC(peer_recv(&p, &v), 0);
	CHECK_RC(fv_grant(fd, p.pidfd, a, PAGE, RD), -EPERM);
	CHECK_RC(peer_send(&p, 0), 0);
	CHECK(peer_wait(&p) == 0);
	peer_from = FLATVM_ACCEPT_ANY;
	CHECK_RC(peer_start(&p, peer_accepting), 0);
	peer_from = FLATVM_ACCEPT_USER;
	CHECK_RC(peer_recv(&p, &v), 0);
	CHECK_RC(fv_grant(fd, p.pidfd, a, PAGE, RD), 0);
	CHECK_RC(fv_query(fd, a, &q), 0);
	CHECK(q.nholders == 2);
	CHECK_RC(peer_send(&p, 0), 0);
	CHECK(peer_wait(&p) == 0);

	/* ACCEPT reports the setting it replaced. */
	CHECK_RC(fv_accept(fd, FLATVM_ACCEPT_NONE, &prev), 0);
	CHECK(prev == FLATVM_ACCEPT_USER);
	CHECK_RC(fv_accept(fd, FLATVM_ACCEPT_ANY, &prev), 0);
	CHECK(prev == FLATVM_ACCEPT_NONE);
	CHECK_RC(fv_release(fd, a, 4 * PAGE), 0);
	return 0;
}

/* ---- revoke and query --------------------------------------------------- */

/*
 * A grantee with rw: tries to revoke the owner (its parent) and the other
 * grantee (pidfd sent as a pid), checks its QUERY, releases its hold.
 */
static int peer_grantee(struct peer *self)
{
	uint64_t a, other, v;
	struct flatvm_query q;
	int fd = become(), parent, o;

	if (fd < 0)
		return 2;
	if (peer_send(self, 0) || peer_recv(self, &a) || peer_recv(self, &other))
		return 3;
	parent = pidfd_of(getppid());
	if (parent < 0)
		return 4;
	if (fv_query(fd, a, &q) || q.rights != RW || q.nholders < 2 ||
	    (q.oflags & FLATVM_QUERY_OWNER))
		return 5;
	if (fv_revoke(fd, parent, a, PAGE) != -EPERM)
		return 6;
	if (other) {
		o = pidfd_of((pid_t)other);
		if (o < 0 || fv_revoke(fd, o, a, PAGE) != -EPERM)
			return 7;
	}
	if (peer_send(self, 1) || peer_recv(self, &v))
		return 8;
	if (fv_release(fd, a, 2 * PAGE))
		return 9;
	if (fv_query(fd, a, &q) != -ENOENT)
		return 10;
	return peer_send(self, 2) ? 11 : 0;
}

int t_revoke_authority(void)
{
	struct flatvm_query q;
	uint64_t a, v;
	struct peer b, c;
	int fd = fv_open();

	CHECK(fd >= 0);
	CHECK_RC(fv_alloc(fd, 2 * PAGE, RW, 0, &a), 0);
	CHECK_RC(fv_query(fd, a, &q), 0);
	CHECK(q.oflags & FLATVM_QUERY_OWNER);
	/* b: root's, c: unprivileged, accepting anyone. */
	peer_uid = 0;
	CHECK_RC(peer_start(&b, peer_grantee), 0);
	CHECK_RC(set_param("access_all", 1), 0);
	peer_uid = NOBODY;
	peer_from = FLATVM_ACCEPT_ANY;
	CHECK_RC(peer_start(&c, peer_grantee), 0);
	peer_from = FLATVM_ACCEPT_USER;
	CHECK_RC(peer_recv(&b, &v), 0);
	CHECK_RC(peer_recv(&c, &v), 0);
	CHECK_RC(fv_grant(fd, b.pidfd, a, 2 * PAGE, RW), 0);
	CHECK_RC(fv_grant(fd, c.pidfd, a, 2 * PAGE, RW), 0);
	CHECK_RC(peer_send(&b, a), 0);
	CHECK_RC(peer_send(&b, (uint64_t)c.pid), 0);
	CHECK_RC(peer_send(&c, a), 0);
	CHECK_RC(peer_send(&c, (uint64_t)b.pid), 0);
	CHECK_RC(peer_recv(&b, &v), 0);
	CHECK_RC(peer_recv(&c, &v), 0);
	/* Nobody was evicted. */
	CHECK_RC(fv_query(fd, a, &q), 0);
	CHECK(q.nholders == 3 && q.rights == RW);
	/* b releases its own hold only. */
	CHECK_RC(peer_send(&b, 0), 0);
	CHECK_RC(peer_recv(&b, &v), 0);
	CHECK(peer_wait(&b) == 0);
	CHECK_RC(fv_query(fd, a, &q), 0);
	CHECK(q.nholders == 2);
	/* The owner revokes c, across users. */
	CHECK_RC(fv_revoke(fd, c.pidfd, a, 2 * PAGE), 0);
	CHECK_RC(fv_query(fd, a, &q), 0);
	CHECK(q.nholders == 1);
	kill(c.pid, SIGKILL);
	peer_wait(&c);
	/* An owner that gave part back owns no more of it there. */
	CHECK_RC(peer_start(&b, peer_idle), 0);
	CHECK_RC(fv_grant(fd, b.pidfd, a, 2 * PAGE, RD), 0);
	CHECK_RC(fv_release(fd, a, PAGE), 0);
	CHECK_RC(fv_revoke(fd, b.pidfd, a, 2 * PAGE), -EPERM);
	CHECK_RC(fv_revoke(fd, b.pidfd, a + PAGE, PAGE), 0);
	CHECK_RC(peer_send(&b, 0), 0);
	CHECK(peer_wait(&b) == 0);
	CHECK_RC(fv_release(fd, a + PAGE, PAGE), 0);
	return 0;
}

/* ---- STATS in constant time --------------------------------------------- */

#define HOLES		20000
#define STATS_CALLS	301

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

/* Median time of one STATS, in microseconds. */
static double stats_median(int fd)
{
	static double t[STATS_CALLS];
	struct flatvm_stats s;
	int i;

	for (i = 0; i < STATS_CALLS; i++) {
		double t0 = now_us();

		if (fv_stats(fd, &s))
			return 1e9;
		t[i] = now_us() - t0;
	}
	qsort(t, STATS_CALLS, sizeof(t[0]), cmp_double);
	return t[STATS_CALLS / 2];
}

int t_stats_constant(void)
{
	uint64_t *a = calloc(2 * HOLES, sizeof(*a));
	double empty, holes;
	struct flatvm_stats s;
	int fd = fv_open(), i;

	CHECK(fd >= 0 && a);
	CHECK_RC(set_param("max_user_ranges", 2 * HOLES), 0);
	CHECK_RC(set_param("max_user_records", 2 * HOLES), 0);
	CHECK_RC(fv_alloc(fd, PAGE, RW, LAZY, &a[0]), 0);
	empty = stats_median(fd);
	for (i = 1; i < 2 * HOLES; i++)
		CHECK_RC(fv_alloc(fd, PAGE, RW, LAZY, &a[i]), 0);
	for (i = 0; i < 2 * HOLES; i += 2)
		CHECK_RC(fv_release(fd, a[i], PAGE), 0);
	holes = stats_median(fd);
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.ranges == HOLES);
	printf("    STATS median: %.1f us with 1 range, %.1f us with %d holes\n",
	       empty, holes, HOLES);
	/* A walk of 20000 holes would cost milliseconds. */
	CHECK(holes < 3 * empty + 50);
	for (i = 1; i < 2 * HOLES; i += 2)
		CHECK_RC(fv_release(fd, a[i], PAGE), 0);
	return 0;
}

/* ---- who may open /dev/flatvm ------------------------------------------- */

/* As @uid (with @gid as its only group): 0 or -errno of the open. */
static int open_as(uid_t uid, gid_t gid)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -errno;
	if (!pid) {
		if (setgroups(0, NULL) || setgid(gid) || setuid(uid))
			_exit(100);
		fd = open(FLATVM_DEVICE, O_RDWR | O_CLOEXEC);
		_exit(fd >= 0 ? 0 : errno);
	}
	return -wait_status(pid);
}

int t_device_access(void)
{
	int fd;

	/* Default: root only. */
	CHECK(get_param("access_all") == 0);
	fd = open(FLATVM_DEVICE, O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0);
	close(fd);
	CHECK_RC(open_as(NOBODY, NOBODY), -EACCES);
	/* A group. */
	CHECK_RC(set_param("access_gid", 4242), 0);
	CHECK_RC(open_as(NOBODY, 4242), 0);
	CHECK_RC(open_as(NOBODY, NOBODY), -EACCES);
	/* Everyone. */
	CHECK_RC(set_param("access_all", 1), 0);
	CHECK_RC(open_as(NOBODY, NOBODY), 0);
	return 0;
}
