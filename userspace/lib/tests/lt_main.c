// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of libflatvm: the runner.  Sets up the fake device, runs
 * the cases named on the command line (all when none; a name matches when
 * it contains an argument), checks after each that nothing leaked (no
 * range, no hold in the fake, the same number of open descriptors), prints
 * one line per case and "N passed, N failed" last.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "lt.h"

static const struct lt_case *const suites[] = {
	lt_device_cases, lt_share_cases, lt_heap_cases, lt_view_cases,
};

int lt_open(void)
{
	return flatvm_open_path(fake_dev_path(), O_RDWR);
}

static sigjmp_buf probe_env;
static volatile sig_atomic_t probe_sig;

static void probe_handler(int sig)
{
	probe_sig = sig;
	siglongjmp(probe_env, 1);
}

static int probe(void *p, int write)
{
	struct sigaction sa = { .sa_handler = probe_handler }, old_segv, old_bus;
	volatile char *c = p;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	probe_sig = 0;
	if (!sigsetjmp(probe_env, 1)) {
		if (write)
			*c = *c;
		else
			(void)*c;
	}
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	return probe_sig;
}

int lt_probe_read(const void *p)
{
	return probe((void *)p, 0);
}

int lt_probe_write(void *p)
{
	return probe(p, 1);
}

static int count_fds(void)
{
	struct dirent *d;
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;

	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		n++;
	closedir(dir);
	return n;
}

static int selected(const char *name, int argc, char **argv)
{
	int i;

	if (argc < 2)
		return 1;
	for (i = 1; i < argc; i++)
		if (strstr(name, argv[i]))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int passed = 0, failed = 0, s;
	const struct lt_case *c;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = fake_dev_init();
	if (ret) {
		printf("fake device: %s\n", strerror(-ret));
		printf("0 passed, 1 failed\n");
		return 1;
	}
	for (s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
		for (c = suites[s]; c->name; c++) {
			int fds = count_fds(), ok;

			if (!selected(c->name, argc, argv))
				continue;
			ok = c->fn() == 0;
			if (ok && (fake_dev_nranges() || fake_dev_nholds())) {
				printf("    leak: %u ranges, %u holds left\n",
				       fake_dev_nranges(), fake_dev_nholds());
				ok = 0;
			}
			if (ok && count_fds() != fds) {
				printf("    leak: %d descriptors before, %d after\n",
				       fds, count_fds());
				ok = 0;
			}
			printf("%s libflatvm.%s\n", ok ? "PASS" : "FAIL", c->name);
			if (ok) {
				passed++;
			} else {
				failed++;
				/* Start the next case from a clean device. */
				fake_dev_exit();
				if (fake_dev_init())
					return 1;
			}
		}
	}
	fake_dev_exit();
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
