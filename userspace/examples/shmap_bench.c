// SPDX-License-Identifier: GPL-2.0
/*
 * shmap_bench: one writer builds a hash map of string keys (shmap.h) and
 * several reader processes look keys up in it while the writer keeps
 * inserting, in the three ways a program can share such a structure:
 *
 *   flatvm  the map lives in flatvm ranges (libflatvm's heap), linked by
 *           raw pointers; every range is granted read-only to the readers
 *           (flatvm_heap_grant_all(), later ranges included, each before
 *           any object in it is handed out) and announced to them (its
 *           address and length down a pipe, from the heap's growth hook).
 *           A reader gets the map's address over a socket, attaches the
 *           ranges announced so far through a read-only descriptor (one
 *           ATTACH maps a whole range), then follows raw pointers,
 *           checking nothing, as the writer does; every 1024 look-ups it
 *           attaches the ranges announced meanwhile.  A pointer that gets
 *           there before its range's note still works: once a process's
 *           window is mapped, a page granted to it is mapped by its first
 *           touch (a fault).
 *   memfd   the map lives in a memfd, linked by offsets; the readers get
 *           the memfd over a socket and map it read-only wherever mmap()
 *           puts it.  The block is sized up front (no growth).
 *   pipe    the writer serialises the map and sends a copy down a pipe to
 *           each reader, which rebuilds it privately.  Readers never see
 *           later inserts.
 *
 * and, on request (--variants), flatvm-view: flatvm without the notes,
 * each pointer checked by flatvm_view_ensure() before it is followed (the
 * bucket head and every node: an attach of the range on first use, a bit
 * test after), as a reader that knows nothing of the writer's ranges, or
 * must not fault on a pointer outside its grants, would do it; how this
 * reader worked before: the cost of checking.
 *
 * Publication (flatvm, memfd): nodes are immutable once linked by a
 * release store of the bucket head; readers use acquire loads (shmap.h).
 *
 * Per variant and number of readers, one round: fork the readers, build
 * --keys keys, publish (the time is taken just before the address, memfd
 * or first byte is sent), each reader records when its first look-up
 * succeeded; once all have, each looks up random published keys for
 * --seconds while the writer inserts new ones (up to --max-keys, default
 * 2 x --keys: the shared maps' chains grow from 0.76 to 1.5 nodes per
 * bucket meanwhile, the pipe copies do not), and finally checks it sees
 * the newest key.  "bytes copied" counts what the writer wrote into
 * sockets and pipes: the publication message (flatvm, memfd) or the
 * message and the serialised map (pipe), for all readers.  Every value
 * found is checked.  --rounds N repeats each round N times and prints the
 * medians (and one "shmap-round: variant,readers,round,look-ups/s,per
 * CPU-s" line per round); rounds run with the variants interleaved (for each reader
 * count, every variant in turn, the order rotating), so that the host's
 * drifting load, which under emulation moves the figures more than
 * anything measured here, falls on all of them alike.  Printed: a table,
 * and "shmap-csv: variant,readers,..." lines that
 * userspace/examples/plot.sh turns into results/shmap.png (also written
 * with --csv FILE).
 *
 * Usage: shmap_bench [--host] [--variants flatvm,flatvm-view,memfd,pipe]
 *                    [--keys N] [--max-keys N] [--insert-rate N]
 *                    [--seconds S] [--readers 1,2,4] [--rounds N]
 *                    [--csv FILE] [--device PATH]
 * Default variants: flatvm, memfd, pipe.  --host runs memfd and pipe only
 * (no module needed).  Exit status 0 when every look-up found its value,
 * 1 otherwise, 2 for bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libflatvm.h"
#include "shmap.h"

enum variant { V_FLATVM, V_VIEW, V_MEMFD, V_PIPE, V_COUNT };
static const char *const variant_name[V_COUNT] = { "flatvm", "flatvm-view", "memfd",
						   "pipe" };

/* The two flatvm variants differ only in how the reader follows pointers. */
static bool in_flatvm(enum variant v)
{
	return v == V_FLATVM || v == V_VIEW;
}

#define KEY_LEN		12	/* "key:%08u" */
#define MAX_READERS	16
#define MAX_ROUNDS	15

struct cfg {
	uint32_t keys, max_keys;
	uint32_t insert_rate;	/* keys per second while readers look up */
	double seconds;
	int readers[8];
	int nreaders;
	int rounds;		/* of each variant and reader count: medians */
	bool variant[V_COUNT];
	const char *device;
	const char *csv;
};

