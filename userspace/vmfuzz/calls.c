// SPDX-License-Identifier: GPL-2.0
/*
 * vmfuzz: the ioctls of include/uapi/linux/flatvm.h, as a table.
 *
 * Each ioctl is one entry: its request, its argument's fields (what kind of
 * value each holds: size, flags, rights, pidfd, span, ...), the errnos the
 * header documents for it, and what a result means for the caller's state
 * (done).  Generation and mutation work on the field kinds only, so a new
 * ioctl needs one entry here and nothing else.
 *
 * A call keeps, per field, how its value is made (a raw value, the call's
 * span, a pidfd slot...); the span and the pidfds are resolved when the
 * call runs, against the process's state then.  Arguments go usually to a
 * good buffer (the struct, then zeroes up to the next page, which is
 * PROT_NONE), sometimes to NULL, a kernel address, the PROT_NONE page or
 * straddling into it, with a size field that is exact, short, long (with
 * a zero or non-zero tail), a page, or anything.  Some calls fail the n-th
 * allocation the kernel makes for them (/proc/thread-self/fail-nth).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmfuzz.h"

/* ---- what a result means ------------------------------------------------ */

static void alloc_done(struct proc *p, const struct call *c,
		       const struct call_result *r)
{
	const struct flatvm_alloc *a = r->arg;
	uint32_t flags = R_OWN;

	(void)c;
	if (r->ret)
		return;
	if (a->flags & FLATVM_ALLOC_LAZY)
		flags |= R_LAZY;
	/*
	 * Exact only if no grant of this process overlapped the call, and
	 * the process never unmapped any of its window.
	 */
	if (r->stable && !p->holed)
		flags |= R_EXACT;
	proc_add_range(p, a->addr, a->len, a->rights, flags);
	if (chance(&p->rng, 60))
		proc_post(p, &p->rng, a->addr, a->len);
}

static void attach_done(struct proc *p, const struct call *c,
			const struct call_result *r)
{
	const struct flatvm_attach *a = r->arg;

	if (!r->ret && c->span.how == S_POSTED)
		proc_add_range(p, a->addr, a->len, a->rights, 0);
}

static void release_done(struct proc *p, const struct call *c,
			 const struct call_result *r)
{
	(void)c;
	/* On error nothing changed (uapi): the exact ranges stay so. */
	if (!r->ret)
		proc_unexact(p, r->saddr, r->slen);
}

/* QUERY of a page of an exact range: the header says what it must say. */
static void query_done(struct proc *p, const struct call *c,
		       const struct call_result *r)
{
	const struct flatvm_query *q = r->arg;
	uint64_t page = q->addr & ~(PG - 1);
	struct range e;

	(void)c;
	if (!opt_oracle || !r->stable || !proc_exact_at(p, page, &e))
		return;
	if (r->ret && r->err != ENOENT)
		return;		/* the argument was bad, not the page */
	atomic_fetch_add(&sh->oracle_checked, 1);
	if (r->ret) {
		oracle_fail("QUERY 0x%llx in own range 0x%llx+0x%llx: ENOENT",
			    (unsigned long long)page,
			    (unsigned long long)e.addr,
			    (unsigned long long)e.len);
		return;
	}
	if (q->rights != e.rights || q->nholders != 1 ||
	    q->range_start != e.addr || q->range_len != e.len ||
	    !(q->oflags & FLATVM_QUERY_MAPPED))
		oracle_fail("QUERY 0x%llx in own range 0x%llx+0x%llx rights %u: got rights %u holders %u piece 0x%llx+0x%llx oflags %u",
			    (unsigned long long)page,
			    (unsigned long long)e.addr,
			    (unsigned long long)e.len, e.rights, q->rights,
			    q->nholders, (unsigned long long)q->range_start,
			    (unsigned long long)q->range_len, q->oflags);
}

