// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm(8): look at the flatvm module.
 *
 *   flatvm [--json] [--device PATH] [--debugfs DIR] COMMAND
 *   stats        the module's counters (FLATVM_IOC_STATS)
 *   query ADDR   what is at an address (FLATVM_IOC_QUERY)
 *   ranges       every extent of every range and its holders (debugfs)
 *   holders      every process the module knows (debugfs)
 *   free         every free extent of the window (debugfs)
 *   check        run the core's invariant checker (debugfs)
 *
 * This file owns the commands, their tables and JSON, and the errors and
 * exit codes; parsing the debugfs text is dbgfs.c's, formatting out.c's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "libflatvm.h"
#include "dbgfs.h"
#include "out.h"

#define FLATVM_TOOL_VERSION	"0.1"
#define DEBUGFS_MOUNT		"/sys/kernel/debug"
#define DEBUGFS_DIR		DEBUGFS_MOUNT "/flatvm"
#define DEBUGFS_MAGIC_NR	0x64626720

/* Exit codes (flatvm.8, EXIT STATUS). */
enum {
	EX_OK = 0,
	EX_NEGATIVE = 1,	/* check FAILED, or nothing at the address */
	EX_USAGE = 2,
	EX_NOMODULE = 3,	/* /dev/flatvm or debugfs's flatvm/ missing */
	EX_NODEBUGFS = 4,	/* debugfs not mounted */
	EX_PERM = 5,		/* permission denied */
	EX_FORMAT = 6,		/* debugfs text not understood */
	EX_ERROR = 7,		/* any other failure */
};

struct opts {
	bool json;
	const char *device;
	const char *debugfs;
};

