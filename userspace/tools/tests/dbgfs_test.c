// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the flatvm command's parsers (dbgfs.c) and output helpers
 * (out.c): every accepted form, a table of lines each parser must refuse
 * (with the line number it must name), sizes, rights, tables, JSON.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/flatvm.h>

#include "dbgfs.h"
#include "out.h"

static unsigned int passed, failed;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			printf("    %s:%d: check failed: %s\n",		\
			       __FILE__, __LINE__, #cond);		\
			return 1;					\
		}							\
	} while (0)

static int t_ranges(void)
{
	struct dbg_error e;
	dbg_extents ex;

	CHECK(dbg_parse_ranges("", &ex, &e) == 0 && ex.n == 0);
	CHECK(dbg_parse_ranges("0x100080000000-0x100080002000 range 1 holders 1:rw- 2:r--\n"
			       "0x100080002000-0x100080003000 range 18446744073709551615 holders 7:rwx\n"
			       "0x100080003000-0x100080004000 range 0 holders\n",
			       &ex, &e) == 0);
	CHECK(ex.n == 3);
	CHECK(ex.v[0].start == 0x100080000000ull && ex.v[0].end == 0x100080002000ull);
	CHECK(ex.v[0].range == 1 && ex.v[0].nholds == 2);
	CHECK(ex.v[0].holds[0].domain == 1 &&
	      ex.v[0].holds[0].rights == (FLATVM_RIGHT_READ | FLATVM_RIGHT_WRITE));
	CHECK(ex.v[0].holds[1].domain == 2 && ex.v[0].holds[1].rights == FLATVM_RIGHT_READ);
	CHECK(ex.v[1].range == UINT64_MAX && ex.v[1].holds[0].rights == FLATVM_RIGHTS_ALL);
	CHECK(ex.v[2].nholds == 0);
	dbg_free_extents(&ex);
	return 0;
}

/* Each text must be refused, naming line @line. */
static const struct {
	int file;	/* 0 ranges, 1 holders, 2 free, 3 counters, 4 check */
	const char *text;
	unsigned int line;
} bad[] = {
	{ 0, "0x1000-0x2000 range 1 holders 1:rw", 1 },
	{ 0, "0x1000-0x2000 range 1 holders 1:rw-", 1 },	/* no '\n' */
	{ 0, "0x1000-0x2000 range 1 holders 1:rwz\n", 1 },
	{ 0, "0x1000-0x2000 range 1 holder 1:rw-\n", 1 },
	{ 0, "0x1000-0x2000  range 1 holders\n", 1 },
	{ 0, "0X1000-0x2000 range 1 holders\n", 1 },
	{ 0, "0x1000-0x2000 range 1 holders 1:rw- \n", 1 },
	{ 0, "0x1000-0x2000 range 01 holders\n", 1 },
	{ 0, "0x1000-0x2000 range -1 holders\n", 1 },
	{ 0, "0x1000-0x2000 range 99999999999999999999 holders\n", 1 },
	{ 0, "0x2000-0x1000 range 1 holders\n", 1 },
	{ 0, "0x1001-0x2000 range 1 holders\n", 1 },
	{ 0, "0x1000-0x2000 range 1 holders\n\n", 2 },
	{ 0, "0x1000-0x2000 range 1 holders\nsomething new\n", 2 },
	{ 0, "0xABC000-0xABD000 range 1 holders\n", 1 },
	{ 1, "domain 1 pid 2 pages 3 holds 4 window x\n", 1 },
	{ 1, "domain 1 pid 2 pages 3\n", 1 },
	{ 1, "domain 1 pid x pages 3 holds 4\n", 1 },
	{ 1, "domain 1 pid 2 pages 3 holds 4\ndomain 1 pid 2 pages 3 holds 4 reserve\n", 2 },
	{ 2, "0x1000-0x3000 3 pages\n", 1 },
	{ 2, "0x1000-0x3000 2 page\n", 1 },
	{ 2, "0x3000-0x1000 0 pages\n", 1 },
	{ 3, "window_base 4096\n", 1 },
	{ 3, "foo 1\n", 1 },
	{ 3, "ranges 1\nranges 2\n", 2 },
	{ 3, "user 0 pages\n", 1 },
	{ 3, "user 0 pages 1\n", 1 },
	{ 3, "user 0 pages 1 bytes 2 ranges 3\n", 1 },
	{ 3, "user 0 pages 1 bytes 2 ranges 3 records 4 more\n", 1 },
	{ 3, "user 0 pages 1 bytes 2 ranges 3 records 4\nranges 1\n", 2 },
	{ 3, "ranges 1 \n", 1 },
	{ 4, "okay\n", 1 },
	{ 4, "ok", 1 },
	{ 4, "", 1 },
	{ 4, "FAILED x (details in the kernel log)\n", 1 },
	{ 4, "ok\nok\n", 1 },
};