static void stats_done(struct proc *p, const struct call *c,
		       const struct call_result *r)
{
	const struct flatvm_stats *s = r->arg;

	(void)p;
	(void)c;
	if (r->ret || !opt_oracle)
		return;
	atomic_fetch_add(&sh->oracle_checked, 1);
	if (s->window_base != win_base || s->window_size != win_size ||
	    s->free_bytes > s->window_size ||
	    s->largest_free > s->free_bytes)
		oracle_fail("STATS window 0x%llx+0x%llx free %llu largest %llu",
			    (unsigned long long)s->window_base,
			    (unsigned long long)s->window_size,
			    (unsigned long long)s->free_bytes,
			    (unsigned long long)s->largest_free);
}

/* ---- the table ---------------------------------------------------------- */

/*
 * The security model (FLATVM_IOC_ACCEPT, per-user quotas with their own
 * errnos, owner-only REVOKE) is in the header or not yet: the table follows
 * the header it is built with.
 */
#ifdef FLATVM_IOC_ACCEPT
#define QUOTA_ERRNOS	EFBIG, EMFILE, EMLINK,
#define GRANT_ERRNOS	EPERM, EMLINK, ERANGE,
#define CUT_ERRNOS	EMLINK,
#else
#define QUOTA_ERRNOS
#define GRANT_ERRNOS
#define CUT_ERRNOS
#endif

static const struct field alloc_fields[] = {
	FIELD(struct flatvm_alloc, size, F_SIZE, 0),
	FIELD(struct flatvm_alloc, flags, F_FLAGS, FLATVM_ALLOC_LAZY),
	FIELD(struct flatvm_alloc, len, F_LEN, 0),
	FIELD(struct flatvm_alloc, align, F_ALIGN, 0),
	FIELD(struct flatvm_alloc, rights, F_RIGHTS, 0),
	FIELD(struct flatvm_alloc, pad, F_PAD, 0),
	FIELD(struct flatvm_alloc, addr, F_OUT, 0),
	{ 0 }
};
static const int alloc_errnos[] = {
	ENOSPC, EDQUOT, ENOBUFS, ENOMEM, EEXIST, EACCES, QUOTA_ERRNOS 0
};

static const struct field grant_fields[] = {
	FIELD(struct flatvm_grant, size, F_SIZE, 0),
	FIELD(struct flatvm_grant, flags, F_FLAGS, 0),
	FIELD(struct flatvm_grant, pidfd, F_PIDFD, 0),
	FIELD(struct flatvm_grant, rights, F_RIGHTS, 0),
	FIELD(struct flatvm_grant, addr, F_SPAN_ADDR, 0),
	FIELD(struct flatvm_grant, len, F_SPAN_LEN, 0),
	{ 0 }
};
static const int grant_errnos[] = {
	EBADF, ESRCH, ENOENT, EACCES, EEXIST, ENOMEM, GRANT_ERRNOS 0
};

static const struct field attach_fields[] = {
	FIELD(struct flatvm_attach, size, F_SIZE, 0),
	FIELD(struct flatvm_attach, flags, F_FLAGS, 0),
	FIELD(struct flatvm_attach, addr, F_SPAN_ADDR, 0),
	FIELD(struct flatvm_attach, len, F_SPAN_LEN, 0),
	FIELD(struct flatvm_attach, rights, F_RIGHTS, 0),
	FIELD(struct flatvm_attach, pad, F_PAD, 0),
	{ 0 }
};
static const int attach_errnos[] = { EACCES, EEXIST, ENOMEM, 0 };

static const struct field release_fields[] = {
	FIELD(struct flatvm_release, size, F_SIZE, 0),
	FIELD(struct flatvm_release, flags, F_FLAGS, 0),
	FIELD(struct flatvm_release, addr, F_SPAN_ADDR, 0),
	FIELD(struct flatvm_release, len, F_SPAN_LEN, 0),
	{ 0 }
};
static const int release_errnos[] = {
	ENOENT, ENOMEM, EINTR, CUT_ERRNOS 0
};

