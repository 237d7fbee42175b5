// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm integration tests: two processes — grant by pidfd, attach at the
 * same address, pointers across processes, rights of the grantee, release
 * by the owner, lazy pages seen by both, revoke.
 *
 * The test process is "A"; peers are forked processes ("B") that learn
 * addresses over a pipe, as unrelated processes would.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "itest.h"
#include "tests.h"

/* Peer side: CHECK-like exits with a distinct code per failed step. */
#define NEED(cond, code)						\
	do {								\
		if (!(cond)) {						\
			printf("    peer %d: step %d failed: %s\n",		\
			       getpid(), code, #cond);			\
			fflush(stdout);					\
			return code;					\
		}							\
	} while (0)

static int peer_ro(struct peer *self)
{
	struct flatvm_query q;
	uint64_t addr;
	uint8_t b;
	int fd = fv_open();

	NEED(fd >= 0, 2);
	NEED(!peer_recv(self, &addr), 3);
	NEED(fv_attach(fd, addr, 2 * PAGE, RW) == -EACCES, 4);
	NEED(!fv_attach(fd, addr, 2 * PAGE, RD), 5);
	NEED(!strcmp((char *)addr, "hello"), 6);
	NEED(!fv_query(fd, addr, &q), 7);
	NEED(q.rights == RD && q.nholders == 2 && q.range_id, 8);
	NEED(probe_write((void *)addr, 'x') == SIGSEGV, 9);
	NEED(mprotect((void *)addr, PAGE, PROT_READ | PROT_WRITE) &&
	     errno == EACCES, 10);
	NEED(probe_read((void *)(addr + PAGE), &b) == 0 && b == 0, 11);
	NEED(!peer_send(self, 1), 12);
	NEED(!peer_recv(self, &addr), 13);
	return 0;
}

int t_share_readonly(void)
{
	struct peer b;
	uint64_t addr, v;
	int fd = fv_open();

	CHECK(fd >= 0);
	CHECK_RC(fv_alloc(fd, 2 * PAGE, RW, 0, &addr), 0);
	strcpy((char *)addr, "hello");
	CHECK_RC(peer_start(&b, peer_ro), 0);
	CHECK_RC(fv_grant(fd, b.pidfd, addr, 2 * PAGE, RD), 0);
	CHECK_RC(fv_grant(fd, b.pidfd, addr, 2 * PAGE, RD), -EEXIST);
	CHECK_RC(peer_send(&b, addr), 0);
	CHECK_RC(peer_recv(&b, &v), 0);
	CHECK(v == 1);
	/* The grantee's failed write changed nothing. */
	CHECK(!strcmp((char *)addr, "hello"));
	CHECK_RC(peer_send(&b, 0), 0);
	CHECK(peer_wait(&b) == 0);
	CHECK_RC(fv_release(fd, addr, 2 * PAGE), 0);
	return 0;
}

struct node {
	struct node *next;
	char text[56];
};

static int peer_pointer(struct peer *self)
{
	struct node *head;
	uint64_t addr, len;
	int fd = fv_open();

	NEED(fd >= 0, 2);
	NEED(!peer_recv(self, &addr), 3);
	NEED(!peer_recv(self, &len), 4);
	NEED(!peer_recv(self, (uint64_t *)&head), 5);
	NEED(!fv_attach(fd, addr, len, RW), 6);
	/* A pointer written by the other process, dereferenced here. */
	NEED(head->next && !strcmp(head->next->text, "across processes"), 7);
	strcpy(head->next->text, "written back");
	NEED(!peer_send(self, 1), 8);
	NEED(!peer_recv(self, &addr), 9);
	return 0;
}

int t_share_pointer(void)
{
	struct node *n0, *n1;
	uint64_t addr, v;
	struct peer b;
	int fd = fv_open();

	CHECK(fd >= 0);
	CHECK_RC(fv_alloc(fd, 4 * PAGE, RW, 0, &addr), 0);
	n0 = (struct node *)(addr + 128);
	n1 = (struct node *)(addr + 3 * PAGE + 64);
	n0->next = n1;
	strcpy(n1->text, "across processes");
	CHECK_RC(peer_start(&b, peer_pointer), 0);
	CHECK_RC(fv_grant(fd, b.pidfd, addr, 4 * PAGE, RW), 0);
	CHECK_RC(peer_send(&b, addr), 0);
	CHECK_RC(peer_send(&b, 4 * PAGE), 0);
	CHECK_RC(peer_send(&b, (uint64_t)n0), 0);
	CHECK_RC(peer_recv(&b, &v), 0);
	CHECK(v == 1);
	CHECK(!strcmp(n1->text, "written back"));
	CHECK_RC(peer_send(&b, 0), 0);
	CHECK(peer_wait(&b) == 0);
	CHECK_RC(fv_release(fd, addr, 4 * PAGE), 0);
	return 0;
}

static int peer_no_grant(struct peer *self)
{
	uint64_t addr;
	int parent, fd = fv_open();

	NEED(fd >= 0, 2);
	NEED(!peer_recv(self, &addr), 3);
	/* Not granted yet. */
	NEED(fv_attach(fd, addr, PAGE, RD) == -EACCES, 4);
	NEED(!peer_send(self, 1), 5);
	NEED(!peer_recv(self, &addr), 6);
	/* Granted read on the first page only. */
	NEED(fv_attach(fd, addr, 2 * PAGE, RD) == -EACCES, 7);
	NEED(fv_attach(fd, addr, PAGE, RW) == -EACCES, 8);
	NEED(fv_attach(fd, addr, PAGE, RWX) == -EACCES, 9);
	NEED(!fv_attach(fd, addr, PAGE, RD), 10);
	/* A reader cannot evict the writer that granted it. */
	parent = pidfd_of(getppid());
	NEED(parent >= 0, 11);
	NEED(fv_revoke(fd, parent, addr, PAGE) == -EPERM, 12);
	NEED(!peer_send(self, 2), 13);
	NEED(!peer_recv(self, &addr), 14);
	return 0;
}

static int peer_conflict(struct peer *self)
{
	uint64_t addr, len;
	uint8_t *mine;
	int fd = fv_open();

	NEED(fd >= 0, 2);
	NEED(!peer_recv(self, &addr), 3);
	NEED(!peer_recv(self, &len), 4);
	/* Reserve the window, then put a mapping of our own into it. */
	NEED(fv_attach(fd, addr, len, RD) == 0, 5);
	NEED(!fv_release(fd, addr, len), 6);
	NEED(!munmap((void *)addr, len), 7);
	mine = mmap((void *)addr, PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	NEED(mine == (void *)addr, 8);
	mine[0] = 77;
	NEED(!peer_send(self, 1), 9);
	NEED(!peer_recv(self, &len), 10);
	/* flatvm never maps over it. */
	NEED(fv_attach(fd, addr, PAGE, RD) == -EEXIST, 11);
	NEED(mine[0] == 77, 12);
	NEED(!peer_send(self, 2), 13);
	NEED(!peer_recv(self, &len), 14);
	return 0;
}

int t_attach_conflict(void)
{
	struct flatvm_stats s;
	uint64_t addr, v;
	struct peer b;
	int fd = fv_open();

	CHECK(fd >= 0);
	CHECK_RC(fv_alloc(fd, 2 * PAGE, RW, 0, &addr), 0);
	CHECK_RC(peer_start(&b, peer_conflict), 0);
	CHECK_RC(fv_grant(fd, b.pidfd, addr, 2 * PAGE, RD), 0);
	CHECK_RC(peer_send(&b, addr), 0);
	CHECK_RC(peer_send(&b, 2 * PAGE), 0);
	CHECK_RC(peer_recv(&b, &v), 0);
	CHECK_RC(fv_grant(fd, b.pidfd, addr, PAGE, RD), 0);
	CHECK_RC(peer_send(&b, 0), 0);
	CHECK_RC(peer_recv(&b, &v), 0);
	CHECK(v == 2);
	/* The failed attach left the grant and nothing else. */
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.pages == 2 && s.holders == 3);
	CHECK_RC(peer_send(&b, 0), 0);
	CHECK(peer_wait(&b) == 0);
	CHECK_RC(fv_release(fd, addr, 2 * PAGE), 0);
	return 0;
}

int t_attach_rules(void)
{
	uint64_t addr, ro, v;
	struct peer b;
	int self, fd = fv_open();

	CHECK(fd >= 0);
	CHECK_RC(fv_alloc(fd, 2 * PAGE, RW, 0, &addr), 0);
	CHECK_RC(fv_alloc(fd, PAGE, RD, 0, &ro), 0);
	CHECK_RC(peer_start(&b, peer_no_grant), 0);
	CHECK_RC(peer_send(&b, addr), 0);
	CHECK_RC(peer_recv(&b, &v), 0);
	CHECK(v == 1);
	/* A grant cannot exceed the granter's rights, nor go to itself. */
	CHECK_RC(fv_grant(fd, b.pidfd, ro, PAGE, RW), -EACCES);
	self = pidfd_of(getpid());
	CHECK(self >= 0);
	CHECK_RC(fv_grant(fd, self, addr, PAGE, RD), -EINVAL);
	CHECK_RC(fv_grant(fd, b.pidfd, addr, PAGE, RD), 0);
	CHECK_RC(peer_send(&b, addr), 0);
	CHECK_RC(peer_recv(&b, &v), 0);
	CHECK(v == 2);
	CHECK_RC(peer_send(&b, 0), 0);
	CHECK(peer_wait(&b) == 0);
	CHECK_RC(fv_release(fd, addr, 2 * PAGE), 0);
	CHECK_RC(fv_release(fd, ro, PAGE), 0);
	return 0;
}

static int peer_keeper(struct peer *self)
{
	struct flatvm_query q;
	uint64_t addr, v;
	int fd = fv_open();

	NEED(fd >= 0, 2);
	NEED(!peer_recv(self, &addr), 3);
	NEED(!fv_attach(fd, addr, 3 * PAGE, RW), 4);
	NEED(!peer_send(self, 1), 5);
	NEED(!peer_recv(self, &v), 6);	/* the owner released */
	NEED(!strcmp((char *)addr + PAGE, "kept"), 7);
	NEED(!fv_query(fd, addr + PAGE, &q) && q.nholders == 1, 8);
	strcpy((char *)addr + 2 * PAGE, "still mine");
	NEED(!peer_send(self, 2), 9);
	NEED(!peer_recv(self, &v), 10);
	NEED(!fv_release(fd, addr, 3 * PAGE), 11);
	NEED(fv_query(fd, addr, &q) == -ENOENT, 12);
	NEED(!peer_send(self, 3), 13);
	NEED(!peer_recv(self, &v), 14);
	return 0;
}

int t_owner_release_sharer_keeps(void)
{
	struct flatvm_stats s;
	uint64_t addr, v;
	struct peer b;
	int fd = fv_open();

	CHECK(fd >= 0);
	CHECK_RC(fv_alloc(fd, 3 * PAGE, RW, 0, &addr), 0);
	strcpy((char *)addr + PAGE, "kept");
	CHECK_RC(peer_start(&b, peer_keeper), 0);
	CHECK_RC(fv_grant(fd, b.pidfd, addr, 3 * PAGE, RW), 0);
	CHECK_RC(peer_send(&b, addr), 0);
	CHECK_RC(peer_recv(&b, &v), 0);
	CHECK_RC(fv_release(fd, addr, 3 * PAGE), 0);
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.pages == 3 && s.ranges == 1);
	CHECK_RC(peer_send(&b, 0), 0);
	CHECK_RC(peer_recv(&b, &v), 0);
	CHECK(v == 2);
	CHECK_RC(peer_send(&b, 0), 0);
	CHECK_RC(peer_recv(&b, &v), 0);
	CHECK(v == 3);
	/* The last holder released: pages freed, the address is free. */
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.pages == 0 && s.ranges == 0);
	CHECK_RC(peer_send(&b, 0), 0);
	CHECK(peer_wait(&b) == 0);
	return 0;
}

