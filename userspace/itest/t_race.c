// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm integration tests: page faults racing each other and racing the
 * calls that take holds away.
 *
 *  - concurrent_faults: threads of one process, then threads of two
 *    processes, fault on the same lazy pages at once: each address gets
 *    one page, seen by all of them;
 *  - release_races_faults: threads keep touching a range while another
 *    thread RELEASEs it; once RELEASE has returned, every touch faults;
 *  - revoke_races_faults: the same in a grantee whose hold is REVOKEd:
 *    once REVOKE has returned, its touches fault and its writes no longer
 *    reach the owner's page.
 * Each ends with STATS back to zero (no page outlived its holds) and the
 * core's checker.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"
#include "tests.h"

/* ---- touching with SIGSEGV/SIGBUS caught, per thread ----------------- */

static __thread sigjmp_buf touch_env;
static __thread volatile sig_atomic_t touch_armed;

static void touch_handler(int sig)
{
	if (!touch_armed) {
		signal(sig, SIG_DFL);
		raise(sig);
	}
	siglongjmp(touch_env, sig);
}

static void touch_setup(void)
{
	struct sigaction sa = { .sa_handler = touch_handler,
				.sa_flags = SA_NODEFER };

	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

/* 0 when the access worked, else the signal it raised. */
static int touch(volatile uint8_t *p, int write, uint8_t v)
{
	int sig;

	touch_armed = 1;
	sig = sigsetjmp(touch_env, 1);
	if (!sig) {
		if (write)
			*p = v;
		else
			(void)*p;
	}
	touch_armed = 0;
	return sig;
}

static unsigned int rnd(unsigned int *seed)
{
	*seed = *seed * 1103515245 + 12345;
	return *seed >> 8;
}

/* ---- concurrent faults on lazy pages ------------------------------------- */

#define FAULT_PAGES	256
#define FAULT_THREADS	4

struct faulter {
	pthread_t tid;
	uint64_t base;
	int slot;		/* writes its mark at 8 * slot in each page */
	pthread_barrier_t *go;
	int bad;
};

/* Every page once, from a different starting page per thread. */
static void *faulter_main(void *arg)
{
	struct faulter *f = arg;
	int i, k;

	pthread_barrier_wait(f->go);
	for (i = 0; i < FAULT_PAGES; i++) {
		k = (i + f->slot * FAULT_PAGES / FAULT_THREADS) % FAULT_PAGES;
		volatile uint64_t *p = (volatile uint64_t *)(f->base + k * PAGE);

		p[f->slot] = (uint64_t)(k + 1) << 8 | (uint64_t)f->slot;
		if (p[f->slot] != ((uint64_t)(k + 1) << 8 | (uint64_t)f->slot))
			f->bad = 1;
	}
	return NULL;
}

/* Threads @first..@last - 1 of the marks fault the whole range at once. */
static int fault_all(uint64_t base, int first, int last)
{
	struct faulter f[FAULT_THREADS];
	pthread_barrier_t go;
	int i, bad = 0;

	pthread_barrier_init(&go, NULL, last - first);
	for (i = first; i < last; i++) {
		f[i] = (struct faulter){ .base = base, .slot = i, .go = &go };
		if (pthread_create(&f[i].tid, NULL, faulter_main, &f[i]))
			return 1;
	}
	for (i = first; i < last; i++) {
		pthread_join(f[i].tid, NULL);
		bad |= f[i].bad;
	}
	pthread_barrier_destroy(&go);
	return bad;
}

/* Every page carries the marks of threads @first..@last - 1. */
static int marks_ok(uint64_t base, int first, int last)
{
	int k, t;

	for (k = 0; k < FAULT_PAGES; k++)
		for (t = first; t < last; t++)
			if (((volatile uint64_t *)(base + k * PAGE))[t] !=
			    ((uint64_t)(k + 1) << 8 | (uint64_t)t))
				return 0;
	return 1;
}

static int peer_faulter(struct peer *self)
{
	int fd = fv_open();
	uint64_t base, v;

	/* ATTACH maps the window; no page exists yet: touches map them. */
	if (fd < 0 || peer_recv(self, &base) ||
	    fv_attach(fd, base, FAULT_PAGES * PAGE, RW) || peer_send(self, 1))
		return 2;
	if (fault_all(base, FAULT_THREADS / 2, FAULT_THREADS))
		return 3;
	if (peer_send(self, 2) || peer_recv(self, &v))
		return 4;
	return 0;
}

int t_concurrent_faults(void)
{
	struct flatvm_stats s;
	uint64_t base, v;
	struct peer p;
	int fd = fv_open();

	CHECK(fd >= 0);
	/* One process, four threads. */
	CHECK_RC(fv_alloc(fd, FAULT_PAGES * PAGE, RW, FLATVM_ALLOC_LAZY,
			  &base), 0);
	CHECK(fault_all(base, 0, FAULT_THREADS) == 0);
	CHECK(marks_ok(base, 0, FAULT_THREADS));
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.pages == FAULT_PAGES);
	CHECK_RC(fv_release(fd, base, FAULT_PAGES * PAGE), 0);

	/* Two processes, two threads each, on one lazy range. */
	CHECK_RC(fv_alloc(fd, FAULT_PAGES * PAGE, RW, FLATVM_ALLOC_LAZY,
			  &base), 0);
	CHECK_RC(peer_start(&p, peer_faulter), 0);
	CHECK_RC(fv_grant(fd, p.pidfd, base, FAULT_PAGES * PAGE, RW), 0);
	CHECK_RC(peer_send(&p, base), 0);
	CHECK_RC(peer_recv(&p, &v), 0);	/* attached: fault together */
	CHECK(fault_all(base, 0, FAULT_THREADS / 2) == 0);
	CHECK_RC(peer_recv(&p, &v), 0);
	CHECK(v == 2 && marks_ok(base, 0, FAULT_THREADS));
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.pages == FAULT_PAGES && s.holders == 2);
	CHECK_RC(peer_send(&p, 0), 0);
	CHECK(peer_wait(&p) == 0);
	CHECK_RC(fv_release(fd, base, FAULT_PAGES * PAGE), 0);
	CHECK_RC(fv_stats(fd, &s), 0);
	CHECK(s.pages == 0);
	CHECK(checker_ok());
	return 0;
}