static const struct field revoke_fields[] = {
	FIELD(struct flatvm_revoke, size, F_SIZE, 0),
	FIELD(struct flatvm_revoke, flags, F_FLAGS, 0),
	FIELD(struct flatvm_revoke, pidfd, F_PIDFD, 0),
	FIELD(struct flatvm_revoke, pad, F_PAD, 0),
	FIELD(struct flatvm_revoke, addr, F_SPAN_ADDR, 0),
	FIELD(struct flatvm_revoke, len, F_SPAN_LEN, 0),
	{ 0 }
};
static const int revoke_errnos[] = {
	EBADF, ESRCH, EPERM, ENOENT, ENOMEM, EINTR, CUT_ERRNOS 0
};

static const struct field query_fields[] = {
	FIELD(struct flatvm_query, size, F_SIZE, 0),
	FIELD(struct flatvm_query, flags, F_FLAGS, 0),
	FIELD(struct flatvm_query, addr, F_ADDR, 0),
	FIELD(struct flatvm_query, range_id, F_OUT, 0),
	FIELD(struct flatvm_query, rights, F_OUT, 0),
	FIELD(struct flatvm_query, pad, F_OUT, 0),
	{ 0 }
};
static const int query_errnos[] = { ENOENT, 0 };

static const struct field stats_fields[] = {
	FIELD(struct flatvm_stats, size, F_SIZE, 0),
	FIELD(struct flatvm_stats, flags, F_FLAGS, 0),
	FIELD(struct flatvm_stats, pages, F_OUT, 0),
	{ 0 }
};
static const int stats_errnos[] = { 0 };

#ifdef FLATVM_IOC_ACCEPT
static const struct field accept_fields[] = {
	FIELD(struct flatvm_accept, size, F_SIZE, 0),
	FIELD(struct flatvm_accept, flags, F_FLAGS, 0),
	FIELD(struct flatvm_accept, from, F_CHOICE, FLATVM_ACCEPT_ANY),
	FIELD(struct flatvm_accept, previous, F_OUT, 0),
	{ 0 }
};
static const int accept_errnos[] = { ENOMEM, EINTR, 0 };
#endif

const struct ioctl_desc ioctls[] = {
	{ "alloc", FLATVM_IOC_ALLOC, sizeof(struct flatvm_alloc), 14, IOF_GEN,
	  alloc_fields, alloc_errnos, alloc_done },
	{ "grant", FLATVM_IOC_GRANT, sizeof(struct flatvm_grant), 10,
	  IOF_GEN | IOF_UNEXACT, grant_fields, grant_errnos, NULL },
	{ "attach", FLATVM_IOC_ATTACH, sizeof(struct flatvm_attach), 9, 0,
	  attach_fields, attach_errnos, attach_done },
	{ "release", FLATVM_IOC_RELEASE, sizeof(struct flatvm_release), 10,
	  IOF_GEN, release_fields, release_errnos, release_done },
	{ "revoke", FLATVM_IOC_REVOKE, sizeof(struct flatvm_revoke), 6, 0,
	  revoke_fields, revoke_errnos, NULL },
	{ "query", FLATVM_IOC_QUERY, sizeof(struct flatvm_query), 6, 0,
	  query_fields, query_errnos, query_done },
	{ "stats", FLATVM_IOC_STATS, sizeof(struct flatvm_stats), 2, 0,
	  stats_fields, stats_errnos, stats_done },
#ifdef FLATVM_IOC_ACCEPT
	{ "accept", FLATVM_IOC_ACCEPT, sizeof(struct flatvm_accept), 3, 0,
	  accept_fields, accept_errnos, NULL },
#endif
};
const unsigned int n_ioctls = sizeof(ioctls) / sizeof(ioctls[0]);

const char *op_name(unsigned int op)
{
	if (op < n_ioctls)
		return ioctls[op].name;
	if (op < n_ops())
		return actions[op - n_ioctls].name;
	return "?";
}

/* ---- errnos ------------------------------------------------------------- */

/* The errnos the uapi header documents for @op (an ioctl). */
int errno_documented(unsigned int op, int e)
{
	const int *p;

	if (e == EINVAL || e == E2BIG || e == EFAULT)
		return 1;
	for (p = ioctls[op].errnos; *p; p++)
		if (*p == e)
			return 1;
	return 0;
}

