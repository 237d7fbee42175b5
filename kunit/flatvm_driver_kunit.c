// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for the flatvm driver's pure decisions (module/flatvm_args.c,
 * compiled unchanged into this module): rights, spans, each ioctl's argument
 * checks with the exact errno the ioctl returns, the page cap arithmetic,
 * and the rights a window page's protection and a fault need.
 */
#include <kunit/test.h>
#include <linux/limits.h>
#include <linux/mm.h>

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
	u64 cur, n, cap;
	bool fits;
};

static const struct fdt_caps caps_cases[] = {
	{ "empty", 0, 1, 10, true },
	{ "exactly_at", 6, 4, 10, true },
	{ "one_over", 6, 5, 10, false },
	{ "n_over_cap", 0, 11, 10, false },
	{ "zero_cap", 0, 1, 0, false },
	{ "zero_pages_full", 10, 0, 10, true },
	{ "already_over", 11, 0, 10, false },
	{ "u64_wrap_cur", U64_MAX, 2, U64_MAX, false },
	{ "u64_wrap_n", 2, U64_MAX, U64_MAX, false },
	{ "u64_n_max", 0, U64_MAX, U64_MAX, true },
	{ "u64_n_max_plus_one", 1, U64_MAX, U64_MAX, false },
};

static void caps_case_desc(const struct fdt_caps *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(caps, caps_cases, caps_case_desc);

static void fvd_caps_test_fits(struct kunit *test)
{
	const struct fdt_caps *c = test->param_value;

	KUNIT_EXPECT_EQ(test, fvd_cap_fits(c->cur, c->n, c->cap), c->fits);
}

/* The address space quota: the parameter, or 1/16 of the window. */
static void fvd_caps_test_user_bytes(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, fvd_user_bytes_cap(0, 1ULL << 44), 1ULL << 40);
	KUNIT_EXPECT_EQ(test, fvd_user_bytes_cap(12345, 1ULL << 44), 12345ULL);
	KUNIT_EXPECT_EQ(test, fvd_user_bytes_cap(0, 4 * PAGE_SIZE),
			(u64)PAGE_SIZE);
}

/* Consent: nobody, the same user, anyone. */
static void fvd_caps_test_accepts(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, fvd_accepts(FLATVM_ACCEPT_NONE, true));
	KUNIT_EXPECT_FALSE(test, fvd_accepts(FLATVM_ACCEPT_NONE, false));
	KUNIT_EXPECT_TRUE(test, fvd_accepts(FLATVM_ACCEPT_USER, true));
	KUNIT_EXPECT_FALSE(test, fvd_accepts(FLATVM_ACCEPT_USER, false));
	KUNIT_EXPECT_TRUE(test, fvd_accepts(FLATVM_ACCEPT_ANY, false));
}

/* Who opens the device without CAP_SYS_ADMIN; ACCEPT's fields. */
static void fvd_caps_test_open_accept(struct kunit *test)
{
	struct flatvm_accept a = { .size = sizeof(a) };

	KUNIT_EXPECT_FALSE(test, fvd_may_open(false, -1, true));
	KUNIT_EXPECT_FALSE(test, fvd_may_open(false, 100, false));
	KUNIT_EXPECT_TRUE(test, fvd_may_open(false, 100, true));
	KUNIT_EXPECT_TRUE(test, fvd_may_open(true, -1, false));
	a.from = FLATVM_ACCEPT_ANY;
	KUNIT_EXPECT_EQ(test, fvd_accept_args(&a), 0);
	a.from = FLATVM_ACCEPT_ANY + 1;
	KUNIT_EXPECT_EQ(test, fvd_accept_args(&a), -EINVAL);
	a.from = FLATVM_ACCEPT_NONE;
	a.flags = 1;
	KUNIT_EXPECT_EQ(test, fvd_accept_args(&a), -EINVAL);
}

static struct kunit_case fvd_caps_cases[] = {
	KUNIT_CASE_PARAM(fvd_caps_test_fits, caps_gen_params),
	KUNIT_CASE(fvd_caps_test_user_bytes),
	KUNIT_CASE(fvd_caps_test_accepts),
	KUNIT_CASE(fvd_caps_test_open_accept),
	{}
};

static struct kunit_suite fvd_caps_suite = {
	.name = "fvd_caps",
	.test_cases = fvd_caps_cases,
};

/* Page protections of a window page: shared, readable, then as held. */
struct fdt_prot {
	u32 rights;
	unsigned long flags;
};

static const struct fdt_prot prot_cases[] = {
	{ R, VM_SHARED | VM_READ },
	{ RW, VM_SHARED | VM_READ | VM_WRITE },
	{ R | FLATVM_RIGHT_EXEC, VM_SHARED | VM_READ | VM_EXEC },
	{ RWX, VM_SHARED | VM_READ | VM_WRITE | VM_EXEC },
};

static void prot_case_desc(const struct fdt_prot *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "rights_%#x", c->rights);
}

KUNIT_ARRAY_PARAM(prot, prot_cases, prot_case_desc);

static void fvd_rights_test_vm_flags(struct kunit *test)
{
	const struct fdt_prot *c = test->param_value;

	KUNIT_EXPECT_EQ(test, fvd_rights_vm_flags(c->rights), c->flags);
}

/* Which faults a hold allows: every access kind against every hold. */
struct fdt_fault {
	const char *name;
	u32 rights;
	unsigned int flags;
	bool ok;
};

#define FW	FAULT_FLAG_WRITE
#define FX	FAULT_FLAG_INSTRUCTION
#define FK	FAULT_FLAG_MKWRITE

static const struct fdt_fault fault_cases[] = {
	{ "read_r", R, 0, true },
	{ "read_none", 0, 0, false },
	{ "write_r", R, FW, false },
	{ "write_rw", RW, FW, true },
	{ "mkwrite_r", R, FW | FK, false },
	{ "mkwrite_rw", RW, FW | FK, true },
	{ "exec_r", R, FX, false },
	{ "exec_rw", RW, FX, false },
	{ "exec_rx", R | FLATVM_RIGHT_EXEC, FX, true },
	{ "exec_rwx", RWX, FX, true },
	{ "write_rx", R | FLATVM_RIGHT_EXEC, FW, false },
	{ "write_none", 0, FW, false },
	{ "user_read_rw", RW, FAULT_FLAG_USER | FAULT_FLAG_KILLABLE, true },
};

static void fault_case_desc(const struct fdt_fault *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(fault, fault_cases, fault_case_desc);

static void fvd_rights_test_fault(struct kunit *test)
{
	const struct fdt_fault *c = test->param_value;

	KUNIT_EXPECT_EQ(test, fvd_fault_allowed(c->rights, c->flags), c->ok);
}

static struct kunit_case fvd_rights_cases[] = {
	KUNIT_CASE_PARAM(fvd_rights_test_vm_flags, prot_gen_params),
	KUNIT_CASE_PARAM(fvd_rights_test_fault, fault_gen_params),
	{}
};

static struct kunit_suite fvd_rights_suite = {
	.name = "fvd_rights",
	.test_cases = fvd_rights_cases,
};

kunit_test_suites(&fvd_span_suite, &fvd_args_suite, &fvd_caps_suite,
		  &fvd_rights_suite);
