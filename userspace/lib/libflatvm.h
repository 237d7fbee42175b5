/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libflatvm: the C library over /dev/flatvm (include/uapi/linux/flatvm.h).
 *
 * Four parts, one source file each:
 *  - the device (fvl_device.c): open/close, one wrapper per ioctl, and the
 *    table of errno meanings per operation (flatvm_strerror());
 *  - passing a range to another process (fvl_share.c): pidfds over a Unix
 *    socket, a grant plus the address in one message;
 *  - the pointer allocator (fvl_heap.c): malloc/free of objects carved from
 *    flatvm ranges, so linked structures live directly in shared memory;
 *  - the reader's view (fvl_view.c): attach on first use the ranges a
 *    pointer leads into.
 *
 * Conventions.  Functions returning int return 0 (or a descriptor) on
 * success and a negative errno value on failure; errno is left as the failed
 * system call set it.  flatvm_heap_alloc() returns NULL and sets errno, as
 * malloc() does.  The library keeps no hidden state: a flatvm "handle" is the
 * file descriptor itself, and every object (heap, view) is owned by the
 * caller.  Addresses are pointers: a range has the same address in every
 * process that maps it.  The ioctl wrappers have the names of their argument
 * structs (flatvm_stats() fills a struct flatvm_stats), as stat() does.
 *
 * Thread safety: every function may be called from any thread; a heap and
 * a view may be shared by threads.  The library is async-signal-unsafe.
 */
#ifndef LIBFLATVM_H
#define LIBFLATVM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/flatvm.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LIBFLATVM_VERSION_MAJOR	0
#define LIBFLATVM_VERSION_MINOR	1

/**
 * enum flatvm_op - the operations of the device, for flatvm_strerror().
 * @FLATVM_OP_OPEN:	opening the device (flatvm_open()).
 * @FLATVM_OP_ALLOC:	FLATVM_IOC_ALLOC.
 * @FLATVM_OP_GRANT:	FLATVM_IOC_GRANT.
 * @FLATVM_OP_ATTACH:	FLATVM_IOC_ATTACH.
 * @FLATVM_OP_RELEASE:	FLATVM_IOC_RELEASE.
 * @FLATVM_OP_REVOKE:	FLATVM_IOC_REVOKE.
 * @FLATVM_OP_QUERY:	FLATVM_IOC_QUERY.
 * @FLATVM_OP_STATS:	FLATVM_IOC_STATS.
 * @FLATVM_OP_ACCEPT:	FLATVM_IOC_ACCEPT.
 * @FLATVM_OP_COUNT:	number of operations.
 */
enum flatvm_op {
	FLATVM_OP_OPEN,
	FLATVM_OP_ALLOC,
	FLATVM_OP_GRANT,
	FLATVM_OP_ATTACH,
	FLATVM_OP_RELEASE,
	FLATVM_OP_REVOKE,
	FLATVM_OP_QUERY,
	FLATVM_OP_STATS,
	FLATVM_OP_ACCEPT,
	FLATVM_OP_COUNT
};

/**
 * flatvm_op_name() - short name of an operation ("alloc", "grant", ...).
 * @op:		the operation.
 *
 * Return: a static string; "?" for an unknown @op.
 */
const char *flatvm_op_name(enum flatvm_op op);

/**
 * flatvm_strerror() - what an error of one operation means.
 * @op:		the operation that failed.
 * @err:	its return value (-errno) or the errno value itself.
 *
 * The text says what the device meant by this errno for this operation
 * (ALLOC's -EDQUOT is the per-user page cap, GRANT's -ESRCH a grantee that
 * has exited), falling back to strerror() for the others.
 *
 * Return: a static string, never NULL.
 */
const char *flatvm_strerror(enum flatvm_op op, int err);

/**
 * flatvm_open() - open /dev/flatvm.
 * @oflags:	O_RDWR or O_RDONLY (a read-only descriptor cannot ALLOC a
 *		writable range); O_CLOEXEC is always added.
 *
 * The descriptor is checked with FLATVM_IOC_STATS, so a file that is not
 * the flatvm device is refused.
 *
 * Return: a descriptor, or -ENOENT (no device node: the module is not
 * loaded), -EACCES (permissions of the node), -ENOTTY (not a flatvm device),
 * -EOPNOTSUPP (a 32-bit caller), -EINVAL (bad @oflags), or open()'s errors.
 */
