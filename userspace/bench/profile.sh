#!/bin/sh
# bench-profile: where the allocators spend their instructions and cache
# misses, with callgrind (no hardware counters needed).
#  1. Instructions per call of each allocator's entry points, on the seed
#     mix at 10^4 live ranges (every allocator, one timed repetition).
#  2. The full engines (flatvm, maple, kva) and the rbtree baseline on
#     seed-1e5 with the cache simulator: instructions and first-level
#     data-cache misses per call of each entry point, and flatvm's
#     functions that miss most.
# Writes bench/results/profile.md; callgrind files newer than the binary and
# the trace are reused.  No time budget: valgrind is 50-100 times slower.
# Environment: BIN, BUILD.
set -eu
BENCH=bench
RES=$BENCH/results
TR=$BUILD/traces
OUT=$RES/profile.md
mkdir -p "$RES" "$TR" "$BUILD/profile"

trace() {	# live ops
	f=$TR/seed-live$1-ops$2.trace
	if [ ! -f "$f" ] || [ "$BENCH/gen_trace.py" -nt "$f" ]; then
		python3 "$BENCH/gen_trace.py" seed --live "$1" --ops "$2" \
			--seed 1 > "$f.tmp"
		mv "$f.tmp" "$f"
	fi
	echo "$f"
}

# Inclusive cost and calls of each function named, from a callgrind file:
# prints "function calls Ir [D1mr]" per line.
costs() {	# file events functions...
	f=$1; ev=$2; shift 2
	callgrind_annotate --inclusive=yes --tree=caller --threshold=100 \
		--show="$ev" "$f" \
		2>/dev/null | awk -v list="$*" '
		BEGIN { n = split(list, want, " ") }
		/^ *[0-9,]+ .*< / {
			if (match($0, /\(([0-9,]+)x\)/)) {
				c = substr($0, RSTART + 1, RLENGTH - 3)
				gsub(",", "", c); calls += c
			}
			next
		}
		/\* / {
			line = $0
			gsub(/\([^)]*\)/, "", line)
			split(line, fld, " ")
			for (i = 1; i <= n; i++) {
				if (line ~ (":" want[i] "( |$)") && calls > cnt[want[i]]) {
					gsub(",", "", fld[1]); gsub(",", "", fld[2])
					ir[want[i]] = fld[1]; cnt[want[i]] = calls
					dm[want[i]] = fld[2] == "*" ? "" : fld[2]
				}
			}
			calls = 0; next
		}
		/^$/ { calls = 0 }
		END {
			for (i = 1; i <= n; i++)
				if (cnt[want[i]])
					printf "%s %d %d %s\n", want[i], cnt[want[i]],
						ir[want[i]], dm[want[i]]
		}'
}

T4=$(trace 10000 300000)
{
	echo "## Profile (make bench-profile)"
	echo
	echo "callgrind counts (valgrind $(valgrind --version | sed 's/valgrind-//'));"
	echo "no hardware counters on this machine. Instructions per call of"
	echo "each entry point, seed mix at 10^4 live ranges"
	echo "(\`$(basename "$T4")\`), one run:"
	echo
	echo "| allocator | function | calls | instructions/call |"
	echo "|---|---|---:|---:|"
} > "$OUT"
# Entry points of each allocator (the peers' are their full_ops functions).
entry_points() {
	case $1 in
	flatvm) echo "fv_alloc fv_release fv_share fv_rights";;
	maple) echo "mp_alloc mp_release mp_share mp_rights";;
	kva) echo "kva_alloc kva_release kva_share kva_rights";;
	buddy2|buddy4) echo "buddy_alloc buddy_release";;
	*) echo "${1}_alloc ${1}_release";;
	esac
}

for a in flatvm maple kva list bitmap buddy2 buddy4 rbtree; do
	fns=$(entry_points $a)
	cg=$BUILD/profile/ir-$a.out
	echo "bench-profile: $a" >&2
	[ "$cg" -nt "$BIN" ] && [ "$cg" -nt "$T4" ] ||
	valgrind --tool=callgrind --callgrind-out-file="$cg" \
		"$BIN" --reps 1 --budget 86400 --only "$a" "$T4" > /dev/null 2>&1
	costs "$cg" Ir $fns | while read -r fn calls ir rest; do
		echo "| $a | \`$fn\` | $calls | $(awk -v i="$ir" -v c="$calls" 'BEGIN { printf "%.0f", i / c }') |"
	done >> "$OUT"
done

T5=$(trace 100000 500000)
for a in flatvm maple kva rbtree; do
	cg=$BUILD/profile/cache-$a.out
	echo "bench-profile: $a, cache simulation" >&2
	[ "$cg" -nt "$BIN" ] && [ "$cg" -nt "$T5" ] ||
	valgrind --tool=callgrind --cache-sim=yes --callgrind-out-file="$cg" \
		"$BIN" --reps 1 --budget 86400 --only "$a" "$T5" > /dev/null 2>&1
done
cg=$BUILD/profile/cache-flatvm.out
{
	echo
	echo "The full engines and the rbtree baseline on the seed mix at 10^5 live ranges"
	echo "(\`$(basename "$T5")\`), cache simulator (D1: first-level data cache"
	echo "read misses; on this machine a miss to memory costs on the order of"
	echo "100 ns):"
	echo
	echo "| allocator | function | calls | instructions/call | D1 read misses/call |"
	echo "|---|---|---:|---:|---:|"
	for a in flatvm maple kva rbtree; do
		fns=$(entry_points $a)
		costs "$BUILD/profile/cache-$a.out" Ir,D1mr $fns |
		while read -r fn calls ir dm; do
			awk -v a="$a" -v f="$fn" -v c="$calls" -v i="$ir" -v d="$dm" 'BEGIN {
				printf "| %s | `%s` | %d | %.0f | %.1f |\n", a, f, c, i / c, d / c }'
		done
	done
	echo
	echo "flatvm: functions with the most D1 read misses (exclusive), whole run"
	echo "(the trace reader and the replayer's bookkeeping included):"
	echo
	echo '```'
	callgrind_annotate --show=Ir,D1mr --sort=D1mr "$cg" 2>/dev/null |
		sed -n '/file:function/,$p' | sed -n 3,22p |
		sed "s|$PWD/||; s|\.\./module/|module/|; s| \[.*||"
	echo '```'
} >> "$OUT"
echo "bench-profile: wrote userspace/$OUT" >&2
cat "$OUT"
