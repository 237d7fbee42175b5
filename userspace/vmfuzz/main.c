// SPDX-License-Identifier: GPL-2.0
/*
 * vmfuzz: a coverage-guided fuzzer for /dev/flatvm, run inside the
 * debug-kernel VM (userspace/vm/vm-init.sh: `make vm-fuzz`, `make
 * kernel-ci`).  See vmfuzz.h for the files.
 *
 *   vmfuzz [-t seconds] [-s seed] [-n ioctls] [-p workers] [-c max live
 *          processes] [-b block device] [-O]
 *   vmfuzz -R -- COMMAND...      (kcov.c: coverage of insmod, rmmod)
 *
 * Several worker processes run programs of ioctls and actions (prog.c),
 * guided by the coverage of flatvm.ko that KCOV reports (kcov.c); they fork
 * children that fuzz in turn.  The run stops at the deadline (-t) or once
 * the ioctls made reach -n, whichever comes first: main raises sh->stop,
 * the processes finish the call they are in and end.
 *
 * At the end main prints the operations made by kind and what they
 * returned, the ioctls per second, the coverage, the oracle's verdicts,
 * and the PCs reached (kcov.c), then checks: every worker ended normally,
 * every errno is one the uapi header documents for that ioctl, the oracle
 * saw nothing wrong and no page was pinned through the window, coverage
 * was collected (when the kernel has KCOV), the live fuzzer processes never
 * exceeded the cap and none is left, and once every process has exited the
 * module's STATS are back to zero.  Last line: "vmfuzz: N passed, N failed".
 *
 * Main counts the members of the fuzzers' process group in /proc every
 * 100 ms (or ten times as long as a count took, so that counting takes at
 * most a tenth of a CPU), independently of sh->live; the run fails if that
 * census ever exceeds the cap, or more processes than were counted.  At the
 * end main kills the group (SIGTERM, then SIGKILL after 10 s) and reaps
 * until it has no child left.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vmfuzz.h"

#define CENSUS_PERIOD	0.1		/* s between two counts in /proc, */
#define CENSUS_SHARE	10		/* or 10 times what one took */
#define PROGRESS_PERIOD	60		/* s between two progress lines */
#define WORKER_GRACE	60		/* s after the deadline */
#define TERM_GRACE	10		/* s between SIGTERM and SIGKILL */

struct shared *sh;
uint64_t win_base, win_size;
const char *blkdev_path;

static unsigned long max_ioctls = 1000000;
static int nworkers = 4;

static int worker_main(int idx, uint64_t seed)
{
	static struct thread_ctx ctx;
	struct sigaction sa = { 0 };
	struct proc p;

	proc_init(&p, seed * 0x9e3779b97f4a7c15ULL + idx + 1);
	if (p.fd < 0) {
		perror("vmfuzz: open " FLATVM_DEVICE);
		return 1;
	}
	tctx = &ctx;
	thread_init(tctx, 0);
	sa.sa_sigaction = touch_handler;
	sa.sa_flags = SA_NODEFER | SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	fuzz_loop(&p);
	helper_stop(&p);
	end_children(&p);
	return 0;
}

static int stats(int fd, struct flatvm_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	return ioctl(fd, FLATVM_IOC_STATS, s);
}

static int check(int ok, const char *what, int *passed, int *failed)
{
	printf("vmfuzz: %s: %s\n", ok ? "ok" : "FAILED", what);
	if (ok)
		(*passed)++;
	else
		(*failed)++;
	return ok;
}

static uint64_t param_read(const char *name)
{
	char path[128], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/flatvm/parameters/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	if (buf[0] == 'Y')	/* a bool */
		return 1;
	return strtoull(buf, NULL, 0);
}

/* ---- main: the tree's subreaper and census ----------------------------- */

struct tree {
	pid_t pgid;			/* the process group of every fuzzer */
	pid_t pids[MAX_WORKERS];
	int status[MAX_WORKERS];	/* -1 until reaped */
	int running;			/* workers not yet reaped */
	int census_peak;
	unsigned long samples;
	unsigned long unaccounted;	/* samples above the count */
	double census_s;		/* time spent counting */
	double next_census;
	double start, next_progress, deadline;
};

