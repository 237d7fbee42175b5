/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flatvm command: output.  Aligned text tables, sizes in B/KiB/MiB/
 * GiB/TiB, rights as rwx, and a small JSON writer (objects, arrays,
 * numbers, strings, booleans, escaped, two-space indented).
 */
#ifndef FLATVM_TOOL_OUT_H
#define FLATVM_TOOL_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* "512 B", "4.0 KiB", "1.5 MiB", ... (binary units, one decimal). */
void fmt_size(uint64_t bytes, char *buf, size_t len);
/* "rwx", "r--", ...: @buf has room for 4 bytes. */
void fmt_rights(uint32_t rights, char *buf);

/*
 * A table: column heads, an alignment per column ('l' or 'r'), rows of
 * strings (copied).  Printed with two spaces between columns.
 */
struct table {
	size_t ncols, nrows, cap;
	const char *const *heads;
	const char *align;
	char **cells;
};

void table_init(struct table *t, size_t ncols, const char *const *heads,
		const char *align);
/* Add a row of @ncols strings: 0 or -ENOMEM. */
int table_add(struct table *t, const char *const *row);
void table_print(const struct table *t, FILE *f);
void table_free(struct table *t);

/* JSON: each value takes a @key inside an object, NULL inside an array. */
struct json {
	FILE *f;
	int depth;
	bool first[32];
};

void json_init(struct json *j, FILE *f);
void json_begin_object(struct json *j, const char *key);
void json_end_object(struct json *j);
void json_begin_array(struct json *j, const char *key);
void json_end_array(struct json *j);
void json_u64(struct json *j, const char *key, uint64_t v);
void json_i64(struct json *j, const char *key, int64_t v);
void json_str(struct json *j, const char *key, const char *s);
void json_bool(struct json *j, const char *key, bool v);
/* An address as a "0x..." string (JSON numbers lose 64-bit precision). */
void json_hex(struct json *j, const char *key, uint64_t v);

#endif /* FLATVM_TOOL_OUT_H */