/*
 * What a reader sends back: once after its first look-up (final = 0), and
 * once at the end of its round, or at its first error (final = 1).
 */
struct report {
	int final;
	int err;		/* 0, or where the reader failed (a code) */
	int sees_new;		/* found the newest key at the end: 1/0, -1 n/a */
	double first_ms;	/* publish -> first look-up that succeeded */
	double seconds;		/* of the look-up loop */
	double cpu_seconds;	/* CPU time the reader used in it */
	uint64_t lookups;
	uint64_t faults;	/* page faults the reader took in it */
};

/* flatvm: a range the writer's heap added, announced to each reader. */
struct range_note {
	uint64_t addr;
	uint64_t len;
};

/* What the writer sends to a reader to publish (after which data may follow). */
struct publish_msg {
	double t0;		/* CLOCK_MONOTONIC seconds at publication */
	uint64_t addr;		/* flatvm: the map; memfd: its size; pipe: bytes */
};

struct round_result {
	enum variant v;
	int readers;
	double build_ms;
	double first_ms_max;
	double lookups_per_reader;
	double lookups_per_cpu_s;
	double faults_per_reader;
	uint64_t bytes_copied;
	uint64_t inserted_meanwhile;
	int sees_new;		/* all readers: 1, any not: 0, n/a: -1 */
	int errors;
};

static char (*keys)[KEY_LEN];	/* the published keys, built once */

static double clock_s(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

static uint64_t faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_minflt + ru.ru_majflt);
}

static void key_of(uint32_t i, char *buf)
{
	char tmp[16];

	snprintf(tmp, sizeof(tmp), "key:%08u", i);
	memcpy(buf, tmp, KEY_LEN);
}

/* The value of key i: "val:<i>:" then filler, 16 to 48 bytes. */
static uint32_t value_of(uint32_t i, char *buf)
{
	uint32_t len = 16 + i % 33, n;

	n = (uint32_t)snprintf(buf, 64, "val:%u:", i);
	while (n < len) {
		buf[n] = (char)('a' + (i + n) % 26);
		n++;
	}
	return len;
}

/* Reader side. */

struct reader_ctx {
	enum variant v;
	const struct cfg *cfg;
	int sock;		/* flatvm, memfd */
	int pipe_rd;		/* pipe: the copy; flatvm: the range notes */
	int fd;			/* flatvm device */
	struct flatvm_view *view;
	const void *map;	/* pmap or omap base */
	struct pmap *copy;	/* pipe: the private copy */
};

static int view_ensure(void *ctx, const void *p, size_t len)
{
	return flatvm_view_ensure(ctx, p, len);
}

/*
 * flatvm: attach every range announced since the last call (one ATTACH
 * maps all of a range's pages).  Return: 0, or -1 when an attach failed.
 */
static int reader_attach_new(struct reader_ctx *r)
{
	struct range_note n;

	while (read(r->pipe_rd, &n, sizeof(n)) == sizeof(n))
		if (flatvm_attach(r->fd, (void *)(uintptr_t)n.addr, n.len,
				  FLATVM_RIGHT_READ))
			return -1;
	return 0;
}

/* One look-up of key @i: 0 when found with the right value. */
static int reader_lookup(struct reader_ctx *r, const char *k, uint32_t i,
			 bool full_check)
{
	const char *val;
	char want[64];
	uint32_t vlen = 0, wlen;

	if (r->v == V_MEMFD)
		val = omap_lookup(r->map, k, KEY_LEN, &vlen);
	else if (r->v == V_FLATVM)
		val = pmap_lookup(r->map, k, KEY_LEN, &vlen, NULL, NULL);
	else if (r->v == V_VIEW)
		val = pmap_lookup(r->map, k, KEY_LEN, &vlen, view_ensure, r->view);
	else
		val = pmap_lookup(r->copy, k, KEY_LEN, &vlen, NULL, NULL);
	if (!val)
		return -1;
	if (vlen != 16 + i % 33)
		return -2;
	if (full_check) {
		wlen = value_of(i, want);
		if (wlen != vlen || memcmp(val, want, vlen))
			return -2;
	}
	return 0;
}

static void *malloc_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return malloc(size);
}