static volatile sig_atomic_t stop_signal;

static void stop_handler(int sig)
{
	stop_signal = sig;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The members of process group @pgid, zombies included: the pids listed
 * in /proc, each asked for its group (getpgid() is far cheaper than
 * reading /proc/<pid>/stat, which cost ~10 ms a process in the debug
 * kernel under TCG).
 */
static int census(pid_t pgid)
{
	struct dirent *de;
	int n = 0;
	char *end;
	long pid;
	DIR *d;

	d = opendir("/proc");
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		pid = strtol(de->d_name, &end, 10);
		if (pid > 0 && !*end && getpgid(pid) == pgid)
			n++;
	}
	closedir(d);
	return n;
}

/*
 * Count the group and compare with the cap and with sh->live: every
 * process alive during the scan was counted at its start or was given a
 * place during it (reaped ones are gone from /proc before their place is
 * given back).
 */
static void sample(struct tree *t)
{
	double t0 = now_s(), took;
	unsigned long r0, r1;
	long counted;
	int n;

	r0 = atomic_load(&sh->reserved);
	counted = atomic_load(&sh->live);
	n = census(t->pgid);
	r1 = atomic_load(&sh->reserved);
	counted += (long)(r1 - r0);
	/* A count took 135 ms in the debug kernel on a loaded host. */
	took = now_s() - t0;
	t->next_census = t0 + (took * CENSUS_SHARE > CENSUS_PERIOD ?
			       took * CENSUS_SHARE : CENSUS_PERIOD);
	if (n < 0)
		return;
	t->samples++;
	t->census_s += took;
	if (n > cap && n > t->census_peak)
		printf("vmfuzz: %d processes in the group, above the cap %d\n",
		       n, cap);
	if (n > t->census_peak)
		t->census_peak = n;
	if (n > counted && t->unaccounted++ < 5)
		printf("vmfuzz: %d processes in the group, only %ld counted\n",
		       n, counted);
}

/* A line a minute, so that a long run shows how it goes. */
static void progress(struct tree *t)
{
	double now = now_s();

	printf("vmfuzz: %.0f s: %lu ioctls, %lu operations, %lu PCs, corpus %u, %d live processes (peak %d counted, %d seen), %lu forks refused at the cap\n",
	       now - t->start, atomic_load(&sh->ioctls),
	       atomic_load(&sh->total), atomic_load(&sh->pcs), corpus_size(),
	       atomic_load(&sh->live), atomic_load(&sh->live_peak),
	       t->census_peak, atomic_load(&sh->fork_refused));
	t->next_progress = now + PROGRESS_PERIOD;
}

/*
 * Reap whatever comes (workers and orphans), counting the group now and
 * then, and stopping the run at the deadline or at the ioctl count, until
 * the workers have ended (or, with @all, until no child is left), or until
 * @until or, if @interruptible, a signal.  1 when done.
 */
static int wait_tree(struct tree *t, double until, int all, int interruptible)
{
	const struct timespec nap = { 0, 20000000L };
	int status, i;
	pid_t pid;

	for (;;) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid > 0) {
			release_process();
			note_end(WIFSIGNALED(status), WTERMSIG(status));
			for (i = 0; i < nworkers; i++) {
				if (t->pids[i] == pid) {
					t->status[i] = status;
					t->running--;
				}
			}
			continue;
		}
		if (pid < 0 && errno == ECHILD)
			return 1;
		if (!all && !t->running)
			return 1;
		if (!atomic_load(&sh->stop) &&
		    (now_s() >= t->deadline || stop_signal ||
		     atomic_load(&sh->ioctls) >= max_ioctls))
			atomic_store(&sh->stop, 1);
		if (now_s() >= until || (interruptible && stop_signal))
			return 0;
		if (now_s() >= t->next_census)
			sample(t);
		if (now_s() >= t->next_progress)
			progress(t);
		nanosleep(&nap, NULL);
	}
}