static int err_exit(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int err_exit(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("flatvm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

/* Why @dir cannot be used: the exit code, after saying so. */
static int debugfs_missing(const struct opts *o, int err)
{
	struct statfs sf;

	if (err == EACCES || err == EPERM)
		return err_exit(EX_PERM, "%s: permission denied (debugfs is readable by root only)",
				o->debugfs);
	if (err != ENOENT)
		return err_exit(EX_ERROR, "%s: %s", o->debugfs, strerror(err));
	if (!strcmp(o->debugfs, DEBUGFS_DIR) &&
	    (statfs(DEBUGFS_MOUNT, &sf) || sf.f_type != DEBUGFS_MAGIC_NR))
		return err_exit(EX_NODEBUGFS,
				"debugfs is not mounted on %s (mount -t debugfs none %s)",
				DEBUGFS_MOUNT, DEBUGFS_MOUNT);
	return err_exit(EX_NOMODULE, "%s: no such directory: the flatvm module is not loaded",
			o->debugfs);
}

/* The whole of debugfs file @name in *@text (caller frees): exit code. */
static int read_debugfs(const struct opts *o, const char *name, char **text)
{
	size_t len = 0, cap = 4096;
	char path[4096], *buf;
	struct stat st;
	ssize_t n;
	int fd;

	if (stat(o->debugfs, &st))
		return debugfs_missing(o, errno);
	snprintf(path, sizeof(path), "%s/%s", o->debugfs, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return err_exit(EX_FORMAT, "%s: missing (a flatvm module this command does not know?)",
					path);
		if (errno == EACCES || errno == EPERM)
			return err_exit(EX_PERM, "%s: permission denied (run as root)", path);
		return err_exit(EX_ERROR, "%s: %s", path, strerror(errno));
	}
	buf = malloc(cap);
	for (;;) {
		if (!buf) {
			close(fd);
			return err_exit(EX_ERROR, "out of memory");
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (cap - len == 1) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				free(buf);
			buf = nb;
			cap *= 2;
		}
	}
	close(fd);
	if (n < 0) {
		free(buf);
		return err_exit(EX_ERROR, "%s: %s", path, strerror(errno));
	}
	buf[len] = '\0';
	if (strlen(buf) != len) {
		free(buf);
		return err_exit(EX_FORMAT, "%s: NUL byte in the text", path);
	}
	*text = buf;
	return EX_OK;
}

/* The debugfs files the command reads, each with its parser. */
enum dbg_file { F_RANGES, F_HOLDERS, F_FREE, F_COUNTERS, F_CHECK };

static const char *const dbg_file_name[] = {
	[F_RANGES] = "ranges", [F_HOLDERS] = "holders", [F_FREE] = "free",
	[F_COUNTERS] = "counters", [F_CHECK] = "check",
};

/* Read and parse debugfs file @f into @out (of its parser's type): exit code. */
static int load(const struct opts *o, enum dbg_file f, void *out)
{
	const char *name = dbg_file_name[f];
	struct dbg_error e;
	char *text;
	int ret;

	ret = read_debugfs(o, name, &text);
	if (ret)
		return ret;
	switch (f) {
	case F_RANGES:
		ret = dbg_parse_ranges(text, out, &e);
		break;
	case F_HOLDERS:
		ret = dbg_parse_holders(text, out, &e);
		break;
	case F_FREE:
		ret = dbg_parse_free(text, out, &e);
		break;
	case F_COUNTERS:
		ret = dbg_parse_counters(text, out, &e);
		break;
	case F_CHECK:
		ret = dbg_parse_check(text, out, &e);
		break;
	}
	free(text);
	if (ret == -EPROTO)
		return err_exit(EX_FORMAT, "%s/%s:%u: %s", o->debugfs, name, e.line,
				e.msg);
	if (ret)
		return err_exit(EX_ERROR, "%s/%s: %s", o->debugfs, name, strerror(-ret));
	return EX_OK;
}

static int open_device(const struct opts *o, int *fd)
{
	int ret = flatvm_open_path(o->device, O_RDONLY);

	if (ret >= 0) {
		*fd = ret;
		return EX_OK;
	}
	if (ret == -ENOENT)
		return err_exit(EX_NOMODULE, "%s: no such device: the flatvm module is not loaded",
				o->device);
	if (ret == -EACCES || ret == -EPERM)
		return err_exit(EX_PERM, "%s: permission denied", o->device);
	return err_exit(EX_ERROR, "%s: %s", o->device,
			flatvm_strerror(FLATVM_OP_OPEN, ret));
}

static const char *hex(uint64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "0x%" PRIx64, v);
	return buf;
}

static const char *num(uint64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

static const char *size(uint64_t v, char *buf, size_t len)
{
	fmt_size(v, buf, len);
	return buf;
}

/* A key/value table without heads (stats, query). */
static int kv_add(struct table *t, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int kv_add(struct table *t, const char *key, const char *fmt, ...)
{
	const char *row[2];
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	row[0] = key;
	row[1] = buf;
	return table_add(t, row);
}

static int print_table(struct table *t)
{
	table_print(t, stdout);
	table_free(t);
	return EX_OK;
}

/*
 * stats: the ioctl's counters for anyone; for root (debugfs readable) also
 * those only debugfs has: free extents, metadata, pages per user.
 */
static int cmd_stats(const struct opts *o)
{
	static const char *const heads[] = { "FIELD", "VALUE" };
	struct dbg_counters dc = { 0 };
	struct flatvm_stats st;
	char a[64], b[64], c[64], path[4096];
	bool have_dc = false;
	struct table t;
	struct json j;
	size_t i;
	int fd, ret;

	ret = open_device(o, &fd);
	if (ret)
		return ret;
	ret = flatvm_stats(fd, &st);
	flatvm_close(fd);
	if (ret)
		return err_exit(EX_ERROR, "stats: %s", flatvm_strerror(FLATVM_OP_STATS, ret));
	snprintf(path, sizeof(path), "%s/counters", o->debugfs);
	if (!access(path, R_OK)) {
		ret = load(o, F_COUNTERS, &dc);
		if (ret)
			return ret;
		have_dc = true;
	}
	if (o->json) {
		json_init(&j, stdout);
		json_begin_object(&j, NULL);
		json_hex(&j, "window_base", st.window_base);
		json_u64(&j, "window_bytes", st.window_size);
		json_u64(&j, "free_bytes", st.free_bytes);
		json_u64(&j, "largest_free_bytes", st.largest_free);
		json_u64(&j, "ranges", st.ranges);
		json_u64(&j, "extents", st.extents);
		json_u64(&j, "holders", st.holders);
		json_u64(&j, "processes", st.processes);
		json_u64(&j, "pages", st.pages);
		json_u64(&j, "user_pages", st.user_pages);
		json_u64(&j, "max_pages", st.max_pages);
		json_u64(&j, "max_user_pages", st.max_user_pages);
		json_u64(&j, "user_bytes", st.user_bytes);
		json_u64(&j, "user_ranges", st.user_ranges);
		json_u64(&j, "user_records", st.user_records);
		json_u64(&j, "max_user_bytes", st.max_user_bytes);
		json_u64(&j, "max_user_ranges", st.max_user_ranges);
		json_u64(&j, "max_user_records", st.max_user_records);
		if (have_dc) {
			json_begin_object(&j, "debugfs");
			json_u64(&j, "free_extents", dc.free_extents);
			json_u64(&j, "metadata_bytes", dc.metadata_bytes);
			json_u64(&j, "max_user_bytes", dc.max_user_bytes);
			json_u64(&j, "max_user_ranges", dc.max_user_ranges);
			json_u64(&j, "max_user_records", dc.max_user_records);
			json_begin_array(&j, "users");
			for (i = 0; i < dc.nusers; i++) {
				json_begin_object(&j, NULL);
				json_u64(&j, "uid", dc.users[i].uid);
				json_u64(&j, "pages", dc.users[i].pages);
				json_u64(&j, "bytes", dc.users[i].bytes);
				json_u64(&j, "ranges", dc.users[i].ranges);
				json_u64(&j, "records", dc.users[i].records);
				json_end_object(&j);
			}
			json_end_array(&j);
			json_end_object(&j);
		}
		json_end_object(&j);
		dbg_free_counters(&dc);
		return EX_OK;
	}
	table_init(&t, 2, heads, "ll");
	kv_add(&t, "window", "%s-%s  %s", hex(st.window_base, a, sizeof(a)),
	       hex(st.window_base + st.window_size, b, sizeof(b)),
	       size(st.window_size, c, sizeof(c)));
	kv_add(&t, "free", "%s  (%.1f%%)", size(st.free_bytes, a, sizeof(a)),
	       st.window_size ? 100.0 * (double)st.free_bytes / (double)st.window_size : 0.0);
	kv_add(&t, "largest free", "%s", size(st.largest_free, a, sizeof(a)));
	kv_add(&t, "ranges", "%" PRIu64, (uint64_t)st.ranges);
	kv_add(&t, "extents", "%" PRIu64, (uint64_t)st.extents);
	kv_add(&t, "holders", "%" PRIu64, (uint64_t)st.holders);
	kv_add(&t, "processes", "%" PRIu64, (uint64_t)st.processes);
	kv_add(&t, "pages", "%" PRIu64 "  (%s)", (uint64_t)st.pages,
	       size(st.pages * 4096, a, sizeof(a)));
	kv_add(&t, "your user's pages", "%" PRIu64 "  (%s)", (uint64_t)st.user_pages,
	       size(st.user_pages * 4096, a, sizeof(a)));
	kv_add(&t, "max pages", "%" PRIu64 "  (%s)", (uint64_t)st.max_pages,
	       size(st.max_pages * 4096, a, sizeof(a)));
	kv_add(&t, "max pages per user", "%" PRIu64 "  (%s)", (uint64_t)st.max_user_pages,
	       size(st.max_user_pages * 4096, a, sizeof(a)));
	kv_add(&t, "your user's address space", "%s  of %s",
	       size(st.user_bytes, a, sizeof(a)), size(st.max_user_bytes, b, sizeof(b)));
	kv_add(&t, "your user's ranges", "%" PRIu64 "  of %" PRIu64,
	       (uint64_t)st.user_ranges, (uint64_t)st.max_user_ranges);
	kv_add(&t, "your user's records", "%" PRIu64 "  of %" PRIu64,
	       (uint64_t)st.user_records, (uint64_t)st.max_user_records);
	if (have_dc) {
		kv_add(&t, "free extents", "%" PRIu64, dc.free_extents);
		kv_add(&t, "metadata", "%s", size(dc.metadata_bytes, a, sizeof(a)));
		for (i = 0; i < dc.nusers; i++) {
			snprintf(b, sizeof(b), "pages of uid %" PRIu64, dc.users[i].uid);
			kv_add(&t, b, "%" PRIu64 "  (%s)", dc.users[i].pages,
			       size(dc.users[i].pages * 4096, a, sizeof(a)));
			snprintf(b, sizeof(b), "quotas of uid %" PRIu64, dc.users[i].uid);
			kv_add(&t, b, "%s, %" PRIu64 " ranges, %" PRIu64 " records",
			       size(dc.users[i].bytes, a, sizeof(a)), dc.users[i].ranges,
			       dc.users[i].records);
		}
		dbg_free_counters(&dc);
	}
	return print_table(&t);
}

/* An address: 0x-prefixed hex or decimal, nothing after it. */
static int parse_addr(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *end ? -EINVAL : 0;
}

static int cmd_query(const struct opts *o, const char *arg)
{
	static const char *const heads[] = { "FIELD", "VALUE" };
	char a[64], b[64], c[64], r[4];
	struct flatvm_query q;
	struct table t;
	struct json j;
	uint64_t addr;
	int fd, ret;

	if (!arg || parse_addr(arg, &addr))
		return err_exit(EX_USAGE, "query: give one address (0x... or decimal)");
	ret = open_device(o, &fd);
	if (ret)
		return ret;
	ret = flatvm_query(fd, (void *)(uintptr_t)addr, &q);
	flatvm_close(fd);
	if (ret == -ENOENT)
		return err_exit(EX_NEGATIVE, "0x%" PRIx64 ": %s", addr,
				flatvm_strerror(FLATVM_OP_QUERY, ret));
	if (ret)
		return err_exit(EX_ERROR, "query: %s", flatvm_strerror(FLATVM_OP_QUERY, ret));
	fmt_rights(q.rights, r);
	if (o->json) {
		json_init(&j, stdout);
		json_begin_object(&j, NULL);
		json_hex(&j, "address", addr);
		json_u64(&j, "range", q.range_id);
		json_hex(&j, "range_start", q.range_start);
		json_u64(&j, "range_bytes", q.range_len);
		json_hex(&j, "extent_start", q.ext_start);
		json_u64(&j, "extent_bytes", q.ext_len);
		json_str(&j, "rights", r);
		json_u64(&j, "holders", q.nholders);
		json_bool(&j, "mapped", q.oflags & FLATVM_QUERY_MAPPED);
		json_end_object(&j);
		return EX_OK;
	}
	table_init(&t, 2, heads, "ll");
	kv_add(&t, "address", "0x%" PRIx64, addr);
	kv_add(&t, "range", "%" PRIu64 "  %s-%s  %s", (uint64_t)q.range_id,
	       hex(q.range_start, a, sizeof(a)),
	       hex(q.range_start + q.range_len, b, sizeof(b)),
	       size(q.range_len, c, sizeof(c)));
	kv_add(&t, "extent", "%s-%s  %s", hex(q.ext_start, a, sizeof(a)),
	       hex(q.ext_start + q.ext_len, b, sizeof(b)),
	       size(q.ext_len, c, sizeof(c)));
	kv_add(&t, "holders", "%u", q.nholders);
	kv_add(&t, "rights (this process)", "%s", r);
	kv_add(&t, "mapped (this process)", "%s",
	       q.oflags & FLATVM_QUERY_MAPPED ? "yes" : "no");
	return print_table(&t);
}

static int64_t pid_of(const dbg_procs *procs, uint64_t domain)
{
	size_t i;

	for (i = 0; i < procs->n; i++)
		if (procs->v[i].domain == domain)
			return procs->v[i].pid;
	return -1;
}

static int cmd_ranges(const struct opts *o)
{
	static const char *const heads[] = { "START", "END", "SIZE", "RANGE", "HOLDERS" };
	dbg_extents ex;
	dbg_procs procs;
	struct table t;
	struct json j;
	size_t i, k;
	int ret;

	ret = load(o, F_RANGES, &ex);
	if (ret)
		return ret;
	ret = load(o, F_HOLDERS, &procs);
	if (ret) {
		dbg_free_extents(&ex);
		return ret;
	}
	json_init(&j, stdout);
	if (o->json) {
		json_begin_object(&j, NULL);
		json_begin_array(&j, "extents");
	}
	table_init(&t, 5, heads, "llrrl");
	for (i = 0; i < ex.n; i++) {
		const struct dbg_extent *e = &ex.v[i];
		char a[32], b[32], c[32], d[32], who[1024] = "", r[4];
		const char *row[5] = { a, b, c, d, who };
		size_t used = 0;

		if (o->json) {
			json_begin_object(&j, NULL);
			json_hex(&j, "start", e->start);
			json_hex(&j, "end", e->end);
			json_u64(&j, "bytes", e->end - e->start);
			json_u64(&j, "range", e->range);
			json_begin_array(&j, "holders");
		}
		for (k = 0; k < e->nholds; k++) {
			int64_t pid = pid_of(&procs, e->holds[k].domain);

			fmt_rights(e->holds[k].rights, r);
			if (o->json) {
				json_begin_object(&j, NULL);
				json_u64(&j, "domain", e->holds[k].domain);
				json_i64(&j, "pid", pid);
				json_str(&j, "rights", r);
				json_end_object(&j);
			} else if (used < sizeof(who)) {
				used += (size_t)snprintf(who + used, sizeof(who) - used,
							 "%spid %" PRId64 " %s",
							 k ? ", " : "", pid, r);
			}
		}
		if (o->json) {
			json_end_array(&j);
			json_end_object(&j);
			continue;
		}
		hex(e->start, a, sizeof(a));
		hex(e->end, b, sizeof(b));
		size(e->end - e->start, c, sizeof(c));
		num(e->range, d, sizeof(d));
		table_add(&t, row);
	}
	if (o->json) {
		json_end_array(&j);
		json_end_object(&j);
	} else {
		table_print(&t, stdout);
	}
	table_free(&t);
	dbg_free_extents(&ex);
	dbg_free_procs(&procs);
	return EX_OK;
}

static int cmd_holders(const struct opts *o)
{
	static const char *const heads[] = { "DOMAIN", "PID", "PAGES", "MEMORY", "HOLDS", "WINDOW" };
	dbg_procs procs;
	struct table t;
	struct json j;
	size_t i;
	int ret;

	ret = load(o, F_HOLDERS, &procs);
	if (ret)
		return ret;
	if (o->json) {
		json_init(&j, stdout);
		json_begin_object(&j, NULL);
		json_begin_array(&j, "processes");
		for (i = 0; i < procs.n; i++) {
			json_begin_object(&j, NULL);
			json_u64(&j, "domain", procs.v[i].domain);
			json_i64(&j, "pid", procs.v[i].pid);
			json_u64(&j, "pages", procs.v[i].pages);
			json_u64(&j, "bytes", procs.v[i].pages * 4096);
			json_u64(&j, "holds", procs.v[i].holds);
			json_bool(&j, "window", procs.v[i].window);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_end_object(&j);
		dbg_free_procs(&procs);
		return EX_OK;
	}
	table_init(&t, 6, heads, "rrrrrl");
	for (i = 0; i < procs.n; i++) {
		char a[32], b[32], c[32], d[32], e[32];
		const char *row[6] = { a, b, c, d, e,
				       procs.v[i].window ? "mapped" : "-" };

		num(procs.v[i].domain, a, sizeof(a));
		snprintf(b, sizeof(b), "%" PRId64, procs.v[i].pid);
		num(procs.v[i].pages, c, sizeof(c));
		size(procs.v[i].pages * 4096, d, sizeof(d));
		num(procs.v[i].holds, e, sizeof(e));
		table_add(&t, row);
	}
	dbg_free_procs(&procs);
	return print_table(&t);
}

static int cmd_free(const struct opts *o)
{
	static const char *const heads[] = { "START", "END", "SIZE", "PAGES" };
	uint64_t total = 0, largest = 0;
	dbg_frees fr;
	struct table t;
	struct json j;
	char a[32], b[32];
	size_t i;
	int ret;

	ret = load(o, F_FREE, &fr);
	if (ret)
		return ret;
	for (i = 0; i < fr.n; i++) {
		uint64_t len = fr.v[i].end - fr.v[i].start;

		total += len;
		if (len > largest)
			largest = len;
	}
	if (o->json) {
		json_init(&j, stdout);
		json_begin_object(&j, NULL);
		json_u64(&j, "free_bytes", total);
		json_u64(&j, "largest_bytes", largest);
		json_begin_array(&j, "extents");
		for (i = 0; i < fr.n; i++) {
			json_begin_object(&j, NULL);
			json_hex(&j, "start", fr.v[i].start);
			json_hex(&j, "end", fr.v[i].end);
			json_u64(&j, "bytes", fr.v[i].end - fr.v[i].start);
			json_u64(&j, "pages", fr.v[i].pages);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_end_object(&j);
		dbg_free_frees(&fr);
		return EX_OK;
	}
	table_init(&t, 4, heads, "llrr");
	for (i = 0; i < fr.n; i++) {
		char s[32], e[32], z[32], p[32];
		const char *row[4] = { s, e, z, p };

		hex(fr.v[i].start, s, sizeof(s));
		hex(fr.v[i].end, e, sizeof(e));
		size(fr.v[i].end - fr.v[i].start, z, sizeof(z));
		num(fr.v[i].pages, p, sizeof(p));
		table_add(&t, row);
	}
	print_table(&t);
	printf("%zu free extent%s, %s free, largest %s\n", fr.n, fr.n == 1 ? "" : "s",
	       size(total, a, sizeof(a)), size(largest, b, sizeof(b)));
	dbg_free_frees(&fr);
	return EX_OK;
}

static int cmd_check(const struct opts *o)
{
	struct dbg_check c;
	struct json j;
	int ret;

	ret = load(o, F_CHECK, &c);
	if (ret)
		return ret;
	if (o->json) {
		json_init(&j, stdout);
		json_begin_object(&j, NULL);
		json_bool(&j, "ok", c.ok);
		json_i64(&j, "error", c.err);
		json_end_object(&j);
	} else if (c.ok) {
		printf("ok\n");
	} else {
		printf("FAILED: the invariant checker returned %ld (details in the kernel log)\n",
		       c.err);
	}
	return c.ok ? EX_OK : EX_NEGATIVE;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: flatvm [--json] [--device PATH] [--debugfs DIR] COMMAND\n"
		"\n"
		"  stats        the module's counters\n"
		"  query ADDR   what is at an address (0x... or decimal)\n"
		"  ranges       every extent of every range and its holders (root)\n"
		"  holders      every process the module knows (root)\n"
		"  free         every free extent of the window (root)\n"
		"  check        run the invariant checker (root)\n"
		"\n"
		"exit: 0 ok, 1 check failed or nothing at ADDR, 2 usage, 3 module not\n"
		"loaded, 4 debugfs not mounted, 5 permission denied, 6 debugfs text not\n"
		"understood, 7 other error.  See flatvm(8).\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "device", required_argument, NULL, 'd' },
		{ "debugfs", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .device = FLATVM_DEVICE, .debugfs = DEBUGFS_DIR };
	const char *cmd;
	int c, nargs;

	while ((c = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o.json = true;
			break;
		case 'd':
			o.device = optarg;
			break;
		case 'D':
			o.debugfs = optarg;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		case 'V':
			printf("flatvm %s (libflatvm %d.%d)\n", FLATVM_TOOL_VERSION,
			       LIBFLATVM_VERSION_MAJOR, LIBFLATVM_VERSION_MINOR);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	cmd = argv[optind];
	nargs = argc - optind - 1;
	if (!strcmp(cmd, "query")) {
		if (nargs != 1)
			return err_exit(EX_USAGE, "query: give one address (0x... or decimal)");
		return cmd_query(&o, argv[optind + 1]);
	}
	if (nargs)
		return err_exit(EX_USAGE, "%s takes no argument", cmd);
	if (!strcmp(cmd, "stats"))
		return cmd_stats(&o);
	if (!strcmp(cmd, "ranges"))
		return cmd_ranges(&o);
	if (!strcmp(cmd, "holders"))
		return cmd_holders(&o);
	if (!strcmp(cmd, "free"))
		return cmd_free(&o);
	if (!strcmp(cmd, "check"))
		return cmd_check(&o);
	return err_exit(EX_USAGE, "unknown command '%s' (flatvm --help)", cmd);
}
