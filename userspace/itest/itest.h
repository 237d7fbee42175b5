/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flatvm integration tests (run inside the dev VM): shared helpers.
 *
 * Each test runs in a fresh process forked by the runner and returns 0 when
 * every assertion held; CHECK() prints the first one that did not.  Tests
 * fork further processes to play the other side of a share; those report
 * through pipes and their exit status.
 */
#ifndef FLATVM_ITEST_H
#define FLATVM_ITEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <signal.h>
#include <sys/types.h>

#include <linux/flatvm.h>

#define PAGE		4096UL

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			it_fail(__FILE__, __LINE__, #cond);		\
			return 1;					\
		}							\
	} while (0)

/* CHECK for an expression returning 0 or -errno. */
#define CHECK_RC(expr, want)						\
	do {								\
		long rc__ = (expr);					\
		if (rc__ != (want)) {					\
			it_fail_rc(__FILE__, __LINE__, #expr, rc__, (want)); \
			return 1;					\
		}							\
	} while (0)

/* A test that cannot run here returns IT_SKIP after saying why. */
#define IT_SKIP		77

/*
 * Percentage of the concurrency tests' iterations to run (environment
 * FLATVM_ITEST_SCALE, default 100): the debug kernel runs them scaled
 * down, its stress run (vmstress) covers concurrency at volume there.
 */
extern int it_scale;
int it_scaled(int iters);

void it_fail(const char *file, int line, const char *what);
void it_fail_rc(const char *file, int line, const char *what, long got,
		long want);

/*
 * The device and its ioctls, 0 or -errno: libflatvm's calls with window
 * addresses as integers.  fv_ioctl() is the raw ioctl, for t_bad.c's table
 * of hostile arguments only.
 */
int fv_open(void);
int fv_ioctl(int fd, unsigned long cmd, void *arg);
int fv_alloc(int fd, uint64_t len, uint32_t rights, uint32_t flags,
	     uint64_t *addr);
int fv_grant(int fd, int pidfd, uint64_t addr, uint64_t len, uint32_t rights);
int fv_attach(int fd, uint64_t addr, uint64_t len, uint32_t rights);
int fv_release(int fd, uint64_t addr, uint64_t len);
int fv_revoke(int fd, int pidfd, uint64_t addr, uint64_t len);
int fv_query(int fd, uint64_t addr, struct flatvm_query *q);
int fv_stats(int fd, struct flatvm_stats *s);
int fv_accept(int fd, uint32_t from, uint32_t *previous);

#define RD	FLATVM_RIGHT_READ
#define RW	(FLATVM_RIGHT_READ | FLATVM_RIGHT_WRITE)
#define RWX	FLATVM_RIGHTS_ALL

/* Memory probes: 0 when the access worked, else the signal it raised. */
int probe_read(const void *p, uint8_t *out);
int probe_write(void *p, uint8_t v);
int probe_exec(void *p, int *ret);

/* Processes. */
int pidfd_of(pid_t pid);
int set_param(const char *name, unsigned long value);
unsigned long get_param(const char *name);
int wait_status(pid_t pid);	/* exit code, or 128 + signal */
int checker_ok(void);		/* debugfs: the core's invariant checker */

/*
 * A peer: a forked process running fn(peer) that talks to its parent over
 * two pipes of 64-bit words.  It accepts grants from its user before fn
 * runs (FLATVM_IOC_ACCEPT), so the parent may grant to it at once.
 */
struct peer {
	pid_t pid;
	int pidfd;
	int rd;		/* read end (from the other side) */
	int wr;		/* write end (to the other side) */
};

int peer_start(struct peer *p, int (*fn)(struct peer *self));
int peer_send(const struct peer *p, uint64_t v);
int peer_recv(const struct peer *p, uint64_t *v);
int peer_wait(struct peer *p);	/* as wait_status */

/* Window parameters as the module reports them. */
extern uint64_t win_base, win_size;

#endif /* FLATVM_ITEST_H */
