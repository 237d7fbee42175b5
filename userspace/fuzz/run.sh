#!/bin/sh
# Run the differential fuzzer for a time budget and print one summary line,
# `N passed, N failed`: the standalone driver (deterministic seed) for half
# the budget, libFuzzer for the rest when it was built (else the standalone
# driver gets it all).  A mismatch or sanitizer report fails the
# run and leaves the reproducer in the build folder.
#
#   run.sh SECONDS STANDALONE LIBFUZZER SEED_CORPUS BUILD_DIR
set -u
secs=$1 standalone=$2 libfuzzer=$3 seeds=$4 build=$5
passed=0 failed=0

if [ -x "$libfuzzer" ]; then
	sa_secs=$((secs / 2))
	[ "$sa_secs" -lt 5 ] && sa_secs=5
	lf_secs=$((secs - sa_secs))
	[ "$lf_secs" -lt 1 ] && lf_secs=1
else
	sa_secs=$secs
	lf_secs=0
	echo "fuzz: libFuzzer binary not built (no clang): standalone driver only"
fi

mkdir -p "$build/crashes"
seed=${FUZZ_SEED:-1}
if "$standalone" -s "$seed" -t "$sa_secs" -o "$build/crashes"; then
	passed=$((passed + 1))
else
	echo "FAIL fuzz standalone (seed $seed): see the report above and $build/crashes"
	failed=$((failed + 1))
fi

if [ "$lf_secs" -gt 0 ]; then
	mkdir -p "$build/corpus"
	log=$build/libfuzzer.log
	if "$libfuzzer" -max_total_time="$lf_secs" -max_len=4096 -timeout=60 \
		-detect_leaks=0 \
		-rss_limit_mb=4096 -print_final_stats=1 \
		-artifact_prefix="$build/crashes/" \
		"$build/corpus" "$seeds" >"$log" 2>&1; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
		ops=$(sed -n 's/^fvz libfuzzer totals: \([0-9]*\) ops.*/\1/p' "$log")
		echo "fvz libfuzzer: ${execs:-?} execs, ${ops:-?} ops in $lf_secs s, $cov, corpus $(ls "$build/corpus" | wc -l) inputs, no mismatch"
		grep '^fvz ops' "$log"
		passed=$((passed + 1))
	else
		tail -n 60 "$log"
		echo "FAIL fuzz libfuzzer: see $log; replay an input with: $standalone -v $build/crashes/crash-*"
		failed=$((failed + 1))
	fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
