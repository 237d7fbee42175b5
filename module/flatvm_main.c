// SPDX-License-Identifier: GPL-2.0
/*
 * flatvm: the module's shared state (parameters, the arena), /dev/flatvm
 * and module init/exit.
 *
 * One arena (the window, kept by the allocator core) serves every process.
 * /dev/flatvm answers ioctls only (flatvm_ioctl.c); it has no mmap: each
 * process's window maps a file of its own (flatvm_map.c).  The lock order
 * of the whole driver is in flatvm.h.
 */
#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sizes.h>

#include "flatvm.h"
#include "flatvm_args.h"

/* The tracepoints' definitions, here only (flatvm_trace.h). */
#define CREATE_TRACE_POINTS
#include "flatvm_trace.h"

/*
 * The default window, 0x1000_8000_0000 up to 0x2000_8000_0000 (16 TiB),
 * starts just above ASan's shadow (which ends at 0x1000_7fff_7fff) and ends
 * well below the legacy bottom-up mmap base (0x2aaa_aaab_000).  PIE images
 * and brk sit near 0x5555_5555_5000, the top-down mmap base and the stack
 * near the top of the 47-bit space minus at most 16 TiB of randomisation:
 * none of them falls inside.
 */
unsigned long fvd_window_base = 0x100080000000UL;
module_param_named(window_base, fvd_window_base, ulong, 0444);
MODULE_PARM_DESC(window_base, "First address of the shared window");

unsigned long fvd_window_size = 0x100000000000UL;
module_param_named(window_size, fvd_window_size, ulong, 0444);
MODULE_PARM_DESC(window_size, "Bytes in the shared window");

unsigned long fvd_max_pages = 262144;
module_param_named(max_pages, fvd_max_pages, ulong, 0644);
MODULE_PARM_DESC(max_pages, "Cap on pages allocated, all users together");

unsigned long fvd_max_user_pages = 131072;
module_param_named(max_user_pages, fvd_max_user_pages, ulong, 0644);
MODULE_PARM_DESC(max_user_pages, "Cap on pages charged to one user");

unsigned long fvd_max_user_bytes;
module_param_named(max_user_bytes, fvd_max_user_bytes, ulong, 0644);
MODULE_PARM_DESC(max_user_bytes,
		 "Cap on window address space charged to one user (0: 1/16 of the window)");

unsigned long fvd_max_user_ranges = 65536;
module_param_named(max_user_ranges, fvd_max_user_ranges, ulong, 0644);
MODULE_PARM_DESC(max_user_ranges, "Cap on live ranges charged to one user");

unsigned long fvd_max_user_records = 131072;
module_param_named(max_user_records, fvd_max_user_records, ulong, 0644);
MODULE_PARM_DESC(max_user_records,
		 "Cap on hold records of one user's processes");

/*
 * Who may open /dev/flatvm: root (CAP_SYS_ADMIN), members of access_gid,
 * everyone with access_all.  The node is created 0666 and this decides.
 */
static int fvd_access_gid = -1;
module_param_named(access_gid, fvd_access_gid, int, 0644);
MODULE_PARM_DESC(access_gid,
		 "Group whose members may open /dev/flatvm besides root (-1: none)");

static bool fvd_access_all;
module_param_named(access_all, fvd_access_all, bool, 0644);
MODULE_PARM_DESC(access_all, "Anyone may open /dev/flatvm");

struct fv_arena fvd_arena;

/*
 * 32-bit tasks cannot address the window: refuse them at the door.  Then
 * the access parameters decide (the node's mode lets everyone this far).
 */
static int fvd_open(struct inode *inode, struct file *file)
{
	int gid = READ_ONCE(fvd_access_gid);
	bool in_group = false;

	if (in_compat_syscall())
		return -EOPNOTSUPP;
	if (gid >= 0)
		in_group = in_group_p(make_kgid(&init_user_ns, gid));
	/* capable() last: it records the use of the capability. */
	if (fvd_may_open(READ_ONCE(fvd_access_all), gid, in_group) ||
	    capable(CAP_SYS_ADMIN))
		return 0;
	return -EACCES;
}

/* No .compat_ioctl: a descriptor passed to a 32-bit task gets -ENOTTY. */
static const struct file_operations fvd_fops = {
	.owner = THIS_MODULE,
	.open = fvd_open,
	.unlocked_ioctl = fvd_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice fvd_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "flatvm",
	.fops = &fvd_fops,
	.mode = 0666,
};

static int __init fvd_init(void)
{
	int ret;

	if (!fvd_window_size || !PAGE_ALIGNED(fvd_window_base) ||
	    !PAGE_ALIGNED(fvd_window_size) || fvd_window_base < SZ_4G ||
	    fvd_window_base > DEFAULT_MAP_WINDOW ||
	    fvd_window_size > DEFAULT_MAP_WINDOW - fvd_window_base) {
		pr_err("flatvm: window 0x%lx+0x%lx is not inside user space\n",
		       fvd_window_base, fvd_window_size);
		return -EINVAL;
	}
	ret = fv_kmem_init();
	if (ret)
		return ret;
	ret = fv_arena_init(&fvd_arena, fvd_window_base, fvd_window_size);
	if (ret)
		goto err_kmem;
	fvd_debugfs_init();
	ret = misc_register(&fvd_misc);
	if (ret)
		goto err_arena;
	return 0;

err_arena:
	fvd_debugfs_exit();
	fv_arena_destroy(&fvd_arena);
err_kmem:
	fv_kmem_exit();
	return ret;
}

static void __exit fvd_exit(void)
{
	misc_deregister(&fvd_misc);
	fvd_debugfs_exit();
	fvd_procs_exit();
	fvd_pages_exit();
	fvd_quota_exit();
	fv_arena_destroy(&fvd_arena);
	fv_kmem_exit();
}

module_init(fvd_init);
module_exit(fvd_exit);
MODULE_DESCRIPTION("flatvm: one flat address window shared by processes");
MODULE_LICENSE("GPL");
