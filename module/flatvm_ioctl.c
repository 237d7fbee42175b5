// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm ioctls: decode and dispatch.
 *
 * Each helper copies its argument in (fvd_copy_in(): the struct may grow at
 * its end), checks it (flatvm_args.c), calls the operation
 * (flatvm_range.c, flatvm_stats.c) and copies the result out.  Nothing here
 * keeps state or takes a lock.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/uaccess.h>

#include <uapi/linux/flatvm.h>

#include "flatvm.h"
#include "flatvm_args.h"

static_assert(FLATVM_RIGHT_READ == FV_READ);
static_assert(FLATVM_RIGHT_WRITE == FV_WRITE);
static_assert(FLATVM_RIGHT_EXEC == FV_EXEC);

/*
 * Copy an ioctl argument in: its leading @size says how much userspace
 * passed; more than we know is fine when the excess is zero.
 */
static int fvd_copy_in(void *karg, size_t ksize, void __user *uarg)
{
	u32 usize;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < ksize)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	return copy_struct_from_user(karg, ksize, uarg, usize);
}

static int fvd_ioctl_alloc(struct file *file, struct flatvm_alloc __user *uarg)
{
	struct flatvm_alloc a;
	int ret;

	ret = fvd_copy_in(&a, sizeof(a), uarg);
	if (!ret)
		ret = fvd_alloc_args(&a, fvd_window_size);
	if (!ret)
		ret = fvd_range_alloc(file, a.len, a.align, a.rights,
				      a.flags & FLATVM_ALLOC_LAZY, &a.addr);
	if (ret)
		return ret;
	if (copy_to_user(uarg, &a, sizeof(a))) {
		/* The caller never learns the address: the range goes. */
		fvd_range_release(a.addr, a.len);
		return -EFAULT;
	}
	return 0;
}

static int fvd_ioctl_grant(struct flatvm_grant __user *uarg)
{
	struct flatvm_grant g;
	int ret;

	ret = fvd_copy_in(&g, sizeof(g), uarg);
	if (!ret)
		ret = fvd_grant_args(&g, fvd_window_base, fvd_window_size);
	if (!ret)
		ret = fvd_range_grant(g.pidfd, g.addr, g.len, g.rights);
	return ret;
}

static int fvd_ioctl_attach(struct file *file,
			    struct flatvm_attach __user *uarg)
{
	struct flatvm_attach t;
	int ret;

	ret = fvd_copy_in(&t, sizeof(t), uarg);
	if (!ret)
		ret = fvd_attach_args(&t, fvd_window_base, fvd_window_size);
	if (!ret)
		ret = fvd_range_attach(file, t.addr, t.len, t.rights);
	return ret;
}

static int fvd_ioctl_release(struct flatvm_release __user *uarg)
{
	struct flatvm_release r;
	int ret;

	ret = fvd_copy_in(&r, sizeof(r), uarg);
	if (!ret)
		ret = fvd_release_args(&r, fvd_window_base, fvd_window_size);
	if (!ret)
		ret = fvd_range_release(r.addr, r.len);
	return ret;
}

static int fvd_ioctl_revoke(struct flatvm_revoke __user *uarg)
{
	struct flatvm_revoke v;
	int ret;

	ret = fvd_copy_in(&v, sizeof(v), uarg);
	if (!ret)
		ret = fvd_revoke_args(&v, fvd_window_base, fvd_window_size);
	if (!ret)
		ret = fvd_range_revoke(v.pidfd, v.addr, v.len);
	return ret;
}

static int fvd_ioctl_query(struct flatvm_query __user *uarg)
{
	struct fv_lookup_result res;
	struct flatvm_query q;
	bool mapped;
	int ret;

	ret = fvd_copy_in(&q, sizeof(q), uarg);
	if (ret)
		return ret;
	if (q.flags)
		return -EINVAL;
	ret = fvd_range_query(q.addr, &res, &q.range_start, &q.range_len,
			      &mapped);
	if (ret)
		return ret;
	q.range_id = res.range;
	q.ext_start = res.ext_start;
	q.ext_len = res.ext_len;
	q.rights = res.rights & FV_RIGHTS_MASK;
	q.nholders = res.nholders;
	q.oflags = mapped ? FLATVM_QUERY_MAPPED : 0;
	if (res.rights & FV_OWNER)
		q.oflags |= FLATVM_QUERY_OWNER;
	q.pad = 0;
	return copy_to_user(uarg, &q, sizeof(q)) ? -EFAULT : 0;
}

static int fvd_ioctl_stats(struct flatvm_stats __user *uarg)
{
	struct flatvm_stats s;
	int ret;

	ret = fvd_copy_in(&s, sizeof(s), uarg);
	if (ret)
		return ret;
	if (s.flags)
		return -EINVAL;
	fvd_stats_fill(&s);
	return copy_to_user(uarg, &s, sizeof(s)) ? -EFAULT : 0;
}

static int fvd_ioctl_accept(struct flatvm_accept __user *uarg)
{
	struct flatvm_accept a;
	int ret;

	ret = fvd_copy_in(&a, sizeof(a), uarg);
	if (!ret)
		ret = fvd_accept_args(&a);
	if (!ret)
		ret = fvd_range_accept(a.from, &a.previous);
	if (ret)
		return ret;
	return copy_to_user(uarg, &a, sizeof(a)) ? -EFAULT : 0;
}

/**
 * fvd_ioctl() - /dev/flatvm's unlocked_ioctl.
 * @file:	the device file.
 * @cmd:	FLATVM_IOC_*.
 * @arg:	the user pointer to the argument.
 *
 * Return: 0, a negative errno, -ENOTTY for an unknown @cmd.
 */
long fvd_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case FLATVM_IOC_ALLOC:
		return fvd_ioctl_alloc(file, uarg);
	case FLATVM_IOC_GRANT:
		return fvd_ioctl_grant(uarg);
	case FLATVM_IOC_ATTACH:
		return fvd_ioctl_attach(file, uarg);
	case FLATVM_IOC_RELEASE:
		return fvd_ioctl_release(uarg);
	case FLATVM_IOC_REVOKE:
		return fvd_ioctl_revoke(uarg);
	case FLATVM_IOC_QUERY:
		return fvd_ioctl_query(uarg);
	case FLATVM_IOC_STATS:
		return fvd_ioctl_stats(uarg);
	case FLATVM_IOC_ACCEPT:
		return fvd_ioctl_accept(uarg);
	default:
		return -ENOTTY;
	}
}
