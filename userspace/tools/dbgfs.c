// SPDX-License-Identifier: GPL-2.0
/*
 * The flatvm command: strict parsers of the module's debugfs files.  A
 * file is a sequence of lines each ending in '\n'; each line must match
 * one form exactly (single spaces, lower-case hex with 0x, decimal
 * numbers), else the parse fails naming the line.  The forms are those of
 * module/flatvm_debugfs.c, flatvm_proc.c (holders) and flatvm_pages.c
 * (users); a change there is a change of one function here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/flatvm.h>

#include "dbgfs.h"

/* A cursor over one line [p, end). */
struct scan {
	const char *p, *end;
};

static bool sc_lit(struct scan *s, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n))
		return false;
	s->p += n;
	return true;
}

static bool sc_digits(struct scan *s, unsigned int base, uint64_t *v)
{
	const char *start = s->p;
	uint64_t x = 0;

	while (s->p < s->end) {
		char c = *s->p;
		unsigned int d;

		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned int)(c - 'a' + 10);
		else
			break;
		if (x > (UINT64_MAX - d) / base)
			return false;		/* overflow */
		x = x * base + d;
		s->p++;
	}
	/* No empty number, no leading zero in decimal ("0" itself is fine). */
	if (s->p == start || (base == 10 && *start == '0' && s->p - start > 1))
		return false;
	*v = x;
	return true;
}

static bool sc_u64(struct scan *s, uint64_t *v)
{
	return sc_digits(s, 10, v);
}

static bool sc_hex(struct scan *s, uint64_t *v)
{
	return sc_lit(s, "0x") && sc_digits(s, 16, v);
}

static bool sc_i64(struct scan *s, int64_t *v)
{
	bool neg = sc_lit(s, "-");
	uint64_t x;

	if (!sc_u64(s, &x) || x > INT64_MAX)
		return false;
	*v = neg ? -(int64_t)x : (int64_t)x;
	return true;
}

static bool sc_rights(struct scan *s, uint32_t *rights)
{
	if (s->end - s->p < 3)
		return false;
	*rights = 0;
	if (s->p[0] == 'r')
		*rights |= FLATVM_RIGHT_READ;
	else if (s->p[0] != '-')
		return false;
	if (s->p[1] == 'w')
		*rights |= FLATVM_RIGHT_WRITE;
	else if (s->p[1] != '-')
		return false;
	if (s->p[2] == 'x')
		*rights |= FLATVM_RIGHT_EXEC;
	else if (s->p[2] != '-')
		return false;
	s->p += 3;
	return true;
}

static bool sc_done(const struct scan *s)
{
	return s->p == s->end;
}

static int fail(struct dbg_error *err, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct dbg_error *err, unsigned int line, const char *fmt, ...)
{
	va_list ap;

	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -EPROTO;
}

/* "unexpected line: <the line, cut>" */
static int fail_line(struct dbg_error *err, unsigned int line,
		     const struct scan *whole)
{
	int len = (int)(whole->end - whole->p);

	return fail(err, line, "unexpected line: '%.*s'", len > 100 ? 100 : len,
		    whole->p);
}

/*
 * Calls @fn on each line of @text.  Every line must end in '\n'; an empty
 * line is an error.
 */
static int each_line(const char *text, struct dbg_error *err,
		     int (*fn)(void *ctx, struct scan *s, unsigned int line,
			       struct dbg_error *err),
		     void *ctx)
{
	unsigned int line = 0;
	const char *p = text;
	int ret;

	while (*p) {
		const char *nl = strchr(p, '\n');
		struct scan s;

		line++;
		if (!nl)
			return fail(err, line, "last line not terminated");
		if (nl == p)
			return fail(err, line, "empty line");
		s.p = p;
		s.end = nl;
		ret = fn(ctx, &s, line, err);
		if (ret)
			return ret;
		p = nl + 1;
	}
	return 0;
}

/* Append @item (@size bytes) to the array *@v of *@n items, doubling it. */
static int list_add(void *v, size_t *n, size_t size, const void *item)
{
	void **vp = v;

	if (!(*n & (*n - 1))) {
		void *nv = realloc(*vp, (*n ? 2 * *n : 1) * size);

		if (!nv)
			return -ENOMEM;
		*vp = nv;
	}
	memcpy((char *)*vp + *n * size, item, size);
	(*n)++;
	return 0;
}

