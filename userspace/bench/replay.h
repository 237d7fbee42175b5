/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The benchmark's replay engine: runs one parsed trace against one
 * allocator (the flatvm core or a baseline), timing each allocator call by
 * operation kind and, in a measuring run, sampling fragmentation and
 * metadata; in smoke mode it also checks every page handed out and taken
 * back against a shadow map of the window.
 */
#ifndef FVBENCH_REPLAY_H
#define FVBENCH_REPLAY_H

#include "trace.h"

/* An allocator under test: the flatvm core when @bl is NULL. */
struct alloc_desc {
	const char *name;
	const struct bl_ops *bl;
};

/**
 * struct run_cfg - how to replay.
 * @base, @npages: the window, in pages.
 * @measure:	sample fragmentation every @sample_every operations and at
 *		the end, and metadata after every operation.
 * @smoke:	shadow-check the window and, for flatvm, run fv_check().
 * @budget:	seconds after which the run gives up (0: never).
 */
struct run_cfg {
	u64 base;
	u64 npages;
	int measure;
	u64 sample_every;
	int smoke;
	double budget;
};

enum run_status { RUN_DONE, RUN_TIMEOUT, RUN_UNSUPPORTED, RUN_BROKEN };

/**
 * struct run_result - what one replay found.
 * @status:	how the run ended; @why says more when not RUN_DONE.
 * @ticks, @count: time stamp ticks spent in allocator calls and operations
 *		replayed, by kind (ops on a range whose allocation failed are
 *		skipped and not counted).
 * @failed_allocs: `a` lines the allocator refused (-ENOSPC).
 * @errors:	allocator calls that returned an unexpected error.
 * @bad_lookups: smoke, flatvm: look-ups that disagree with the trace: a
 *		new range not found whole by fv_lookup()/fv_range_piece(), or
 *		fv_rights() not giving the rights the trace gave.
 * @ops_done:	trace lines processed before the run ended.
 * @peak_live:	most ranges live at once.
 * @peak_meta:	most metadata bytes at once (measuring runs).
 * @meta_per_seg: flatvm only: peak of metadata bytes / segments.
 * @frag_min, @frag_end: largest free extent / free pages, least over the
 *		samples and at the end (measuring runs).
 * @addr_hash: a hash of every (range, address) an allocation returned:
 *		equal hashes, equal placement.
 * @seconds:	wall time of the run, less the time spent sampling.
 */
struct run_result {
	enum run_status status;
	char why[200];
	u64 ticks[OP_NKINDS];
	u64 count[OP_NKINDS];
	u64 failed_allocs;
	u64 errors;
	u64 bad_lookups;
	u64 ops_done;
	u64 peak_live;
	u64 peak_meta;
	double meta_per_seg;
	double frag_min;
	double frag_end;
	u64 addr_hash;
	double seconds;
};

/* Calibrates the clock; call once before replay(). */
void replay_clock_init(void);
/* Nanoseconds per tick of the clock replay() uses. */
double replay_ns_per_tick(void);

void replay(const struct trace *t, const struct alloc_desc *ad,
	    const struct run_cfg *cfg, struct run_result *res);

#endif /* FVBENCH_REPLAY_H */
