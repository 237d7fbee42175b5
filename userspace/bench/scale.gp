# Scale curve of the benchmark: ns/op against live ranges (seed mix).
# Called by run.sh with csv='...' and png='...'.  Left: a+f+p, every
# allocator (columns 2-9); right: every operation, the full engines
# (columns 10-12).
set terminal pngcairo size 1400,600 font ",11"
set output png
set datafile separator ","
set datafile missing "NaN"
set logscale xy
set xrange [700:1.5e6]
set xlabel "live ranges (seed mix)"
set key top left
set grid
set multiplot layout 1,2
set title "a+f+p: full engines vs search alone"
set ylabel "ns/op, a+f+p, median"
plot for [i=2:9] csv using 1:i with linespoints lw 2 pt 7 title columnheader(i)
set title "every operation (a f p s d q): flatvm vs its same-job peers"
set ylabel "ns/op, all operations, median"
plot for [i=10:12] csv using 1:i with linespoints lw 2 pt 7 title columnheader(i)
unset multiplot
