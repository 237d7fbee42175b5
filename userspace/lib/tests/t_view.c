// SPDX-License-Identifier: GPL-2.0
/*
 * libflatvm host tests: the reader's view.  A child granted a heap's
 * ranges follows pointers into them, attaching each range once.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lt.h"

struct node {
	struct node *next;
	char text[40];
};

/* The child: walk the list, attaching on first use; release what it got. */
static int walker(int fd, int rd, int wr)
{
	struct flatvm_view *v;
	struct node *head, *n;
	unsigned long attaches;
	int count = 0, rc = 0;
	char c;

	if (read(rd, &head, sizeof(head)) != sizeof(head))
		return 30;
	if (flatvm_view_create(fd, FLATVM_RIGHT_WRITE, &v) != -EINVAL)
		return 31;
	if (flatvm_view_create(fd, RD, &v))
		return 32;
	attaches = fake_dev_calls(FLATVM_IOC_ATTACH);
	for (n = head; n; n = n->next) {
		if (flatvm_view_ensure(v, n, sizeof(*n)))
			return 33;
		if (atoi(n->text) != count++)
			return 34;
	}
	if (count != 5000)
		return 35;
	/* 5000 nodes of 48 bytes: one chunk, one ATTACH. */
	if (fake_dev_calls(FLATVM_IOC_ATTACH) - attaches != 1)
		return 36;
	if (lt_probe_write(head) != SIGSEGV)
		return 37;
	/* Twice: nothing new. */
	if (flatvm_view_ensure(v, head, sizeof(*head)) ||
	    fake_dev_calls(FLATVM_IOC_ATTACH) - attaches != 1)
		return 38;
	/* Outside the window, across its end, empty. */
	if (flatvm_view_ensure(v, &c, 1) != -EFAULT ||
	    flatvm_view_ensure(v, (char *)fake_dev_base() + FAKE_WINDOW - 1, 2) != -EFAULT ||
	    flatvm_view_ensure(v, head, 0) != -EFAULT)
		return 39;
	/* A free page of the window. */
	if (flatvm_view_ensure(v, (char *)fake_dev_base() + FAKE_WINDOW - 4096, 1) != -ENOENT)
		return 40;
	/* Forgotten: attached again. */
	flatvm_view_forget(v, head, 1);
	if (flatvm_view_ensure(v, head, 1) ||
	    fake_dev_calls(FLATVM_IOC_ATTACH) - attaches != 2)
		return 41;
	/* Tell the parent, wait for its ungranted range, and try it. */
	if (write(wr, "w", 1) != 1 || read(rd, &head, sizeof(head)) != sizeof(head))
		return 42;
	if (flatvm_view_ensure(v, head, 1) != -EACCES)
		rc = 43;
	flatvm_view_destroy(v);
	flatvm_view_destroy(NULL);
	{
		struct flatvm_query q;

		/* Release the chunk the list lives in. */
		if (read(rd, &head, sizeof(head)) != sizeof(head) ||
		    flatvm_query(fd, head, &q) ||
		    flatvm_release(fd, (void *)(uintptr_t)q.range_start, q.range_len))
			return 44;
	}
	return rc;
}

static int t_view_walk(void)
{
	int fd = lt_open(), to[2], from[2], pidfd, st, i;
	struct node *head = NULL, *n;
	struct flatvm_heap *h;
	void *other;
	pid_t pid;
	char c;

	CHECK(fd >= 0);
	CHECK(pipe(to) == 0 && pipe(from) == 0);
	pid = fork();
	if (!pid)
		_exit(walker(fd, to[0], from[1]));
	pidfd = flatvm_pidfd_open(pid);
	CHECK(pidfd >= 0);
	CHECK_RC(flatvm_heap_create(fd, NULL, &h), 0);
	CHECK_RC(flatvm_heap_grant_all(h, pidfd, RD), 0);
	for (i = 4999; i >= 0; i--) {
		n = flatvm_heap_alloc(h, sizeof(*n));
		CHECK(n);
		n->next = head;
		snprintf(n->text, sizeof(n->text), "%d", i);
		head = n;
	}
	CHECK(write(to[1], &head, sizeof(head)) == sizeof(head));
	CHECK(read(from[0], &c, 1) == 1);
	CHECK_RC(flatvm_alloc(fd, 4096, 0, RW, 0, &other), 0);
	CHECK(write(to[1], &other, sizeof(other)) == sizeof(other));
	CHECK(write(to[1], &head, sizeof(head)) == sizeof(head));
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK_RC(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), 0);
	CHECK_RC(flatvm_release(fd, other, 4096), 0);
	flatvm_heap_destroy(h);
	close(pidfd);
	close(to[0]);
	close(to[1]);
	close(from[0]);
	close(from[1]);
	flatvm_close(fd);
	return 0;
}

const struct lt_case lt_view_cases[] = {
	{ "view.walk", t_view_walk },
	{ NULL, NULL }
};
