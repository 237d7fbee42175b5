// SPDX-License-Identifier: GPL-2.0
/*
 * Linked into build/examples/shmap_bench-fake (ASan) so that the flatvm
 * variant runs on the host: before main(), when FLATVM_FAKE_LINK is set,
 * sets up the fake device (lib/tests/fake_dev.c; its window is inherited
 * by the forked readers, as the module's addresses are the same in every
 * process), has it map held pages on first touch as the module does, and
 * links its node to $FLATVM_FAKE_LINK for --device.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <unistd.h>

#include "fake_dev.h"

static pid_t fake_owner;

static void fake_cleanup(void)
{
	if (getpid() == fake_owner)
		fake_dev_exit();
}

__attribute__((constructor)) static void fake_init(void)
{
	const char *link = getenv("FLATVM_FAKE_LINK");

	if (!link)
		return;
	/* Readers follow pointers into ranges they hold but never attached. */
	if (fake_dev_init() || fake_dev_fault_in())
		_exit(99);
	unlink(link);
	if (symlink(fake_dev_path(), link))
		_exit(98);
	fake_owner = getpid();
	atexit(fake_cleanup);
}
