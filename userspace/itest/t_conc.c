// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm integration tests: concurrency — threads of one process and
 * several processes calling alloc/grant/attach/release/munmap at once, with
 * the invariant checker read meanwhile; then the final state.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "itest.h"
#include "tests.h"

#define THREADS		4
#define THREAD_ITERS	300

struct worker {
	pthread_t tid;
	int fd;
	unsigned int seed;
	int bad;
};

static void *thread_main(void *arg)
{
	struct worker *w = arg;
	int i;

	for (i = 0; i < it_scaled(THREAD_ITERS) && !w->bad; i++) {
		uint64_t npages = 1 + rand_r(&w->seed) % 8, addr;
		uint32_t flags = rand_r(&w->seed) % 2 ? FLATVM_ALLOC_LAZY : 0;
		struct flatvm_query q;
		uint64_t k, id, gone;
		uint8_t *p;

		if (fv_alloc(w->fd, npages * PAGE, RW, flags, &addr)) {
			w->bad = 1;
			break;
		}
		p = (uint8_t *)addr;
		for (k = 0; k < npages; k++) {
			if (p[k * PAGE])
				w->bad = 2;
			p[k * PAGE] = (uint8_t)(i + 1);
		}
		if (fv_query(w->fd, addr, &q) || q.rights != RW)
			w->bad = 3;
		id = q.range_id;
		if (fv_query(w->fd, addr + (npages - 1) * PAGE, &q) ||
		    q.range_id != id || q.rights != RW)
			w->bad = 3;
		/*
		 * Threads share their process's holds: a page given back
		 * may be another thread's range by now, so each page is
		 * released exactly once.
		 */
		gone = rand_r(&w->seed) % npages;
		switch (rand_r(&w->seed) % 3) {
		case 0:
			if (fv_release(w->fd, addr + gone * PAGE, PAGE))
				w->bad = 4;
			break;
		case 1:
			if (munmap((void *)(addr + gone * PAGE), PAGE))
				w->bad = 5;
			break;
		default:
			gone = npages;
			break;
		}
		for (k = 0; k < npages; k++)
			if (k != gone && fv_release(w->fd, addr + k * PAGE, PAGE))
				w->bad = 6;
		if (fv_query(w->fd, addr, &q) != -ENOENT &&
		    q.range_id == id && q.rights)
			w->bad = 7;
	}
	return NULL;
}

static int run_threads(unsigned int seed)
{
	struct worker w[THREADS];
	int fd = fv_open(), i, bad = 0;

	if (fd < 0)
		return 1;
	for (i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .fd = fd, .seed = seed + i };
		if (pthread_create(&w[i].tid, NULL, thread_main, &w[i]))
			return 1;
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(w[i].tid, NULL);
		if (w[i].bad)
			printf("    thread %d failed at step %d\n", i, w[i].bad);
		bad |= w[i].bad;
	}
	close(fd);
	return bad ? 1 : 0;
}

int t_concurrent_threads(void)
{
	CHECK(run_threads(1) == 0);
	CHECK(checker_ok());
	return 0;
}

/*
 * Processes: pairs of producer and consumer pass ranges (grant + attach +
 * release on both sides, in either order), while other processes run the
 * thread workload, all at once.
 */
#define PAIRS		2
#define PAIR_ITERS	150

static int pipes[PAIRS][2][2];	/* [pair][0: to consumer, 1: to producer] */
static pid_t consumers[PAIRS];

