// SPDX-License-Identifier: GPL-2.0
/*
 * Runner of the host unit tests: each case runs in its own child process
 * (a crash or sanitizer report fails that case only), prints `ok NAME` or
 * `FAIL NAME: reason`, and the run ends with `N passed, N failed`.
 * Arguments, if any, select the cases whose names contain one of them.
 */
#include <stdarg.h>
#include <unistd.h>
#include <sys/wait.h>

#include "fvt.h"

/* Exit status of a child whose case failed a check. */
#define FVT_EXIT_FAILED	3

static const struct fvt_case *const suites[] = {
	fvt_arena_cases, fvt_alloc_cases, fvt_share_cases,
	fvt_release_cases, fvt_lookup_cases, fvt_atomic_cases,
	fvt_check_cases,
};

static const char *current;

void fvt_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL %s: %s:%d: ", current, file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	/* Skip exit handlers: a failed case leaks by design. */
	_exit(FVT_EXIT_FAILED);
}

static int run_case(const struct fvt_case *c)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("FAIL %s: fork failed\n", c->name);
		return 0;
	}
	if (!pid) {
		current = c->name;
		c->fn();
		CHECK(fv_host_live_segs() == 0 && fv_host_live_holders() == 0,
		      "%lu segment and %lu holder records live at the end",
		      fv_host_live_segs(), fv_host_live_holders());
		printf("ok %s\n", c->name);
		/* exit(), not _exit(): LeakSanitizer runs here. */
		exit(0);
	}
	if (waitpid(pid, &status, 0) < 0) {
		printf("FAIL %s: waitpid failed\n", c->name);
		return 0;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == FVT_EXIT_FAILED)
		return 0;
	if (WIFSIGNALED(status))
		printf("FAIL %s: killed by signal %d\n", c->name,
		       WTERMSIG(status));
	else
		printf("FAIL %s: exit status %d (sanitizer report above)\n",
		       c->name, WEXITSTATUS(status));
	return 0;
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
	const struct fvt_case *c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
		for (c = suites[s]; c->name; c++) {
			if (!selected(c->name, argc, argv))
				continue;
			if (run_case(c))
				passed++;
			else
				failed++;
		}
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
