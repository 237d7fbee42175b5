// SPDX-License-Identifier: GPL-2.0
/*
 * Standalone driver of the differential fuzzer (fvz_diff.c) for machines
 * without libFuzzer: deterministic inputs from a seeded PRNG for a time or
 * run budget, or replay of given input files.  On a mismatch the input is
 * saved so that it can be replayed (-v prints every operation).
 *
 *   fvz-standalone [-s SEED] [-t SECONDS] [-n RUNS] [-o DIR] [-v] [FILE...]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fvz.h"

static uint8_t buf[FVZ_MAX_INPUT];
static size_t buf_len;
static const char *crash_dir = ".";
static unsigned long long cur_seed, cur_run;

static uint64_t next_rand(uint64_t *s)
{
	uint64_t x = (*s += 0x9e3779b97f4a7c15ull);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Save the failing input where the report says. */
static void save_input(void)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/fvz-crash-s%llu-r%llu.bin", crash_dir,
		 cur_seed, cur_run);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, buf_len, f) != buf_len) {
		fprintf(stderr, "fvz: cannot save the input to %s\n", path);
	} else {
		fprintf(stderr, "fvz: input saved; replay with: fvz-standalone -v %s\n",
			path);
	}
	if (f)
		fclose(f);
}

/*
 * One input: random bytes, with op bytes drawn from a per-input subset now
 * and then so that some runs are dominated by a few operations.
 */
static void make_input(uint64_t *s)
{
	uint64_t r = next_rand(s);
	size_t i;

	buf_len = 1 + next_rand(s) % (r & 1 ? 512 : FVZ_MAX_INPUT / 2);
	for (i = 0; i < buf_len; i++)
		buf[i] = next_rand(s);
	if ((r >> 1) % 3 == 0) {
		uint8_t mask = next_rand(s) | 0x10;

		for (i = 5; i < buf_len; i += 4)
			buf[i] &= mask;
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int replay(const char *path)
{
	FILE *f = fopen(path, "rb");

	if (!f) {
		perror(path);
		return 1;
	}
	buf_len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	fvz_run(buf, buf_len);
	printf("fvz: %s: ok (%zu bytes)\n", path, buf_len);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long seed = 1, runs = 0, max_runs = ~0ull;
	double seconds = 10, t0;
	uint64_t s;
	int c, i, ret = 0;

	while ((c = getopt(argc, argv, "s:t:n:o:v")) != -1) {
		switch (c) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 't':
			seconds = strtod(optarg, NULL);
			break;
		case 'n':
			max_runs = strtoull(optarg, NULL, 0);
			break;
		case 'o':
			crash_dir = optarg;
			break;
		case 'v':
			fvz_verbose = 1;
			break;
		default:
			fprintf(stderr, "usage: %s [-s SEED] [-t SECONDS] [-n RUNS] [-o DIR] [-v] [FILE...]\n",
				argv[0]);
			return 2;
		}
	}
	if (optind < argc) {
		for (i = optind; i < argc; i++)
			ret |= replay(argv[i]);
		return ret;
	}
	fvz_fail_hook = save_input;
	cur_seed = seed;
	t0 = now();
	while (runs < max_runs && now() - t0 < seconds) {
		/* Input r of seed S is reproducible on its own: -s S -n r+1. */
		s = seed * 0x100000001b3ull + runs;
		cur_run = runs;
		make_input(&s);
		fvz_run(buf, buf_len);
		runs++;
	}
	printf("fvz standalone: seed %llu: %llu runs, %llu ops, %llu injected -ENOMEM, %.1f s, no mismatch\n",
	       seed, runs, fvz_total_ops, fvz_total_injected, now() - t0);
	fvz_print_stats(stdout);
	return 0;
}