static int t_bad_lines(void)
{
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct dbg_counters c;
		struct dbg_error e = { 0 };
		struct dbg_check k;
		dbg_extents ex;
		dbg_procs pr;
		dbg_frees fr;
		int ret = 0;

		switch (bad[i].file) {
		case 0:
			ret = dbg_parse_ranges(bad[i].text, &ex, &e);
			break;
		case 1:
			ret = dbg_parse_holders(bad[i].text, &pr, &e);
			break;
		case 2:
			ret = dbg_parse_free(bad[i].text, &fr, &e);
			break;
		case 3:
			ret = dbg_parse_counters(bad[i].text, &c, &e);
			break;
		case 4:
			ret = dbg_parse_check(bad[i].text, &k, &e);
			break;
		}
		if (ret != -EPROTO || e.line != bad[i].line || !e.msg[0]) {
			printf("    bad[%zu] '%s': ret %d line %u (want %u) msg '%s'\n", i,
			       bad[i].text, ret, e.line, bad[i].line, e.msg);
			return 1;
		}
	}
	return 0;
}

static int t_holders_free(void)
{
	struct dbg_error e;
	dbg_procs pr;
	dbg_frees fr;

	CHECK(dbg_parse_holders("domain 2 pid 99 pages 2 holds 1 window\n"
				"domain 5 pid 1000 pages 0 holds 0\n", &pr, &e) == 0);
	CHECK(pr.n == 2 && pr.v[0].domain == 2 && pr.v[0].pid == 99);
	CHECK(pr.v[0].pages == 2 && pr.v[0].holds == 1 && pr.v[0].window);
	CHECK(pr.v[1].pid == 1000 && !pr.v[1].window);
	dbg_free_procs(&pr);
	CHECK(dbg_parse_free("0x100080000000-0x200080000000 4294967296 pages\n", &fr, &e) == 0);
	CHECK(fr.n == 1 && fr.v[0].pages == 4294967296ull);
	dbg_free_frees(&fr);
	/* Many lines: the arrays grow. */
	{
		char *text = malloc(100 * 64), *p = text;
		int i;

		for (i = 0; i < 100; i++)
			p += sprintf(p, "0x%x-0x%x 1 pages\n", (i * 2 + 1) << 12,
				     (i * 2 + 2) << 12);
		CHECK(dbg_parse_free(text, &fr, &e) == 0 && fr.n == 100);
		CHECK(fr.v[99].start == 199u << 12);
		dbg_free_frees(&fr);
		free(text);
	}
	return 0;
}

static const char counters_ok[] =
	"window_base 0x100080000000\nwindow_bytes 17592186044416\n"
	"free_bytes 17592186036224\nlargest_free 17592186036224\n"
	"free_extents 1\nranges 1\nextents 1\nholders 2\nprocesses 2\n"
	"metadata_bytes 256\npages 2\nmax_pages 262144\nmax_user_pages 131072\n"
	"max_user_bytes 1099511627776\nmax_user_ranges 65536\n"
	"max_user_records 131072\n";

static int t_counters(void)
{
	struct dbg_counters c;
	struct dbg_error e;
	char text[1024];

	CHECK(dbg_parse_counters(counters_ok, &c, &e) == 0);
	CHECK(c.window_base == 0x100080000000ull && c.window_bytes == 17592186044416ull);
	CHECK(c.holders == 2 && c.max_user_pages == 131072 && c.nusers == 0);
	CHECK(c.max_user_bytes == 1099511627776ull && c.max_user_ranges == 65536 &&
	      c.max_user_records == 131072);
	dbg_free_counters(&c);
	snprintf(text, sizeof(text),
		 "%suser 0 pages 2 bytes 8192 ranges 1 records 2\n"
		 "user 1000 pages 7 bytes 40960 ranges 3 records 9\n", counters_ok);
	CHECK(dbg_parse_counters(text, &c, &e) == 0);
	CHECK(c.nusers == 2 && c.users[1].uid == 1000 && c.users[1].pages == 7);
	CHECK(c.users[1].bytes == 40960 && c.users[1].ranges == 3 &&
	      c.users[1].records == 9);
	dbg_free_counters(&c);
	/* A key missing: named. */
	CHECK(dbg_parse_counters(strstr(counters_ok, "window_bytes"), &c, &e) == -EPROTO);
	CHECK(strstr(e.msg, "window_base missing"));
	return 0;
}

