# SPDX-License-Identifier: GPL-2.0
# Look-ups per second per reader against readers, one line per variant.
# gnuplot -e "csv='results/shmap.csv'; png='results/shmap.png'" shmap.gp
set terminal pngcairo size 800,500 noenhanced
set output png
set datafile separator ","
set title "shmap: look-ups per second per reader while the writer inserts"
set xlabel "readers"
set ylabel "look-ups/s per reader"
set xtics (1, 2, 4, 8)
set logscale x 2
set yrange [0:*]
set key top right
set grid
plot for [v in "flatvm memfd pipe"] csv using 2:(strcol(1) eq v ? $4 : NaN) \
	with linespoints lw 2 pt 7 title v
