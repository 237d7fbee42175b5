/* SPDX-License-Identifier: GPL-2.0 */
/* The 32-bit test program (compat32.s), embedded in flatvm-itest. */
	.section .rodata
	.globl compat32_elf
	.globl compat32_elf_end
compat32_elf:
	.incbin COMPAT32_BIN
compat32_elf_end:
	.section .note.GNU-stack, "", @progbits