/* Count an operation; for an ioctl (@err >= 0 checked) its errno too. */
void record(unsigned int op, int ret, int err)
{
	int e = ret < 0 ? err : 0;

	atomic_fetch_add(&sh->calls[op], 1);
	atomic_fetch_add(&sh->total, 1);
	if (e >= 0 && e < MAX_ERRNO)
		atomic_fetch_add(&sh->errnos[op][e], 1);
}

static void record_ioctl(unsigned int op, int ret, int err)
{
	record(op, ret, err);
	atomic_fetch_add(&sh->ioctls, 1);
	if (ret < 0 && !errno_documented(op, err) &&
	    atomic_fetch_add(&sh->unexpected, 1) < 10)
		printf("vmfuzz: %s: undocumented errno %d (%s)\n",
		       ioctls[op].name, err, strerror(err));
}

/* ---- generation --------------------------------------------------------- */

static uint64_t gen_len(uint64_t *rng)
{
	switch (below(rng, 10)) {
	case 0:
		return 0;
	case 1:
		return 1 + below(rng, 3 * PG);
	case 2:
		return (1ULL << (30 + below(rng, 34))) & ~(PG - 1);
	case 3:
		return ~0ULL - below(rng, 2) * (PG - 1);
	case 4:
		return (1 + below(rng, 512)) * PG;
	default:
		return (1 + below(rng, 16)) * PG;
	}
}

static uint64_t gen_rights(uint64_t *rng)
{
	static const uint32_t valid[] = { 1, 3, 5, 7 };

	if (chance(rng, 85))
		return valid[below(rng, 4)];
	return (uint32_t)rnd(rng) & (chance(rng, 60) ? 7 : ~0u);
}

static uint64_t gen_flags(uint64_t *rng, uint64_t known)
{
	if (chance(rng, 88))
		return chance(rng, 30) ? known : 0;
	if (chance(rng, 50))
		return known | (1ULL << below(rng, 32));
	return (uint32_t)rnd(rng);
}

static void gen_pidfd(uint64_t *rng, uint8_t *how, uint64_t *val)
{
	unsigned int r = below(rng, 100);

	*val = rnd(rng);
	if (r < 78) {
		*how = H_PIDSLOT;
	} else if (r < 85) {
		*how = H_DEVFD;
	} else if (r < 90) {
		*how = H_ANONFD;
	} else {
		*how = H_RAW;
		*val = chance(rng, 50) ? (uint64_t)-1 : 900 + below(rng, 20);
	}
}

/* One field's value (and how it is made), fresh. */
static void gen_field(uint64_t *rng, const struct field *f, uint8_t *how,
		      uint64_t *val)
{
	*how = H_RAW;
	*val = 0;
	switch (f->kind) {
	case F_SIZE:
		break;
	case F_FLAGS:
		*val = gen_flags(rng, f->known);
		break;
	case F_RIGHTS:
		*val = gen_rights(rng);
		break;
	case F_PIDFD:
		gen_pidfd(rng, how, val);
		break;
	case F_SPAN_ADDR:
		*how = H_SPAN;
		break;
	case F_SPAN_LEN:
		if (chance(rng, 92))
			*how = H_SPAN;
		else
			*val = gen_len(rng);
		break;
	case F_ADDR:
		*how = H_SPAN;
		*val = chance(rng, 20) ? below(rng, PG) : 0;
		break;
	case F_LEN:
		*val = chance(rng, 85) ? (1 + below(rng, 16)) * PG :
					 gen_len(rng);
		break;
	case F_ALIGN:
		if (chance(rng, 80))
			*val = 0;
		else if (chance(rng, 80))
			*val = PG << below(rng, 20);
		else
			*val = rnd(rng);
		break;
	case F_CHOICE:
		*val = chance(rng, 90) ? below(rng, f->known + 1) : rnd(rng);
		break;
	case F_PAD:
		*val = chance(rng, 96) ? 0 : rnd(rng) | 1;
		break;
	case F_OUT:
		*val = chance(rng, 95) ? 0 : rnd(rng);
		break;
	default:
		*val = chance(rng, 50) ? below(rng, 4) : rnd(rng);
		break;
	}
}