/* ---- RELEASE and REVOKE racing faults ------------------------------------ */

#define RACE_PAGES	32
#define RACE_THREADS	3

struct toucher {
	pthread_t tid;
	uint64_t base;
	unsigned int seed;
	atomic_int *gone;	/* set once the hold is gone */
	atomic_int *stop;
	atomic_long after;	/* accesses made once the hold was gone */
	int bad;
};

/*
 * Touch random pages (reads and writes) until told to stop.  Before the
 * hold goes an access may work or fault; after, it must fault.
 */
static void *toucher_main(void *arg)
{
	struct toucher *t = arg;

	while (!atomic_load(t->stop)) {
		int gone = atomic_load(t->gone);
		uint64_t k = rnd(&t->seed) % RACE_PAGES;
		int sig = touch((volatile uint8_t *)(t->base + k * PAGE + 64),
				rnd(&t->seed) % 2, (uint8_t)k);

		if (gone) {
			atomic_fetch_add(&t->after, 1);
			if (sig != SIGSEGV)
				t->bad = 1;
		}
	}
	return NULL;
}

static int touchers_start(struct toucher *t, uint64_t base, atomic_int *gone,
			  atomic_int *stop, unsigned int seed)
{
	int i;

	for (i = 0; i < RACE_THREADS; i++) {
		t[i] = (struct toucher){ .base = base, .seed = seed + i,
					 .gone = gone, .stop = stop };
		if (pthread_create(&t[i].tid, NULL, toucher_main, &t[i]))
			return -1;
	}
	return 0;
}

static void pause_us(unsigned int us)
{
	struct timespec ts = { .tv_nsec = (long)us * 1000 };

	nanosleep(&ts, NULL);
}

/*
 * The hold is gone: let every thread make a few accesses (at most 10 s),
 * stop and join them.  Return: 0 when none of those accesses worked.
 */
static int touchers_finish(struct toucher *t, atomic_int *gone,
			   atomic_int *stop)
{
	int i, bad = 0, waited;

	atomic_store(gone, 1);
	for (i = 0; i < RACE_THREADS; i++)
		for (waited = 0; atomic_load(&t[i].after) < 4 && waited < 10000;
		     waited++)
			pause_us(1000);
	atomic_store(stop, 1);
	for (i = 0; i < RACE_THREADS; i++) {
		pthread_join(t[i].tid, NULL);
		bad |= t[i].bad || atomic_load(&t[i].after) < 4;
	}
	return bad;
}

