/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host unit tests of the flatvm core: the test framework (cases, checks),
 * the fixture (one arena and its domains) and the state snapshots that the
 * atomicity tests compare.  The runner is fvt_main.c, helpers fvt_util.c;
 * the cases live in one file per operation (t_*.c).
 */
#ifndef _FLATVM_FVT_H
#define _FLATVM_FVT_H

#include <string.h>

#include "fv_core.h"
#include "fv_host.h"

#define PG(n)		((u64)(n) << FV_PAGE_SHIFT)
#define RW		(FV_READ | FV_WRITE)
#define RWX		FV_RIGHTS_MASK

struct fvt_case {
	const char *name;
	void (*fn)(void);
};

/* Each t_*.c exports one NULL-terminated table of cases. */
extern const struct fvt_case fvt_arena_cases[];
extern const struct fvt_case fvt_alloc_cases[];
extern const struct fvt_case fvt_share_cases[];
extern const struct fvt_case fvt_release_cases[];
extern const struct fvt_case fvt_lookup_cases[];
extern const struct fvt_case fvt_atomic_cases[];
extern const struct fvt_case fvt_check_cases[];

/* Report the failure of the running case and end it (does not return). */
void fvt_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond))						\
			fvt_fail(__FILE__, __LINE__, __VA_ARGS__);	\
	} while (0)

/* Check that an expression returns the expected errno-style code. */
#define CHECK_RC(expr, want)						\
	do {								\
		int _got = (expr);					\
		int _want = (want);					\
		if (_got != _want)					\
			fvt_fail(__FILE__, __LINE__, "%s: got %s, want %s",\
				 #expr, fvt_errname(_got),		\
				 fvt_errname(_want));			\
	} while (0)

const char *fvt_errname(int rc);

/* Released runs seen by the fv_released_fn callback during one operation. */
#define FVT_MAX_RUNS	256
struct fvt_released {
	unsigned int nruns;
	u64 addr[FVT_MAX_RUNS];
	u64 len[FVT_MAX_RUNS];
};

void fvt_released_cb(void *ctx, u64 addr, u64 len);
/* Total bytes reported. */
u64 fvt_released_bytes(const struct fvt_released *r);
/* 1 when the page at @addr was reported. */
int fvt_released_has(const struct fvt_released *r, u64 addr);
/* Check the reported runs are exactly the pages of [addr, addr + len). */
void fvt_released_is(const struct fvt_released *r, u64 addr, u64 len,
		     const char *file, int line);
#define CHECK_RELEASED(r, addr, len) \
	fvt_released_is(r, addr, len, __FILE__, __LINE__)

/* A fixture: one arena and up to FX_MAX_DOMS registered domains. */
#define FX_MAX_DOMS	80
#define FX_MAX_RANGES	1024
struct fx {
	struct fv_arena a;
	struct fv_domain d[FX_MAX_DOMS];
	int live[FX_MAX_DOMS];
	unsigned int ndoms;
	u64 base;
	u64 size;
	struct fvt_released rel;
	/* Ranges allocated so far: address given and range id, in order. */
	unsigned int nranges;
	u64 range_addr[FX_MAX_RANGES];
	u64 range_id[FX_MAX_RANGES];
};

/*
 * Domain ids are not in creation order, so holder lists sorted by id are
 * not sorted by index.
 */
u64 fx_id(unsigned int i);
void fx_init(struct fx *fx, u64 base, u64 size, unsigned int ndoms);
/* Checker, counters and stats consistency; the test goes on. */
void fx_check_at(struct fx *fx, const char *file, int line);
#define FX_CHECK(fx)	fx_check_at(fx, __FILE__, __LINE__)
/* Release every domain, check everything went back free, destroy. */
void fx_fini(struct fx *fx);

/* Allocate and expect success; returns the address. */
u64 fx_alloc_at(struct fx *fx, unsigned int d, u64 len, u64 align,
		u32 rights, const char *file, int line);
