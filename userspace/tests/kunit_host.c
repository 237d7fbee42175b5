// SPDX-License-Identifier: GPL-2.0
/*
 * Host runner of the core's KUnit suites (the files of kunit/core/,
 * built with the shim kunit_host.h): every case, and every parameter of a
 * parameterised case, runs in a child process of its own with a time limit; it prints
 * `ok SUITE.CASE[PARAM]` or `FAIL ...` with each failed expectation, and
 * the run ends with `N passed, N failed`.  At the end of a case every
 * record of the core must have been freed (leaks are also LeakSanitizer's).
 *
 *   host-test [-l] [-v] [PATTERN...]   cases whose name contains a pattern
 *                                       (-l lists them, -v prints kunit_info)
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "kunit_host.h"
#include "fv_host.h"

/* Exit status of a child whose case failed (or was skipped). */
#define EXIT_FAILED	3
#define EXIT_SKIPPED	4
/* Seconds a case may take (the kernel's KUnit allows 300). */
#define CASE_TIMEOUT	300

#define MAX_SUITES	64

struct kunit_host_res {
	struct kunit_host_res *next;
	void *mem;
};

static struct kunit_suite *suites[MAX_SUITES];
static size_t nsuites;
static int verbose;

void kunit_host_register(struct kunit_suite **s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (nsuites == MAX_SUITES) {
			fprintf(stderr, "kunit_host: more than %d suites\n",
				MAX_SUITES);
			abort();
		}
		suites[nsuites++] = s[i];
	}
}

void *kunit_kzalloc(struct kunit *test, size_t size, int gfp)
{
	struct kunit_host_res *r = calloc(1, sizeof(*r));

	(void)gfp;
	if (!r)
		return NULL;
	r->mem = calloc(1, size ? size : 1);
	if (!r->mem) {
		free(r);
		return NULL;
	}
	r->next = test->res;
	test->res = r;
	return r->mem;
}

void *kunit_kcalloc(struct kunit *test, size_t n, size_t size, int gfp)
{
	if (size && n > (size_t)-1 / size)
		return NULL;
	return kunit_kzalloc(test, n * size, gfp);
}

void kunit_kfree(struct kunit *test, const void *ptr)
{
	struct kunit_host_res **p, *r;

	for (p = &test->res; (r = *p); p = &r->next) {
		if (r->mem == ptr) {
			*p = r->next;
			free(r->mem);
			free(r);
			return;
		}
	}
	fprintf(stderr, "kunit_host: kunit_kfree of unknown %p\n", ptr);
	abort();
}

static void free_resources(struct kunit *test)
{
	struct kunit_host_res *r;

	while ((r = test->res)) {
		test->res = r->next;
		free(r->mem);
		free(r);
	}
}

static void vmessage(const char *fmt, va_list ap)
{
	if (!fmt)
		return;
	printf(": ");
	vprintf(fmt, ap);
}

static void __attribute__((noreturn)) end_case(int status)
{
	fflush(stdout);
	/* Skip exit handlers: an aborted case leaks by design. */
	_exit(status);
}

void kunit_host_fail(struct kunit *test, bool fatal, const char *file,
		     int line, const char *what, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL %s: %s:%d: expected %s", test->name, file, line, what);
	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
	printf("\n");
	test->nfailed++;
	if (fatal)
		end_case(EXIT_FAILED);
}

void kunit_host_fail_binary(struct kunit *test, bool fatal, const char *file,
			    int line, const char *expr, long long left,
			    long long right, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL %s: %s:%d: expected %s, got %lld (%#llx) and %lld (%#llx)",
	       test->name, file, line, expr, left, (unsigned long long)left,
	       right, (unsigned long long)right);
	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
	printf("\n");
	test->nfailed++;
	if (fatal)
		end_case(EXIT_FAILED);
}

