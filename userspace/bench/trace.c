// SPDX-License-Identifier: GPL-2.0
/*
 * Trace reader of the benchmark (see trace.h).  Range ids and process
 * tokens are interned into dense numbers by one open-addressing hash table
 * each; every field is checked before use.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

const char op_letters[OP_NKINDS] = { 'a', 'f', 'p', 's', 'd', 'q' };

#define PAGE_SHIFT	12
#define MAX_BYTES	((u64)1 << 47)
#define MAX_ALIGN	((u64)1 << 30)
#define MAX_TOKEN	64
#define MAX_PROCS	(1u << 20)

struct names {
	char **keys;		/* slot -> token, NULL when empty */
	u32 *vals;		/* slot -> dense number */
	u64 nslots;
	u32 count;
};

static u64 hash_str(const char *s)
{
	u64 h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static int names_grow(struct names *n)
{
	u64 nslots = n->nslots ? n->nslots * 2 : 1024, i, j;
	char **keys = calloc(nslots, sizeof(*keys));
	u32 *vals = calloc(nslots, sizeof(*vals));

	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	for (i = 0; i < n->nslots; i++) {
		if (!n->keys[i])
			continue;
		for (j = hash_str(n->keys[i]) & (nslots - 1); keys[j];
		     j = (j + 1) & (nslots - 1))
			;
		keys[j] = n->keys[i];
		vals[j] = n->vals[i];
	}
	free(n->keys);
	free(n->vals);
	n->keys = keys;
	n->vals = vals;
	n->nslots = nslots;
	return 0;
}

/* The number of @s; a new one when @add, else -ENOENT when unknown. */
static long names_get(struct names *n, const char *s, int add)
{
	u64 i;

	if (add && (n->count + 1) * 2 > n->nslots && names_grow(n))
		return -ENOMEM;
	if (!n->nslots)
		return -ENOENT;
	for (i = hash_str(s) & (n->nslots - 1); n->keys[i];
	     i = (i + 1) & (n->nslots - 1))
		if (!strcmp(n->keys[i], s))
			return n->vals[i];
	if (!add)
		return -ENOENT;
	n->keys[i] = strdup(s);
	if (!n->keys[i])
		return -ENOMEM;
	n->vals[i] = n->count;
	return n->count++;
}

static void names_free(struct names *n)
{
	u64 i;

	for (i = 0; i < n->nslots; i++)
		free(n->keys[i]);
	free(n->keys);
	free(n->vals);
}

/* A decimal number without sign, at most @max. */
static int parse_u64(const char *s, u64 max, u64 *v)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno || *end || *v > max)
		return -EINVAL;
	return 0;
}

static u64 pages_up(u64 bytes)
{
	return (bytes + (((u64)1 << PAGE_SHIFT) - 1)) >> PAGE_SHIFT;
}

static int parse_rights(const char *s, u32 *rights)
{
	static const char *const names[] = { "r", "rw", "rx", "rwx" };
	static const u32 bits[] = {
		TR_READ, TR_READ | TR_WRITE, TR_READ | TR_EXEC,
		TR_READ | TR_WRITE | TR_EXEC,
	};
	unsigned int i;

	for (i = 0; i < 4; i++) {
		if (s && !strcmp(s, names[i])) {
			*rights = bits[i];
			return 0;
		}
	}
	return -EINVAL;
}

/* Per-range facts the reader checks later lines against. */
struct idinfo {
	u64 pages;	/* as allocated */
	u64 left;	/* not yet released by the allocator (upper bound) */
};

struct reader {
	struct trace *t;
	struct names ids;
	struct names procs;
	struct idinfo *info;
	u64 ninfo;
	u64 cap;
	u64 live_pages;
};

static int push_op(struct reader *r, const struct trace_op *op)
{
	struct trace *t = r->t;
	struct trace_op *ops;

	if (t->nops == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 4096;
		ops = realloc(t->ops, r->cap * sizeof(*ops));
		if (!ops)
			return -ENOMEM;
		t->ops = ops;
	}
	t->ops[t->nops++] = *op;
	t->count[op->kind]++;
	return 0;
}

static int get_proc(struct reader *r, const char *tok, u32 *proc)
{
	long v;

	if (!tok || strlen(tok) > MAX_TOKEN)
		return -EINVAL;
	if (r->procs.count >= MAX_PROCS && names_get(&r->procs, tok, 0) < 0)
		return -E2BIG;
	v = names_get(&r->procs, tok, 1);
	if (v < 0)
		return (int)v;
	*proc = (u32)v;
	return 0;
}

