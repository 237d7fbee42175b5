#!/bin/sh
# Runs the benchmark (make bench): writes the workloads with gen_trace.py,
# replays each with fvbench (the full engines flatvm, maple, kva and the
# search-alone baselines), writes the Markdown tables, the scale curve
# (CSV + PNG) under bench/results/ and ends with two summary lines per
# workload (`bench`: a+f+p against the best baseline; `bench-full`: every
# operation against the best same-job peer).  With TRACE set, replays that
# one file instead.
# Environment: BIN (fvbench), BUILD (scratch directory), TRACE (optional),
# REPS (default 5), BUDGET (seconds per allocator run, default 120).
set -eu
BENCH=bench
RES=$BENCH/results
TR=$BUILD/traces
REPS=${REPS:-5}
BUDGET=${BUDGET:-120}
mkdir -p "$RES" "$TR"

machine() {
	cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)
	echo "Machine: $cpu, $(nproc) CPUs, $(uname -sr); $(date -u '+%Y-%m-%d %H:%M UTC');" \
		"load average at start $(cut -d' ' -f1-3 /proc/loadavg);" \
		"core at $(git log -1 --format=%h -- ../module 2>/dev/null || echo '?')" \
		"$(git diff --quiet HEAD -- ../module ../include 2>/dev/null || echo '(with uncommitted changes)')."
}

if [ -n "${TRACE:-}" ]; then
	t=$TRACE
	# make -C userspace runs here; a path given from the top level works too.
	[ -f "$t" ] || [ ! -f "../$t" ] || t=../$t
	[ -f "$t" ] || { echo "bench: no trace file $TRACE" >&2; exit 1; }
	name=$(basename "$t"); name=${name%.*}
	out=$RES/trace-$name.md
	{ echo "## Benchmark of $TRACE"; echo; machine; echo; } > "$out"
	rm -f "$BUILD/summary-trace.txt"
	"$BIN" --reps "$REPS" --budget "$BUDGET" --md "$out" \
		--summary "$BUILD/summary-trace.txt" "$t" > /dev/null
	cat "$out"
	echo "bench: table in userspace/$out" >&2
	cat "$BUILD/summary-trace.txt"
	exit 0
fi

# seed-mix at a live-range target: enough operations to reach it and churn.
seed_trace() {
	live=$1
	ops=$((live * 5)); [ "$ops" -ge 300000 ] || ops=300000
	f=$TR/seed-live$live-ops$ops.trace
	if [ ! -f "$f" ] || [ "$BENCH/gen_trace.py" -nt "$f" ]; then
		python3 "$BENCH/gen_trace.py" seed --live "$live" --ops "$ops" \
			--seed 1 > "$f.tmp"
		mv "$f.tmp" "$f"
	fi
	echo "$f"
}

adv_trace() {
	f=$TR/adversarial-pairs20000-ops300000.trace
	if [ ! -f "$f" ] || [ "$BENCH/gen_trace.py" -nt "$f" ]; then
		python3 "$BENCH/gen_trace.py" adversarial --pairs 20000 \
			--ops 300000 --seed 1 > "$f.tmp"
		mv "$f.tmp" "$f"
	fi
	echo "$f"
}

MD=$RES/results.md
CSV=$RES/bench.csv
SUM=$BUILD/summary.txt
SCALE_MD=$RES/scale-points.md
: > "$SUM"
{
	echo "## Benchmark results (make bench)"
	echo
	machine
	echo
} > "$MD"
echo "workload,peak_live,allocator,ns_afp,ns_a,ns_f,ns_p,ns_s,ns_d,ns_q,frag_min,frag_end,failed_allocs,ns_all,meta_per_live,kind" > "$CSV"
{ echo "## Scale curve: extra points"; echo; machine; echo; } > "$SCALE_MD"

run() {	# name trace [md]
	echo "bench: $1 ($(wc -l < "$2") lines)" >&2
	# Three repetitions at most for the million-operation traces.
	reps=$REPS
	[ "$(wc -l < "$2")" -lt 2000000 ] || [ "$reps" -le 3 ] || reps=3
	"$BIN" --name "$1" --reps "$reps" --budget "$BUDGET" --md "${3:-$MD}" \
		--csv "$CSV" --summary "$SUM.$1" "$2" > /dev/null
}

for live in 1000 100000 1000000; do
	case $live in 1000) n=seed-1e3;; 100000) n=seed-1e5;; *) n=seed-1e6;; esac
	run "$n" "$(seed_trace $live)"
	cat "$SUM.$n" >> "$SUM"
