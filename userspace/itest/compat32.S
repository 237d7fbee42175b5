/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flatvm integration tests: a 32-bit (compat) caller, without a C library
 * (the build machine has no 32-bit libc).  Run by t_compat_rejected with a
 * 64-bit-opened /dev/flatvm as fd 3.  Exit status 0 when the ioctl on the
 * inherited descriptor failed with ENOTTY and open() with EOPNOTSUPP;
 * 1 or 2 tells which check failed.
 */
	.text
	.globl _start
_start:
	mov $54, %eax			/* ioctl(3, FLATVM_IOC_STATS, buf) */
	mov $3, %ebx
	mov $0xC098F706, %ecx
	mov $buf, %edx
	int $0x80
	mov %eax, %esi
	mov $5, %eax			/* open("/dev/flatvm", O_RDWR) */
	mov $path, %ebx
	mov $2, %ecx
	int $0x80
	mov %eax, %edi
	mov $1, %ebx
	cmp $-25, %esi			/* -ENOTTY */
	jne 1f
	mov $2, %ebx
	cmp $-95, %edi			/* -EOPNOTSUPP */
	jne 1f
	xor %ebx, %ebx
1:	mov $1, %eax			/* exit(ebx) */
	int $0x80

	.data
path:	.asciz "/dev/flatvm"
buf:	.space 256
	.section .note.GNU-stack, "", @progbits
