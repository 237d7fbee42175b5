/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host unit tests of libflatvm: the framework.  Each t_*.c exports a
 * NULL-terminated table of cases; a case returns 0 when every check held.
 * The runner (lt_main.c) runs the cases in order against the fake device
 * (fake_dev.h) and, after each, checks that it left no range nor hold
 * behind and no descriptor open.
 */
#ifndef LT_H
#define LT_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "libflatvm.h"
#include "fake_dev.h"

struct lt_case {
	const char *name;
	int (*fn)(void);
};

extern const struct lt_case lt_device_cases[];
extern const struct lt_case lt_share_cases[];
extern const struct lt_case lt_heap_cases[];
extern const struct lt_case lt_view_cases[];

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			printf("    %s:%d: check failed: %s\n",		\
			       __FILE__, __LINE__, #cond);		\
			return 1;					\
		}							\
	} while (0)

/* CHECK for an expression returning 0 or -errno. */
#define CHECK_RC(expr, want)						\
	do {								\
		long rc_ = (expr), want_ = (want);			\
		if (rc_ != want_) {					\
			printf("    %s:%d: %s = %ld (%s), want %ld (%s)\n",\
			       __FILE__, __LINE__, #expr, rc_,		\
			       rc_ < 0 ? strerror((int)-rc_) : "ok",	\
			       want_,					\
			       want_ < 0 ? strerror((int)-want_) : "ok");\
			return 1;					\
		}							\
	} while (0)

#define RD	FLATVM_RIGHT_READ
#define RW	(FLATVM_RIGHT_READ | FLATVM_RIGHT_WRITE)

/* A descriptor of the fake device (O_RDWR), or the failing case returns. */
int lt_open(void);

/* 0 when the access worked, else the signal it raised (probes in lt_main.c). */
int lt_probe_read(const void *p);
int lt_probe_write(void *p);

#endif /* LT_H */
