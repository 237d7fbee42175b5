// SPDX-License-Identifier: GPL-2.0
/*
 * Linked into build/tools/flatvm-fake for the command's tests on the host:
 * before main(), when FLATVM_FAKE_LINK is set, sets up the fake device
 * (lib/tests/fake_dev.c) with its window at the module's default base,
 * links its node to $FLATVM_FAKE_LINK (what --device is given), and
 * allocates two ranges: 8 KiB read-write at the base, and 1 MiB aligned
 * to 1 MiB right after it.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "libflatvm.h"
#include "fake_dev.h"

#define FAKE_SHIM_BASE	0x100080000000ull

__attribute__((constructor)) static void fake_shim_init(void)
{
	const char *link = getenv("FLATVM_FAKE_LINK");
	void *a, *b;
	int fd;

	if (!link)
		return;
	if (fake_dev_init_at(FAKE_SHIM_BASE) || fake_dev_base() != FAKE_SHIM_BASE)
		_exit(99);
	atexit(fake_dev_exit);
	unlink(link);
	if (symlink(fake_dev_path(), link))
		_exit(98);
	fd = flatvm_open_path(link, O_RDWR);
	if (fd < 0 || flatvm_alloc(fd, 8192, 0, FLATVM_RIGHT_READ | FLATVM_RIGHT_WRITE,
				   0, &a) ||
	    flatvm_alloc(fd, 1 << 20, 1 << 20, FLATVM_RIGHT_READ, 0, &b))
		_exit(97);
	close(fd);
}
