/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmfuzz: what the fuzzer's files share.
 *
 *   main.c	options, the workers, the census of the process tree, the
 *		report and the checks at the end
 *   tree.c	the bounded process tree: places, fork, kill, reap
 *   kcov.c	KCOV per thread, flatvm.ko's text in memory, the shared
 *		coverage bitmap and its dump; `vmfuzz -R` (coverage of a
 *		command: insmod, rmmod) and the exec tail (`vmfuzz -X`)
 *   calls.c	the ioctl table (one entry per ioctl of the uapi header),
 *		argument generation and mutation, issuing an ioctl
 *   actions.c	everything else a program does: touches, copies, page
 *		pinning attempts, mm calls on the window, fork, threads, ...
 *   proc.c	one process's state: its ranges and the oracle's model of
 *		what it may touch, pidfds, descriptors
 *   prog.c	programs (call sequences): generation, mutation, execution,
 *		the shared corpus, the helper thread
 *
 * Every process of a run maps one shared area (struct shared, a memfd so
 * that an exec'd process can map it again) holding the counters, the
 * coverage bitmap and the corpus.
 */
#ifndef VMFUZZ_H
#define VMFUZZ_H

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/flatvm.h>

#define PG		4096ULL
#define MAX_WORKERS	16
#define MAX_RANGES	32
#define MAX_POSTED	64
#define MAX_PIDFDS	8
#define MAX_PERF	4	/* perf events a process keeps on trace points */
#define MAX_CHILDREN	4
#define MAX_ERRNO	140
#define MAX_FIELDS	10
#define MAX_CALLS	12		/* per program */
#define CORPUS_SLOTS	2048
#define COVER_WORDS	(1 << 15)	/* KCOV buffer per thread, in PCs */
#define COV_CORE_BITS	(1 << 23)	/* bytes of module text mapped */
#define COV_INIT_BITS	(1 << 18)
#define MAX_SECTIONS	16
#define DEFAULT_CAP	64

/* ---- random numbers (xorshift64*) ------------------------------------- */

static inline uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static inline uint64_t below(uint64_t *s, uint64_t n)
{
	return n ? rnd(s) % n : 0;
}

static inline int chance(uint64_t *s, unsigned int percent)
{
	return below(s, 100) < percent;
}

/* ---- operations --------------------------------------------------------- */

/*
 * Every operation a program can hold: the ioctls of calls.c's table come
 * first (op < n_ioctls), then the actions of actions.c.
 */
struct proc;
struct call;

/* What a field of an ioctl argument is, for generation and mutation. */
enum fkind {
	F_SIZE,		/* the leading size */
	F_FLAGS,	/* known: the flags the header defines */
	F_RIGHTS,
	F_PIDFD,
	F_SPAN_ADDR,	/* with the next F_SPAN_LEN: one span */
	F_SPAN_LEN,
	F_ADDR,		/* any address (QUERY) */
	F_LEN,		/* a new range's length */
	F_ALIGN,
	F_CHOICE,	/* one of 0..known (an enumeration) */
	F_PAD,		/* must be zero */
	F_OUT,		/* output only */
	F_U32,		/* anything */
};

struct field {
	const char *name;
	unsigned short off;
	unsigned char size;
	unsigned char kind;
	uint64_t known;
};

#define FIELD(type, member, kind, known) \
	{ #member, offsetof(type, member), sizeof(((type *)0)->member), \
	  kind, known }

/**
 * struct ioctl_desc - one ioctl of include/uapi/linux/flatvm.h.
 * @name:	short name (counters, messages).
 * @cmd:	the request number.
 * @size:	sizeof its argument.
 * @weight:	how often generation picks it.
 * @fields:	its fields, ending with a zeroed entry.
 * @errnos:	what the header documents besides EINVAL, E2BIG, EFAULT;
 *		0-terminated.
 * @flags:	IOF_GEN: may change the caller's holds (proc->gen is bumped
 *		around it); IOF_UNEXACT: its span is no longer exact, even
 *		before it returns (GRANT).
 * @done:	NULL, or what a call's result means for the caller's state
 *		and the oracle; called under proc->lock.
 */
struct call_result {
	void *arg;		/* the argument as read back (when ret is 0) */
	int ret, err;
	int stable;		/* no change of holds overlapped the call */
	uint64_t saddr, slen;	/* its span, as its fields gave it */
};

struct ioctl_desc {
	const char *name;
	unsigned long cmd;
	unsigned int size;
	unsigned int weight;
	unsigned int flags;
	const struct field *fields;
	const int *errnos;
	void (*done)(struct proc *p, const struct call *c,
		     const struct call_result *r);
};

#define IOF_GEN		1
#define IOF_UNEXACT	2

/* An action: not an ioctl of the table.  Returns new PCs reached. */
struct action_desc {
	const char *name;
	unsigned int weight;
	unsigned int flags;
	int (*run)(struct proc *p, struct call *c);
};

#define ACT_MAIN	1	/* main thread only (fork, exec, threads) */
#define ACT_SIG		2	/* its outcomes are signals, not errnos */

extern const struct ioctl_desc ioctls[];
extern const unsigned int n_ioctls;
extern const struct action_desc actions[];
extern const unsigned int n_actions;
#define N_OPS_MAX	48

static inline unsigned int n_ops(void)
{
	return n_ioctls + n_actions;
}

const char *op_name(unsigned int op);

/* ---- programs ----------------------------------------------------------- */

/* Where a span lies, resolved against the process's state at run time. */
enum span_how {
	S_OWN,		/* one of the process's ranges (sel), from page off */
	S_POSTED,	/* a range another process posted (sel) */
	S_WINDOW,	/* anywhere in the window: page val */
	S_LOW,		/* the window's first 1024 pages: page val */
	S_EDGE,		/* across the window's start or end */
	S_RAW,		/* val and len as they are */
	S_NHOW
};

struct span {
	uint8_t how;
	uint8_t lenmode;	/* 0 rest of the range, 1 len pages, 2 raw len,
				 * 3 rest plus len pages (straddling) */
	uint16_t sel;
	uint32_t off;		/* pages */
	uint64_t val;
	uint64_t len;
};

/* How a field's value is made at run time. */
enum fhow {
	H_RAW,		/* val */
	H_SPAN,		/* the call's span (address, length) */
	H_PIDSLOT,	/* the pidfd in slot val */
	H_DEVFD,	/* the process's /dev/flatvm descriptor: not a pidfd */
	H_ANONFD,	/* an eventfd: an anonymous inode, not a pidfd */
};

/* Where the argument struct goes. */
enum ptr_how { P_GOOD, P_NULL, P_KERNEL, P_NONE, P_STRADDLE, P_RDONLY, P_NHOW };

struct call {
	uint8_t op;
	uint8_t ptr;		/* enum ptr_how */
	uint8_t sizemode;	/* 0 exact, 1 zero, 2 -8, 3 +8 (zero tail),
				 * 4 +8 (non-zero tail), 5 a page, 6 raw */
	uint8_t nth;		/* fail the nth allocation (0: none) */
	uint32_t sizeraw;
	struct span span;
	uint8_t how[MAX_FIELDS];
	uint64_t val[MAX_FIELDS];
};

struct prog {
	uint32_t ncalls;
	uint32_t gen;		/* how it was made: 0 new, else mutations */
	struct call calls[MAX_CALLS];
};

/* ---- the shared area ----------------------------------------------------- */

/* flatvm.ko's text sections as the running kernel placed them. */
struct modmap {
	int nsec;
	uint64_t core_lo, core_size;	/* executable part of the core */
	uint64_t init_lo, init_size;
	struct {
		char name[32];
		uint64_t addr;
		int init;
	} sec[MAX_SECTIONS];
};

struct corpus_slot {
	atomic_uint seq;		/* odd while being written */
	struct prog prog;
};

struct shared {
	/* counters */
	atomic_ulong calls[N_OPS_MAX];
	atomic_ulong errnos[N_OPS_MAX][MAX_ERRNO];
	atomic_ulong ioctls;		/* ioctl() calls on /dev/flatvm */
	atomic_ulong total;		/* every operation */
	atomic_ulong unexpected;	/* undocumented errnos */
	atomic_ulong nth_calls;		/* ioctls run with fail-nth */
	atomic_ulong oracle_checked;
	atomic_ulong oracle_failed;
	atomic_ulong pin_tried;		/* page pinning attempts on the window */
	atomic_ulong pin_escaped;
	atomic_ulong progs_new, progs_mutated;
	atomic_ulong exec_tails;
	atomic_int stop;

	/* the process tree (tree.c) */
	atomic_int pids[MAX_WORKERS];
	pid_t main_pid;
	atomic_int live;
	atomic_int live_peak;
	atomic_ulong reserved;
	atomic_ulong fork_refused;
	atomic_ulong fork_failed;
	atomic_ulong killed_by[65];	/* ended by a signal other than SIGTERM */

	/* ranges posted for the other processes */
	struct {
		atomic_ullong addr;
		atomic_ullong len;
	} posted[MAX_POSTED];

	/* coverage (kcov.c) */
	int kcov;			/* KCOV in use */
	struct modmap map;
	atomic_ulong pcs;		/* distinct PCs reached */
	atomic_ulong foreign_pcs;	/* PCs outside flatvm.ko (not ours) */
	atomic_ulong kcov_full;		/* operations that filled the buffer */
	atomic_ullong core_bits[COV_CORE_BITS / 64];
	atomic_ullong init_bits[COV_INIT_BITS / 64];

	/* the corpus (prog.c) */
	atomic_uint corpus_added;
	struct corpus_slot corpus[CORPUS_SLOTS];
};

extern struct shared *sh;
extern uint64_t win_base, win_size;

/* ---- one process (proc.c) ---------------------------------------------- */

enum { R_OWN = 1, R_LAZY = 2, R_EXACT = 4 };

/*
 * A range the process knows: its own (ALLOC), or one it attached.  R_EXACT:
 * allocated by this process, whole, never granted, not released nor
 * unmapped in part: nobody else holds any of it, so what a touch must do is
 * known exactly (the oracle).
 */
struct range {
	uint64_t addr, len;
	uint32_t rights;
	uint32_t flags;
};

struct kcov {
	int fd;
	unsigned long *area;
};


struct proc {
	uint64_t rng;			/* main thread's */
	int fd;				/* /dev/flatvm */
	int evfd;			/* an eventfd */
	int pipefd[2];			/* for vmsplice and copies */
	int memfd;			/* /proc/self/mem */
	int zerofd;			/* /dev/zero */
	int blkfd;			/* the block device, O_DIRECT, or -1 */
	int is_child;
	int uid_dropped;
	int foreign;			/* ever mapped something in the window */
	int holed;			/* unmapped some of it: a later ALLOC
					 * may land where nothing is mapped */
	pthread_mutex_t lock;		/* what follows */
	unsigned int seq;		/* changes of holds started */
	unsigned int inflight;		/* changes of holds under way */
	struct range ranges[MAX_RANGES];
	int nranges;
	int pidfds[MAX_PIDFDS];
	int perffds[MAX_PERF];		/* perf events on trace points */
	pid_t children[MAX_CHILDREN];
	unsigned long budget;		/* operations left (children) */
	atomic_int helper_busy;		/* the helper runs a program */
	struct helper *helper;
};

/*
 * Per thread: its KCOV, its fail-nth file, its argument buffer (two pages,
 * then a PROT_NONE one).
 */
struct thread_ctx {
	struct kcov kc;
	int nthfd;
	int is_helper;
	unsigned char *argbuf;
	unsigned char *nonepage;
	unsigned char *argro;		/* argbuf's two pages, read-only */
};

/* The helper thread: runs a program beside the process's main thread. */
struct helper {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int state;			/* HS_* */
	struct proc *p;
	struct thread_ctx tc;
	uint64_t rng;
	struct prog prog;
};

enum { HS_IDLE, HS_RUN, HS_QUIT };

extern __thread struct thread_ctx *tctx;
extern __thread sigjmp_buf touch_env;
extern __thread volatile sig_atomic_t touch_armed;
extern const char *blkdev_path;
extern int opt_oracle;

/*
 * Whether the process's holds could have changed across an operation:
 * taken before it, checked after (both under proc->lock).
 */
struct stamp {
	unsigned int seq, busy;
};

static inline void stamp_take(const struct proc *p, struct stamp *s)
{
	s->seq = p->seq;
	s->busy = p->inflight;
}

static inline int stamp_stable(const struct proc *p, const struct stamp *s)
{
	return !s->busy && p->seq == s->seq;
}

/* Around an operation that may change the caller's holds. */
static inline void change_begin(struct proc *p, struct stamp *s)
{
	stamp_take(p, s);
	p->seq++;
	p->inflight++;
}

/* 1 when no other change overlapped it. */
static inline int change_end(struct proc *p, const struct stamp *s)
{
	p->inflight--;
	return !s->busy && p->seq == s->seq + 1;
}

void proc_init(struct proc *p, uint64_t seed);
void thread_init(struct thread_ctx *t, int is_helper);
void thread_exit(struct thread_ctx *t);
void proc_forked(struct proc *p);	/* in a fork child */
void proc_add_range(struct proc *p, uint64_t addr, uint64_t len,
		    uint32_t rights, uint32_t flags);
struct range *proc_pick_range(struct proc *p, uint64_t *rng, unsigned int sel);
void proc_unexact(struct proc *p, uint64_t addr, uint64_t len);
int proc_exact_at(struct proc *p, uint64_t addr, struct range *out);
void proc_post(struct proc *p, uint64_t *rng, uint64_t addr, uint64_t len);
void proc_resolve_span(struct proc *p, const struct span *s, uint64_t *addr,
		       uint64_t *len);
void proc_window_span(struct proc *p, const struct span *s, uint64_t *addr,
		      uint64_t *len, uint64_t maxlen);
int proc_pidfd(struct proc *p, unsigned int slot);
void oracle_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* ---- calls.c ------------------------------------------------------------ */

void call_gen(struct proc *p, uint64_t *rng, struct call *c, unsigned int op);
unsigned int op_pick(uint64_t *rng);
void call_mutate(struct proc *p, uint64_t *rng, struct call *c);
int call_run(struct proc *p, struct call *c);	/* new PCs */
void record(unsigned int op, int ret, int err);
void fail_nth_set(unsigned int nth);
int errno_documented(unsigned int op, int e);

/* ---- actions.c --------------------------------------------------------- */

void span_gen(struct proc *p, uint64_t *rng, struct span *s);
void span_mutate(uint64_t *rng, struct span *s);
void touch_handler(int sig, siginfo_t *si, void *uc);
void child_main(struct proc *p);
extern int shm_fd;
extern uint64_t orig_max_pages, orig_max_user_pages;
extern int orig_access_gid, orig_access_all;
extern const char *noexec_device;
void noexec_device_setup(void);
void noexec_device_remove(void);
void trace_points_hold(void);
void trace_points_release(void);
void params_restore(void);

/* ---- tree.c ------------------------------------------------------------- */

void hold_kills(sigset_t *old);
void allow_kills(const sigset_t *old);
int reserve_process(int cap);
void release_process(void);
void note_end(int killed, int sig);
void reap(struct proc *p, int block);
void kill_child(struct proc *p, int slot);
void end_children(struct proc *p);
pid_t tree_fork(struct proc *p, int slot, int cap);
extern int cap;

/* ---- kcov.c ------------------------------------------------------------- */

int kcov_setup(void);			/* main: 1 when KCOV is there */
int kcov_open(struct kcov *k);
void kcov_close(struct kcov *k);
void kcov_reset(struct kcov *k);
unsigned long kcov_collect(struct kcov *k);	/* new PCs */
void kcov_dump(void);
int kcov_run_command(char **argv);	/* vmfuzz -R */
int exec_tail(int argc, char **argv);	/* vmfuzz -X */
int modmap_read(struct modmap *m);

/* ---- prog.c ------------------------------------------------------------- */

void fuzz_loop(struct proc *p);
void helper_post(struct proc *p, uint64_t *rng);
void helper_stop(struct proc *p);
unsigned int corpus_size(void);

#endif /* VMFUZZ_H */
