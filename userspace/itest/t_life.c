// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm integration tests: process exit and kill -9 with live ranges, and
 * the page caps (per user and total).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"
#include "tests.h"

/* Holds an eager range, a touched lazy range and a grant, then waits. */
static int peer_holder(struct peer *self)
{
	uint64_t a, l, g, v;
	int fd = fv_open();

	if (fd < 0 || peer_recv(self, &g) || fv_attach(fd, g, PAGE, RW))
		return 2;
	if (fv_alloc(fd, 8 * PAGE, RW, 0, &a) ||
	    fv_alloc(fd, 1ULL << 30, RW, FLATVM_ALLOC_LAZY, &l))
		return 3;
	*(volatile uint8_t *)l = 1;
	*(volatile uint8_t *)(l + (1ULL << 29)) = 1;
	*(volatile uint8_t *)g = 'g';
	if (peer_send(self, 1))
		return 4;
	/* exit(0) with everything held, or killed here. */
	return peer_recv(self, &v) ? 0 : 0;
}

int t_exit_and_kill_release(void)
{
	struct flatvm_stats s;
	uint64_t addr, v;
	struct peer b;
	int fd = fv_open(), round;

	CHECK(fd >= 0);
	CHECK_RC(fv_alloc(fd, PAGE, RW, 0, &addr), 0);
	for (round = 0; round < 2; round++) {
		CHECK_RC(peer_start(&b, peer_holder), 0);
		CHECK_RC(fv_grant(fd, b.pidfd, addr, PAGE, RW), 0);
		CHECK_RC(peer_send(&b, addr), 0);
		CHECK_RC(peer_recv(&b, &v), 0);
		CHECK_RC(fv_stats(fd, &s), 0);
		CHECK(s.pages == 1 + 8 + 2 && s.processes == 2);
		if (round == 0) {
			CHECK_RC(peer_send(&b, 0), 0);
			CHECK(peer_wait(&b) == 0);
		} else {
			CHECK(!kill(b.pid, SIGKILL));
			CHECK(peer_wait(&b) == 128 + SIGKILL);
		}
		/* Everything the peer held is back; the shared page stays. */
		CHECK_RC(fv_stats(fd, &s), 0);
		CHECK(s.pages == 1 && s.ranges == 1 && s.processes == 1);
		CHECK(s.holders == 1);
		CHECK(*(char *)addr == 'g');
		*(char *)addr = 0;
	}
	CHECK_RC(fv_release(fd, addr, PAGE), 0);
	return 0;
}

/*
 * Another user: allocates what its own cap allows.  The device is opened
 * first (the VM's root directory may be closed to other users); pages are
 * charged to the user of the task that allocates them.
 */
static int peer_other_user(struct peer *self)
{
	int fd = fv_open(), ret;
	uint64_t a, v;

	if (fd < 0) {
		printf("    other user: open: %s\n", strerror(-fd));
		return 3;
	}
	if (setuid(65534))
		return 2;
	ret = fv_alloc(fd, 64 * PAGE, RW, 0, &a);
	if (ret) {
		printf("    other user: ALLOC: %s\n", strerror(-ret));
		return 4;
	}
	if (peer_send(self, 1) || peer_recv(self, &v))
		return 5;
	return 0;
}

int t_caps_per_user(void)
{
	struct flatvm_stats s;
	uint64_t a, lazy, v;
	struct peer b;
	uint8_t x;
	int fd = fv_open();

	CHECK(fd >= 0);
	CHECK_RC(set_param("max_user_pages", 64), 0);
	CHECK_RC(fv_alloc(fd, 65 * PAGE, RW, 0, &a), -EDQUOT);
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.pages == 0 && s.ranges == 0 && s.max_user_pages == 64);
	CHECK_RC(fv_alloc(fd, 60 * PAGE, RW, 0, &a), 0);
	CHECK_RC(fv_alloc(fd, 8 * PAGE, RW, 0, &v), -EDQUOT);
	/* Lazy ranges are charged on touch: the fifth page is over. */
	CHECK_RC(fv_alloc(fd, 8 * PAGE, RW, FLATVM_ALLOC_LAZY, &lazy), 0);
	CHECK(probe_read((void *)lazy, &x) == 0);
	CHECK(probe_read((void *)(lazy + 3 * PAGE), &x) == 0);
	CHECK(probe_read((void *)(lazy + 4 * PAGE), &x) == 0);
	CHECK(probe_read((void *)(lazy + 5 * PAGE), &x) == 0);
	CHECK(probe_read((void *)(lazy + 6 * PAGE), &x) == SIGBUS);
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.pages == 64 && s.user_pages == 64);
	/* Another user has a cap of its own. */
	CHECK_RC(peer_start(&b, peer_other_user), 0);
	if (peer_recv(&b, &v)) {
		printf("    other user: status %d\n", peer_wait(&b));
		return 1;
	}
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.pages == 128 && s.user_pages == 64);
	CHECK_RC(peer_send(&b, 0), 0);
	CHECK(peer_wait(&b) == 0);
	CHECK_RC(fv_release(fd, a, 60 * PAGE), 0);
	CHECK_RC(fv_alloc(fd, 8 * PAGE, RW, 0, &v), 0);
	CHECK_RC(fv_release(fd, v, 8 * PAGE), 0);
	CHECK_RC(fv_release(fd, lazy, 8 * PAGE), 0);
	return 0;
}

int t_caps_total(void)
{
	struct flatvm_stats s;
	uint64_t a, b;
	int fd = fv_open();

	CHECK(fd >= 0);
	CHECK_RC(set_param("max_pages", 16), 0);
	CHECK_RC(fv_alloc(fd, 17 * PAGE, RW, 0, &a), -ENOBUFS);
	CHECK_RC(fv_alloc(fd, 16 * PAGE, RW, 0, &a), 0);
	CHECK_RC(fv_alloc(fd, PAGE, RW, 0, &b), -ENOBUFS);
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.pages == 16 && s.ranges == 1 && s.max_pages == 16);
	CHECK_RC(fv_release(fd, a, 16 * PAGE), 0);
	CHECK_RC(fv_alloc(fd, PAGE, RW, 0, &b), 0);
	CHECK_RC(fv_release(fd, b, PAGE), 0);
	return 0;
}
