// SPDX-License-Identifier: GPL-2.0
/*
 * The install test's program: built against an installed libflatvm with
 * pkg-config only.  Uses a little of each part of the API that needs no
 * device, and the device when there is one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include <libflatvm.h>

int main(void)
{
	struct flatvm_stats st;
	int fd, pidfd;

	if (LIBFLATVM_VERSION_MAJOR != 0 || sizeof(struct flatvm_range_msg) != 32)
		return 1;
	if (!strstr(flatvm_strerror(FLATVM_OP_ALLOC, -EDQUOT), "max_user_pages"))
		return 2;
	if (flatvm_open_path("/nonexistent/flatvm", O_RDWR) != -ENOENT)
		return 3;
	pidfd = flatvm_pidfd_open(0);
	if (pidfd < 0 || flatvm_pidfd_pid(pidfd) <= 0)
		return 4;
	fd = flatvm_open(O_RDWR);
	if (fd >= 0) {
		if (flatvm_stats(fd, &st) || !st.window_size)
			return 5;
		flatvm_close(fd);
	} else if (fd != -ENOENT) {
		return 6;
	}
	printf("install_hello: ok (%s)\n", fd >= 0 ? "device" : "no device");
	return 0;
}