/* Kill the whole group and reap it; 1 when nothing of the tree is left. */
static int teardown(struct tree *t)
{
	if (kill(-t->pgid, SIGTERM) == 0 &&
	    !wait_tree(t, now_s() + TERM_GRACE, 1, 0)) {
		printf("vmfuzz: processes left %d s after SIGTERM: SIGKILL\n",
		       TERM_GRACE);
		kill(-t->pgid, SIGKILL);
		wait_tree(t, now_s() + 3 * TERM_GRACE, 1, 0);
	}
	if (waitpid(-1, NULL, WNOHANG) != -1 || errno != ECHILD)
		return 0;
	return kill(-t->pgid, 0) < 0 && errno == ESRCH;
}

/* The name of an outcome: an errno, or a signal for touches. */
static const char *outcome_name(unsigned int op, int e)
{
	if (!e)
		return "ok";
	if (op >= n_ioctls && (actions[op - n_ioctls].flags & ACT_SIG))
		return sigabbrev_np(e) ? sigabbrev_np(e) : "?";
	return strerrorname_np(e) ? strerrorname_np(e) : "?";
}

static void report(double elapsed)
{
	unsigned long ioctls = atomic_load(&sh->ioctls);
	unsigned long total = atomic_load(&sh->total);
	unsigned int op;
	int e, n;

	printf("vmfuzz: %lu ioctls (%lu operations in all) in %.1f s: %.0f ioctls/s, %.0f operations/s\n",
	       ioctls, total, elapsed, elapsed > 0 ? ioctls / elapsed : 0.0,
	       elapsed > 0 ? total / elapsed : 0.0);
	printf("vmfuzz: operations:");
	for (op = 0, n = 0; op < n_ops(); op++, n++) {
		if (n == 9) {
			printf("\nvmfuzz: operations:");
			n = 0;
		}
		printf(" %s=%lu", op_name(op), atomic_load(&sh->calls[op]));
	}
	printf("\n");
	for (op = 0; op < n_ops(); op++) {
		int any = 0;

		for (e = 0; e < MAX_ERRNO; e++) {
			unsigned long k = atomic_load(&sh->errnos[op][e]);

			if (!k)
				continue;
			if (!any)
				printf("vmfuzz:   %-8s", op_name(op));
			any = 1;
			printf(" %s=%lu", outcome_name(op, e), k);
		}
		if (any)
			printf("\n");
	}
	printf("vmfuzz: programs: %lu generated, %lu mutated from the corpus (%u kept); %lu ioctls failed their n-th allocation (fail-nth); %lu exec tails\n",
	       atomic_load(&sh->progs_new), atomic_load(&sh->progs_mutated),
	       corpus_size(), atomic_load(&sh->nth_calls),
	       atomic_load(&sh->exec_tails));
	printf("vmfuzz: oracle: %lu outcomes judged, %lu wrong; %lu page pinning attempts on the window, %lu succeeded\n",
	       atomic_load(&sh->oracle_checked),
	       atomic_load(&sh->oracle_failed), atomic_load(&sh->pin_tried),
	       atomic_load(&sh->pin_escaped));
	if (sh->kcov)
		printf("vmfuzz: coverage: %lu PCs of flatvm.ko reached (%lu PCs outside it); %lu operations filled the KCOV buffer (%u PCs: the rest of them not seen)\n",
		       atomic_load(&sh->pcs), atomic_load(&sh->foreign_pcs),
		       atomic_load(&sh->kcov_full), COVER_WORDS - 1);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: vmfuzz [-t seconds] [-s seed] [-n ioctls] [-p workers] [-c max live processes] [-b block device] [-O]\n"
		"       vmfuzz -R -- COMMAND...\n");
}

