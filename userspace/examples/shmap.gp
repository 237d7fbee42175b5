# SPDX-License-Identifier: GPL-2.0
# Look-ups per reader against readers, one line per variant: per second of
# wall time (left) and per second of the reader's CPU time (right).
# gnuplot -e "csv='results/shmap.csv'; png='results/shmap.png'" shmap.gp
set terminal pngcairo size 1100,450 noenhanced
set output png
set datafile separator ","
# The variants in the file, in their order (flatvm-view only when run).
variants = system("awk -F, '!seen[$1]++ { printf \"%s \", $1 }' '" . csv . "'")
set multiplot layout 1,2 title "shmap: look-ups per reader while the writer inserts"
set xlabel "readers"
set xtics (1, 2, 4, 8)
set logscale x 2
set yrange [0:*]
set key bottom left
set grid
set ylabel "look-ups/s per reader"
plot for [v in variants] csv using 2:(strcol(1) eq v ? $4 : NaN) \
	with linespoints lw 2 pt 7 title v
set ylabel "look-ups per CPU-second per reader"
plot for [v in variants] csv using 2:(strcol(1) eq v ? $7 : NaN) \
	with linespoints lw 2 pt 7 title v
unset multiplot
