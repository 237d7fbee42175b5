/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host half of the core's test sources (kunit/core/): the part of
 * <kunit/test.h> they use, with the same names and meanings, so the very
 * files that build into flatvm_kunit.ko build into one host binary with
 * ASan and UBSan (as tools/testing/radix-tree builds lib/test_xarray.c).
 *
 * EXPECT records a failure and goes on, ASSERT ends the case.  The runner
 * (kunit_host.c) runs each case, and each parameter of a parameterised
 * case, in a child process of its own, so a crash or a sanitizer report
 * fails that one only.
 *
 * Message formats are checked by the kernel build, where u64 is unsigned
 * long long; here it is unsigned long (the same ABI on x86-64), so the
 * message functions carry no format attribute.
 */
#ifndef _FLATVM_KUNIT_HOST_H
#define _FLATVM_KUNIT_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define KUNIT_PARAM_DESC_SIZE	128
#define GFP_KERNEL		0

struct kunit_host_res;

/**
 * struct kunit - one running case.
 * @name:	"suite.case" (and "[param]").
 * @priv:	for the suite's init/exit and the case.
 * @param_value: the current parameter of a parameterised case.
 * @nfailed:	expectations that failed so far.
 * @res:	memory from kunit_kzalloc(), freed when the case ends.
 */
struct kunit {
	const char *name;
	void *priv;
	const void *param_value;
	unsigned int nfailed;
	struct kunit_host_res *res;
};

struct kunit_case {
	void (*run_case)(struct kunit *test);
	const char *name;
	const void *(*generate_params)(const void *prev, char *desc);
};

struct kunit_suite {
	const char *name;
	int (*suite_init)(struct kunit_suite *suite);
	void (*suite_exit)(struct kunit_suite *suite);
	int (*init)(struct kunit *test);
	void (*exit)(struct kunit *test);
	struct kunit_case *test_cases;
};

#define KUNIT_CASE(test_name)	{ .run_case = test_name, .name = #test_name }
#define KUNIT_CASE_PARAM(test_name, gen_params)				\
	{ .run_case = test_name, .name = #test_name,			\
	  .generate_params = gen_params }

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(x)		(sizeof(x) / sizeof((x)[0]))
#endif

#define KUNIT_ARRAY_PARAM(name, array, get_desc)				\
	static const void *name##_gen_params(const void *prev, char *desc)	\
	{									\
		__typeof__((array)[0]) *__next = prev ?				\
			((__typeof__(__next))prev) + 1 : (array);		\
		if ((size_t)(__next - (array)) < ARRAY_SIZE((array))) {		\
			void (*__get_desc)(__typeof__(__next), char *) =	\
				get_desc;					\
			if (__get_desc)						\
				__get_desc(__next, desc);			\
			return __next;						\
		}								\
		return NULL;							\
	}

/* The kernel's bounded string copy (the sources name their parameters). */
static inline long strscpy(char *dst, const char *src, size_t size)
{
	size_t len = strnlen(src, size);

	if (!size)
		return -7;	/* -E2BIG */
	if (len == size)
		len--;
	memcpy(dst, src, len);
	dst[len] = 0;
	return len;
}

static inline unsigned int hweight32(uint32_t w)
{
	return __builtin_popcount(w);
}

static inline unsigned int hweight64(uint64_t w)
{
	return __builtin_popcountll(w);
}

/* Registration: kunit_test_suites() adds its suites at program start. */
void kunit_host_register(struct kunit_suite **suites, size_t n);

#define KUNIT_HOST_CAT2(a, b)	a##b
#define KUNIT_HOST_CAT(a, b)	KUNIT_HOST_CAT2(a, b)
#define kunit_test_suites(...)						\
	static struct kunit_suite *KUNIT_HOST_CAT(kunit_host_suites_,	\
						  __LINE__)[] = { __VA_ARGS__ }; \
	static void __attribute__((constructor))			\
	KUNIT_HOST_CAT(kunit_host_register_, __LINE__)(void)		\
	{								\
		kunit_host_register(KUNIT_HOST_CAT(kunit_host_suites_,	\
						   __LINE__),		\
				    ARRAY_SIZE(KUNIT_HOST_CAT(		\
					kunit_host_suites_, __LINE__)));	\
	}

