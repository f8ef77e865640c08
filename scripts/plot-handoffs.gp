# plot-handoffs.gp - offloads, uploads and Retrieve indications per second
# over simulated time (mean over seeds), one panel each, one curve per value
# of the varied key.
# offsim plot defines: $data (one block per value: a title line, then
# "seconds offloads uploads retrieves" rows), nseries, plot_title, note (the
# key's title).
set multiplot layout 3,1 title plot_title noenhanced
set grid
set key outside right top noenhanced title note
set ylabel "offloads/s" noenhanced
set format x ""
plot for [i=1:nseries] $data index (i-1) using 1:2 with lines lw 2 lc i title columnheader(1)
set ylabel "uploads/s" noenhanced
plot for [i=1:nseries] $data index (i-1) using 1:3 with lines lw 2 lc i title columnheader(1)
set ylabel "Retrieve/s" noenhanced
set format x "%g"
set xlabel "simulated time (s)" noenhanced
plot for [i=1:nseries] $data index (i-1) using 1:4 with lines lw 2 lc i title columnheader(1)
unset multiplot
