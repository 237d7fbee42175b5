// SPDX-License-Identifier: GPL-2.0
/*
 * libflatvm host tests: the pointer allocator.  Options, size classes,
 * growth by ALLOC, large objects, frees the heap must refuse, failures of
 * ALLOC, GRANT and the hook while growing, grants to every range now and
 * later, and threads allocating and freeing each other's objects.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lt.h"

#define MiB	(1u << 20)

static int t_create_options(void)
{
	struct flatvm_heap_opts o = { .size = sizeof(o) };
	struct flatvm_heap *h = NULL;
	int fd = lt_open();

	CHECK(fd >= 0);
	o.size = 4;
	CHECK_RC(flatvm_heap_create(fd, &o, &h), -EINVAL);
	o.size = sizeof(o);
	o.flags = 2;
	CHECK_RC(flatvm_heap_create(fd, &o, &h), -EINVAL);
	o.flags = 0;
	o.pad = 1;
	CHECK_RC(flatvm_heap_create(fd, &o, &h), -EINVAL);
	o.pad = 0;
	o.rights = FLATVM_RIGHT_WRITE;
	CHECK_RC(flatvm_heap_create(fd, &o, &h), -EINVAL);
	o.rights = 8 | RD;
	CHECK_RC(flatvm_heap_create(fd, &o, &h), -EINVAL);
	o.rights = 0;
	o.chunk_size = 3 * MiB;
	CHECK_RC(flatvm_heap_create(fd, &o, &h), -EINVAL);
	o.chunk_size = 32768;
	CHECK_RC(flatvm_heap_create(fd, &o, &h), -EINVAL);
	o.chunk_size = 2ull << 30;
	CHECK_RC(flatvm_heap_create(fd, &o, &h), -EINVAL);
	CHECK(h == NULL);
	CHECK_RC(flatvm_heap_create(-1, NULL, &h), -EBADF);
	o.chunk_size = 65536;
	o.flags = FLATVM_HEAP_LAZY;
	CHECK_RC(flatvm_heap_create(fd, &o, &h), 0);
	/* Nothing allocated before the first object. */
	CHECK(fake_dev_nranges() == 0);
	CHECK(flatvm_heap_alloc(h, 100));
	CHECK(fake_dev_nranges() == 1);
	{
		struct flatvm_alloc a;

		fake_dev_last_arg(FLATVM_IOC_ALLOC, &a, sizeof(a));
		CHECK(a.flags == FLATVM_ALLOC_LAZY && a.len == 65536);
		CHECK(a.align == 65536 && a.rights == RW);
	}
	flatvm_heap_destroy(h);
	flatvm_heap_destroy(NULL);
	flatvm_close(fd);
	return 0;
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

/* Objects of every size: aligned, usable, disjoint, contents kept. */
static int t_size_classes(void)
{
	enum { N = 600 };
	static uintptr_t p[N];
	static size_t sz[N];
	struct flatvm_heap_stats st;
	struct flatvm_heap *h;
	int fd = lt_open(), i;

	CHECK(fd >= 0);
	CHECK_RC(flatvm_heap_create(fd, NULL, &h), 0);
	for (i = 0; i < N; i++) {
		sz[i] = (size_t)(i * 37 % (FLATVM_HEAP_SMALL_MAX + 1));
		p[i] = (uintptr_t)flatvm_heap_alloc(h, sz[i]);
		CHECK(p[i]);
		CHECK(p[i] % FLATVM_HEAP_ALIGN == 0);
		CHECK(flatvm_heap_usable_size(h, (void *)p[i]) >= sz[i]);
		CHECK(flatvm_heap_usable_size(h, (void *)p[i]) <= sz[i] + sz[i] / 4 + 16);
		memset((void *)p[i], i & 0xff, sz[i]);
	}
	for (i = 0; i < N; i++) {
		size_t k;

		for (k = 0; k < sz[i]; k++)
			CHECK(((unsigned char *)p[i])[k] == (i & 0xff));
	}
	flatvm_heap_stats(h, &st);
	CHECK(st.live_objects == N && st.large == 0);
	CHECK(st.mapped_bytes == st.chunks * MiB);
	/* Disjoint: sorted, each ends before the next starts. */
	{
		static uintptr_t s[N];

		memcpy(s, p, sizeof(s));
		qsort(s, N, sizeof(s[0]), cmp_ptr);
		for (i = 1; i < N; i++)
			CHECK(s[i - 1] + flatvm_heap_usable_size(h, (void *)s[i - 1]) <= s[i]);
	}
	for (i = 0; i < N; i++)
		CHECK_RC(flatvm_heap_free(h, (void *)p[i]), 0);
	flatvm_heap_stats(h, &st);
	CHECK(st.live_objects == 0 && st.live_bytes == 0);
	flatvm_heap_destroy(h);
	CHECK(fake_dev_nranges() == 0);
	flatvm_close(fd);
	return 0;
}