/* Memory released when the case ends (the runner frees it). */
void *kunit_kzalloc(struct kunit *test, size_t size, int gfp);
void *kunit_kcalloc(struct kunit *test, size_t n, size_t size, int gfp);
void kunit_kfree(struct kunit *test, const void *ptr);

/* Failure reports. */
void kunit_host_fail(struct kunit *test, bool fatal, const char *file,
		     int line, const char *what, const char *fmt, ...);
void kunit_host_fail_binary(struct kunit *test, bool fatal, const char *file,
			    int line, const char *expr, long long left,
			    long long right, const char *fmt, ...);
void kunit_host_info(struct kunit *test, const char *fmt, ...);
void kunit_host_skip(struct kunit *test, const char *fmt, ...)
	__attribute__((noreturn));

#define kunit_info(test, fmt, ...)	kunit_host_info(test, fmt, ##__VA_ARGS__)
#define kunit_skip(test, fmt, ...)	kunit_host_skip(test, fmt, ##__VA_ARGS__)

#define KUNIT_HOST_BINARY(test, fatal, left, op, right, fmt, ...)	\
	do {								\
		__typeof__(left) __left = (left);			\
		__typeof__(right) __right = (right);			\
		bool __ok;						\
		/* As the kernel: no sign-compare warning on the copies. */ \
		_Pragma("GCC diagnostic push")				\
		_Pragma("GCC diagnostic ignored \"-Wsign-compare\"")	\
		__ok = __left op __right;				\
		_Pragma("GCC diagnostic pop")				\
		if (!__ok)						\
			kunit_host_fail_binary(test, fatal, __FILE__,	\
					       __LINE__,		\
					       #left " " #op " " #right, \
					       (long long)__left,	\
					       (long long)__right,	\
					       fmt, ##__VA_ARGS__);	\
	} while (0)

#define KUNIT_HOST_BOOL(test, fatal, cond, fmt, ...)			\
	do {								\
		if (!(cond))						\
			kunit_host_fail(test, fatal, __FILE__, __LINE__,\
					#cond, fmt, ##__VA_ARGS__);	\
	} while (0)

#define KUNIT_FAIL(test, fmt, ...)					\
	kunit_host_fail(test, false, __FILE__, __LINE__, "KUNIT_FAIL",	\
			fmt, ##__VA_ARGS__)

#define KUNIT_EXPECT_TRUE_MSG(t, c, ...)  KUNIT_HOST_BOOL(t, false, c, __VA_ARGS__)
#define KUNIT_EXPECT_FALSE_MSG(t, c, ...) KUNIT_HOST_BOOL(t, false, !(c), __VA_ARGS__)
#define KUNIT_ASSERT_TRUE_MSG(t, c, ...)  KUNIT_HOST_BOOL(t, true, c, __VA_ARGS__)
#define KUNIT_ASSERT_FALSE_MSG(t, c, ...) KUNIT_HOST_BOOL(t, true, !(c), __VA_ARGS__)
#define KUNIT_EXPECT_TRUE(t, c)		KUNIT_EXPECT_TRUE_MSG(t, c, NULL)
#define KUNIT_EXPECT_FALSE(t, c)	KUNIT_EXPECT_FALSE_MSG(t, c, NULL)
#define KUNIT_ASSERT_TRUE(t, c)		KUNIT_ASSERT_TRUE_MSG(t, c, NULL)
#define KUNIT_ASSERT_FALSE(t, c)	KUNIT_ASSERT_FALSE_MSG(t, c, NULL)

#define KUNIT_EXPECT_NULL(t, p)		KUNIT_EXPECT_TRUE(t, (p) == NULL)
#define KUNIT_EXPECT_NOT_NULL(t, p)	KUNIT_EXPECT_TRUE(t, (p) != NULL)
#define KUNIT_ASSERT_NULL(t, p)		KUNIT_ASSERT_TRUE(t, (p) == NULL)
#define KUNIT_ASSERT_NOT_NULL(t, p)	KUNIT_ASSERT_TRUE(t, (p) != NULL)
#define KUNIT_EXPECT_PTR_EQ(t, l, r)	KUNIT_EXPECT_TRUE(t, (l) == (r))
#define KUNIT_ASSERT_PTR_EQ(t, l, r)	KUNIT_ASSERT_TRUE(t, (l) == (r))

#define KUNIT_EXPECT_EQ_MSG(t, l, r, ...) KUNIT_HOST_BINARY(t, false, l, ==, r, __VA_ARGS__)
#define KUNIT_EXPECT_NE_MSG(t, l, r, ...) KUNIT_HOST_BINARY(t, false, l, !=, r, __VA_ARGS__)
#define KUNIT_EXPECT_LT_MSG(t, l, r, ...) KUNIT_HOST_BINARY(t, false, l, <, r, __VA_ARGS__)
#define KUNIT_EXPECT_LE_MSG(t, l, r, ...) KUNIT_HOST_BINARY(t, false, l, <=, r, __VA_ARGS__)
#define KUNIT_EXPECT_GT_MSG(t, l, r, ...) KUNIT_HOST_BINARY(t, false, l, >, r, __VA_ARGS__)
#define KUNIT_EXPECT_GE_MSG(t, l, r, ...) KUNIT_HOST_BINARY(t, false, l, >=, r, __VA_ARGS__)
#define KUNIT_ASSERT_EQ_MSG(t, l, r, ...) KUNIT_HOST_BINARY(t, true, l, ==, r, __VA_ARGS__)
#define KUNIT_ASSERT_NE_MSG(t, l, r, ...) KUNIT_HOST_BINARY(t, true, l, !=, r, __VA_ARGS__)
#define KUNIT_ASSERT_LT_MSG(t, l, r, ...) KUNIT_HOST_BINARY(t, true, l, <, r, __VA_ARGS__)
#define KUNIT_ASSERT_LE_MSG(t, l, r, ...) KUNIT_HOST_BINARY(t, true, l, <=, r, __VA_ARGS__)
#define KUNIT_ASSERT_GT_MSG(t, l, r, ...) KUNIT_HOST_BINARY(t, true, l, >, r, __VA_ARGS__)
#define KUNIT_ASSERT_GE_MSG(t, l, r, ...) KUNIT_HOST_BINARY(t, true, l, >=, r, __VA_ARGS__)

#define KUNIT_EXPECT_EQ(t, l, r)	KUNIT_EXPECT_EQ_MSG(t, l, r, NULL)
#define KUNIT_EXPECT_NE(t, l, r)	KUNIT_EXPECT_NE_MSG(t, l, r, NULL)
#define KUNIT_EXPECT_LT(t, l, r)	KUNIT_EXPECT_LT_MSG(t, l, r, NULL)
#define KUNIT_EXPECT_LE(t, l, r)	KUNIT_EXPECT_LE_MSG(t, l, r, NULL)
#define KUNIT_EXPECT_GT(t, l, r)	KUNIT_EXPECT_GT_MSG(t, l, r, NULL)
#define KUNIT_EXPECT_GE(t, l, r)	KUNIT_EXPECT_GE_MSG(t, l, r, NULL)
#define KUNIT_ASSERT_EQ(t, l, r)	KUNIT_ASSERT_EQ_MSG(t, l, r, NULL)
#define KUNIT_ASSERT_NE(t, l, r)	KUNIT_ASSERT_NE_MSG(t, l, r, NULL)
#define KUNIT_ASSERT_LT(t, l, r)	KUNIT_ASSERT_LT_MSG(t, l, r, NULL)
#define KUNIT_ASSERT_LE(t, l, r)	KUNIT_ASSERT_LE_MSG(t, l, r, NULL)
#define KUNIT_ASSERT_GT(t, l, r)	KUNIT_ASSERT_GT_MSG(t, l, r, NULL)
#define KUNIT_ASSERT_GE(t, l, r)	KUNIT_ASSERT_GE_MSG(t, l, r, NULL)

#endif /* _FLATVM_KUNIT_HOST_H */