static int peer_lazy(struct peer *self)
{
	volatile uint8_t *p;
	uint64_t addr, v;
	int fd = fv_open();

	NEED(fd >= 0, 2);
	NEED(!peer_recv(self, &addr), 3);
	NEED(!fv_attach(fd, addr, 64 * PAGE, RW), 4);
	p = (volatile uint8_t *)addr;
	p[5 * PAGE] = 55;
	NEED(!peer_send(self, 1), 5);
	NEED(!peer_recv(self, &v), 6);
	NEED(p[9 * PAGE] == 99 && p[5 * PAGE] == 55, 7);
	NEED(!peer_send(self, 2), 8);
	NEED(!peer_recv(self, &v), 9);
	return 0;
}

int t_lazy_shared(void)
{
	struct flatvm_stats s;
	volatile uint8_t *p;
	uint64_t addr, v;
	struct peer b;
	int fd = fv_open();

	CHECK(fd >= 0);
	CHECK_RC(fv_alloc(fd, 64 * PAGE, RW, FLATVM_ALLOC_LAZY, &addr), 0);
	p = (volatile uint8_t *)addr;
	CHECK_RC(peer_start(&b, peer_lazy), 0);
	CHECK_RC(fv_grant(fd, b.pidfd, addr, 64 * PAGE, RW), 0);
	CHECK_RC(peer_send(&b, addr), 0);
	CHECK_RC(peer_recv(&b, &v), 0);
	/* The page the peer touched first is the one seen here. */
	CHECK(p[5 * PAGE] == 55);
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.pages == 1);
	p[9 * PAGE] = 99;
	CHECK_RC(peer_send(&b, 0), 0);
	CHECK_RC(peer_recv(&b, &v), 0);
	CHECK(v == 2);
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.pages == 2);
	CHECK_RC(peer_send(&b, 0), 0);
	CHECK(peer_wait(&b) == 0);
	CHECK_RC(fv_release(fd, addr, 64 * PAGE), 0);
	return 0;
}

