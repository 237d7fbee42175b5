// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer entry point of the differential fuzzer (fvz_diff.c); built with
 * clang -fsanitize=fuzzer,address,undefined by fuzz/fuzz.mk.
 */
#include <stdlib.h>

#include "fvz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* At exit: how much was exercised (libFuzzer counts inputs, not ops). */
static void print_totals(void)
{
	printf("fvz libfuzzer totals: %llu ops, %llu injected -ENOMEM\n",
	       fvz_total_ops, fvz_total_injected);
	fvz_print_stats(stdout);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	atexit(print_totals);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fvz_run(data, size);
}