#define FX_ALLOC(fx, d, len, align, rights) \
	fx_alloc_at(fx, d, len, align, rights, __FILE__, __LINE__)
/*
 * Record the id of the range just allocated at @addr (FX_ALLOC does it);
 * ids must never repeat.
 */
void fx_note_range_at(struct fx *fx, u64 addr, const char *file, int line);
#define FX_NOTE_RANGE(fx, addr)	fx_note_range_at(fx, addr, __FILE__, __LINE__)
/* Id of the range most recently allocated at @addr. */
u64 fx_range_id(struct fx *fx, u64 addr);
int fx_release(struct fx *fx, unsigned int d, u64 addr, u64 len);
void fx_release_all(struct fx *fx, unsigned int d);

/*
 * Expected result of fv_lookup() at an address; @range is the address the
 * range was allocated at (its id is looked up with fx_range_id()).
 */
void fx_expect_lookup(struct fx *fx, u64 addr, int rc, u64 range,
		      u64 ext_start, u64 ext_len, u32 nholders,
		      const char *file, int line);
#define EXPECT_LOOKUP(fx, addr, rc, range, es, el, nh) \
	fx_expect_lookup(fx, addr, rc, range, es, el, nh, __FILE__, __LINE__)
/* Expected result of fv_rights() for one domain. */
void fx_expect_rights(struct fx *fx, unsigned int d, u64 addr, int rc,
		      u32 rights, const char *file, int line);
#define EXPECT_RIGHTS(fx, d, addr, rc, rights) \
	fx_expect_rights(fx, d, addr, rc, rights, __FILE__, __LINE__)

/*
 * Everything observable about a fixture: stats, live record counts, the
 * segment list (through the public tree), per-domain counters and, for
 * windows of at most FVT_SNAP_PAGES pages, fv_lookup()/fv_rights() of every
 * page (else of the first and last page of each segment).
 */
#define FVT_SNAP_PAGES	4096
struct fvt_seg_dump {
	u64 start, npages, used, range, nholders;
	u64 holders_hash;	/* of the (domain id, rights) list, in order */
};
struct fvt_probe {
	int rc;
	struct fv_lookup_result res;
};
struct fvt_snap {
	struct fv_stats st;
	unsigned long live_segs, live_holders;
	u64 nsegs;
	struct fvt_seg_dump *segs;
	u64 dom_nholds[FX_MAX_DOMS], dom_npages[FX_MAX_DOMS];
	unsigned int ndoms;
	u64 nprobes;
	u64 *probe_addr;
	struct fvt_probe *lookup;
	struct fvt_probe *rights;	/* nprobes x ndoms */
};

void fvt_snap_take(struct fx *fx, struct fvt_snap *s);
void fvt_snap_free(struct fvt_snap *s);
/* NULL when equal, else what differs first. */
const char *fvt_snap_diff(const struct fvt_snap *x, const struct fvt_snap *y,
			  char *buf, size_t len);

/*
 * Failure atomicity: run @op with fv_host_fail_after = 0, 1, 2, ... until
 * it returns something other than -ENOMEM.  After every -ENOMEM the checker
 * must pass, nothing may have been reported released and the snapshot must
 * equal the one taken before.  Returns the final result and stores how many
 * injected failures were seen in @nfail.
 */
typedef int (*fvt_op_fn)(struct fx *fx, void *arg);
int fvt_fail_loop_at(struct fx *fx, fvt_op_fn op, void *arg,
		     unsigned int *nfail, const char *file, int line);
#define FAIL_LOOP(fx, op, arg, nfail) \
	fvt_fail_loop_at(fx, op, arg, nfail, __FILE__, __LINE__)

/* Deterministic PRNG (splitmix64) for tests that need many values. */
u64 fvt_rand(u64 *state);

#endif /* _FLATVM_FVT_H */
