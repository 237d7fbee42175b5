#!/bin/sh
# bench-smoke: replays small traces through every allocator with the
# shadow map checking that ranges never overlap and stay in the window, the
# full engines' own checkers (fv_check() for flatvm, the peers' checks and
# the maple tree's mt_validate()) and their look-ups against the trace;
# compares the full engines operation by operation (look-up answers, pages
# freed) and the lowest-fit allocators' placements; feeds malformed traces
# that must be rejected.  Prints one line per case and ends with
# "N passed, N failed".
# Environment: BIN (fvbench, sanitizer build), BUILD (scratch directory).
set -u
BENCH=bench
DIR=$BUILD/smoke
mkdir -p "$DIR"
pass=0
fail=0

gen() {	# file generator-arguments...
	f=$1; shift
	python3 "$BENCH/gen_trace.py" "$@" > "$f" || { echo "smoke: generator failed" >&2; exit 1; }
}
gen "$DIR/seed.trace" seed --live 300 --ops 20000 --seed 7
gen "$DIR/seed3.trace" seed --live 200 --ops 10000 --procs 3 --seed 8
gen "$DIR/adversarial.trace" adversarial --pairs 300 --ops 6000 --seed 9
gen "$DIR/holders.trace" holders --ops 20000 --seed 11

replay() {	# trace [options...]
	t=$1; shift
	out=$("$BIN" --smoke "$@" "$t" 2>&1)
	rc=$?
	echo "$out"
	ok=$(echo "$out" | grep -c ': ok (')
	bad=$(echo "$out" | grep -c ': FAIL')
	pass=$((pass + ok))
	fail=$((fail + bad))
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		echo "smoke $t: FAIL: fvbench exited with $rc"
		fail=$((fail + 1))
	fi
}

replay "$DIR/seed.trace"
replay "$DIR/seed3.trace"
replay "$DIR/adversarial.trace"
replay "$DIR/holders.trace"
replay "$DIR/holders.trace" --window $((1 << 24)) --name holders-tight
replay "$BENCH/traces/py.trace"
replay "$BENCH/traces/node.trace"
# A window too small for the workload: allocations fail, nothing breaks.
replay "$DIR/seed.trace" --window $((1 << 30)) --name seed-tight

# Malformed or inconsistent traces must be refused (exit status 2).
reject() {	# name content
	printf '%b' "$2" > "$DIR/bad-$1.trace"
	"$BIN" --smoke "$DIR/bad-$1.trace" > /dev/null 2>&1
	if [ $? -eq 2 ]; then
		echo "smoke reject-$1: ok"
		pass=$((pass + 1))
	else
		echo "smoke reject-$1: FAIL: accepted"
		fail=$((fail + 1))
	fi
}
reject zero-size 'a 1 0\n'
reject unknown-id 'a 1 4096\nf 2\n'
reject id-twice 'a 1 4096\na 1 4096\n'
reject past-end 'a 1 8192\np 1 4096 8192\n'
reject bad-align 'a 1 4096 0 3000\n'
reject bad-kind 'a 1 4096\nx 1\n'
reject bad-rights 'a 1 4096\ns 1 2 w\n'
reject negative 'a 1 -4096\n'
reject huge 'a 1 281474976710657\n'
reject empty '# nothing\n'

echo "bench-smoke: $pass passed, $fail failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