/* pipe: read the serialised map and build the private copy. */
static int reader_rebuild(struct reader_ctx *r, uint64_t bytes)
{
	char *buf = malloc(bytes ? bytes : 1), *p, *end;
	uint64_t got = 0;

	if (!buf)
		return 20;
	while (got < bytes) {
		ssize_t n = read(r->pipe_rd, buf + got, bytes - got);

		if (n <= 0) {
			free(buf);
			return 21;
		}
		got += (uint64_t)n;
	}
	r->copy = pmap_create(malloc_alloc, NULL);
	if (!r->copy) {
		free(buf);
		return 22;
	}
	for (p = buf, end = buf + bytes; p + 8 <= end;) {
		uint32_t klen, vlen;

		memcpy(&klen, p, 4);
		memcpy(&vlen, p + 4, 4);
		if (p + 8 + klen + vlen > end ||
		    pmap_insert(r->copy, malloc_alloc, NULL, p + 8, klen, p + 8 + klen, vlen)) {
			free(buf);
			return 23;
		}
		p += 8 + klen + vlen;
	}
	free(buf);
	return p == end ? 0 : 24;
}

/* Receive the publication: memfd also gets a descriptor. */
static int reader_recv(struct reader_ctx *r, struct publish_msg *m, int *memfd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;

	if (r->v == V_PIPE)
		return read(r->pipe_rd, m, sizeof(*m)) == sizeof(*m) ? 0 : 30;
	memset(&u, 0, sizeof(u));
	if (recvmsg(r->sock, &mh, MSG_WAITALL | MSG_CMSG_CLOEXEC) != sizeof(*m))
		return 31;
	if (r->v == V_MEMFD) {
		cm = CMSG_FIRSTHDR(&mh);
		if (!cm || cm->cmsg_type != SCM_RIGHTS)
			return 32;
		memcpy(memfd, CMSG_DATA(cm), sizeof(int));
	}
	return 0;
}

static int reader_main(struct reader_ctx *r, int report_wr)
{
	struct report rep = { .sees_new = -1 };
	struct publish_msg m;
	uint32_t seed = (uint32_t)getpid() * 2654435761u | 1, count;
	double t_end, cpu0;
	uint64_t flt0;
	int memfd = -1;
	char k[KEY_LEN];

	if (in_flatvm(r->v)) {
		/*
		 * A read-only descriptor: readers attach for reading only.
		 * They accept the writer's grants (same user) before it may
		 * send any.
		 */
		r->fd = flatvm_open_path(r->cfg->device, O_RDONLY);
		if (r->fd < 0 || flatvm_view_create(r->fd, FLATVM_RIGHT_READ, &r->view) ||
		    flatvm_accept(r->fd, FLATVM_ACCEPT_USER, NULL) ||
		    fcntl(r->pipe_rd, F_SETFL, O_NONBLOCK) ||
		    flatvm_send_pidfd(r->sock)) {
			rep.err = 10;
			goto out;
		}
	}
	rep.err = reader_recv(r, &m, &memfd);
	if (rep.err)
		goto out;
	if (in_flatvm(r->v)) {
		/*
		 * flatvm: the ranges announced so far, the map's among them,
		 * are attached whole, then pointers are followed raw (a range
		 * whose note is still on its way is mapped page by page by
		 * the first touches: the window is mapped).  flatvm-view
		 * attaches the map's range and checks every pointer after.
		 */
		r->map = (const void *)(uintptr_t)m.addr;
		if (r->v == V_FLATVM ? reader_attach_new(r) :
		    flatvm_view_ensure(r->view, r->map, sizeof(struct pmap))) {
			rep.err = 11;
			goto out;
		}
	} else if (r->v == V_MEMFD) {
		r->map = mmap(NULL, m.addr, PROT_READ, MAP_SHARED, memfd, 0);
		if (r->map == MAP_FAILED) {
			rep.err = 12;
			goto out;
		}
	} else {
		rep.err = reader_rebuild(r, m.addr);
		if (rep.err)
			goto out;
	}
	if (reader_lookup(r, keys[0], 0, true)) {
		rep.err = 13;
		goto out;
	}
	rep.first_ms = (now() - m.t0) * 1e3;
	if (write(report_wr, &rep, sizeof(rep)) != sizeof(rep))
		return 1;

	cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	flt0 = faults();
	t_end = now() + r->cfg->seconds;
	for (;;) {
		int i;

		for (i = 0; i < 1024; i++) {
			uint32_t n;

			seed ^= seed << 13;
			seed ^= seed >> 17;
			seed ^= seed << 5;
			n = seed % r->cfg->keys;
			if (reader_lookup(r, keys[n], n, (seed & 63) == 0)) {
				rep.err = 14;
				goto out;
			}
		}
		rep.lookups += 1024;
		if (r->v == V_FLATVM && reader_attach_new(r)) {
			rep.err = 15;
			goto out;
		}
		if (now() >= t_end)
			break;
	}
	rep.seconds = r->cfg->seconds + (now() - t_end);
	rep.cpu_seconds = clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
	rep.faults = faults() - flt0;
	/* The newest key the writer has published is there too. */
	if (r->v != V_PIPE) {
		count = (uint32_t)__atomic_load_n(r->v == V_MEMFD ?
						  &((const struct omap *)r->map)->count :
						  &((const struct pmap *)r->map)->count,
						  __ATOMIC_ACQUIRE);
		key_of(count - 1, k);
		rep.sees_new = reader_lookup(r, k, count - 1, true) == 0;
	}
out:
	rep.final = 1;
	if (write(report_wr, &rep, sizeof(rep)) != sizeof(rep))
		return 1;
	return 0;
}

