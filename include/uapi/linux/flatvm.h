/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * flatvm: one flat address window shared by many processes.
 *
 * This is the whole ABI of /dev/flatvm.  A range handed out by
 * FLATVM_IOC_ALLOC has the same address in every process that maps it, so
 * pointers stored inside it stay valid when another process reads them.
 *
 * Conventions shared by every ioctl:
 *  - The argument is a pointer to one of the structs below.  Its first two
 *    fields are @size (set it to sizeof(the struct) you compiled against) and
 *    @flags.  A @size smaller than the struct is -EINVAL; a larger one is
 *    accepted only when the extra bytes are zero (else -E2BIG), so the
 *    structs can grow at their end.
 *  - Unknown @flags bits, non-zero padding and unknown rights: -EINVAL.
 *    Unknown ioctl numbers: -ENOTTY.  A bad pointer: -EFAULT.
 *  - Addresses and lengths are bytes and must be multiples of 4096 where
 *    the text says "span"; a span must be non-empty, must not wrap and must
 *    lie inside the window, else -EINVAL.
 *  - Rights are FLATVM_RIGHT_* bits and always include FLATVM_RIGHT_READ
 *    (x86 cannot map a page writable or executable but not readable).
 *  - 32-bit (compat) callers are rejected: open() fails with -EOPNOTSUPP and
 *    an inherited descriptor answers every ioctl with -ENOTTY.
 *
 * The window: a process's first ALLOC or ATTACH maps the whole window in it
 * as one mapping ("[flatvm]" in /proc/PID/maps, refused with -EEXIST when
 * anything else lies there).  Ranges are page table entries in it, with the
 * rights the process holds on each page: an access those rights do not
 * allow, or to a page it does not hold, raises SIGSEGV.  mprotect() and
 * mremap() moves of the window fail; munmap() of part of it releases what
 * the process holds there, and a later ALLOC or ATTACH maps that part
 * again.  A fork child inherits none of it.  The kernel cannot take a
 * reference on the window's pages (no get_user_pages(): vmsplice, O_DIRECT,
 * process_vm_readv, /proc/PID/mem, ptrace and io_uring buffers fail on it);
 * read(), write() and other copies work.  /dev/flatvm itself cannot be
 * mapped (-ENODEV).
 *
 * Who may do what (the security model; the README has the whole of it):
 *  - Opening /dev/flatvm: root (CAP_SYS_ADMIN), members of the group the
 *    access_gid module parameter names, or anyone when access_all is set
 *    (-EACCES otherwise).  A descriptor keeps working whoever holds it.
 *  - A process takes part once it calls FLATVM_IOC_ALLOC or
 *    FLATVM_IOC_ACCEPT: flatvm then keeps a record of it (its holds) until
 *    it exits.  A process's user, for everything below, is the real uid it
 *    had at its last such call (or any other call it made since).
 *  - Receiving: a process receives grants only from the processes it
 *    accepts (FLATVM_IOC_ACCEPT): after its first ALLOC, from processes of
 *    its own user; a process that never called ALLOC or ACCEPT cannot be
 *    granted to at all, and a GRANT never creates anything in it.
 *  - Taking back: only the process that allocated a range (its owner) may
 *    revoke the holds others have on it; a grantee may only release its
 *    own hold, and nobody can take the owner's hold away.
 *  - Seeing: QUERY describes a page only to a process that holds it.
 *  - Quotas per user (module parameters, writable at run time by root;
 *    STATS reports them and the caller's user's usage): address space
 *    (max_user_bytes, lazy or not, charged to the user who allocated the
 *    range until nobody holds any of it), ranges (max_user_ranges), hold
 *    records (max_user_records) and pages (max_user_pages); the module as a
 *    whole has max_pages.  Each has its own errno:
 *	-EFBIG	 address space (max_user_bytes)
 *	-EMFILE	 ranges (max_user_ranges)
 *	-EMLINK	 hold records (max_user_records)
 *	-EDQUOT	 pages of one user (max_user_pages)
 *	-ENOBUFS pages of the module (max_pages)
 *    RELEASE, REVOKE, munmap() and exit never fail on a quota, except that
 *    a RELEASE or REVOKE cutting an extent in two needs one more record
 *    (-EMLINK at the cap: release up to an end of the extent instead).
 *
 * Ioctl numbers: type 0xF7, numbers 0x00-0x07, all _IOWR.
 */
#ifndef _UAPI_LINUX_FLATVM_H
#define _UAPI_LINUX_FLATVM_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define FLATVM_DEVICE		"/dev/flatvm"

