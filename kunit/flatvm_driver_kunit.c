// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for the flatvm driver's pure decisions (module/flatvm_args.c,
 * compiled unchanged into this module): rights, spans, each ioctl's argument
 * checks with the exact errno the ioctl returns, and the page cap arithmetic.
 */
#include <kunit/test.h>
#include <linux/limits.h>

#include "flatvm_args.h"

#define B	0x100080000000ULL	/* window base */
#define S	0x100000000000ULL	/* window size */
#define E	(B + S)			/* window end */
#define P	4096ULL
#define R	FLATVM_RIGHT_READ
#define RW	(FLATVM_RIGHT_READ | FLATVM_RIGHT_WRITE)
#define RWX	FLATVM_RIGHTS_ALL

struct fdt_span {
	const char *name;
	u64 addr, len;
	bool ok;
};

static const struct fdt_span span_cases[] = {
	{ "first_page", B, P, true },
	{ "last_page", E - P, P, true },
	{ "whole_window", B, S, true },
	{ "zero_len", B, 0, false },
	{ "unaligned_addr", B + 1, P, false },
	{ "unaligned_len", B, P + 1, false },
	{ "below_base", B - P, P, false },
	{ "straddles_base", B - P, 2 * P, false },
	{ "past_end", E, P, false },
	{ "straddles_end", E - P, 2 * P, false },
	{ "longer_than_window", B, S + P, false },
	{ "wraps", U64_MAX - P + 1, 2 * P, false },
	{ "huge_len_wraps", B + P, U64_MAX - P + 1, false },
	{ "addr_zero", 0, P, false },
};

static void span_case_desc(const struct fdt_span *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(span, span_cases, span_case_desc);

static void fvd_span_test_window(struct kunit *test)
{
	const struct fdt_span *c = test->param_value;

	KUNIT_EXPECT_EQ(test, fvd_span_ok(c->addr, c->len, B, S), c->ok);
}

struct fdt_rights {
	u32 rights;
	bool ok;
};

static const struct fdt_rights rights_cases[] = {
	{ 0, false }, { R, true }, { RW, true }, { RWX, true },
	{ R | FLATVM_RIGHT_EXEC, true }, { FLATVM_RIGHT_WRITE, false },
	{ FLATVM_RIGHT_EXEC, false }, { R | 8, false }, { RWX | BIT(31), false },
	{ U32_MAX, false },
};

static void rights_case_desc(const struct fdt_rights *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "rights_%#x", c->rights);
}

KUNIT_ARRAY_PARAM(rights, rights_cases, rights_case_desc);

static void fvd_rights_test_bits(struct kunit *test)
{
	const struct fdt_rights *c = test->param_value;

	KUNIT_EXPECT_EQ(test, fvd_rights_ok(c->rights), c->ok);
}

static struct kunit_case fvd_span_cases[] = {
	KUNIT_CASE_PARAM(fvd_span_test_window, span_gen_params),
	KUNIT_CASE_PARAM(fvd_rights_test_bits, rights_gen_params),
	{}
};

static struct kunit_suite fvd_span_suite = {
	.name = "fvd_span",
	.test_cases = fvd_span_cases,
};

/* One ioctl argument mutated from a valid one; field values below. */
struct fdt_ioc {
	const char *name;
	u32 flags, rights, pad;
	u64 addr, len;
	int err;
};

static const struct fdt_ioc ioc_cases[] = {
	{ "valid", 0, R, 0, B, P, 0 },
	{ "valid_rwx_whole", 0, RWX, 0, B, S, 0 },
	{ "valid_last_page", 0, RW, 0, E - P, P, 0 },
	{ "flag_bit0", 1, R, 0, B, P, -EINVAL },
	{ "flag_bit31", BIT(31), R, 0, B, P, -EINVAL },
	{ "rights_zero", 0, 0, 0, B, P, -EINVAL },
	{ "rights_no_read", 0, FLATVM_RIGHT_WRITE, 0, B, P, -EINVAL },
	{ "rights_unknown", 0, R | 8, 0, B, P, -EINVAL },
	{ "len_zero", 0, R, 0, B, 0, -EINVAL },
	{ "len_unaligned", 0, R, 0, B, P - 1, -EINVAL },
	{ "addr_unaligned", 0, R, 0, B + 8, P, -EINVAL },
	{ "below_window", 0, R, 0, B - P, P, -EINVAL },
	{ "past_window", 0, R, 0, E, P, -EINVAL },
	{ "straddles_end", 0, R, 0, E - P, 2 * P, -EINVAL },
	{ "wraps", 0, R, 0, U64_MAX - P + 1, 2 * P, -EINVAL },
	{ "pad", 0, R, 1, B, P, -EINVAL },
};

