/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flatvm command: parsing the module's debugfs files
 * (/sys/kernel/debug/flatvm/{ranges,holders,free,counters,check}, written
 * by module/flatvm_debugfs.c).  Strict: a line that is not exactly one of
 * the known forms is an error with its line number, never skipped, so a
 * change of format shows up at once.  Each file has one parse function;
 * the formats are described above each one in dbgfs.c.
 */
#ifndef FLATVM_TOOL_DBGFS_H
#define FLATVM_TOOL_DBGFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where a parse failed: line number (from 1) and what was wrong. */
struct dbg_error {
	unsigned int line;
	char msg[160];
};

struct dbg_hold {
	uint64_t domain;
	uint32_t rights;	/* FLATVM_RIGHT_* */
};

/* ranges: one extent of a range and its holders. */
struct dbg_extent {
	uint64_t start, end;
	uint64_t range;
	size_t nholds;
	struct dbg_hold *holds;
};

/* holders: one process known to the module. */
struct dbg_proc {
	uint64_t domain;
	int64_t pid;
	uint64_t pages;
	uint64_t holds;
	bool window;	/* its window VMA is mapped */
};

/* free: one free extent. */
struct dbg_free {
	uint64_t start, end;
	uint64_t pages;
};

struct dbg_user {
	uint64_t uid;
	uint64_t pages;
	uint64_t bytes;		/* window address space of its live ranges */
	uint64_t ranges;
	uint64_t records;	/* hold records of its processes */
};

/* counters: the core's counters, pages, quotas, what each user is charged. */
struct dbg_counters {
	uint64_t window_base, window_bytes, free_bytes, largest_free;
	uint64_t free_extents, ranges, extents, holders, processes;
	uint64_t metadata_bytes, pages, max_pages, max_user_pages;
	uint64_t max_user_bytes, max_user_ranges, max_user_records;
	size_t nusers;
	struct dbg_user *users;
};

/* check: the invariant checker's verdict. */
struct dbg_check {
	bool ok;
	long err;	/* the checker's error when !ok */
};

/* A growing array of parsed lines. */
#define DBG_LIST(type)	struct { size_t n; type *v; }
typedef DBG_LIST(struct dbg_extent) dbg_extents;
typedef DBG_LIST(struct dbg_proc) dbg_procs;
typedef DBG_LIST(struct dbg_free) dbg_frees;

/* Each returns 0, -EPROTO with @err filled, or -ENOMEM. */
int dbg_parse_ranges(const char *text, dbg_extents *out, struct dbg_error *err);
int dbg_parse_holders(const char *text, dbg_procs *out, struct dbg_error *err);
int dbg_parse_free(const char *text, dbg_frees *out, struct dbg_error *err);
int dbg_parse_counters(const char *text, struct dbg_counters *out,
		       struct dbg_error *err);
int dbg_parse_check(const char *text, struct dbg_check *out,
		    struct dbg_error *err);

void dbg_free_extents(dbg_extents *l);
void dbg_free_procs(dbg_procs *l);
void dbg_free_frees(dbg_frees *l);
void dbg_free_counters(struct dbg_counters *c);

#endif /* FLATVM_TOOL_DBGFS_H */
