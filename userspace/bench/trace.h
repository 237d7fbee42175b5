/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The benchmark's trace reader: parses a trace (FORMAT.md, plus an optional
 * alignment field on `a`) into an array of operations on dense range and
 * process numbers, rejecting malformed or inconsistent input with a message
 * naming the line.
 */
#ifndef FVBENCH_TRACE_H
#define FVBENCH_TRACE_H

#include "baseline.h"

enum op_kind { OP_A, OP_F, OP_P, OP_S, OP_D, OP_Q, OP_NKINDS };

extern const char op_letters[OP_NKINDS];

/* Rights of `s` lines. */
#define TR_READ		1u
#define TR_WRITE	2u
#define TR_EXEC		4u

/**
 * struct trace_op - one line of a trace, in pages.
 * @kind:	enum op_kind.
 * @rights:	s: TR_READ/TR_WRITE/TR_EXEC bits.
 * @id:		range number (dense, from 0, in order of first `a`).
 * @proc:	a: allocating process; s, d, q: the process named.
 * @x:		a: pages; p: first page (offset); q: page offset.
 * @y:		a: alignment in pages (power of two, 1 = none); p: pages.
 */
struct trace_op {
	u32 kind;
	u32 rights;
	u32 id;
	u32 proc;
	u64 x;
	u64 y;
};

/**
 * struct trace - a parsed trace.
 * @ops, @nops:	the operations.
 * @nids:	ranges named.
 * @nprocs:	distinct process tokens.
 * @count:	operations of each kind.
 * @peak_pages: most pages live at once (allocated, not yet released by the
 *		allocating process), an upper bound used to size the window.
 * @max_align:	largest alignment asked, in pages.
 */
struct trace {
	struct trace_op *ops;
	u64 nops;
	u32 nids;
	u32 nprocs;
	u64 count[OP_NKINDS];
	u64 peak_pages;
	u64 max_align;
};

/* 0, or -1 after printing why to stderr. */
int trace_load(const char *path, struct trace *t);
void trace_free(struct trace *t);

#endif /* FVBENCH_TRACE_H */