/* 4 KiB objects: 16 per slab, 256 per 1 MiB chunk; 600 need 3 chunks. */
static int t_growth(void)
{
	static void *p[600];
	struct flatvm_heap_stats st;
	struct flatvm_heap *h;
	unsigned long allocs = fake_dev_calls(FLATVM_IOC_ALLOC);
	int fd = lt_open(), i;

	CHECK(fd >= 0);
	CHECK_RC(flatvm_heap_create(fd, NULL, &h), 0);
	for (i = 0; i < 600; i++) {
		p[i] = flatvm_heap_alloc(h, 4000);
		CHECK(p[i]);
	}
	flatvm_heap_stats(h, &st);
	CHECK(st.chunks == 3 && fake_dev_nranges() == 3);
	CHECK(fake_dev_calls(FLATVM_IOC_ALLOC) - allocs == 3);
	CHECK(st.live_bytes == 600 * 4096);
	/* Freed memory is reused before the heap grows again. */
	for (i = 0; i < 300; i++)
		CHECK_RC(flatvm_heap_free(h, p[i]), 0);
	for (i = 0; i < 300; i++) {
		p[i] = flatvm_heap_alloc(h, 20 + i % 200);
		CHECK(p[i]);
	}
	flatvm_heap_stats(h, &st);
	CHECK(st.chunks == 3);
	for (i = 0; i < 600; i++)
		CHECK_RC(flatvm_heap_free(h, p[i]), 0);
	flatvm_heap_destroy(h);
	flatvm_close(fd);
	return 0;
}

static int t_large(void)
{
	struct flatvm_heap_stats st;
	struct flatvm_heap *h;
	struct flatvm_query q;
	int fd = lt_open();
	char *a, *b;

	CHECK(fd >= 0);
	CHECK_RC(flatvm_heap_create(fd, NULL, &h), 0);
	a = flatvm_heap_alloc(h, FLATVM_HEAP_SMALL_MAX + 1);
	b = flatvm_heap_zalloc(h, 3 * MiB);
	CHECK(a && b);
	CHECK((uintptr_t)a % MiB == 0 && (uintptr_t)b % MiB == 0);
	CHECK(flatvm_heap_usable_size(h, a) == 12288);
	CHECK(flatvm_heap_usable_size(h, b) == 3 * MiB);
	CHECK(flatvm_heap_usable_size(h, a + 16) == 0);
	CHECK_RC(flatvm_query(fd, b, &q), 0);
	CHECK(q.range_start == (uintptr_t)b && q.range_len == 3 * MiB);
	b[3 * MiB - 1] = 1;
	flatvm_heap_stats(h, &st);
	CHECK(st.large == 2 && st.chunks == 0 && st.live_objects == 2);
	CHECK(st.mapped_bytes == 12288 + 3 * MiB);
	CHECK_RC(flatvm_heap_free(h, a + 4096), -EINVAL);
	CHECK_RC(flatvm_heap_free(h, a), 0);
	CHECK(fake_dev_nranges() == 1);
	CHECK_RC(flatvm_heap_free(h, a), -EINVAL);
	CHECK_RC(flatvm_heap_free(h, b), 0);
	flatvm_heap_stats(h, &st);
	CHECK(st.large == 0 && st.mapped_bytes == 0 && st.live_bytes == 0);
	errno = 0;
	CHECK(!flatvm_heap_alloc(h, SIZE_MAX));
	CHECK(errno == EOVERFLOW);
	CHECK(!flatvm_heap_alloc(h, FAKE_WINDOW + 1));
	CHECK(errno == EOVERFLOW);
	flatvm_heap_destroy(h);
	flatvm_close(fd);
	return 0;
}