int flatvm_open(int oflags);

/**
 * flatvm_open_path() - flatvm_open() of another device node.
 * @path:	the node (flatvm_open() uses FLATVM_DEVICE).
 * @oflags:	as for flatvm_open().
 *
 * Return: as flatvm_open().
 */
int flatvm_open_path(const char *path, int oflags);

/**
 * flatvm_close() - close a descriptor from flatvm_open().
 * @fd:		the descriptor.
 *
 * Ranges stay mapped and held after close: they belong to the process,
 * not to the descriptor (release them, or exit).
 *
 * Return: 0, or -EBADF.
 */
int flatvm_close(int fd);

/**
 * flatvm_alloc() - FLATVM_IOC_ALLOC: allocate a range and map it.
 * @fd:		flatvm descriptor.
 * @len:	bytes, a non-zero multiple of 4096.
 * @align:	0 (page) or a power of two from 4096 to 1 GiB.
 * @rights:	FLATVM_RIGHT_* of the caller on the range (READ included).
 * @flags:	0 or FLATVM_ALLOC_LAZY (pages allocated on first touch).
 * @addr:	out: the address of the range, mapped and zeroed.
 *
 * Return: 0; -EINVAL bad argument; -ENOSPC no free run of the window fits;
 * -EFBIG the user's address space quota (max_user_bytes); -EMFILE its
 * range quota (max_user_ranges); -EMLINK its hold record quota
 * (max_user_records); -EDQUOT the user's page cap (max_user_pages);
 * -ENOBUFS the module's page cap (max_pages); -ENOMEM; -EEXIST the window cannot be reserved (a foreign
 * mapping lies inside it); -EACCES writable range on a read-only descriptor.
 * On error nothing changed and *@addr is untouched.
 */
int flatvm_alloc(int fd, uint64_t len, uint64_t align, uint32_t rights,
		 uint32_t flags, void **addr);

/**
 * flatvm_grant() - FLATVM_IOC_GRANT: make another process a holder.
 * @fd:		flatvm descriptor.
 * @pidfd:	pidfd of the grantee (flatvm_pidfd_open(), flatvm_recv_pidfd()).
 * @addr:	start of the span (page-aligned), inside one range.
 * @len:	bytes of the span (multiple of 4096).
 * @rights:	at most the caller's rights on every page.
 *
 * The grantee must accept grants from the caller (flatvm_accept()).
 *
 * Return: 0; -EBADF @pidfd is not a pidfd; -ESRCH the grantee has exited;
 * -EPERM the grantee does not accept grants from the caller; -EINVAL bad
 * span, a span crossing ranges, or the caller itself; -ENOENT the caller
 * does not hold the whole span; -EACCES @rights exceed the caller's;
 * -EEXIST the grantee holds part of the span already; -EMLINK a hold
 * record quota (max_user_records); -ERANGE the span covers more than 1024
 * extents (grant it in parts); -ENOMEM.
 */
int flatvm_grant(int fd, int pidfd, const void *addr, uint64_t len,
		 uint32_t rights);

/**
 * flatvm_attach() - FLATVM_IOC_ATTACH: map a granted span.
 * @fd:		flatvm descriptor.
 * @addr:	start of the span, the same address as in the granter.
 * @len:	bytes of the span.
 * @rights:	protection of the mapping, at most the rights held.
 *
 * Return: 0; -EINVAL bad span; -EACCES some page is not held, or with fewer
 * rights; -EEXIST a foreign mapping lies in the span or the window; -ENOMEM.
 */
int flatvm_attach(int fd, const void *addr, uint64_t len, uint32_t rights);