int t_release_races_faults(void)
{
	struct toucher t[RACE_THREADS];
	struct flatvm_stats s;
	unsigned int seed = 7;
	atomic_int gone, stop;
	uint64_t base;
	int fd = fv_open(), round;

	CHECK(fd >= 0);
	touch_setup();
	for (round = 0; round < it_scaled(40); round++) {
		uint32_t lazy = round % 2 ? FLATVM_ALLOC_LAZY : 0;

		CHECK_RC(fv_alloc(fd, RACE_PAGES * PAGE, RW, lazy, &base), 0);
		atomic_store(&gone, 0);
		atomic_store(&stop, 0);
		CHECK(!touchers_start(t, base, &gone, &stop, seed + round));
		pause_us(rnd(&seed) % 3000);
		CHECK_RC(fv_release(fd, base, RACE_PAGES * PAGE), 0);
		CHECK(touchers_finish(t, &gone, &stop) == 0);
		/* Nothing touched after RELEASE survived it. */
		CHECK_RC(fv_stats(fd, &s), 0);
		CHECK(s.pages == 0 && s.ranges == 0);
	}
	CHECK(checker_ok());
	return 0;
}

/* The grantee: touch until revoked, then check that nothing gets through. */
static int peer_revokee(struct peer *self)
{
	struct toucher t[RACE_THREADS];
	atomic_int gone, stop;
	uint64_t base, v;
	int fd = fv_open();

	touch_setup();
	if (fd < 0)
		return 2;
	for (;;) {
		if (peer_recv(self, &base))
			return 3;
		if (!base)
			return 0;
		atomic_store(&gone, 0);
		atomic_store(&stop, 0);
		if (touchers_start(t, base, &gone, &stop, (unsigned int)base))
			return 4;
		if (peer_send(self, 1) || peer_recv(self, &v))	/* revoked */
			return 5;
		if (touchers_finish(t, &gone, &stop))
			return 6;
		if (peer_send(self, 2))
			return 7;
	}
}

int t_revoke_races_faults(void)
{
	struct flatvm_stats s;
	unsigned int seed = 11;
	uint64_t base, v, k;
	struct peer p;
	int fd = fv_open(), round;

	CHECK(fd >= 0);
	CHECK_RC(peer_start(&p, peer_revokee), 0);
	for (round = 0; round < it_scaled(30); round++) {
		uint32_t lazy = round % 2 ? FLATVM_ALLOC_LAZY : 0;

		CHECK_RC(fv_alloc(fd, RACE_PAGES * PAGE, RW, lazy, &base), 0);
		CHECK_RC(fv_grant(fd, p.pidfd, base, RACE_PAGES * PAGE, RW), 0);
		CHECK_RC(peer_send(&p, base), 0);
		CHECK_RC(peer_recv(&p, &v), 0);
		pause_us(rnd(&seed) % 3000);
		CHECK_RC(fv_revoke(fd, p.pidfd, base, RACE_PAGES * PAGE), 0);
		/* From now on the grantee's writes must not land here. */
		for (k = 0; k < RACE_PAGES; k++)
			*(volatile uint8_t *)(base + k * PAGE + 64) = 0xee;
		CHECK_RC(peer_send(&p, 0), 0);
		CHECK_RC(peer_recv(&p, &v), 0);
		CHECK(v == 2);
		for (k = 0; k < RACE_PAGES; k++)
			CHECK(*(volatile uint8_t *)(base + k * PAGE + 64) ==
			      0xee);
		CHECK_RC(fv_stats(fd, &s), 0);
		CHECK(s.holders == 1 && s.pages == RACE_PAGES);
		CHECK_RC(fv_release(fd, base, RACE_PAGES * PAGE), 0);
		CHECK_RC(fv_stats(fd, &s), 0);
		CHECK(s.pages == 0 && s.ranges == 0);
	}
	CHECK_RC(peer_send(&p, 0), 0);
	CHECK(peer_wait(&p) == 0);
	CHECK(checker_ok());
	return 0;
}