/* Writer side. */

struct writer {
	enum variant v;
	const struct cfg *cfg;
	int nr;
	pid_t pid[MAX_READERS];
	int sock[MAX_READERS];		/* writer's end */
	int pipe_wr[MAX_READERS];
	int report_rd[MAX_READERS];
	int pidfd[MAX_READERS];
	/* flatvm */
	int fd;
	struct flatvm_heap *heap;
	/* memfd */
	int memfd;
	size_t memfd_size;
	void *map;
	uint64_t bytes_copied;
};

static void *heap_alloc(void *ctx, size_t size)
{
	return flatvm_heap_alloc(ctx, size);
}

/*
 * flatvm: the heap's growth hook, called for each range it adds, after
 * the grants and before any object in it is handed out: announce it to
 * every reader (a pipe each; bytes copied).
 */
static int announce_range(void *ctx, void *addr, uint64_t len)
{
	struct range_note n = { .addr = (uintptr_t)addr, .len = len };
	struct writer *w = ctx;
	int i;

	for (i = 0; i < w->nr; i++) {
		if (write(w->pipe_wr[i], &n, sizeof(n)) != sizeof(n))
			return -EPIPE;
		w->bytes_copied += sizeof(n);
	}
	return 0;
}

/* Insert key @i and its value into the writer's map. */
static int insert_key(struct writer *w, uint32_t i)
{
	char k[KEY_LEN], val[64];
	uint32_t vlen = value_of(i, val);

	key_of(i, k);
	if (w->v == V_MEMFD)
		return omap_insert(w->map, k, KEY_LEN, val, vlen);
	if (in_flatvm(w->v))
		return pmap_insert(w->map, heap_alloc, w->heap, k, KEY_LEN, val, vlen);
	return pmap_insert(w->map, malloc_alloc, NULL, k, KEY_LEN, val, vlen);
}

static int fork_readers(struct writer *w)
{
	int i;

	for (i = 0; i < w->nr; i++) {
		int sv[2], pfd[2], rpt[2];
		struct reader_ctx r = { .v = w->v, .cfg = w->cfg, .fd = -1 };

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) ||
		    pipe2(pfd, O_CLOEXEC) || pipe2(rpt, O_CLOEXEC))
			return -errno;
		fflush(stdout);
		w->pid[i] = fork();
		if (w->pid[i] < 0)
			return -errno;
		if (!w->pid[i]) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			r.sock = sv[1];
			r.pipe_rd = pfd[0];
			_exit(reader_main(&r, rpt[1]));
		}
		close(sv[1]);
		close(pfd[0]);
		close(rpt[1]);
		w->sock[i] = sv[0];
		w->pipe_wr[i] = pfd[1];
		w->report_rd[i] = rpt[0];
		w->pidfd[i] = -1;
	}
	return 0;
}