/**
 * flatvm_release() - FLATVM_IOC_RELEASE: drop the caller's hold and mapping.
 * @fd:		flatvm descriptor.
 * @addr:	start of the span; may cover parts of several ranges.
 * @len:	bytes of the span.
 *
 * Return: 0; -EINVAL bad span; -ENOENT the caller holds and maps nothing in
 * the span; -EMLINK cutting an extent in two would exceed the user's hold
 * record quota (max_user_records).
 */
int flatvm_release(int fd, const void *addr, uint64_t len);

/**
 * flatvm_revoke() - FLATVM_IOC_REVOKE: take a hold back from a process.
 * @fd:		flatvm descriptor.
 * @pidfd:	pidfd of the process losing its hold.
 * @addr:	start of the span, allocated and still held by the caller.
 * @len:	bytes of the span.
 *
 * Only the process that allocated a range may revoke holds on it.
 *
 * Return: 0; -EBADF, -ESRCH as flatvm_grant(); -EINVAL bad span or the
 * caller itself; -EPERM the caller does not own (did not allocate, or
 * released) every page of the span; -ENOENT the process holds none of it;
 * -EMLINK the user's hold record quota (cutting extents).
 */
int flatvm_revoke(int fd, int pidfd, const void *addr, uint64_t len);

/**
 * flatvm_query() - FLATVM_IOC_QUERY: what is at an address.
 * @fd:		flatvm descriptor.
 * @addr:	any address (need not be aligned).
 * @q:		out: the answer (the fields of struct flatvm_query).
 *
 * Return: 0; -ENOENT the caller does not hold the page (free, outside the
 * window, or held by other processes only).
 */
int flatvm_query(int fd, const void *addr, struct flatvm_query *q);

/**
 * flatvm_stats() - FLATVM_IOC_STATS: the module's counters.
 * @fd:		flatvm descriptor.
 * @st:		out: the counters (the fields of struct flatvm_stats).
 *
 * Return: 0, or -ENOTTY when @fd is not a flatvm descriptor.
 */
int flatvm_stats(int fd, struct flatvm_stats *st);

/**
 * flatvm_accept() - FLATVM_IOC_ACCEPT: whose grants the caller receives.
 * @fd:		flatvm descriptor.
 * @from:	FLATVM_ACCEPT_NONE, FLATVM_ACCEPT_USER (processes of the
 *		caller's user) or FLATVM_ACCEPT_ANY.
 * @previous:	out (may be NULL): the setting before the call.
 *
 * A process that has never called flatvm_alloc() or flatvm_accept() cannot
 * be granted to: a receiver calls this before it hands out its pidfd.
 *
 * Return: 0; -EINVAL bad @from; -ENOMEM.
 */
int flatvm_accept(int fd, uint32_t from, uint32_t *previous);

/**
 * flatvm_attach_at() - attach the piece of range around an address.
 * @fd:		flatvm descriptor.
 * @addr:	any address in a span the caller was granted.
 * @rights:	protection of the mapping.
 * @start:	out (may be NULL): first byte of the piece attached.
 * @len:	out (may be NULL): its length.
 *
 * FLATVM_IOC_QUERY finds the piece of range holding @addr, then
 * FLATVM_IOC_ATTACH maps it whole.  A reader that is handed a pointer but
 * not the range around it needs nothing else.
 *
 * Return: 0; -ENOENT nothing at @addr; -EACCES the caller holds no grant
 * there (or with fewer rights); flatvm_attach()'s errors.
 */
int flatvm_attach_at(int fd, const void *addr, uint32_t rights, void **start,
		     uint64_t *len);

/*
 * Passing a range to another process (fvl_share.c).
 *
 * The grantee is named by a pidfd.  To get one without a race on pid
 * reuse, the receiving side sends a pidfd of itself over the Unix socket
 * (flatvm_send_pidfd()) and the giving side receives it
 * (flatvm_recv_pidfd()).  flatvm_send_range() then grants the span and sends
 * its address; flatvm_recv_range() receives it and attaches.
 */

/**
 * struct flatvm_range_msg - one range passed over a socket.
 * @magic:	FLATVM_RANGE_MSG_MAGIC.
 * @rights:	rights granted to the receiver.
 * @addr:	start of the span (the same in both processes).
 * @len:	bytes of the span.
 * @tag:	free for the application (what the range is).
 */