#define FLATVM_RIGHT_READ	((__u32)1 << 0)
#define FLATVM_RIGHT_WRITE	((__u32)1 << 1)
#define FLATVM_RIGHT_EXEC	((__u32)1 << 2)
#define FLATVM_RIGHTS_ALL	(FLATVM_RIGHT_READ | FLATVM_RIGHT_WRITE | \
				 FLATVM_RIGHT_EXEC)

/**
 * struct flatvm_alloc - FLATVM_IOC_ALLOC: allocate a range and map it.
 * @size:	in: sizeof(struct flatvm_alloc).
 * @flags:	in: FLATVM_ALLOC_LAZY or 0.
 * @len:	in: bytes, a non-zero multiple of 4096.
 * @align:	in: 0 (page) or a power of two from 4096 to 1 GiB.
 * @rights:	in: the caller's rights on the new range.
 * @pad:	must be zero.
 * @addr:	out: address of the range, already mapped in the caller.
 *
 * Without FLATVM_ALLOC_LAZY every page is allocated (zeroed) and mapped
 * before the call returns; with it, pages are allocated on first touch by
 * any holder and every holder sees the same page.
 *
 * The range is charged to the caller's user: @len bytes of address space
 * (until no process holds any of it, wherever its holds went), one range
 * and one hold record, and for an eager range @len / 4096 pages.  The
 * caller accepts grants from its own user from now on, unless it said
 * otherwise with FLATVM_IOC_ACCEPT.
 *
 * Errors: -EINVAL bad field; -ENOSPC no free run of the window fits;
 * -EFBIG the caller's user would hold more address space than the
 * max_user_bytes parameter; -EMFILE more ranges than max_user_ranges;
 * -EMLINK more hold records than max_user_records; -EDQUOT more pages than
 * max_user_pages; -ENOBUFS the module would exceed the max_pages
 * parameter; -ENOMEM out of memory; -EEXIST the window could not be mapped in the caller because a
 * mapping the module did not create lies inside it (at the range, for a
 * part of the window the caller unmapped); -EACCES a writable range on a
 * descriptor opened read-only, or an executable one when /dev/flatvm is on
 * a noexec mount.  On any error nothing changed.
 */
struct flatvm_alloc {
	__u32 size;
	__u32 flags;
#define FLATVM_ALLOC_LAZY	((__u32)1 << 0)
	__u64 len;
	__u64 align;
	__u32 rights;
	__u32 pad;
	__u64 addr;
};

/**
 * struct flatvm_grant - FLATVM_IOC_GRANT: give another process a hold.
 * @size:	in: sizeof(struct flatvm_grant).
 * @flags:	in: 0.
 * @pidfd:	in: a pidfd (pidfd_open() or CLONE_PIDFD) naming the grantee.
 * @rights:	in: at most the caller's rights on every page of the span.
 * @addr, @len:	in: span, inside one range, held whole by the caller.
 *
 * The grantee holds the pages from now on (they survive the caller's
 * release) and maps them with FLATVM_IOC_ATTACH.  It must accept grants
 * from the caller (FLATVM_IOC_ACCEPT); its new holds count against its
 * user's max_user_records, the address space stays charged to the range's
 * allocator.
 *
 * Errors: -EBADF @pidfd is not a pidfd; -ESRCH its process has exited or is
 * not visible; -EPERM the grantee does not accept grants from the caller
 * (it never called ALLOC or ACCEPT, or accepts nobody, or only its own user
 * and the caller's user is another); -EINVAL bad field, a span crossing two
 * ranges, or the caller itself as grantee; -ENOENT the caller does not hold
 * every page; -EACCES @rights exceed the caller's; -EEXIST the grantee
 * already holds a page of the span; -EMLINK the grantee's user (or the
 * caller's, when the span's ends cut its extents) would exceed
 * max_user_records; -ERANGE the span covers more than 1024 extents of the
 * caller's (a bound on the time one call holds the allocator: grant it in
 * parts); -ENOMEM.  On error nothing changed.
 */
struct flatvm_grant {
	__u32 size;
	__u32 flags;
	__s32 pidfd;
	__u32 rights;
	__u64 addr;
	__u64 len;
};

