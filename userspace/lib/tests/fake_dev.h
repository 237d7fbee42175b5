/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake /dev/flatvm for the host tests of libflatvm, linked into the test
 * programs: it defines ioctl(), which then wins over the C library's for
 * every call in the program, and answers the flatvm ioctls on descriptors
 * of its device node (a temporary file) as the module would, forwarding
 * every other ioctl to the kernel.
 *
 * What it simulates: a window of FAKE_WINDOW bytes (a memfd mapped shared at
 * one address, aligned to 1 GiB, set up before any fork so every process of
 * the test sees it at the same address); ranges with holders per process
 * (pid), rights enforced with mprotect() in the caller, pages zeroed when
 * the last holder goes; the argument checks of the uapi (size, flags,
 * padding, rights, spans) and the errnos of each ioctl.  The state lives in
 * shared memory, so forked children act as other processes.
 *
 * What it does not: spans other than whole ranges for GRANT, ATTACH,
 * RELEASE and REVOKE (-EINVAL); REVOKE cannot reach the grantee's page
 * tables (only its hold goes); a fork child's mappings are made PROT_NONE
 * (the module gives it nothing) but its holds are not cleared; consent:
 * ACCEPT is kept per process and answers its previous setting, but GRANT
 * does not check it (every test process is of one user).
 */
#ifndef FAKE_DEV_H
#define FAKE_DEV_H

#include <stddef.h>
#include <stdint.h>

#define FAKE_WINDOW	(16ull << 30)

/* Set up the device node, the shared state and the window: 0 or -errno. */
int fake_dev_init(void);
/* The same with the window at @base if that place is free. */
int fake_dev_init_at(uintptr_t base);
/*
 * From now on (and in fork children) a touch of a range the process holds
 * but has not attached attaches it, as the module's fault handler does:
 * 0 or -errno.  Off by default.
 */
int fake_dev_fault_in(void);
/* Remove the node and unmap everything. */
void fake_dev_exit(void);
/* The node to open (flatvm_open_path()). */
const char *fake_dev_path(void);
/* Base of the window. */
uintptr_t fake_dev_base(void);

/* The next ioctl @cmd (any process) fails with -@err, changing nothing. */
void fake_dev_fail_next(unsigned long cmd, int err);
/* The next @n ioctls @cmd succeed, the one after fails with -@err. */
void fake_dev_fail_after(unsigned long cmd, unsigned int n, int err);
/* Bytes of the last argument of @cmd as the caller passed it (first @len). */
void fake_dev_last_arg(unsigned long cmd, void *buf, size_t len);
/* Calls of @cmd so far. */
unsigned long fake_dev_calls(unsigned long cmd);
/* Live ranges and hold records (for leak checks). */
unsigned int fake_dev_nranges(void);
unsigned int fake_dev_nholds(void);

#endif /* FAKE_DEV_H */
