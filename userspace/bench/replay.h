/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The benchmark's replay engine: runs one parsed trace against one
 * allocator, timing each allocator call by operation kind and, in a
 * measuring run, sampling fragmentation; in smoke mode it also checks every
 * page handed out and taken back against a shadow map of the window, every
 * look-up against the trace, and logs what each operation answered so that
 * the full engines can be compared operation by operation.
 *
 * Two kinds of allocator: full engines (full.h: the flatvm core and its
 * same-job peers, which do every trace operation) and search-alone
 * baselines (baseline.h: free-space indexes, the floor a full engine is
 * measured against).  Metadata is what the allocator holds in fv_slab
 * (records, tables), at its peak.
 */
#ifndef FVBENCH_REPLAY_H
#define FVBENCH_REPLAY_H

#include "full.h"
#include "trace.h"

/* An allocator under test: @full or @bl, the other NULL. */
struct alloc_desc {
	const char *name;
	const struct full_ops *full;
	const struct bl_ops *bl;
};

/**
 * struct op_log - smoke, full engines: what one trace line did.
 * @done:	the line was carried out: `a` succeeded, or the range it names
 *		was live (the others are skipped).
 * @freed:	pages that went back to the free pool.
 * @start:	`a`: the page the range landed at.
 * @q_held:	`q`: 1 when the process holds the page in the range named,
 *		2 when it holds it in another range (the page went back to the
 *		pool and was allocated again), 0 when it does not hold it.
 * @q_id:	the trace id of the range answered (the engine's range id
 *		mapped through the ids its allocations returned).
 * @q_rights, @q_nholders: the answer's rights and holder count.
 * @q_off, @q_len: the extent answered, from the start of that range (the
 *		same in every engine whatever its placement).
 * @q_abs:	the extent's first page.
 */
struct op_log {
	u32 done;
	u64 freed;
	u64 start;
	u32 q_held;
	u32 q_id;
	u32 q_rights;
	u32 q_nholders;
	u64 q_off;
	u64 q_len;
	u64 q_abs;
};

/**
 * struct run_cfg - how to replay.
 * @base, @npages: the window, in pages.
 * @measure:	sample fragmentation every @sample_every operations and at
 *		the end, and metadata after every operation.
 * @smoke:	shadow-check the window, check full engines (their check()
 *		every 1024 operations and at the end, look-ups against the
 *		trace) and fill @log.
 * @log:	smoke, full engines: one entry per trace line, or NULL.
 * @budget:	seconds after which the run gives up (0: never).
 */
struct run_cfg {
	u64 base;
	u64 npages;
	int measure;
	u64 sample_every;
	int smoke;
	struct op_log *log;
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
 * @bad_lookups: smoke, full engines: look-ups that disagree with the
 *		trace: a new range not found whole, with one holder and a new
 *		id, or a rights look-up not giving the rights the trace gave.
 * @allocs_outlived: `a` lines met while a sharer still held pages their
 *		owner had released: there a baseline (which took them back
 *		at the owner's release) and a full engine see different free
 *		space, and may place differently.
 * @ops_done:	trace lines processed before the run ended.
 * @peak_live:	most ranges live at once.
 * @peak_meta:	most metadata bytes at once: fv_slab's peak of live bytes
 *		over the run (records, tables, the engine's own structure).
 * @meta_per_seg: full engines that tell their record bytes (flatvm): peak
 *		of record bytes / segments (free and used extents).
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
	u64 allocs_outlived;
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