#define LIST_ADD(l, item)	list_add(&(l)->v, &(l)->n, sizeof(*(l)->v), &(item))

/*
 * ranges: "0x<start>-0x<end> range <id> holders[ <domain>:<rwx>]..."
 * (start < end, both page-aligned).
 */
static int parse_extent(void *ctx, struct scan *s, unsigned int line,
			struct dbg_error *err)
{
	dbg_extents *out = ctx;
	struct dbg_extent e = { 0 };
	struct scan whole = *s;
	size_t cap = 0;

	if (!sc_hex(s, &e.start) || !sc_lit(s, "-") || !sc_hex(s, &e.end) ||
	    !sc_lit(s, " range ") || !sc_u64(s, &e.range) ||
	    !sc_lit(s, " holders"))
		return fail_line(err, line, &whole);
	while (!sc_done(s)) {
		struct dbg_hold h;

		if (!sc_lit(s, " ") || !sc_u64(s, &h.domain) || !sc_lit(s, ":") ||
		    !sc_rights(s, &h.rights)) {
			free(e.holds);
			return fail_line(err, line, &whole);
		}
		if (e.nholds == cap) {
			struct dbg_hold *n;

			cap = cap ? 2 * cap : 4;
			n = realloc(e.holds, cap * sizeof(*n));
			if (!n) {
				free(e.holds);
				return -ENOMEM;
			}
			e.holds = n;
		}
		e.holds[e.nholds++] = h;
	}
	if (e.start >= e.end || (e.start | e.end) & 4095) {
		free(e.holds);
		return fail(err, line, "bad extent 0x%llx-0x%llx",
			    (unsigned long long)e.start,
			    (unsigned long long)e.end);
	}
	if (LIST_ADD(out, e)) {
		free(e.holds);
		return -ENOMEM;
	}
	return 0;
}

int dbg_parse_ranges(const char *text, dbg_extents *out, struct dbg_error *err)
{
	int ret;

	memset(out, 0, sizeof(*out));
	ret = each_line(text, err, parse_extent, out);
	if (ret)
		dbg_free_extents(out);
	return ret;
}

/* holders: "domain <id> pid <pid> pages <n> holds <n>[ window]" */
static int parse_proc(void *ctx, struct scan *s, unsigned int line,
		      struct dbg_error *err)
{
	dbg_procs *out = ctx;
	struct dbg_proc p = { 0 };
	struct scan whole = *s;

	if (!sc_lit(s, "domain ") || !sc_u64(s, &p.domain) ||
	    !sc_lit(s, " pid ") || !sc_i64(s, &p.pid) ||
	    !sc_lit(s, " pages ") || !sc_u64(s, &p.pages) ||
	    !sc_lit(s, " holds ") || !sc_u64(s, &p.holds))
		return fail_line(err, line, &whole);
	p.window = sc_lit(s, " window");
	if (!sc_done(s))
		return fail_line(err, line, &whole);
	return LIST_ADD(out, p);
}

int dbg_parse_holders(const char *text, dbg_procs *out, struct dbg_error *err)
{
	int ret;

	memset(out, 0, sizeof(*out));
	ret = each_line(text, err, parse_proc, out);
	if (ret)
		dbg_free_procs(out);
	return ret;
}

/* free: "0x<start>-0x<end> <n> pages", n = (end - start) / 4096 */
static int parse_free(void *ctx, struct scan *s, unsigned int line,
		      struct dbg_error *err)
{
	dbg_frees *out = ctx;
	struct dbg_free f;
	struct scan whole = *s;

	if (!sc_hex(s, &f.start) || !sc_lit(s, "-") || !sc_hex(s, &f.end) ||
	    !sc_lit(s, " ") || !sc_u64(s, &f.pages) || !sc_lit(s, " pages") ||
	    !sc_done(s))
		return fail_line(err, line, &whole);
	if (f.start >= f.end || (f.start | f.end) & 4095 ||
	    (f.end - f.start) / 4096 != f.pages)
		return fail(err, line, "inconsistent free extent: '%.*s'",
			    (int)(whole.end - whole.p), whole.p);
	return LIST_ADD(out, f);
}

int dbg_parse_free(const char *text, dbg_frees *out, struct dbg_error *err)
{
	int ret;

	memset(out, 0, sizeof(*out));
	ret = each_line(text, err, parse_free, out);
	if (ret)
		dbg_free_frees(out);
	return ret;
}