/**
 * struct flatvm_attach - FLATVM_IOC_ATTACH: map granted pages.
 * @size:	in: sizeof(struct flatvm_attach).
 * @flags:	in: 0.
 * @addr, @len:	in: span, every page held by the caller.
 * @rights:	in: protection of the mapping, at most the caller's rights.
 * @pad:	must be zero.
 *
 * The span is mapped at @addr, the address it has in every process, with
 * the rights the caller holds on each page (@rights is what it needs at
 * least): pages allocated already at once, the others on first touch.  In
 * a process whose window is mapped, a page it holds is reachable even
 * before ATTACH; ATTACH maps the window if needed and saves the faults.
 *
 * Errors: -EINVAL bad field; -EACCES the caller holds no grant for some
 * page, or with fewer rights, or as for ALLOC; -EEXIST as for ALLOC;
 * -ENOMEM.  The grants stay either way.
 */
struct flatvm_attach {
	__u32 size;
	__u32 flags;
	__u64 addr;
	__u64 len;
	__u32 rights;
	__u32 pad;
};

/**
 * struct flatvm_release - FLATVM_IOC_RELEASE: drop the caller's hold.
 * @size:	in: sizeof(struct flatvm_release).
 * @flags:	in: 0.
 * @addr, @len:	in: span; may cover parts of several ranges.
 *
 * The caller's page table entries in the span go at once: touching it
 * then raises SIGSEGV.  Pages another process still holds stay intact for
 * it; pages nobody holds are freed and their addresses return to the pool.
 * munmap() of a part of the window and the exit of the process (kill -9
 * included) have the same effect there.
 *
 * Errors: -EINVAL bad span; -ENOENT the caller holds nothing in the span;
 * -EMLINK the span lies inside one extent the caller holds and cutting it
 * in two would take the caller's user over max_user_records (nothing
 * changed); -ENOMEM (the holds stay); -EINTR.
 */
struct flatvm_release {
	__u32 size;
	__u32 flags;
	__u64 addr;
	__u64 len;
};

/**
 * struct flatvm_revoke - FLATVM_IOC_REVOKE: take a hold back.
 * @size:	in: sizeof(struct flatvm_revoke).
 * @flags:	in: 0.
 * @pidfd:	in: the process losing its hold.
 * @pad:	must be zero.
 * @addr, @len:	in: span, held whole by the caller.
 *
 * Only the owner may revoke: the caller must have allocated every page of
 * the span and still hold it (a grantee cannot revoke anyone, only release
 * its own hold; nobody can revoke the owner).  The named process loses its
 * hold and its page table entries at once: touching the span then raises
 * SIGSEGV there, and no reference to the pages stays with it.
 *
 * Errors: -EBADF, -ESRCH as for GRANT; -EINVAL bad field or the caller
 * itself; -EPERM the caller is not the owner of every page of the span (it
 * did not allocate it, or released part of it); -ENOENT the process holds
 * nothing in the span; -EMLINK the span's ends cut the caller's extents and
 * its user is at max_user_records; -ENOMEM; -EINTR.
 */
struct flatvm_revoke {
	__u32 size;
	__u32 flags;
	__s32 pidfd;
	__u32 pad;
	__u64 addr;
	__u64 len;
};

/**
 * struct flatvm_query - FLATVM_IOC_QUERY: what is at an address.
 * @size:	in: sizeof(struct flatvm_query).
 * @flags:	in: 0.
 * @addr:	in: any address (need not be aligned).
 * @range_id:	out: identifier of the range holding @addr: unique, never
 *		reused, the same in every process.
 * @range_start: out: first byte of the piece of that range around @addr (a
 *		range whose middle was released is in pieces).
 * @range_len:	out: its length in bytes.
 * @ext_start:	out: first byte of the run of pages around @addr that has
 *		the same holders.
 * @ext_len:	out: its length in bytes.
 * @rights:	out: the caller's rights on the page.
 * @nholders:	out: how many processes hold the page.
 * @oflags:	out: FLATVM_QUERY_MAPPED when the caller's window covers the
 *		page (touching it works, with @rights); FLATVM_QUERY_OWNER
 *		when the caller allocated it (and so may revoke others).
 * @pad:	out: zero.
 *
 * Only a holder of the page learns anything about it.
 *
 * Errors: -ENOENT the caller does not hold the page (it is free, outside
 * the window, or only other processes hold it).
 */
struct flatvm_query {
	__u32 size;
	__u32 flags;
	__u64 addr;
	__u64 range_id;
	__u64 range_start;
	__u64 range_len;
	__u64 ext_start;
	__u64 ext_len;
	__u32 rights;
	__u32 nholders;
	__u32 oflags;
#define FLATVM_QUERY_MAPPED	((__u32)1 << 0)
#define FLATVM_QUERY_OWNER	((__u32)1 << 1)
	__u32 pad;
};