static int peer_revoked(struct peer *self)
{
	struct flatvm_query q;
	uint64_t addr, v;
	uint8_t b;
	int parent, fd = fv_open();

	NEED(fd >= 0, 2);
	NEED(!peer_recv(self, &addr), 3);
	NEED(!fv_attach(fd, addr, 2 * PAGE, RW), 4);
	NEED(probe_read((void *)addr, &b) == 0 && b == 'r', 5);
	NEED(!peer_send(self, 1), 6);
	NEED(!peer_recv(self, &v), 7);	/* revoked */
	NEED(probe_read((void *)addr, &b) == SIGSEGV, 8);
	NEED(probe_write((void *)(addr + PAGE), 1) == SIGSEGV, 9);
	/* Nothing to see for a process that holds nothing there. */
	NEED(fv_query(fd, addr, &q) == -ENOENT, 10);
	/* A process cannot revoke what it did not allocate. */
	parent = pidfd_of(getppid());
	NEED(parent >= 0, 11);
	NEED(fv_revoke(fd, parent, addr, 2 * PAGE) == -EPERM, 12);
	/* Nothing is left to release: no mapping outlives the hold. */
	NEED(fv_release(fd, addr, 2 * PAGE) == -ENOENT, 13);
	NEED(probe_read((void *)addr, &b) == SIGSEGV, 14);
	NEED(!peer_send(self, 2), 16);
	NEED(!peer_recv(self, &v), 17);
	return 0;
}