/*
 * counters: "<key> <value>" for each key of this table, once, then users:
 * "user <uid> pages <n> bytes <n> ranges <n> records <n>".
 */
static const struct {
	const char *key;
	size_t off;
	bool hex;
} counter_keys[] = {
#define K(name, hex) { #name, offsetof(struct dbg_counters, name), hex }
	K(window_base, true), K(window_bytes, false), K(free_bytes, false),
	K(largest_free, false), K(free_extents, false), K(ranges, false),
	K(extents, false), K(holders, false), K(processes, false),
	K(metadata_bytes, false), K(pages, false), K(max_pages, false),
	K(max_user_pages, false), K(max_user_bytes, false),
	K(max_user_ranges, false), K(max_user_records, false),
#undef K
};
#define NKEYS	(sizeof(counter_keys) / sizeof(counter_keys[0]))

struct counters_ctx {
	struct dbg_counters *out;
	uint32_t seen;		/* bit per key */
};

static int parse_counter(void *ctx, struct scan *s, unsigned int line,
			 struct dbg_error *err)
{
	struct counters_ctx *c = ctx;
	struct scan whole = *s;
	struct dbg_user u;
	size_t i;

	if (sc_lit(s, "user ")) {
		if (!sc_u64(s, &u.uid) || !sc_lit(s, " pages ") ||
		    !sc_u64(s, &u.pages) || !sc_lit(s, " bytes ") ||
		    !sc_u64(s, &u.bytes) || !sc_lit(s, " ranges ") ||
		    !sc_u64(s, &u.ranges) || !sc_lit(s, " records ") ||
		    !sc_u64(s, &u.records) || !sc_done(s))
			return fail_line(err, line, &whole);
		return list_add(&c->out->users, &c->out->nusers, sizeof(u), &u);
	}
	for (i = 0; i < NKEYS; i++) {
		uint64_t v;

		*s = whole;
		if (!sc_lit(s, counter_keys[i].key) || !sc_lit(s, " "))
			continue;
		if (!(counter_keys[i].hex ? sc_hex(s, &v) : sc_u64(s, &v)) ||
		    !sc_done(s))
			return fail_line(err, line, &whole);
		if (c->seen & (1u << i))
			return fail(err, line, "%s given twice", counter_keys[i].key);
		if (c->out->nusers)
			return fail(err, line, "%s after the user lines",
				    counter_keys[i].key);
		c->seen |= 1u << i;
		memcpy((char *)c->out + counter_keys[i].off, &v, sizeof(v));
		return 0;
	}
	return fail_line(err, line, &whole);
}

int dbg_parse_counters(const char *text, struct dbg_counters *out,
		       struct dbg_error *err)
{
	struct counters_ctx c = { .out = out };
	unsigned int lines = 0;
	const char *p;
	size_t i;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = each_line(text, err, parse_counter, &c);
	if (!ret && c.seen != (1u << NKEYS) - 1) {
		for (p = text; *p; p++)
			lines += *p == '\n';
		for (i = 0; !(~c.seen & (1u << i)); i++)
			;
		ret = fail(err, lines, "%s missing", counter_keys[i].key);
	}
	if (ret)
		dbg_free_counters(out);
	return ret;
}

/* check: "ok" or "FAILED <err> (details in the kernel log)" */
int dbg_parse_check(const char *text, struct dbg_check *out,
		    struct dbg_error *err)
{
	struct scan s = { text, text + strlen(text) };
	int64_t e;

	if (s.p == s.end || s.end[-1] != '\n')
		return fail(err, 1, "no verdict");
	s.end--;
	if (sc_lit(&s, "ok") && sc_done(&s)) {
		out->ok = true;
		out->err = 0;
		return 0;
	}
	s.p = text;
	if (sc_lit(&s, "FAILED ") && sc_i64(&s, &e) &&
	    sc_lit(&s, " (details in the kernel log)") && sc_done(&s)) {
		out->ok = false;
		out->err = (long)e;
		return 0;
	}
	s.p = text;
	return fail_line(err, 1, &s);
}

void dbg_free_extents(dbg_extents *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].holds);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void dbg_free_procs(dbg_procs *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void dbg_free_frees(dbg_frees *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void dbg_free_counters(struct dbg_counters *c)
{
	free(c->users);
	c->users = NULL;
	c->nusers = 0;
}
