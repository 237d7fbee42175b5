# Scale curve of the benchmark: ns/op (a+f+p) against live ranges.
# Called by run.sh with csv='...' and png='...'.
set terminal pngcairo size 900,600 font ",11"
set output png
set datafile separator ","
set datafile missing "NaN"
set logscale xy
set xrange [700:1.5e6]
set xlabel "live ranges (seed mix)"
set ylabel "ns/op, a+f+p, median"
set key outside right top
set grid
set title "flatvm core vs baselines: cost per allocation/release"
plot for [i=2:7] csv using 1:i with linespoints lw 2 pt 7 title columnheader(i)