done
run adversarial "$(adv_trace)"
cat "$SUM.adversarial" >> "$SUM"
for t in $BENCH/traces/*.trace; do
	n=$(basename "$t" .trace)
	run "$n" "$t"
	cat "$SUM.$n" >> "$SUM"
done
for live in 3000 10000 30000 300000; do
	run "seed-live$live" "$(seed_trace $live)" "$SCALE_MD"
done

# Scale curve: ns/op against the live-range target: a+f+p for every
# allocator, then every operation for the full engines (columns *-all).
SCALE=$RES/scale.csv
allocs="flatvm maple kva list bitmap buddy2 buddy4 rbtree"
full="flatvm maple kva"
workloads="seed-1e3 seed-1e5 seed-1e6 adversarial $(for t in $BENCH/traces/*.trace; do basename "$t" .trace; done)"
echo "live,$(echo $allocs | tr ' ' ','),$(echo $full | sed 's/\([a-z]*\)/\1-all/g' | tr ' ' ',')" > "$SCALE"
for live in 1000 3000 10000 30000 100000 300000 1000000; do
	case $live in
	1000) n=seed-1e3;; 100000) n=seed-1e5;; 1000000) n=seed-1e6;;
	*) n=seed-live$live;;
	esac
	row=$live
	for a in $allocs; do
		v=$(awk -F, -v n="$n" -v a="$a" '$1 == n && $3 == a { print $4 }' "$CSV")
		row="$row,${v:-NaN}"
	done
	for a in $full; do
		v=$(awk -F, -v n="$n" -v a="$a" '$1 == n && $3 == a { print $14 }' "$CSV")
		row="$row,${v:-NaN}"
	done
	echo "$row" >> "$SCALE"
done
gnuplot -e "csv='$SCALE'; png='$RES/scale.png'" $BENCH/scale.gp

# One table of every workload: column $2 of the CSV rows of each allocator.
table() {	# field allocators...
	field=$1; shift
	echo "| workload | $(echo "$@" | sed 's/ / | /g') |"
	echo "|---$(for a in "$@"; do printf '|---:'; done)|"
	for n in $workloads; do
		row="| $n"
		for a in "$@"; do
			v=$(awk -F, -v n="$n" -v a="$a" -v f="$field" '$1 == n && $3 == a && $f != "" { printf "%.0f", $f; if (f == 4 && $13 > 0) printf " (%d failed)", $13 }' "$CSV")
			row="$row | ${v:--}"
		done
		echo "$row |"
	done
}

# Headline: every operation (full engines), a+f+p (everyone), metadata.
HEAD=$RES/headline.md
{
	echo "ns/op, every operation of the trace (\`a f p s d q\`), full engines:"
	echo
	table 14 $full | sed '1s/ |$/ | speedup (best peer \/ flatvm) |/; 2s/|$/|---:|/'
	echo
	echo "ns/op a+f+p, full engines and search-alone baselines (the floor):"
	echo
	table 4 $allocs | sed '1s/ |$/ | speedup (best baseline \/ flatvm) |/; 2s/|$/|---:|/'
	echo
	echo "Peak metadata bytes per live range (records, tables, the allocator's"
	echo "own structure, all from the common record allocator):"
	echo
	table 15 $allocs
	echo
	echo "ns/op: median over repetitions of the mean time per operation;"
	echo "\`-\`: not run to the end or skipped (see the tables below)."
} > "$HEAD.tmp"
# The speedup columns, from the summary lines.
awk -v sum="$SUM" '
	BEGIN {
		while ((getline l < sum) > 0) {
			split(l, w, " ")
			key = w[1] " " substr(w[2], 1, length(w[2]) - 1)
			if (match(l, /speedup [^,]*/))
				sp[key] = substr(l, RSTART + 8, RLENGTH - 8)
		}
	}
	/^\| workload/ { tab++ }
	/^\| / && !/^\| workload/ {
		n = $2
		k = (tab == 1 ? "bench-full " : "bench ") n
		if (tab <= 2) { sub(/ \|$/, " | " (k in sp ? sp[k] : "-") " |") }
	}
	{ print }' "$HEAD.tmp" > "$HEAD"
rm -f "$HEAD.tmp"

{
	echo "### Headline"
	echo
	cat "$HEAD"
	echo
	echo "### Scale curve"
	echo
	echo "ns/op (median) against live ranges (seed mix), from"
	echo "\`results/scale.csv\`; plot \`results/scale.png\`; the points between"
	echo "the three seed workloads are in \`results/scale-points.md\`. a+f+p for"
	echo "every allocator, then every operation (*-all) for the full engines."
	echo
	echo "| live ranges | $(echo $allocs | sed 's/ / | /g') | $(echo $full | sed 's/\([a-z]*\)/\1-all/g; s/ / | /g') |"
	echo "|---:$(for a in $allocs $full; do printf '|---:'; done)|"
	tail -n +2 "$SCALE" | sed 's/NaN/-/g; s/,/ | /g; s/^/| /; s/$/ |/'
	echo
	echo "### Summary"
	echo
	echo '```'
	cat "$SUM"
	echo '```'
} >> "$MD"
rm -f "$SUM".*
echo "bench: tables in userspace/$MD, plot in userspace/$RES/scale.png" >&2
cat "$SUM"
