# plot-cdf.gp - close-latency CDF, one curve per value of the varied key.
# offsim plot defines: $data (one block per series: a title line, then
# "seconds fraction" rows), nseries, plot_title, subtitle, x_label, note
# (the key's title: what the series are values of).
# Censored connections (still open at the end) never count as closed, so a
# curve ends at 1 minus its censored share.
set title plot_title . "\n" . subtitle noenhanced
set xlabel x_label noenhanced
set ylabel "fraction of connections closed" noenhanced
set logscale x
set format x "%g"
set yrange [0:1.02]
set grid xtics ytics mxtics
set key outside right top noenhanced title note
plot for [i=1:nseries] $data index (i-1) using 1:2 with steps lw 2 title columnheader(1)
