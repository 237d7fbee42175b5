// SPDX-License-Identifier: GPL-2.0
/*
 * vmfuzz: programs, the corpus and the fuzzing loop, as syzkaller does it.
 *
 * A program is a short sequence of calls (ioctls of the table, actions).
 * Each process loops: take a program from the corpus and mutate it (change
 * a call's field, span or argument frame; insert, remove, duplicate or swap
 * calls; splice in the tail of another corpus program), or generate a new
 * one; run it; if a call reached PCs of flatvm.ko no process had reached
 * before, the program up to that call joins the corpus.
 *
 * The corpus lives in the shared area, so what one process finds the
 * others replay and mutate: a fixed array of slots, filled in order and
 * then replaced at random, each guarded by a sequence count (odd while
 * written; a reader that sees it change drops its copy).  Calls name
 * ranges and pidfds by slot, so a program replays against whatever the
 * replaying process holds.
 *
 * The helper thread runs one program at a time beside the main thread of
 * its process (the "thread" action posts it): faults, RELEASE, munmap and
 * ioctls of two threads of one mm race.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmfuzz.h"

__thread struct thread_ctx *tctx;

unsigned int corpus_size(void)
{
	unsigned int n = atomic_load(&sh->corpus_added);

	return n < CORPUS_SLOTS ? n : CORPUS_SLOTS;
}

static void corpus_add(uint64_t *rng, const struct prog *pr)
{
	unsigned int i = atomic_fetch_add(&sh->corpus_added, 1), seq;
	struct corpus_slot *s;

	if (i >= CORPUS_SLOTS)
		i = below(rng, CORPUS_SLOTS);
	s = &sh->corpus[i];
	seq = atomic_load(&s->seq);
	if ((seq & 1) || !atomic_compare_exchange_strong(&s->seq, &seq,
							 seq + 1))
		return;		/* someone else is writing it */
	memcpy(&s->prog, pr, sizeof(*pr));
	atomic_store(&s->seq, seq + 2);
}

/* A copy of a corpus program: 0, or -1 when none could be read. */
static int corpus_get(uint64_t *rng, struct prog *out)
{
	unsigned int n = corpus_size(), seq, i;
	struct corpus_slot *s;

	if (!n)
		return -1;
	s = &sh->corpus[below(rng, n)];
	seq = atomic_load(&s->seq);
	if (!seq || (seq & 1))
		return -1;
	memcpy(out, &s->prog, sizeof(*out));
	atomic_thread_fence(memory_order_acquire);
	if (atomic_load(&s->seq) != seq)
		return -1;
	if (!out->ncalls || out->ncalls > MAX_CALLS)
		return -1;
	for (i = 0; i < out->ncalls; i++)
		if (out->calls[i].op >= n_ops())
			return -1;
	return 0;
}

static void prog_gen(struct proc *p, uint64_t *rng, struct prog *pr)
{
	unsigned int i;

	pr->ncalls = 1 + below(rng, MAX_CALLS);
	pr->gen = 0;
	for (i = 0; i < pr->ncalls; i++)
		call_gen(p, rng, &pr->calls[i], op_pick(rng));
}

static void prog_mutate(struct proc *p, uint64_t *rng, struct prog *pr)
{
	unsigned int n = 1 + below(rng, 3), i, j, cut;
	struct prog other;
	struct call tmp;

	pr->gen++;
	while (n--) {
		switch (below(rng, 8)) {
		case 0:
		case 1:
		case 2:
			call_mutate(p, rng, &pr->calls[below(rng, pr->ncalls)]);
			break;
		case 3:		/* insert a fresh call */
			if (pr->ncalls == MAX_CALLS)
				break;
			i = below(rng, pr->ncalls + 1);
			memmove(&pr->calls[i + 1], &pr->calls[i],
				(pr->ncalls - i) * sizeof(pr->calls[0]));
			call_gen(p, rng, &pr->calls[i], op_pick(rng));
			pr->ncalls++;
			break;
		case 4:		/* remove one */
			if (pr->ncalls < 2)
				break;
			i = below(rng, pr->ncalls);
			memmove(&pr->calls[i], &pr->calls[i + 1],
				(pr->ncalls - i - 1) * sizeof(pr->calls[0]));
			pr->ncalls--;
			break;
		case 5:		/* splice another program's tail */
			if (corpus_get(rng, &other))
				break;
			cut = below(rng, pr->ncalls + 1);
			j = below(rng, other.ncalls);
			for (; j < other.ncalls && cut < MAX_CALLS; j++)
				pr->calls[cut++] = other.calls[j];
			pr->ncalls = cut ? cut : 1;
			break;
		case 6:		/* repeat one */
			if (pr->ncalls == MAX_CALLS)
				break;
			i = below(rng, pr->ncalls);
			memmove(&pr->calls[i + 1], &pr->calls[i],
				(pr->ncalls - i) * sizeof(pr->calls[0]));
			pr->ncalls++;
			break;
		default:	/* swap two */
			i = below(rng, pr->ncalls);
			j = below(rng, pr->ncalls);
			tmp = pr->calls[i];
			pr->calls[i] = pr->calls[j];
			pr->calls[j] = tmp;
			break;
		}
	}
}