struct flatvm_range_msg {
	uint32_t magic;
	uint32_t rights;
	uint64_t addr;
	uint64_t len;
	uint64_t tag;
};
#define FLATVM_RANGE_MSG_MAGIC	0x46565231u	/* "FVR1" */

/**
 * flatvm_pidfd_open() - pidfd_open(2) of a process.
 * @pid:	the process (0: the caller).
 *
 * Return: a pidfd (close-on-exec), or -ESRCH, -EINVAL, -EMFILE, -ENOSYS.
 */
int flatvm_pidfd_open(pid_t pid);

/**
 * flatvm_pidfd_pid() - the pid a pidfd refers to (from /proc/self/fdinfo).
 * @pidfd:	the pidfd.
 *
 * Return: the pid; -EBADF not a pidfd; -ESRCH the process has exited (the
 * kernel reports it as -1); -ENOENT /proc is not mounted.
 */
int flatvm_pidfd_pid(int pidfd);

/**
 * flatvm_send_pidfd() - send a pidfd of the calling process over a socket.
 * @sock:	a connected Unix stream or seqpacket socket.
 *
 * Return: 0; -ENOTSOCK, -EPIPE, -ECONNRESET and other sendmsg() errors.
 */
int flatvm_send_pidfd(int sock);

/**
 * flatvm_recv_pidfd() - receive the pidfd flatvm_send_pidfd() sent.
 * @sock:	the other end of the socket.
 *
 * Return: the pidfd (close-on-exec, the caller closes it); -EPROTO the
 * message carried no descriptor or a malformed one; -ECONNRESET the peer
 * closed the socket; recvmsg() errors.
 */
int flatvm_recv_pidfd(int sock);

/**
 * flatvm_send_range() - grant a span and send its address over a socket.
 * @fd:		flatvm descriptor.
 * @sock:	connected Unix socket to the grantee.
 * @pidfd:	pidfd of the grantee.
 * @addr:	start of the span.
 * @len:	bytes of the span.
 * @rights:	rights to grant.
 * @tag:	copied into the message for the application.
 *
 * When sending fails after the grant, the grant is revoked again.
 *
 * Return: 0; flatvm_grant()'s errors; the socket's errors (-EPIPE,
 * -ECONNRESET, ...).
 */
int flatvm_send_range(int fd, int sock, int pidfd, const void *addr,
		      uint64_t len, uint32_t rights, uint64_t tag);

/**
 * flatvm_recv_range() - receive a span from flatvm_send_range() and attach it.
 * @fd:		flatvm descriptor.
 * @sock:	the socket.
 * @rights:	protection to attach with; 0 attaches with the rights granted.
 * @msg:	out: the message (address, length, rights granted, tag).
 *
 * Return: 0; -EPROTO a malformed message; -ECONNRESET the peer closed the
 * socket; flatvm_attach()'s errors (the message is still stored in @msg).
 */
int flatvm_recv_range(int fd, int sock, uint32_t rights,
		      struct flatvm_range_msg *msg);

/*
 * The pointer allocator (fvl_heap.c): see the design notes at the top of
 * that file and in libflatvm(3).
 */
struct flatvm_heap;

/* Largest object served from slabs; larger ones get their own range. */
#define FLATVM_HEAP_SMALL_MAX	8192u
/* Alignment of every object. */
#define FLATVM_HEAP_ALIGN	16u

/**
 * struct flatvm_heap_opts - options of flatvm_heap_create().
 * @size:	sizeof(struct flatvm_heap_opts) (the struct may grow).
 * @flags:	FLATVM_HEAP_LAZY: ranges allocated with FLATVM_ALLOC_LAZY.
 * @rights:	the heap's rights on its ranges; 0 means read + write.
 * @pad:	zero.
 * @chunk_size:	bytes of each range slabs are carved from, a power of two
 *		from 64 KiB to 1 GiB; 0 means 1 MiB.  Every range of the
 *		heap starts at a multiple of it.
 */