int main(int argc, char **argv)
{
	unsigned long seconds = 120, seed = 1, forked;
	struct tree t = { 0 };
	struct sigaction sa = { 0 };
	struct flatvm_stats s;
	int passed = 0, failed = 0, clean = 1, opt, fd, i, n, left;
	pid_t self = getpid(), pid;
	double elapsed;
	char what[200];

	if (argc > 1 && !strcmp(argv[1], "-X"))
		return exec_tail(argc, argv);
	if (argc > 1 && !strcmp(argv[1], "-R")) {
		i = argc > 2 && !strcmp(argv[2], "--") ? 3 : 2;
		if (i >= argc) {
			usage();
			return 2;
		}
		return kcov_run_command(argv + i);
	}
	while ((opt = getopt(argc, argv, "t:s:n:p:c:b:O")) != -1) {
		switch (opt) {
		case 't':
			seconds = strtoul(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			max_ioctls = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			nworkers = atoi(optarg);
			if (nworkers < 1 || nworkers > MAX_WORKERS)
				nworkers = 4;
			break;
		case 'c':
			cap = atoi(optarg);
			break;
		case 'b':
			blkdev_path = optarg;
			break;
		case 'O':
			opt_oracle = 0;
			break;
		default:
			usage();
			return 2;
		}
	}
	if (cap <= nworkers) {
		fprintf(stderr, "vmfuzz: -c must exceed the %d workers\n",
			nworkers);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = open(FLATVM_DEVICE, O_RDWR);
	if (fd < 0 || stats(fd, &s)) {
		perror("vmfuzz: " FLATVM_DEVICE);
		return 1;
	}
	win_base = s.window_base;
	win_size = s.window_size;
	close(fd);
	orig_max_pages = param_read("max_pages");
	orig_max_user_pages = param_read("max_user_pages");
	orig_access_gid = (int)param_read("access_gid");
	orig_access_all = (int)param_read("access_all");
	noexec_device_setup();

	/* A memfd, so that an exec'd fuzzer child can map it again. */
	shm_fd = memfd_create("vmfuzz", 0);
	if (shm_fd < 0 || ftruncate(shm_fd, sizeof(*sh))) {
		perror("vmfuzz: memfd");
		return 1;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED,
		  shm_fd, 0);
	if (sh == MAP_FAILED)
		return 1;
	sh->main_pid = self;
	if (n_ops() > N_OPS_MAX)
		return 1;
	/* Orphans of the tree come to us, and we reap them. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1)) {
		perror("vmfuzz: PR_SET_CHILD_SUBREAPER");
		return 1;
	}
	printf("vmfuzz: seed %lu, %d workers, %lu s, at most %lu ioctls, at most %d live processes, %s, oracle %s\n",
	       seed, nworkers, seconds, max_ioctls, cap,
	       blkdev_path ? blkdev_path : "no block device",
	       opt_oracle ? "on" : "off");
	kcov_setup();
	trace_points_hold();

	t.start = now_s();
	t.deadline = t.start + seconds;
	t.next_progress = t.start + PROGRESS_PERIOD;
	for (i = 0; i < nworkers; i++) {
		t.status[i] = -1;
		reserve_process(cap);
		pid = fork();
		if (pid == 0) {
			sigset_t none;

			/* SIGTERM is the tree's kill: default and unblocked. */
			signal(SIGTERM, SIG_DFL);
			sigemptyset(&none);
			sigprocmask(SIG_SETMASK, &none, NULL);
			setpgid(0, i ? t.pgid : 0);
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			if (getppid() != self)
				_exit(1);
			_exit(worker_main(i, seed));
		}
		if (pid < 0) {
			perror("vmfuzz: fork");
			release_process();
			if (!i)
				return 1;
			nworkers = i;
			clean = 0;
			break;
		}
		setpgid(pid, i ? t.pgid : pid);
		if (!i)
			t.pgid = pid;
		t.pids[i] = pid;
		t.running++;
		atomic_store(&sh->pids[i], pid);
	}
	sa.sa_handler = stop_handler;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	if (!wait_tree(&t, t.deadline + WORKER_GRACE, 0, 0)) {
		printf("vmfuzz: workers still running %d s after the deadline\n",
		       WORKER_GRACE);
		clean = 0;
	}
	if (stop_signal) {
		printf("vmfuzz: signal %d: ended the run\n", (int)stop_signal);
		clean = 0;
	}
	elapsed = now_s() - t.start;
	atomic_store(&sh->stop, 1);
	left = !teardown(&t);
	params_restore();
	noexec_device_remove();
	trace_points_release();
	for (i = 0; i < nworkers; i++) {
		if (t.status[i] == -1 || !WIFEXITED(t.status[i]) ||
		    WEXITSTATUS(t.status[i])) {
			printf("vmfuzz: worker %d ended with status 0x%x\n", i,
			       t.status[i]);
			clean = 0;
		}
	}

	report(elapsed);
	forked = atomic_load(&sh->reserved) - atomic_load(&sh->fork_failed) -
		 nworkers;
	printf("vmfuzz: processes: cap %d, peak %d counted, %d seen in /proc (%lu counts, %.1f ms each); %lu children forked, %lu forks refused at the cap, %lu failed\n",
	       cap, atomic_load(&sh->live_peak), t.census_peak, t.samples,
	       t.samples ? 1e3 * t.census_s / t.samples : 0.0, forked,
	       atomic_load(&sh->fork_refused), atomic_load(&sh->fork_failed));
	printf("vmfuzz: processes ended by a signal other than SIGTERM:");
	for (i = 1, n = 0; i < 65; i++) {
		unsigned long k = atomic_load(&sh->killed_by[i]);

		if (k) {
			printf(" %s=%lu", sigabbrev_np(i) ? sigabbrev_np(i) : "?", k);
			n++;
		}
	}
	printf("%s\n", n ? "" : " none");
	kcov_dump();

	check(clean, "every worker ended normally", &passed, &failed);
	check(atomic_load(&sh->unexpected) == 0,
	      "every errno documented for its ioctl", &passed, &failed);
	snprintf(what, sizeof(what), "%lu ioctls made",
		 atomic_load(&sh->ioctls));
	check(atomic_load(&sh->ioctls) > 0, what, &passed, &failed);
	if (opt_oracle) {
		snprintf(what, sizeof(what),
			 "the oracle: %lu outcomes judged, %lu wrong",
			 atomic_load(&sh->oracle_checked),
			 atomic_load(&sh->oracle_failed));
		check(atomic_load(&sh->oracle_checked) > 0 &&
		      !atomic_load(&sh->oracle_failed), what, &passed,
		      &failed);
		snprintf(what, sizeof(what),
			 "no page pinned through the window (%lu attempts)",
			 atomic_load(&sh->pin_tried));
		check(!atomic_load(&sh->pin_escaped), what, &passed, &failed);
	}
	if (sh->kcov) {
		snprintf(what, sizeof(what),
			 "KCOV coverage collected: %lu PCs of flatvm.ko",
			 atomic_load(&sh->pcs));
		check(atomic_load(&sh->pcs) > 0, what, &passed, &failed);
	}
	snprintf(what, sizeof(what),
		 "at most %d live fuzzer processes (peak %d counted, %d seen in /proc)",
		 cap, atomic_load(&sh->live_peak), t.census_peak);
	check(t.samples > 0 && t.census_peak <= cap &&
	      atomic_load(&sh->live_peak) <= cap, what, &passed, &failed);
	snprintf(what, sizeof(what),
		 "every live fuzzer process counted (%lu of %lu counts short)",
		 t.unaccounted, t.samples);
	check(t.unaccounted == 0, what, &passed, &failed);
	snprintf(what, sizeof(what),
		 "no fuzzer process left after the run (%d still counted)",
		 atomic_load(&sh->live));
	check(!left && atomic_load(&sh->live) == 0, what, &passed, &failed);

	/* Process teardown may finish after wait(): poll for a while. */
	fd = open(FLATVM_DEVICE, O_RDWR);
	for (i = 0; i < 100; i++) {
		if (fd >= 0 && !stats(fd, &s) && !s.ranges && !s.pages &&
		    !s.holders && !s.extents && s.free_bytes == s.window_size)
			break;
		usleep(100000);
	}
	printf("vmfuzz: after exit: ranges=%llu extents=%llu holders=%llu pages=%llu processes=%llu free=%llu/%llu\n",
	       (unsigned long long)s.ranges, (unsigned long long)s.extents,
	       (unsigned long long)s.holders, (unsigned long long)s.pages,
	       (unsigned long long)s.processes,
	       (unsigned long long)s.free_bytes,
	       (unsigned long long)s.window_size);
	check(fd >= 0 && !s.ranges && !s.pages && !s.holders &&
	      s.free_bytes == s.window_size, "STATS back to zero", &passed,
	      &failed);
	if (fd >= 0)
		close(fd);
	printf("vmfuzz: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