static int line_a(struct reader *r, char **f, int nf, struct trace_op *op)
{
	struct idinfo *info;
	u64 bytes, align = 1 << PAGE_SHIFT;
	long v;
	int err;

	if (nf < 3 || nf > 5 || strlen(f[1]) > MAX_TOKEN ||
	    parse_u64(f[2], MAX_BYTES, &bytes) || !bytes)
		return -EINVAL;
	err = get_proc(r, nf >= 4 ? f[3] : "0", &op->proc);
	if (err)
		return err;
	if (nf == 5 && (parse_u64(f[4], MAX_ALIGN, &align) ||
			align < ((u64)1 << PAGE_SHIFT) || (align & (align - 1))))
		return -EINVAL;
	if (names_get(&r->ids, f[1], 0) >= 0)
		return -EEXIST;
	v = names_get(&r->ids, f[1], 1);
	if (v < 0)
		return (int)v;
	if (r->ninfo == (u64)v) {
		info = realloc(r->info, (r->ninfo * 2 + 1024) * sizeof(*info));
		if (!info)
			return -ENOMEM;
		r->info = info;
		r->ninfo = r->ninfo * 2 + 1024;
	}
	op->id = (u32)v;
	op->x = pages_up(bytes);
	op->y = align >> PAGE_SHIFT;
	r->info[v].pages = op->x;
	r->info[v].left = op->x;
	r->live_pages += op->x;
	if (r->live_pages > r->t->peak_pages)
		r->t->peak_pages = r->live_pages;
	if (op->y > r->t->max_align)
		r->t->max_align = op->y;
	return 0;
}

static int parse_line(struct reader *r, char **f, int nf)
{
	struct trace_op op = { 0 };
	struct idinfo *info;
	u64 off, bytes, cut;
	long v;
	int err = 0;

	if (strlen(f[0]) != 1 || nf < 2)
		return -EINVAL;
	while (op.kind < OP_NKINDS && op_letters[op.kind] != f[0][0])
		op.kind++;
	if (op.kind == OP_NKINDS)
		return -EINVAL;
	if (op.kind == OP_A) {
		err = line_a(r, f, nf, &op);
		return err ? err : push_op(r, &op);
	}
	v = names_get(&r->ids, f[1], 0);
	if (v < 0)
		return -ENOENT;
	op.id = (u32)v;
	info = &r->info[v];
	switch (op.kind) {
	case OP_F:
		if (nf != 2)
			return -EINVAL;
		r->live_pages -= info->left;
		info->left = 0;
		break;
	case OP_P:
		if (nf != 4 || parse_u64(f[2], MAX_BYTES, &off) ||
		    parse_u64(f[3], MAX_BYTES, &bytes) || !bytes ||
		    off + bytes > info->pages << PAGE_SHIFT)
			return -EINVAL;
		op.x = off >> PAGE_SHIFT;
		op.y = pages_up(off + bytes) - op.x;
		cut = op.y < info->left ? op.y : info->left;
		info->left -= cut;
		r->live_pages -= cut;
		break;
	case OP_S:
		if (nf != 4 || parse_rights(f[3], &op.rights))
			return -EINVAL;
		err = get_proc(r, f[2], &op.proc);
		break;
	case OP_D:
		if (nf != 3)
			return -EINVAL;
		err = get_proc(r, f[2], &op.proc);
		break;
	case OP_Q:
		if (nf != 4 || parse_u64(f[2], MAX_BYTES, &off) ||
		    off >= info->pages << PAGE_SHIFT)
			return -EINVAL;
		op.x = off >> PAGE_SHIFT;
		err = get_proc(r, f[3], &op.proc);
		break;
	}
	return err ? err : push_op(r, &op);
}

int trace_load(const char *path, struct trace *t)
{
	struct reader r = { .t = t };
	char *line = NULL, *f[8], *save, *tok;
	size_t cap = 0;
	u64 lineno = 0;
	int nf, err = 0;
	FILE *in;

	memset(t, 0, sizeof(*t));
	in = fopen(path, "r");
	if (!in) {
		fprintf(stderr, "fvbench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, in) > 0) {
		lineno++;
		nf = 0;
		for (tok = strtok_r(line, " \t\r\n", &save); tok;
		     tok = strtok_r(NULL, " \t\r\n", &save)) {
			if (nf == 8) {
				err = -EINVAL;
				break;
			}
			f[nf++] = tok;
		}
		if (err)
			break;
		if (!nf || f[0][0] == '#')
			continue;
		err = parse_line(&r, f, nf);
		if (err)
			break;
	}
	if (!err && ferror(in))
		err = -EIO;
	fclose(in);
	free(line);
	t->nids = r.ids.count;
	t->nprocs = r.procs.count;
	names_free(&r.ids);
	names_free(&r.procs);
	free(r.info);
	if (err) {
		fprintf(stderr, "fvbench: %s:%llu: %s\n", path,
			(unsigned long long)lineno,
			err == -ENOENT ? "range never allocated" :
			err == -EEXIST ? "range id used twice" :
			err == -ENOMEM ? "out of memory" :
			err == -E2BIG ? "too many processes" :
			err == -EIO ? "read error" : "malformed line");
		trace_free(t);
		return -1;
	}
	if (!t->nops) {
		fprintf(stderr, "fvbench: %s: no operations\n", path);
		trace_free(t);
		return -1;
	}
	return 0;
}

void trace_free(struct trace *t)
{
	free(t->ops);
	t->ops = NULL;
	t->nops = 0;
}