struct flatvm_heap_opts {
	uint32_t size;
	uint32_t flags;
#define FLATVM_HEAP_LAZY	(1u << 0)
	uint32_t rights;
	uint32_t pad;
	uint64_t chunk_size;
};

/**
 * struct flatvm_heap_stats - counters of one heap.
 * @chunks:	ranges slabs are carved from.
 * @large:	ranges holding one large object each.
 * @mapped_bytes: bytes of all the heap's ranges.
 * @live_objects: objects allocated and not freed.
 * @live_bytes:	bytes of those objects, rounded to their size class.
 * @grantees:	processes every range is granted to.
 */
struct flatvm_heap_stats {
	uint64_t chunks;
	uint64_t large;
	uint64_t mapped_bytes;
	uint64_t live_objects;
	uint64_t live_bytes;
	uint64_t grantees;
};

/**
 * flatvm_heap_create() - a pointer allocator over flatvm ranges.
 * @fd:		flatvm descriptor; must stay open while the heap lives.
 * @opts:	options, or NULL for the defaults.
 * @heap:	out: the heap.
 *
 * No range is allocated before the first flatvm_heap_alloc().
 *
 * Return: 0; -EINVAL bad options; -ENOMEM; flatvm_stats()'s errors.
 */
int flatvm_heap_create(int fd, const struct flatvm_heap_opts *opts,
		       struct flatvm_heap **heap);

/**
 * flatvm_heap_destroy() - release every range of the heap and free it.
 * @heap:	the heap (NULL is allowed).
 *
 * Processes the ranges were granted to keep their holds: the pages live on
 * for them until they release them or exit.
 */
void flatvm_heap_destroy(struct flatvm_heap *heap);

/**
 * flatvm_heap_alloc() - allocate an object in shared memory.
 * @heap:	the heap.
 * @size:	bytes; 0 is treated as 1.
 *
 * The object is FLATVM_HEAP_ALIGN-aligned; its contents are undefined
 * (zero when fresh, the old bytes when reused).  When the heap grows, the
 * new range is granted to every grantee and passed to the growth hook
 * before any object in it is returned.
 *
 * Return: the object, or NULL with errno set: ENOMEM, ENOSPC, EDQUOT,
 * ENOBUFS (flatvm_alloc()), EOVERFLOW (@size too large), or the error of a
 * grant or of the hook.
 */
void *flatvm_heap_alloc(struct flatvm_heap *heap, size_t size);

/**
 * flatvm_heap_zalloc() - flatvm_heap_alloc() of a zeroed object.
 * @heap:	the heap.
 * @size:	bytes.
 *
 * Return: as flatvm_heap_alloc().
 */
void *flatvm_heap_zalloc(struct flatvm_heap *heap, size_t size);

/**
 * flatvm_heap_free() - free an object, from any thread.
 * @heap:	the heap that allocated it.
 * @ptr:	the object (NULL is allowed and does nothing).
 *
 * A large object's range is released; processes it was granted to keep
 * their holds (so its address cannot be reused under their feet) until they
 * release it.  Small objects go back to their slab; slabs and chunks stay
 * with the heap until flatvm_heap_destroy().
 *
 * Return: 0; -EINVAL @ptr is not a live object of this heap (a double free
 * or a pointer into the middle of an object included).
 */
int flatvm_heap_free(struct flatvm_heap *heap, void *ptr);

/**
 * flatvm_heap_usable_size() - bytes usable in an object.
 * @heap:	the heap.
 * @ptr:	a live object.
 *
 * Return: its size class (or its range length), 0 if @ptr is not a live
 * object of @heap.
 */
size_t flatvm_heap_usable_size(struct flatvm_heap *heap, const void *ptr);

/**
 * typedef flatvm_range_fn - callback over a heap's ranges.
 * @ctx:	the caller's context.
 * @addr:	start of the range.
 * @len:	its length.
 *
 * Called with the heap's lock held: it must not call into the heap.
 *
 * Return: 0 to go on; a negative errno stops the walk (or the growth).
 */
typedef int (*flatvm_range_fn)(void *ctx, void *addr, uint64_t len);