int t_revoke(void)
{
	struct flatvm_stats s;
	uint64_t addr, v;
	struct peer b;
	int fd = fv_open();

	CHECK(fd >= 0);
	CHECK_RC(fv_alloc(fd, 2 * PAGE, RW, 0, &addr), 0);
	*(char *)addr = 'r';
	CHECK_RC(peer_start(&b, peer_revoked), 0);
	CHECK_RC(fv_grant(fd, b.pidfd, addr, 2 * PAGE, RW), 0);
	CHECK_RC(peer_send(&b, addr), 0);
	CHECK_RC(peer_recv(&b, &v), 0);
	CHECK_RC(fv_revoke(fd, b.pidfd, addr, 2 * PAGE), 0);
	CHECK_RC(fv_revoke(fd, b.pidfd, addr, 2 * PAGE), -ENOENT);
	CHECK_RC(peer_send(&b, 0), 0);
	CHECK_RC(peer_recv(&b, &v), 0);
	CHECK(v == 2);
	CHECK(*(char *)addr == 'r');
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.holders == 1 && s.pages == 2);
	CHECK_RC(peer_send(&b, 0), 0);
	CHECK(peer_wait(&b) == 0);
	CHECK_RC(fv_release(fd, addr, 2 * PAGE), 0);
	return 0;
}