static int t_bad_frees(void)
{
	struct flatvm_heap *h, *other;
	int fd = lt_open(), local;
	char *p, *q, *r;
	void *range;

	CHECK(fd >= 0);
	CHECK_RC(flatvm_heap_create(fd, NULL, &h), 0);
	CHECK_RC(flatvm_heap_create(fd, NULL, &other), 0);
	p = flatvm_heap_alloc(h, 64);
	q = flatvm_heap_alloc(h, 64);
	r = flatvm_heap_alloc(other, 64);
	CHECK(p && q && r);
	CHECK_RC(flatvm_heap_free(h, NULL), 0);
	CHECK_RC(flatvm_heap_free(h, p + 8), -EINVAL);		/* inside */
	CHECK_RC(flatvm_heap_free(h, &local), -EINVAL);		/* outside the window */
	CHECK_RC(flatvm_heap_free(h, r), -EINVAL);		/* other heap */
	CHECK_RC(flatvm_alloc(fd, 4096, 0, RW, 0, &range), 0);
	CHECK_RC(flatvm_heap_free(h, range), -EINVAL);		/* not a heap range */
	CHECK_RC(flatvm_release(fd, range, 4096), 0);
	/* A slab's unused tail and a slab never given out. */
	CHECK_RC(flatvm_heap_free(h, p + 65536 - 16), -EINVAL);
	CHECK_RC(flatvm_heap_free(h, p + 2 * 65536), -EINVAL);
	CHECK_RC(flatvm_heap_free(h, p), 0);
	CHECK_RC(flatvm_heap_free(h, p), -EINVAL);		/* double free */
	CHECK(flatvm_heap_usable_size(h, p) == 0);
	CHECK(flatvm_heap_usable_size(h, q) == 64);
	CHECK_RC(flatvm_heap_free(h, q), 0);
	/* The last object of the class: its slab stays, still no double free. */
	CHECK_RC(flatvm_heap_free(h, q), -EINVAL);
	flatvm_heap_destroy(h);
	flatvm_heap_destroy(other);
	flatvm_close(fd);
	return 0;
}

/* A slab emptied goes back to the pool and serves another class. */
static int t_slab_reuse(void)
{
	struct flatvm_heap_stats st;
	struct flatvm_heap *h;
	static void *p[2048];
	int fd = lt_open(), i;

	CHECK(fd >= 0);
	CHECK_RC(flatvm_heap_create(fd, NULL, &h), 0);
	/* 16 slabs of 32-byte objects (2048 per slab): fill the chunk. */
	for (i = 0; i < 2048; i++)
		CHECK((p[i] = flatvm_heap_alloc(h, 32)));
	{
		static void *more[15 * 2048];

		for (i = 0; i < 15 * 2048; i++)
			CHECK((more[i] = flatvm_heap_alloc(h, 32)));
		flatvm_heap_stats(h, &st);
		CHECK(st.chunks == 1);
		for (i = 0; i < 15 * 2048; i++)
			CHECK_RC(flatvm_heap_free(h, more[i]), 0);
	}
	/*
	 * 14 slabs back in the pool (the class keeps its last empty one):
	 * 14 slabs of 8 KiB objects fit before the heap grows.
	 */
	for (i = 0; i < 14 * 8; i++)
		CHECK(flatvm_heap_alloc(h, 8192));
	flatvm_heap_stats(h, &st);
	CHECK(st.chunks == 1);
	CHECK(flatvm_heap_alloc(h, 8192));
	flatvm_heap_stats(h, &st);
	CHECK(st.chunks == 2);
	for (i = 0; i < 2048; i++)
		CHECK_RC(flatvm_heap_free(h, p[i]), 0);
	flatvm_heap_destroy(h);
	flatvm_close(fd);
	return 0;
}