/* Make the empty map (and, for flatvm, the grants to the readers). */
static int writer_setup(struct writer *w)
{
	int i, ret;

	if (in_flatvm(w->v)) {
		w->fd = flatvm_open_path(w->cfg->device, O_RDWR);
		if (w->fd < 0)
			return w->fd;
		ret = flatvm_heap_create(w->fd, NULL, &w->heap);
		if (ret)
			return ret;
		for (i = 0; i < w->nr; i++) {
			w->pidfd[i] = flatvm_recv_pidfd(w->sock[i]);
			if (w->pidfd[i] < 0)
				return w->pidfd[i];
			ret = flatvm_heap_grant_all(w->heap, w->pidfd[i], FLATVM_RIGHT_READ);
			if (ret)
				return ret;
		}
		if (w->v == V_FLATVM)
			flatvm_heap_set_grow_hook(w->heap, announce_range, w);
		w->map = pmap_create(heap_alloc, w->heap);
		return w->map ? 0 : -errno;
	}
	if (w->v == V_MEMFD) {
		/* Buckets, then max_keys nodes of at most 24 + 12 + 48 bytes. */
		w->memfd_size = sizeof(struct omap) + SHMAP_BUCKETS * 8 +
				(size_t)w->cfg->max_keys * 96 + 4096;
		w->memfd = memfd_create("shmap", MFD_CLOEXEC);
		if (w->memfd < 0 || ftruncate(w->memfd, (off_t)w->memfd_size))
			return -errno;
		w->map = mmap(NULL, w->memfd_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			      w->memfd, 0);
		if (w->map == MAP_FAILED)
			return -errno;
		return omap_create(w->map, w->memfd_size);
	}
	w->map = pmap_create(malloc_alloc, NULL);
	return w->map ? 0 : -ENOMEM;
}

static int send_fd_msg(int sock, const struct publish_msg *m, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (fd >= 0) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == sizeof(*m) ? 0 : -EPIPE;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Serialise the pipe variant's map: [klen u32][vlen u32][key][value]... */
static char *serialise(uint32_t nkeys, size_t *len)
{
	size_t cap = (size_t)nkeys * (8 + KEY_LEN + 48), n = 0;
	char *buf = malloc(cap), val[64];
	uint32_t i, klen = KEY_LEN;

	if (!buf)
		return NULL;
	for (i = 0; i < nkeys; i++) {
		uint32_t vlen = value_of(i, val);

		memcpy(buf + n, &klen, 4);
		memcpy(buf + n + 4, &vlen, 4);
		memcpy(buf + n + 8, keys[i], KEY_LEN);
		memcpy(buf + n + 8 + KEY_LEN, val, vlen);
		n += 8 + KEY_LEN + vlen;
	}
	*len = n;
	return buf;
}

static int publish(struct writer *w)
{
	struct publish_msg m = { .t0 = now() };
	size_t len = 0;
	char *ser = NULL;
	int i, ret = 0;

	if (w->v == V_PIPE) {
		/* Serialising is part of the cost: t0 is before it. */
		ser = serialise(w->cfg->keys, &len);
		if (!ser)
			return -ENOMEM;
		m.addr = len;
	} else {
		m.addr = in_flatvm(w->v) ? (uintptr_t)w->map : w->memfd_size;
	}
	for (i = 0; i < w->nr && !ret; i++) {
		if (w->v == V_PIPE) {
			ret = write_all(w->pipe_wr[i], &m, sizeof(m));
			if (!ret)
				ret = write_all(w->pipe_wr[i], ser, len);
			w->bytes_copied += sizeof(m) + len;
		} else {
			ret = send_fd_msg(w->sock[i], &m, w->v == V_MEMFD ? w->memfd : -1);
			w->bytes_copied += sizeof(m);
		}
	}
	free(ser);
	return ret;
}

/* One report from reader @i (a reader that died reports an error). */
static void read_report(struct writer *w, int i, struct report *rep)
{
	if (read(w->report_rd[i], rep, sizeof(*rep)) != sizeof(*rep)) {
		rep->err = 40;		/* died */
		rep->final = 1;
	}
}

/*
 * Wait for every reader's first look-up (the writer does not compete for
 * the CPUs meanwhile), then insert new keys until every reader has sent
 * its final report (or the cap is reached).
 */
static int keep_inserting(struct writer *w, struct report *rep, uint32_t *inserted)
{
	struct pollfd pfd[MAX_READERS];
	uint32_t next = w->cfg->keys;
	double t0;
	int got = 0, i;

	for (i = 0; i < w->nr; i++) {
		read_report(w, i, &rep[i]);
		pfd[i] = (struct pollfd){ .fd = rep[i].final ? -1 : w->report_rd[i],
					  .events = POLLIN };
		got += rep[i].final;
	}
	t0 = now();
	while (got < w->nr) {
		/* Paced: insert_rate keys per second, up to max_keys. */
		double due = w->cfg->keys + w->cfg->insert_rate * (now() - t0);
		int timeout = next < due && next < w->cfg->max_keys ? 0 : 1;

		if (poll(pfd, (nfds_t)w->nr, timeout) < 0 && errno != EINTR)
			return -errno;
		for (i = 0; i < w->nr; i++) {
			if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP)))
				continue;
			read_report(w, i, &rep[i]);
			pfd[i].fd = -1;
			got++;
		}
		for (i = 0; i < 256 && next < due && next < w->cfg->max_keys; i++, next++)
			if (insert_key(w, next))
				return -ENOMEM;
	}
	*inserted = next - w->cfg->keys;
	return 0;
}