static int producer(int pair)
{
	int fd = fv_open(), pidfd = pidfd_of(consumers[pair]), i;
	int to = pipes[pair][0][1], from = pipes[pair][1][0];
	uint64_t ack;

	if (fd < 0 || pidfd < 0)
		return 2;
	/* The consumer accepts grants before the first one. */
	if (read(from, &ack, 8) != 8 || ack != 1)
		return 2;
	for (i = 0; i < it_scaled(PAIR_ITERS); i++) {
		uint64_t npages = 1 + i % 5, addr;

		if (fv_alloc(fd, npages * PAGE, RW,
			     i % 2 ? FLATVM_ALLOC_LAZY : 0, &addr))
			return 3;
		memset((void *)addr, i & 0xff, npages * PAGE);
		if (fv_grant(fd, pidfd, addr, npages * PAGE, i % 3 ? RW : RD))
			return 4;
		/* Half the time the owner lets go before the consumer. */
		if (i % 2 && fv_release(fd, addr, npages * PAGE))
			return 5;
		if (write(to, &addr, 8) != 8 || write(to, &npages, 8) != 8)
			return 6;
		if (read(from, &ack, 8) != 8 || ack != 1)
			return 7;
		if (!(i % 2) && munmap((void *)addr, npages * PAGE))
			return 8;
	}
	return 0;
}

static int consumer(int pair)
{
	int fd = fv_open(), i;
	int from = pipes[pair][0][0], to = pipes[pair][1][1];
	uint64_t ready = 1;

	if (fd < 0 || fv_accept(fd, FLATVM_ACCEPT_USER, NULL) ||
	    write(to, &ready, 8) != 8)
		return 2;
	for (i = 0; i < it_scaled(PAIR_ITERS); i++) {
		uint64_t addr, npages, one = 1, k;
		const uint8_t *p;

		if (read(from, &addr, 8) != 8 || read(from, &npages, 8) != 8)
			return 3;
		if (fv_attach(fd, addr, npages * PAGE, i % 3 ? RW : RD))
			return 4;
		p = (const uint8_t *)addr;
		for (k = 0; k < npages * PAGE; k += 512)
			if (p[k] != (i & 0xff))
				return 5;
		if (fv_release(fd, addr, npages * PAGE))
			return 6;
		if (write(to, &one, 8) != 8)
			return 7;
	}
	return 0;
}

int t_concurrent_processes(void)
{
	pid_t producers[PAIRS], hammer[2];
	int i, j, st;

	for (i = 0; i < PAIRS; i++)
		for (j = 0; j < 2; j++)
			CHECK(!pipe(pipes[i][j]));
	fflush(stdout);
	for (i = 0; i < PAIRS; i++) {
		consumers[i] = fork();
		CHECK(consumers[i] >= 0);
		if (!consumers[i])
			_exit(consumer(i));
		producers[i] = fork();
		CHECK(producers[i] >= 0);
		if (!producers[i])
			_exit(producer(i));
	}
	for (i = 0; i < 2; i++) {
		hammer[i] = fork();
		CHECK(hammer[i] >= 0);
		if (!hammer[i])
			_exit(run_threads(100 + 10 * i));
	}
	for (i = 0; i < 20; i++) {
		CHECK(checker_ok());
		usleep(50000);
	}
	for (i = 0; i < PAIRS; i++) {
		st = wait_status(producers[i]);
		if (st)
			printf("    producer %d: status %d\n", i, st);
		CHECK(st == 0);
		st = wait_status(consumers[i]);
		if (st)
			printf("    consumer %d: status %d\n", i, st);
		CHECK(st == 0);
	}
	for (i = 0; i < 2; i++)
		CHECK(wait_status(hammer[i]) == 0);
	CHECK(checker_ok());
	return 0;
}

int t_final_state(void)
{
	struct flatvm_stats s;
	int fd = fv_open();

	CHECK(fd >= 0);
	CHECK_RC(fv_stats(fd, &s), 0);
	printf("    stats: window %llu bytes, free %llu, largest free %llu, ranges %llu, pages %llu, holders %llu, processes %llu\n",
	       (unsigned long long)s.window_size,
	       (unsigned long long)s.free_bytes,
	       (unsigned long long)s.largest_free,
	       (unsigned long long)s.ranges, (unsigned long long)s.pages,
	       (unsigned long long)s.holders,
	       (unsigned long long)s.processes);
	CHECK(s.pages == 0 && s.ranges == 0 && s.holders == 0);
	CHECK(s.free_bytes == s.window_size && s.largest_free == s.window_size);
	CHECK(checker_ok());
	return 0;
}