/* A program to run: mostly from the corpus, mutated; else a new one. */
static void prog_next(struct proc *p, uint64_t *rng, struct prog *pr)
{
	if (chance(rng, 75) && !corpus_get(rng, pr)) {
		prog_mutate(p, rng, pr);
		atomic_fetch_add(&sh->progs_mutated, 1);
	} else {
		prog_gen(p, rng, pr);
		atomic_fetch_add(&sh->progs_new, 1);
	}
}

/*
 * Run a program on the calling thread; keep it (up to its last call that
 * reached new PCs) in the corpus.  @budget: the process's operations left
 * (children), or NULL.
 */
static void prog_run(struct proc *p, uint64_t *rng, struct prog *pr,
		     unsigned long *budget)
{
	unsigned int i, keep = 0;
	struct call *c;
	int fresh;

	for (i = 0; i < pr->ncalls && !atomic_load(&sh->stop); i++) {
		c = &pr->calls[i];
		if (c->op < n_ioctls) {
			fresh = call_run(p, c);
		} else {
			const struct action_desc *a = &actions[c->op - n_ioctls];

			if ((a->flags & ACT_MAIN) && tctx->is_helper)
				continue;
			fresh = a->run(p, c);
		}
		if (fresh)
			keep = i + 1;
		if (budget && *budget && !--*budget)
			break;
	}
	if (keep) {
		pr->ncalls = keep;
		corpus_add(rng, pr);
	}
}

/* The process's loop, until the run stops (or, for a child, its budget). */
void fuzz_loop(struct proc *p)
{
	unsigned long *budget = p->is_child ? &p->budget : NULL;
	struct prog pr;

	while (!atomic_load(&sh->stop) && (!budget || *budget)) {
		prog_next(p, &p->rng, &pr);
		prog_run(p, &p->rng, &pr, budget);
	}
}

static void *helper_main(void *arg)
{
	struct helper *h = arg;
	sigset_t term;

	/*
	 * SIGTERM goes to the main thread only: a kill must not end the
	 * process here while the main thread has kills held (tree.c).
	 */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &term, NULL);
	tctx = &h->tc;
	thread_init(&h->tc, 1);
	pthread_mutex_lock(&h->lock);
	for (;;) {
		while (h->state == HS_IDLE)
			pthread_cond_wait(&h->cond, &h->lock);
		if (h->state == HS_QUIT)
			break;
		pthread_mutex_unlock(&h->lock);
		prog_run(h->p, &h->rng, &h->prog, NULL);
		pthread_mutex_lock(&h->lock);
		if (h->state == HS_RUN)
			h->state = HS_IDLE;
		atomic_store(&h->p->helper_busy, 0);
	}
	pthread_mutex_unlock(&h->lock);
	thread_exit(&h->tc);
	return NULL;
}

/* Have the helper thread (started on first use) run a program now. */
void helper_post(struct proc *p, uint64_t *rng)
{
	struct helper *h = p->helper;
	sigset_t old;
	int err;

	if (!h) {
		h = calloc(1, sizeof(*h));
		if (!h)
			return;
		pthread_mutex_init(&h->lock, NULL);
		pthread_cond_init(&h->cond, NULL);
		h->p = p;
		h->rng = rnd(rng) | 1;
		h->state = HS_IDLE;
		/*
		 * The thread starts with SIGTERM blocked (helper_main keeps
		 * it so): unblocked there for even a moment, a kill would end
		 * the process while this thread has kills held (tree.c).
		 */
		hold_kills(&old);
		err = pthread_create(&h->thread, NULL, helper_main, h);
		allow_kills(&old);
		if (err) {
			free(h);
			return;
		}
		p->helper = h;
	}
	pthread_mutex_lock(&h->lock);
	if (h->state == HS_IDLE) {
		prog_next(p, rng, &h->prog);
		h->state = HS_RUN;
		atomic_store(&p->helper_busy, 1);
		pthread_cond_signal(&h->cond);
	}
	pthread_mutex_unlock(&h->lock);
}

/* Before the process ends: let the helper finish and join it. */
void helper_stop(struct proc *p)
{
	struct helper *h = p->helper;

	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	h->state = HS_QUIT;
	pthread_cond_signal(&h->cond);
	pthread_mutex_unlock(&h->lock);
	pthread_join(h->thread, NULL);
	p->helper = NULL;
	free(h);
}