static void writer_teardown(struct writer *w)
{
	int i;

	for (i = 0; i < w->nr; i++) {
		if (w->pid[i] > 0) {
			kill(w->pid[i], SIGKILL);
			waitpid(w->pid[i], NULL, 0);
		}
		close(w->sock[i]);
		close(w->pipe_wr[i]);
		close(w->report_rd[i]);
		if (w->pidfd[i] >= 0)
			close(w->pidfd[i]);
	}
	if (in_flatvm(w->v)) {
		flatvm_heap_destroy(w->heap);
		if (w->fd >= 0)
			flatvm_close(w->fd);
	} else if (w->v == V_MEMFD) {
		if (w->map && w->map != MAP_FAILED)
			munmap(w->map, w->memfd_size);
		if (w->memfd >= 0)
			close(w->memfd);
	} else if (w->map) {
		pmap_free(w->map, free);
	}
}

static int run_round(const struct cfg *cfg, enum variant v, int nr,
		     struct round_result *res)
{
	struct writer w = { .v = v, .cfg = cfg, .nr = nr, .fd = -1, .memfd = -1 };
	struct report rep[MAX_READERS];
	uint32_t i, inserted = 0;
	double t, lps = 0, lpc = 0, flt = 0;
	int ret, k;

	memset(res, 0, sizeof(*res));
	memset(rep, 0, sizeof(rep));
	res->v = v;
	res->readers = nr;
	ret = fork_readers(&w);
	if (!ret)
		ret = writer_setup(&w);
	if (ret)
		goto out;
	t = now();
	for (i = 0; i < cfg->keys && !ret; i++)
		ret = insert_key(&w, i);
	res->build_ms = (now() - t) * 1e3;
	if (!ret)
		ret = publish(&w);
	if (!ret)
		ret = keep_inserting(&w, rep, &inserted);
out:
	writer_teardown(&w);
	if (ret) {
		fprintf(stderr, "shmap_bench: %s with %d readers: %s\n", variant_name[v], nr,
			strerror(-ret));
		res->errors = nr ? nr : 1;
		return ret;
	}
	res->sees_new = v == V_PIPE ? -1 : 1;
	for (k = 0; k < nr; k++) {
		if (rep[k].err) {
			fprintf(stderr, "shmap_bench: %s reader %d of %d failed (reason %d)\n",
				variant_name[v], k, nr, rep[k].err);
			res->errors++;
			continue;
		}
		if (rep[k].first_ms > res->first_ms_max)
			res->first_ms_max = rep[k].first_ms;
		lps += (double)rep[k].lookups / rep[k].seconds;
		lpc += (double)rep[k].lookups / rep[k].cpu_seconds;
		flt += (double)rep[k].faults;
		if (v != V_PIPE && rep[k].sees_new != 1)
			res->sees_new = 0;
	}
	res->lookups_per_reader = lps / nr;
	res->lookups_per_cpu_s = lpc / nr;
	res->faults_per_reader = flt / nr;
	res->bytes_copied = w.bytes_copied;
	res->inserted_meanwhile = inserted;
	return res->errors ? -EIO : 0;
}

