// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm demo (run inside the dev VM by `make demo`): two processes pass a
 * pointer through a shared range, with libflatvm.
 *
 * The writer allocates a range (flatvm_alloc()) and builds a small linked
 * list in it.  The reader accepts grants from its user (flatvm_accept())
 * and sends the writer a pidfd of itself over a Unix socket
 * (flatvm_send_pidfd()); the writer grants it read access and sends
 * the range with the list's head, a plain pointer, as the message's tag
 * (flatvm_send_range()); the reader attaches the range at the same address
 * (flatvm_recv_range()) and walks the list from that pointer.  STATS and
 * /sys/kernel/debug/flatvm are shown before, while shared, and after.
 * flatvm's tracepoints are on during the walk-through (when the kernel has
 * tracefs) and the lines they wrote are shown at the end.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libflatvm.h"
#include "tracefs.h"

#define PAGE		4096u
#define TRACE_LINES	16

struct item {
	struct item *next;
	char text[48];
};

static void show(const char *when)
{
	static const char *const files[] = { "counters", "ranges", "holders",
					      "free" };
	struct flatvm_stats s;
	char path[96], line[256];
	unsigned int i;
	int fd = flatvm_open(O_RDONLY);

	printf("\n==== %s ====\n", when);
	if (fd >= 0 && !flatvm_stats(fd, &s))
		printf("STATS: pool %llu bytes, free %llu, largest free %llu, ranges %llu, pages %llu, holders %llu, processes %llu\n",
		       (unsigned long long)s.window_size,
		       (unsigned long long)s.free_bytes,
		       (unsigned long long)s.largest_free,
		       (unsigned long long)s.ranges,
		       (unsigned long long)s.pages,
		       (unsigned long long)s.holders,
		       (unsigned long long)s.processes);
	if (fd >= 0)
		flatvm_close(fd);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		FILE *f;

		snprintf(path, sizeof(path), "/sys/kernel/debug/flatvm/%s",
			 files[i]);
		f = fopen(path, "r");
		if (!f)
			continue;
		printf("-- %s\n", path);
		while (fgets(line, sizeof(line), f))
			printf("   %s", line);
		fclose(f);
	}
	fflush(stdout);
}

/* The reader: a read-only descriptor is enough to attach for reading. */
static int reader(int sock)
{
	struct flatvm_range_msg msg;
	struct item *it;
	char c;
	int fd = flatvm_open(O_RDONLY), ret;

	/* Grants come by consent: accept the writer's (same user) first. */
	if (fd < 0 || flatvm_accept(fd, FLATVM_ACCEPT_USER, NULL) ||
	    flatvm_send_pidfd(sock))
		return 2;
	ret = flatvm_recv_range(fd, sock, 0, &msg);
	if (ret) {
		printf("reader: %s\n", flatvm_strerror(FLATVM_OP_ATTACH, ret));
		return 3;
	}
	printf("reader %d: attached 0x%llx (%llu bytes), got pointer %p\n",
	       getpid(), (unsigned long long)msg.addr,
	       (unsigned long long)msg.len, (void *)(uintptr_t)msg.tag);
	for (it = (struct item *)(uintptr_t)msg.tag; it; it = it->next)
		printf("reader %d:   %p -> \"%s\"\n", getpid(), (void *)it,
		       it->text);
	fflush(stdout);
	if (write(sock, "d", 1) != 1 || read(sock, &c, 1) != 1)
		return 4;
	return 0;
}

/* flatvm's events on, when the kernel has tracefs: 1 if so. */
static int trace_on(void)
{
	char why[256] = "the events could not be switched on";

	if (tfs_init(why, sizeof(why)) || tfs_start(1)) {
		printf("tracefs: not shown (%s)\n", why);
		return 0;
	}
	printf("tracefs: flatvm's events on\n");
	return 1;
}

static void trace_show(void)
{
	char **lines, **raw;
	int i, n;

	tfs_enable(0);
	n = tfs_events(&lines, &raw);
	if (n < 0)
		return;
	printf("\n==== tracefs: events/flatvm (%d of %d lines) ====\n",
	       n < TRACE_LINES ? n : TRACE_LINES, n);
	for (i = 0; i < n && i < TRACE_LINES; i++)
		printf("%s\n", raw[i] + strspn(raw[i], " "));
	tfs_free(lines, n);
	tfs_free(raw, n);
	tfs_write("trace", "");
}

int main(void)
{
	static const char *const words[] = { "pointers", "mean the same",
					     "in both processes" };
	const uint64_t len = 2 * PAGE;
	struct item *head = NULL, *prev = NULL;
	int fd, sv[2], pidfd, st, traced, ret;
	void *addr;
	pid_t pid;
	unsigned int i;
	char c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	traced = trace_on();
	show("before");
	fd = flatvm_open(O_RDWR);
	ret = fd < 0 ? fd : flatvm_alloc(fd, len, 0, FLATVM_RIGHT_READ |
					 FLATVM_RIGHT_WRITE, 0, &addr);
	if (ret) {
		printf("writer: %s\n", flatvm_strerror(fd < 0 ? FLATVM_OP_OPEN :
						       FLATVM_OP_ALLOC, ret));
		return 1;
	}
	printf("\nwriter %d: ALLOC 0x%llx (%llu bytes)\n", getpid(),
	       (unsigned long long)(uintptr_t)addr, (unsigned long long)len);
	for (i = 0; i < 3; i++) {
		/* Spread over both pages: pointers into the shared range. */
		struct item *it = (struct item *)((char *)addr +
						  i * (PAGE + 512) / 2);

		strcpy(it->text, words[i]);
		it->next = NULL;
		if (prev)
			prev->next = it;
		else
			head = it;
		prev = it;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return 1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(sv[0]);
		_exit(reader(sv[1]));
	}
	close(sv[1]);
	pidfd = flatvm_recv_pidfd(sv[0]);
	ret = pidfd < 0 ? pidfd :
	      flatvm_send_range(fd, sv[0], pidfd, addr, len,
				FLATVM_RIGHT_READ, (uintptr_t)head);
	if (ret) {
		printf("writer: cannot pass the range: %s\n",
		       flatvm_strerror(FLATVM_OP_GRANT, ret));
		return 1;
	}
	printf("writer %d: GRANT read to pid %d, sent the range and pointer %p\n",
	       getpid(), pid, (void *)head);
	if (read(sv[0], &c, 1) != 1)
		return 1;
	show("shared by both processes");
	ret = flatvm_release(fd, addr, len);
	if (ret || write(sv[0], "x", 1) != 1)
		return 1;
	waitpid(pid, &st, 0);
	st = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	printf("\nwriter: RELEASE done, reader exited with %d\n", st);
	flatvm_close(fd);
	close(pidfd);
	close(sv[0]);
	show("after");
	if (traced)
		trace_show();
	return st;
}