/**
 * struct flatvm_stats - FLATVM_IOC_STATS: counters of the whole module.
 * @size:	in: sizeof(struct flatvm_stats).
 * @flags:	in: 0.
 * @window_base: out: first address of the window (module parameter).
 * @window_size: out: bytes in the window (the pool).
 * @free_bytes:	out: bytes of the window no range uses.
 * @largest_free: out: longest free run, bytes.
 * @ranges:	out: live ranges.
 * @extents:	out: runs of pages with one holder set.
 * @holders:	out: (run, process) hold records.
 * @processes:	out: processes known to the module.
 * @pages:	out: physical pages allocated.
 * @user_pages:	out: of these, pages charged to the caller's user.
 * @max_pages:	out: cap on @pages (module parameter).
 * @max_user_pages: out: cap per user (module parameter).
 * @user_bytes:	out: window address space charged to the caller's user.
 * @user_ranges: out: live ranges charged to the caller's user.
 * @user_records: out: hold records of the caller's user's processes.
 * @max_user_bytes: out: cap on @user_bytes (module parameter; its
 *		default, 0, means 1/16 of the window, the value shown here).
 * @max_user_ranges: out: cap on @user_ranges (module parameter).
 * @max_user_records: out: cap on @user_records (module parameter).
 *
 * The caller's user is its process's (see the top of this file), or its
 * real uid when it never called ALLOC or ACCEPT.  Every field is read from
 * counters: the call costs the same whatever the window holds.
 */
struct flatvm_stats {
	__u32 size;
	__u32 flags;
	__u64 window_base;
	__u64 window_size;
	__u64 free_bytes;
	__u64 largest_free;
	__u64 ranges;
	__u64 extents;
	__u64 holders;
	__u64 processes;
	__u64 pages;
	__u64 user_pages;
	__u64 max_pages;
	__u64 max_user_pages;
	__u64 user_bytes;
	__u64 user_ranges;
	__u64 user_records;
	__u64 max_user_bytes;
	__u64 max_user_ranges;
	__u64 max_user_records;
};

/**
 * struct flatvm_accept - FLATVM_IOC_ACCEPT: whose grants the caller takes.
 * @size:	in: sizeof(struct flatvm_accept).
 * @flags:	in: 0.
 * @from:	in: FLATVM_ACCEPT_NONE (nobody), FLATVM_ACCEPT_USER (processes
 *		of the caller's user) or FLATVM_ACCEPT_ANY (every process).
 * @previous:	out: the setting before the call (FLATVM_ACCEPT_NONE for a
 *		process flatvm did not know).
 *
 * A process can be granted to only once flatvm knows it: its first ALLOC
 * (which accepts its own user) or ACCEPT makes it known.  The setting
 * lasts until the next ACCEPT or the process's exit; a fork child or an
 * exec'd image starts unknown.  Grants already received stay.  "The
 * caller's user" is compared when a GRANT comes: the granter's user against
 * the grantee's (each the real uid at its last call).
 *
 * Errors: -EINVAL bad field; -ENOMEM; -EINTR.
 */
struct flatvm_accept {
	__u32 size;
	__u32 flags;
	__u32 from;
#define FLATVM_ACCEPT_NONE	0u
#define FLATVM_ACCEPT_USER	1u
#define FLATVM_ACCEPT_ANY	2u
	__u32 previous;
};

#define FLATVM_IOC_MAGIC	0xF7
#define FLATVM_IOC_ALLOC	_IOWR(FLATVM_IOC_MAGIC, 0x00, struct flatvm_alloc)
#define FLATVM_IOC_GRANT	_IOWR(FLATVM_IOC_MAGIC, 0x01, struct flatvm_grant)
#define FLATVM_IOC_ATTACH	_IOWR(FLATVM_IOC_MAGIC, 0x02, struct flatvm_attach)
#define FLATVM_IOC_RELEASE	_IOWR(FLATVM_IOC_MAGIC, 0x03, struct flatvm_release)
#define FLATVM_IOC_REVOKE	_IOWR(FLATVM_IOC_MAGIC, 0x04, struct flatvm_revoke)
#define FLATVM_IOC_QUERY	_IOWR(FLATVM_IOC_MAGIC, 0x05, struct flatvm_query)
#define FLATVM_IOC_STATS	_IOWR(FLATVM_IOC_MAGIC, 0x06, struct flatvm_stats)
#define FLATVM_IOC_ACCEPT	_IOWR(FLATVM_IOC_MAGIC, 0x07, struct flatvm_accept)

#endif /* _UAPI_LINUX_FLATVM_H */
