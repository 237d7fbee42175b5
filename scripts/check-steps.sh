#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs each make target given as argument (the CHECK_STEPS of the top-level
# Makefile) with a timeout, keeps its output in build/check/<step>.log, and
# sums the bare "N passed, N failed" lines each step prints.  A step that
# fails without reporting a failure counts as one failure; a step that
# prints no count at all counts as one test.  Ends with the summed line and
# fails when anything failed.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
logs=$top/build/check
mkdir -p "$logs"
timeout=${STEP_TIMEOUT:-3600}
total_p=0 total_f=0
report=()
for step in "$@"; do
	log=$logs/$step.log
	echo "==== check: $step (timeout ${timeout}s, log $log)"
	start=$(date +%s)
	timeout -k 30 "$timeout" make --no-print-directory -C "$top" "$step" \
		</dev/null 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	counts=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" || true)
	p=0 f=0
	if [ -n "$counts" ]; then
		p=$(echo "$counts" | awk '{ s += $1 } END { print s }')
		f=$(echo "$counts" | awk '{ s += $3 } END { print s }')
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		[ "$rc" -eq 124 ] && echo "check: $step timed out after ${timeout}s"
	elif [ -z "$counts" ]; then
		p=1
	fi
	total_p=$((total_p + p))
	total_f=$((total_f + f))
	report+=("$(printf '%-16s %4d passed, %4d failed  (%d s, exit %d)' \
		"$step" "$p" "$f" $(($(date +%s) - start)) "$rc")")
done
echo "==== check summary"
for r in "${report[@]}"; do
	echo "  $r"
done
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