static int t_alloc_failures(void)
{
	struct flatvm_heap_stats st;
	struct flatvm_heap *h;
	int fd = lt_open();
	void *p;

	CHECK(fd >= 0);
	CHECK_RC(flatvm_heap_create(fd, NULL, &h), 0);
	fake_dev_fail_next(FLATVM_IOC_ALLOC, ENOSPC);
	errno = 0;
	CHECK(!flatvm_heap_alloc(h, 10));
	CHECK(errno == ENOSPC);
	fake_dev_fail_next(FLATVM_IOC_ALLOC, EDQUOT);
	CHECK(!flatvm_heap_alloc(h, 100000));
	CHECK(errno == EDQUOT);
	flatvm_heap_stats(h, &st);
	CHECK(st.chunks == 0 && st.large == 0 && st.live_objects == 0);
	CHECK(fake_dev_nranges() == 0);
	CHECK((p = flatvm_heap_alloc(h, 10)));
	CHECK_RC(flatvm_heap_free(h, p), 0);
	/* STATS failing: no heap. */
	fake_dev_fail_next(FLATVM_IOC_STATS, ENOMEM);
	CHECK_RC(flatvm_heap_create(fd, NULL, &h), -ENOMEM);
	flatvm_heap_destroy(h);
	flatvm_close(fd);
	return 0;
}

/* A child that waits to be killed: a grantee. */
static pid_t idle_child(int *pidfd)
{
	pid_t pid = fork();

	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pause();
		_exit(0);
	}
	*pidfd = flatvm_pidfd_open(pid);
	return pid;
}

static void end_child(pid_t pid, int pidfd)
{
	int st;

	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	close(pidfd);
}

struct hook_log {
	int calls;
	void *addr;
	uint64_t len;
	int fail;
};

static int hook(void *ctx, void *addr, uint64_t len)
{
	struct hook_log *log = ctx;

	log->calls++;
	log->addr = addr;
	log->len = len;
	return log->fail;
}

static int count_range(void *ctx, void *addr, uint64_t len)
{
	(void)addr;
	(void)len;
	++*(int *)ctx;
	return 0;
}

static int stop_walk(void *ctx, void *addr, uint64_t len)
{
	(void)ctx;
	(void)addr;
	(void)len;
	return -EINTR;
}

static int t_grant_all(void)
{
	struct hook_log log = { 0 };
	struct flatvm_heap_stats st;
	struct flatvm_heap *h;
	struct flatvm_query q;
	int fd = lt_open(), pidfd, n = 0;
	void *a, *big, *late;
	pid_t pid;

	CHECK(fd >= 0);
	pid = idle_child(&pidfd);
	CHECK(pidfd >= 0);
	CHECK_RC(flatvm_heap_create(fd, NULL, &h), 0);
	CHECK((a = flatvm_heap_alloc(h, 100)));
	CHECK((big = flatvm_heap_alloc(h, 50000)));
	CHECK_RC(flatvm_heap_grant_all(h, pidfd, RW | FLATVM_RIGHT_EXEC), -EACCES);
	CHECK(fake_dev_nholds() == 2);
	CHECK_RC(flatvm_heap_grant_all(h, pidfd, RD), 0);
	CHECK(fake_dev_nholds() == 4);
	CHECK_RC(flatvm_heap_grant_all(h, pidfd, RD), -EEXIST);
	CHECK_RC(flatvm_heap_set_grow_hook(h, hook, &log), 0);
	/* A range added later is granted and shown to the hook. */
	CHECK((late = flatvm_heap_alloc(h, 70000)));
	CHECK(log.calls == 1 && log.addr == late && log.len == 73728);
	CHECK_RC(flatvm_query(fd, late, &q), 0);
	CHECK(q.nholders == 2);
	flatvm_heap_stats(h, &st);
	CHECK(st.grantees == 1);
	CHECK_RC(flatvm_heap_for_each_range(h, count_range, &n), 0);
	CHECK(n == 3);
	CHECK_RC(flatvm_heap_for_each_range(h, stop_walk, NULL), -EINTR);
	/* Revoke everywhere, then the grantee is forgotten. */
	CHECK_RC(flatvm_heap_revoke_all(h, pidfd), 0);
	CHECK(fake_dev_nholds() == 3);
	CHECK_RC(flatvm_heap_revoke_all(h, pidfd), -ENOENT);
	CHECK((late = flatvm_heap_alloc(h, 70000)));
	CHECK_RC(flatvm_query(fd, late, &q), 0);
	CHECK(q.nholders == 1);
	CHECK(log.calls == 2);
	CHECK_RC(flatvm_heap_set_grow_hook(h, NULL, NULL), 0);
	CHECK((late = flatvm_heap_alloc(h, 70000)));
	CHECK(log.calls == 2);
	flatvm_heap_destroy(h);
	end_child(pid, pidfd);
	flatvm_close(fd);
	return 0;
}

