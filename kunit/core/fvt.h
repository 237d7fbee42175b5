/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The core's test cases, one source for two harnesses: each fvt_<op>.c of
 * this folder is a KUnit suite built into flatvm_kunit.ko (kunit/Kbuild)
 * and, unchanged, into the host test binary (userspace/tests/tests.mk,
 * ASan + UBSan).  fvt_port.h says how the two builds differ.
 *
 * This header is the fixture the cases share (fvt_util.c): one arena and
 * its domains, the release-callback recorder, expectations that name the
 * caller's line, snapshots of everything the public API shows, and the
 * fault-injection loop that proves an operation atomic.  The reference
 * model is fvt_model.h.
 */
#ifndef _FLATVM_FVT_H
#define _FLATVM_FVT_H

#include "fvt_port.h"
#include "fvt_model.h"

#define PG(n)		((u64)(n) << FV_PAGE_SHIFT)
#define RW		(FV_READ | FV_WRITE)
#define RWX		FV_RIGHTS_MASK
#define GIB		((u64)1 << 30)

#define FVT_MAX_DOMS	80
#define FVT_MAX_RANGES	8192
#define FVT_MAX_RUNS	4096

/* A run the release callback reported. */
struct fvt_run {
	u64 addr;
	u64 len;
	u64 range;
};

/**
 * struct fvt - the fixture of one case: an arena and its domains.
 * @test:	the running case.
 * @a:		the arena.
 * @d:		the domains (@ndoms registered at setup).
 * @live:	@d[i] is registered.
 * @ndoms:	domains set up.
 * @arena_live:	@a must be destroyed.
 * @base, @size: the window (bytes).
 * @runs, @nruns, @runs_cap: runs reported released since the last
 *		fvt_release() (or fvt_runs_clear()), in an array that grows.
 * @range_addr, @range_id, @nranges, @ranges_cap: every range allocated
 *		through FVT_ALLOC(), to prove ids are never reused.
 */
struct fvt {
	struct kunit *test;
	struct fv_arena *a;
	struct fv_domain *d;
	bool *live;
	unsigned int ndoms;
	bool arena_live;
	u64 base;
	u64 size;
	struct fvt_run *runs;
	unsigned int nruns;
	unsigned int runs_cap;
	u64 *range_addr;
	u64 *range_id;
	unsigned int nranges;
	unsigned int ranges_cap;
};

/* Suite hooks: the record caches (kernel), the fixture in test->priv. */
int fvt_suite_init(struct kunit_suite *suite);
void fvt_suite_exit(struct kunit_suite *suite);
int fvt_case_init(struct kunit *test);
void fvt_case_exit(struct kunit *test);

/* Deterministic PRNG (splitmix64): the same sequence in both builds. */
u64 fvt_rand(u64 *state);

/* snprintf() whose formats the kernel build checks (u64 is %llu there). */
#ifdef __KERNEL__
__printf(3, 4)
#endif
void fvt_format(char *buf, size_t size, const char *fmt, ...);

/* Domain ids are not in registration order (ids sort apart from indexes). */
u64 fvt_dom_id(unsigned int i);

/* A fresh arena over [base, base + size) with @ndoms domains. */
void fvt_setup(struct fvt *f, u64 base, u64 size, unsigned int ndoms);
/* The same geometry again, empty. */
void fvt_rebuild(struct fvt *f);
/* Release every domain and destroy the arena. */
void fvt_teardown(struct fvt *f);
/* Another fixture for cases that need two arenas (freed with the case). */
struct fvt *fvt_new(struct kunit *test);

void fvt_released(void *ctx, u64 addr, u64 len, u64 range);
void fvt_runs_clear(struct fvt *f);
u64 fvt_released_bytes(const struct fvt *f);
bool fvt_released_has(const struct fvt *f, u64 addr);
/* The runs reported are exactly the pages of [addr, addr + len). */
void fvt_expect_released(struct fvt *f, u64 addr, u64 len, int line);
#define EXPECT_RELEASED(f, addr, len)	fvt_expect_released(f, addr, len, __LINE__)

int fvt_release(struct fvt *f, unsigned int d, u64 addr, u64 len);
void fvt_release_all(struct fvt *f, unsigned int d);
void fvt_register(struct fvt *f, unsigned int d);

/* Allocate, expect success inside the window, record the range id. */
u64 fvt_alloc(struct fvt *f, unsigned int d, u64 len, u64 align, u32 rights,
	      int line);