/**
 * flatvm_heap_for_each_range() - call @fn on every range of the heap.
 * @heap:	the heap.
 * @fn:		the callback.
 * @ctx:	passed to @fn.
 *
 * Return: 0, or the first non-zero value @fn returned.
 */
int flatvm_heap_for_each_range(struct flatvm_heap *heap, flatvm_range_fn fn,
			       void *ctx);

/**
 * flatvm_heap_set_grow_hook() - be told of every range the heap adds.
 * @heap:	the heap.
 * @fn:		called with each new range after the grants to grantees and
 *		before any object in it is handed out; NULL removes the hook.
 *		An error from it fails the allocation and the range is
 *		released.
 * @ctx:	passed to @fn.
 *
 * Return: 0.
 */
int flatvm_heap_set_grow_hook(struct flatvm_heap *heap, flatvm_range_fn fn,
			      void *ctx);

/**
 * flatvm_heap_grant_all() - grant every range of the heap, now and later.
 * @heap:	the heap.
 * @pidfd:	the grantee (the heap keeps a duplicate).
 * @rights:	rights granted, at most the heap's.
 *
 * Grants every range the heap has, then every range it adds.  A grantee
 * that has exited (-ESRCH on a later grant) is dropped silently; any other
 * error of a later grant fails the allocation that needed the range.
 *
 * Return: 0; flatvm_grant()'s errors (the grants this call made are
 * revoked again); -ENOMEM; -EEXIST the process is a grantee already.
 */
int flatvm_heap_grant_all(struct flatvm_heap *heap, int pidfd,
			  uint32_t rights);

/**
 * flatvm_heap_revoke_all() - revoke a grantee from every range, forget it.
 * @heap:	the heap.
 * @pidfd:	a pidfd of the grantee.
 *
 * Return: 0; -ENOENT not a grantee of this heap; flatvm_revoke()'s errors
 * other than -ENOENT (a range the grantee released already is skipped).
 */
int flatvm_heap_revoke_all(struct flatvm_heap *heap, int pidfd);

/**
 * flatvm_heap_stats() - counters of a heap.
 * @heap:	the heap.
 * @st:		out: the counters.
 */
void flatvm_heap_stats(struct flatvm_heap *heap, struct flatvm_heap_stats *st);

/*
 * The reader's view (fvl_view.c): which pages the caller has attached, one
 * bit per page of the window, so that a reader following pointers attaches
 * each range on first use and pays one bit test after that.
 */
struct flatvm_view;

/**
 * flatvm_view_create() - a reader's view of the window.
 * @fd:		flatvm descriptor; must stay open while the view lives.
 * @rights:	protection to attach with (FLATVM_RIGHT_READ for a reader).
 * @view:	out: the view.
 *
 * Return: 0; -EINVAL bad @rights; -ENOMEM; flatvm_stats()'s errors.
 */
int flatvm_view_create(int fd, uint32_t rights, struct flatvm_view **view);

/**
 * flatvm_view_destroy() - free a view (the mappings stay).
 * @view:	the view (NULL is allowed).
 */
void flatvm_view_destroy(struct flatvm_view *view);

/**
 * flatvm_view_ensure() - make sure @len bytes at @ptr are mapped.
 * @view:	the view.
 * @ptr:	start of an object the caller is about to read.
 * @len:	its length (at least 1).
 *
 * When a page of [@ptr, @ptr + @len) is not attached yet,
 * flatvm_attach_at() maps the piece of range around it.
 *
 * Return: 0; -EFAULT the bytes are not all inside the window;
 * flatvm_attach_at()'s errors.
 */
int flatvm_view_ensure(struct flatvm_view *view, const void *ptr, size_t len);

/**
 * flatvm_view_forget() - mark a span as not attached (after a revoke).
 * @view:	the view.
 * @ptr:	start of the span.
 * @len:	its length.
 */
void flatvm_view_forget(struct flatvm_view *view, const void *ptr,
			size_t len);

#ifdef __cplusplus
}
#endif

#endif /* LIBFLATVM_H */