/* "flatvm,memfd": exact names, comma-separated; 0 or -1. */
static int parse_variants(const char *s, bool *on)
{
	size_t len;
	int v, any = 0;

	memset(on, 0, V_COUNT * sizeof(*on));
	while (*s) {
		len = strcspn(s, ",");
		for (v = 0; v < V_COUNT; v++)
			if (strlen(variant_name[v]) == len &&
			    !strncmp(s, variant_name[v], len))
				break;
		if (v == V_COUNT)
			return -1;
		on[v] = true;
		any = 1;
		s += len + (s[len] == ',');
	}
	return any ? 0 : -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of one field of @n rounds (the lower one of an even count). */
#define MEDIAN(rounds, n, field)					\
	({								\
		double v_[MAX_ROUNDS];					\
		for (int i_ = 0; i_ < (n); i_++)			\
			v_[i_] = (double)(rounds)[i_].field;		\
		qsort(v_, (size_t)(n), sizeof(v_[0]), cmp_double);	\
		v_[((n) - 1) / 2];					\
	})

/* One row from @n rounds of a variant and reader count: medians, all errors. */
static void median_of(const struct round_result *r, int n, struct round_result *out)
{
	int i;

	*out = r[0];
	out->build_ms = MEDIAN(r, n, build_ms);
	out->first_ms_max = MEDIAN(r, n, first_ms_max);
	out->lookups_per_reader = MEDIAN(r, n, lookups_per_reader);
	out->lookups_per_cpu_s = MEDIAN(r, n, lookups_per_cpu_s);
	out->faults_per_reader = MEDIAN(r, n, faults_per_reader);
	out->bytes_copied = (uint64_t)MEDIAN(r, n, bytes_copied);
	out->inserted_meanwhile = (uint64_t)MEDIAN(r, n, inserted_meanwhile);
	for (i = 1; i < n; i++) {
		out->errors += r[i].errors;
		if (r[i].sees_new == 0)
			out->sees_new = 0;
	}
}

static int parse_list(const char *s, int *out, int max)
{
	int n = 0;

	while (*s && n < max) {
		char *end;
		long v = strtol(s, &end, 10);

		if (end == s || v < 1 || v > MAX_READERS)
			return -1;
		out[n++] = (int)v;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return -1;
	}
	return n;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: shmap_bench [--host] [--variants flatvm,flatvm-view,memfd,pipe]\n"
		"                   [--keys N] [--max-keys N] [--insert-rate N] [--seconds S]\n"
		"                   [--readers 1,2,4] [--rounds N] [--csv FILE] [--device PATH]\n");
	return 2;
}

