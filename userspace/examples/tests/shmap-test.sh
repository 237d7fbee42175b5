#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# shmap_bench on the host, small (20000 keys, 0.2 s per reader, 1 and 2
# readers), built with ASan+UBSan and the fake device: the memfd and pipe
# variants (--host, two rounds each: medians), and the two flatvm variants
# on the fake device (raw pointers: ranges mapped by first touch; the
# view).  Checks the exit status, one table row and one CSV line per
# variant and reader count, that every flatvm/memfd reader saw the
# writer's later inserts, and the bytes copied.
# Prints "N passed, N failed".
set -u
bin=$1
passed=0 failed=0
tmp=$(mktemp -d /tmp/shmap-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1

step() {
	local name=$1
	shift
	if "$@" >"$tmp/step.log" 2>&1; then
		echo "PASS shmap.$name"
		passed=$((passed + 1))
	else
		echo "FAIL shmap.$name"
		sed 's/^/    /' "$tmp/step.log" | tail -20
		failed=$((failed + 1))
	fi
}

# check_run OUT VARIANTS...: one row and one CSV line per variant and
# reader count; later inserts seen by memfd and flatvm readers.
check_run() {
	local out=$1 v r
	shift
	for v in "$@"; do
		for r in 1 2; do
			grep -Eq "^$v +$r +[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ " "$out" ||
				{ echo "no row for $v $r"; return 1; }
			grep -Eq "^shmap-csv: $v,$r,[0-9.]+,[1-9][0-9]*,[0-9]+,[0-9.]+,[1-9][0-9]*$" "$out" ||
				{ echo "no csv for $v $r"; return 1; }
		done
	done
	! grep -q "FAILED\| NO " "$out" || { echo "a round failed"; return 1; }
}

run_host() {
	"$bin" --host --keys 20000 --seconds 0.2 --readers 1,2 --rounds 2 \
		--csv "$tmp/host.csv" >"$tmp/host.out" || { cat "$tmp/host.out"; return 1; }
	check_run "$tmp/host.out" memfd pipe || { cat "$tmp/host.out"; return 1; }
	grep -q "the median of 2 rounds" "$tmp/host.out" || { echo "no medians"; return 1; }
	# The pipe copies the data to every reader: 20000 keys of 8+12+16..48 bytes.
	awk -F, '$1 == "pipe" && $5 < $2 * 20000 * 36 { bad = 1 }
		 $1 == "memfd" && $5 > 1000 { bad = 1 }
		 END { exit bad }' "$tmp/host.csv" || { echo "bytes copied"; cat "$tmp/host.csv"; return 1; }
	[ "$(wc -l <"$tmp/host.csv")" -eq 4 ]
}

run_fake_flatvm() {
	FLATVM_FAKE_LINK=$tmp/dev "$bin" --variants flatvm,flatvm-view --device "$tmp/dev" \
		--keys 20000 --seconds 0.2 --readers 1,2 >"$tmp/fake.out" ||
		{ cat "$tmp/fake.out"; return 1; }
	check_run "$tmp/fake.out" flatvm flatvm-view || { cat "$tmp/fake.out"; return 1; }
	grep -Eq "^flatvm +2 .* yes " "$tmp/fake.out" &&
		grep -Eq "^flatvm-view +2 .* yes " "$tmp/fake.out"
}

run_usage() {
	local rc
	"$bin" --keys 0 >/dev/null 2>&1; rc=$?
	[ $rc -eq 2 ] || return 1
	"$bin" --readers 0 >/dev/null 2>&1; rc=$?
	[ $rc -eq 2 ] || return 1
	"$bin" --variants flatvm,bogus >/dev/null 2>&1; rc=$?
	[ $rc -eq 2 ] || return 1
	"$bin" --rounds 0 >/dev/null 2>&1; rc=$?
	[ $rc -eq 2 ] || return 1
	# No device: the flatvm variant fails, exit 1.
	"$bin" --variants flatvm --device /nonexistent --keys 100 --seconds 0.1 \
		--readers 1 >"$tmp/nodev.out" 2>&1; rc=$?
	[ $rc -eq 1 ] && grep -q "No such file" "$tmp/nodev.out"
}

step host_memfd_pipe run_host
step fake_flatvm run_fake_flatvm
step usage_and_errors run_usage
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
