// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer entry point of the differential fuzzer (fvz_diff.c); built with
 * clang -fsanitize=fuzzer,address,undefined by fuzz/fuzz.mk.
 */
#include "fvz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fvz_run(data, size);
}