void kunit_host_info(struct kunit *test, const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	printf("     %s: ", test->name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

void kunit_host_skip(struct kunit *test, const char *fmt, ...)
{
	va_list ap;

	printf("SKIP %s: ", test->name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	end_case(EXIT_SKIPPED);
}

/* In the child: the case with parameter number @param (-1: none). */
static void __attribute__((noreturn))
run_child(struct kunit_suite *s, struct kunit_case *c, long param,
	  const char *name)
{
	char desc[KUNIT_PARAM_DESC_SIZE];
	struct kunit test = { .name = name };
	const void *p = NULL;
	long i;

	alarm(CASE_TIMEOUT);
	if (s->suite_init && s->suite_init(s)) {
		printf("FAIL %s: suite_init failed\n", name);
		end_case(EXIT_FAILED);
	}
	for (i = 0; i <= param; i++)
		p = c->generate_params(p, desc);
	test.param_value = p;
	if (s->init && s->init(&test)) {
		printf("FAIL %s: init failed\n", name);
		end_case(EXIT_FAILED);
	}
	c->run_case(&test);
	if (s->exit)
		s->exit(&test);
	free_resources(&test);
	if (s->suite_exit)
		s->suite_exit(s);
	if (fv_host_live(FV_REC_NR_KINDS)) {
		printf("FAIL %s: %lu core records (%lu bytes) live after the case\n",
		       name, fv_host_live(FV_REC_NR_KINDS), fv_host_live_bytes());
		test.nfailed++;
	}
	if (test.nfailed)
		end_case(EXIT_FAILED);
	printf("ok %s\n", name);
	fflush(stdout);
	/* exit(), not _exit(): LeakSanitizer runs here. */
	exit(0);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Run one case (one parameter) in a child; 1 passed, 0 failed, 2 skipped. */
static int run_one(struct kunit_suite *s, struct kunit_case *c, long param,
		   const char *name)
{
	double t0 = now();
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("FAIL %s: fork failed\n", name);
		return 0;
	}
	if (!pid)
		run_child(s, c, param, name);
	if (waitpid(pid, &status, 0) < 0) {
		printf("FAIL %s: waitpid failed\n", name);
		return 0;
	}
	if (now() - t0 > 5)
		printf("     %s took %.1f s\n", name, now() - t0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_SKIPPED)
		return 2;
	if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_FAILED)
		return 0;
	if (WIFSIGNALED(status))
		printf("FAIL %s: killed by signal %d%s\n", name,
		       WTERMSIG(status),
		       WTERMSIG(status) == SIGALRM ? " (time limit)" : "");
	else
		printf("FAIL %s: exit status %d (sanitizer report above)\n",
		       name, WEXITSTATUS(status));
	return 0;
}

static int selected(const char *name, int argc, char **argv)
{
	int i;

	if (argc == 0)
		return 1;
	for (i = 0; i < argc; i++)
		if (strstr(name, argv[i]))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int counts[3] = { 0, 0, 0 };
	char name[512], desc[KUNIT_PARAM_DESC_SIZE];
	struct kunit_case *c;
	int list = 0, opt;
	const void *p;
	size_t s;
	long k;

	while ((opt = getopt(argc, argv, "lv")) != -1) {
		if (opt == 'l') {
			list = 1;
		} else if (opt == 'v') {
			verbose = 1;
		} else {
			fprintf(stderr, "usage: %s [-l] [-v] [PATTERN...]\n",
				argv[0]);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (s = 0; s < nsuites; s++) {
		for (c = suites[s]->test_cases; c->run_case; c++) {
			if (!c->generate_params) {
				snprintf(name, sizeof(name), "%s.%s",
					 suites[s]->name, c->name);
				if (!selected(name, argc, argv))
					continue;
				if (list)
					printf("%s\n", name);
				else
					counts[run_one(suites[s], c, -1, name)]++;
				continue;
			}
			for (p = NULL, k = 0;; k++) {
				desc[0] = 0;
				p = c->generate_params(p, desc);
				if (!p)
					break;
				snprintf(name, sizeof(name), "%s.%s[%s]",
					 suites[s]->name, c->name,
					 desc[0] ? desc : "?");
				if (!selected(name, argc, argv))
					continue;
				if (list)
					printf("%s\n", name);
				else
					counts[run_one(suites[s], c, k, name)]++;
			}
		}
	}
	if (list)
		return 0;
	if (counts[2])
		printf("host-test: %u skipped\n", counts[2]);
	printf("%u passed, %u failed\n", counts[1], counts[0]);
	return counts[0] ? 1 : 0;
}
