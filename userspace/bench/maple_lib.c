// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's maple tree, built on the host: includes lib/maple_tree.c
 * from Debian's linux-source-6.1 (extracted outside the work tree by
 * kernel-src.sh) the way tools/testing/radix-tree/maple.c does, without the
 * test suite.  The timed build has no CONFIG_DEBUG_MAPLE_TREE (Debian's
 * kernel has none); the smoke build defines it for mt_validate().
 * Node allocation goes through kshim.c (fv_slab).
 */
#include <assert.h>
#include <stdlib.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/slab.h>
#include "linux/init.h"

#define module_init(x)
#define module_exit(x)
#define MODULE_AUTHOR(x)
#define MODULE_LICENSE(x)
#define dump_stack()	assert(0)

/* "$(KSRC)/lib/maple_tree.c", from bench.mk. */
#include MAPLE_TREE_C
