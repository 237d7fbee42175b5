/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The differential fuzzer of the flatvm core: one entry point that decodes
 * a byte string into an arena and a sequence of operations, runs them on
 * the core and on the reference model (fvz_model.c) and aborts on the first
 * disagreement.  Driven by libFuzzer (fvz_libfuzzer.c) or by a standalone
 * deterministic driver (fvz_standalone.c).
 */
#ifndef _FLATVM_FVZ_H
#define _FLATVM_FVZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Longest input used: later bytes are ignored. */
#define FVZ_MAX_INPUT	8192

/* Run one input; returns 0.  A mismatch prints a report and aborts. */
int fvz_run(const uint8_t *data, size_t size);

/* Print every operation and its result (for replaying a reproducer). */
extern int fvz_verbose;
/* Called before aborting on a mismatch (the standalone driver saves the input). */
extern void (*fvz_fail_hook)(void);
/* Operations run and allocation failures injected, over all inputs. */
extern unsigned long long fvz_total_ops, fvz_total_injected;

/* Per operation kind: runs and successes so far. */
void fvz_print_stats(FILE *f);

#endif /* _FLATVM_FVZ_H */
