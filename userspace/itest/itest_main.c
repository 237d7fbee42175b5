// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm integration tests: the runner.
 *
 * Runs each test in its own process group (a fresh process, so a fresh mm
 * for flatvm), kills and reaps whatever the test left behind (the runner is
 * a child subreaper), then checks that nothing leaked: STATS shows no page,
 * range, holder or process, and the core's invariant checker passes.  The
 * runner itself never holds anything, so it does not pin the module.
 *
 * Output: one line per test (PASS, FAIL, or SKIP for a test this kernel
 * cannot run), then "N skipped" when any, then "N passed, N failed".
 * Usage: flatvm-itest [substring]   (runs the tests whose name matches)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"
#include "tests.h"

#define TEST_SECONDS	120

int it_scale = 100;

int it_scaled(int iters)
{
	int n = (int)((long)iters * it_scale / 100);

	return n > 0 ? n : 1;
}

static const struct test {
	const char *name;
	int (*fn)(void);
} tests[] = {
#define T(name) { #name, t_##name },
	ITEST_LIST(T)
#undef T
};

static int leak_check(int fd, char *why, size_t n)
{
	struct flatvm_stats s;
	char buf[64] = "";
	FILE *f;
	int ret;

	ret = fv_stats(fd, &s);
	if (ret) {
		snprintf(why, n, "STATS failed: %s", strerror(-ret));
		return 1;
	}
	if (s.pages || s.ranges || s.holders || s.processes ||
	    s.free_bytes != s.window_size) {
		snprintf(why, n,
			 "left behind: %llu pages %llu ranges %llu holders %llu processes %llu bytes used",
			 (unsigned long long)s.pages,
			 (unsigned long long)s.ranges,
			 (unsigned long long)s.holders,
			 (unsigned long long)s.processes,
			 (unsigned long long)(s.window_size - s.free_bytes));
		return 1;
	}
	f = fopen("/sys/kernel/debug/flatvm/check", "r");
	if (!f || !fgets(buf, sizeof(buf), f) || strcmp(buf, "ok\n")) {
		snprintf(why, n, "debugfs check: %s", f ? buf : strerror(errno));
		if (f)
			fclose(f);
		return 1;
	}
	fclose(f);
	return 0;
}

/* Parameters tests change: saved before each test, put back after. */
static const char *const saved_params[] = {
	"max_pages", "max_user_pages", "max_user_bytes", "max_user_ranges",
	"max_user_records", "access_gid", "access_all",
};
#define NSAVED	(sizeof(saved_params) / sizeof(saved_params[0]))

static void param_text(const char *name, char *buf, size_t n, bool write)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/flatvm/parameters/%s", name);
	f = fopen(path, write ? "w" : "r");
	if (!f)
		return;
	if (write)
		fputs(buf, f);
	else if (!fgets(buf, (int)n, f))
		buf[0] = 0;
	fclose(f);
}

static int run_one(const struct test *t, int fd)
{
	char saved[NSAVED][32];
	struct timespec t0, t1;
	char why[256] = "";
	pid_t pid;
	int st, bad;
	size_t i;

	for (i = 0; i < NSAVED; i++)
		param_text(saved_params[i], saved[i], sizeof(saved[i]), false);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		setpgid(0, 0);
		close(fd);
		alarm(TEST_SECONDS);
		st = t->fn();
		_exit(st == IT_SKIP ? IT_SKIP : st ? 1 : 0);
	}
	setpgid(pid, pid);
	st = wait_status(pid);
	kill(-pid, SIGKILL);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* Tests of the quotas and access change them: put them back. */
	for (i = 0; i < NSAVED; i++)
		if (saved[i][0])
			param_text(saved_params[i], saved[i], sizeof(saved[i]),
				   true);
	if (st == IT_SKIP) {
		printf("SKIP %s\n", t->name);
		return IT_SKIP;
	}
	bad = st != 0;
	if (bad)
		snprintf(why, sizeof(why), "status %d%s", st,
			 st == 128 + SIGALRM ? " (timeout)" : "");
	else
		bad = leak_check(fd, why, sizeof(why));
	printf("%s %s (%ld ms)%s%s\n", bad ? "FAIL" : "PASS", t->name,
	       (t1.tv_sec - t0.tv_sec) * 1000 +
	       (t1.tv_nsec - t0.tv_nsec) / 1000000,
	       bad ? ": " : "", why);
	return bad;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0, skipped = 0, fd, ret;
	const char *scale = getenv("FLATVM_ITEST_SCALE");
	struct flatvm_stats s;
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	fd = fv_open();
	if (fd < 0 || fv_stats(fd, &s)) {
		printf("FAIL open %s: %s\n", FLATVM_DEVICE, strerror(-fd));
		printf("0 passed, 1 failed\n");
		return 1;
	}
	if (scale && atoi(scale) > 0 && atoi(scale) <= 100)
		it_scale = atoi(scale);
	if (it_scale != 100)
		printf("concurrency tests at %d %% of their iterations\n",
		       it_scale);
	win_base = s.window_base;
	win_size = s.window_size;
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (argc > 1 && !strstr(tests[i].name, argv[1]))
			continue;
		ret = run_one(&tests[i], fd);
		if (ret == IT_SKIP)
			skipped++;
		else if (ret)
			failed++;
		else
			passed++;
	}
	close(fd);
	if (skipped)
		printf("%d skipped\n", skipped);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