/* Failures while growing leave no range and no grant behind. */
static int t_grow_failures(void)
{
	struct hook_log log = { 0 };
	struct flatvm_heap_stats st;
	struct flatvm_heap *h;
	int fd = lt_open(), pidfd, pidfd2;
	pid_t pid, pid2;

	CHECK(fd >= 0);
	pid = idle_child(&pidfd);
	pid2 = idle_child(&pidfd2);
	CHECK(pidfd >= 0 && pidfd2 >= 0);
	CHECK_RC(flatvm_heap_create(fd, NULL, &h), 0);
	CHECK_RC(flatvm_heap_grant_all(h, pidfd, RD), 0);
	CHECK_RC(flatvm_heap_grant_all(h, pidfd2, RD), 0);
	/* The second grantee's grant fails: the first one's is revoked. */
	fake_dev_fail_after(FLATVM_IOC_GRANT, 1, ENOMEM);
	errno = 0;
	CHECK(!flatvm_heap_alloc(h, 10));
	CHECK(errno == ENOMEM);
	CHECK(fake_dev_nranges() == 0 && fake_dev_nholds() == 0);
	/* The hook refuses: same. */
	log.fail = -EXDEV;
	flatvm_heap_set_grow_hook(h, hook, &log);
	CHECK(!flatvm_heap_alloc(h, 10));
	CHECK(errno == EXDEV && log.calls == 1);
	CHECK(fake_dev_nranges() == 0 && fake_dev_nholds() == 0);
	log.fail = 1;	/* not an errno: -ECANCELED */
	CHECK(!flatvm_heap_alloc(h, 100000));
	CHECK(errno == ECANCELED);
	CHECK(fake_dev_nranges() == 0);
	log.fail = 0;
	/* A grantee that exited is dropped, the heap goes on. */
	end_child(pid, pidfd);
	CHECK(flatvm_heap_alloc(h, 10));
	flatvm_heap_stats(h, &st);
	CHECK(st.grantees == 1 && st.chunks == 1);
	CHECK(fake_dev_nholds() == 2);
	/* grant_all with a failing grant revokes what it granted. */
	CHECK(flatvm_heap_alloc(h, 100000));
	CHECK_RC(flatvm_heap_revoke_all(h, pidfd2), 0);
	fake_dev_fail_after(FLATVM_IOC_GRANT, 1, EEXIST);
	CHECK_RC(flatvm_heap_grant_all(h, pidfd2, RD), -EEXIST);
	CHECK(fake_dev_nholds() == 2);
	flatvm_heap_stats(h, &st);
	CHECK(st.grantees == 0);
	CHECK_RC(flatvm_heap_grant_all(h, 0, RD), -EBADF);
	flatvm_heap_destroy(h);
	end_child(pid2, pidfd2);
	flatvm_close(fd);
	return 0;
}

/*
 * Threads allocate objects of mixed sizes, stamp them, and pass half of
 * them through a shared mailbox to be checked and freed by another thread.
 */
#define T_THREADS	4
#define T_OPS		20000
#define T_MAILBOX	256

struct t_shared {
	struct flatvm_heap *h;
	void *mailbox[T_MAILBOX];
	int errors;
};

struct t_obj {
	uint32_t stamp;
	uint32_t size;
};