static void gen_frame(uint64_t *rng, struct call *c)
{
	c->ptr = chance(rng, 95) ? P_GOOD : 1 + below(rng, P_NHOW - 1);
	c->sizemode = chance(rng, 92) ? 0 : 1 + below(rng, 6);
	c->sizeraw = (uint32_t)rnd(rng);
	c->nth = chance(rng, 6) ? 1 + below(rng, 12) : 0;
}

/* A fresh call of @op. */
void call_gen(struct proc *p, uint64_t *rng, struct call *c, unsigned int op)
{
	const struct field *f;
	int i;

	memset(c, 0, sizeof(*c));
	c->op = op;
	span_gen(p, rng, &c->span);
	if (op >= n_ioctls) {		/* an action: raw parameters */
		for (i = 0; i < MAX_FIELDS; i++)
			c->val[i] = rnd(rng);
		return;
	}
	gen_frame(rng, c);
	for (i = 0, f = ioctls[op].fields; f->name && i < MAX_FIELDS; i++, f++)
		gen_field(rng, f, &c->how[i], &c->val[i]);
}

/* An operation, by the weights of the two tables. */
unsigned int op_pick(uint64_t *rng)
{
	unsigned int total = 0, op, w;
	uint64_t r;

	for (op = 0; op < n_ops(); op++)
		total += op < n_ioctls ? ioctls[op].weight :
			 actions[op - n_ioctls].weight;
	r = below(rng, total);
	for (op = 0; op < n_ops(); op++) {
		w = op < n_ioctls ? ioctls[op].weight :
		    actions[op - n_ioctls].weight;
		if (r < w)
			return op;
		r -= w;
	}
	return 0;
}

/* Change one thing of a call: a field, its span, or how it is passed. */
void call_mutate(struct proc *p, uint64_t *rng, struct call *c)
{
	const struct field *fields;
	int n = 0, i;

	(void)p;
	if (c->op >= n_ioctls) {
		if (chance(rng, 50)) {
			span_mutate(rng, &c->span);
		} else {
			i = below(rng, MAX_FIELDS);
			c->val[i] = chance(rng, 50) ? rnd(rng) :
				    c->val[i] ^ (1ULL << below(rng, 8));
		}
		return;
	}
	fields = ioctls[c->op].fields;
	while (fields[n].name && n < MAX_FIELDS)
		n++;
	switch (below(rng, 6)) {
	case 0:
		gen_frame(rng, c);
		break;
	case 1:
	case 2:
		span_mutate(rng, &c->span);
		break;
	default:
		i = below(rng, n);
		if (c->how[i] == H_RAW && fields[i].kind != F_SIZE &&
		    chance(rng, 40))
			c->val[i] ^= 1ULL << below(rng, 64);
		else
			gen_field(rng, &fields[i], &c->how[i], &c->val[i]);
		break;
	}
}

/* ---- running a call ------------------------------------------------------ */

static void put_field(unsigned char *buf, const struct field *f, uint64_t v)
{
	uint32_t v32 = (uint32_t)v;

	if (f->size == 8)
		memcpy(buf + f->off, &v, 8);
	else
		memcpy(buf + f->off, &v32, 4);
}

/* The size field's value for the call's size mode. */
static uint32_t size_value(const struct call *c, uint32_t size)
{
	switch (c->sizemode) {
	case 1:
		return 0;
	case 2:
		return size - 8;
	case 3:
	case 4:
		return size + 8;
	case 5:
		return PG;
	case 6:
		return c->sizeraw;
	default:
		return size;
	}
}

/* Fail the nth allocation of the next call (0: stop failing). */
void fail_nth_set(unsigned int nth)
{
	char buf[16];
	int n;

	n = snprintf(buf, sizeof(buf), "%u", nth);
	if (pwrite(tctx->nthfd, buf, n, 0) < 0 && nth)
		tctx->nthfd = -1;	/* not in this kernel */
}

