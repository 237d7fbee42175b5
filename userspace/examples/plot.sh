#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# plot.sh CSV PNG: look-ups per second per reader against the number of
# readers, one line per variant, from shmap_bench's CSV lines
# (variant,readers,publish_ms,lookups_per_reader,bytes,build_ms,
# lookups_per_cpu_s).
set -eu
csv=$1
png=$2
[ -s "$csv" ] || { echo "plot.sh: $csv is empty" >&2; exit 1; }
if ! command -v gnuplot >/dev/null 2>&1; then
	echo "plot.sh: gnuplot missing (apt-get install gnuplot-nox): no $png" >&2
	exit 1
fi
gnuplot -e "csv='$csv'; png='$png'" "$(dirname "$0")/shmap.gp"
echo "plot.sh: wrote $png"