static uint32_t t_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static int t_check_free(struct t_shared *sh, struct t_obj *o)
{
	unsigned char *b = (unsigned char *)(o + 1);
	uint32_t i;

	for (i = 0; i + sizeof(*o) < o->size; i++)
		if (b[i] != (unsigned char)o->stamp)
			return 1;
	return flatvm_heap_free(sh->h, o) != 0;
}

static void *t_worker(void *arg)
{
	struct t_shared *sh = arg;
	uint32_t seed = (uint32_t)(uintptr_t)pthread_self() | 1, i;
	void *mine[64] = { 0 };

	for (i = 0; i < T_OPS; i++) {
		uint32_t r = t_rand(&seed), size = 8 + r % 600;
		struct t_obj *o;
		void *old;

		if (r % 97 == 0)
			size = 9000 + r % 5000;	/* now and then a large one */
		o = flatvm_heap_alloc(sh->h, size);
		if (!o) {
			__atomic_fetch_add(&sh->errors, 1, __ATOMIC_RELAXED);
			continue;
		}
		o->stamp = r;
		o->size = size;
		memset(o + 1, (unsigned char)r, size - sizeof(*o));
		if (r & 1) {
			/* Hand it to whoever takes the mailbox slot next. */
			old = __atomic_exchange_n(&sh->mailbox[r / 2 % T_MAILBOX], o,
						  __ATOMIC_ACQ_REL);
		} else {
			old = mine[r / 2 % 64];
			mine[r / 2 % 64] = o;
		}
		if (old && t_check_free(sh, old))
			__atomic_fetch_add(&sh->errors, 1, __ATOMIC_RELAXED);
	}
	for (i = 0; i < 64; i++)
		if (mine[i] && t_check_free(sh, mine[i]))
			__atomic_fetch_add(&sh->errors, 1, __ATOMIC_RELAXED);
	return NULL;
}

static int t_threads(void)
{
	static struct t_shared sh;
	struct flatvm_heap_stats st;
	pthread_t t[T_THREADS];
	int fd = lt_open(), i;

	CHECK(fd >= 0);
	memset(&sh, 0, sizeof(sh));
	CHECK_RC(flatvm_heap_create(fd, NULL, &sh.h), 0);
	for (i = 0; i < T_THREADS; i++)
		CHECK(pthread_create(&t[i], NULL, t_worker, &sh) == 0);
	for (i = 0; i < T_THREADS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < T_MAILBOX; i++)
		if (sh.mailbox[i] && t_check_free(&sh, sh.mailbox[i]))
			sh.errors++;
	CHECK(sh.errors == 0);
	flatvm_heap_stats(sh.h, &st);
	CHECK(st.live_objects == 0 && st.live_bytes == 0 && st.large == 0);
	CHECK(st.chunks >= 1);
	flatvm_heap_destroy(sh.h);
	flatvm_close(fd);
	return 0;
}

/* destroy() with objects still live releases every range. */
static int t_destroy_live(void)
{
	struct flatvm_heap *h;
	int fd = lt_open(), i;

	CHECK(fd >= 0);
	CHECK_RC(flatvm_heap_create(fd, NULL, &h), 0);
	for (i = 0; i < 1000; i++)
		CHECK(flatvm_heap_alloc(h, (size_t)(i % 3 ? 100 : 20000)));
	CHECK(fake_dev_nranges() > 300);
	flatvm_heap_destroy(h);
	CHECK(fake_dev_nranges() == 0);
	flatvm_close(fd);
	return 0;
}

const struct lt_case lt_heap_cases[] = {
	{ "heap.create_options", t_create_options },
	{ "heap.size_classes", t_size_classes },
	{ "heap.growth", t_growth },
	{ "heap.large", t_large },
	{ "heap.bad_frees", t_bad_frees },
	{ "heap.slab_reuse", t_slab_reuse },
	{ "heap.alloc_failures", t_alloc_failures },
	{ "heap.grant_all", t_grant_all },
	{ "heap.grow_failures", t_grow_failures },
	{ "heap.threads", t_threads },
	{ "heap.destroy_live", t_destroy_live },
	{ NULL, NULL }
};
