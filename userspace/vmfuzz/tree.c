// SPDX-License-Identifier: GPL-2.0
/*
 * vmfuzz: the process tree stays bounded for any run length.
 *
 *  - Every fuzzer process (the workers, and the children they fork, which
 *    fuzz and fork in turn) is counted in sh->live from the moment its
 *    parent reserves a place for it until it is reaped.  A fork that would
 *    take the count above the cap (-c, default 64) is refused and counted
 *    as such, never retried.
 *  - The forker reserves before fork() and the reaper (the parent, or main
 *    for an orphan) gives the place back after waitpid(), both with SIGTERM
 *    blocked.  SIGTERM is the only signal fuzzer processes send each other:
 *    left at its default action and unblocked, it is fatal at once, like
 *    SIGKILL (the kernel turns it into SIGKILL for the whole process, even
 *    in the middle of an ioctl), but it cannot fall between a reap and the
 *    count's update, so the count stays exact.  The helper thread (prog.c)
 *    is created with SIGTERM blocked and keeps it so: a process-wide
 *    signal would otherwise kill the process through it while the main
 *    thread holds kills.  Any other fatal signal could still end a process
 *    between two steps of the count: the reapers count such deaths by
 *    signal (main prints them), and a fault of the fuzzer itself prints
 *    where it happened (touch_handler()).
 *  - Every process kills (SIGTERM) and reaps its children before it exits.
 *    One that dies first takes them along: each child asks for SIGTERM on
 *    its parent's death (PR_SET_PDEATHSIG), and main is the tree's child
 *    subreaper, so orphans come to main, which reaps them.
 *  - main.c counts the group's members in /proc, independently of
 *    sh->live, and kills the whole group at the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmfuzz.h"

int cap = DEFAULT_CAP;

/* SIGTERM held off around a step of the count, so a kill cannot split it. */
void hold_kills(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, old);
}

void allow_kills(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}

/* A place for one more process, or 0 at the cap.  Call with kills held. */
int reserve_process(int limit)
{
	int n = atomic_load(&sh->live), peak;

	do {
		if (n >= limit) {
			atomic_fetch_add(&sh->fork_refused, 1);
			return 0;
		}
	} while (!atomic_compare_exchange_weak(&sh->live, &n, n + 1));
	atomic_fetch_add(&sh->reserved, 1);
	peak = atomic_load(&sh->live_peak);
	while (peak < n + 1 &&
	       !atomic_compare_exchange_weak(&sh->live_peak, &peak, n + 1))
		;
	return 1;
}

/* A reaped process gives its place back.  Call with kills held. */
void release_process(void)
{
	atomic_fetch_sub(&sh->live, 1);
}

/*
 * How a reaped process ended: SIGTERM is the tree's own kill; any other
 * signal (a fault outside a touch, the OOM killer) is counted, as it could
 * end a process in the middle of a step of the count.
 */
void note_end(int killed, int sig)
{
	if (killed && sig != SIGTERM && sig > 0 && sig < 65)
		atomic_fetch_add(&sh->killed_by[sig], 1);
}

/*
 * Reap the child in @slot if it has ended (or, with @block, once it has):
 * the wait itself is killable, the reap and the count are not split.
 */
static void reap_child(struct proc *p, int slot, int block)
{
	pid_t pid = p->children[slot];
	siginfo_t si;
	sigset_t old;

	if (pid <= 0)
		return;
	memset(&si, 0, sizeof(si));
	while (waitid(P_PID, pid, &si,
		      WEXITED | WNOWAIT | (block ? 0 : WNOHANG)) < 0) {
		if (errno != EINTR) {	/* not ours: never happens */
			p->children[slot] = 0;
			return;
		}
	}
	if (si.si_pid != pid)
		return;
	hold_kills(&old);
	if (waitpid(pid, NULL, WNOHANG) == pid) {
		release_process();
		note_end(si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED,
			 si.si_status);
		p->children[slot] = 0;
	}
	allow_kills(&old);
}

void reap(struct proc *p, int block)
{
	int i;

	for (i = 0; i < MAX_CHILDREN; i++)
		reap_child(p, i, block);
}

void kill_child(struct proc *p, int slot)
{
	if (p->children[slot] <= 0)
		return;
	kill(p->children[slot], SIGTERM);
	reap_child(p, slot, 1);
}

/* How every fuzzer process ends: its children killed and reaped first. */
void end_children(struct proc *p)
{
	int i;

	for (i = 0; i < MAX_CHILDREN; i++)
		kill_child(p, i);
}

/*
 * Fork a child into @slot (killing whatever was there): the child's pid in
 * the parent, 0 in the child, -1 when refused at the cap or failed.  The
 * child dies with its parent.
 */
pid_t tree_fork(struct proc *p, int slot, int limit)
{
	pid_t parent = getpid(), pid;
	sigset_t old;

	reap(p, 0);
	if (p->children[slot] > 0)
		kill_child(p, slot);
	hold_kills(&old);
	if (!reserve_process(limit)) {
		allow_kills(&old);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		/* Dies with its parent; if that already happened, go now. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(0);
		allow_kills(&old);
		return 0;
	}
	if (pid > 0) {
		p->children[slot] = pid;
	} else {
		release_process();
		atomic_fetch_add(&sh->fork_failed, 1);
	}
	allow_kills(&old);
	return pid > 0 ? pid : -1;
}