static int t_check(void)
{
	struct dbg_error e;
	struct dbg_check k;

	CHECK(dbg_parse_check("ok\n", &k, &e) == 0 && k.ok && k.err == 0);
	CHECK(dbg_parse_check("FAILED -22 (details in the kernel log)\n", &k, &e) == 0);
	CHECK(!k.ok && k.err == -22);
	return 0;
}

static int t_sizes_rights(void)
{
	static const struct {
		uint64_t v;
		const char *s;
	} sizes[] = {
		{ 0, "0 B" }, { 1023, "1023 B" }, { 1024, "1.0 KiB" },
		{ 1536, "1.5 KiB" }, { 8192, "8.0 KiB" }, { 1 << 20, "1.0 MiB" },
		{ 3ull << 29, "1.5 GiB" }, { 16ull << 40, "16.0 TiB" },
		{ UINT64_MAX, "16.0 EiB" },
	};
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		fmt_size(sizes[i].v, buf, sizeof(buf));
		if (strcmp(buf, sizes[i].s)) {
			printf("    fmt_size(%llu) = '%s', want '%s'\n",
			       (unsigned long long)sizes[i].v, buf, sizes[i].s);
			return 1;
		}
	}
	fmt_rights(FLATVM_RIGHT_READ, buf);
	CHECK(!strcmp(buf, "r--"));
	fmt_rights(FLATVM_RIGHTS_ALL, buf);
	CHECK(!strcmp(buf, "rwx"));
	fmt_rights(FLATVM_RIGHT_READ | FLATVM_RIGHT_EXEC, buf);
	CHECK(!strcmp(buf, "r-x"));
	return 0;
}

static int t_table_json(void)
{
	static const char *const heads[] = { "NAME", "SIZE", "NOTE" };
	static const char *const r1[] = { "a", "1.0 KiB", "first" };
	static const char *const r2[] = { "longer", "12 B", "" };
	struct table t;
	struct json j;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&buf, &len);
	table_init(&t, 3, heads, "lrl");
	CHECK(table_add(&t, r1) == 0 && table_add(&t, r2) == 0);
	table_print(&t, f);
	table_free(&t);
	fclose(f);
	CHECK(!strcmp(buf, "NAME       SIZE  NOTE\n"
			   "a       1.0 KiB  first\n"
			   "longer     12 B  \n"));
	free(buf);

	f = open_memstream(&buf, &len);
	json_init(&j, f);
	json_begin_object(&j, NULL);
	json_u64(&j, "n", UINT64_MAX);
	json_i64(&j, "pid", -1);
	json_str(&j, "s", "a\"b\\c\n\x01");
	json_begin_array(&j, "empty");
	json_end_array(&j);
	json_begin_array(&j, "list");
	json_hex(&j, NULL, 0x1000);
	json_bool(&j, NULL, true);
	json_end_array(&j);
	json_end_object(&j);
	fclose(f);
	CHECK(!strcmp(buf, "{\n"
			   "  \"n\": 18446744073709551615,\n"
			   "  \"pid\": -1,\n"
			   "  \"s\": \"a\\\"b\\\\c\\n\\u0001\",\n"
			   "  \"empty\": [],\n"
			   "  \"list\": [\n"
			   "    \"0x1000\",\n"
			   "    true\n"
			   "  ]\n"
			   "}\n"));
	free(buf);
	return 0;
}

static void run(const char *name, int (*fn)(void))
{
	int ok = fn() == 0;

	printf("%s tools.%s\n", ok ? "PASS" : "FAIL", name);
	if (ok)
		passed++;
	else
		failed++;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	run("ranges", t_ranges);
	run("bad_lines", t_bad_lines);
	run("holders_free", t_holders_free);
	run("counters", t_counters);
	run("check", t_check);
	run("sizes_rights", t_sizes_rights);
	run("table_json", t_table_json);
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
