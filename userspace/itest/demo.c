// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm demo (run inside the dev VM by `make demo`): two processes pass a
 * pointer through a shared page.
 *
 * The writer allocates a range, builds a small linked list in it, grants
 * the reader read access by pidfd and sends it the address of the list's
 * head over a pipe: a plain pointer.  The reader attaches the range (same
 * address), walks the list through that pointer and prints it.  STATS and
 * /sys/kernel/debug/flatvm are shown before, while shared, and after.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"

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
	int fd = fv_open();

	printf("\n==== %s ====\n", when);
	if (fd >= 0 && !fv_stats(fd, &s))
		printf("STATS: pool %llu bytes, free %llu, largest free %llu, ranges %llu, pages %llu, holders %llu, processes %llu\n",
		       (unsigned long long)s.window_size,
		       (unsigned long long)s.free_bytes,
		       (unsigned long long)s.largest_free,
		       (unsigned long long)s.ranges,
		       (unsigned long long)s.pages,
		       (unsigned long long)s.holders,
		       (unsigned long long)s.processes);
	if (fd >= 0)
		close(fd);
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

static int reader(struct peer *self)
{
	struct item *head, *it;
	uint64_t addr, len;
	int fd = fv_open();

	if (fd < 0 || peer_recv(self, &addr) || peer_recv(self, &len) ||
	    peer_recv(self, (uint64_t *)&head))
		return 2;
	if (fv_attach(fd, addr, len, RD)) {
		perror("reader: attach");
		return 3;
	}
	printf("reader %d: attached 0x%llx, got pointer %p\n", getpid(),
	       (unsigned long long)addr, (void *)head);
	for (it = head; it; it = it->next)
		printf("reader %d:   %p -> \"%s\"\n", getpid(), (void *)it,
		       it->text);
	fflush(stdout);
	if (peer_send(self, 1) || peer_recv(self, &addr))
		return 4;
	return 0;
}

int main(void)
{
	static const char *const words[] = { "pointers", "mean the same",
					     "in both processes" };
	struct item *items;
	uint64_t addr, len = 2 * PAGE, v;
	struct peer r;
	unsigned int i;
	int fd, st;

	setvbuf(stdout, NULL, _IOLBF, 0);
	show("before");
	fd = fv_open();
	if (fd < 0 || fv_alloc(fd, len, RW, 0, &addr)) {
		printf("writer: cannot allocate\n");
		return 1;
	}
	printf("\nwriter %d: ALLOC 0x%llx (%llu bytes)\n", getpid(),
	       (unsigned long long)addr, (unsigned long long)len);
	items = (struct item *)addr;
	for (i = 0; i < 3; i++) {
		/* Spread over both pages: pointers into the shared range. */
		struct item *it = (struct item *)(addr + i * (PAGE + 512) / 2);

		strcpy(it->text, words[i]);
		it->next = NULL;
		if (i)
			items->next = it;
		items = it;
	}
	items = (struct item *)addr;
	if (peer_start(&r, reader) ||
	    fv_grant(fd, r.pidfd, addr, len, RD)) {
		printf("writer: cannot grant\n");
		return 1;
	}
	printf("writer %d: GRANT read to pid %d, sending pointer %p\n",
	       getpid(), r.pid, (void *)items);
	if (peer_send(&r, addr) || peer_send(&r, len) ||
	    peer_send(&r, (uint64_t)items) || peer_recv(&r, &v))
		return 1;
	show("shared by both processes");
	if (fv_release(fd, addr, len) || peer_send(&r, 0))
		return 1;
	st = peer_wait(&r);
	printf("\nwriter: RELEASE done, reader exited with %d\n", st);
	close(fd);
	show("after");
	return st;
}