static void ioc_case_desc(const struct fdt_ioc *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(ioc, ioc_cases, ioc_case_desc);

/* GRANT has no pad; RELEASE neither pad nor rights; REVOKE no rights. */
static void fvd_args_test_grant(struct kunit *test)
{
	const struct fdt_ioc *c = test->param_value;
	struct flatvm_grant g = { .size = sizeof(g), .flags = c->flags,
				  .rights = c->rights, .addr = c->addr,
				  .len = c->len };

	KUNIT_EXPECT_EQ(test, fvd_grant_args(&g, B, S), c->pad ? 0 : c->err);
}

static void fvd_args_test_attach(struct kunit *test)
{
	const struct fdt_ioc *c = test->param_value;
	struct flatvm_attach t = { .size = sizeof(t), .flags = c->flags,
				   .rights = c->rights, .pad = c->pad,
				   .addr = c->addr, .len = c->len };

	KUNIT_EXPECT_EQ(test, fvd_attach_args(&t, B, S), c->err);
}

static bool fdt_rights_case(const struct fdt_ioc *c)
{
	return !fvd_rights_ok(c->rights);
}

static void fvd_args_test_release(struct kunit *test)
{
	const struct fdt_ioc *c = test->param_value;
	struct flatvm_release r = { .size = sizeof(r), .flags = c->flags,
				    .addr = c->addr, .len = c->len };
	int want = c->pad || fdt_rights_case(c) ? 0 : c->err;

	KUNIT_EXPECT_EQ(test, fvd_release_args(&r, B, S), want);
}

static void fvd_args_test_revoke(struct kunit *test)
{
	const struct fdt_ioc *c = test->param_value;
	struct flatvm_revoke v = { .size = sizeof(v), .flags = c->flags,
				   .pad = c->pad, .addr = c->addr,
				   .len = c->len };
	int want = fdt_rights_case(c) ? 0 : c->err;

	KUNIT_EXPECT_EQ(test, fvd_revoke_args(&v, B, S), want);
}

struct fdt_alloc {
	const char *name;
	u32 flags, rights, pad;
	u64 len;
	int err;
};

static const struct fdt_alloc alloc_cases[] = {
	{ "one_page", 0, R, 0, P, 0 },
	{ "lazy", FLATVM_ALLOC_LAZY, RW, 0, P, 0 },
	{ "whole_window", 0, RWX, 0, S, 0 },
	{ "window_plus_page", 0, R, 0, S + P, -EINVAL },
	{ "len_zero", 0, R, 0, 0, -EINVAL },
	{ "len_unaligned", 0, R, 0, P + 1, -EINVAL },
	{ "len_u64_max", 0, R, 0, U64_MAX, -EINVAL },
	{ "len_top_page", 0, R, 0, U64_MAX - P + 1, -EINVAL },
	{ "unknown_flag", 2, R, 0, P, -EINVAL },
	{ "pad", 0, R, 1, P, -EINVAL },
	{ "rights_zero", 0, 0, 0, P, -EINVAL },
	{ "rights_no_read", 0, FLATVM_RIGHT_EXEC, 0, P, -EINVAL },
	{ "rights_unknown", 0, RWX | 16, 0, P, -EINVAL },
};

static void alloc_case_desc(const struct fdt_alloc *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(alloc, alloc_cases, alloc_case_desc);

/* @align and @addr are the core's and the output's: never checked here. */
static void fvd_args_test_alloc(struct kunit *test)
{
	const struct fdt_alloc *c = test->param_value;
	struct flatvm_alloc a = { .size = sizeof(a), .flags = c->flags,
				  .len = c->len, .align = 3, .rights = c->rights,
				  .pad = c->pad, .addr = U64_MAX };

	KUNIT_EXPECT_EQ(test, fvd_alloc_args(&a, S), c->err);
}

static struct kunit_case fvd_args_cases[] = {
	KUNIT_CASE_PARAM(fvd_args_test_alloc, alloc_gen_params),
	KUNIT_CASE_PARAM(fvd_args_test_grant, ioc_gen_params),
	KUNIT_CASE_PARAM(fvd_args_test_attach, ioc_gen_params),
	KUNIT_CASE_PARAM(fvd_args_test_release, ioc_gen_params),
	KUNIT_CASE_PARAM(fvd_args_test_revoke, ioc_gen_params),
	{}
};

static struct kunit_suite fvd_args_suite = {
	.name = "fvd_args",
	.test_cases = fvd_args_cases,
};

struct fdt_caps {
	const char *name;
	u64 npages, mine, total, user_cap, cap;
	int err;
};

static const struct fdt_caps caps_cases[] = {
	{ "empty", 1, 0, 0, 10, 20, 0 },
	{ "user_exactly_at", 4, 6, 6, 10, 20, 0 },
	{ "user_one_over", 5, 6, 6, 10, 20, -EDQUOT },
	{ "total_exactly_at", 4, 0, 16, 10, 20, 0 },
	{ "total_one_over", 5, 0, 16, 10, 20, -ENOBUFS },
	{ "user_first", 11, 0, 20, 10, 20, -EDQUOT },
	{ "npages_over_user_cap", 11, 0, 0, 10, 20, -EDQUOT },
	{ "npages_over_cap", 11, 0, 0, 30, 10, -ENOBUFS },
	{ "zero_caps", 1, 0, 0, 0, 0, -EDQUOT },
	{ "zero_pages_full", 0, 10, 20, 10, 20, 0 },
	{ "u64_wrap_mine", 2, U64_MAX, 0, U64_MAX, U64_MAX, -EDQUOT },
	{ "u64_wrap_total", 2, 0, U64_MAX, U64_MAX, U64_MAX, -ENOBUFS },
	{ "u64_npages_max", U64_MAX, 0, 0, U64_MAX, U64_MAX, 0 },
	{ "u64_npages_max_plus_one", U64_MAX, 1, 0, U64_MAX, U64_MAX,
	  -EDQUOT },
};

static void caps_case_desc(const struct fdt_caps *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(caps, caps_cases, caps_case_desc);

static void fvd_caps_test_limits(struct kunit *test)
{
	const struct fdt_caps *c = test->param_value;

	KUNIT_EXPECT_EQ(test, fvd_caps_ok(c->npages, c->mine, c->total,
					  c->user_cap, c->cap), c->err);
}

static struct kunit_case fvd_caps_cases[] = {
	KUNIT_CASE_PARAM(fvd_caps_test_limits, caps_gen_params),
	{}
};

static struct kunit_suite fvd_caps_suite = {
	.name = "fvd_caps",
	.test_cases = fvd_caps_cases,
};

kunit_test_suites(&fvd_span_suite, &fvd_args_suite, &fvd_caps_suite);