static void print_results(const struct cfg *cfg, const struct round_result *r, int n,
			  FILE *csv)
{
	int i;

	printf("\nshmap: %u keys published, then %.1f s of look-ups per reader while the\n"
	       "writer inserts %u keys/s (up to %u keys); look-ups per reader, mean",
	       cfg->keys, cfg->seconds, cfg->insert_rate, cfg->max_keys);
	if (cfg->rounds > 1)
		printf(";\neach figure the median of %d rounds (variants interleaved)",
		       cfg->rounds);
	printf(".\n\n");
	printf("%-11s %7s %9s %16s %12s %12s %8s %13s %12s %9s\n", "variant", "readers",
	       "build ms", "publish->1st ms", "look-ups/s", "per CPU-s", "faults",
	       "bytes copied", "sees inserts", "inserted");
	for (i = 0; i < n; i++)
		printf("%-11s %7d %9.1f %16.2f %12.0f %12.0f %8.0f %13llu %12s %9llu%s\n",
		       variant_name[r[i].v], r[i].readers, r[i].build_ms, r[i].first_ms_max,
		       r[i].lookups_per_reader, r[i].lookups_per_cpu_s, r[i].faults_per_reader,
		       (unsigned long long)r[i].bytes_copied,
		       r[i].sees_new < 0 ? "no (copy)" : r[i].sees_new ? "yes" : "NO",
		       (unsigned long long)r[i].inserted_meanwhile,
		       r[i].errors ? "  FAILED" : "");
	printf("\n");
	for (i = 0; i < n; i++) {
		char line[256];

		snprintf(line, sizeof(line), "%s,%d,%.3f,%.0f,%llu,%.1f,%.0f",
			 variant_name[r[i].v], r[i].readers, r[i].first_ms_max,
			 r[i].lookups_per_reader, (unsigned long long)r[i].bytes_copied,
			 r[i].build_ms, r[i].lookups_per_cpu_s);
		printf("shmap-csv: %s\n", line);
		if (csv)
			fprintf(csv, "%s\n", line);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", no_argument, NULL, 'H' },
		{ "variants", required_argument, NULL, 'v' },
		{ "keys", required_argument, NULL, 'k' },
		{ "max-keys", required_argument, NULL, 'm' },
		{ "insert-rate", required_argument, NULL, 'i' },
		{ "seconds", required_argument, NULL, 's' },
		{ "readers", required_argument, NULL, 'r' },
		{ "rounds", required_argument, NULL, 'R' },
		{ "csv", required_argument, NULL, 'c' },
		{ "device", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct cfg cfg = {
		.keys = 100000, .insert_rate = 20000, .seconds = 1.0, .readers = { 1, 2, 4 }, .nreaders = 3,
		.rounds = 1, .device = FLATVM_DEVICE,
		.variant = { [V_FLATVM] = true, [V_MEMFD] = true, [V_PIPE] = true },
	};
	static struct round_result all[V_COUNT][8][MAX_ROUNDS];
	struct round_result res[V_COUNT * 8];
	int c, n = 0, failed = 0, vi, ri, k;
	FILE *csv = NULL;
	uint32_t i;
	char *end;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			cfg.variant[V_FLATVM] = false;
			cfg.variant[V_VIEW] = false;
			break;
		case 'v':
			if (parse_variants(optarg, cfg.variant))
				return usage();
			break;
		case 'k':
			cfg.keys = (uint32_t)strtoul(optarg, &end, 10);
			if (*end || cfg.keys < 1 || cfg.keys > 10000000)
				return usage();
			break;
		case 'm':
			cfg.max_keys = (uint32_t)strtoul(optarg, &end, 10);
			if (*end || cfg.max_keys > 40000000)
				return usage();
			break;
		case 'i':
			cfg.insert_rate = (uint32_t)strtoul(optarg, &end, 10);
			if (*end || cfg.insert_rate > 100000000)
				return usage();
			break;
		case 's':
			cfg.seconds = strtod(optarg, &end);
			if (*end || cfg.seconds <= 0 || cfg.seconds > 600)
				return usage();
			break;
		case 'r':
			cfg.nreaders = parse_list(optarg, cfg.readers, 8);
			if (cfg.nreaders < 1)
				return usage();
			break;
		case 'R':
			cfg.rounds = (int)strtol(optarg, &end, 10);
			if (*end || cfg.rounds < 1 || cfg.rounds > MAX_ROUNDS)
				return usage();
			break;
		case 'c':
			cfg.csv = optarg;
			break;
		case 'd':
			cfg.device = optarg;
			break;
		default:
			return usage();
		}
	}
	if (optind != argc)
		return usage();
	if (!cfg.max_keys)
		cfg.max_keys = cfg.keys * 2;
	if (cfg.max_keys < cfg.keys)
		return usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	keys = malloc((size_t)cfg.keys * KEY_LEN);
	if (!keys)
		return 1;
	for (i = 0; i < cfg.keys; i++)
		key_of(i, keys[i]);
	/*
	 * Variants interleaved, their order rotating: the host's load
	 * drifts, and under emulation it moves the figures more than
	 * anything measured here.
	 */
	for (k = 0; k < cfg.rounds; k++)
		for (ri = 0; ri < cfg.nreaders; ri++)
			for (c = 0; c < V_COUNT; c++) {
				vi = (c + k + ri) % V_COUNT;
				if (cfg.variant[vi] &&
				    run_round(&cfg, (enum variant)vi, cfg.readers[ri],
					      &all[vi][ri][k]))
					failed++;
			}
	for (vi = 0; vi < V_COUNT; vi++)
		for (ri = 0; cfg.variant[vi] && ri < cfg.nreaders; ri++) {
			median_of(all[vi][ri], cfg.rounds, &res[n++]);
			/* The rounds behind each median: their spread. */
			for (k = 0; cfg.rounds > 1 && k < cfg.rounds; k++)
				printf("shmap-round: %s,%d,%d,%.0f,%.0f\n", variant_name[vi],
				       cfg.readers[ri], k + 1,
				       all[vi][ri][k].lookups_per_reader,
				       all[vi][ri][k].lookups_per_cpu_s);
		}
	if (cfg.csv) {
		csv = fopen(cfg.csv, "w");
		if (!csv)
			fprintf(stderr, "shmap_bench: %s: %s\n", cfg.csv, strerror(errno));
	}
	print_results(&cfg, res, n, csv);
	if (csv)
		fclose(csv);
	free(keys);
	return failed ? 1 : 0;
}