/*
 * Run an ioctl call: build its argument from the process's state, place
 * it, call, count, and let the table's done() update the state.  Returns
 * how many new PCs of flatvm.ko it reached.
 */
int call_run(struct proc *p, struct call *c)
{
	const struct ioctl_desc *d = &ioctls[c->op];
	unsigned char *good, *ptr, local[256] = { 0 };
	const struct field *f;
	struct call_result r = { 0 };
	uint64_t saddr, slen, v;
	unsigned int size = d->size;
	struct stamp st;
	int i, fresh;

	pthread_mutex_lock(&p->lock);
	proc_resolve_span(p, &c->span, &saddr, &slen);
	for (i = 0, f = d->fields; f->name && i < MAX_FIELDS; i++, f++) {
		switch (c->how[i]) {
		case H_SPAN:
			if (f->kind == F_SPAN_LEN)
				v = slen;
			else
				v = saddr + c->val[i];
			break;
		case H_PIDSLOT:
			v = (uint64_t)(int64_t)proc_pidfd(p, c->val[i]);
			break;
		case H_DEVFD:
			v = p->fd;
			break;
		case H_ANONFD:
			v = p->evfd;
			break;
		default:
			v = c->val[i];
			break;
		}
		if (f->kind == F_SIZE)
			v = size_value(c, size);
		/*
		 * The span the kernel acts on is what the fields say: a
		 * length field may be raw, longer than the resolved span,
		 * and reach the process's next ranges.
		 */
		if (f->kind == F_SPAN_ADDR)
			saddr = v;
		else if (f->kind == F_SPAN_LEN)
			slen = v;
		put_field(local, f, v);
	}
	if (d->flags & IOF_UNEXACT)
		proc_unexact(p, saddr, slen);
	if (d->flags & IOF_GEN)
		change_begin(p, &st);
	else
		stamp_take(p, &st);
	pthread_mutex_unlock(&p->lock);

	/* The good place: the struct, then zeroes up to the PROT_NONE page. */
	if (c->sizemode == 5)
		good = tctx->argbuf + PG;
	else
		good = tctx->argbuf + 2 * PG - 256;
	memset(good, 0, tctx->nonepage - good);
	memcpy(good, local, size);
	if (c->sizemode == 4)
		good[size + 3] = 1;
	switch (c->ptr) {
	case P_NULL:
		ptr = NULL;
		break;
	case P_KERNEL:
		ptr = (unsigned char *)0xffff888000000000ULL;
		break;
	case P_NONE:
		ptr = tctx->nonepage;
		break;
	case P_STRADDLE:
		ptr = tctx->nonepage - size / 2;
		memcpy(ptr, local, size / 2);
		break;
	case P_RDONLY:	/* read, but the answer cannot be written back */
		ptr = tctx->argro ? tctx->argro + (good - tctx->argbuf) : good;
		break;
	default:
		ptr = good;
		break;
	}

	if (c->nth && tctx->nthfd >= 0) {
		fail_nth_set(c->nth);
		atomic_fetch_add(&sh->nth_calls, 1);
	}
	kcov_reset(&tctx->kc);
	r.ret = ioctl(p->fd, d->cmd, ptr);
	r.err = r.ret < 0 ? errno : 0;
	fresh = kcov_collect(&tctx->kc);
	if (c->nth && tctx->nthfd >= 0)
		fail_nth_set(0);
	record_ioctl(c->op, r.ret, r.err);

	r.arg = good;
	r.saddr = saddr;
	r.slen = slen;
	pthread_mutex_lock(&p->lock);
	/* Stable: no other change of the holds overlapped this call. */
	if (d->flags & IOF_GEN)
		r.stable = change_end(p, &st);
	else
		r.stable = stamp_stable(p, &st);
	if (d->done && (ptr == good || c->ptr == P_RDONLY || r.ret))
		d->done(p, c, &r);
	pthread_mutex_unlock(&p->lock);
	return fresh;
}