#define FVT_ALLOC(f, d, len, align, rights) \
	fvt_alloc(f, d, len, align, rights, __LINE__)
/* Record the id of the range just allocated at @addr (fresh). */
void fvt_note_range(struct fvt *f, u64 addr, int line);
/* Id of the range last allocated at @addr. */
u64 fvt_range_id(struct fvt *f, u64 addr);

/*
 * fv_lookup() at @addr: @rc, and on success the range allocated at
 * @range_addr, the extent [ext_start, ext_start + ext_len), @nholders.
 */
void fvt_expect_lookup(struct fvt *f, u64 addr, int rc, u64 range_addr,
		       u64 ext_start, u64 ext_len, u32 nholders, int line);
#define EXPECT_LOOKUP(f, addr, rc, range_addr, es, el, nh) \
	fvt_expect_lookup(f, addr, rc, range_addr, es, el, nh, __LINE__)
/* fv_rights() of domain @d at @addr: @rc, and on success @rights. */
void fvt_expect_rights(struct fvt *f, unsigned int d, u64 addr, int rc,
		       u32 rights, int line);
#define EXPECT_RIGHTS(f, d, addr, rc, rights) \
	fvt_expect_rights(f, d, addr, rc, rights, __LINE__)
/* fv_range_piece() at @addr: @rc, and on success [start, start + len). */
void fvt_expect_piece(struct fvt *f, u64 addr, int rc, u64 start, u64 len,
		      int line);
#define EXPECT_PIECE(f, addr, rc, start, len) \
	fvt_expect_piece(f, addr, rc, start, len, __LINE__)

/*
 * fv_check(), and the stats and domain counters against what fv_walk()
 * shows; on the host also the live record bytes against the metadata of
 * every live fixture.
 */
void fvt_check(struct fvt *f, int line);
#define FVT_CHECK(f)	fvt_check(f, __LINE__)

/*
 * Everything the public API shows of a fixture: stats (metadata_bytes
 * aside: an arena may keep records it reserved), every segment of
 * fv_walk() with its holders, the domains' counters and, for windows of at
 * most FVT_SNAP_PAGES pages, fv_lookup() and fv_rights() of every page
 * (else of both ends of each segment).
 */
#define FVT_SNAP_PAGES	64
struct fvt_snap;
struct fvt_snap *fvt_snap_take(struct fvt *f);
void fvt_snap_free(struct fvt *f, struct fvt_snap *s);
/* Equal snapshots, else a failed expectation saying what differs. */
bool fvt_snap_expect_same(struct fvt *f, const struct fvt_snap *x,
			  const struct fvt_snap *y, const char *what,
			  int line);

/*
 * Free the spare tree nodes the arena keeps between changes (a core
 * internal), so that the next change must allocate every node it needs.
 */
void fvt_drop_spares(struct fvt *f);

/*
 * Failure atomicity.  An operation on a fixture, and the setup it starts
 * from (run on a fresh arena of the fixture's geometry).
 */
typedef void (*fvt_setup_fn)(struct fvt *f, void *arg);
typedef int (*fvt_op_fn)(struct fvt *f, void *arg);

/*
 * Run @op with the first 0, 1, 2, ... record allocations allowed until it
 * stops returning -ENOMEM.  Each -ENOMEM must come from an injected
 * failure, report nothing released, pass fv_check() and leave the
 * snapshot unchanged.  @fresh: each attempt starts from @setup on a new
 * arena, its spare nodes dropped (cold); else the attempts follow each
 * other on one arena as @setup left it (warm: it keeps what the setup and
 * the failed attempts reserved).  The final result must equal the same
 * operation run without faults.  Returns that result; @nfail: the
 * -ENOMEMs seen.
 */
int fvt_fault_loop(struct fvt *f, fvt_setup_fn setup, fvt_op_fn op, void *arg,
		   bool fresh, unsigned int *nfail, int line);
#define FVT_FAULT_LOOP(f, setup, op, arg, fresh, nfail) \
	fvt_fault_loop(f, setup, op, arg, fresh, nfail, __LINE__)
/* The same attempts on the arena as it is, with no reference run. */
int fvt_fault_loop_in_place(struct fvt *f, fvt_op_fn op, void *arg,
			    unsigned int *nfail, int line);
#define FVT_FAULT_LOOP_IN_PLACE(f, op, arg, nfail) \
	fvt_fault_loop_in_place(f, op, arg, nfail, __LINE__)

#endif /* _FLATVM_FVT_H */
